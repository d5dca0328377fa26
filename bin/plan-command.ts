/**
 * `slo plan`: a dry run of the evaluator against the live CloudWatch of the current AWS profile, before deploy.
 *
 *   slo plan [path] [--table slo-contracts-state] [--json]
 *
 * 1. Every metric of every objective must exist: ListMetrics (functions/adapters/cloudwatch-catalog.ts) tells a
 *    missing metric (a typo in a namespace, name or dimension: an error naming file and path, with the near
 *    matches) from a quiet one. A `bad` count that never happened is only a warning (no 5XX in two weeks is fine).
 * 2. The real evaluate() runs now, on in-memory state, notifier and gates: it reads CloudWatch (GetMetricData)
 *    and nothing else. With --table the state is first copied, read only, from the deployed table, so tiers and
 *    freezes start where the deployed evaluator left them.
 * 3. It prints what the evaluator would do: each objective's status and tier, the messages it would send, the
 *    gates it would freeze or unfreeze. An objective with no data at all is an error.
 * Nothing is written to DynamoDB, published to SNS or changed in CodePipeline: no client for them is even built
 * (DynamoDB is only read, with --table). Exit 0 when everything reads, 1 when a metric is missing or silent.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Contract, Objective } from '../functions/core/contract.ts';
import { metricSpecs, type Role } from '../functions/core/assess.ts';
import { objectiveKey } from '../functions/core/model.ts';
import { formatIssue, loadContracts, type ContractIssue } from '../functions/contracts/loader.ts';
import { evaluate, type EvaluationSummary } from '../functions/usecases/evaluate.ts';
import { MemoryGate, MemoryNotifier, MemoryStore } from '../functions/adapters/memory.ts';
import type { MetricCatalogPort } from '../functions/adapters/cloudwatch-catalog.ts';
import type { GateState, OutboundMessage, Ports, StorePort } from '../functions/ports.ts';
import { CliExit, EXIT_FAILED, UsageError, type CliIo } from './cli.ts';
import type { HistoryIo } from './backtest-command.ts';

/** What `slo plan` needs from AWS; tests inject fakes, main builds them from the AWS environment. */
export interface PlanIo extends HistoryIo {
  catalog?(): MetricCatalogPort;
  /** The deployed table, for --table; only its read methods are called. */
  stateStore?(table: string): StorePort;
}

/** The evaluator's default (OVERRIDE_HONOUR_MINUTES, 240 minutes). */
const OVERRIDE_HONOUR_MS = 240 * 60_000;

export interface PlanIssue extends ContractIssue {
  level: 'error' | 'warning';
}

export interface MetricCheck {
  file: string;
  path: string;
  contract: string;
  objective: string;
  metric: string;
  exists: boolean;
  near: Record<string, string>[];
}

function dims(d: Record<string, string>): string {
  const entries = Object.entries(d);
  return entries.length === 0 ? '{}' : `{${entries.map(([k, v]) => `${k}=${v}`).join(', ')}}`;
}

/** The contract path of one series, for issues: spec.objectives[1].sli.ratio.total. */
export function seriesPath(objective: Objective, index: number, role: Role): string {
  const base = `spec.objectives[${index}].sli`;
  if (objective.sli.ratio) return `${base}.ratio.${role === 'total' ? 'total' : objective.sli.ratio.bad ? 'bad' : 'good'}`;
  if (objective.sli.latency) return `${base}.latency.metric`;
  return `${base}.timeslice.metric`;
}

