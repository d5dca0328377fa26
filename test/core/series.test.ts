import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../functions/core/duration.ts';
import { SeriesError, dropExcluded, parseComparison, ratioBuckets, sumRange, timesliceBuckets } from '../../functions/core/series.ts';

const M = MINUTE_MS;

describe('ratioBuckets', () => {
  it('aligns good and total on t, oldest first', () => {
    const good = [
      { t: 2 * M, v: 8 },
      { t: M, v: 9 },
    ];
    const total = [
      { t: M, v: 10 },
      { t: 2 * M, v: 10 },
    ];
    expect(ratioBuckets(good, total, 'good')).toEqual([
      { t: M, good: 9, total: 10 },
      { t: 2 * M, good: 8, total: 10 },
    ]);
  });

  it('reads a missing numerator as 0 (CloudWatch omits zero counts)', () => {
    expect(ratioBuckets([], [{ t: 0, v: 50 }], 'good')).toEqual([{ t: 0, good: 0, total: 50 }]);
    expect(ratioBuckets([], [{ t: 0, v: 50 }], 'bad')).toEqual([{ t: 0, good: 50, total: 50 }]);
  });

  it('takes total = numerator when the total point is missing', () => {
    expect(ratioBuckets([{ t: 0, v: 7 }], [], 'good')).toEqual([{ t: 0, good: 7, total: 7 }]);
    expect(ratioBuckets([{ t: 0, v: 7 }], [], 'bad')).toEqual([{ t: 0, good: 0, total: 7 }]);
  });

  it('turns bad counts into good = total - bad', () => {
    expect(ratioBuckets([{ t: 0, v: 3 }], [{ t: 0, v: 100 }], 'bad')).toEqual([{ t: 0, good: 97, total: 100 }]);
  });

  it('clamps the numerator into [0, total]', () => {
    expect(ratioBuckets([{ t: 0, v: 120 }], [{ t: 0, v: 100 }], 'good')).toEqual([{ t: 0, good: 100, total: 100 }]);
    expect(ratioBuckets([{ t: 0, v: -5 }], [{ t: 0, v: 100 }], 'good')).toEqual([{ t: 0, good: 0, total: 100 }]);
    expect(ratioBuckets([{ t: 0, v: 120 }], [{ t: 0, v: 100 }], 'bad')).toEqual([{ t: 0, good: 0, total: 100 }]);
  });

  it('leaves out empty buckets and ignores non-finite values', () => {
    const got = ratioBuckets(
      [
        { t: 0, v: 0 },
        { t: M, v: Number.NaN },
        { t: 2 * M, v: 4 },
      ],
      [
        { t: 0, v: 0 },
        { t: M, v: 10 },
        { t: 2 * M, v: Number.POSITIVE_INFINITY },
      ],
      'good',
    );
    expect(got).toEqual([
      { t: M, good: 0, total: 10 },
      { t: 2 * M, good: 4, total: 4 },
    ]);
  });
});

describe('parseComparison', () => {
  it('understands every operator', () => {
    expect(parseComparison('>= 100')(100)).toBe(true);
    expect(parseComparison('>= 100')(99.9)).toBe(false);
    expect(parseComparison('> 1')(1)).toBe(false);
    expect(parseComparison('<0.5')(0.4)).toBe(true);
    expect(parseComparison('<= -1')(-1)).toBe(true);
    expect(parseComparison('== 1')(1)).toBe(true);
    expect(parseComparison('== 1')(2)).toBe(false);
  });

  it('rejects text that is no comparison', () => {
    expect(() => parseComparison('at least 100')).toThrow(SeriesError);
  });
});

