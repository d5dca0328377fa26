/**
 * Benchmark fixture: N/2 generated contracts (one ratio and one latency objective each, ALB-like
 * dimensions unique per contract, rolling 30 d window, default policy, one gate), a traffic model with
 * incidents that move some objectives between tiers, and the quota-enforcing fake CloudWatch answering from
 * that model after a simulated network latency.
 *
 * Budget arithmetic the incidents rely on (availability 99.9 % over 30 d at 1,000 requests/min):
 * 43,200,000 requests, so 43,200 bad requests allowed; one minute of full outage spends 1,000 (2.31 points).
 */
import { ContractSchema, type Contract, type ContractInput } from '../functions/core/contract.ts';
import { syntheticMinutes, type Incident, type TrafficModel } from '../functions/local/synthetic.ts';
import { FakeCloudWatch, perMinuteSource, type MetricSource } from '../functions/local/fake-cloudwatch.ts';
import type { Clock } from '../functions/ports.ts';
import { SIGN_OFFS } from '../test/support/contracts.ts';

export const MIN_MS = 60_000;
export const DAY_MS = 86_400_000;
/** The instant of the measured evaluation (a 5-minute boundary, UTC). */
export const NOW_MS = Date.parse('2026-11-30T12:00:00Z');
/** The previous scheduled run, whose state the measured run starts from (5-minute cadence). */
export const PREVIOUS_RUN_MS = NOW_MS - 5 * MIN_MS;
export const REQUESTS_PER_MINUTE = 1000;
/** The outage the measured run sees first (see benchIncidents). */
const NOW_OUTAGE_MS = PREVIOUS_RUN_MS - 5 * MIN_MS;
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
 * availability objective before (previous run) and after (measured run). The "now" outage fills the 5 minutes
 * before the previous run: the budget window ends at the last whole 5-minute period before now minus the
 * 3-minute lag, so only the measured run's window holds it (the previous run's burn look-backs see 2 minutes).
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
        outage(NOW_OUTAGE_MS, 5);
        break;
      case 1:
        outage(old, 25);
        break;
      case 2:
        outage(old, 40);
        outage(NOW_OUTAGE_MS, 5);
        break;
      case 3:
        outage(old, 30);
        outage(NOW_OUTAGE_MS, 5, { slowRatio: 1 });
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

/** Which incident class (index modulo 10) a contract belongs to: contracts of one class see the same traffic. */
export function classOf(contractName: string): number {
  return Number(contractName.slice('svc-'.length)) % 10;
}

/** A clock that starts at `startMs` and moves in real time: the bench's fake CloudWatch and adapter pace on it. */
export function realTimeFrom(startMs: number): Clock {
  const t0 = performance.now();
  return { now: () => startMs + Math.floor(performance.now() - t0) };
}

/**
 * The quota-enforcing fake CloudWatch (50 calls/s; 180,000 / 90,000 datapoints/s by StartTime age) answering
 * from the synthetic traffic, after SIMULATED_LATENCY_MS per call, in real time from `clock`. `sourceMs`
 * accumulates the time spent generating raw values (the fake's own CPU, apart from the evaluator's).
 */
export function benchCloudWatch(contracts: Contract[], model: TrafficModel, clock: Clock): { fake: FakeCloudWatch; sourceMs: () => number } {
  const minutes = syntheticMinutes(contracts, model);
  const source = perMinuteSource(minutes);
  let spent = 0;
  const timed: MetricSource = (metric, fromMs, toMs) => {
    const started = performance.now();
    const all = [...source(metric, fromMs, toMs)];
    spent += performance.now() - started;
    return all;
  };
  const fake = new FakeCloudWatch({ source: timed, clock, latencyMs: SIMULATED_LATENCY_MS });
  return { fake, sourceMs: () => spent };
}
