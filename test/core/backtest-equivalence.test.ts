/**
 * The backtest decides what the deployed evaluator decides. Each case runs the real evaluate() use case over
 * in-memory ports every 5 minutes (data lag 0) on a minute-by-minute series served as CloudWatch would serve
 * it, and the backtest on the same series as history buckets; then compares, run by run: the status, the
 * remaining budget (exactly: whole-number counts make the sums exact), the tier, every tier change and every
 * message the evaluator sent (tier changes, burn alerts, gate freezes and unfreezes) with its severity.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import { backtest, type BacktestTarget, type HistoryBucket } from '../../functions/core/backtest.ts';
import { sliceBuckets } from '../../functions/core/history.ts';
import type { Contract, ContractInput } from '../../functions/core/contract.ts';
import type { Datapoint, MetricQuery, OutboundMessage } from '../../functions/ports.ts';
import { checkout, DAY, HOUR, MIN } from '../support/contracts.ts';
import { CountSeries, SliceSeries } from '../support/minutes.ts';

type Spec = ContractInput['spec'];
const CADENCE = 5 * MIN;

const RATIO = {
  ratio: {
    good: { namespace: 'Test/Shop', metric: 'Good', dimensions: { Service: 'shop' }, stat: 'Sum' as const },
    total: { namespace: 'Test/Shop', metric: 'Total', dimensions: { Service: 'shop' }, stat: 'Sum' as const },
  },
};

function slice(period: string, noData: 'skip' | 'good' | 'bad') {
  return { timeslice: { metric: { namespace: 'Test/Canary', metric: 'SuccessPercent', dimensions: { Canary: 'home' }, stat: 'Minimum' }, good: '>= 100', period, noData } };
}

/** Review reminders are not budget decisions and a backtest does not replay them: the review date lies after every case. */
function contractWith(spec: Partial<Spec>, sli: object, target: number): Contract {
  return checkout({ reviewBy: '2028-01-01', ...spec, objectives: [{ name: 'availability', target, sli: sli as never }] });
}

interface Run {
  at: number;
  status: string;
  remainingPct: number | null;
  tier: string | null;
  announcements: { event: string; severity: string; about: string }[];
}

function aboutOf(m: OutboundMessage): string {
  if (m.attributes.event === 'burn-alert') return String(m.json.alert);
  if (m.attributes.event === 'freeze' || m.attributes.event === 'unfreeze') return `${String(m.json.pipeline)}/${String(m.json.stage)}`;
  return m.attributes.tier;
}

const byText = (a: { event: string; about: string }, b: { event: string; about: string }) => `${a.event} ${a.about}`.localeCompare(`${b.event} ${b.about}`, 'en');

/** The deployed evaluator, every 5 minutes from firstStep to lastStep, on in-memory ports. */
async function evaluatorRuns(contract: Contract, generate: (q: MetricQuery) => Datapoint[], firstStep: number, lastStep: number) {
  const clock = new ManualClock(firstStep);
  const store = new MemoryStore(() => clock.now());
  const notifier = new MemoryNotifier();
  const gate = new MemoryGate(clock);
  for (const g of contract.spec.gates) gate.addStage(g.pipeline, g.stage);
  const ports = { clock, store, notifier, gate, metrics: new MemoryMetrics(generate) };
  const runs: Run[] = [];
  for (let t = firstStep; t <= lastStep; t += CADENCE) {
    clock.set(t);
    const before = notifier.published.length;
    const summary = await evaluate(ports, [contract], { overrideHonourMs: 4 * HOUR, dataLagMs: 0 });
    expect(summary.errors, `errors at ${new Date(t).toISOString()}`).toBe(0);
    const o = summary.objectives[0]!;
    runs.push({
      at: t,
      status: o.status,
      remainingPct: o.remainingPct,
      tier: o.tier,
      announcements: notifier.published.slice(before).map((m) => ({ event: m.attributes.event, severity: m.attributes.severity, about: aboutOf(m) })).sort(byText),
    });
  }
  const objective = contract.spec.objectives[0]!.name;
  const history = await store.queryHistory(`objective:${contract.metadata.name}#${objective}`, firstStep, lastStep + 1);
  const timeline = history.filter((h) => h.type === 'tier-change').map((h) => ({ at: h.at, from: h.detail.from, to: h.detail.to, remainingPct: h.detail.remainingPct }));
  return { runs, timeline };
}