describe('timesliceBuckets', () => {
  const base = { comparison: '>= 100', slicePeriodMs: M, fetchPeriodMs: M, startMs: 0, endMs: 5 * M };

  it('makes one weight-1 bucket per period, good when the comparison holds, skipping missing periods by default', () => {
    const points = [
      { t: 0, v: 100 },
      { t: M, v: 50 },
      { t: 3 * M, v: 100 },
      { t: 4 * M, v: 99.99 },
      { t: 5 * M, v: 100 }, // at endMs: outside [startMs, endMs)
    ];
    expect(timesliceBuckets(points, { ...base, noData: 'skip' })).toEqual([
      { t: 0, good: 1, total: 1 },
      { t: M, good: 0, total: 1 },
      { t: 3 * M, good: 1, total: 1 },
      { t: 4 * M, good: 0, total: 1 },
    ]);
  });

  it('counts missing periods good or bad when told to', () => {
    const points = [{ t: 0, v: 100 }];
    const asGood = timesliceBuckets(points, { ...base, endMs: 3 * M, noData: 'good' });
    const asBad = timesliceBuckets(points, { ...base, endMs: 3 * M, noData: 'bad' });
    expect(asGood.map((b) => b.good)).toEqual([1, 1, 1]);
    expect(asBad.map((b) => b.good)).toEqual([1, 0, 0]);
    expect(asBad.map((b) => b.t)).toEqual([0, M, 2 * M]);
  });

  it('weighs a coarser fetch period as fetch/slice slices, all good or all bad', () => {
    const points = [
      { t: 0, v: 100 },
      { t: 5 * M, v: 80 },
    ];
    const got = timesliceBuckets(points, { ...base, fetchPeriodMs: 5 * M, endMs: 15 * M, noData: 'bad' });
    expect(got).toEqual([
      { t: 0, good: 5, total: 5 },
      { t: 5 * M, good: 0, total: 5 },
      { t: 10 * M, good: 0, total: 5 },
    ]);
  });

  it('starts at the first period boundary at or after startMs', () => {
    const got = timesliceBuckets([], { ...base, startMs: 30_000, endMs: 3 * M, noData: 'good' });
    expect(got.map((b) => b.t)).toEqual([M, 2 * M]);
  });

  it('ignores non-finite values (they are missing data)', () => {
    const got = timesliceBuckets([{ t: 0, v: Number.NaN }], { ...base, endMs: M, noData: 'bad' });
    expect(got).toEqual([{ t: 0, good: 0, total: 1 }]);
  });

  it('rejects a non-positive period', () => {
    expect(() => timesliceBuckets([], { ...base, fetchPeriodMs: 0, noData: 'skip' })).toThrow(/fetchPeriodMs/);
  });
});

describe('dropExcluded', () => {
  it('removes every bucket whose period overlaps an exclusion, and only those', () => {
    const buckets = [0, 1, 2, 3, 4].map((i) => ({ t: i * M, good: 1, total: 1 }));
    // [90 s, 2 min) overlaps only the bucket at 1m; [4m - 1 ms, 4m) only the bucket at 3m.
    const got = dropExcluded(buckets, M, [
      { startMs: 90_000, endMs: 2 * M },
      { startMs: 4 * M - 1, endMs: 4 * M }, // last ms of the 3m bucket
    ]);
    expect(got.map((b) => b.t)).toEqual([0, 2 * M, 4 * M]);
  });

  it('keeps buckets an exclusion only touches (periods are half-open)', () => {
    const buckets = [0, 1, 2].map((i) => ({ t: i * M, good: 1, total: 1 }));
    // [2m, 3m) touches the end of the 1m bucket and covers the 2m bucket; [-1m, 0) touches the 0 bucket.
    const got = dropExcluded(buckets, M, [
      { startMs: 2 * M, endMs: 3 * M },
      { startMs: -M, endMs: 0 },
    ]);
    expect(got.map((b) => b.t)).toEqual([0, M]);
  });
});

describe('sumRange', () => {
  it('sums buckets with fromMs <= t < toMs', () => {
    const buckets = [
      { t: 0, good: 9, total: 10 },
      { t: M, good: 5, total: 10 },
      { t: 2 * M, good: 10, total: 10 },
    ];
    expect(sumRange(buckets, M, 3 * M)).toEqual({ good: 15, total: 20, bad: 5 });
    expect(sumRange(buckets, 0, M)).toEqual({ good: 9, total: 10, bad: 1 });
    expect(sumRange(buckets, 3 * M, 4 * M)).toEqual({ good: 0, total: 0, bad: 0 });
  });
});
