/**
 * Metric history for backtests and suggestions, from a CSV file or from CloudWatch. Pure: the caller reads the
 * file or runs the queries planned here through the MetricsPort; this parses, plans and converts.
 *
 * CSV (one row per minute, UTC):
 *   ratio and latency SLIs:  timestamp,good,total   (or timestamp,bad,total for a ratio SLI given as bad events;
 *                            for latency, good = requests at or under the threshold)
 *   timeslice SLIs:          timestamp,value        (the statistic of that minute; a slice is good when every
 *                            row in it meets the comparison)
 * A timestamp is ISO 8601 with a zone (2026-11-02T14:05:00Z) or epoch SECONDS (1793628300), on a whole minute.
 */
import type { Objective } from './contract.ts';
import type { Datapoint, MetricQuery, SeriesResult } from '../ports.ts';
import type { HistoryBucket } from './backtest.ts';
import { metricSpecs, resolutionSegments, type Role } from './assess.ts';
import { layoutOf } from './ledger.ts';
import { parseComparison, ratioBuckets } from './series.ts';
import { alignDown } from './resolution.ts';
import { MINUTE_MS } from './duration.ts';

export class HistoryError extends Error {
  override name = 'HistoryError';
}

// ---------------------------------------------------------------------------------------------
// CSV

export interface CsvIssue {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

export type CsvHistory =
  | {
      ok: true;
      buckets: HistoryBucket[];
      /** Data rows read. */
      rows: number;
      /** First row's minute and the minute after the last row (epoch ms), undefined for a file without rows. */
      firstMs?: number;
      endMs?: number;
    }
  | { ok: false; issues: CsvIssue[] };

/** Issues listed before the parser stops reading (a wrong file has the same problem on every line). */
export const MAX_CSV_ISSUES = 20;

/** Epoch seconds below this many digits; a 13-digit number is epoch milliseconds, a common slip. */
const EPOCH_MS_DIGITS = 13;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a timestamp cell into epoch ms, or says what is wrong with it. */
export function parseTimestamp(text: string): number | string {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    if (t.length >= EPOCH_MS_DIGITS) return `"${t}" looks like epoch milliseconds: give epoch seconds (${t.slice(0, -3)}) or an ISO 8601 instant`;
    return Number(t) * 1000;
  }
  if (!ISO_WITH_ZONE.test(t)) return `"${t}" is not a timestamp: write an ISO 8601 instant with a zone (2026-11-02T14:05:00Z) or epoch seconds`;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return `"${t}" is not a real instant`;
  return ms;
}

