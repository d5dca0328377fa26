/**
 * The ledger: compact per-objective aggregates kept between evaluations, so that each run reads only the newest
 * minutes from CloudWatch (plus a re-read margin) instead of the whole window. Pure: no I/O, no clock.
 *
 * Two resolutions, contiguous in time:
 *
 *   coarse: [coarseFrom, fineFrom)   buckets of C = lcm(f, 5 min), in day chunks (`D2026-11-27`), day totals here
 *   fine:   [fineFrom, through)      buckets of f (60 s; a timeslice's own period), in hour chunks
 *                                    (`H2026-11-27T13`), hour totals here
 *
 * Once the ledger is complete, fineFrom is D0 = the UTC day start 3 to 4 days back (alignDown(end - 3 d, 1 d)):
 * every burn look-back (at most 3 d) lies in fine data and is judged at f, while the budget window reaches back
 * into coarse data. As days age past D0 they are sealed: their hour chunks are summed into one day chunk.
 *
 * A bucket holds `good` and `total`:
 * - occurrence SLIs (ratio, latency): events, good and all;
 * - timeslice SLIs: slices WITH DATA (total) and good slices among them (good); slices without data are the
 *   period count minus total, derived when judging, and follow the objective's noData rule.
 *
 * Sums use the largest aggregate that lies wholly inside a range (a day total, an hour total) and read a chunk
 * only at the edges, so a run reads a handful of small items whatever the window's length.
 */
import type { Sli } from './contract.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, parseDuration } from './duration.ts';
import { alignDown } from './resolution.ts';
import type { TimeRange } from './window.ts';

export class LedgerError extends Error {
  override name = 'LedgerError';
}

export const LEDGER_VERSION = 1;
/** The longest burn look-back (the ticket alert's 3 d): fine data always covers it. */
export const FINE_SPAN_MS = 3 * DAY_MS;
/** The coarse period is the smallest multiple of the fine period that is also a multiple of this. */
export const COARSE_BASE_MS = 5 * MINUTE_MS;

