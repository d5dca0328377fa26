/**
 * A fake CloudWatch that holds the adapter to what the real GetMetricData does: it validates requests as the
 * API reference describes, throttles with the real error when the account's quotas are exceeded, pages with
 * NextToken, takes a simulated round trip per call, and computes every statistic from raw values, so a wrong
 * unit, threshold or statistic changes the answer. For tests (in virtual time: inject `clock` and `sleep`),
 * the demo and the bench (real time). Not deployed. Only `send(GetMetricDataCommand)` is implemented.
 *
 * Quotas, per account and Region, over any sliding second (a call at t counts against the window (t - 1 s, t]):
 * - 50 calls;
 * - 180,000 datapoints for calls whose StartTime is at most 3 hours before now ("recent" tier);
 * - 90,000 datapoints for calls whose StartTime is more than 3 hours back ("older" tier).
 * The two datapoint tiers are modelled as separate budgets. A call's datapoints are its queries' periods in
 * [StartTime, EndTime) (ReturnData false included); a paged call charges each page the periods it returns.
 * A call over a quota fails with Throttling (HTTP 400) and spends nothing: only answered calls count. A call
 * refused by validation counts against the calls quota (it reached the service) but spends no datapoints.
 * Other traffic on the account (dashboards, people) can be added with `consume()`.
 *
 * Errors are shaped as @aws-sdk/client-cloudwatch surfaces them (the JSON protocol in awsQuery-compatible
 * mode: the code comes from the `x-amzn-query-error` header): Throttling is a CloudWatchServiceException named
 * `Throttling`, `$fault: 'client'`, `$metadata.httpStatusCode` 400, `Code: 'Throttling'`, `Type: 'Sender'`,
 * message `Rate exceeded`. Validation failures are `ValidationException` (code ValidationError, 400), a bad
 * NextToken `InvalidNextToken` (400). Using the fake for something it does not simulate (metric math, high-
 * resolution periods, percentiles) throws FakeCloudWatchError instead of answering wrongly.
 *
 * Data comes from a MetricSource: the raw values a metric received, per timestamp, never per statistic.
 */
import type { CloudWatchClient, GetMetricDataCommandInput, GetMetricDataCommandOutput, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { Clock } from '../ports.ts';

/** GetMetricData quotas (AWS defaults, per account and Region, per second). */
export interface FakeQuotas {
  callsPerSecond: number;
  /** Datapoints per second for calls whose StartTime is within the last 3 hours. */
  recentDatapointsPerSecond: number;
  /** Datapoints per second for calls whose StartTime is more than 3 hours back. */
  olderDatapointsPerSecond: number;
}

export const AWS_GET_METRIC_DATA_QUOTAS: Readonly<FakeQuotas> = Object.freeze({
  callsPerSecond: 50,
  recentDatapointsPerSecond: 180_000,
  olderDatapointsPerSecond: 90_000,
});

/** API reference: at most 500 MetricDataQueries per call. */
const MAX_QUERIES = 500;
/** API reference: at most 100,800 datapoints per call (the default and largest MaxDatapoints). */
const MAX_DATAPOINTS = 100_800;
/** API reference: MetricDataQuery.Id pattern and length. */
const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_ID_LENGTH = 255;
/** API reference: at most 30 dimensions per metric. */
const MAX_DIMENSIONS = 30;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** StartTime more than 3 hours back: the older datapoint tier. */
const RECENT_TIER_MS = 3 * HOUR_MS;

/** Identity of a metric, as the query names it (statistic and period are not part of it). */
export interface FakeMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** The account owning the metric when the query named one (cross-account observability). */
  accountId?: string;
}

/**
 * What a metric received at instant `t` (epoch ms): one value `v` (a count, a gauge reading, one request's
 * latency), or a histogram of values, each `[value, count]` pair meaning `count` values equal to `value`
 * (per-request latencies in the unit the metric is published in). Sum, SampleCount, Average, Minimum, Maximum
 * and TC are all computed from these values: `{ t, v: 1000 }` is ONE value of 1,000 (Sum 1,000, SampleCount 1),
 * `{ t, values: [[0.12, 990], [2.5, 10]] }` is 1,000 values (Sum 143.8, SampleCount 1,000, TC(:0.3) 990).
 */