/** Checks every metric with ListMetrics; one question per distinct metric of an objective. */
async function checkMetrics(catalog: MetricCatalogPort, loaded: { file: string; contract: Contract }[], issues: PlanIssue[]): Promise<MetricCheck[]> {
  const checks: MetricCheck[] = [];
  for (const { file, contract } of loaded) {
    for (const [index, objective] of contract.spec.objectives.entries()) {
      const asked = new Set<string>();
      for (const s of metricSpecs(objective)) {
        const id = `${s.accountId ?? ''}|${s.namespace}|${s.metricName}|${dims(s.dimensions)}`;
        if (asked.has(id)) continue;
        asked.add(id);
        const path = seriesPath(objective, index, s.role);
        const metric = `${s.namespace} ${s.metricName} ${dims(s.dimensions)}${s.accountId ? ` in account ${s.accountId}` : ''}`;
        let answer;
        try {
          answer = await catalog.lookup({ namespace: s.namespace, metricName: s.metricName, dimensions: s.dimensions, ...(s.accountId ? { accountId: s.accountId } : {}) });
        } catch (err) {
          const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          issues.push({ level: 'error', file, path, message: `${metric}: ListMetrics failed (${why}): check the profile's permissions (cloudwatch:ListMetrics) and region` });
          continue;
        }
        checks.push({ file, path, contract: contract.metadata.name, objective: objective.name, metric, exists: answer.exists, near: answer.near });
        if (answer.exists) continue;
        const hint = answer.near.length > 0 ? `; it exists with ${answer.near.map(dims).join(' or ')}: check the dimensions` : '; check the namespace, metric name and dimensions';
        const badCount = s.role === 'numerator' && objective.sli.ratio?.bad !== undefined;
        issues.push(
          badCount
            ? { level: 'warning', file, path, message: `${metric} has not reported in the past two weeks: fine if those events never happened (no errors), but if the name is wrong every event will count as good${hint}` }
            : { level: 'error', file, path, message: `${metric} does not exist in CloudWatch for this account and region (nothing with exactly these dimensions reported in the past two weeks)${hint}` },
        );
      }
    }
  }
  return checks;
}

/** Copies, read only, the deployed state of these contracts (objectives without their ledgers, gates, overrides). */
async function seedFromTable(source: StorePort, contracts: Contract[], dest: MemoryStore): Promise<{ objectives: number; gates: GateState[]; overrides: number }> {
  const keys = contracts.flatMap((c) => c.spec.objectives.map((o) => ({ contract: c.metadata.name, objective: o.name })));
  const states = await source.getObjectiveStates(keys);
  for (const s of states.values()) {
    // Without its ledger the dry run rebuilds the window from CloudWatch (the table's chunks are not copied).
    const { ledger: _ledger, dataThrough: _through, ...rest } = s;
    await dest.putObjectiveState({ ...rest, version: 1 }, 0);
  }
  const refs = contracts.flatMap((c) => c.spec.gates.map((g) => ({ pipeline: g.pipeline, stage: g.stage })));
  const byId = new Map<string, GateState>();
  for (const g of [...(await source.getGates(refs)), ...(await source.listGates())]) byId.set(`${g.pipeline}/${g.stage}`, g);
  for (const g of byId.values()) await dest.putGate({ ...g, version: 1 }, 0);
  await dest.registerGates([...byId.values()].filter((g) => g.disabledByUs || Object.keys(g.holders).length > 0));
  const overrides = await source.listOverrides();
  for (const o of overrides) await dest.putOverride(o);
  return { objectives: states.size, gates: [...byId.values()], overrides: overrides.length };
}

/** A store that refuses every write: what --table reads through, so a slip can never write the deployed table. */
export function readOnly(store: StorePort): StorePort {
  const refuse = (name: string) => () => Promise.reject(new Error(`slo plan is a dry run: it never calls ${name} on the deployed table`));
  return {
    getObjectiveStates: (k) => store.getObjectiveStates(k),
    getGate: (p, s) => store.getGate(p, s),
    getGates: (r) => store.getGates(r),
    listGates: () => store.listGates(),
    listOverrides: () => store.listOverrides(),
    queryHistory: (s, f, t) => store.queryHistory(s, f, t),
    getChunks: (r) => store.getChunks(r),
    queryDailySummaries: (c, o, f, t) => store.queryDailySummaries(c, o, f, t),
    listCatalog: () => store.listCatalog(),
    putObjectiveState: refuse('putObjectiveState'),
    registerGates: refuse('registerGates'),
    putGate: refuse('putGate'),
    claimNotification: refuse('claimNotification'),
    completeNotification: refuse('completeNotification'),
    releaseNotification: refuse('releaseNotification'),
    putOverride: refuse('putOverride'),
    revokeOverride: refuse('revokeOverride'),
    appendHistory: refuse('appendHistory'),
    putChunks: refuse('putChunks'),
    putDailySummaries: refuse('putDailySummaries'),
    putCatalog: refuse('putCatalog'),
  };
}

function utc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function burnText(rates: Record<string, number>): string {
  return ['1h', '6h', '3d']
    .filter((k) => rates[k] !== undefined)
    .map((k) => `${k} ${(rates[k] as number).toFixed(2)}`)
    .join(', ');
}

