/**
 * MetricsPort on CloudWatch GetMetricData (the only importer of the CloudWatch SDK).
 *
 * Batching: one call carries one StartTime/EndTime, so queries are grouped by (startMs, endMs); each group
 * is packed into calls of at most 500 queries and at most the datapoint cap, where a query's datapoints are
 * its whole periods from StartTime (as CloudWatch rounds it by age, see datapointsOf) to EndTime, the count
 * the datapoint quotas are charged. The cap is 100,800 (the API's limit) lowered to one second
 * of the adapter's share of the smaller tier (45,000 at the default share of 90,000/s), so that one call
 * never spends more than a second of its tier's share (see Pacing). Every call sends the cap as
 * MaxDatapoints, so a single query above it (it goes alone in its call) is paged by CloudWatch through
 * NextToken in pages within the cap.
 * Pages are followed until NextToken is absent and merged per query.
 *
 * Quotas (GetMetricData, per account and Region, shared with every dashboard, alarm-less script and tool
 * there): 50 calls per second; 180,000 datapoints per second for calls whose StartTime is within the last 3
 * hours ("recent" tier), 90,000 per second when StartTime is more than 3 hours back ("older" tier).
 *
 * Pacing: the adapter uses `quotaShare` of each quota (default 50 %, leaving the other half to people's
 * dashboards and other tools). Each quota is a bucket of `share x quota` tokens per sliding second; a
 * token spent comes back exactly 1,000 ms later, so in ANY one-second window the adapter spends at most its
 * share (a classic bucket refilling continuously would allow twice the share inside one second: a full
 * bucket plus a second of refill). Before each call (each NextToken page too) the adapter waits until one
 * call token and the call's datapoint tokens are free, in FIFO order across the concurrent workers; the tier
 * is chosen by the call's StartTime against the adapter's clock at that moment.
 *
 * Throttling: the SDK already retries `Throttling` for CloudWatch (standard retry mode: 3 attempts unless
 * AWS_MAX_ATTEMPTS says otherwise, full jitter on a 1 s throttling base capped at 20 s; the error is
 * classified by its name in @smithy/core's THROTTLING_ERROR_CODES; SDK 3.1164, checked against a local
 * server in test/adapters/cloudwatch-http.test.ts). A Throttling error reaching the adapter therefore comes after the SDK's attempts,
 * which the error carries in `$metadata.attempts`. The adapter counts those against one budget per page
 * (`retry.maxAttempts` HTTP attempts, SDK's included), marks its buckets full for the next second (every
 * worker slows down, not only the throttled one: someone else is using the quota), and retries after an
 * exponential delay with full jitter that continues the SDK's sequence: random() x min(maxDelayMs,
 * baseDelayMs x 2^(attempts so far - 1)). Only throttling is retried here; the SDK has already retried
 * transient errors, and others (AccessDenied, validation) would fail again.
 *
 * Failures stay local: a result with StatusCode InternalError or Forbidden fails that series; a call that
 * throws (throttled past the attempt budget, AccessDenied, 5xx, network) fails every series of that call
 * and no other. With a time budget, calls that cannot start before the deadline fail their series with
 * code `DeadlineExceeded` without being sent, so the caller can keep them pending for the next run.
 *
 * Cost: CloudWatch bills per metric requested; `metricsRequested` counts each query once per call it is
 * sent in (not once per NextToken page or retry), `callCount` counts API requests (pages and retries
 * included). `usage()` adds datapoints by tier, throttles, retries and time spent waiting, for one metric
 * per run.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type CloudWatchClientConfig,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { Clock, Datapoint, MetricQuery, MetricsPort, SeriesResult } from '../ports.ts';

/** GetMetricData: at most 500 MetricDataQueries per call. */
export const MAX_QUERIES_PER_CALL = 500;
/** GetMetricData: at most 100,800 datapoints per call (the default and largest MaxDatapoints). */
export const MAX_DATAPOINTS_PER_CALL = 100_800;

