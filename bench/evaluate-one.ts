/**
 * One evaluate() benchmark for N objectives, meant to run in its own process (`node --import tsx
 * bench/evaluate-one.ts N`) so peak memory belongs to that N alone. Prints one line
 * `BENCH_RESULT <json>` on stdout.
 *
 * Sequence: a table as a month of runs would leave it is seeded (seedLedgers), the previous scheduled run (at
 * NOW - 5 min, untimed) refreshes it, decides tiers and warms the JIT; then the measured run at NOW. Both use
 * the real evaluate() use case and the real CloudWatchMetrics adapter (pacing under its default share of the
 * quotas) on the quota-enforcing fake CloudWatch (100 ms per call, real time). The store is the memory twin
 * behind a DynamoDB meter (bench/bench-store.ts); notifier and gate are twins counting their round trips.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, type EvaluationSummary } from '../functions/usecases/evaluate.ts';
import { CloudWatchMetrics } from '../functions/adapters/cloudwatch.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../functions/adapters/memory.ts';
import { PowertoolsTelemetry } from '../functions/adapters/powertools.ts';
import { syntheticSeries } from '../functions/local/synthetic.ts';
import { ledgerSignature } from '../functions/core/assess.ts';
import { layoutOf, type Chunk } from '../functions/core/ledger.ts';
import type { Contract } from '../functions/core/contract.ts';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { ObjectiveState, Ports } from '../functions/ports.ts';
import { RESULT_PREFIX, type EvaluateBenchResult } from './protocol.ts';
import { BenchStore, diffMeter } from './bench-store.ts';
import { benchCloudWatch, benchContracts, benchModel, classOf, gateOf, MIN_MS, NOW_MS, PREVIOUS_RUN_MS, realTimeFrom, SIMULATED_LATENCY_MS } from './fixture.ts';

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

/** The instant the class ledgers are built (untimed): one run before the previous run. */
const SEED0_MS = PREVIOUS_RUN_MS - 5 * MIN_MS;
const OPTIONS = { overrideHonourMs: 240 * 60_000 };

export interface Seeded {
  contracts: Contract[];
  store: BenchStore;
  /** Chunks each objective's class ledger holds, by `<class>|<objective>` and chunk id. */
  classChunks: Map<string, Map<string, Chunk>>;
  /** States as seeded (before the previous run), for stores that must be seeded themselves. */
  states: ObjectiveState[];
}

/**
 * A table as 30 days of 5-minute runs would have left it, built without 30 days of runs: the ten traffic
 * classes' ledgers are built once from scratch (the real evaluate() over the synthetic series), then every
 * objective gets its class's ledger (its own signature) and shares its class's chunks.
 */
export async function seedLedgers(objectives: number): Promise<Seeded> {
  const contracts = benchContracts(objectives);
  const model = benchModel(contracts);
  const reps = contracts.slice(0, Math.min(10, contracts.length));
  const repStore = new MemoryStore();
  const repClock = new ManualClock(SEED0_MS);
  await evaluate(
    { clock: repClock, store: repStore, metrics: new MemoryMetrics(syntheticSeries(reps, model)), notifier: new MemoryNotifier(), gate: new MemoryGate() },
    reps,
    { ...OPTIONS, rebuildDatapoints: Number.MAX_SAFE_INTEGER, reconcileEveryMs: 0 },
  );
  const repStates = await repStore.getObjectiveStates(reps.flatMap((c) => c.spec.objectives.map((o) => ({ contract: c.metadata.name, objective: o.name }))));
  const classChunks = new Map<string, Map<string, Chunk>>();
  const classLedger = new Map<string, ObjectiveState['ledger']>();
  for (const c of reps) {
    for (const o of c.spec.objectives) {
      const key = `${classOf(c.metadata.name)}|${o.name}`;
      const state = repStates.get(`${c.metadata.name}#${o.name}`);
      if (!state?.ledger || state.status !== 'ok') throw new BenchEvaluateError(`class ledger ${key} could not be built: ${state?.status} ${state?.statusDetail ?? ''}`);
      classLedger.set(key, state.ledger);
      classChunks.set(key, new Map(repStore.chunksOf(c.metadata.name, o.name).map((ch) => [ch.id, ch])));
    }
  }
  const store = new BenchStore(() => NOW_MS, (ref) => {
    const cls = `${classOf(ref.contract)}|${ref.objective}`;
    return { cls, chunk: classChunks.get(cls)?.get(ref.id) };
  });
  const states: ObjectiveState[] = [];
  for (const c of contracts) {
    for (const o of c.spec.objectives) {
      const ledger = classLedger.get(`${classOf(c.metadata.name)}|${o.name}`);
      if (!ledger) throw new BenchEvaluateError(`no class ledger for ${c.metadata.name}/${o.name}`);
      const state: ObjectiveState = {
        contract: c.metadata.name,
        objective: o.name,
        tier: null,
        tierSince: SEED0_MS,
        remainingPct: null,
        burnRates: {},
        activeAlerts: [],
        status: 'ok',
        lastEvaluatedAt: SEED0_MS,
        version: 1,
        outbox: {},
        ledger: { ...ledger, sig: ledgerSignature(o, layoutOf(o.sli)), reconciledAt: SEED0_MS },
      };
      states.push(state);
      await store.seed(state);
    }
  }
  return { contracts, store, classChunks, states };
}