/** Runs both on one series and compares them run by run; returns the backtest's figures for the scenario checks. */
async function compare(contract: Contract, buckets: HistoryBucket[], generate: (q: MetricQuery) => Datapoint[], fromMs: number, toMs: number): Promise<BacktestTarget> {
  const objective = contract.spec.objectives[0]!;
  const result = backtest(contract, objective, buckets, [objective.target], { fromMs, toMs, cadenceMs: CADENCE });
  const bt = result.targets[0]!;
  const tiers = contract.spec.policy.tiers;
  const evaluator = await evaluatorRuns(contract, generate, result.firstStepMs, result.lastStepMs);
  expect(evaluator.runs).toHaveLength(result.steps);

  evaluator.runs.forEach((run, s) => {
    const when = `${new Date(run.at).toISOString()} (step ${s})`;
    const remaining = bt.remaining[s] as number;
    if (run.status === 'ok') expect(remaining, when).toBe(run.remainingPct);
    else expect(Number.isNaN(remaining), `${when}: ${run.status} is not judged`).toBe(true);
    const tierIndex = bt.tiers[s] as number;
    expect(tierIndex === -1 ? null : tiers[tierIndex]!.name, when).toBe(run.tier);
  });
  expect(bt.timeline.map(({ at, from, to, remainingPct }) => ({ at, from, to, remainingPct }))).toEqual(evaluator.timeline);
  const sentByBacktest = bt.announcements.map(({ at, event, severity, about }) => ({ at, event, severity, about }));
  const sentByEvaluator = evaluator.runs.flatMap((r) => r.announcements.map((a) => ({ at: r.at, ...a })));
  const order = (list: { at: number; event: string; about: string }[]) => [...list].sort((a, b) => a.at - b.at || byText(a, b));
  expect(order(sentByBacktest)).toEqual(order(sentByEvaluator));
  expect(bt.pages).toBe(sentByEvaluator.filter((a) => a.severity === 'page').length);
  expect(bt.tickets).toBe(sentByEvaluator.filter((a) => a.severity === 'ticket').length);
  return bt;
}

const START = Date.parse('2026-11-02T00:00:00Z');