/** GetMetricData throughput quotas, per account and Region. */
export interface GetMetricDataQuotas {
  /** Calls (transactions) per second. */
  callsPerSecond: number;
  /** Datapoints per second for calls whose StartTime is within the last 3 hours. */
  recentDatapointsPerSecond: number;
  /** Datapoints per second for calls whose StartTime is more than 3 hours back. */
  olderDatapointsPerSecond: number;
}

/** The AWS defaults (Service Quotas can raise them per account and Region). */
export const GET_METRIC_DATA_QUOTAS: Readonly<GetMetricDataQuotas> = Object.freeze({
  callsPerSecond: 50,
  recentDatapointsPerSecond: 180_000,
  olderDatapointsPerSecond: 90_000,
});

/** Default share (ratio 0..1) of each quota the adapter uses: half, leaving half to dashboards and people. */
export const DEFAULT_QUOTA_SHARE = 0.5;

/** A call whose StartTime is more than this far before now (ms) is in the older (90,000/s) tier. */
export const RECENT_TIER_MS = 3 * 3_600_000;

export type QuotaTier = 'recent' | 'older';

/** The tier a call falls in: by its StartTime's age at `nowMs`, older when more than 3 hours back. */
export function tierOf(startMs: number, nowMs: number): QuotaTier {
  return nowMs - startMs > RECENT_TIER_MS ? 'older' : 'recent';
}

/**
 * Client timeouts (ms) for the runtime's CloudWatch client, given to the SDK's NodeHttpHandler:
 * - connectionTimeout 2,000: a TCP+TLS handshake to the regional endpoint takes tens of ms; 2 s means the
 *   endpoint is unreachable, and the SDK's retry (left on, 3 attempts) tries a fresh connection.
 * - requestTimeout 10,000 with throwOnRequestTimeout: a full call (500 queries, up to 100,800 datapoints,
 *   a response of a few MB) usually returns in well under 2 s; 10 s leaves room for slow pages while a hung
 *   call costs at most about 3 x 12 s before its series fail and are retried on the next run. Without
 *   throwOnRequestTimeout the SDK only logs a warning when the request timeout passes.
 */
export const CLOUDWATCH_TIMEOUTS: Readonly<CloudWatchTimeouts> = Object.freeze({ connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true });

/** NodeHttpHandler options the runtime's client is built with (ms). */
export interface CloudWatchTimeouts {
  connectionTimeout: number;
  requestTimeout: number;
  throwOnRequestTimeout: boolean;
}

export interface RetryOptions {
  /**
   * HTTP attempts per call (one page) before its series fail, the SDK's own attempts included (read from
   * the error's `$metadata.attempts`). With the SDK's default 3 attempts per send, 6 means one more send.
   * @default 6
   */
  maxAttempts?: number;
  /** Base of the exponential backoff (ms). @default 1000 (the SDK's throttling base) */
  baseDelayMs?: number;
  /** Largest backoff before jitter (ms). @default 20000 (the SDK's cap) */
  maxDelayMs?: number;
}

export interface CloudWatchMetricsOptions {
  /** GetMetricData calls in flight at once. @default 4 */
  maxConcurrency?: number;
  /**
   * Share (ratio, 0 < share <= 1) of each GetMetricData quota this adapter may use, in any one second.
   * @default 0.5 (DEFAULT_QUOTA_SHARE)
   */
  quotaShare?: number;
  /** The account's GetMetricData quotas, when Service Quotas raised them. @default GET_METRIC_DATA_QUOTAS */
  quotas?: Partial<GetMetricDataQuotas>;
  /** Backoff after Throttling (on top of the SDK's own retry). @default see RetryOptions */
  retry?: RetryOptions;
  /**
   * Time budget per fetch (ms): a call that cannot start before the budget ends (waiting for tokens or
   * backing off) is not sent, and its series fail with code DeadlineExceeded. Calls already in flight
   * finish (bounded by the client's request timeout). @default no budget
   */
  timeBudgetMs?: number;
  /** Time source (epoch ms). @default the system clock */
  clock?: Clock;
  /** Waits `ms` milliseconds. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform random number in [0, 1), for backoff jitter. @default Math.random */
  random?: () => number;
}

