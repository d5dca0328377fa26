/**
 * From a contract objective and its CloudWatch series to an assessment: remaining budget, burn rates,
 * firing burn alerts and forecasts. Pure: the evaluator fetches, this computes.
 *
 * One fetch per series per evaluation: the range covers the budget window AND the longest burn look-back
 * (3 d), at the finest period CloudWatch allows for that range; every window is derived from it.
 */
import type { Contract, Objective } from './contract.ts';
import type { Datapoint, MetricQuery, SeriesResult } from '../ports.ts';
import { DAY_MS, parseDuration } from './duration.ts';
import { clipExclusions, excludedMs, windowBounds } from './window.ts';
import { type Bucket, dropExcluded, ratioBuckets, sumRange, timesliceBuckets } from './series.ts';
import { occurrenceBudget, timesliceBudget } from './budget.ts';
import { BURN_LOOKBACKS_MS, burnRate, defaultAlertRules, firingAlerts, lookbackLabel, type AlertRule } from './burn.ts';
import { forecastExhaustion } from './forecast.ts';
import { alignDown, choosePeriodSeconds } from './resolution.ts';

/** The longest burn look-back (the ticket alert's 3 d): the fetch range always covers it. */
const LONGEST_LOOKBACK_MS = 3 * DAY_MS;

export type QueryRole = 'numerator' | 'total' | 'slice';

/** What to fetch for one objective; `queries` carry caller ids `<prefix>n`, `<prefix>t`, `<prefix>s`. */
export interface ObjectivePlan {
  contract: string;
  objective: string;
  periodMs: number;
  /** Fetch range [startMs, endMs): endMs is the last complete period boundary. */
  startMs: number;
  endMs: number;
  window: { startMs: number; endMs: number; lengthMs: number };
  queries: { role: QueryRole; query: MetricQuery }[];
}

/** Latency thresholds are durations; CloudWatch wants them in the metric's own unit. */
function thresholdInMetricUnit(thresholdMs: number, unit: 'seconds' | 'milliseconds'): number {
  return unit === 'seconds' ? thresholdMs / 1000 : thresholdMs;
}

/**
 * How far behind now the evaluation stops by default: CloudWatch publishes a period's datapoints for
 * different metrics at slightly different times, so the newest minutes can hold the total but not yet the
 * good count, which would read as a burst of failures. 3 minutes covers AWS service metrics' usual delay.
 */
export const DEFAULT_DATA_LAG_MS = 3 * 60_000;

/**
 * Plans the CloudWatch queries for one objective at `nowMs`, judging data up to `nowMs - dataLagMs`.
 * At most 2 queries (ratio, latency), 1 (timeslice).
 */
export function planObjective(contract: Contract, objective: Objective, nowMs: number, idPrefix: string, dataLagMs = DEFAULT_DATA_LAG_MS): ObjectivePlan {
  const dataEndMs = nowMs - dataLagMs;
  const window = windowBounds(contract.spec.window, dataEndMs);
  const rawStart = Math.min(window.startMs, dataEndMs - LONGEST_LOOKBACK_MS);
  const sli = objective.sli;
  // Ratio and latency want the finest period; a timeslice wants its own slice period. Retention is
  // judged against the real now: that is how CloudWatch ages its data.
  const desiredSeconds = sli.timeslice ? parseDuration(sli.timeslice.period) / 1000 : 60;
  const periodSeconds = choosePeriodSeconds(desiredSeconds, rawStart, nowMs);
  const periodMs = periodSeconds * 1000;
  const endMs = alignDown(dataEndMs, periodMs);
  const startMs = alignDown(rawStart, periodMs);
  const base = { periodSeconds, startMs, endMs };
  const queries: ObjectivePlan['queries'] = [];
  if (sli.ratio) {
    const numerator = sli.ratio.good ?? sli.ratio.bad;
    if (!numerator) throw new Error(`objective ${objective.name}: ratio SLI without good or bad metric`);
    for (const [role, m] of [['numerator', numerator], ['total', sli.ratio.total]] as const) {
      queries.push({
        role,
        query: { id: `${idPrefix}${role === 'numerator' ? 'n' : 't'}`, namespace: m.namespace, metricName: m.metric, dimensions: m.dimensions, stat: m.stat, ...base },
      });
    }
  } else if (sli.latency) {
    const m = sli.latency.metric;
    const threshold = thresholdInMetricUnit(parseDuration(sli.latency.threshold), m.unit);
    const metric = { namespace: m.namespace, metricName: m.metric, dimensions: m.dimensions };
    queries.push({ role: 'numerator', query: { id: `${idPrefix}n`, ...metric, stat: `TC(:${threshold})`, ...base } });
    queries.push({ role: 'total', query: { id: `${idPrefix}t`, ...metric, stat: 'SampleCount', ...base } });
  } else if (sli.timeslice) {
    const m = sli.timeslice.metric;
    queries.push({ role: 'slice', query: { id: `${idPrefix}s`, namespace: m.namespace, metricName: m.metric, dimensions: m.dimensions, stat: m.stat, ...base } });
  }
  return { contract: contract.metadata.name, objective: objective.name, periodMs, startMs, endMs, window: { ...window, endMs: Math.min(window.endMs, endMs) }, queries };
}