describe('the backtest decides what the evaluator decides (evaluate() every 5 minutes on the same series)', () => {
  it('ratio SLI, rolling 1d, 99 %: a fast burn, a slow burn, an exclusion and recovery', async () => {
    const series = new CountSeries({
      seed: 11,
      fromMs: START,
      toMs: START + 3.5 * DAY,
      rate: 60,
      badEvery: 50,
      maxBad: 3,
      incidents: [
        { fromMs: START + 1.2 * DAY, toMs: START + 1.2 * DAY + 40 * MIN, errorRatio: 0.3 },
        { fromMs: START + 2 * DAY, toMs: START + 2 * DAY + 3 * HOUR, errorRatio: 0.03 },
        { fromMs: START + 2.6 * DAY, toMs: START + 2.6 * DAY + 2 * HOUR, errorRatio: 0.5 },
        { fromMs: START + 3 * DAY, toMs: START + 3 * DAY + 10 * MIN, errorRatio: 1 },
      ],
      silent: (t) => t >= START + 1.5 * DAY && t < START + 1.5 * DAY + 20 * MIN,
    });
    const contract = contractWith(
      { window: { rolling: '1d' }, exclusions: [{ from: new Date(START + 2.6 * DAY).toISOString(), to: new Date(START + 2.6 * DAY + 1 * HOUR).toISOString(), reason: 'planned move' }] },
      RATIO,
      99,
    );
    const bt = await compare(contract, series.buckets(), series.generate, START, START + 3.5 * DAY);
    // Not a vacuous agreement: the tiers moved down and back, gates froze, people were paged.
    expect(bt.timeline.length).toBeGreaterThanOrEqual(3);
    expect(bt.pages).toBeGreaterThan(0);
    expect(bt.announcements.some((a) => a.event === 'freeze')).toBe(true);
    expect(bt.announcements.some((a) => a.event === 'unfreeze')).toBe(true);
  }, 120_000);

  it('ratio SLI, rolling 2d, 99.5 %: idle minutes (total 0) and minEvents between', async () => {
    const series = new CountSeries({
      seed: 5,
      fromMs: START,
      toMs: START + 4 * DAY,
      rate: 20,
      badEvery: 30,
      maxBad: 2,
      incidents: [{ fromMs: START + 2.5 * DAY, toMs: START + 2.5 * DAY + 90 * MIN, errorRatio: 0.2 }],
      idle: (t) => (t / MIN) % 97 < 5,
    });
    const contract = contractWith({ window: { rolling: '2d' }, minEvents: 500 }, RATIO, 99.5);
    const bt = await compare(contract, series.buckets(), series.generate, START, START + 4 * DAY);
    expect(bt.timeline.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('timeslice SLI, 1-minute slices, rolling 1d, minutes without data count as bad', async () => {
    const series = new SliceSeries({
      seed: 3,
      fromMs: START,
      toMs: START + 3 * DAY,
      badEvery: 400,
      incidents: [{ fromMs: START + 1.4 * DAY, toMs: START + 1.4 * DAY + 3 * HOUR, errorRatio: 0.2 }],
    });
    const contract = contractWith({ window: { rolling: '1d' } }, slice('1m', 'bad'), 99);
    const objective = contract.spec.objectives[0]!;
    const bt = await compare(contract, sliceBuckets(objective, series.points(), MIN), series.generate, START, START + 3 * DAY);
    expect(bt.timeline.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('timeslice SLI, 5-minute slices from minute rows, gaps skipped, rolling 1d', async () => {
    const series = new SliceSeries({
      seed: 8,
      fromMs: START,
      toMs: START + 3 * DAY,
      badEvery: 2000,
      incidents: [{ fromMs: START + 1.7 * DAY, toMs: START + 1.7 * DAY + 2 * HOUR, errorRatio: 0.5 }],
      silent: (t) => (t >= START + 1.2 * DAY && t < START + 1.2 * DAY + 3 * HOUR) || (t / MIN) % 61 === 0,
    });
    const contract = contractWith({ window: { rolling: '1d' } }, slice('5m', 'skip'), 99);
    const objective = contract.spec.objectives[0]!;
    const bt = await compare(contract, sliceBuckets(objective, series.points(), MIN), series.generate, START, START + 3 * DAY);
    expect(bt.timeline.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('calendar month: thin evidence at the start of the month, exhaustion, and the reset on the 1st', async () => {
    const from = Date.parse('2027-02-01T00:00:00Z');
    const to = Date.parse('2027-03-01T01:00:00Z');
    const series = new CountSeries({
      seed: 21,
      fromMs: from,
      toMs: to,
      rate: 30,
      badEvery: 40,
      maxBad: 2,
      incidents: [
        { fromMs: from + 10 * MIN, toMs: from + 14 * MIN, errorRatio: 0.5 },
        { fromMs: from + 9 * DAY, toMs: from + 9 * DAY + 4 * HOUR, errorRatio: 0.2 },
        { fromMs: from + 20 * DAY, toMs: from + 20 * DAY + 6 * HOUR, errorRatio: 0.4 },
      ],
    });
    const contract = contractWith({ window: { calendar: 'month' }, minEvents: 1_000, gates: [{ pipeline: 'shop-web', stage: 'Production', critical: false }] }, RATIO, 99.5);
    const bt = await compare(contract, series.buckets(), series.generate, from, to);
    expect(bt.timeline.at(-1)?.at).toBeGreaterThanOrEqual(Date.parse('2027-03-01T00:00:00Z'));
    expect(bt.timeline.at(-1)?.to).toBe('healthy');
    expect(bt.timeline.some((c) => c.to === 'exhausted')).toBe(true);
  }, 300_000);
});
