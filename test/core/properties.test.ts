/** Property tests (fast-check) for the budget maths: invariants that hold for any input, not just hand-worked ones. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { occurrenceBudget, timesliceBudget } from '../../functions/core/budget.ts';
import { BURN_LOOKBACKS_MS, burnRate, lookbackLabel } from '../../functions/core/burn.ts';
import { PolicySchema, type Tier } from '../../functions/core/contract.ts';
import { DAY_MS, MINUTE_MS } from '../../functions/core/duration.ts';
import { decideTier, tierIndexFor } from '../../functions/core/policy.ts';
import { REASON_PATTERN, freezeReason, sanitizeReason } from '../../functions/core/reason.ts';
import { type Bucket, ratioBuckets, sumRange, timesliceBuckets } from '../../functions/core/series.ts';

/** Targets in percent as contracts write them: 0 < target < 100 with up to four decimals, plus the usual ones. */
const targetPct = fc.oneof(
  fc.constantFrom(90, 95, 99, 99.5, 99.9, 99.95, 99.99),
  fc.integer({ min: 1, max: 999_999 }).map((n) => n / 10_000),
);

/** Any double strictly between 0 and 100, however many decimals. */
const anyTargetPct = fc.double({ min: 1e-6, max: 99.999999, noNaN: true });