export type MetricSample = { t: number; v: number } | { t: number; values: ReadonlyArray<readonly [value: number, count: number]> };

/**
 * Raw values of `metric` with fromMs <= t < toMs (samples outside are ignored). Return nothing for a metric
 * that does not exist. Throw to fail that one series: an error named `Forbidden` gives StatusCode Forbidden,
 * any other StatusCode InternalError, both with the error's message.
 */
export type MetricSource = (metric: FakeMetric, fromMs: number, toMs: number) => Iterable<MetricSample>;

/** What a metric received in one minute: one value, or a histogram of `[value, count]` pairs. */
export type MinuteValues = number | ReadonlyArray<readonly [value: number, count: number]>;

/**
 * A MetricSource from a function of (metric, minute start): what the metric received in that minute, or
 * undefined for nothing (no data). The shape synthetic traffic fits, e.g. an ALB at 1,000 requests a
 * minute with 0.5 % slow ones:
 *
 *   perMinuteSource((m, t) => m.metricName === 'RequestCount' ? 1000
 *     : m.metricName === 'TargetResponseTime' ? [[0.12, 995], [2.5, 5]] : undefined)
 *
 * RequestCount's Sum is then 1,000 a minute, TargetResponseTime's SampleCount 1,000, TC(:0.3) 995.
 */
export function perMinuteSource(valuesAt: (metric: FakeMetric, minuteMs: number) => MinuteValues | undefined): MetricSource {
  return function* (metric, fromMs, toMs) {
    for (let t = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS; t < toMs; t += MINUTE_MS) {
      const values = valuesAt(metric, t);
      if (values === undefined) continue;
      yield typeof values === 'number' ? { t, v: values } : { t, values };
    }
  };
}

export interface FakeCloudWatchOptions {
  /** Where the data comes from. */
  source: MetricSource;
  /** Simulated round trip per call (ms), errors included. @default 100 */
  latencyMs?: number;
  /** Time source (epoch ms). @default the system clock */
  clock?: Clock;
  /** Waits `ms` milliseconds. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** The account's quotas (raise them to model a Service Quotas increase). @default AWS_GET_METRIC_DATA_QUOTAS */
  quotas?: Partial<FakeQuotas>;
  /**
   * A period too fine for the StartTime's age (not a multiple of 300 s beyond 15 days, of 3,600 s beyond 63
   * days). 'no-data': that query returns no datapoints, as the API reference states ("or no data points in
   * that time range is returned"); 'reject': the call fails with ValidationException, to catch it loudly.
   * @default 'no-data'
   */
  coarseResolution?: 'no-data' | 'reject';
}

export type FakeTier = 'recent' | 'older';

/** One answered call, for inspecting what the account saw. */
export interface FakeCall {
  at: number;
  tier: FakeTier;
  queries: number;
  datapoints: number;
}

/** The fake was asked for something it does not simulate (or given something that is not GetMetricData). */
export class FakeCloudWatchError extends Error {
  override name = 'FakeCloudWatchError';
}

/** A CloudWatch service error as the SDK surfaces it; see the subclasses. */
export class FakeCloudWatchServiceError extends Error {
  override name = 'CloudWatchServiceException';
  readonly $fault = 'client' as const;
  readonly $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number };
  /** The awsQuery error code. */
  readonly Code: string;
  readonly Type = 'Sender' as const;
  readonly Error: { Code: string; Type: 'Sender'; Message: string };
  readonly RequestId: string;

  constructor(code: string, message: string, requestId: string) {
    super(message);
    this.Code = code;
    this.$metadata = { httpStatusCode: 400, requestId, attempts: 1, totalRetryDelay: 0 };
    this.Error = { Code: code, Type: 'Sender', Message: message };
    this.RequestId = requestId;
  }
}

/** `Throttling` (400): the call would exceed a quota. Retry later. */
export class FakeThrottlingError extends FakeCloudWatchServiceError {
  override name = 'Throttling';
  /** Which quota refused the call (not part of the real error; for tests and the bench). */
  readonly quota: 'calls' | FakeTier;

  constructor(quota: 'calls' | FakeTier, requestId: string) {
    super('Throttling', 'Rate exceeded', requestId);
    this.quota = quota;
  }
}