export interface FetchOptions {
  /** Overrides the adapter's `timeBudgetMs` for this fetch (ms). */
  timeBudgetMs?: number;
}

/** What the adapter spent, cumulated since it was built (or since the last `takeUsage()`). */
export interface MetricsUsage {
  /** GetMetricData requests sent by the adapter: pages and adapter retries included, SDK retries not. */
  calls: number;
  /** Queries requested (the billing unit), each once per call it belongs to, not per page or retry. */
  metricsRequested: number;
  /**
   * Datapoints of the calls CloudWatch answered, by quota tier: a call's requested periods (a paged call
   * counts each page at min(cap, requested), so a paged call may be over-counted, never under-counted).
   */
  datapoints: Record<QuotaTier, number>;
  /** Calls that failed with Throttling after the SDK's own retries. */
  throttles: number;
  /** Sends the adapter repeated after throttling. */
  retries: number;
  /** Extra attempts the SDK made inside sends (`$metadata.attempts - 1`): retried throttles and transient errors. */
  sdkRetries: number;
  /** Time spent waiting for tokens (ms), summed over calls (concurrent waits add up). */
  waitMs: number;
  /** Time spent in backoff after throttling (ms), summed over calls. */
  backoffMs: number;
  /** Series failed with DeadlineExceeded. */
  deadlineExceeded: number;
}

export class DuplicateQueryIdError extends Error {
  override name = 'DuplicateQueryIdError';
}

export class CloudWatchOptionsError extends Error {
  override name = 'CloudWatchOptionsError';
}

/** The only thing the adapter needs from a client: sending GetMetricData (a CloudWatchClient, or a fake). */
export interface GetMetricDataClient {
  send(command: GetMetricDataCommand): Promise<GetMetricDataCommandOutput>;
}

/**
 * A fetch plans its calls once, then may wait before sending them: ages are judged this much later (ms) when
 * rounding StartTime, so a StartTime crossing the 15- or 63-day line meanwhile is not under-counted (a Lambda
 * runs at most 15 minutes).
 */
export const ROUNDING_MARGIN_MS = 15 * 60_000;

/**
 * StartTime as CloudWatch uses it: rounded down to the minute when less than 15 days old, to 5 minutes
 * between 15 and 63 days, to the hour beyond (API reference, GetMetricData StartTime).
 */
export function cloudWatchStart(startMs: number, ageMs: number): number {
  const unit = ageMs > 63 * 86_400_000 ? 3_600_000 : ageMs > 15 * 86_400_000 ? 300_000 : 60_000;
  return Math.floor(startMs / unit) * unit;
}

/**
 * Datapoints a query asks for: whole periods in [startMs, endMs). Given `nowMs`, counted from StartTime as
 * CloudWatch rounds it (with the ROUNDING_MARGIN_MS margin: never fewer than CloudWatch will count), since
 * that is what the datapoint quotas are charged.
 */
export function datapointsOf(q: MetricQuery, nowMs?: number): number {
  const start = nowMs === undefined ? q.startMs : cloudWatchStart(q.startMs, nowMs + ROUNDING_MARGIN_MS - q.startMs);
  return Math.ceil((q.endMs - start) / 1000 / q.periodSeconds);
}

/** One GetMetricData call (plus its pages): queries sharing a time range, within both limits. */
export interface Batch {
  startMs: number;
  endMs: number;
  /** Datapoints this call may carry per page (sent as MaxDatapoints). */
  maxDatapoints: number;
  /** Datapoints its queries ask for in all (datapointsOf, as planned). */
  datapoints: number;
  queries: { apiId: string; query: MetricQuery }[];
}

