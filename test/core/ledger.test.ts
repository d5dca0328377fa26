import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advance,
  chunksToRead,
  dayChunkId,
  emptyLedger,
  hourChunkId,
  layoutOf,
  LedgerError,
  sumRange,
  type BucketMap,
  type Chunk,
  type LedgerSummary,
} from '../../functions/core/ledger.ts';
import { resolutionSegments, runTimes } from '../../functions/core/assess.ts';
import { checkout, DAY, HOUR, MIN } from '../support/contracts.ts';

const D = Date.parse('2026-11-20T00:00:00Z');
const LAYOUT = { fineMs: MIN, coarseMs: 5 * MIN };

/** Buckets of `perMinute` events each (good = total - bad where bad at the listed minutes) over [from, to). */
function minutes(from: number, to: number, perMinute: number, bad: Record<number, number> = {}): BucketMap {
  const out: BucketMap = new Map();
  for (let t = from; t < to; t += MIN) out.set(t, { good: perMinute - (bad[t] ?? 0), total: perMinute });
  return out;
}

function source(chunks: Chunk[] | Map<string, Chunk>) {
  const map = chunks instanceof Map ? chunks : new Map(chunks.map((c) => [c.id, c]));
  return { get: (id: string) => map.get(id) };
}

describe('layout', () => {
  it('fine 60 s and coarse 5 min for occurrences; a timeslice uses its period and lcm(period, 5 min)', () => {
    expect(layoutOf(checkout().spec.objectives[0]!.sli)).toEqual({ fineMs: MIN, coarseMs: 5 * MIN });
    const slice = (period: string) => ({ timeslice: { metric: { namespace: 'n', metric: 'm', dimensions: {}, stat: 'Average' }, good: '>= 1', period, noData: 'skip' as const } });
    expect(layoutOf(slice('1m'))).toEqual({ fineMs: MIN, coarseMs: 5 * MIN });
    expect(layoutOf(slice('2m'))).toEqual({ fineMs: 2 * MIN, coarseMs: 10 * MIN });
    expect(layoutOf(slice('15m'))).toEqual({ fineMs: 15 * MIN, coarseMs: 15 * MIN });
    expect(layoutOf(slice('60m'))).toEqual({ fineMs: HOUR, coarseMs: HOUR });
    expect(() => layoutOf(slice('7m'))).toThrow(LedgerError);
  });

  it('names chunks by UTC hour and day', () => {
    expect(hourChunkId(D + 13 * HOUR + 5 * MIN)).toBe('H2026-11-20T13');
    expect(dayChunkId(D + 23 * HOUR)).toBe('D2026-11-20');
  });
});

