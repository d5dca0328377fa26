/**
 * Benchmarks of the history commands (a measurement, never a test): the backtest of one year of 1-minute data
 * for one objective and five targets (target: under 1 s), and suggest over 15 months of hourly data (target:
 * under 1 s), each timed on its first call in this process (cold: JIT warm-up included) and as the median of
 * three more. The year is also parsed from CSV text (the `--metrics-file` path) and replayed with
 * `exhaustive: true` (nextObjectiveState at every step) to show what the fast path saves.
 *
 *   npx tsx bench/backtest.ts        (also part of `npm run bench`)
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { backtest, type HistoryBucket } from '../functions/core/backtest.ts';
import { parseHistoryCsv } from '../functions/core/history.ts';
import { suggestTarget, targetsToCost } from '../functions/core/suggest.ts';
import { ContractSchema, type Contract } from '../functions/core/contract.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2025, 10, 1);

export const HISTORY_TARGETS = { backtestYearMs: 1000, suggestMs: 1000 } as const;

function hash(n: number): number {
  let h = n >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A year of an ALB's minutes: 100-400 requests a minute by time of day, a few bad ones, 24 incidents. */
function yearOfMinutes(): HistoryBucket[] {
  const out: HistoryBucket[] = [];
  const incidents = Array.from({ length: 24 }, (_, i) => ({ at: FROM + (i * 15 + (hash(i) % 10)) * DAY + (hash(i + 99) % 1440) * MIN, minutes: 5 + (hash(i + 7) % 180), ratio: 0.002 + (hash(i + 3) % 300) / 1000 }));
  for (let t = FROM; t < FROM + 365 * DAY; t += MIN) {
    const m = t / MIN;
    const hourOfDay = (t % DAY) / HOUR;
    const total = Math.round(100 + 300 * Math.max(0, Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI)) + (hash(m) % 40));
    let bad = hash(m ^ 0x5bd1e995) % 97 === 0 ? 1 + (hash(m ^ 0x27d4eb2d) % 3) : 0;
    for (const x of incidents) if (t >= x.at && t < x.at + x.minutes * MIN) bad += Math.round(total * x.ratio);
    out.push({ t, periodMs: MIN, good: total - Math.min(bad, total), total });
  }
  return out;
}

/** 15 months of hourly data (CloudWatch keeps 455 days), with a few bad weeks. */
function fifteenMonthsOfHours(): HistoryBucket[] {
  const out: HistoryBucket[] = [];
  for (let t = FROM; t < FROM + 455 * DAY; t += HOUR) {
    const week = Math.floor((t - FROM) / (7 * DAY));
    const bad = week % 9 === 4 ? 30 + (hash(t / HOUR) % 40) : hash(t / HOUR) % 12;
    out.push({ t, periodMs: HOUR, good: 60_000 - bad, total: 60_000 });
  }
  return out;
}

function contract(): Contract {
  const ratio = { namespace: 'AWS/ApplicationELB', dimensions: { LoadBalancer: 'app/shop' }, stat: 'Sum' };
  return ContractSchema.parse({
    apiVersion: 'slo-contracts/v1',
    kind: 'SloContract',
    metadata: { name: 'checkout', journey: 'User can complete a purchase', owner: 'team-payments' },
    spec: {
      signedOff: [
        { role: 'engineering', by: 'A', on: '2026-11-02' },
        { role: 'product', by: 'B', on: '2026-11-02' },
        { role: 'business', by: 'C', on: '2026-11-02' },
      ],
      reviewBy: '2027-02-01',
      window: { rolling: '30d' },
      objectives: [{ name: 'availability', target: 99.9, sli: { ratio: { good: { ...ratio, metric: 'HTTPCode_Target_2XX_Count' }, total: { ...ratio, metric: 'RequestCount' } } } }],
      policy: {},
      gates: [
        { pipeline: 'shop-web', stage: 'Production', critical: false },
        { pipeline: 'shop-payments', stage: 'Production', critical: true },
      ],
    },
  });
}

interface Timed<T> {
  firstMs: number;
  medianMs: number;
  value: T;
}

