/**
 * Turning CloudWatch datapoints into good/total buckets. A bucket is one metric period starting at `t`
 * (epoch ms). Counts are events for occurrence SLIs; for timeslice SLIs they are slices (a bucket of weight w
 * stands for w slices, all good or all bad).
 */
import { COMPARISON_PATTERN } from './model.ts';
import type { Datapoint } from '../ports.ts';
import type { TimeRange } from './window.ts';

export interface Bucket {
  /** Period start, epoch ms. */
  t: number;
  /** Good events (or good slices) in the period; 0 <= good <= total. */
  good: number;
  /** All events (or the slice weight) in the period; > 0. */
  total: number;
}

export class SeriesError extends Error {
  override name = 'SeriesError';
}

/** Points with a finite time, oldest first: CloudWatch answers in order, so sorting is rarely needed. */
function ordered(points: Datapoint[]): Datapoint[] {
  let sorted = true;
  let finite = true;
  let prev = -Infinity;
  for (const p of points) {
    if (!Number.isFinite(p.t)) finite = false;
    else if (p.t < prev) sorted = false;
    else prev = p.t;
  }
  const kept = finite ? points : points.filter((p) => Number.isFinite(p.t));
  return sorted ? kept : [...kept].sort((a, b) => a.t - b.t);
}

/**
 * Occurrence buckets from a numerator series (good or bad events, per `mode`) and a total series, aligned on t,
 * oldest first.
 * - A total point without a numerator point means numerator 0 (CloudWatch omits periods with zero counts).
 * - A numerator point without a total point takes total = numerator (good: all good; bad: all bad).
 * - Several points at one t are summed (counts); the numerator is clamped into [0, total]; mode 'bad'
 *   yields good = total - bad.
 * - Buckets with total <= 0 carry no events and are left out. Non-finite values are ignored.
 * One merge walk over both series (they arrive sorted): this runs for every objective on every evaluation.
 */
export function ratioBuckets(numerator: Datapoint[], total: Datapoint[], mode: 'good' | 'bad'): Bucket[] {
  const num = ordered(numerator);
  const tot = ordered(total);
  const buckets: Bucket[] = [];
  let i = 0;
  let j = 0;
  while (i < num.length || j < tot.length) {
    const t = Math.min(num[i]?.t ?? Infinity, tot[j]?.t ?? Infinity);
    let n = 0;
    let all = 0;
    let hasTotal = false;
    for (let p = num[i]; p !== undefined && p.t === t; p = num[++i]) if (Number.isFinite(p.v)) n += p.v;
    for (let p = tot[j]; p !== undefined && p.t === t; p = tot[++j]) {
      if (Number.isFinite(p.v)) {
        all += p.v;
        hasTotal = true;
      }
    }
    if (!hasTotal) all = n;
    if (!(all > 0)) continue;
    const clamped = Math.min(Math.max(n, 0), all);
    buckets.push({ t, good: mode === 'good' ? clamped : all - clamped, total: all });
  }
  return buckets;
}

/** Parses a comparison such as ">= 100" (COMPARISON_PATTERN) into a predicate. */
export function parseComparison(comparison: string): (value: number) => boolean {
  const match = COMPARISON_PATTERN.exec(comparison);
  if (!match) {
    throw new SeriesError(`"${comparison}" is not a comparison: write an operator (>=, <=, >, <, ==) and a number, e.g. ">= 100"`);
  }
  const op = match[1];
  const bound = Number(match[2]);
  switch (op) {
    case '>=':
      return (v) => v >= bound;
    case '<=':
      return (v) => v <= bound;
    case '>':
      return (v) => v > bound;
    case '<':
      return (v) => v < bound;
    default:
      return (v) => v === bound;
  }
}

function checkPeriod(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new SeriesError(`${what} must be a positive number of milliseconds, got ${ms}`);
}

/**
 * Timeslice buckets: one per fetch period whose start t (aligned to fetchPeriodMs) lies in [startMs, endMs).
 * A period is good when its value satisfies `comparison`. Each bucket weighs fetchPeriodMs / slicePeriodMs
 * slices: when CloudWatch resolution forces a coarser fetch period than the contract's slice period, each
 * fetched period stands for that many slices, all good or all bad.
 * Periods without a (finite) value follow `noData`: skip (no bucket), good or bad. Should several points fall in
 * one fetch period, the period is good only if all of them are.
 */
export function timesliceBuckets(
  points: Datapoint[],
  opts: { comparison: string; slicePeriodMs: number; fetchPeriodMs: number; startMs: number; endMs: number; noData: 'skip' | 'good' | 'bad' },
): Bucket[] {
  checkPeriod(opts.slicePeriodMs, 'slicePeriodMs');
  checkPeriod(opts.fetchPeriodMs, 'fetchPeriodMs');
  const isGood = parseComparison(opts.comparison);
  const period = opts.fetchPeriodMs;
  const weight = period / opts.slicePeriodMs;

  // Per period start: true when every point in it is good.
  const verdicts = new Map<number, boolean>();
  for (const p of points) {
    if (!Number.isFinite(p.t) || !Number.isFinite(p.v)) continue;
    const t = Math.floor(p.t / period) * period;
    verdicts.set(t, (verdicts.get(t) ?? true) && isGood(p.v));
  }

  const buckets: Bucket[] = [];
  for (let t = Math.ceil(opts.startMs / period) * period; t < opts.endMs; t += period) {
    const verdict = verdicts.get(t);
    let good: boolean;
    if (verdict !== undefined) good = verdict;
    else if (opts.noData === 'skip') continue;
    else good = opts.noData === 'good';
    buckets.push({ t, good: good ? weight : 0, total: weight });
  }
  return buckets;
}

/** Removes every bucket whose period [t, t + periodMs) overlaps an exclusion interval. */
export function dropExcluded(buckets: Bucket[], periodMs: number, intervals: TimeRange[]): Bucket[] {
  if (intervals.length === 0) return buckets;
  return buckets.filter((b) => !intervals.some((i) => i.startMs < b.t + periodMs && i.endMs > b.t));
}

/** Totals over buckets with fromMs <= t < toMs; bad = total - good. */
export function sumRange(buckets: Bucket[], fromMs: number, toMs: number): { good: number; total: number; bad: number } {
  let good = 0;
  let total = 0;
  for (const b of buckets) {
    if (b.t >= fromMs && b.t < toMs) {
      good += b.good;
      total += b.total;
    }
  }
  return { good, total, bad: total - good };
}