function cells(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

/** A decimal number cell (no hex, no Infinity, no empty cell), or NaN. */
function numberCell(cell: string): number {
  return NUMBER.test(cell) ? Number(cell) : Number.NaN;
}

/**
 * Parses a history CSV for `objective`. Every problem names its line; parsing stops after MAX_CSV_ISSUES.
 * Rows may come in any order; two rows for one minute are an error. A year of minutes is 525,600 rows, so the
 * loop scans the text without per-row arrays and checks duplicates against the previous row while rows come
 * in order (a map only once they do not).
 */
export function parseHistoryCsv(text: string, objective: Objective): CsvHistory {
  const issues: CsvIssue[] = [];
  const add = (line: number, message: string) => {
    if (issues.length < MAX_CSV_ISSUES) issues.push({ line, message });
  };
  const timeslice = objective.sli.timeslice;
  const expected = timeslice ? ['timestamp,value'] : objective.sli.ratio?.bad ? ['timestamp,bad,total', 'timestamp,good,total'] : ['timestamp,good,total'];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;

  // Lines as [start, end) offsets, CR before LF dropped.
  let pos = 0;
  let lineNo = 0;
  let line = '';
  const nextLine = (): boolean => {
    if (pos > body.length) return false;
    let end = body.indexOf('\n', pos);
    if (end === -1) end = body.length;
    line = body.slice(pos, end > pos && body.charCodeAt(end - 1) === 13 ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    return true;
  };
  let haveHeader = false;
  while (nextLine()) {
    if (!isSkippable(line)) {
      haveHeader = true;
      break;
    }
  }
  if (!haveHeader) return { ok: false, issues: [{ line: 1, message: `the file is empty: the first line must be the header ${expected.join(' or ')}` }] };
  const header = cells(line).map((c) => c.toLowerCase()).join(',');
  if (!expected.includes(header)) {
    const kind = timeslice ? 'a timeslice SLI' : objective.sli.latency ? 'a latency SLI' : 'a ratio SLI';
    return { ok: false, issues: [{ line: lineNo, message: `header "${line.trim()}": objective ${objective.name} has ${kind}, so the header must be ${expected.join(' or ')}` }] };
  }
  const names = header.split(',');
  const badColumn = names[1] === 'bad';
  const width = names.length;
  const isGood = timeslice ? parseComparison(timeslice.good) : undefined;

  const buckets: HistoryBucket[] = [];
  let rows = 0;
  let firstMs = Infinity;
  let lastMs = -Infinity;
  // Duplicates: while rows come in time order only the previous row can share a minute.
  let inOrder = true;
  let prevT = -Infinity;
  let prevLine = 0;
  let lineOf: Map<number, number> | undefined;
  const lines: number[] = [];
  while (issues.length < MAX_CSV_ISSUES && nextLine()) {
    if (isSkippable(line)) continue;
    const first = line.indexOf(',');
    const second = first === -1 ? -1 : line.indexOf(',', first + 1);
    const third = second === -1 ? -1 : line.indexOf(',', second + 1);
    const found = first === -1 ? 1 : second === -1 ? 2 : third === -1 ? 3 : line.split(',').length;
    if (found !== width) {
      add(lineNo, `expected ${width} values (${header}), found ${found}`);
      continue;
    }
    const stamp = line.slice(0, first).trim();
    const t = parseTimestamp(stamp);
    if (typeof t === 'string') {
      add(lineNo, t);
      continue;
    }
    if (t % MINUTE_MS !== 0) {
      add(lineNo, `${stamp} is not on a whole minute: rows are one per minute, stamped at the minute's start`);
      continue;
    }
    if (inOrder && t <= prevT) {
      if (t === prevT) {
        add(lineNo, `a second row for ${new Date(t).toISOString()} (first on line ${prevLine}): one row per minute`);
        continue;
      }
      inOrder = false;
      lineOf = new Map(buckets.map((b, i) => [b.t, lines[i] as number]));
    }
    if (!inOrder) {
      const again = (lineOf as Map<number, number>).get(t);
      if (again !== undefined) {
        add(lineNo, `a second row for ${new Date(t).toISOString()} (first on line ${again}): one row per minute`);
        continue;
      }
    }
    const a = numberCell(line.slice(first + 1, second === -1 ? line.length : second).trim());
    if (!Number.isFinite(a)) {
      add(lineNo, `${names[1]} "${line.slice(first + 1, second === -1 ? line.length : second).trim()}" is not a number`);
      continue;
    }
    if (timeslice) {
      buckets.push({ t, periodMs: MINUTE_MS, good: (isGood as (v: number) => boolean)(a) ? 1 : 0, total: 1 });
    } else {
      const totalText = line.slice(second + 1).trim();
      const total = numberCell(totalText);
      if (a < 0) {
        add(lineNo, `${names[1]} ${line.slice(first + 1, second).trim()} is negative: counts are 0 or more`);
        continue;
      }
      if (!Number.isFinite(total)) {
        add(lineNo, `total "${totalText}" is not a number`);
        continue;
      }
      if (total < 0) {
        add(lineNo, `total ${totalText} is negative: counts are 0 or more`);
        continue;
      }
      if (a > total) {
        add(lineNo, `${badColumn ? 'bad' : 'good'} (${a}) is more than total (${total})`);
        continue;
      }
      buckets.push({ t, periodMs: MINUTE_MS, good: badColumn ? total - a : a, total });
    }
    lines.push(lineNo);
    if (lineOf) lineOf.set(t, lineNo);
    prevT = t;
    prevLine = lineNo;
    rows++;
    if (t < firstMs) firstMs = t;
    if (t > lastMs) lastMs = t;
  }
  if (issues.length > 0) return { ok: false, issues };
  if (!inOrder) buckets.sort((x, y) => x.t - y.t);
  return { ok: true, buckets, rows, ...(rows > 0 ? { firstMs, endMs: lastMs + MINUTE_MS } : {}) };
}

function isSkippable(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#');
}

// ---------------------------------------------------------------------------------------------
// CloudWatch

/** GetMetricData returns at most this many datapoints per call (the adapter's batching limit). */
export const DATAPOINTS_PER_CALL = 100_800;

/** One piece of a pull: a range at one period, fetched in one GetMetricData call (all its series together). */
export interface HistoryChunk {
  fromMs: number;
  toMs: number;
  periodMs: number;
  queries: (MetricQuery & { role: Role })[];
}

export interface PullOptions {
  /** Fetch everything at this period (ms) instead of the finest CloudWatch keeps (suggest reads hourly data). */
  periodMs?: number;
  /** Query ids start with this. @default 'h' */
  idPrefix?: string;
}

/**
 * The queries that pull [fromMs, toMs) for an objective, in chunks of one GetMetricData call each: at the
 * finest period CloudWatch keeps for each part of the range (assess.ts resolutionSegments: 60 s, or the
 * slice period, within 15 days of now; 300 s within 63 days; 3600 s beyond), or at `periodMs` when given.
 * Chunk bounds are whole periods; oldest first.
 */
export function planPull(objective: Objective, fromMs: number, toMs: number, nowMs: number, opts: PullOptions = {}): HistoryChunk[] {
  const series = metricSpecs(objective);
  const desired = layoutOf(objective.sli).fineMs;
  const pieces = opts.periodMs !== undefined ? [{ fromMs, toMs, periodMs: opts.periodMs }] : resolutionSegments(fromMs, toMs, nowMs, desired);
  const perCall = Math.max(1, Math.floor(DATAPOINTS_PER_CALL / series.length));
  const chunks: HistoryChunk[] = [];
  const prefix = opts.idPrefix ?? 'h';
  for (const piece of pieces) {
    const p = piece.periodMs;
    let start = alignDown(piece.fromMs, p);
    const end = -alignDown(-piece.toMs, p);
    while (start < end) {
      const stop = Math.min(end, start + perCall * p);
      const n = chunks.length;
      chunks.push({
        fromMs: Math.max(start, piece.fromMs),
        toMs: Math.min(stop, piece.toMs),
        periodMs: p,
        queries: series.map((s, k) => {
          const { role, ...metric } = s;
          return { id: `${prefix}${n}x${k}`, role, ...metric, periodSeconds: p / 1000, startMs: start, endMs: stop };
        }),
      });
      start = stop;
    }
  }
  return chunks;
}

export type ChunkBuckets = { ok: true; buckets: HistoryBucket[] } | { ok: false; detail: string };

/**
 * A fetched chunk as history buckets, with the evaluator's rules: occurrence buckets as core/series.ts
 * ratioBuckets makes them (a total without a numerator is all good; good mode or bad mode), plus an empty
 * bucket where the total reported 0 (the metric reported); timeslices one verdict per period (good only when
 * every point in it meets the comparison), as assess.ts does. Points outside the chunk's periods are left out.
 */
export function chunkBuckets(objective: Objective, chunk: HistoryChunk, results: Map<string, SeriesResult>): ChunkBuckets {
  const byRole: Partial<Record<Role, Datapoint[]>> = {};
  for (const q of chunk.queries) {
    const r = results.get(q.id);
    if (!r) return { ok: false, detail: `no result for ${q.namespace}/${q.metricName} ${q.stat}` };
    if (!r.ok) return { ok: false, detail: `${q.namespace}/${q.metricName} ${q.stat}: ${r.error.code}: ${r.error.message}` };
    byRole[q.role] = r.points;
  }
  const p = chunk.periodMs;
  const lo = alignDown(chunk.fromMs, p);
  const inside = (t: number) => t >= lo && t < chunk.toMs;
  const ts = objective.sli.timeslice;
  if (ts) return { ok: true, buckets: sliceBuckets(objective, (byRole.slice ?? []).filter((x) => inside(x.t)), p) };
  const mode = objective.sli.ratio?.bad ? 'bad' : 'good';
  const buckets: HistoryBucket[] = ratioBuckets(byRole.numerator ?? [], byRole.total ?? [], mode)
    .filter((b) => inside(b.t))
    .map((b) => ({ t: b.t, periodMs: p, good: b.good, total: b.total }));
  const have = new Set(buckets.map((b) => b.t));
  for (const x of byRole.total ?? []) {
    if (Number.isFinite(x.v) && x.v === 0 && inside(x.t) && !have.has(x.t)) {
      buckets.push({ t: x.t, periodMs: p, good: 0, total: 0 });
      have.add(x.t);
    }
  }
  return { ok: true, buckets: buckets.sort((a, b) => a.t - b.t) };
}

/** Timeslice verdicts per period of `periodMs`: a period with data is good only when all its points are. */
export function sliceBuckets(objective: Objective, points: readonly Datapoint[], periodMs: number): HistoryBucket[] {
  const ts = objective.sli.timeslice;
  if (!ts) throw new HistoryError(`objective ${objective.name} is not a timeslice SLI`);
  const isGood = parseComparison(ts.good);
  const verdicts = new Map<number, boolean>();
  for (const x of points) {
    if (!Number.isFinite(x.t) || !Number.isFinite(x.v)) continue;
    const t = alignDown(x.t, periodMs);
    verdicts.set(t, (verdicts.get(t) ?? true) && isGood(x.v));
  }
  return [...verdicts.entries()].sort((a, b) => a[0] - b[0]).map(([t, good]) => ({ t, periodMs, good: good ? 1 : 0, total: 1 }));
}

/** Datapoints a pull asks for (all series): for progress and cost notes. */
export function pullDatapoints(chunks: readonly HistoryChunk[]): number {
  return chunks.reduce((n, c) => n + c.queries.reduce((m, q) => m + Math.ceil((q.endMs - q.startMs) / (q.periodSeconds * 1000)), 0), 0);
}