export async function benchEvaluate(objectives: number): Promise<EvaluateBenchResult> {
  const { contracts, store } = await seedLedgers(objectives);
  const model = benchModel(contracts);
  const gate = new MemoryGate(new ManualClock(NOW_MS));
  contracts.forEach((_, i) => gate.addStage(gateOf(i).pipeline, gateOf(i).stage));
  const notifier = new MemoryNotifier();

  // The previous scheduled run: refreshes every ledger, decides tiers and freezes, warms the JIT. Untimed.
  const seedClock = new ManualClock(PREVIOUS_RUN_MS);
  const seedCw = benchCloudWatch(contracts, model, realTimeFrom(PREVIOUS_RUN_MS));
  const seedStarted = performance.now();
  const seed = await evaluate({ metrics: new CloudWatchMetrics(seedCw.fake.asClient(), { clock: realTimeFrom(PREVIOUS_RUN_MS) }), store, notifier, gate, clock: seedClock }, contracts, OPTIONS);
  const seedWallMs = performance.now() - seedStarted;
  assertHealthyRun(seed, 'previous run');

  // The measured run, 5 minutes later, against a fresh quota-enforcing fake in real time.
  (globalThis as { gc?: () => void }).gc?.();
  const clock = new ManualClock(NOW_MS);
  const cwClock = realTimeFrom(NOW_MS);
  const cw = benchCloudWatch(contracts, model, cwClock);
  const metrics = new CloudWatchMetrics(cw.fake.asClient(), { clock: cwClock });
  const counts: Record<string, number> = {};
  const recording = new RecordingMetrics();
  const telemetry = new PowertoolsTelemetry(recording.asMetrics());
  const ports: Ports = { metrics, telemetry, store, notifier: counted(notifier, 'notifier', counts), gate: counted(gate, 'gate', counts), clock };
  const meterBefore = structuredClone(store.meter);
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, HEAP_SAMPLE_MS);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await evaluate(ports, contracts, OPTIONS);
  telemetry.runCompleted(summary); // as the handler does after every run
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  assertHealthyRun(summary, 'measured run');
  // What the run itself reported (evaluate() takes the adapter's usage for the run into its summary).
  const usage = summary.metricsUsage;
  if (!usage) throw new BenchEvaluateError('the measured run reported no GetMetricData usage');
  const fakeStats = cw.fake.stats;
  const meter = diffMeter(store.meter, meterBefore);

  return {
    objectives,
    contracts: contracts.length,
    metricsPerObjective: usage.metricsRequested / objectives,
    metricsRequested: usage.metricsRequested,
    getMetricDataCalls: usage.calls,
    datapoints: usage.datapoints,
    throttled: fakeStats.throttled.calls,
    waitMs: usage.waitMs,
    peakPerSecond: cw.fake.peakPerSecond(),
    simulatedLatencyMs: SIMULATED_LATENCY_MS,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    fakeCloudWatchMs: cw.sourceMs(),
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
    ledger: summary.ledger,
    store: meter,
    telemetry: { customMetrics: recording.identities.size, data: recording.data, emfDocuments: recording.documents },
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
