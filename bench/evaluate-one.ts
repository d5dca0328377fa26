/**
 * One evaluate() benchmark for N objectives, meant to run in its own process (`node --import tsx
 * bench/evaluate-one.ts N`) so peak memory belongs to that N alone. Prints one line
 * `BENCH_RESULT <json>` on stdout.
 *
 * Sequence: the previous scheduled run (at NOW - 5 min, untimed) seeds the state and warms the JIT;
 * then the measured run at NOW. Both use the real evaluate() use case and the real CloudWatchMetrics
 * adapter on a fake client (100 ms per call); store, notifier and gate are the in-memory twins, wrapped
 * to count the calls a DynamoDB / SNS / CodePipeline deployment would make as round trips.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, type EvaluationSummary } from '../functions/usecases/evaluate.ts';
import { CloudWatchMetrics } from '../functions/adapters/cloudwatch.ts';
import { ManualClock, MemoryGate, MemoryNotifier, MemoryStore } from '../functions/adapters/memory.ts';
import { PowertoolsTelemetry } from '../functions/adapters/powertools.ts';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Ports } from '../functions/ports.ts';
import { RESULT_PREFIX, type EvaluateBenchResult } from './protocol.ts';
import { benchContracts, benchModel, FakeCloudWatchClient, gateOf, NOW_MS, PREVIOUS_RUN_MS, SIMULATED_LATENCY_MS } from './fixture.ts';

/** How often the heap is sampled during the measured run (ms); the peak is a sample, not an exact maximum. */
const HEAP_SAMPLE_MS = 5;

export class BenchEvaluateError extends Error {
  override name = 'BenchEvaluateError';
}

/**
 * Stands in for the Powertools Metrics object under the real PowertoolsTelemetry, recording each datum's
 * metric name and dimensions instead of printing EMF: every distinct pair is one CloudWatch custom metric.
 */
class RecordingMetrics {
  readonly identities = new Set<string>();
  data = 0;
  /** EMF documents the run would print (one per singleMetric, one for the stored run-level metrics). */
  documents = 0;
  private stored = false;

  private record(name: string, dims: Record<string, string>): void {
    this.data++;
    this.identities.add(`${name}|${JSON.stringify(Object.entries(dims).sort(([a], [b]) => a.localeCompare(b, 'en')))}`);
  }

  singleMetric() {
    this.documents++;
    let dims: Record<string, string> = {};
    const single = {
      addDimensions: (d: Record<string, string>) => {
        dims = { ...dims, ...d };
      },
      addMetric: (name: string) => this.record(name, dims),
    };
    return single;
  }

  addMetric(name: string): void {
    this.stored = true;
    this.record(name, {});
  }

  publishStoredMetrics(): void {
    if (this.stored) this.documents++;
    this.stored = false;
  }

  asMetrics(): Metrics {
    return this as unknown as Metrics;
  }
}