export interface PlanReport {
  at: number;
  state: string;
  checks: MetricCheck[];
  summary: EvaluationSummary;
  messages: OutboundMessage[];
  issues: PlanIssue[];
  /** Active alerts per objective after the run. */
  alerts: Map<string, string[]>;
}

/** The text report (no trailing newline). Pure. */
export function formatPlan(r: PlanReport): string {
  const lines = [`slo plan: what the evaluator would do now (${utc(r.at)}), against live CloudWatch; nothing is written, sent or frozen`, `State: ${r.state}`, '', 'Metrics:'];
  for (const c of r.checks) lines.push(`  ${c.exists ? 'ok     ' : 'missing'}  ${c.contract}/${c.objective}  ${c.metric}`);
  lines.push('', 'Objectives:');
  for (const o of r.summary.objectives) {
    const tier = o.tier === o.previousTier ? `tier ${o.tier ?? 'none'} (holds)` : `tier ${o.previousTier ?? 'none'} -> ${o.tier ?? 'none'}`;
    const budget = o.remainingPct === null ? 'budget -' : `budget ${o.remainingPct.toFixed(1)} %`;
    const alerts = r.alerts.get(objectiveKey(o.contract, o.objective)) ?? [];
    const parts = [`${o.contract}/${o.objective}`, o.status, tier, budget];
    if (o.status === 'ok' || Object.keys(o.burnRates).length > 0) parts.push(`burn ${burnText(o.burnRates)}`);
    if (alerts.length > 0) parts.push(`alerts ${alerts.join(', ')}`);
    if (o.status !== 'ok' && o.detail) parts.push(o.detail);
    lines.push(`  ${parts.join('  ')}`);
  }
  lines.push('', 'Messages it would send:');
  if (r.messages.length === 0) lines.push('  none');
  for (const m of r.messages) lines.push(`  ${m.subject}`);
  lines.push('', 'Gates:');
  if (r.summary.gates.length === 0) lines.push('  none');
  const verb: Record<string, string> = { none: 'no change', froze: 'would freeze', unfroze: 'would unfreeze', override: 'overridden in the console: would honour it', 'held-by-person': 'held by a person: left alone', error: 'error' };
  for (const g of r.summary.gates) {
    const holders = g.holders.length > 0 ? ` (held by ${g.holders.join(', ')})` : '';
    lines.push(`  ${g.pipeline}/${g.stage}  ${verb[g.action] ?? g.action}${holders}${g.detail ? `: ${g.detail}` : ''}`);
  }
  const errors = r.issues.filter((i) => i.level === 'error');
  const warnings = r.issues.filter((i) => i.level === 'warning');
  if (r.issues.length > 0) lines.push('');
  for (const i of errors) lines.push(`error: ${formatIssue(i)}`);
  for (const i of warnings) lines.push(`warning: ${formatIssue(i)}`);
  lines.push(
    '',
    errors.length > 0
      ? `${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: fix the contracts before deploying`
      : `ok: every metric reads${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}`,
  );
  return lines.join('\n');
}

