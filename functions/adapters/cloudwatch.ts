/**
 * MetricsPort on CloudWatch GetMetricData (the only importer of the CloudWatch SDK).
 *
 * Batching: one call carries one StartTime/EndTime, so queries are grouped by (startMs, endMs); each group
 * is packed into calls of at most 500 queries and at most 100,800 datapoints, where a query's datapoints
 * are ceil((endMs - startMs) / 1000 / periodSeconds). A single query above 100,800 datapoints goes alone
 * in its call (CloudWatch then pages it through NextToken). Pages are followed until NextToken is absent
 * and merged per query.
 *
 * Failures stay local: a result with StatusCode InternalError or Forbidden fails that series; a call that
 * throws (throttling after the SDK's own retries, AccessDenied, 5xx, network) fails every series of that
 * call and no other.
 *
 * Cost: CloudWatch bills per metric requested; `metricsRequested` counts each query once per call it is
 * sent in (not once per NextToken page), `callCount` counts API requests (pages included).
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type CloudWatchClientConfig,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { Datapoint, MetricQuery, MetricsPort, SeriesResult } from '../ports.ts';

/** GetMetricData: at most 500 MetricDataQueries per call. */
export const MAX_QUERIES_PER_CALL = 500;
/** GetMetricData: at most 100,800 datapoints per call. */
export const MAX_DATAPOINTS_PER_CALL = 100_800;

export interface CloudWatchMetricsOptions {
  /** GetMetricData calls in flight at once; default 4. */
  maxConcurrency?: number;
}

export class DuplicateQueryIdError extends Error {
  override name = 'DuplicateQueryIdError';
}

/** Datapoints a query asks for: whole periods in [startMs, endMs). */
export function datapointsOf(q: MetricQuery): number {
  return Math.ceil((q.endMs - q.startMs) / 1000 / q.periodSeconds);
}

/** One GetMetricData call (plus its pages): queries sharing a time range, within both limits. */
interface Batch {
  startMs: number;
  endMs: number;
  queries: { apiId: string; query: MetricQuery }[];
}

/** Packs queries into batches: grouped by time range, then greedily filled up to both per-call limits. */
export function planBatches(queries: MetricQuery[]): Batch[] {
  const groups = new Map<string, { apiId: string; query: MetricQuery }[]>();
  queries.forEach((query, i) => {
    const key = `${query.startMs}/${query.endMs}`;
    const group = groups.get(key) ?? [];
    // GetMetricData ids must match ^[a-z][a-zA-Z0-9_]*$, so callers' ids are mapped to m0, m1, ...
    group.push({ apiId: `m${i}`, query });
    groups.set(key, group);
  });
  const batches: Batch[] = [];
  for (const group of groups.values()) {
    const { startMs, endMs } = group[0]!.query;
    let current: Batch = { startMs, endMs, queries: [] };
    let points = 0;
    for (const entry of group) {
      const n = datapointsOf(entry.query);
      if (current.queries.length > 0 && (current.queries.length >= MAX_QUERIES_PER_CALL || points + n > MAX_DATAPOINTS_PER_CALL)) {
        batches.push(current);
        current = { startMs, endMs, queries: [] };
        points = 0;
      }
      current.queries.push(entry);
      points += n;
    }
    batches.push(current);
  }
  return batches;
}

function toApiQuery(apiId: string, q: MetricQuery): MetricDataQuery {
  return {
    Id: apiId,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metricName,
        Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: q.periodSeconds,
      Stat: q.stat,
    },
    ReturnData: true,
  };
}

/** Why a query is not worth sending, or undefined when it is well-formed. */
function invalidReason(q: MetricQuery): { code: string; message: string } | undefined {
  if (!(Number.isInteger(q.periodSeconds) && q.periodSeconds > 0)) {
    return { code: 'InvalidPeriod', message: `query ${q.id}: periodSeconds must be a positive whole number of seconds, got ${q.periodSeconds}` };
  }
  if (!(Number.isFinite(q.startMs) && Number.isFinite(q.endMs) && q.startMs < q.endMs)) {
    return { code: 'InvalidTimeRange', message: `query ${q.id}: startMs (${q.startMs}) must be before endMs (${q.endMs})` };
  }
  return undefined;
}

export class CloudWatchMetrics implements MetricsPort {
  /** GetMetricData requests sent, NextToken pages included. */
  callCount = 0;
  /** Queries sent, each once per call it belongs to (pages of that call not counted again). */
  metricsRequested = 0;
  private readonly maxConcurrency: number;