/** `ValidationException` (code ValidationError, 400): the request breaks an API rule; the message names it. */
export class FakeValidationError extends FakeCloudWatchServiceError {
  override name = 'ValidationException';

  constructor(message: string, requestId: string) {
    super('ValidationError', message, requestId);
  }
}

/** `InvalidNextToken` (400): the token was not issued for this request. */
export class FakeInvalidNextTokenError extends FakeCloudWatchServiceError {
  override name = 'InvalidNextToken';

  constructor(requestId: string) {
    super('InvalidNextToken', 'The service couldn’t process the NextToken: it does not belong to this request.', requestId);
  }
}

/** The statistics the fake computes. */
type Stat = { kind: 'Sum' | 'SampleCount' | 'Average' | 'Minimum' | 'Maximum' } | { kind: 'TC'; lower?: number; upper?: number };

const BASIC_STATS = new Set(['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum']);
const NUMBER = '-?\\d+(?:\\.\\d+)?';
const TC_PATTERN = new RegExp(`^TC\\((${NUMBER})?:(${NUMBER})?\\)$`, 'i');
/** Valid CloudWatch extended statistics the fake does not compute: refused loudly rather than answered wrongly. */
const UNSIMULATED_STAT = /^(p\d|tm|wm|tc|ts|pr|iqm)/i;

/**
 * Parses a statistic. TC follows CloudWatch's documented boundary rule (Statistics definitions, "Trimmed
 * count"): "TC(0.005:0.030) returns the number of data points with values between 0.005 (exclusive) and 0.030
 * (inclusive)". So TC(:x) counts the values at or under x, and TC(x:) those strictly above x.
 */
function parseStat(stat: string, where: string, requestId: string): Stat {
  if (BASIC_STATS.has(stat)) return { kind: stat as 'Sum' };
  const tc = TC_PATTERN.exec(stat);
  if (tc && (tc[1] !== undefined || tc[2] !== undefined)) {
    const lower = tc[1] === undefined ? undefined : Number(tc[1]);
    const upper = tc[2] === undefined ? undefined : Number(tc[2]);
    if (lower !== undefined && upper !== undefined && !(lower < upper)) {
      throw new FakeValidationError(`The value ${stat} for parameter ${where}.MetricStat.Stat is not valid: the lower bound must be below the upper bound.`, requestId);
    }
    return { kind: 'TC', ...(lower !== undefined ? { lower } : {}), ...(upper !== undefined ? { upper } : {}) };
  }
  if (UNSIMULATED_STAT.test(stat)) {
    throw new FakeCloudWatchError(`${where}: the fake CloudWatch computes Sum, SampleCount, Average, Minimum, Maximum and TC(a:b) with absolute bounds only, not ${stat}`);
  }
  throw new FakeValidationError(`The value ${stat} for parameter ${where}.MetricStat.Stat is not a valid statistic.`, requestId);
}

interface ParsedQuery {
  id: string;
  label: string;
  metric: FakeMetric;
  periodMs: number;
  stat: Stat;
  returnData: boolean;
  /** Periods [alignedStart + k x period, ...) before EndTime. */
  buckets: number;
  /** The period is too fine for the StartTime's age: no data (coarseResolution 'no-data'). */
  unresolvable: boolean;
}

interface ParsedRequest {
  startMs: number;
  alignedStartMs: number;
  endMs: number;
  ascending: boolean;
  maxDatapoints: number;
  queries: ParsedQuery[];
  fingerprint: string;
}

/** Sum of units per sliding second (entries at t count while now - 1000 < t). */
class Window {
  private readonly entries: { at: number; n: number }[] = [];
  private total = 0;

  sum(nowMs: number): number {
    while (this.entries.length > 0 && this.entries[0]!.at <= nowMs - 1000) this.total -= this.entries.shift()!.n;
    return this.total;
  }

  add(n: number, nowMs: number): void {
    this.sum(nowMs);
    this.entries.push({ at: nowMs, n });
    this.total += n;
  }
}