export interface Forecast {
  /** Burn rate the forecast assumes (ratio). */
  burnRate: number;
  exhaustedAt: number | null;
  alreadyExhausted: boolean;
}

export type Assessment =
  | {
      status: 'ok';
      remainingPct: number;
      /** Events (occurrences) or slices in the budget window, exclusions removed. */
      events: number;
      badEvents: number;
      allowedBad: number;
      burnRates: Record<string, number>;
      firing: AlertRule[];
      forecast24h: Forecast;
      forecast6h: Forecast;
    }
  | { status: 'no-data'; detail: string }
  | { status: 'error'; detail: string };

function pointsOf(results: Map<string, SeriesResult>, id: string): { points?: Datapoint[]; error?: string } {
  const r = results.get(id);
  if (!r) return { error: `no result for query ${id}` };
  if (!r.ok) return { error: `${r.error.code}: ${r.error.message}` };
  return { points: r.points };
}

/** Turns the fetched series into the assessment, honouring exclusions, minEvents and the no-data rule. */
export function assessObjective(contract: Contract, objective: Objective, plan: ObjectivePlan, results: Map<string, SeriesResult>): Assessment {
  const series: Partial<Record<QueryRole, Datapoint[]>> = {};
  for (const { role, query } of plan.queries) {
    const got = pointsOf(results, query.id);
    if (got.error !== undefined) return { status: 'error', detail: `${query.namespace}/${query.metricName} ${query.stat}: ${got.error}` };
    series[role] = got.points ?? [];
  }
  const target = objective.target;
  const exclusions = clipExclusions(contract.spec.exclusions, { startMs: plan.startMs, endMs: plan.endMs });
  let buckets: Bucket[];
  let windowSlices: number | undefined;
  const ts = objective.sli.timeslice;
  if (ts) {
    const points = series.slice ?? [];
    if (points.length === 0) return { status: 'no-data', detail: `no datapoints for ${ts.metric.namespace}/${ts.metric.metric} since ${new Date(plan.startMs).toISOString()}` };
    const slicePeriodMs = parseDuration(ts.period);
    buckets = timesliceBuckets(points, {
      comparison: ts.good,
      slicePeriodMs,
      fetchPeriodMs: plan.periodMs,
      startMs: plan.startMs,
      endMs: plan.endMs,
      noData: ts.noData,
    });
    // The timeslice budget is known up front: every slice of the FULL window, minus excluded time.
    const windowExclusions = clipExclusions(contract.spec.exclusions, { startMs: plan.window.startMs, endMs: plan.window.startMs + plan.window.lengthMs });
    const excluded = excludedMs(windowExclusions, { startMs: plan.window.startMs, endMs: plan.window.startMs + plan.window.lengthMs });
    windowSlices = Math.floor((plan.window.lengthMs - excluded) / slicePeriodMs);
  } else {
    const total = series.total ?? [];
    if (total.length === 0) {
      return { status: 'no-data', detail: `no datapoints for the total series since ${new Date(plan.startMs).toISOString()}` };
    }
    const mode = objective.sli.ratio?.bad ? 'bad' : 'good';
    buckets = ratioBuckets(series.numerator ?? [], total, mode);
  }
  buckets = dropExcluded(buckets, plan.periodMs, exclusions);

  const inWindow = sumRange(buckets, plan.window.startMs, plan.endMs);
  const budget =
    windowSlices !== undefined
      ? timesliceBudget({ badSlices: inWindow.bad, windowSlices, targetPct: target })
      : occurrenceBudget({ good: inWindow.good, total: inWindow.total, targetPct: target });

  const burnAt = (lookbackMs: number) => {
    const s = sumRange(buckets, plan.endMs - lookbackMs, plan.endMs);
    return { rate: burnRate({ bad: s.bad, total: s.total, targetPct: target }), events: s.total };
  };
  const burnRates: Record<string, number> = {};
  for (const lb of BURN_LOOKBACKS_MS) burnRates[lookbackLabel(lb)] = burnAt(lb).rate;
  // minEvents guards low request volume; a timeslice already aggregates each slice, so it has no guard.
  const minEvents = windowSlices !== undefined ? 0 : contract.spec.minEvents;
  const firing = firingAlerts(defaultAlertRules(plan.window.lengthMs), burnAt, minEvents);
  const forecast = (lookbackMs: number): Forecast => {
    const rate = burnAt(lookbackMs).rate;
    return { burnRate: rate, ...forecastExhaustion({ remainingPct: budget.remainingPct, burnRate: rate, windowLengthMs: plan.window.lengthMs, nowMs: plan.endMs }) };
  };
  return {
    status: 'ok',
    remainingPct: budget.remainingPct,
    events: inWindow.total,
    badEvents: inWindow.bad,
    allowedBad: budget.allowedBad,
    burnRates,
    firing,
    forecast24h: forecast(DAY_MS),
    forecast6h: forecast(6 * 3_600_000),
  };
}