/** Wraps a port so every method call is counted under `<port>.<method>`. */
function counted<T extends object>(port: T, label: string, counts: Record<string, number>): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const key = `${label}.${String(prop)}`;
      return (...args: unknown[]) => {
        counts[key] = (counts[key] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

const mb = (bytes: number) => bytes / 1024 / 1024;

export async function benchEvaluate(objectives: number): Promise<EvaluateBenchResult> {
  const contracts = benchContracts(objectives);
  const fake = new FakeCloudWatchClient(contracts, benchModel(contracts));
  const clock = new ManualClock(PREVIOUS_RUN_MS);
  const gate = new MemoryGate(clock);
  contracts.forEach((_, i) => gate.addStage(gateOf(i).pipeline, gateOf(i).stage));
  const store = new MemoryStore();
  const notifier = new MemoryNotifier();
  const options = { overrideHonourMs: 240 * 60_000 };

  // The previous run: seeds versioned state, tiers and freezes, and is the JIT warm-up.
  const seedMetrics = new CloudWatchMetrics(fake.asClient());
  const seedStarted = performance.now();
  const seed = await evaluate({ metrics: seedMetrics, store, notifier, gate, clock }, contracts, options);
  const seedWallMs = performance.now() - seedStarted;
  assertHealthyRun(seed, 'previous run');

  // The measured run. Its answers are generated beforehand (untimed) from the same plans evaluate() makes;
  // a query the plans did not foresee is still answered, and counted in `unpreparedAnswers`.
  clock.set(NOW_MS);
  // Incremental reads are small: answers are generated as they are asked for (counted in unpreparedAnswers).
  fake.prepare([]);
  // Collect the previous run's garbage so the heap figures start from live data (needs --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const counts: Record<string, number> = {};
  const metrics = new CloudWatchMetrics(fake.asClient());
  const recording = new RecordingMetrics();
  const telemetry = new PowertoolsTelemetry(recording.asMetrics());
  const ports: Ports = {
    metrics,
    telemetry,
    store: counted(store, 'store', counts),
    notifier: counted(notifier, 'notifier', counts),
    gate: counted(gate, 'gate', counts),
    clock,
  };
  const unpreparedBefore = fake.unprepared;
  const fakeBefore = { calls: fake.calls, queries: fake.queries, datapoints: fake.datapoints, generateMs: fake.generateMs };
  fake.maxDatapointsPerCall = 0;
  fake.maxQueriesPerCall = 0;
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, HEAP_SAMPLE_MS);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await evaluate(ports, contracts, options);
  telemetry.runCompleted(summary); // as the handler does after every run
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  assertHealthyRun(summary, 'measured run');
  if (fake.queries - fakeBefore.queries !== metrics.metricsRequested) {
    throw new BenchEvaluateError(`the fake saw ${fake.queries - fakeBefore.queries} queries but the adapter counted ${metrics.metricsRequested}`);
  }

  return {
    objectives,
    contracts: contracts.length,
    metricsPerObjective: metrics.metricsRequested / objectives,
    metricsRequested: metrics.metricsRequested,
    getMetricDataCalls: metrics.callCount,
    maxQueriesPerCall: fake.maxQueriesPerCall,
    maxDatapointsPerCall: fake.maxDatapointsPerCall,
    datapointsReturned: fake.datapoints - fakeBefore.datapoints,
    simulatedLatencyMs: SIMULATED_LATENCY_MS,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    fakeCloudWatchMs: fake.generateMs - fakeBefore.generateMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssBeforeMb: mb(before.rss),
    peakHeapUsedMb: mb(peakHeap),
    heapUsedBeforeMb: mb(before.heapUsed),
    summary: {
      tierChanges: summary.tierChanges,
      notificationsSent: summary.notificationsSent,
      errors: summary.errors,
      byTier: tally(summary.objectives.map((o) => o.tier ?? 'none')),
      byStatus: tally(summary.objectives.map((o) => o.status)),
      gateActions: tally(summary.gates.map((g) => g.action)),
    },
    telemetry: { customMetrics: recording.identities.size, data: recording.data, emfDocuments: recording.documents },
    unpreparedAnswers: fake.unprepared - unpreparedBefore,
    portCalls: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b, 'en'))),
    previousRun: { tierChanges: seed.tierChanges, notificationsSent: seed.notificationsSent, wallMs: seedWallMs },
  };
}

/** A bench of a broken run measures nothing: every objective must have been evaluated from data. */
function assertHealthyRun(summary: EvaluationSummary, what: string): void {
  const bad = summary.objectives.filter((o) => o.status !== 'ok');
  if (summary.errors > 0 || bad.length > 0) {
    const first = bad[0];
    throw new BenchEvaluateError(`${what}: ${summary.errors} errors, ${bad.length} objectives not ok${first ? ` (first: ${first.contract}/${first.objective}: ${first.detail})` : ''}`);
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2]);
  benchEvaluate(n)
    .then((result) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
}
