/**
 * `npm run demo`: the real evaluator and weekly report, run locally with no AWS account; it ends with what
 * `slo status` shows on the demo's table.
 *
 * State lives in DynamoDB (dynalite, in-process on 127.0.0.1), metrics come from a synthetic CloudWatch
 * with scripted incidents, and SNS and CodePipeline are in-memory twins that print what they receive.
 * A simulated clock walks through December 2026: incidents burn the example contracts' budgets through
 * every tier, a person overrides a freeze in the console, and the budgets recover in January.
 */
import { Command } from 'commander';
import { evaluate, type EvaluationSummary } from '../functions/usecases/evaluate.ts';
import { sendWeeklyReport } from '../functions/usecases/report.ts';
import { DynamoStore } from '../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier } from '../functions/adapters/memory.ts';
import { loadContractsOrThrow } from '../functions/contracts/loader.ts';
import { syntheticSeries, type Incident } from '../functions/local/synthetic.ts';
import { formatUtc } from '../functions/core/reason.ts';
import type { Contract } from '../functions/core/contract.ts';
import type { OutboundMessage, Ports } from '../functions/ports.ts';
import { startDynalite } from './local/dynalite.ts';
import { readStatus } from '../functions/usecases/status.ts';
import { formatStatus } from './status-command.ts';
import { quietSdkNodeVersionWarning } from './slo.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = Date.parse('2026-12-01T00:00:00Z');
const at = (day: number, hour: number, minute = 0) => START + (day - 1) * DAY + hour * HOUR + minute * MIN;

/** The story, by contract name; contracts the story does not know run quietly. */
function incidents(): Incident[] {
  return [
    // checkout: 30d window, 99.9 %: at 1,000 req/min that is 43,200 bad requests allowed.
    { contract: 'checkout', fromMs: at(1, 10), toMs: at(1, 11), errorRatio: 0.3 }, // 18,000 bad: 58 % left, fast burn pages
    { contract: 'checkout', fromMs: at(1, 14), toMs: at(1, 15), errorRatio: 0.25 }, // +15,000: 24 % left, frozen
    { contract: 'checkout', fromMs: at(2, 20), toMs: at(2, 20, 30), errorRatio: 0.4 }, // +12,000: overspent, exhausted
    // login latency: 28d, 99.5 %: 201,600 slow calls allowed; 4 h at 60 % slow spends 71 %.
    { contract: 'login', fromMs: at(1, 16), toMs: at(1, 20), slowRatio: 0.6 },
    // canary: calendar month of 5-minute slices at 99.5 %: 44.6 bad slices allowed; 3 h down is 36.
    { contract: 'storefront-canary', fromMs: at(2, 2), toMs: at(2, 5), canaryDown: true },
  ];
}

interface Printer {
  line(text: string): void;
}

/** An SNS twin that prints each message as a subscriber would see it. */
class PrintingNotifier extends MemoryNotifier {
  constructor(
    private readonly out: Printer,
    private readonly clock: ManualClock,
  ) {
    super();
  }
  override async publish(message: OutboundMessage): Promise<void> {
    await super.publish(message);
    const a = message.attributes;
    // Who the subscriptions deliver it to: the contract's addresses, the pager for pages, and every audience it names.
    const route = [a.severity === 'page' ? 'email + PAGER' : 'email', ...(a.audience ?? [])].join(' + ');
    this.out.line(`  ${formatUtc(this.clock.now())}  SNS (${route}): ${message.subject}`);
    if (a.event === 'report') {
      // Each contract's recipients get their contract's report; leadership's roll-up is printed in full.
      if (a.audience?.includes('leadership')) this.out.line(message.text.replace(/^/gm, '      | '));
    } else if (a.audience?.length) {
      this.out.line(`      ${a.audience.join(' and ')} ${a.audience.length === 1 ? 'is' : 'are'} told (audience attribute; their subscriptions filter on it):`);
      this.out.line(message.text.replace(/^/gm, '      | '));
    }
  }
}

function printGateCalls(out: Printer, gate: MemoryGate, from: number, clock: ManualClock): number {
  for (const c of gate.calls.slice(from)) {
    if (c.op === 'get' || c.failed) continue;
    out.line(`  ${formatUtc(clock.now())}  CodePipeline: ${c.op === 'disable' ? 'DISABLE' : 'ENABLE'} ${c.pipeline}/${c.stage} Inbound${c.reason ? ` - "${c.reason}"` : ''}`);
  }
  return gate.calls.length;
}

