/**
 * Synthetic CloudWatch data for local runs (the demo and the benchmark): every series the contracts ask
 * for, from a traffic model with scheduled incidents. Not deployed.
 */
import type { Contract } from '../core/contract.ts';
import type { Datapoint, MetricQuery } from '../ports.ts';

export interface Incident {
  /** Contract name the incident hits. */
  contract: string;
  fromMs: number;
  toMs: number;
  /** Share of requests that fail (ratio 0..1). */
  errorRatio?: number;
  /** Share of requests slower than every latency threshold (ratio 0..1). */
  slowRatio?: number;
  /** Synthetic checks fail for the whole incident. */
  canaryDown?: boolean;
}

export interface TrafficModel {
  /** Requests per minute for each contract. @default 1000 */
  requestsPerMinute?: number;
  incidents: Incident[];
  /**
   * Latency of every request (ms): fast ones take `fastMs`, slow ones (an incident's slowRatio) `slowMs`.
   * TC(:x) counts the requests whose latency, in the metric's own unit, is at or under x, as CloudWatch does.
   * @default { fastMs: 120, slowMs: 2500 }
   */
  latency?: { fastMs: number; slowMs: number };
  /**
   * The unit each latency metric is really published in, by metric name (ALB TargetResponseTime: seconds; API
   * Gateway Latency: milliseconds). @default the unit the contract declares
   */
  publishedUnits?: Record<string, 'seconds' | 'milliseconds'>;
}

type Role = { contract: string; kind: 'requests' | 'good' | 'bad' | 'fast' | 'canary'; unit?: 'seconds' | 'milliseconds' };

export class SyntheticQueryError extends Error {
  override name = 'SyntheticQueryError';
}

/** The x of `TC(:x)` (count of values at or under x); any other TC form is refused rather than guessed. */
function tcUpperBound(stat: string): number {
  const m = /^TC\(:(-?\d+(?:\.\d+)?)\)$/.exec(stat);
  if (!m) throw new SyntheticQueryError(`synthetic CloudWatch answers TC(:x) only, got ${stat}`);
  return Number(m[1]);
}