describe('advance and sums, worked by hand', () => {
  // 10 events a minute from 10:00 to 12:30 on D, 4 bad at 10:02 and 3 bad at 11:59.
  const from = D + 10 * HOUR;
  const to = D + 12 * HOUR + 30 * MIN;
  const bad = { [from + 2 * MIN]: 4, [D + 11 * HOUR + 59 * MIN]: 3 };
  const built = advance(emptyLedger('occ|x', LAYOUT, to, 0), [{ kind: 'fine', fromMs: from, toMs: to, periodMs: MIN, buckets: minutes(from, to, 10, bad) }], source([]), {
    fineStartMs: D,
    keepFromMs: D,
    nowMs: to,
  });
  const l = built.ledger;
  const chunks = source(built.written);

  it('keeps hour totals and writes one chunk per hour touched', () => {
    expect(l).toMatchObject({ fineFrom: from, through: to, coarseFrom: from, hourGood: [596, 597, 300], hourTotal: [600, 600, 300] });
    expect(built.written.map((c) => c.id)).toEqual(['H2026-11-20T10', 'H2026-11-20T11', 'H2026-11-20T12']);
    expect(built.written[0]?.good.slice(0, 4)).toEqual([10, 10, 6, 10]);
  });

  it('sums whole hours from totals and reads a chunk only at a partial edge', () => {
    const missing = new Set<string>();
    expect(sumRange(l, from, D + 12 * HOUR, [], source([]), missing)).toEqual({ good: 1193, total: 1200 });
    expect(missing.size).toBe(0);
    // 10:30 to 12:10: the first and last hours are partial and need their chunks.
    expect(sumRange(l, D + 10 * HOUR + 30 * MIN, D + 12 * HOUR + 10 * MIN, [], source([]), missing)).toBeUndefined();
    expect([...missing].sort()).toEqual(['H2026-11-20T10', 'H2026-11-20T12']);
    expect(sumRange(l, D + 10 * HOUR + 30 * MIN, D + 12 * HOUR + 10 * MIN, [], chunks, new Set())).toEqual({ good: 300 + 597 + 100, total: 300 + 600 + 100 });
    // The last, partial hour: its total covers exactly [12:00, through).
    expect(sumRange(l, D + 12 * HOUR, to, [], source([]), new Set())).toEqual({ good: 300, total: 300 });
  });

  it('leaves out buckets inside an exclusion, drilling into the hour it touches', () => {
    const excluded = [{ startMs: from, endMs: from + 5 * MIN }];
    expect(sumRange(l, from, D + 11 * HOUR, excluded, chunks, new Set())).toEqual({ good: 550, total: 550 });
  });

  it('refreshes the newest minutes over what it held, reading only the hour it keeps part of', () => {
    const refreshFrom = D + 12 * HOUR + 15 * MIN;
    const refreshTo = D + 12 * HOUR + 40 * MIN;
    const segs = [{ kind: 'fine' as const, fromMs: refreshFrom, toMs: refreshTo, periodMs: MIN, buckets: minutes(refreshFrom, refreshTo, 20) }];
    expect(chunksToRead(l, segs, D)).toEqual(['H2026-11-20T12']);
    const next = advance(l, segs, chunks, { fineStartMs: D, keepFromMs: D, nowMs: refreshTo });
    // 12:00-12:15 kept (15 x 10), 12:15-12:40 rewritten (25 x 20).
    expect(next.ledger.hourTotal).toEqual([600, 600, 150 + 500]);
    expect(next.ledger.through).toBe(refreshTo);
  });

  it('seals the days that leave the fine range into a day chunk of 5-minute buckets', () => {
    // Quiet data to 01:00 the next day, then day D leaves the fine range (fineStart moves to D + 1 d).
    const quiet = [{ kind: 'fine' as const, fromMs: to, toMs: D + DAY + HOUR, periodMs: MIN, buckets: minutes(to, D + DAY + HOUR, 0) }];
    const sealed = advance(l, quiet, chunks, { fineStartMs: D + DAY, keepFromMs: D, nowMs: D + DAY + HOUR });
    expect(sealed.ledger).toMatchObject({ coarseFrom: from, fineFrom: D + DAY, dayGood: [1193 + 300], dayTotal: [1500], hourGood: [0], hourTotal: [0] });
    const day = sealed.written.find((c) => c.id === 'D2026-11-20')!;
    expect(day.periodMs).toBe(5 * MIN);
    expect(day.total[(10 * 60) / 5]).toBe(50);
    expect(day.good[(10 * 60) / 5]).toBe(46);
    // The day total is the sum of its buckets, and sums over the day read it whole.
    expect(sumRange(sealed.ledger, from, D + DAY, [], source([]), new Set())).toEqual({ good: 1493, total: 1500 });
  });

  it('extends coarse data backwards, flagging hourly data beyond 63 days as approximate', () => {
    const quiet = [{ kind: 'fine' as const, fromMs: to, toMs: D + DAY + HOUR, periodMs: MIN, buckets: minutes(to, D + DAY + HOUR, 0) }];
    const sealed = advance(l, quiet, chunks, { fineStartMs: D + DAY, keepFromMs: D - 100 * DAY, nowMs: D + DAY });
    const hourly: BucketMap = new Map([[D - 70 * DAY, { good: 50, total: 60 }]]);
    const back = advance(sealed.ledger, [{ kind: 'coarse', fromMs: D - 70 * DAY, toMs: from, periodMs: HOUR, buckets: hourly }], source(sealed.written), {
      fineStartMs: D + DAY,
      keepFromMs: D - 100 * DAY,
      nowMs: D + DAY,
    });
    expect(back.ledger.coarseFrom).toBe(D - 70 * DAY);
    expect(back.ledger.approxBefore).toBe(from);
    expect(sumRange(back.ledger, D - 70 * DAY, D + DAY, [], source([...back.written]), new Set())).toEqual({ good: 1543, total: 1560 });
  });

  it('refuses fine data that would leave a hole in the fine range', () => {
    expect(() =>
      advance(l, [{ kind: 'fine', fromMs: D + 14 * HOUR, toMs: D + 15 * HOUR, periodMs: MIN, buckets: new Map() }], chunks, { fineStartMs: D, keepFromMs: D, nowMs: D + 15 * HOUR }),
    ).toThrow(LedgerError);
  });
});