/**
 * Packs queries into batches: grouped by time range, then greedily filled up to 500 queries and
 * `maxDatapointsPerCall` (default 100,800), counting datapoints as datapointsOf(query, nowMs). A query above
 * the cap goes alone.
 */
export function planBatches(queries: MetricQuery[], maxDatapointsPerCall: number = MAX_DATAPOINTS_PER_CALL, nowMs?: number): Batch[] {
  const maxDatapoints = Math.max(1, Math.min(MAX_DATAPOINTS_PER_CALL, Math.floor(maxDatapointsPerCall)));
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
    let current: Batch = { startMs, endMs, maxDatapoints, datapoints: 0, queries: [] };
    for (const entry of group) {
      const n = datapointsOf(entry.query, nowMs);
      if (current.queries.length > 0 && (current.queries.length >= MAX_QUERIES_PER_CALL || current.datapoints + n > maxDatapoints)) {
        batches.push(current);
        current = { startMs, endMs, maxDatapoints, datapoints: 0, queries: [] };
      }
      current.queries.push(entry);
      current.datapoints += n;
    }
    batches.push(current);
  }
  return batches;
}

export function toApiQuery(apiId: string, q: MetricQuery): MetricDataQuery {
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
    // Cross-account observability: read the metric from the source account linked to this one.
    ...(q.accountId !== undefined ? { AccountId: q.accountId } : {}),
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
  if (q.accountId !== undefined && !/^\d{12}$/.test(q.accountId)) {
    return { code: 'InvalidAccountId', message: `query ${q.id}: accountId must be a 12-digit AWS account id, got "${q.accountId}"` };
  }
  return undefined;
}

/**
 * At most `limit` units spent in any sliding second: each unit spent comes back exactly 1,000 ms later
 * (a unit spent at `at` counts while `now - 1000 < at`, as a sliding-second quota counts it).
 */
export class SlidingSecondBucket {
  private readonly spent: { at: number; n: number }[] = [];
  private used = 0;

  constructor(readonly limit: number) {}

  private expire(nowMs: number): void {
    while (this.spent.length > 0 && this.spent[0]!.at <= nowMs - 1000) this.used -= this.spent.shift()!.n;
  }

  /** Units spent in the second up to `nowMs`. */
  inUse(nowMs: number): number {
    this.expire(nowMs);
    return this.used;
  }

  /**
   * Milliseconds from `nowMs` until `n` more units fit (0: they fit now). A request above the limit waits
   * for an empty window, then goes alone.
   */
  waitFor(n: number, nowMs: number): number {
    this.expire(nowMs);
    const excess = this.used + Math.min(n, this.limit) - this.limit;
    if (excess <= 0) return 0;
    let freed = 0;
    for (const e of this.spent) {
      freed += e.n;
      if (freed >= excess) return e.at + 1000 - nowMs;
    }
    return this.spent[this.spent.length - 1]!.at + 1000 - nowMs;
  }

  spend(n: number, nowMs: number): void {
    this.expire(nowMs);
    this.spent.push({ at: nowMs, n });
    this.used += n;
  }

  /** Marks the rest of this second as used (after a throttle: the quota is busier than we know). */
  fill(nowMs: number): void {
    this.expire(nowMs);
    const room = this.limit - this.used;
    if (room > 0) this.spend(room, nowMs);
  }
}

