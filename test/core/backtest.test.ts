/**
 * The backtest worked by hand on a small history: a known incident gives known tiers, freeze minutes, pages and
 * tickets per target.
 *
 * History: 2026-11-02 00:00 to 2026-11-04 00:00 UTC, 100 requests a minute, all good except 10 minutes from
 * 2026-11-03 06:00 with 50 bad requests each (500 bad). Contract: rolling 1d, default tiers (healthy > 50,
 * warning > 25, frozen > 0 freezing non-critical gates, exhausted freezing all), gates shop-web (non-critical)
 * and shop-payments (critical). The replay runs every 5 minutes from 2026-11-03 00:00 (the first full window)
 * to 2026-11-04 00:00: 289 evaluations. Every window holds 1440 x 100 = 144,000 events; bad events in it are
 * 0 before 06:05, 250 at 06:05 (minutes 06:00-06:04), 500 from 06:10 on.
 *
 *   target  allowed bad  remaining at 06:05        at 06:10 and after        tier
 *   99      1440         100(1-250/1440) = 82.64    100(1-500/1440) = 65.28   healthy throughout
 *   99.5    720          65.28                     30.56                     warning from 06:10
 *   99.6    576          56.60                     13.19                     frozen (non-critical) from 06:10
 *   99.9    144          -73.61                    -247.22                   exhausted (all) from 06:05
 *
 * Frozen time counts [step, next step) up to the last step (24:00): 99.6 from 06:10 = 17 h 50 min = 1070 min of
 * non-critical gates; 99.9 from 06:05 = 1075 min of all gates (and so of non-critical ones).
 * Burn alerts (1d window: page-fast 1h/5m over 0.48, page-slow 6h/30m over 0.2, ticket 3d/6h over 0.0333): at
 * 06:05 the 5m look-back is half bad and the 1h one 250/6000, so page-fast fires at every target (the slower
 * rules start with it and ride on the one page). Pages and tickets:
 *   99    1 page (page-fast)
 *   99.5  1 page (page-fast); the change to warning is info
 *   99.6  1 page; 1 ticket: shop-web frozen; the change to frozen is info
 *   99.9  2 pages (page-fast, the change to exhausted); 2 tickets: both gates frozen
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest, neighbourTargets, firstFullWindowStep, type HistoryBucket } from '../../functions/core/backtest.ts';
import { checkout, DAY, HOUR, MIN } from '../support/contracts.ts';
import { CountSeries, type CountSeriesOptions, type Incident } from '../support/minutes.ts';

const FROM = Date.parse('2026-11-02T00:00:00Z');
const TO = Date.parse('2026-11-04T00:00:00Z');
const INCIDENT = Date.parse('2026-11-03T06:00:00Z');
const at = (hhmm: string) => Date.parse(`2026-11-03T${hhmm}:00Z`);

export function incidentBuckets(): HistoryBucket[] {
  const out: HistoryBucket[] = [];
  for (let t = FROM; t < TO; t += MIN) {
    const bad = t >= INCIDENT && t < INCIDENT + 10 * MIN ? 50 : 0;
    out.push({ t, periodMs: MIN, good: 100 - bad, total: 100 });
  }
  return out;
}

export const INCIDENT_CONTRACT = checkout({
  window: { rolling: '1d' },
  objectives: [
    {
      name: 'availability',
      target: 99.5,
      sli: {
        ratio: {
          good: { namespace: 'Test/Shop', metric: 'Good', dimensions: { Service: 'shop' }, stat: 'Sum' },
          total: { namespace: 'Test/Shop', metric: 'Total', dimensions: { Service: 'shop' }, stat: 'Sum' },
        },
      },
    },
  ],
});

describe('backtest worked by hand: one incident, four targets', () => {
  const contract = INCIDENT_CONTRACT;
  const objective = contract.spec.objectives[0]!;
  const result = backtest(contract, objective, incidentBuckets(), [99, 99.5, 99.6, 99.9], { fromMs: FROM, toMs: TO });
  const [t99, t995, t996, t999] = result.targets;

  it('replays every 5 minutes from the first full window to the end: 289 evaluations', () => {
    expect(result.firstStepMs).toBe(at('00:00'));
    expect(result.lastStepMs).toBe(TO);
    expect(result.steps).toBe(289);
    expect(result.approximateBefore).toBeUndefined();
  });

  it('remaining budget at the incident, per target', () => {
    const step = (hhmm: string) => (at(hhmm) - result.firstStepMs) / (5 * MIN);
    expect(t99!.remaining[step('06:00')]).toBe(100);
    expect(t99!.remaining[step('06:05')]).toBeCloseTo(100 * (1 - 250 / 1440), 9);
    expect(t99!.remaining[step('06:10')]).toBeCloseTo(100 * (1 - 500 / 1440), 9);
    expect(t999!.remaining[step('06:05')]).toBeCloseTo(-73.6111111, 6);
    expect(t999!.worst).toEqual({ remainingPct: expect.closeTo(-247.2222222, 6), at: at('06:10') });
    expect(t995!.final).toEqual({ remainingPct: expect.closeTo(30.5555556, 6), tier: 'warning', status: 'ok' });
  });

  it('tier timelines', () => {
    const changes = (t: typeof t99) => t!.timeline.map((c) => [new Date(c.at).toISOString().slice(11, 16), c.from, c.to, c.freeze]);
    expect(changes(t99)).toEqual([['00:00', null, 'healthy', 'none']]);
    expect(changes(t995)).toEqual([
      ['00:00', null, 'healthy', 'none'],
      ['06:10', 'healthy', 'warning', 'none'],
    ]);
    expect(changes(t996)).toEqual([
      ['00:00', null, 'healthy', 'none'],
      ['06:10', 'healthy', 'frozen', 'non-critical'],
    ]);
    expect(changes(t999)).toEqual([
      ['00:00', null, 'healthy', 'none'],
      ['06:05', 'healthy', 'exhausted', 'all'],
    ]);
    expect(t996!.timeline[1]!.remainingPct).toBeCloseTo(100 * (1 - 500 / 576), 9);
  });

  it('freeze minutes per target', () => {
    const minutes = (ms: number) => ms / MIN;
    expect([t99, t995, t996, t999].map((t) => minutes(t!.frozenNonCriticalMs))).toEqual([0, 0, 1070, 1075]);
    expect([t99, t995, t996, t999].map((t) => minutes(t!.frozenAllMs))).toEqual([0, 0, 0, 1075]);
  });

  it('pages and tickets, as the evaluator would announce them', () => {
    expect([t99, t995, t996, t999].map((t) => [t!.pages, t!.tickets])).toEqual([
      [1, 0],
      [1, 0],
      [1, 1],
      [2, 2],
    ]);
    const sent = (t: typeof t99) => t!.announcements.map((a) => `${new Date(a.at).toISOString().slice(11, 16)} ${a.event} ${a.about} ${a.severity}`);
    expect(sent(t996)).toEqual(['06:05 burn-alert page-fast page', '06:10 tier-change frozen info', '06:10 freeze shop-web/Production ticket']);
    expect(sent(t999)).toEqual([
      '06:05 tier-change exhausted page',
      '06:05 burn-alert page-fast page',
      '06:05 freeze shop-web/Production ticket',
      '06:05 freeze shop-payments/Production ticket',
    ]);
    // The slower rules started with page-fast: recorded, not sent (one outage, one page).
    expect(t999!.alertsStarted).toBe(3);
  });

  it('daily summaries are the evaluator\'s (one per UTC day)', () => {
    expect(t999!.days.map((d) => [d.day, d.tier, d.tierChanges])).toEqual([
      ['2026-11-03', 'exhausted', 2],
      ['2026-11-04', 'exhausted', 0],
    ]);
    expect(t999!.days[0]!.minRemainingPct).toBeCloseTo(-247.2222222, 6);
  });
});

describe('backtest edges', () => {
  const contract = INCIDENT_CONTRACT;
  const objective = contract.spec.objectives[0]!;

  it('refuses a history that holds no full window, saying how long it must be', () => {
    expect(() => backtest(contract, objective, incidentBuckets(), [99], { fromMs: FROM, toMs: FROM + 23 * 60 * MIN })).toThrow(/holds no full rolling 1d window/);
  });

  it('starts at the first cadence instant whose whole window lies in the history', () => {
    expect(firstFullWindowStep(contract, objective, FROM + 7 * MIN, TO)).toBe(Date.parse('2026-11-03T00:10:00Z'));
    const month = checkout({ ...contract.spec, window: { calendar: 'month' } } as never);
    expect(firstFullWindowStep(month, month.spec.objectives[0]!, Date.parse('2026-10-20T00:00:00Z'), Date.parse('2026-12-20T00:00:00Z'))).toBe(Date.parse('2026-11-01T00:00:00Z'));
  });

  it('spreads coarser data evenly over its minutes and says until when it was coarse', () => {
    // The same 2 days as hourly buckets: window sums are unchanged on whole hours, the 5m look-back sees averages.
    const hourly: HistoryBucket[] = [];
    for (let t = FROM; t < TO; t += 60 * MIN) {
      const bad = t === INCIDENT ? 500 : 0;
      hourly.push({ t, periodMs: 60 * MIN, good: 6000 - bad, total: 6000 });
    }
    const r = backtest(contract, objective, hourly, [99], { fromMs: FROM, toMs: TO });
    expect(r.approximateBefore).toBe(TO);
    const step = (at('07:00') - r.firstStepMs) / (5 * MIN);
    expect(r.targets[0]!.remaining[step]).toBeCloseTo(100 * (1 - 500 / 1440), 9);
    // Half an hour into the bad hour: 30 of its 60 minutes, each 500/60 bad.
    expect(r.targets[0]!.remaining[step - 6]).toBeCloseTo(100 * (1 - 250 / 1440), 9);
  });

  it('default targets: the contract\'s and its neighbours on the ladder', () => {
    expect(neighbourTargets(99.9)).toEqual([99.5, 99.9, 99.95]);
    expect(neighbourTargets(99.7)).toEqual([99.5, 99.7, 99.9]);
    expect(neighbourTargets(90)).toEqual([90, 95]);
    expect(neighbourTargets(99.999)).toEqual([99.995, 99.999]);
  });
});

describe('the fast path (calls skipped where nextObjectiveState provably changes nothing) equals calling it at every step', () => {
  const series = (seed: number, rate: number, incidents: Incident[], extra: Partial<CountSeriesOptions> = {}) =>
    new CountSeries({ seed, fromMs: FROM, toMs: FROM + 6 * DAY, rate, badEvery: 40, maxBad: 3, incidents, ...extra });
  const bigIncidents: Incident[] = [
    { fromMs: FROM + 2.2 * DAY, toMs: FROM + 2.2 * DAY + 50 * MIN, errorRatio: 0.3 },
    { fromMs: FROM + 3.5 * DAY, toMs: FROM + 3.5 * DAY + 6 * HOUR, errorRatio: 0.02 },
    { fromMs: FROM + 5 * DAY, toMs: FROM + 5 * DAY + 20 * MIN, errorRatio: 1 },
  ];

  const same = (a: ReturnType<typeof backtest>, b: ReturnType<typeof backtest>) => {
    const plain = (r: ReturnType<typeof backtest>) => ({ ...r, targets: r.targets.map((t) => ({ ...t, remaining: [...t.remaining], tiers: [...t.tiers] })) });
    expect(plain(a)).toEqual(plain(b));
  };

  it('ratio SLI, rolling 1d and 2d, with silent and idle minutes and thin evidence, five targets', () => {
    for (const [window, minEvents] of [['1d', 100], ['2d', 200_000]] as const) {
      const c = checkout({ ...INCIDENT_CONTRACT.spec, window: { rolling: window }, minEvents } as never);
      const s = series(7, 50, bigIncidents, { silent: (t) => t >= FROM + 4 * DAY && t < FROM + 4 * DAY + 90 * MIN, idle: (t) => (t / MIN) % 211 < 3 });
      const args = [c, c.spec.objectives[0]!, s.buckets(), [99, 99.5, 99.6, 99.9, 99.95]] as const;
      same(backtest(...args, { fromMs: FROM, toMs: FROM + 6 * DAY }), backtest(...args, { fromMs: FROM, toMs: FROM + 6 * DAY, exhaustive: true }));
    }
  });

  it('calendar month across the reset, and a policy with a recovery margin of 20 points and custom tiers', () => {
    const c = checkout({
      ...INCIDENT_CONTRACT.spec,
      window: { calendar: 'month' },
      policy: { tiers: [{ name: 'ok', above: 70 }, { name: 'watch', above: 40, severity: 'ticket' }, { name: 'stop', freeze: 'all' }], recoveryMargin: 20 },
    } as never);
    const s = new CountSeries({ seed: 3, fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-03T00:00:00Z'), rate: 20, badEvery: 25, maxBad: 2, incidents: [{ fromMs: Date.parse('2026-11-20T00:00:00Z'), toMs: Date.parse('2026-11-20T03:00:00Z'), errorRatio: 0.1 }] });
    const args = [c, c.spec.objectives[0]!, s.buckets(), [99, 99.9]] as const;
    const range = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-03T00:00:00Z') };
    same(backtest(...args, range), backtest(...args, { ...range, exhaustive: true }));
  });

  it('for any seeded series and incidents (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 5 * 24 * 60 }), minutes: fc.integer({ min: 1, max: 600 }), errorRatio: fc.double({ min: 0.001, max: 1, noNaN: true }) }), { maxLength: 4 }),
        fc.constantFrom(99, 99.5, 99.9),
        (seed, raw, target) => {
          const incidents = raw.map((r) => ({ fromMs: FROM + r.start * MIN, toMs: FROM + (r.start + r.minutes) * MIN, errorRatio: r.errorRatio }));
          const s = series(seed, 30, incidents);
          const args = [INCIDENT_CONTRACT, INCIDENT_CONTRACT.spec.objectives[0]!, s.buckets(), [target]] as const;
          same(backtest(...args, { fromMs: FROM, toMs: FROM + 6 * DAY }), backtest(...args, { fromMs: FROM, toMs: FROM + 6 * DAY, exhaustive: true }));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