function seriesKey(namespace: string, metric: string, dimensions: Record<string, string>, stat: string): string {
  const dims = Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${namespace}|${metric}|${dims}|${stat}`;
}

/** Which part of the traffic model each (metric, statistic) of the contracts stands for. */
function roles(contracts: Contract[]): Map<string, Role> {
  const map = new Map<string, Role>();
  for (const c of contracts) {
    const contract = c.metadata.name;
    for (const o of c.spec.objectives) {
      const { ratio, latency, timeslice } = o.sli;
      if (ratio) {
        map.set(seriesKey(ratio.total.namespace, ratio.total.metric, ratio.total.dimensions, ratio.total.stat), { contract, kind: 'requests' });
        if (ratio.good) map.set(seriesKey(ratio.good.namespace, ratio.good.metric, ratio.good.dimensions, ratio.good.stat), { contract, kind: 'good' });
        if (ratio.bad) map.set(seriesKey(ratio.bad.namespace, ratio.bad.metric, ratio.bad.dimensions, ratio.bad.stat), { contract, kind: 'bad' });
      }
      if (latency) {
        const m = latency.metric;
        map.set(seriesKey(m.namespace, m.metric, m.dimensions, 'SampleCount'), { contract, kind: 'requests' });
        map.set(`${seriesKey(m.namespace, m.metric, m.dimensions, 'TC')}`, { contract, kind: 'fast', unit: m.unit });
      }
      if (timeslice) {
        const m = timeslice.metric;
        map.set(seriesKey(m.namespace, m.metric, m.dimensions, m.stat), { contract, kind: 'canary' });
      }
    }
  }
  return map;
}

/**
 * What the incidents do to the period [t, t + periodMs): error and slow shares (ratios 0..1, weighted by the
 * share of the period each incident covers, so incidents need not align with periods), and whether a canary is down.
 */
function incidentLoad(incidents: readonly Incident[], t: number, periodMs: number): { errors: number; slow: number; down: boolean } {
  let errors = 0;
  let slow = 0;
  let down = false;
  for (const i of incidents) {
    const overlap = Math.max(0, Math.min(t + periodMs, i.toMs) - Math.max(t, i.fromMs)) / periodMs;
    if (overlap <= 0) continue;
    errors += overlap * (i.errorRatio ?? 0);
    slow += overlap * (i.slowRatio ?? 0);
    if (i.canaryDown) down = true;
  }
  return { errors: Math.min(1, errors), slow: Math.min(1, slow), down };
}

/** Datapoints for one query under the model, one per period. */
export function syntheticSeries(contracts: Contract[], model: TrafficModel): (q: MetricQuery) => Datapoint[] {
  const map = roles(contracts);
  const rpm = model.requestsPerMinute ?? 1000;
  const latency = model.latency ?? { fastMs: 120, slowMs: 2500 };
  return (q) => {
    const stat = q.stat.startsWith('TC(') ? 'TC' : q.stat;
    const role = map.get(seriesKey(q.namespace, q.metricName, q.dimensions, stat));
    if (!role) return [];
    const periodMs = q.periodSeconds * 1000;
    const incidents = model.incidents.filter((i) => i.contract === role.contract && i.toMs > q.startMs && i.fromMs < q.endMs);
    const points: Datapoint[] = [];
    for (let t = q.startMs; t < q.endMs; t += periodMs) {
      const requests = rpm * (periodMs / 60_000);
      const { errors, slow, down } = incidentLoad(incidents, t, periodMs);
      let value: number;
      if (role.kind === 'fast') {
        // Requests at or under the threshold, the threshold read in the metric's unit.
        const bound = tcUpperBound(q.stat);
        const unit = model.publishedUnits?.[q.metricName] ?? role.unit;
        const inUnit = (ms: number) => (unit === 'milliseconds' ? ms : ms / 1000);
        value = (inUnit(latency.fastMs) <= bound ? requests * (1 - slow) : 0) + (inUnit(latency.slowMs) <= bound ? requests * slow : 0);
      } else {
        value = role.kind === 'requests' ? requests : role.kind === 'good' ? requests * (1 - errors) : role.kind === 'bad' ? requests * errors : down ? 0 : 100;
      }
      points.push({ t, v: value });
    }
    return points;
  };
}

/**
 * The same traffic model as raw values per metric and minute, for the fake CloudWatch
 * (functions/local/fake-cloudwatch.ts perMinuteSource), which computes every statistic from them: a counter
 * (requests, good, bad) is one value a minute, a latency metric a histogram of per-request latencies in the
 * unit it is published in (so SampleCount and TC(:x) come out as CloudWatch would compute them), a canary one
 * reading a minute. Metrics the contracts do not name have no data.
 */
export function syntheticMinutes(
  contracts: Contract[],
  model: TrafficModel,
): (metric: { namespace: string; metricName: string; dimensions: Record<string, string> }, minuteMs: number) => number | [number, number][] | undefined {
  const byMetric = new Map<string, Role & { latencyUnit?: 'seconds' | 'milliseconds' }>();
  for (const [key, role] of roles(contracts)) {
    const metric = key.slice(0, key.lastIndexOf('|'));
    if (role.kind === 'fast') byMetric.set(metric, { contract: role.contract, kind: 'fast', ...(role.unit ? { latencyUnit: role.unit } : {}) });
    else if (!byMetric.has(metric)) byMetric.set(metric, role);
  }
  const incidentsOf = new Map<string, Incident[]>();
  for (const i of model.incidents) incidentsOf.set(i.contract, [...(incidentsOf.get(i.contract) ?? []), i]);
  const rpm = model.requestsPerMinute ?? 1000;
  const latency = model.latency ?? { fastMs: 120, slowMs: 2500 };
  return (metric, t) => {
    const role = byMetric.get(seriesKey(metric.namespace, metric.metricName, metric.dimensions, '').slice(0, -1));
    if (!role) return undefined;
    const { errors, slow, down } = incidentLoad(incidentsOf.get(role.contract) ?? [], t, 60_000);
    if (role.kind === 'fast') {
      const unit = model.publishedUnits?.[metric.metricName] ?? role.latencyUnit;
      const inUnit = (ms: number) => (unit === 'milliseconds' ? ms : ms / 1000);
      return [
        [inUnit(latency.fastMs), rpm * (1 - slow)],
        [inUnit(latency.slowMs), rpm * slow],
      ];
    }
    if (role.kind === 'requests') return rpm;
    if (role.kind === 'good') return rpm * (1 - errors);
    if (role.kind === 'bad') return rpm * errors;
    return down ? 0 : 100;
  };
}
