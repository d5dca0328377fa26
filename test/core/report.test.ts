/**
 * The weekly report's figures, hand-worked for a scripted quarter (2026-Q4) with two freezes and overrides, as
 * of Monday 2026-12-07 09:00 UTC. Pure: the inputs are what the store would hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildReport, contractReportText, frozenIntervals, overlapMs, quarterStart, reportPeriods } from '../../functions/core/report.ts';
import type { DailySummary, GateState, HistoryEntry, ObjectiveState, Override } from '../../functions/ports.ts';
import { checkout } from '../support/contracts.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const AS_OF = at('2026-12-07T09:00:00Z');

const base = checkout();
const contract = checkout({
  window: { rolling: '30d' },
  reviewBy: '2026-12-10',
  objectives: [
    { ...base.spec.objectives[0], name: 'availability', target: 99.9 } as (typeof base.spec.objectives)[number],
    { ...base.spec.objectives[0], name: 'latency', target: 99 } as (typeof base.spec.objectives)[number],
  ],
});

function state(objective: string, over: Partial<ObjectiveState>): ObjectiveState {
  return { contract: 'checkout', objective, tier: 'healthy', tierSince: 0, remainingPct: 100, burnRates: {}, activeAlerts: [], status: 'ok', lastEvaluatedAt: at('2026-12-07T08:55:00Z'), version: 1, outbox: {}, ...over };
}

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = at(`${from}T00:00:00Z`); t <= at(`${to}T00:00:00Z`); t += 24 * H) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function summary(objective: string, day: string, remainingPct: number, burn1d: number): DailySummary {
  return { contract: 'checkout', objective, day, remainingPct, minRemainingPct: remainingPct, tier: 'healthy', status: 'ok', burnRates: { '1d': burn1d }, tierChanges: 0, alertsStarted: 0, lastEvaluatedAt: at(`${day}T23:55:00Z`) };
}

const h = (subject: string, iso: string, type: string, detail: Record<string, unknown> = {}): HistoryEntry => ({ subject, at: at(iso), type, detail });

// availability: 80 % left at the end of 11-29; daily 24 h burn rates 11-30..12-06 sum to 7.0.
const weekRates: Record<string, number> = { '2026-11-30': 0.5, '2026-12-01': 0.5, '2026-12-02': 1.0, '2026-12-03': 4.0, '2026-12-04': 0, '2026-12-05': 0.5, '2026-12-06': 0.5 };
const availabilityDays = days('2026-11-22', '2026-12-06').map((d) => summary('availability', d, d === '2026-11-29' ? 80 : 50, weekRates[d] ?? 0));
// latency: no summary for 12-02 (the evaluator did not run that day); 95 % left at the end of 11-29.
const latencyDays = days('2026-11-22', '2026-12-06')
  .filter((d) => d !== '2026-12-02')
  .map((d) => summary('latency', d, d === '2026-11-29' ? 95 : 92, 0.1));

const web = 'gate:shop-web/Production';
const gateHistory: HistoryEntry[] = [
  // Freeze 1: 10-10 06:00 -> 10-11 18:00 = 36 h (this quarter, not this week).
  h(web, '2026-10-10T06:00:00Z', 'freeze', { holders: ['checkout#availability'] }),
  h(web, '2026-10-10T06:00:00Z', 'notification-sent', { severity: 'ticket' }),
  h(web, '2026-10-11T18:00:00Z', 'unfreeze'),
  // Freeze 2: 12-03 12:00, lifted by the override 12-04 00:00 (12 h), frozen again 12-05 00:00 when it ended,
  // lifted by the second override 12-07 08:00 (56 h). This week: 68 h; this quarter: 104 h.
  h(web, '2026-12-03T12:00:00Z', 'freeze', { holders: ['checkout#availability'] }),
  h(web, '2026-12-03T12:00:00Z', 'notification-sent', { severity: 'ticket' }),
  h(web, '2026-12-04T00:00:00Z', 'unfreeze', { reason: 'override' }),
  h(web, '2026-12-04T00:00:00Z', 'notification-sent', { severity: 'info' }),
  h(web, '2026-12-05T00:00:00Z', 'freeze', { holders: ['checkout#availability'] }),
  h(web, '2026-12-05T00:00:00Z', 'notification-sent', { severity: 'ticket' }),
  h(web, '2026-12-07T08:00:00Z', 'unfreeze', { reason: 'override' }),
  h(web, '2026-12-07T08:00:00Z', 'notification-sent', { severity: 'info' }),
];

const override = (id: string, created: string, until: string, extra: Partial<Override> = {}): Override => ({
  id,
  scope: 'contract:checkout',
  by: 'VP Eng',
  reason: `reason ${id}`,
  createdAt: at(created),
  until: at(until),
  source: 'command',
  ...extra,
});
const overrides: Override[] = [
  // Began last quarter, revoked 12 h into this one: 12 h this quarter.
  override('o1', '2026-09-29T00:00:00Z', '2026-10-03T00:00:00Z', { revokedAt: at('2026-10-01T12:00:00Z'), revokedBy: 'VP Eng' }),
  override('o2', '2026-12-04T00:00:00Z', '2026-12-05T00:00:00Z'), // 24 h
  override('o3', '2026-12-07T08:00:00Z', '2026-12-08T08:00:00Z'), // in force; 1 h so far
  override('other', '2026-12-01T00:00:00Z', '2026-12-09T00:00:00Z', { scope: 'contract:login' }), // not checkout's
];

const objective = 'objective:checkout#availability';
function input() {
  return {
    asOf: AS_OF,
    contracts: [contract],
    states: new Map([
      ['checkout#availability', state('availability', { tier: 'frozen', tierSince: at('2026-12-03T12:00:00Z'), remainingPct: 20, burnRates: { '1d': 0.5 } })],
      ['checkout#latency', state('latency', { tierSince: at('2026-10-15T00:00:00Z'), remainingPct: 90, burnRates: { '1d': 0 } })],
    ]),
    summaries: new Map([
      ['checkout#availability', availabilityDays],
      ['checkout#latency', latencyDays],
    ]),
    objectiveHistory: new Map([
      [
        'checkout#availability',
        [
          h(objective, '2026-11-29T10:00:00Z', 'notification-sent', { severity: 'info' }), // before the week
          h(objective, '2026-12-03T12:00:00Z', 'tier-change', { from: 'warning', to: 'frozen' }),
          h(objective, '2026-12-03T12:00:00Z', 'notification-sent', { severity: 'info' }),
          h(objective, '2026-12-03T12:05:00Z', 'notification-sent', { severity: 'page' }),
          h(objective, '2026-12-05T00:00:00Z', 'notification-sent', { severity: 'info' }),
        ],
      ],
    ]),
    gates: new Map<string, GateState>([['shop-web/Production', { pipeline: 'shop-web', stage: 'Production', holders: { 'checkout#availability': at('2026-12-03T12:00:00Z') }, disabledByUs: false, version: 7, outbox: {} }]]),
    gateHistory: new Map([['shop-web/Production', gateHistory]]),
    overrides,
  };
}

describe('report periods', () => {
  it('the week before asOf, the UTC quarter, the last whole day, and the day whose end is nearest a week ago', () => {
    expect(reportPeriods(AS_OF)).toEqual({
      asOf: AS_OF,
      weekStart: at('2026-11-30T09:00:00Z'),
      quarterStart: at('2026-10-01T00:00:00Z'),
      quarter: '2026-Q4',
      lastDay: '2026-12-06',
      weekAgoDay: '2026-11-29',
      summaryFromDay: '2026-11-22',
      summaryToDay: '2026-12-06',
      historyFrom: at('2026-10-01T00:00:00Z'),
    });
    // 15:00 is nearer the end of Monday than of Sunday.
    expect(reportPeriods(at('2026-12-07T15:00:00Z')).weekAgoDay).toBe('2026-11-30');
    expect(quarterStart(at('2027-03-31T23:59:59Z'))).toBe(at('2027-01-01T00:00:00Z'));
    // A week that began in the previous quarter: history is read from the week's start.
    expect(reportPeriods(at('2027-01-03T00:00:00Z')).historyFrom).toBe(at('2026-12-27T00:00:00Z'));
  });
});

describe('a quarter with two freezes and overrides, hand-worked', () => {
  const report = buildReport(input());
  const c = report.contracts[0]!;
  const [availability, latency] = c.objectives;

  it('availability: 20 % left now, 80 % at the end of 11-29 (-60 pts), 1 d 0.5, 7 d 1.0, exhausted in 12 days', () => {
    expect(availability?.remaining).toEqual({ value: 20, asOfText: '2026-12-07 08:55 UTC' });
    expect(availability?.weekAgo).toEqual({ value: 80, day: '2026-11-29' });
    expect(availability?.weekChangePts).toBe(-60);
    expect(availability?.burn1d).toEqual({ value: 0.5 });
    // (0.5 + 0.5 + 1 + 4 + 0 + 0.5 + 0.5) / 7 = 1.0
    expect(availability?.burn7d.value).toBeCloseTo(1, 12);
    expect(availability?.burn7d.days).toBe(7);
    // 20 % of a 30-day budget at 0.5x: 0.2 x 30 d / 0.5 = 12 d.
    expect(availability?.forecast).toEqual({ value: AS_OF + 12 * 24 * H, alreadyExhausted: false, notBurning: false });
    expect(availability?.tier).toBe('frozen');
    expect(availability?.tierSince).toEqual({ value: at('2026-12-03T12:00:00Z') });
    // 12-03 12:00, 12-03 12:05 (page), 12-05 00:00; 11-29 is before the week.
    expect([availability?.notificationsSent, availability?.pagesSent]).toEqual([3, 1]);
  });

  it('latency: a day without a summary leaves 6 of 7 daily rates, and says which day', () => {
    expect(latency?.weekChangePts).toBeCloseTo(-5, 12);
    expect(latency?.burn7d).toEqual({ value: expect.closeTo(0.1, 12) as unknown as number, days: 6, why: 'no 24 h burn rate for 2026-12-02: the evaluator did not run or had no figure' });
    expect(latency?.forecast).toEqual({ value: null, alreadyExhausted: false, notBurning: true });
  });

  it('shop-web: frozen 68 h this week (12 h + 56 h) and 104 h this quarter (36 h more in October); open now', () => {
    expect(c.gates).toEqual([
      { gate: 'shop-web/Production', frozenNow: false, since: null, holders: [], frozenWeekMs: 68 * H, frozenQuarterMs: 104 * H },
      { gate: 'shop-payments/Production', frozenNow: false, since: null, holders: [], frozenWeekMs: 0, frozenQuarterMs: 0 },
    ]);
  });

  it('overrides: o3 in force; three used this quarter for 12 h + 24 h + 1 h = 37 h; another contract\'s left out', () => {
    expect(c.overridesInForce.map((o) => o.id)).toEqual(['o3']);
    expect(c.overridesThisQuarter.count).toBe(3);
    expect(c.overridesThisQuarter.hoursMs).toBe(37 * H);
    expect(c.overridesThisQuarter.list.map((o) => [o.id, o.inQuarterMs / H])).toEqual([
      ['o1', 12],
      ['o2', 24],
      ['o3', 1],
    ]);
  });

  it('notifications this week: 3 about availability and 4 about its gates; the review is due in 3 days', () => {
    expect(c.notificationsSent).toBe(7);
    expect(c.review).toMatchObject({ state: 'due-soon', daysLeft: 3, reviewBy: '2026-12-10' });
  });

  it('reads as text people act on', () => {
    const text = contractReportText(report, c).split('\n');
    expect(text).toEqual(
      expect.arrayContaining([
        'SLO budget report: checkout, week to 2026-12-07 09:00 UTC (2026-11-30 09:00 UTC onwards)',
        '  budget left   [████░░░░░░░░░░░░░░░░]  20.0 % (2026-12-07 08:55 UTC)',
        '  7 days ago    [████████████████░░░░]  80.0 % (end of 2026-11-29): -60.0 pts this week',
        '  burn rate     1 d 0.50; 7 d 1.00 (mean of the 7 daily rates)',
        '  forecast      budget exhausted 2026-12-19 09:00 UTC at the 1 d burn rate',
        '  tier          frozen since 2026-12-03 12:00 UTC',
        '  told          3 notifications sent this week (1 page)',
        '  burn rate     1 d 0.00; 7 d 0.10 (mean of 6 daily rates: no 24 h burn rate for 2026-12-02: the evaluator did not run or had no figure)',
        '  deployments   shop-web/Production: open; frozen 68.0 h this week, 104.0 h this quarter',
        '                shop-payments/Production: open; frozen 0.0 h this week, 0.0 h this quarter',
        '  overrides     in force: contract:checkout by VP Eng until 2026-12-08 08:00 UTC: reason o3',
        '                this quarter (2026-Q4): 3 overrides, 37.0 h in force',
        '  review        DUE: review due in 3 days (by 2026-12-10): book the renegotiation with engineering, product and business',
        '  told          7 notifications sent this week about checkout (its objectives and gates)',
      ]),
    );
  });
});

describe('frozen intervals', () => {
  const gate = (disabledAt?: number): GateState => ({ pipeline: 'p', stage: 's', holders: {}, disabledByUs: disabledAt !== undefined, ...(disabledAt !== undefined ? { disabledAt } : {}), version: 1, outbox: {} });

  it('a range that opens with an unfreeze was frozen at its start; an open freeze ends at the range end', () => {
    const events = [h('g', '2026-10-02T00:00:00Z', 'unfreeze'), h('g', '2026-10-03T00:00:00Z', 'freeze')];
    expect(frozenIntervals(events, gate(at('2026-10-03T00:00:00Z')), at('2026-10-01T00:00:00Z'), at('2026-10-04T00:00:00Z'))).toEqual([
      [at('2026-10-01T00:00:00Z'), at('2026-10-02T00:00:00Z')],
      [at('2026-10-03T00:00:00Z'), at('2026-10-04T00:00:00Z')],
    ]);
  });

  it('no event in range: the gate state says (frozen since before the range, or open)', () => {
    expect(frozenIntervals([], gate(at('2026-09-01T00:00:00Z')), at('2026-10-01T00:00:00Z'), at('2026-10-02T00:00:00Z'))).toEqual([[at('2026-10-01T00:00:00Z'), at('2026-10-02T00:00:00Z')]]);
    expect(frozenIntervals([], gate(), at('2026-10-01T00:00:00Z'), at('2026-10-02T00:00:00Z'))).toEqual([]);
  });

  it('a console override and a hand-back to a person end a freeze too', () => {
    const events = [h('g', '2026-10-01T01:00:00Z', 'freeze'), h('g', '2026-10-01T02:00:00Z', 'override'), h('g', '2026-10-01T03:00:00Z', 'freeze'), h('g', '2026-10-01T05:00:00Z', 'released-to-person')];
    expect(overlapMs(frozenIntervals(events, gate(), at('2026-10-01T00:00:00Z'), at('2026-10-02T00:00:00Z')), at('2026-10-01T00:00:00Z'), at('2026-10-02T00:00:00Z'))).toBe(3 * H);
  });

  it('property: the frozen time is the sum of each freeze to the end that follows it (or the range end)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 0, maxLength: 20 }), fc.integer({ min: 0, max: 10_000 }), (gaps, tail) => {
        // Alternating freeze / unfreeze at increasing minutes after `from`.
        const from = at('2026-10-01T00:00:00Z');
        let t = from;
        const events: HistoryEntry[] = gaps.map((g, i) => {
          t += g * 60_000;
          return { subject: 'g', at: t, type: i % 2 === 0 ? 'freeze' : 'unfreeze', detail: {} };
        });
        const to = t + tail * 60_000 + 1;
        let expected = 0;
        for (let i = 0; i < events.length; i += 2) expected += (events[i + 1]?.at ?? to) - (events[i]?.at ?? 0);
        const intervals = frozenIntervals(events, gate(), from, to);
        expect(overlapMs(intervals, from, to)).toBe(expected);
        // Disjoint and in order.
        intervals.forEach(([a, b], i) => {
          expect(a).toBeLessThanOrEqual(b);
          if (i > 0) expect(a).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
        });
      }),
    );
  });
});