export interface Layout {
  /** Fine bucket, ms: 60 s for ratio and latency SLIs, the slice period for timeslices (divides an hour). */
  fineMs: number;
  /** Coarse bucket, ms: lcm(fineMs, 5 min); divides an hour, so also a day. */
  coarseMs: number;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

export function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

export function layoutOf(sli: Sli): Layout {
  const fineMs = sli.timeslice ? parseDuration(sli.timeslice.period) : MINUTE_MS;
  if (!(fineMs >= MINUTE_MS) || fineMs % MINUTE_MS !== 0 || HOUR_MS % fineMs !== 0) {
    throw new LedgerError(`a slice period must be whole minutes dividing an hour (1m, 2m, 5m, 10m, 15m, 30m, 60m...), got ${fineMs} ms`);
  }
  return { fineMs, coarseMs: lcm(fineMs, COARSE_BASE_MS) };
}

// ---------------------------------------------------------------------------------------------
// Chunks

/** One stored item of buckets: an hour of fine buckets or a day of coarse buckets. */
export interface Chunk {
  /** `H2026-11-27T13` (an hour of fine buckets) or `D2026-11-27` (a UTC day of coarse buckets). */
  id: string;
  startMs: number;
  periodMs: number;
  good: number[];
  total: number[];
}

export function hourChunkId(startMs: number): string {
  return `H${new Date(startMs).toISOString().slice(0, 13)}`;
}

export function dayChunkId(startMs: number): string {
  return `D${new Date(startMs).toISOString().slice(0, 10)}`;
}

export function chunkSpanMs(id: string): number {
  return id.startsWith('H') ? HOUR_MS : DAY_MS;
}

function emptyChunk(id: string, startMs: number, periodMs: number): Chunk {
  const n = chunkSpanMs(id) / periodMs;
  return { id, startMs, periodMs, good: new Array<number>(n).fill(0), total: new Array<number>(n).fill(0) };
}

// ---------------------------------------------------------------------------------------------
// The summary kept in the objective's state

export interface LedgerSummary {
  v: typeof LEDGER_VERSION;
  /** What is read (metrics, statistics, threshold, periods): when the contract changes it, the ledger is rebuilt. */
  sig: string;
  fineMs: number;
  coarseMs: number;
  /** Coarse data covers [coarseFrom, fineFrom); equal when there is none. */
  coarseFrom: number;
  /** Fine data covers [fineFrom, through). fineFrom is hour-aligned, through fine-aligned. */
  fineFrom: number;
  through: number;
  /** Totals per UTC day from alignDown(coarseFrom, 1 d) up to fineFrom (a day-aligned boundary when coarse data exists). */
  dayGood: number[];
  dayTotal: number[];
  /** Totals per hour from fineFrom; the last hour may be partial (up to `through`). */
  hourGood: number[];
  hourTotal: number[];
  /** Before this instant the coarse data came from CloudWatch's coarser retention and is approximate (see approximateNote). */
  approxBefore?: number;
  /** Start of the first period with a datapoint ever seen: slices before it never count as bad. */
  firstSeenAt?: number;
  /** When the ledger was last built from a full re-read (a rebuild or the daily reconciliation). */
  reconciledAt: number;
}

export function emptyLedger(sig: string, layout: Layout, atMs: number, nowMs: number): LedgerSummary {
  const at = alignDown(atMs, layout.fineMs);
  return { v: LEDGER_VERSION, sig, ...layout, coarseFrom: at, fineFrom: at, through: at, dayGood: [], dayTotal: [], hourGood: [], hourTotal: [], reconciledAt: nowMs };
}

function hasCoarse(l: LedgerSummary): boolean {
  return l.coarseFrom < l.fineFrom;
}

/** Whether sums over [fromMs, ...) are backed by data this ledger fetched. */
export function coversFrom(l: LedgerSummary, fromMs: number): boolean {
  return fromMs >= l.coarseFrom || (!hasCoarse(l) && fromMs >= l.fineFrom);
}

// ---------------------------------------------------------------------------------------------
// Sums

export interface Sums {
  good: number;
  total: number;
}

/** Where sums get chunks: a loaded chunk, or undefined (recorded in `missing` so the caller can read it). */
export interface ChunkSource {
  get(id: string): Chunk | undefined;
}

function overlaps(intervals: readonly TimeRange[], startMs: number, endMs: number): boolean {
  return intervals.some((i) => i.startMs < endMs && i.endMs > startMs);
}

function sumChunk(chunk: Chunk, fromMs: number, toMs: number, excluded: readonly TimeRange[], acc: Sums): void {
  const first = Math.max(0, Math.ceil((fromMs - chunk.startMs) / chunk.periodMs));
  const last = Math.min(chunk.good.length, Math.ceil((toMs - chunk.startMs) / chunk.periodMs));
  for (let i = first; i < last; i++) {
    const t = chunk.startMs + i * chunk.periodMs;
    if (excluded.length > 0 && overlaps(excluded, t, t + chunk.periodMs)) continue;
    acc.good += chunk.good[i] ?? 0;
    acc.total += chunk.total[i] ?? 0;
  }
}

/**
 * Good and total over buckets starting in [fromMs, toMs), leaving out buckets that overlap `excluded` (whose
 * bounds must be aligned to the coarse period, so a bucket is wholly in or out). Uses day and hour totals where
 * a whole day or hour lies in the range and outside every exclusion; reads chunks at the edges. Returns
 * undefined when a chunk it needs is not in `chunks`; its id is added to `missing`.
 */
export function sumRange(l: LedgerSummary, fromMs: number, toMs: number, excluded: readonly TimeRange[], chunks: ChunkSource, missing: Set<string>): Sums | undefined {
  const acc: Sums = { good: 0, total: 0 };
  let complete = true;
  let t = Math.max(fromMs, hasCoarse(l) ? l.coarseFrom : l.fineFrom);
  const end = Math.min(toMs, l.through);
  const dayBase = alignDown(l.coarseFrom, DAY_MS);
  while (t < end) {
    if (t < l.fineFrom) {
      const day = alignDown(t, DAY_MS);
      const covered = { startMs: Math.max(day, l.coarseFrom), endMs: Math.min(day + DAY_MS, l.fineFrom) };
      const segEnd = Math.min(covered.endMs, end);
      const index = Math.round((day - dayBase) / DAY_MS);
      if (t === covered.startMs && segEnd === covered.endMs && !overlaps(excluded, t, segEnd) && index < l.dayTotal.length) {
        acc.good += l.dayGood[index] ?? 0;
        acc.total += l.dayTotal[index] ?? 0;
      } else {
        const chunk = chunks.get(dayChunkId(day));
        if (chunk) sumChunk(chunk, t, segEnd, excluded, acc);
        else {
          missing.add(dayChunkId(day));
          complete = false;
        }
      }
      t = segEnd;
    } else {
      const hour = alignDown(t, HOUR_MS);
      const coveredEnd = Math.min(hour + HOUR_MS, l.through);
      const segEnd = Math.min(coveredEnd, end);
      const index = Math.round((hour - l.fineFrom) / HOUR_MS);
      if (t === hour && segEnd === coveredEnd && !overlaps(excluded, t, segEnd) && index < l.hourTotal.length) {
        acc.good += l.hourGood[index] ?? 0;
        acc.total += l.hourTotal[index] ?? 0;
      } else {
        const chunk = chunks.get(hourChunkId(hour));
        if (chunk) sumChunk(chunk, t, segEnd, excluded, acc);
        else {
          missing.add(hourChunkId(hour));
          complete = false;
        }
      }
      t = segEnd;
    }
  }
  return complete ? acc : undefined;
}

// ---------------------------------------------------------------------------------------------
// Applying fetched data

/** Per-period good/total of one fetched segment, keyed by period start (epoch ms); absent = no data. */
export type BucketMap = Map<number, Sums>;

/** A range of fetched data to write into the ledger, at the period it was fetched. */
export interface AppliedSegment {
  kind: 'fine' | 'coarse';
  fromMs: number;
  toMs: number;
  /** Period the data was fetched at (ms). Coarse data may be coarser than the coarse period (hourly, beyond 63 days). */
  periodMs: number;
  buckets: BucketMap;
}

/** Sums buckets into periods of `periodMs` (keys aligned down). */
export function rebucket(buckets: BucketMap, periodMs: number): BucketMap {
  const out: BucketMap = new Map();
  for (const [t, b] of buckets) {
    const key = alignDown(t, periodMs);
    const cur = out.get(key);
    if (cur) {
      cur.good += b.good;
      cur.total += b.total;
    } else out.set(key, { good: b.good, total: b.total });
  }
  return out;
}

function writeBuckets(chunk: Chunk, fromMs: number, toMs: number, buckets: BucketMap): void {
  const first = Math.max(0, Math.ceil((fromMs - chunk.startMs) / chunk.periodMs));
  const last = Math.min(chunk.good.length, Math.ceil((toMs - chunk.startMs) / chunk.periodMs));
  for (let i = first; i < last; i++) {
    const b = buckets.get(chunk.startMs + i * chunk.periodMs);
    chunk.good[i] = b?.good ?? 0;
    chunk.total[i] = b?.total ?? 0;
  }
}

function totalsOf(chunk: Chunk): Sums {
  let good = 0;
  let total = 0;
  for (let i = 0; i < chunk.total.length; i++) {
    good += chunk.good[i] ?? 0;
    total += chunk.total[i] ?? 0;
  }
  return { good, total };
}

export interface AdvanceResult {
  ledger: LedgerSummary;
  /** Chunks created or changed: write them before the state that refers to them. */
  written: Chunk[];
}

/**
 * The chunks `advance` must read before it can apply `segments` to `ledger` and seal up to `fineStartMs`:
 * hours partly rewritten (their other buckets are kept), hours of the days being sealed, and the day in
 * which coarse data is extended backwards.
 */
export function chunksToRead(ledger: LedgerSummary, segments: readonly Pick<AppliedSegment, 'kind' | 'fromMs' | 'toMs'>[], fineStartMs: number): string[] {
  const ids = new Set<string>();
  const fine = segments.filter((s) => s.kind === 'fine');
  const overlap = (a: number, b: number, c: number, d: number) => Math.min(b, d) > Math.max(a, c);
  const rewrittenWhole = (hour: number) => fine.some((s) => s.fromMs <= hour && s.toMs >= hour + HOUR_MS);
  for (const s of fine) {
    // An hour partly rewritten keeps its other buckets: read it when those held data before.
    for (let hour = alignDown(s.fromMs, HOUR_MS); hour < s.toMs; hour += HOUR_MS) {
      const keepsBefore = overlap(hour, Math.min(s.fromMs, hour + HOUR_MS), ledger.fineFrom, ledger.through);
      const keepsAfter = overlap(Math.max(s.toMs, hour), hour + HOUR_MS, ledger.fineFrom, ledger.through);
      if ((keepsBefore || keepsAfter) && !rewrittenWhole(hour)) ids.add(hourChunkId(hour));
    }
  }
  for (const s of segments) {
    if (s.kind === 'coarse' && hasCoarse(ledger) && s.toMs === ledger.coarseFrom && ledger.coarseFrom % DAY_MS !== 0) {
      ids.add(dayChunkId(alignDown(ledger.coarseFrom, DAY_MS)));
    }
  }
  // Sealing reads the hours of every day that leaves the fine range.
  const through = Math.max(ledger.through, ...fine.map((s) => s.toMs));
  const fineFrom = Math.min(ledger.fineFrom, ...fine.map((s) => alignDown(s.fromMs, HOUR_MS)));
  const sealTo = Math.min(fineStartMs, alignDown(through, DAY_MS));
  for (let hour = fineFrom; hour < sealTo; hour += HOUR_MS) if (!rewrittenWhole(hour)) ids.add(hourChunkId(hour));
  return [...ids];
}

/**
 * Applies fetched segments (fine ones forward and backward, then coarse ones backward), seals the fine data
 * before `fineStartMs` (a UTC day boundary) into day chunks, and forgets days that end before `keepFromMs`.
 * `chunks` must hold what chunksToRead named (a chunk it lacks is taken as empty).
 */
export function advance(
  input: LedgerSummary,
  segments: readonly AppliedSegment[],
  chunks: ChunkSource,
  opts: { fineStartMs: number; keepFromMs: number; nowMs: number; firstSeenAt?: number },
): AdvanceResult {
  const l: LedgerSummary = structuredClone(input);
  const touched = new Map<string, Chunk>();
  const chunkFor = (id: string, startMs: number, periodMs: number): Chunk => {
    const have = touched.get(id) ?? structuredClone(chunks.get(id)) ?? emptyChunk(id, startMs, periodMs);
    touched.set(id, have);
    return have;
  };

  // Fine segments: forward refresh [from, to) with from >= fineFrom, or backward extension [from, fineFrom).
  for (const s of segments.filter((x) => x.kind === 'fine')) {
    if (s.toMs < l.fineFrom || s.fromMs > l.through || (s.fromMs < l.fineFrom && hasCoarse(l))) {
      throw new LedgerError(`fine data [${s.fromMs}, ${s.toMs}) must touch the fine range [${l.fineFrom}, ${l.through}) and may extend it backwards only while there is no coarse data`);
    }
    const buckets = s.periodMs === l.fineMs ? s.buckets : rebucket(s.buckets, l.fineMs);
    for (let hour = alignDown(s.fromMs, HOUR_MS); hour < s.toMs; hour += HOUR_MS) {
      writeBuckets(chunkFor(hourChunkId(hour), hour, l.fineMs), s.fromMs, s.toMs, buckets);
    }
    const newFrom = Math.min(l.fineFrom, alignDown(s.fromMs, HOUR_MS));
    const newThrough = Math.max(l.through, s.toMs);
    // Re-index hour totals onto the (possibly earlier) first hour.
    const shift = Math.round((l.fineFrom - newFrom) / HOUR_MS);
    if (shift > 0) {
      l.hourGood = [...new Array<number>(shift).fill(0), ...l.hourGood];
      l.hourTotal = [...new Array<number>(shift).fill(0), ...l.hourTotal];
      if (!hasCoarse(l)) l.coarseFrom = newFrom;
    }
    l.fineFrom = newFrom;
    l.through = newThrough;
    for (let hour = alignDown(s.fromMs, HOUR_MS); hour < s.toMs; hour += HOUR_MS) {
      const index = Math.round((hour - l.fineFrom) / HOUR_MS);
      const sums = totalsOf(touched.get(hourChunkId(hour)) as Chunk);
      l.hourGood[index] = sums.good;
      l.hourTotal[index] = sums.total;
    }
    fillGaps(l.hourGood);
    fillGaps(l.hourTotal);
  }

  // Coarse segments, oldest last: each extends coarse data backwards to its fromMs (they arrive as adjacent ranges).
  const coarse = segments.filter((x) => x.kind === 'coarse').sort((a, b) => b.fromMs - a.fromMs);
  for (const s of coarse) {
    if (s.toMs !== l.coarseFrom) throw new LedgerError(`coarse data must extend the ledger backwards from ${l.coarseFrom}, got [${s.fromMs}, ${s.toMs})`);
    const buckets = s.periodMs < l.coarseMs ? rebucket(s.buckets, l.coarseMs) : s.buckets;
    const oldDayBase = alignDown(l.coarseFrom, DAY_MS);
    for (let day = alignDown(s.fromMs, DAY_MS); day < s.toMs; day += DAY_MS) {
      writeBuckets(chunkFor(dayChunkId(day), day, l.coarseMs), s.fromMs, s.toMs, buckets);
    }
    const newBase = alignDown(s.fromMs, DAY_MS);
    const shift = Math.round((oldDayBase - newBase) / DAY_MS);
    const hadCoarse = hasCoarse(l);
    if (!hadCoarse) {
      l.dayGood = [];
      l.dayTotal = [];
    } else if (shift > 0) {
      l.dayGood = [...new Array<number>(shift).fill(0), ...l.dayGood];
      l.dayTotal = [...new Array<number>(shift).fill(0), ...l.dayTotal];
    }
    l.coarseFrom = s.fromMs;
    for (let day = newBase; day < s.toMs; day += DAY_MS) {
      const sums = totalsOf(touched.get(dayChunkId(day)) as Chunk);
      const index = Math.round((day - newBase) / DAY_MS);
      l.dayGood[index] = sums.good;
      l.dayTotal[index] = sums.total;
    }
    // Data fetched coarser than the coarse period (hourly, beyond 63 days), or timeslice verdicts taken per
    // coarse period instead of per slice, are approximate until they leave the window.
    if (isSliceLedger(l) ? s.periodMs > l.fineMs : s.periodMs > l.coarseMs) {
      l.approxBefore = Math.max(l.approxBefore ?? -Infinity, s.toMs);
    }
  }

  // Seal: fine data before fineStartMs moves into day chunks (whole days; fineStartMs is a day boundary).
  const sealTo = Math.min(opts.fineStartMs, alignDown(l.through, DAY_MS));
  if (sealTo > l.fineFrom) {
    const firstDay = alignDown(l.fineFrom, DAY_MS);
    const hadCoarse = hasCoarse(l);
    const dayBase = hadCoarse ? alignDown(l.coarseFrom, DAY_MS) : firstDay;
    if (!hadCoarse) {
      l.dayGood = [];
      l.dayTotal = [];
      l.coarseFrom = l.fineFrom;
    }
    for (let day = firstDay; day < sealTo; day += DAY_MS) {
      const chunk = chunkFor(dayChunkId(day), day, l.coarseMs);
      for (let hour = Math.max(day, l.fineFrom); hour < day + DAY_MS; hour += HOUR_MS) {
        const source = touched.get(hourChunkId(hour)) ?? chunks.get(hourChunkId(hour));
        const fine: BucketMap = new Map();
        if (source) source.total.forEach((n, i) => fine.set(source.startMs + i * source.periodMs, { good: source.good[i] ?? 0, total: n }));
        writeBuckets(chunk, hour, hour + HOUR_MS, rebucket(fine, l.coarseMs));
      }
      const sums = totalsOf(chunk);
      const index = Math.round((day - dayBase) / DAY_MS);
      l.dayGood[index] = sums.good;
      l.dayTotal[index] = sums.total;
    }
    const dropHours = Math.round((sealTo - l.fineFrom) / HOUR_MS);
    l.hourGood = l.hourGood.slice(dropHours);
    l.hourTotal = l.hourTotal.slice(dropHours);
    l.fineFrom = sealTo;
    fillGaps(l.dayGood);
    fillGaps(l.dayTotal);
  }

  // Forget whole days before the day holding keepFromMs (the earliest window start still needed).
  const keepDay = alignDown(opts.keepFromMs, DAY_MS);
  if (hasCoarse(l) && alignDown(l.coarseFrom, DAY_MS) < keepDay) {
    const drop = Math.min(l.dayTotal.length, Math.round((keepDay - alignDown(l.coarseFrom, DAY_MS)) / DAY_MS));
    l.dayGood = l.dayGood.slice(drop);
    l.dayTotal = l.dayTotal.slice(drop);
    l.coarseFrom = Math.min(l.fineFrom, keepDay);
    if (!hasCoarse(l)) {
      l.dayGood = [];
      l.dayTotal = [];
    }
  }
  if (l.approxBefore !== undefined && l.approxBefore <= l.coarseFrom) delete l.approxBefore;
  if (opts.firstSeenAt !== undefined) l.firstSeenAt = Math.min(l.firstSeenAt ?? Infinity, opts.firstSeenAt);
  return { ledger: l, written: [...touched.values()] };
}

/** Timeslice ledgers carry the marker in their signature (see ledgerSignature). */
function isSliceLedger(l: LedgerSummary): boolean {
  return l.sig.startsWith('slice|');
}

function fillGaps(values: number[]): void {
  for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = 0;
}

export const APPROXIMATION_NOTE =
  'part of the window predates what the ledger kept and came from CloudWatch at a coarser period ' +
  '(hourly beyond 63 days; for slices finer than 5 minutes, one verdict per 5-minute period beyond 15 days)';
