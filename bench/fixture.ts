/**
 * Benchmark fixture: N/2 generated contracts (one ratio and one latency objective each, ALB-like
 * dimensions unique per contract, rolling 30 d window, default policy, one gate), a traffic model with
 * incidents that move some objectives between tiers, and a fake CloudWatch client that answers
 * GetMetricData from that model after a simulated network latency.
 *
 * Budget arithmetic the incidents rely on (availability 99.9 % over 30 d at 1,000 requests/min):
 * 43,200,000 requests, so 43,200 bad requests allowed; one minute of full outage spends 1,000 (2.31 points).
 */
import { GetMetricDataCommand, type CloudWatchClient, type GetMetricDataCommandOutput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { ContractSchema, type Contract, type ContractInput } from '../functions/core/contract.ts';
import { syntheticSeries, type Incident, type TrafficModel } from '../functions/local/synthetic.ts';
import type { MetricQuery } from '../functions/ports.ts';
import { SIGN_OFFS } from '../test/support/contracts.ts';

export const MIN_MS = 60_000;
export const DAY_MS = 86_400_000;
/** The instant of the measured evaluation (a 5-minute boundary, UTC). */
export const NOW_MS = Date.parse('2026-11-30T12:00:00Z');
/** The previous scheduled run, whose state the measured run starts from (5-minute cadence). */
export const PREVIOUS_RUN_MS = NOW_MS - 5 * MIN_MS;
export const REQUESTS_PER_MINUTE = 1000;
/** Simulated CloudWatch round trip per GetMetricData call (ms). */
export const SIMULATED_LATENCY_MS = 100;

export class BenchFixtureError extends Error {
  override name = 'BenchFixtureError';
}

export function contractName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

export function gateOf(i: number): { pipeline: string; stage: string } {
  return { pipeline: `pipe-${String(i).padStart(4, '0')}`, stage: 'Production' };
}

function contractInput(i: number): ContractInput {
  const name = contractName(i);
  const dimensions = {
    LoadBalancer: `app/alb-${String(i).padStart(4, '0')}/50dc6c495c0c${String(i).padStart(4, '0')}`,
    TargetGroup: `targetgroup/tg-${String(i).padStart(4, '0')}/943f017f100b${String(i).padStart(4, '0')}`,
  };
  return {
    apiVersion: 'slo-contracts/v1',
    kind: 'SloContract',
    metadata: { name, journey: `Benchmark journey ${i}`, owner: `team-${i % 7}` },
    spec: {
      signedOff: SIGN_OFFS,
      reviewBy: '2027-02-01',
      window: { rolling: '30d' },
      objectives: [
        {
          name: 'availability',
          target: 99.9,
          sli: {
            ratio: {
              good: { namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_2XX_Count', dimensions, stat: 'Sum' },
              total: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dimensions, stat: 'Sum' },
            },
          },
        },
        {
          name: 'latency',
          target: 99.5,
          sli: { latency: { metric: { namespace: 'AWS/ApplicationELB', metric: 'TargetResponseTime', unit: 'seconds', dimensions }, threshold: '300ms' } },
        },
      ],
      policy: {},
      gates: [{ ...gateOf(i), critical: false }],
      notify: { email: ['sre@example.com'] },
    },
  };
}

/** N objectives: N/2 contracts of two objectives each (N must be even). */
export function benchContracts(objectives: number): Contract[] {
  if (!Number.isInteger(objectives) || objectives < 2 || objectives % 2 !== 0) {
    throw new BenchFixtureError(`objective count must be an even whole number >= 2 (two objectives per contract), got ${objectives}`);
  }
  return Array.from({ length: objectives / 2 }, (_, i) => ContractSchema.parse(contractInput(i)));
}

/**
 * Incidents by contract index modulo 10 (indexes 4-9 stay healthy). Each names the tier of its
 * availability objective before (previous run) and after (measured run); the last 5 minutes are a full
 * outage seen only by the measured run.
 * - 0: 18 min old outage (58.3 % left, healthy) + 5 min now (46.8 %): healthy -> warning.
 * - 1: 25 min old outage (42.1 %, warning), nothing new: warning holds.
 * - 2: 40 min old outage (7.4 %, frozen) + 5 min now (-4.2 %): frozen -> exhausted (gate already frozen).
 * - 3: 30 min old outage (30.6 %, warning) + 5 min now (19.0 %): warning -> frozen (gate freezes);
 *      its latency objective goes fully slow for the same 5 minutes (page-fast burn alert, no tier change).
 */
export function benchIncidents(contracts: Contract[]): Incident[] {
  const old = NOW_MS - 10 * DAY_MS;
  const incidents: Incident[] = [];
  contracts.forEach((c, i) => {
    const contract = c.metadata.name;
    const outage = (fromMs: number, minutes: number, extra: Partial<Incident> = {}) =>
      incidents.push({ contract, fromMs, toMs: fromMs + minutes * MIN_MS, errorRatio: 1, ...extra });
    switch (i % 10) {
      case 0:
        outage(old, 18);
        outage(PREVIOUS_RUN_MS, 5);
        break;
      case 1:
        outage(old, 25);
        break;
      case 2:
        outage(old, 40);
        outage(PREVIOUS_RUN_MS, 5);
        break;
      case 3:
        outage(old, 30);
        outage(PREVIOUS_RUN_MS, 5, { slowRatio: 1 });
        break;
      default:
        break;
    }
  });
  return incidents;
}

export function benchModel(contracts: Contract[]): TrafficModel {
  return { requestsPerMinute: REQUESTS_PER_MINUTE, incidents: benchIncidents(contracts) };
}

/** Identity of one answer: the series and the time range it covers. */
function seriesKey(q: MetricQuery): string {
  const dims = Object.entries(q.dimensions)
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${q.namespace}|${q.metricName}|${dims}|${q.stat}|${q.periodSeconds}|${q.startMs}|${q.endMs}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GetMetricData: at most 500 MetricDataQueries per call (the real API refuses more). */
const API_MAX_QUERIES = 500;

/**
 * Stands in for CloudWatchClient: `send` accepts GetMetricDataCommand only, waits the simulated latency,
 * then answers every query in one page (no NextToken) in the GetMetricData output shape. Keeps its own
 * counters so the bench can tell the fake's CPU time from the evaluator's.
 */
export class FakeCloudWatchClient {
  calls = 0;
  queries = 0;
  datapoints = 0;
  maxDatapointsPerCall = 0;
  maxQueriesPerCall = 0;
  /** Synchronous time spent generating answers (ms): the fake's own CPU, not the evaluator's. */
  generateMs = 0;
  /** Answers not prepared in advance and generated inside send(). */
  unprepared = 0;
  private readonly generate: (q: MetricQuery) => { t: number; v: number }[];
  /** Prepared answers by seriesKey(): values of consecutive periods from startMs. */
  private readonly prepared = new Map<string, Float64Array>();

  constructor(
    contracts: Contract[],
    model: TrafficModel,
    private readonly latencyMs = SIMULATED_LATENCY_MS,
  ) {
    this.generate = syntheticSeries(contracts, model);
  }

  /**
   * Generates the answers to `queries` ahead of a measured run, so that send() only copies them into the
   * output shape (as the SDK's deserializer would build it) and the traffic model's CPU stays out of the
   * evaluator's figures. Values are kept as one Float64Array per series (8 bytes a period).
   */
  prepare(queries: MetricQuery[]): void {
    this.prepared.clear();
    for (const q of queries) {
      const points = this.generate(q);
      const values = new Float64Array(points.length);
      points.forEach((p, i) => {
        if (p.t !== q.startMs + i * q.periodSeconds * 1000) throw new BenchFixtureError(`series ${q.id} is not one point per period from startMs`);
        values[i] = p.v;
      });
      this.prepared.set(seriesKey(q), values);
    }
  }

  /** Typed as the SDK client for the adapter's constructor; only `send` is ever called. */
  asClient(): CloudWatchClient {
    return this as unknown as CloudWatchClient;
  }

  async send(command: unknown): Promise<GetMetricDataCommandOutput> {
    if (!(command instanceof GetMetricDataCommand)) {
      throw new BenchFixtureError(`the fake CloudWatch client answers GetMetricDataCommand only, got ${(command as object)?.constructor?.name ?? typeof command}`);
    }
    this.calls++;
    await sleep(this.latencyMs);
    const started = performance.now();
    const input = command.input;
    const queries = input.MetricDataQueries ?? [];
    if (queries.length > API_MAX_QUERIES) {
      throw new BenchFixtureError(`GetMetricData allows at most ${API_MAX_QUERIES} queries per call, got ${queries.length}`);
    }
    if (!input.StartTime || !input.EndTime) throw new BenchFixtureError('GetMetricData needs StartTime and EndTime');
    const startMs = new Date(input.StartTime).getTime();
    const endMs = new Date(input.EndTime).getTime();
    let points = 0;
    const results: MetricDataResult[] = queries.map((q) => {
      const stat = q.MetricStat;
      if (!stat?.Metric?.Namespace || !stat.Metric.MetricName || !stat.Period || !stat.Stat) {
        throw new BenchFixtureError(`query ${q.Id}: the bench fake answers MetricStat queries only`);
      }
      const dimensions: Record<string, string> = {};
      for (const d of stat.Metric.Dimensions ?? []) if (d.Name && d.Value) dimensions[d.Name] = d.Value;
      const query: MetricQuery = {
        id: q.Id ?? '',
        namespace: stat.Metric.Namespace,
        metricName: stat.Metric.MetricName,
        dimensions,
        stat: stat.Stat,
        periodSeconds: stat.Period,
        startMs,
        endMs,
      };
      const periodMs = stat.Period * 1000;
      let timestamps: Date[];
      let values: number[];
      const ready = this.prepared.get(seriesKey(query));
      if (ready) {
        // The SDK deserializes timestamps into Date objects and values into a number[]; so does the fake.
        timestamps = new Array<Date>(ready.length);
        values = new Array<number>(ready.length);
        for (let i = 0; i < ready.length; i++) {
          timestamps[i] = new Date(startMs + i * periodMs);
          values[i] = ready[i]!;
        }
      } else {
        this.unprepared++;
        const series = this.generate(query);
        timestamps = series.map((p) => new Date(p.t));
        values = series.map((p) => p.v);
      }
      points += values.length;
      return { Id: q.Id, Label: stat.Metric.MetricName, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
    });
    this.queries += queries.length;
    this.datapoints += points;
    this.maxDatapointsPerCall = Math.max(this.maxDatapointsPerCall, points);
    this.maxQueriesPerCall = Math.max(this.maxQueriesPerCall, queries.length);
    this.generateMs += performance.now() - started;
    return { MetricDataResults: results, Messages: [], $metadata: { httpStatusCode: 200 } };
  }
}
