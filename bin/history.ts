/**
 * Where `slo backtest` and `slo suggest` get their history: a CSV file (functions/core/history.ts parses it) or
 * CloudWatch through the MetricsPort, pulled in chunks of one GetMetricData call each (a few in flight), with a
 * progress bar on long pulls. Refusals are named errors with messages that say what to fix.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Objective } from '../functions/core/contract.ts';
import type { HistoryBucket } from '../functions/core/backtest.ts';
import { chunkBuckets, parseHistoryCsv, planPull, pullDatapoints, type PullOptions } from '../functions/core/history.ts';
import type { MetricsPort } from '../functions/ports.ts';
import { silentProgress, type Progress } from './render/progress.ts';

export class HistoryFileError extends Error {
  override name = 'HistoryFileError';
}

export class HistoryFetchError extends Error {
  override name = 'HistoryFetchError';
}

export interface LoadedHistory {
  buckets: HistoryBucket[];
  fromMs: number;
  toMs: number;
  /** Where it came from, for the report: `history.csv (525,600 rows)` or `CloudWatch (12 calls, 131,040 datapoints)`. */
  source: string;
}

/** Files larger than this are refused before reading (a year of minutes is about 20 MB). */
export const MAX_HISTORY_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a history CSV for `objective`, keeping rows in [fromMs, toMs) when given (default: the file's range).
 * Throws a HistoryFileError listing `file:line: problem` for every problem found (up to 20).
 */
export function historyFromFile(file: string, objective: Objective, range: { fromMs?: number; toMs?: number } = {}): LoadedHistory {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_HISTORY_FILE_BYTES) throw new HistoryFileError(`${file}: ${size} bytes is more than ${MAX_HISTORY_FILE_BYTES}: give a shorter range (a year of minutes is about 20 MB)`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof HistoryFileError) throw err;
    const code = (err as { code?: string }).code;
    throw new HistoryFileError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${code ?? String(err)})`);
  }
  const parsed = parseHistoryCsv(text, objective);
  if (!parsed.ok) throw new HistoryFileError(parsed.issues.map((i) => `${file}:${i.line}: ${i.message}`).join('\n'));
  if (parsed.rows === 0 || parsed.firstMs === undefined || parsed.endMs === undefined) throw new HistoryFileError(`${file}: no data rows after the header`);
  const fromMs = range.fromMs ?? parsed.firstMs;
  const toMs = range.toMs ?? parsed.endMs;
  if (!(toMs > fromMs)) throw new HistoryFileError(`${file}: the range ends (${new Date(toMs).toISOString()}) before it starts (${new Date(fromMs).toISOString()})`);
  const buckets = parsed.buckets.filter((b) => b.t >= fromMs && b.t < toMs);
  if (buckets.length === 0) {
    throw new HistoryFileError(`${file}: no rows between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()} (the file covers ${new Date(parsed.firstMs).toISOString()} to ${new Date(parsed.endMs).toISOString()})`);
  }
  return { buckets, fromMs, toMs, source: `${file} (${buckets.length.toLocaleString('en-US')} rows)` };
}

/**
 * Pulls [fromMs, toMs) from CloudWatch at the finest period it keeps for each part of the range (or at
 * `opts.periodMs`), one GetMetricData call per chunk, `concurrency` in flight. A failed series fails the
 * pull with CloudWatch's reason.
 */
export async function historyFromCloudWatch(
  metrics: MetricsPort,
  objective: Objective,
  range: { fromMs: number; toMs: number; nowMs: number },
  progress: Progress = silentProgress,
  opts: PullOptions & { concurrency?: number } = {},
): Promise<LoadedHistory> {
  const chunks = planPull(objective, range.fromMs, range.toMs, range.nowMs, opts);
  const parts: HistoryBucket[][] = new Array(chunks.length);
  let failure: string | undefined;
  let next = 0;
  progress.start(chunks.length, 'CloudWatch');
  try {
    const worker = async () => {
      while (next < chunks.length && failure === undefined) {
        const i = next++;
        const chunk = chunks[i]!;
        const results = await metrics.fetch(chunk.queries.map(({ role: _role, ...q }) => q));
        const got = chunkBuckets(objective, chunk, results);
        if (!got.ok) failure = got.detail;
        else parts[i] = got.buckets;
        progress.tick();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, chunks.length)) }, worker));
  } finally {
    progress.stop();
  }
  if (failure !== undefined) throw new HistoryFetchError(`CloudWatch refused part of the history: ${failure}`);
  const buckets = parts.flat();
  return {
    buckets,
    fromMs: range.fromMs,
    toMs: range.toMs,
    source: `CloudWatch (${chunks.length} GetMetricData call${chunks.length === 1 ? '' : 's'}, ${pullDatapoints(chunks).toLocaleString('en-US')} datapoints asked for)`,
  };
}