/** FNV-1a, 32 bits, hex: ties a NextToken to the request it was issued for. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function toMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value * 1000; // epoch seconds, as the wire format carries them
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

/** CloudWatch rounds StartTime down by its age: to the minute (< 15 d), 5 minutes (15-63 d), hour (> 63 d). */
function alignStart(startMs: number, nowMs: number): number {
  const age = nowMs - startMs;
  const unit = age > 63 * DAY_MS ? HOUR_MS : age > 15 * DAY_MS ? 5 * MINUTE_MS : MINUTE_MS;
  return Math.floor(startMs / unit) * unit;
}

const systemClock: Clock = { now: () => Date.now() };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FakeCloudWatch {
  private readonly source: MetricSource;
  private readonly latencyMs: number;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly coarseResolution: 'no-data' | 'reject';
  readonly quotas: Readonly<FakeQuotas>;
  private readonly windows = { calls: new Window(), recent: new Window(), older: new Window() };
  private requestSeq = 0;

  /** Every answered call of this client, in order. */
  readonly log: FakeCall[] = [];

  readonly stats = {
    /** send() calls received. */
    requests: 0,
    /** Calls answered (each NextToken page is a call). */
    calls: 0,
    /** Calls refused with Throttling, by the quota they would have broken. */
    throttled: { calls: 0, recent: 0, older: 0 },
    /** Calls refused with ValidationException or InvalidNextToken. */
    invalid: 0,
    /** Queries of answered first pages (what CloudWatch bills: metrics requested; later pages are not billed again). */
    metricsRequested: 0,
    /** Datapoints charged to answered calls, by tier. */
    datapoints: { recent: 0, older: 0 },
    maxQueriesPerCall: 0,
    maxDatapointsPerCall: 0,
    /** Queries answered with no data because their period was too fine for the StartTime's age. */
    coarseResolutionQueries: 0,
    /** Time spent computing answers (ms of CPU, real time): the fake's own cost, not the caller's. */
    generateMs: 0,
    /** Other traffic added with consume(). */
    foreign: { calls: 0, recent: 0, older: 0 },
  };

  constructor(opts: FakeCloudWatchOptions) {
    this.source = opts.source;
    this.latencyMs = opts.latencyMs ?? 100;
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
    this.coarseResolution = opts.coarseResolution ?? 'no-data';
    this.quotas = Object.freeze({ ...AWS_GET_METRIC_DATA_QUOTAS, ...opts.quotas });
  }

  /** Typed as the SDK client, for code that takes a CloudWatchClient; only `send` exists. */
  asClient(): CloudWatchClient {
    return this as unknown as CloudWatchClient;
  }

  /** Someone else on the account (a dashboard, a person) spends quota now. */
  consume(usage: { calls?: number; datapoints?: number; tier?: FakeTier }): void {
    const now = this.clock.now();
    const calls = usage.calls ?? 0;
    const datapoints = usage.datapoints ?? 0;
    const tier = usage.tier ?? 'recent';
    if (calls > 0) this.windows.calls.add(calls, now);
    if (datapoints > 0) this.windows[tier].add(datapoints, now);
    this.stats.foreign.calls += calls;
    this.stats.foreign[tier] += datapoints;
  }

  /**
   * The most this client's answered calls used in any sliding second (a window (t - 1 s, t] ending at a
   * call), per quota: to check a caller stayed within its share.
   */
  peakPerSecond(): { calls: number; recent: number; older: number } {
    const peak = { calls: 0, recent: 0, older: 0 };
    const inWindow = { calls: 0, recent: 0, older: 0 };
    let first = 0;
    for (const call of this.log) {
      while (this.log[first]!.at <= call.at - 1000) {
        const gone = this.log[first++]!;
        inWindow.calls--;
        inWindow[gone.tier] -= gone.datapoints;
      }
      inWindow.calls++;
      inWindow[call.tier] += call.datapoints;
      peak.calls = Math.max(peak.calls, inWindow.calls);
      peak.recent = Math.max(peak.recent, inWindow.recent);
      peak.older = Math.max(peak.older, inWindow.older);
    }
    return peak;
  }

  async send(command: unknown): Promise<GetMetricDataCommandOutput> {
    const input = (command as { input?: GetMetricDataCommandInput } | undefined)?.input;
    const name = (command as object | undefined)?.constructor?.name ?? typeof command;
    // Recognised by its input (a bundler may rename classes): only GetMetricData carries MetricDataQueries.
    if (!input || typeof input !== 'object' || !('MetricDataQueries' in input)) {
      throw new FakeCloudWatchError(`the fake CloudWatch answers GetMetricDataCommand only, got ${name}`);
    }
    this.stats.requests++;
    const requestId = `fake-${++this.requestSeq}`;
    const now = this.clock.now();
    let outcome: { error: Error } | { answer: () => GetMetricDataCommandOutput };
    if (this.windows.calls.sum(now) + 1 > this.quotas.callsPerSecond) {
      this.stats.throttled.calls++;
      outcome = { error: new FakeThrottlingError('calls', requestId) };
    } else {
      outcome = this.admit(input, now, requestId);
    }
    await this.sleep(this.latencyMs);
    if ('error' in outcome) throw outcome.error;
    return outcome.answer();
  }

  /** Validation and the datapoint quotas, at arrival; the answer is computed after the round trip. */
  private admit(input: GetMetricDataCommandInput, now: number, requestId: string): { error: Error } | { answer: () => GetMetricDataCommandOutput } {
    let request: ParsedRequest;
    let page: number;
    try {
      request = this.parse(input, now, requestId);
      page = this.pageIndex(request, input.NextToken, requestId);
    } catch (err) {
      if (err instanceof FakeCloudWatchServiceError) {
        // It reached the service: it counts as a call, but spends no datapoints.
        this.windows.calls.add(1, now);
        this.stats.invalid++;
        return { error: err };
      }
      throw err;
    }
    const { perQuery, pages } = this.paging(request);
    const from = page * perQuery;
    const charge = request.queries.reduce((n, q) => n + Math.max(0, Math.min(q.buckets, from + perQuery) - from), 0);
    const tier: FakeTier = now - request.startMs > RECENT_TIER_MS ? 'older' : 'recent';
    const limit = tier === 'recent' ? this.quotas.recentDatapointsPerSecond : this.quotas.olderDatapointsPerSecond;
    if (this.windows[tier].sum(now) + charge > limit) {
      this.stats.throttled[tier]++;
      return { error: new FakeThrottlingError(tier, requestId) };
    }
    this.windows.calls.add(1, now);
    this.windows[tier].add(charge, now);
    this.log.push({ at: now, tier, queries: request.queries.length, datapoints: charge });
    this.stats.calls++;
    if (page === 0) this.stats.metricsRequested += request.queries.length;
    this.stats.datapoints[tier] += charge;
    this.stats.maxQueriesPerCall = Math.max(this.stats.maxQueriesPerCall, request.queries.length);
    this.stats.maxDatapointsPerCall = Math.max(this.stats.maxDatapointsPerCall, charge);
    const last = page === pages - 1;
    return {
      answer: () => {
        const started = performance.now();
        const results: MetricDataResult[] = [];
        for (const q of request.queries) {
          if (!q.returnData) continue;
          results.push(this.answer(request, q, from, from + perQuery, last || from + perQuery >= q.buckets));
        }
        this.stats.generateMs += performance.now() - started;
        return {
          MetricDataResults: results,
          Messages: [],
          ...(last ? {} : { NextToken: `fake:${request.fingerprint}:${page + 1}` }),
          $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 },
        };
      },
    };
  }

  /** Periods per query per page, and the number of pages, under MaxDatapoints. */
  private paging(request: ParsedRequest): { perQuery: number; pages: number } {
    const longest = Math.max(...request.queries.map((q) => q.buckets));
    const total = request.queries.reduce((n, q) => n + q.buckets, 0);
    if (total <= request.maxDatapoints) return { perQuery: longest, pages: 1 };
    const perQuery = Math.max(1, Math.floor(request.maxDatapoints / request.queries.length));
    return { perQuery, pages: Math.ceil(longest / perQuery) };
  }

  private pageIndex(request: ParsedRequest, token: string | undefined, requestId: string): number {
    if (token === undefined) return 0;
    const m = /^fake:([0-9a-f]{8}):(\d+)$/.exec(token);
    const page = m ? Number(m[2]) : Number.NaN;
    if (!m || m[1] !== request.fingerprint || !(page >= 1 && page < this.paging(request).pages)) throw new FakeInvalidNextTokenError(requestId);
    return page;
  }

  private parse(input: GetMetricDataCommandInput, now: number, requestId: string): ParsedRequest {
    const invalid = (message: string) => new FakeValidationError(message, requestId);
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0) throw invalid('The parameter MetricDataQueries is required and must hold at least one query.');
    if (queries.length > MAX_QUERIES) throw invalid(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES} (got ${queries.length}).`);
    if (input.StartTime === undefined) throw invalid('The parameter StartTime is required.');
    if (input.EndTime === undefined) throw invalid('The parameter EndTime is required.');
    const startMs = toMs(input.StartTime);
    const endMs = toMs(input.EndTime);
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw invalid('The parameters StartTime and EndTime must be timestamps.');
    if (startMs === endMs) throw invalid('The parameter StartTime must not equal parameter EndTime.');
    if (startMs > endMs) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const max = input.MaxDatapoints;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1)) throw invalid(`The parameter MaxDatapoints must be a whole number >= 1 (got ${max}).`);
    const scanBy = input.ScanBy ?? 'TimestampDescending';
    if (scanBy !== 'TimestampAscending' && scanBy !== 'TimestampDescending') throw invalid(`The value ${scanBy} for parameter ScanBy is not valid.`);
    const alignedStartMs = alignStart(startMs, now);
    const age = now - startMs;
    const ids = new Set<string>();
    const parsed = queries.map((q: MetricDataQuery, i): ParsedQuery => {
      const where = `MetricDataQueries.member.${i + 1}`;
      const id = q.Id;
      if (id === undefined || id.length === 0) throw invalid(`The parameter ${where}.Id is required.`);
      if (id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) {
        throw invalid(`The value ${id} for parameter ${where}.Id is not valid: it must start with a lowercase letter and contain only letters, digits and underscores (^[a-z][a-zA-Z0-9_]*$), at most ${MAX_ID_LENGTH} characters.`);
      }
      if (ids.has(id)) throw invalid(`The value ${id} for parameter ${where}.Id is not unique: every MetricDataQueries Id must be unique in a request.`);
      ids.add(id);
      if (q.Expression !== undefined) throw new FakeCloudWatchError(`${where}: the fake CloudWatch does not evaluate metric math or Metrics Insights expressions`);
      const ms = q.MetricStat;
      if (!ms) throw invalid(`${where} must have exactly one of MetricStat and Expression.`);
      const namespace = ms.Metric?.Namespace;
      const metricName = ms.Metric?.MetricName;
      if (!namespace || !metricName) throw invalid(`The parameters ${where}.MetricStat.Metric.Namespace and MetricName are required.`);
      const dims = ms.Metric?.Dimensions ?? [];
      if (dims.length > MAX_DIMENSIONS) throw invalid(`The collection ${where}.MetricStat.Metric.Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`);
      const dimensions: Record<string, string> = {};
      for (const d of dims) {
        if (!d.Name || d.Value === undefined) throw invalid(`Every dimension of ${where}.MetricStat.Metric needs a Name and a Value.`);
        dimensions[d.Name] = d.Value;
      }
      if (q.AccountId !== undefined && !/^\d{12}$/.test(q.AccountId)) throw invalid(`The value ${q.AccountId} for parameter ${where}.AccountId is not a 12-digit account id.`);
      const period = ms.Period;
      if (period === undefined || !Number.isInteger(period) || period < 1) throw invalid(`The parameter ${where}.MetricStat.Period must be a whole number of seconds >= 1.`);
      if (period % 60 !== 0) {
        if ([1, 5, 10, 20, 30].includes(period)) throw new FakeCloudWatchError(`${where}: the fake CloudWatch simulates standard-resolution metrics only (periods in multiples of 60 s), not ${period} s`);
        throw invalid(`The parameter ${where}.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60 (got ${period}).`);
      }
      const needed = age > 63 * DAY_MS ? 3600 : age > 15 * DAY_MS ? 300 : 60;
      const unresolvable = period % needed !== 0;
      if (unresolvable && this.coarseResolution === 'reject') {
        throw invalid(`The parameter ${where}.MetricStat.Period (${period} s) must be a multiple of ${needed} s when StartTime is more than ${needed === 3600 ? 63 : 15} days ago.`);
      }
      const stat = parseStat(ms.Stat ?? '', where, requestId);
      const periodMs = period * 1000;
      return {
        id,
        label: q.Label ?? metricName,
        metric: { namespace, metricName, dimensions, ...(q.AccountId !== undefined ? { accountId: q.AccountId } : {}) },
        periodMs,
        stat,
        returnData: q.ReturnData !== false,
        buckets: Math.ceil((endMs - alignedStartMs) / periodMs),
        unresolvable,
      };
    });
    const maxDatapoints = Math.min(MAX_DATAPOINTS, max ?? MAX_DATAPOINTS);
    const key = JSON.stringify([startMs, endMs, scanBy, maxDatapoints, queries.map((q) => [q.Id, q.AccountId, q.MetricStat, q.ReturnData])]);
    return { startMs, alignedStartMs, endMs, ascending: scanBy === 'TimestampAscending', maxDatapoints, queries: parsed, fingerprint: fingerprint(key) };
  }

  /** One query's datapoints for page slots [from, to) (counted in scan order), from the source's raw values. */
  private answer(request: ParsedRequest, q: ParsedQuery, from: number, to: number, complete: boolean): MetricDataResult {
    const status = complete ? 'Complete' : 'PartialData';
    if (q.unresolvable) {
      this.stats.coarseResolutionQueries++;
      return { Id: q.id, Label: q.label, Timestamps: [], Values: [], StatusCode: status };
    }
    const first = Math.min(from, q.buckets);
    const last = Math.min(to, q.buckets);
    // Buckets by index from the aligned start; pages count from the end when scanning descending.
    const lo = request.ascending ? first : q.buckets - last;
    const hi = request.ascending ? last : q.buckets - first;
    if (lo >= hi) return { Id: q.id, Label: q.label, Timestamps: [], Values: [], StatusCode: status };
    const fromMs = request.alignedStartMs + lo * q.periodMs;
    const toMs = Math.min(request.endMs, request.alignedStartMs + hi * q.periodMs);
    const n = hi - lo;
    const count = new Float64Array(n);
    const sum = new Float64Array(n);
    const min = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    const max = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    const inRange = new Float64Array(n);
    const { stat } = q;
    const lower = stat.kind === 'TC' ? stat.lower : undefined;
    const upper = stat.kind === 'TC' ? stat.upper : undefined;
    const add = (b: number, value: number, times: number) => {
      count[b]! += times;
      sum[b]! += value * times;
      if (value < min[b]!) min[b] = value;
      if (value > max[b]!) max[b] = value;
      if ((lower === undefined || value > lower) && (upper === undefined || value <= upper)) inRange[b]! += times;
    };
    let samples: Iterable<MetricSample>;
    try {
      samples = this.source(q.metric, fromMs, toMs);
      for (const s of samples) {
        if (!(s.t >= fromMs && s.t < toMs)) continue;
        const b = Math.floor((s.t - fromMs) / q.periodMs);
        if ('values' in s) {
          for (const [value, times] of s.values) if (times > 0) add(b, value, times);
        } else {
          add(b, s.v, 1);
        }
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = e.name === 'Forbidden' ? 'Forbidden' : 'InternalError';
      return { Id: q.id, Label: q.label, Timestamps: [], Values: [], StatusCode: code, Messages: [{ Code: code, Value: e.message }] };
    }
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let k = 0; k < n; k++) {
      const b = request.ascending ? k : n - 1 - k;
      if (count[b] === 0) continue; // CloudWatch omits periods without data
      timestamps.push(new Date(fromMs + b * q.periodMs));
      values.push(
        stat.kind === 'Sum' ? sum[b]!
        : stat.kind === 'SampleCount' ? count[b]!
        : stat.kind === 'Average' ? sum[b]! / count[b]!
        : stat.kind === 'Minimum' ? min[b]!
        : stat.kind === 'Maximum' ? max[b]!
        : inRange[b]!,
      );
    }
    return { Id: q.id, Label: q.label, Timestamps: timestamps, Values: values, StatusCode: status };
  }
}