  constructor(
    private readonly client: CloudWatchClient,
    opts: CloudWatchMetricsOptions = {},
  ) {
    this.maxConcurrency = Math.max(1, Math.floor(opts.maxConcurrency ?? 4));
  }

  async fetch(queries: MetricQuery[]): Promise<Map<string, SeriesResult>> {
    const out = new Map<string, SeriesResult>();
    const seen = new Set<string>();
    const valid: MetricQuery[] = [];
    for (const q of queries) {
      if (seen.has(q.id)) throw new DuplicateQueryIdError(`query id "${q.id}" appears twice in one fetch; ids must be unique per fetch`);
      seen.add(q.id);
      const invalid = invalidReason(q);
      if (invalid) out.set(q.id, { ok: false, error: invalid });
      else valid.push(q);
    }
    const batches = planBatches(valid);
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        for (const [id, result] of await this.runBatch(batch)) out.set(id, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.maxConcurrency, batches.length) }, worker));
    // Same order as the queries, so callers iterating the map see a stable order.
    return new Map(queries.map((q) => [q.id, out.get(q.id)!]));
  }

  /** One call and its pages; never throws: a failed call fails every series in it. */
  private async runBatch(batch: Batch): Promise<Map<string, SeriesResult>> {
    const merged = new Map<string, { timestamps: Date[]; values: number[]; failure?: { code: string; message: string }; seen: boolean }>();
    for (const { apiId } of batch.queries) merged.set(apiId, { timestamps: [], values: [], seen: false });
    const metricDataQueries = batch.queries.map(({ apiId, query }) => toApiQuery(apiId, query));
    this.metricsRequested += batch.queries.length;
    const out = new Map<string, SeriesResult>();
    try {
      let nextToken: string | undefined;
      do {
        this.callCount++;
        const res = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: metricDataQueries,
            StartTime: new Date(batch.startMs),
            EndTime: new Date(batch.endMs),
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const r of res.MetricDataResults ?? []) mergeResult(merged, r);
        nextToken = res.NextToken;
      } while (nextToken);
    } catch (err) {
      const error = err instanceof Error ? { code: err.name, message: err.message } : { code: 'Error', message: String(err) };
      for (const { query } of batch.queries) out.set(query.id, { ok: false, error });
      return out;
    }
    for (const { apiId, query } of batch.queries) {
      const m = merged.get(apiId)!;
      if (m.failure) {
        out.set(query.id, { ok: false, error: m.failure });
      } else if (!m.seen) {
        out.set(query.id, { ok: false, error: { code: 'MissingResult', message: `GetMetricData returned no result for query ${query.id} (${query.namespace} ${query.metricName})` } });
      } else {
        const points: Datapoint[] = m.timestamps.map((t, i) => ({ t: t.getTime(), v: m.values[i]! }));
        points.sort((a, b) => a.t - b.t);
        out.set(query.id, { ok: true, points });
      }
    }
    return out;
  }
}

function mergeResult(
  merged: Map<string, { timestamps: Date[]; values: number[]; failure?: { code: string; message: string }; seen: boolean }>,
  r: MetricDataResult,
): void {
  const m = r.Id === undefined ? undefined : merged.get(r.Id);
  if (!m) return;
  m.seen = true;
  if (r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden') {
    const detail = (r.Messages ?? []).map((msg) => [msg.Code, msg.Value].filter(Boolean).join(': ')).join('; ');
    m.failure = { code: r.StatusCode, message: detail || `GetMetricData returned ${r.StatusCode} for this series` };
    return;
  }
  const ts = r.Timestamps ?? [];
  const vs = r.Values ?? [];
  for (let i = 0; i < Math.min(ts.length, vs.length); i++) {
    m.timestamps.push(ts[i]!);
    m.values.push(vs[i]!);
  }
}

/**
 * Composition helper for the runtime: a CloudWatchMetrics on a client built from the standard AWS
 * environment (region, AWS_ENDPOINT_URL[_CLOUDWATCH], credentials chain, the SDK's own retry settings),
 * so the runtime never imports the SDK itself. Tests inject a client into the class instead.
 */
export function createCloudWatchMetrics(opts: CloudWatchMetricsOptions & { clientConfig?: CloudWatchClientConfig } = {}): CloudWatchMetrics {
  const { clientConfig, ...rest } = opts;
  return new CloudWatchMetrics(new CloudWatchClient(clientConfig ?? {}), rest);
}