describe('remaining budget', () => {
  it('is exactly 100 % with no bad events', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.oneof(targetPct, anyTargetPct), (total, target) => {
        expect(occurrenceBudget({ good: total, total, targetPct: target }).remainingPct).toBe(100);
      }),
    );
  });

  it('strictly decreases as bad events grow over a fixed total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.oneof(targetPct, anyTargetPct),
        (total, a, b, target) => {
          const fewer = Math.floor(Math.min(a, b) * total);
          const more = Math.floor(Math.max(a, b) * total);
          fc.pre(fewer < more);
          const remaining = (bad: number) => occurrenceBudget({ good: total - bad, total, targetPct: target }).remainingPct;
          expect(remaining(fewer)).toBeGreaterThan(remaining(more));
        },
      ),
    );
  });

  it('strictly decreases with bad slices too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.nat(), fc.nat(), targetPct, (windowSlices, x, y, target) => {
        const fewer = Math.min(x, y) % (windowSlices + 1);
        const more = Math.max(x, y) % (windowSlices + 1);
        fc.pre(fewer < more);
        const remaining = (badSlices: number) => timesliceBudget({ badSlices, windowSlices, targetPct: target }).remainingPct;
        expect(remaining(0)).toBe(100);
        expect(remaining(fewer)).toBeGreaterThan(remaining(more));
      }),
    );
  });

  it('never exceeds 100 % for any series CloudWatch could return', () => {
    // Any values at all, NaN and infinities included, on a 1-minute grid with gaps.
    const value = fc.oneof(fc.double({ min: -1e6, max: 1e9 }), fc.integer({ min: 0, max: 1000 }));
    const series = fc.array(fc.record({ t: fc.integer({ min: 0, max: 120 }).map((i) => i * MINUTE_MS), v: value }), { maxLength: 60 });
    fc.assert(
      fc.property(series, series, fc.constantFrom('good' as const, 'bad' as const), fc.oneof(targetPct, anyTargetPct), fc.nat(120), fc.nat(120), (num, tot, mode, target, x, y) => {
        const buckets = ratioBuckets(num, tot, mode);
        for (const b of buckets) {
          expect(b.total).toBeGreaterThan(0);
          expect(b.good).toBeGreaterThanOrEqual(0);
          expect(b.good).toBeLessThanOrEqual(b.total);
        }
        const s = sumRange(buckets, Math.min(x, y) * MINUTE_MS, Math.max(x, y) * MINUTE_MS);
        expect(occurrenceBudget({ good: s.good, total: s.total, targetPct: target }).remainingPct).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('never exceeds 100 % for any timeslice series', () => {
    const points = fc.array(fc.record({ t: fc.integer({ min: 0, max: 60 }).map((i) => i * MINUTE_MS), v: fc.double({ min: 0, max: 100 }) }), { maxLength: 60 });
    fc.assert(
      fc.property(points, fc.constantFrom('skip' as const, 'good' as const, 'bad' as const), targetPct, (pts, noData, target) => {
        const buckets = timesliceBuckets(pts, { comparison: '>= 99', slicePeriodMs: MINUTE_MS, fetchPeriodMs: MINUTE_MS, startMs: 0, endMs: 60 * MINUTE_MS, noData });
        const s = sumRange(buckets, 0, 60 * MINUTE_MS);
        expect(timesliceBudget({ badSlices: s.bad, windowSlices: 60, targetPct: target }).remainingPct).toBeLessThanOrEqual(100);
      }),
    );
  });
});

/** A valid policy: 1-6 tiers with strictly falling thresholds in [0, 100], the last one a catch-all. */
const tiersArb: fc.Arbitrary<Tier[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 5 })
  .map((thresholds) => {
    const falling = [...thresholds].sort((a, b) => b - a);
    const tiers: Tier[] = falling.map((above, i) => ({ name: `t${i}`, above, notify: [], freeze: 'none' }));
    tiers.push({ name: `t${falling.length}`, notify: [], freeze: 'all' });
    return tiers;
  });

describe('policy', () => {
  it('tierIndexFor is monotonic: more budget left never means a worse tier', () => {
    fc.assert(
      fc.property(tiersArb, fc.double({ min: -200, max: 200, noNaN: true }), fc.double({ min: -200, max: 200, noNaN: true }), (tiers, a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(tierIndexFor(tiers, low)).toBeGreaterThanOrEqual(tierIndexFor(tiers, high));
      }),
    );
  });

  it('decideTier changes tier at most once on a series oscillating within the margin around a threshold', () => {
    const tiers = PolicySchema.parse({}).tiers; // thresholds 50, 25, 0: 25 points apart
    fc.assert(
      fc.property(
        fc.constantFrom(50, 25, 0),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        // Offsets in units of the margin; the band's edges (exactly threshold +- margin) come up often.
        fc.array(fc.oneof(fc.constantFrom(-1, 0, 1), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 200 }),
        (threshold, margin, offsets) => {
          let current: string | null = null;
          let changes = 0;
          for (const offset of offsets) {
            const next: string = decideTier(tiers, current, threshold + offset * margin, margin).name;
            if (current !== null && next !== current) changes += 1;
            current = next;
          }
          expect(changes).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('burn rate', () => {
  it('of a constant error ratio r is r / (1 - target/100) at every look-back', () => {
    const nowMs = 10 * DAY_MS;
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), targetPct, fc.integer({ min: 1, max: 996 }), (r, target, seed) => {
        // One bucket per minute over the longest look-back, traffic varying from minute to minute.
        const longest = Math.max(...BURN_LOOKBACKS_MS);
        const buckets: Bucket[] = [];
        for (let t = nowMs - longest, i = 0; t < nowMs; t += MINUTE_MS, i += 1) {
          const total = 1 + ((i * seed) % 997);
          buckets.push({ t, good: total * (1 - r), total });
        }
        const expected = r / (1 - target / 100);
        for (const lookback of BURN_LOOKBACKS_MS) {
          const s = sumRange(buckets, nowMs - lookback, nowMs);
          const got = burnRate({ bad: s.bad, total: s.total, targetPct: target });
          expect(Math.abs(got - expected), `${lookbackLabel(lookback)}: ${got} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('reasons', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ unit: 'grapheme', maxLength: 400 }),
    fc.string({ unit: fc.constantFrom('%', ':', ',', '_', '/', ' ', '\t', '\n', 'a', '-', '\ud800', '\udfff', '🚀', 'é'), maxLength: 400 }),
    fc.string({ maxLength: 1000 }),
  );

  it('sanitizeReason always matches the API pattern', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(sanitizeReason(text)).toMatch(REASON_PATTERN);
      }),
      { numRuns: 500 },
    );
  });

  it('freezeReason always matches the API pattern', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, fc.double({ noNaN: true, min: -1e9, max: 100 }), fc.integer({ min: 0, max: 4_102_444_800_000 }), (contract, objective, tier, remainingPct, sinceMs) => {
        expect(freezeReason({ contract, objective, tier, remainingPct, sinceMs })).toMatch(REASON_PATTERN);
      }),
    );
  });
});
