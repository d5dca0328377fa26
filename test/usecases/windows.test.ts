/**
 * Day 400 in production: windows exact at every length, pages for every window the schema allows, zero
 * evidence that never moves a gate, tiers that move on evidence, and new canaries that do not freeze.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import type { Contract, ContractInput } from '../../functions/core/contract.ts';
import type { Datapoint, MetricQuery, Ports } from '../../functions/ports.ts';
import { checkout, DAY, HOUR, MIN } from '../support/contracts.ts';

const OPTIONS = { overrideHonourMs: 4 * HOUR };

type Minute = (t: number) => { good: number; total: number } | undefined;

/** A CloudWatch that sums per-minute counts into the query's period; `undefined` minutes are not published. */
function metricsOf(minute: Minute, zeros = false): MemoryMetrics {
  return new MemoryMetrics((q: MetricQuery): Datapoint[] => {
    const p = q.periodSeconds * 1000;
    const out: Datapoint[] = [];
    for (let t = q.startMs; t < q.endMs; t += p) {
      let v = 0;
      let any = false;
      for (let m = t; m < t + p; m += MIN) {
        const c = minute(m);
        if (!c) continue;
        any = true;
        v += q.metricName === 'Total' ? c.total : c.good;
      }
      if (any || zeros) out.push({ t, v });
    }
    return out;
  });
}

function worldOf(start: number, minute: Minute, zeros = false) {
  const clock = new ManualClock(start);
  const notifier = new MemoryNotifier();
  const gate = new MemoryGate(clock).addStage('shop-web', 'Production').addStage('shop-payments', 'Production');
  const ports: Ports = { clock, store: new MemoryStore(() => clock.now()), metrics: metricsOf(minute, zeros), notifier, gate };
  return { clock, notifier, gate, ports };
}

function contract(spec: Partial<ContractInput['spec']> = {}): Contract {
  return checkout({
    objectives: [
      {
        name: 'availability',
        target: 99.9,
        sli: {
          ratio: {
            good: { namespace: 'Test/Shop', metric: 'Good', dimensions: {}, stat: 'Sum' },
            total: { namespace: 'Test/Shop', metric: 'Total', dimensions: {}, stat: 'Sum' },
          },
        },
      },
    ],
    ...spec,
  });
}

describe('windows are exact at every length', () => {
  it('a 30-day window counts exactly 43,200 minutes of events, whatever the clock offset and the lag (fast-check)', async () => {
    // One request a minute; one of them bad, a week back: allowed bad = 0.1 % of 43,200 = 43.2.
    const base = Date.parse('2026-11-10T00:00:00Z');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: DAY - 1 }), fc.integer({ min: 0, max: 20 * MIN }), async (offset, lag) => {
        const now = base + offset;
        const badMinute = Math.floor((now - 7 * DAY) / MIN) * MIN;
        const w = worldOf(now, (t) => ({ good: t === badMinute ? 0 : 1, total: 1 }));
        const s = await evaluate(w.ports, [contract({ window: { rolling: '30d' }, gates: [], minEvents: 0 })], { ...OPTIONS, dataLagMs: lag });
        expect(s.objectives[0]?.status).toBe('ok');
        expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 1 / 43.2), 9);
      }),
      { numRuns: 25 },
    );
  });
});

describe('every alert works for every window the schema allows', () => {
  // 1,000 requests a minute; a 2-hour outage at 50 % errors from T.
  const T = Date.parse('2026-12-10T14:00:00Z');
  const minute: Minute = (t) => ({ total: 1000, good: t >= T && t < T + 2 * HOUR ? 500 : 1000 });

  it.each([
    ['rolling 90 d', { rolling: '90d' }],
    ['calendar quarter', { calendar: 'quarter' }],
    ['rolling 30 d', { rolling: '30d' }],
  ] as const)('%s: a 2-hour outage at 50 %% errors pages within 10 minutes', async (_name, window) => {
    const w = worldOf(T - HOUR, minute);
    const c = contract({ window: window as Contract['spec']['window'] });
    await evaluate(w.ports, [c], OPTIONS); // a healthy run before: the ledger is built (90 days back)
    const pagedAt: number[] = [];
    for (let t = T + 5 * MIN; t <= T + 30 * MIN; t += 5 * MIN) {
      w.clock.set(t);
      await evaluate(w.ports, [c], OPTIONS);
      if (w.notifier.published.some((m) => m.attributes.event === 'burn-alert' && m.attributes.severity === 'page')) {
        pagedAt.push(t);
        break;
      }
    }
    expect(pagedAt[0]).toBeDefined();
    expect(pagedAt[0]! - T).toBeLessThanOrEqual(10 * MIN);
  });
});