export function addPlanCommand(program: Command, io: CliIo & PlanIo): void {
  program
    .command('plan')
    .description('dry run against live CloudWatch: do the metrics exist and return data, and what would the evaluator do now (writes nothing)')
    .argument('[path]', 'a contract file or a folder of them', 'contracts/')
    .option('--table <name>', 'start from the deployed state, read only (stack output TableName; default $SLO_TABLE_NAME when set)')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, o: { table?: string; json?: boolean }) => {
      if (!existsSync(path)) throw new UsageError(`${path}: no such file or folder; pass a contract file or a folder of them (default contracts/)`);
      const nowMs = io.nowMs();
      const loaded = loadContracts(path, { nowMs });
      if (loaded.errors.length > 0) {
        for (const e of loaded.errors) io.err(`${formatIssue(e)}\n`);
        io.err(`error: invalid contracts; fix them first (slo validate ${path})\n`);
        throw new CliExit(EXIT_FAILED);
      }
      const contracts = loaded.contracts.map((c) => c.contract);
      const issues: PlanIssue[] = [];
      const catalog = io.catalog ? io.catalog() : (await import('../functions/adapters/cloudwatch-catalog.ts')).createCloudWatchCatalog();
      const checks = await checkMetrics(catalog, loaded.contracts, issues);

      // The dry-run world: real CloudWatch reads, everything else in memory.
      const clock = { now: () => nowMs };
      const store = new MemoryStore(() => nowMs);
      const notifier = new MemoryNotifier();
      const gate = new MemoryGate(clock);
      let state = 'none: every objective starts with no tier, as on a first deployment (give --table to start from the deployed state)';
      let seededGates: GateState[] = [];
      const table = o.table ?? io.env?.SLO_TABLE_NAME;
      if (table) {
        const source = io.stateStore ? io.stateStore(table) : (await import('../functions/adapters/dynamodb.ts')).createDynamoStore(table);
        const seeded = await seedFromTable(readOnly(source), contracts, store);
        seededGates = seeded.gates;
        state = `from table ${table}, read only: ${seeded.objectives} objective state${seeded.objectives === 1 ? '' : 's'}, ${seeded.gates.filter((g) => g.disabledByUs).length} gate${seeded.gates.filter((g) => g.disabledByUs).length === 1 ? '' : 's'} frozen, ${seeded.overrides} override${seeded.overrides === 1 ? '' : 's'}`;
      }
      for (const c of contracts) for (const g of c.spec.gates) if (!gate.peek(g.pipeline, g.stage)) gate.addStage(g.pipeline, g.stage);
      for (const g of seededGates) {
        const transition = g.disabledByUs ? { enabled: false, ...(g.disabledReason ? { disabledReason: g.disabledReason } : {}) } : { enabled: true };
        if (gate.peek(g.pipeline, g.stage)) gate.setTransition(g.pipeline, g.stage, transition);
        else gate.addStage(g.pipeline, g.stage, transition);
      }
      const metrics = io.metrics ? io.metrics() : (await import('../functions/adapters/cloudwatch.ts')).createCloudWatchMetrics();
      const ports: Ports = { clock, store, notifier, gate, metrics };
      // A one-off: the whole window of every objective is read now, however many there are.
      const summary = await evaluate(ports, contracts, { overrideHonourMs: OVERRIDE_HONOUR_MS, rebuildDatapoints: Number.MAX_SAFE_INTEGER });

      const missing = new Set(checks.filter((c) => !c.exists).map((c) => `${c.contract}#${c.objective}`));
      const states = await store.getObjectiveStates(contracts.flatMap((c) => c.spec.objectives.map((x) => ({ contract: c.metadata.name, objective: x.name }))));
      const alerts = new Map([...states.entries()].map(([k, s]) => [k, s.activeAlerts]));
      for (const out of summary.objectives) {
        const where = loaded.contracts.find((c) => c.contract.metadata.name === out.contract);
        const index = where?.contract.spec.objectives.findIndex((x) => x.name === out.objective) ?? -1;
        const file = where?.file ?? out.contract;
        const path = `spec.objectives[${index}].sli`;
        const detail = out.detail ?? '';
        if (out.status === 'no-data' && !missing.has(`${out.contract}#${out.objective}`)) {
          issues.push({ level: 'error', file, path, message: `returned no datapoints for its window: ${detail}` });
        } else if (out.status === 'error') {
          issues.push({ level: 'error', file, path, message: `could not be evaluated: ${detail}` });
        } else if (out.status === 'no-traffic') {
          issues.push({ level: 'warning', file, path, message: `${detail}: the metric reports, but with no events; the tier holds until there is traffic` });
        } else if (out.status === 'rebuilding') {
          issues.push({ level: 'warning', file, path, message: detail });
        }
      }
      const report: PlanReport = { at: nowMs, state, checks, summary, messages: notifier.published, issues, alerts };
      if (o.json) {
        io.out(
          `${JSON.stringify(
            {
              at: new Date(nowMs).toISOString(),
              state,
              metrics: checks,
              objectives: summary.objectives.map((x) => ({ ...x, activeAlerts: alerts.get(objectiveKey(x.contract, x.objective)) ?? [] })),
              messages: notifier.published.map((m) => ({ subject: m.subject, attributes: m.attributes })),
              gates: summary.gates,
              issues,
            },
            null,
            2,
          )}\n`,
        );
      } else io.out(`${formatPlan(report)}\n`);
      if (issues.some((i) => i.level === 'error')) throw new CliExit(EXIT_FAILED);
    });
}
