/**
 * The DynamoDB side of one run, measured on a real DynamoDB protocol peer: DynamoStore on dynalite
 * (in-process, 127.0.0.1), capacity units as dynalite reports them (ReturnConsumedCapacity). The table is
 * seeded as bench/evaluate-one.ts seeds its memory store (the same class ledgers), with exactly the chunks the
 * two runs read; the previous run then refreshes it and the measured run is metered. CloudWatch is the memory
 * twin here (this bench times the store, not the quota). The same two runs against the bench meter give the
 * estimate the big sizes rely on, for comparison.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../functions/usecases/evaluate.ts';
import { DynamoStore, emptyMeter, type StoreMeter } from '../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier } from '../functions/adapters/memory.ts';
import { syntheticSeries } from '../functions/local/synthetic.ts';
import type { Ports, StorePort } from '../functions/ports.ts';
import { startDynalite } from '../bin/local/dynalite.ts';
import { seedLedgers } from './evaluate-one.ts';
import { benchModel, classOf, gateOf, NOW_MS, PREVIOUS_RUN_MS } from './fixture.ts';
import { diffMeter, type Meter } from './bench-store.ts';

export const DYNAMO_PREFIX = 'DYNAMO_RESULT ';

export interface DynamoBenchResult {
  objectives: number;
  wallMs: number;
  dynalite: StoreMeter;
  meter: Meter;
}

const OPTIONS = { overrideHonourMs: 240 * 60_000 };

async function twoRuns(store: StorePort, objectives: number, contracts: Awaited<ReturnType<typeof seedLedgers>>['contracts'], measure: () => void): Promise<number> {
  const model = benchModel(contracts);
  const metrics = new MemoryMetrics(syntheticSeries(contracts, model));
  const gate = new MemoryGate(new ManualClock(NOW_MS));
  contracts.forEach((_, i) => gate.addStage(gateOf(i).pipeline, gateOf(i).stage));
  const ports = (at: number): Ports => ({ metrics, store, gate, notifier: new MemoryNotifier(), clock: new ManualClock(at) });
  await evaluate(ports(PREVIOUS_RUN_MS), contracts, OPTIONS);
  measure();
  const t0 = performance.now();
  const s = await evaluate(ports(NOW_MS), contracts, OPTIONS);
  if (s.errors > 0 || s.objectives.length !== objectives) throw new Error(`measured run on ${objectives} objectives had ${s.errors} errors`);
  return performance.now() - t0;
}

export async function benchDynamo(objectives: number): Promise<DynamoBenchResult> {
  // The bench meter: the memory twin, and which class chunks the two runs read.
  const mem = await seedLedgers(objectives);
  let meterBefore = structuredClone(mem.store.meter);
  await twoRuns(mem.store, objectives, mem.contracts, () => (meterBefore = structuredClone(mem.store.meter)));
  const meter: Meter = {
    itemsRead: mem.store.meter.itemsRead - meterBefore.itemsRead,
    bytesRead: mem.store.meter.bytesRead - meterBefore.bytesRead,
    readUnits: mem.store.meter.readUnits - meterBefore.readUnits,
    itemsWritten: mem.store.meter.itemsWritten - meterBefore.itemsWritten,
    bytesWritten: mem.store.meter.bytesWritten - meterBefore.bytesWritten,
    writeUnits: mem.store.meter.writeUnits - meterBefore.writeUnits,
    calls: {},
  };

  // dynalite, seeded with the states and the chunks those runs read.
  const db = await startDynalite();
  try {
    const store = new DynamoStore(db.doc, db.tableName, { now: () => NOW_MS });
    for (const s of mem.states) await store.putObjectiveState(s, 0);
    const chunks = mem.states.flatMap((s) => {
      const cls = `${classOf(s.contract)}|${s.objective}`;
      const ids = mem.store.served.get(cls) ?? new Set<string>();
      return [...ids].map((id) => ({ contract: s.contract, objective: s.objective, chunk: mem.classChunks.get(cls)?.get(id) })).filter((c): c is { contract: string; objective: string; chunk: NonNullable<typeof c.chunk> } => c.chunk !== undefined);
    });
    await store.putChunks(chunks);
    let before: StoreMeter = emptyMeter();
    const wallMs = await twoRuns(store, objectives, mem.contracts, () => (before = structuredClone(store.meter)));
    return { objectives, wallMs, dynalite: diffMeter(store.meter, before), meter };
  } finally {
    await db.stop();
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchDynamo(Number(process.argv[2]))
    .then((r) => process.stdout.write(`${DYNAMO_PREFIX}${JSON.stringify(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
}