describe('exact windows', () => {
  it('budget windows and look-backs cover exactly their length in whole periods, whatever the clock and lag (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') }),
        fc.integer({ min: 0, max: 30 * MIN }),
        fc.integer({ min: 1, max: 90 }),
        (now, lag, days) => {
          const t = runTimes(checkout({ window: { rolling: `${days}d` } }), LAYOUT, now, lag);
          expect(t.coarseEnd % (5 * MIN)).toBe(0);
          expect(t.coarseEnd).toBeLessThanOrEqual(now - lag);
          expect(now - lag - t.coarseEnd).toBeLessThan(5 * MIN);
          expect(t.window.endMs - t.window.startMs).toBe(days * DAY);
          expect((t.window.endMs - t.window.startMs) / (5 * MIN)).toBe(days * 288);
          expect(t.fineEnd % MIN).toBe(0);
          expect(now - lag - t.fineEnd).toBeLessThan(MIN);
          expect(t.fineStart % DAY).toBe(0);
          expect(t.fineEnd - t.fineStart).toBeGreaterThanOrEqual(3 * DAY);
          expect(t.fineEnd - t.fineStart).toBeLessThan(4 * DAY);
        },
      ),
    );
  });

  it('calendar windows start at the UTC month or quarter and end at the last whole 5-minute period', () => {
    const t = runTimes(checkout({ window: { calendar: 'quarter' } }), LAYOUT, Date.parse('2026-11-27T10:07:31Z'), 3 * MIN);
    expect(new Date(t.window.startMs).toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(new Date(t.window.endMs).toISOString()).toBe('2026-11-27T10:00:00.000Z');
    expect(t.window.lengthMs).toBe(92 * DAY);
  });
});

describe('the finest periods CloudWatch keeps for a range', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it('hourly beyond 63 days, 5-minute beyond 15 days, the desired period within, boundaries aligned', () => {
    const pieces = resolutionSegments(now - 70 * DAY, now - DAY, now, MIN);
    expect(pieces.map((p) => p.periodMs)).toEqual([HOUR, 5 * MIN, MIN]);
    expect(pieces[0]?.fromMs).toBe(now - 70 * DAY);
    expect(pieces.at(-1)?.toMs).toBe(now - DAY);
    for (let i = 1; i < pieces.length; i++) expect(pieces[i]?.fromMs).toBe(pieces[i - 1]?.toMs);
    // Each boundary sits inside the finer tier by the safety hour, aligned to the coarser piece's period.
    expect(pieces[1]!.fromMs % HOUR).toBe(0);
    expect(now - pieces[1]!.fromMs).toBeLessThan(63 * DAY - HOUR);
    expect(now - pieces[2]!.fromMs).toBeLessThan(15 * DAY - HOUR);
    // Occurrences want 5-minute buckets: 5 minutes is the finest that helps within 15 days too.
    expect(resolutionSegments(now - 30 * DAY, now - 3 * DAY, now, 5 * MIN).map((p) => p.periodMs)).toEqual([5 * MIN, 5 * MIN]);
  });
});

describe('a ledger summary is small', () => {
  it('a 90-day window keeps at most 92 day totals and 96 hour totals', () => {
    const l: LedgerSummary = { ...emptyLedger('s', LAYOUT, D, D), dayGood: new Array(92).fill(123456), dayTotal: new Array(92).fill(123456), hourGood: new Array(96).fill(1234), hourTotal: new Array(96).fill(1234) };
    expect(JSON.stringify(l).length).toBeLessThan(4_000);
  });
});