describe('zero evidence never moves a gate', () => {
  // Budget spent into "frozen" (shop-web frozen), then the service goes quiet for longer than the 1 d window.
  const T = Date.parse('2026-11-05T00:00:00Z');
  const quietFrom = T + 2 * HOUR;
  const base: Minute = (t) => (t >= quietFrom ? undefined : { total: 100, good: t >= T + 10 * MIN && t < T + 21 * MIN ? 0 : 100 });

  it.each([
    ['CloudWatch omits the quiet periods', false],
    ['CloudWatch returns zeros for them', true],
  ])('%s: the tier and the freeze hold, and the state says no traffic in window', async (_name, zeros) => {
    const minute: Minute = (t) => base(t) ?? (zeros ? { total: 0, good: 0 } : undefined);
    const w = worldOf(T + HOUR, minute, zeros);
    const c = contract({ window: { rolling: '1d' }, objectives: [{ ...contract().spec.objectives[0]!, target: 99 }] as never });
    let s = await evaluate(w.ports, [c], OPTIONS);
    expect(s.objectives[0]).toMatchObject({ status: 'ok', tier: 'frozen' });
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    // Every 6 hours for two days. Until the window empties the remaining evidence (the outage, fewer good
    // requests) still counts; once it holds no event at all, nothing moves.
    let lastTier: string | null = null;
    let before = 0;
    let gateCalls = 0;
    for (let t = T + 6 * HOUR; t <= T + 2 * DAY; t += 6 * HOUR) {
      w.clock.set(t);
      s = await evaluate(w.ports, [c], OPTIONS);
      if (s.objectives[0]?.status === 'ok') {
        lastTier = s.objectives[0].tier;
        before = w.notifier.published.length;
        gateCalls = w.gate.calls.filter((x) => x.op !== 'get').length;
      }
    }
    expect(lastTier).not.toBeNull();
    expect(s.objectives[0]).toMatchObject({ status: 'no-traffic', tier: lastTier });
    expect(s.objectives[0]?.detail).toMatch(/no traffic in window/);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(w.gate.calls.filter((x) => x.op !== 'get')).toHaveLength(gateCalls);
    expect(w.gate.calls.filter((x) => x.op === 'enable')).toHaveLength(0);
    expect(w.notifier.published.slice(before).filter((m) => m.attributes.event === 'tier-change' || m.attributes.event === 'unfreeze')).toEqual([]);
  });
});

describe('tiers move on evidence', () => {
  const MONTH = Date.parse('2026-12-01T00:00:00Z');

  it('the first minutes of a calendar month: 1 bad request of the first few neither lowers the tier nor notifies', async () => {
    // November: plenty of good traffic; December: 1 request a minute, the first one bad.
    const minute: Minute = (t) => (t < MONTH ? { total: 1000, good: 1000 } : { total: 1, good: t === MONTH ? 0 : 1 });
    const w = worldOf(MONTH - 2 * HOUR, minute);
    const c = contract({ window: { calendar: 'month' } });
    await evaluate(w.ports, [c], OPTIONS);
    w.notifier.published.length = 0;
    for (let t = MONTH + 5 * MIN; t <= MONTH + 40 * MIN; t += 5 * MIN) {
      w.clock.set(t);
      const s = await evaluate(w.ports, [c], OPTIONS);
      const o = s.objectives[0]!;
      if (o.status === 'ok') {
        expect(o.remainingPct).toBeLessThan(0); // 1 bad of a handful, allowed 0.1 % of them
        expect(o.tier).toBe('healthy');
      }
    }
    expect(w.notifier.published).toEqual([]);
    expect(w.gate.calls.filter((x) => x.op === 'disable')).toEqual([]);
  });

  it('a calendar reset gives the new month its full budget: a spent tier recovers on the first good evidence', async () => {
    // November ends overspent (frozen gates); December starts clean.
    const minute: Minute = (t) => (t < MONTH ? { total: 100, good: t >= MONTH - 3 * HOUR && t < MONTH - 2 * HOUR ? 0 : 100 } : { total: 100, good: 100 });
    const w = worldOf(MONTH - 30 * MIN, minute);
    const c = contract({ window: { calendar: 'month' } });
    let s = await evaluate(w.ports, [c], OPTIONS);
    expect(s.objectives[0]?.tier).toBe('exhausted');
    w.clock.set(MONTH + 10 * MIN);
    s = await evaluate(w.ports, [c], OPTIONS);
    expect(s.objectives[0]).toMatchObject({ status: 'ok', tier: 'healthy', remainingPct: 100 });
  });

  it('with enough evidence the same share of bad requests does lower the tier', async () => {
    const minute: Minute = (t) => (t < MONTH ? { total: 1000, good: 1000 } : { total: 1000, good: t === MONTH ? 0 : 1000 });
    const w = worldOf(MONTH - 2 * HOUR, minute);
    const c = contract({ window: { calendar: 'month' } });
    await evaluate(w.ports, [c], OPTIONS);
    w.clock.set(MONTH + 10 * MIN);
    const s = await evaluate(w.ports, [c], OPTIONS);
    // 1,000 bad of 7,000 with 7 allowed: overspent on real evidence.
    expect(s.objectives[0]).toMatchObject({ status: 'ok', tier: 'exhausted' });
  });
});