/** The adapter's share of the three quotas, granted in FIFO order to concurrent callers. */
class QuotaPacer {
  readonly calls: SlidingSecondBucket;
  readonly datapoints: Record<QuotaTier, SlidingSecondBucket>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    share: number,
    quotas: GetMetricDataQuotas,
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    // Whole units: a fractional call token would never be spendable.
    this.calls = new SlidingSecondBucket(Math.max(1, Math.floor(share * quotas.callsPerSecond)));
    this.datapoints = {
      recent: new SlidingSecondBucket(Math.max(1, Math.floor(share * quotas.recentDatapointsPerSecond))),
      older: new SlidingSecondBucket(Math.max(1, Math.floor(share * quotas.olderDatapointsPerSecond))),
    };
  }

  /**
   * Waits for one call token and `datapoints` tokens of the tier `startMs` falls in when granted. Resolves
   * `granted: false` without spending when the wait would end after `deadlineMs`.
   */
  acquire(startMs: number, datapoints: number, deadlineMs: number | undefined): Promise<{ granted: boolean; tier: QuotaTier; waitedMs: number }> {
    // Waiting starts now, queueing behind earlier callers included.
    const started = this.clock.now();
    const run = this.queue.then(() => this.acquireInOrder(started, startMs, datapoints, deadlineMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async acquireInOrder(started: number, startMs: number, datapoints: number, deadlineMs: number | undefined) {
    for (;;) {
      const now = this.clock.now();
      const tier = tierOf(startMs, now);
      const wait = Math.max(this.calls.waitFor(1, now), this.datapoints[tier].waitFor(datapoints, now));
      if (wait <= 0) {
        this.calls.spend(1, now);
        this.datapoints[tier].spend(datapoints, now);
        return { granted: true, tier, waitedMs: now - started };
      }
      if (deadlineMs !== undefined && now + wait > deadlineMs) return { granted: false, tier, waitedMs: now - started };
      await this.sleep(wait);
      if (this.clock.now() === now) {
        // Waiting would spin forever: an injected sleep that does not move the injected clock.
        throw new CloudWatchOptionsError(`the clock did not advance while sleeping ${wait} ms: inject a sleep that lets the clock move (a real timer, or virtual time)`);
      }
    }
  }

  /** After a throttle: no more calls of this tier (and no call at all) for the next second. */
  throttled(tier: QuotaTier): void {
    const now = this.clock.now();
    this.calls.fill(now);
    this.datapoints[tier].fill(now);
  }
}

const systemClock: Clock = { now: () => Date.now() };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Error names CloudWatch (through the SDK) uses for a throttled call; 429 is the generic signal. */
function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return e?.name === 'Throttling' || e?.name === 'ThrottlingException' || e?.$metadata?.httpStatusCode === 429 || e?.$retryable?.throttling === true;
}

/** HTTP attempts behind one send: the SDK records them on its errors; 1 when absent (no SDK retry layer). */
function attemptsOf(errOrOutput: unknown): number {
  const n = (errOrOutput as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
  return typeof n === 'number' && n >= 1 ? n : 1;
}

function errorOf(err: unknown): { code: string; message: string } {
  return err instanceof Error ? { code: err.name, message: err.message } : { code: 'Error', message: String(err) };
}

function emptyUsage(): MetricsUsage {
  return { calls: 0, metricsRequested: 0, datapoints: { recent: 0, older: 0 }, throttles: 0, retries: 0, sdkRetries: 0, waitMs: 0, backoffMs: 0, deadlineExceeded: 0 };
}

type Merged = Map<string, { timestamps: Date[]; values: number[]; failure?: { code: string; message: string }; seen: boolean }>;

export class CloudWatchMetrics implements MetricsPort {
  private readonly client: GetMetricDataClient;
  private readonly maxConcurrency: number;
  private readonly pacer: QuotaPacer;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly retry: Required<RetryOptions>;
  private readonly timeBudgetMs: number | undefined;
  private spent: MetricsUsage = emptyUsage();

  constructor(client: GetMetricDataClient | CloudWatchClient, opts: CloudWatchMetricsOptions = {}) {
    this.client = client as GetMetricDataClient;
    this.maxConcurrency = Math.max(1, Math.floor(opts.maxConcurrency ?? 4));
    const share = opts.quotaShare ?? DEFAULT_QUOTA_SHARE;
    if (!(share > 0 && share <= 1)) {
      throw new CloudWatchOptionsError(`quotaShare is a ratio of each GetMetricData quota, 0 < share <= 1 (0.5 = half), got ${share}`);
    }
    const quotas = { ...GET_METRIC_DATA_QUOTAS, ...opts.quotas };
    for (const [name, value] of Object.entries(quotas)) {
      if (!(Number.isFinite(value) && value > 0)) throw new CloudWatchOptionsError(`quotas.${name} must be a positive number per second, got ${value}`);
    }
    this.retry = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 20_000, ...opts.retry };
    if (!(Number.isInteger(this.retry.maxAttempts) && this.retry.maxAttempts >= 1)) {
      throw new CloudWatchOptionsError(`retry.maxAttempts counts HTTP attempts per call and must be a whole number >= 1, got ${this.retry.maxAttempts}`);
    }
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.timeBudgetMs = opts.timeBudgetMs;
    this.pacer = new QuotaPacer(share, quotas, this.clock, this.sleep);
  }

  /** GetMetricData requests sent, NextToken pages and adapter retries included. */
  get callCount(): number {
    return this.spent.calls;
  }

  /** Queries sent, each once per call it belongs to (pages and retries of that call not counted again). */
  get metricsRequested(): number {
    return this.spent.metricsRequested;
  }

  /** Usage since the adapter was built or since the last takeUsage(). */
  usage(): MetricsUsage {
    return { ...this.spent, datapoints: { ...this.spent.datapoints } };
  }

  /** Usage since the adapter was built or the previous takeUsage(), then starts counting afresh (one run). */
  takeUsage(): MetricsUsage {
    const taken = this.usage();
    this.spent = emptyUsage();
    return taken;
  }

  /**
   * Datapoints one call may carry: the API's 100,800, at most one second of either tier's share (45,000 at
   * the default share). Throughput is bound by the datapoint rate, not by calls (25 calls/s x 45,000 is far
   * above either tier's share), so recent calls lose nothing by the smaller cap, and a call whose StartTime
   * crosses the 3-hour line while it waits still fits one second of the older tier.
   */
  get callCap(): number {
    return Math.min(MAX_DATAPOINTS_PER_CALL, this.pacer.datapoints.recent.limit, this.pacer.datapoints.older.limit);
  }

  async fetch(queries: MetricQuery[], opts: FetchOptions = {}): Promise<Map<string, SeriesResult>> {
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
    const startedMs = this.clock.now();
    const budget = opts.timeBudgetMs ?? this.timeBudgetMs;
    const deadlineMs = budget === undefined ? undefined : startedMs + budget;
    const batches = planBatches(valid, this.callCap, startedMs);
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        for (const [id, result] of await this.runBatch(batch, deadlineMs, budget)) out.set(id, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.maxConcurrency, batches.length) }, worker));
    // Same order as the queries, so callers iterating the map see a stable order.
    return new Map(queries.map((q) => [q.id, out.get(q.id)!]));
  }

  /** One call and its pages; never throws: a failed call fails every series in it. */
  private async runBatch(batch: Batch, deadlineMs: number | undefined, budgetMs: number | undefined): Promise<Map<string, SeriesResult>> {
    const merged: Merged = new Map();
    for (const { apiId } of batch.queries) merged.set(apiId, { timestamps: [], values: [], seen: false });
    const metricDataQueries = batch.queries.map(({ apiId, query }) => toApiQuery(apiId, query));
    // Tokens per page: the whole call when it fits in one page, else a full page (an upper bound).
    const perPage = Math.min(batch.maxDatapoints, batch.datapoints);
    const failAll = (error: { code: string; message: string }) => {
      const out = new Map<string, SeriesResult>();
      for (const { query } of batch.queries) out.set(query.id, { ok: false, error });
      if (error.code === 'DeadlineExceeded') this.spent.deadlineExceeded += batch.queries.length;
      return out;
    };
    const deadlineError = (what: string) => ({
      code: 'DeadlineExceeded',
      message: `GetMetricData call not sent: ${what} would end after the fetch's time budget of ${budgetMs} ms; left for the next run`,
    });
    let counted = false;
    let nextToken: string | undefined;
    do {
      let attempts = 0;
      let res: GetMetricDataCommandOutput | undefined;
      while (!res) {
        if (deadlineMs !== undefined && this.clock.now() >= deadlineMs) return failAll(deadlineError('waiting'));
        const grant = await this.pacer.acquire(batch.startMs, perPage, deadlineMs);
        this.spent.waitMs += grant.waitedMs;
        if (!grant.granted) return failAll(deadlineError('waiting for quota tokens'));
        this.spent.calls++;
        if (!counted) {
          this.spent.metricsRequested += batch.queries.length;
          counted = true;
        }
        try {
          res = await this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: metricDataQueries,
              StartTime: new Date(batch.startMs),
              EndTime: new Date(batch.endMs),
              ScanBy: 'TimestampAscending',
              MaxDatapoints: batch.maxDatapoints,
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          this.spent.sdkRetries += attemptsOf(res) - 1;
          this.spent.datapoints[grant.tier] += perPage;
        } catch (err) {
          const tries = attemptsOf(err);
          this.spent.sdkRetries += tries - 1;
          attempts += tries;
          if (!isThrottling(err)) return failAll(errorOf(err));
          this.spent.throttles++;
          this.pacer.throttled(grant.tier);
          if (attempts >= this.retry.maxAttempts) {
            const e = errorOf(err);
            return failAll({ code: e.code, message: `${e.message} (GetMetricData still throttled after ${attempts} attempts; left for the next run)` });
          }
          const delay = Math.floor(this.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempts - 1)));
          if (deadlineMs !== undefined && this.clock.now() + delay > deadlineMs) return failAll(deadlineError('backing off after throttling'));
          this.spent.retries++;
          this.spent.backoffMs += delay;
          await this.sleep(delay);
        }
      }
      for (const r of res.MetricDataResults ?? []) mergeResult(merged, r);
      nextToken = res.NextToken;
    } while (nextToken);
    const out = new Map<string, SeriesResult>();
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