/** First call, then the median of `again` more (wall ms). */
function time<T>(fn: () => T, again = 3): Timed<T> {
  let t0 = performance.now();
  const value = fn();
  const firstMs = performance.now() - t0;
  const more: number[] = [];
  for (let i = 0; i < again; i++) {
    t0 = performance.now();
    fn();
    more.push(performance.now() - t0);
  }
  more.sort((a, b) => a - b);
  return { firstMs, medianMs: more[Math.floor(more.length / 2)] ?? firstMs, value };
}

export interface HistoryBenchRow {
  name: string;
  data: string;
  firstMs: number;
  medianMs: number;
  targetMs?: number;
  detail: string;
}

export interface HistoryBenchResult {
  rows: HistoryBenchRow[];
  markdown: string;
}

export function benchHistory(): HistoryBenchResult {
  const c = contract();
  const objective = c.spec.objectives[0]!;
  const targets = [99, 99.5, 99.9, 99.95, 99.99];
  const year = yearOfMinutes();
  const range = { fromMs: FROM, toMs: FROM + 365 * DAY };
  const rows: HistoryBenchRow[] = [];

  const fast = time(() => backtest(c, objective, year, targets, range));
  const r = fast.value;
  rows.push({
    name: 'backtest, 5 targets',
    data: `1 year of 1-minute data (${year.length.toLocaleString('en-US')} minutes)`,
    firstMs: fast.firstMs,
    medianMs: fast.medianMs,
    targetMs: HISTORY_TARGETS.backtestYearMs,
    detail: `${r.steps.toLocaleString('en-US')} evaluations per target; tier changes ${r.targets.map((t) => t.timeline.length - 1).join('/')}, frozen days ${r.targets.map((t) => (t.frozenNonCriticalMs / DAY).toFixed(1)).join('/')}`,
  });
  const slow = time(() => backtest(c, objective, year, targets, { ...range, exhaustive: true }), 1);
  rows.push({ name: 'backtest, 5 targets, exhaustive', data: 'the same year', firstMs: slow.firstMs, medianMs: slow.medianMs, detail: 'nextObjectiveState at every step (what the fast path saves)' });

  const text = `timestamp,good,total\n${year.map((b) => `${b.t / 1000},${b.good},${b.total}`).join('\n')}\n`;
  const parse = time(() => parseHistoryCsv(text, objective), 1);
  rows.push({ name: 'parse the year from CSV', data: `${(text.length / 1e6).toFixed(1)} MB, epoch seconds`, firstMs: parse.firstMs, medianMs: parse.medianMs, detail: 'slo backtest --metrics-file reads this before replaying' });

  const hours = fifteenMonthsOfHours();
  const hourly = { fromMs: FROM, toMs: FROM + 455 * DAY };
  const sug = time(() => {
    const s = suggestTarget(c, objective, hours, hourly);
    const costs = backtest(c, objective, hours, targetsToCost(s), { ...hourly, cadenceMs: HOUR });
    return { s, costs };
  });
  rows.push({
    name: 'suggest (spans + cost backtest)',
    data: `15 months of hourly data (${hours.length.toLocaleString('en-US')} hours)`,
    firstMs: sug.firstMs,
    medianMs: sug.medianMs,
    targetMs: HISTORY_TARGETS.suggestMs,
    detail: `${sug.value.s.spans.toLocaleString('en-US')} spans of 30d; recommends ${sug.value.s.recommendedPct} %; cost of ${sug.value.costs.targets.map((t) => t.targetPct).join('/')} at a 1h cadence`,
  });

  const ms = (v: number) => v.toFixed(0);
  const markdown = [
    '#### History commands (`slo backtest`, `slo suggest`: the core on synthetic history, in this process)',
    '',
    '| History command | Data | First call (ms) | Median of later calls (ms) | Target | Notes |',
    '|---|---|---:|---:|---|---|',
    ...rows.map((x) => `| ${x.name} | ${x.data} | ${ms(x.firstMs)} | ${ms(x.medianMs)} | ${x.targetMs !== undefined ? `< ${x.targetMs} ms` : ''} | ${x.detail} |`),
  ].join('\n');
  return { rows, markdown };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stderr.write(`bench: Node ${process.versions.node}, ${os.availableParallelism()} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write(`${benchHistory().markdown}\n`);
}