describe('timeslices count only the time since their metric first reported', () => {
  it('a new canary with noData: bad starts healthy and freezes nothing', async () => {
    const born = Date.parse('2026-11-20T10:00:00Z');
    const clock = new ManualClock(born + 30 * MIN);
    const metrics = new MemoryMetrics((q) => {
      const p = q.periodSeconds * 1000;
      const out: Datapoint[] = [];
      for (let t = Math.max(q.startMs, born); t < q.endMs; t += p) out.push({ t, v: 100 });
      return out;
    });
    const gate = new MemoryGate(clock).addStage('shop-web', 'Production').addStage('shop-payments', 'Production');
    const ports: Ports = { clock, store: new MemoryStore(() => clock.now()), metrics, notifier: new MemoryNotifier(), gate };
    const canary = checkout({
      window: { rolling: '30d' },
      objectives: [{ name: 'up', target: 99.5, sli: { timeslice: { metric: { namespace: 'CloudWatchSynthetics', metric: 'SuccessPercent', dimensions: {} }, good: '>= 100', period: '1m', noData: 'bad' } } }],
    });
    const s = await evaluate(ports, [canary], OPTIONS);
    expect(s.objectives[0]).toMatchObject({ status: 'ok', tier: 'healthy', remainingPct: 100 });
    expect(gate.calls.filter((c) => c.op === 'disable')).toEqual([]);
  });

  it('while it reports, a missing minute is one bad slice (noData: bad), not five', async () => {
    const born = Date.parse('2026-10-01T00:00:00Z');
    const gap = Date.parse('2026-11-19T10:00:00Z'); // more than 15 days before now: read at 5 minutes on a rebuild
    const now = Date.parse('2026-11-27T10:00:00Z');
    const clock = new ManualClock(now);
    const metrics = new MemoryMetrics((q) => {
      const p = q.periodSeconds * 1000;
      const out: Datapoint[] = [];
      for (let t = Math.max(q.startMs, born); t < q.endMs; t += p) if (!(p === MIN && t === gap)) out.push({ t, v: 100 });
      return out;
    });
    const ports: Ports = { clock, store: new MemoryStore(() => clock.now()), metrics, notifier: new MemoryNotifier(), gate: new MemoryGate(clock) };
    const canary = checkout({
      window: { rolling: '30d' },
      gates: [],
      objectives: [{ name: 'up', target: 99.9, sli: { timeslice: { metric: { namespace: 'CloudWatchSynthetics', metric: 'SuccessPercent', dimensions: {} }, good: '>= 100', period: '1m', noData: 'bad' } } }],
    });
    const s = await evaluate(ports, [canary], OPTIONS);
    // 43.2 bad slices allowed over 30 days of 1-minute slices; the missing minute (8 days back, within the
    // 60-second retention) costs exactly one.
    expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 1 / 43.2), 9);
  });

  it('a reconciliation keeps when the metric first reported: silent slices at the window start stay bad', async () => {
    const born = Date.parse('2026-11-20T00:00:00Z');
    // Silent from 02:00 to 05:00 on the first day; by the last run the 7-day window starts inside the silence,
    // and a re-read of the window alone (fine data goes back 3 to 4 days) no longer sees the first datapoint.
    const silent = (t: number) => t >= born + 2 * HOUR && t < born + 5 * HOUR;
    const metricsFor = () =>
      new MemoryMetrics((q) => {
        const p = q.periodSeconds * 1000;
        const out: Datapoint[] = [];
        for (let t = Math.max(q.startMs, born); t < q.endMs; t += p) if (!silent(t)) out.push({ t, v: 100 });
        return out;
      });
    const canary = checkout({
      window: { rolling: '7d' },
      gates: [],
      objectives: [{ name: 'up', target: 99.5, sli: { timeslice: { metric: { namespace: 'CloudWatchSynthetics', metric: 'SuccessPercent', dimensions: {} }, good: '>= 100', period: '1m', noData: 'bad' } } }],
    });
    const last = born + 7 * DAY + 4 * HOUR;
    const runHourly = async (reconcileEveryMs: number) => {
      const clock = new ManualClock(born + HOUR);
      const ports: Ports = { clock, store: new MemoryStore(() => clock.now()), metrics: metricsFor(), notifier: new MemoryNotifier(), gate: new MemoryGate(clock) };
      let reconciled = 0;
      let s;
      for (let t = born + HOUR; t <= last; t += HOUR) {
        clock.set(t);
        s = await evaluate(ports, [canary], { ...OPTIONS, reconcileEveryMs });
        reconciled += s.ledger?.reconciled ?? 0;
      }
      return { remaining: s?.objectives[0]?.remainingPct, reconciled };
    };
    const hourly = await runHourly(HOUR);
    const never = await runHourly(365 * DAY);
    expect(hourly.reconciled).toBeGreaterThan(150);
    expect(never.reconciled).toBe(0);
    // The last budget window ends at 04:00 - 3 min lag, aligned down to 5 minutes: [03:55 day 1, 03:55 day 8).
    // Its 65 silent slices (03:55 to 05:00) are bad; 10,080 one-minute slices at 99.5 % allow 50.4.
    expect(never.remaining).toBeCloseTo(100 * (1 - 65 / 50.4), 9);
    expect(hourly.remaining).toBeCloseTo(100 * (1 - 65 / 50.4), 9);
  }, 120_000);
});