function mergeResult(merged: Merged, r: MetricDataResult): void {
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
 * The runtime's CloudWatch client: standard AWS environment (region, AWS_ENDPOINT_URL[_CLOUDWATCH],
 * credentials chain, the SDK's own retry: standard mode, 3 attempts unless AWS_MAX_ATTEMPTS says otherwise)
 * with connect and request timeouts (CLOUDWATCH_TIMEOUTS, each overridable through `timeouts`).
 * `clientConfig.requestHandler`, when given, replaces the timeouts altogether.
 */
export function createCloudWatchClient(opts: { clientConfig?: CloudWatchClientConfig; timeouts?: Partial<CloudWatchTimeouts> } = {}): CloudWatchClient {
  return new CloudWatchClient({ requestHandler: { ...CLOUDWATCH_TIMEOUTS, ...opts.timeouts }, ...opts.clientConfig });
}

/**
 * Composition helper for the runtime: a CloudWatchMetrics on createCloudWatchClient(), so the runtime
 * never imports the SDK itself. Tests inject a client (or the fake CloudWatch) into the class instead.
 */
export function createCloudWatchMetrics(
  opts: CloudWatchMetricsOptions & { clientConfig?: CloudWatchClientConfig; timeouts?: Partial<CloudWatchTimeouts> } = {},
): CloudWatchMetrics {
  const { clientConfig, timeouts, ...rest } = opts;
  return new CloudWatchMetrics(createCloudWatchClient({ ...(clientConfig ? { clientConfig } : {}), ...(timeouts ? { timeouts } : {}) }), rest);
}