export async function runDemo(opts: { contracts: string; out: Printer }): Promise<{ runs: number; summary: EvaluationSummary[]; notifier: MemoryNotifier }> {
  const { out } = opts;
  const contracts: Contract[] = loadContractsOrThrow(opts.contracts).map((c) => c.contract);
  const db = await startDynalite({ tableName: 'slo-contracts-demo' });
  try {
    const clock = new ManualClock(START);
    const store = new DynamoStore(db.doc, db.tableName);
    const notifier = new PrintingNotifier(out, clock);
    const gate = new MemoryGate(clock);
    for (const c of contracts) for (const g of c.spec.gates) if (!gate.peek(g.pipeline, g.stage)) gate.addStage(g.pipeline, g.stage);
    const metrics = new MemoryMetrics(syntheticSeries(contracts, { requestsPerMinute: 1000, incidents: incidents() }));
    const ports: Ports = { clock, store, notifier, gate, metrics };
    const options = { overrideHonourMs: 4 * HOUR };

    out.line(`slo-contracts demo: ${contracts.length} contracts (${contracts.map((c) => c.metadata.name).join(', ')}), state in DynamoDB at ${db.endpoint} (dynalite)`);
    out.line('Evaluating every 30 minutes from 2026-12-01 00:00 UTC; incidents are scripted in bin/demo.ts.\n');

    const summaries: EvaluationSummary[] = [];
    let seen = 0;
    let runs = 0;
    const run = async () => {
      const s = await evaluate(ports, contracts, options);
      runs++;
      summaries.push(s);
      seen = printGateCalls(out, gate, seen, clock);
      for (const o of s.objectives) if (o.status === 'error') out.line(`  ${formatUtc(clock.now())}  ERROR ${o.contract}/${o.objective}: ${o.detail ?? ''}`);
    };

    let personActed = false;
    for (let t = START; t <= at(3, 0); t += 30 * MIN) {
      clock.set(t);
      if (!personActed && t >= at(2, 9)) {
        personActed = true;
        // A release manager re-enables shop-web in the CodePipeline console to ship a hotfix.
        gate.setTransition('shop-web', 'Production', { enabled: true, lastChangedBy: 'arn:aws:iam::123456789012:user/release-manager', lastChangedAt: t });
        out.line(`  ${formatUtc(t)}  (a person re-enables shop-web/Production in the CodePipeline console)`);
      }
      await run();
    }
    out.line('\nFast-forward: one evaluation a day; the weekly report goes out on Monday 09:00 UTC.\n');
    const monday = Date.parse('2026-12-07T09:00:00Z');
    let reported = false;
    for (let t = at(3, 12); t <= Date.parse('2027-01-02T12:00:00Z'); t += DAY) {
      if (!reported && t > monday) {
        reported = true;
        clock.set(monday);
        await sendWeeklyReport({ store, notifier, clock }, contracts);
      }
      clock.set(t);
      await run();
    }
    const bySeverity = new Map<string, number>();
    for (const m of notifier.published) bySeverity.set(m.attributes.severity, (bySeverity.get(m.attributes.severity) ?? 0) + 1);
    out.line(`\n${runs} evaluations; ${notifier.published.length} SNS messages (${[...bySeverity].map(([k, v]) => `${v} ${k}`).join(', ')}); ${gate.calls.filter((c) => c.op === 'disable' && !c.failed).length} freezes and ${gate.calls.filter((c) => c.op === 'enable' && !c.failed).length} unfreezes; every change is in the DynamoDB history.`);
    // What `slo status --table slo-contracts-demo` prints now, read from the demo's table with the same code.
    out.line(`\n$ slo status --table ${db.tableName}`);
    const view = await readStatus(store, clock.now());
    for (const l of formatStatus(view, { source: `table ${db.tableName}` })) out.line(l);
    return { runs, summary: summaries, notifier };
  } finally {
    await db.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The demo's DynamoDB client would print the SDK's Node-version notice first, as the CLI would (see slo.ts).
  quietSdkNodeVersionWarning();
  const program = new Command('demo')
    .description('Run the evaluator locally over a scripted month, with no AWS account')
    .option('--contracts <path>', 'contract file or folder', 'contracts')
    .action(async (o: { contracts: string }) => {
      await runDemo({ contracts: o.contracts, out: { line: (t) => console.log(t) } });
    });
  program.parseAsync(process.argv).catch((err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exit(1);
  });
}
