/**
 * The bench's state store: the memory twin behind a meter that counts what DynamoDB would bill, with the same
 * rules as DynamoStore's (item sizes per rules.itemSizeBytes; strongly consistent reads 1 unit per 4 KB per
 * item, writes 1 unit per 1 KB, an UpdateItem billed on the size of the item it updates; calls batched as
 * DynamoStore batches them). The bench checks these estimates against what dynalite reports for DynamoStore
 * (bench/dynamo-one.ts).
 *
 * Ledger chunks that nobody wrote in this process come from `chunkOf` (shared, read-only objects built once
 * per traffic class), so 10,000 objectives do not need 10,000 copies of 30 days of data in memory.
 */
import { MemoryStore } from '../functions/adapters/memory.ts';
import { itemSizeBytes } from '../functions/adapters/rules.ts';
import { emptyMeter, type StoreMeter } from '../functions/adapters/dynamodb.ts';
import type { Chunk } from '../functions/core/ledger.ts';
import { chunkKey, type CatalogEntry, type ChunkRef, type DailySummary, type GateState, type HistoryEntry, type ObjectiveState, type Override, type RecordRef, type StorePort } from '../functions/ports.ts';

/** The same figures DynamoStore's own meter reports (adapters/dynamodb.ts), computed without DynamoDB. */
export type Meter = StoreMeter;

/** What a meter counted between two readings (`before` a copy taken earlier). */
export function diffMeter(after: Meter, before: Meter): Meter {
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.calls)) if (v - (before.calls[k] ?? 0) > 0) calls[k] = v - (before.calls[k] ?? 0);
  return {
    itemsRead: after.itemsRead - before.itemsRead,
    bytesRead: after.bytesRead - before.bytesRead,
    readUnits: after.readUnits - before.readUnits,
    itemsWritten: after.itemsWritten - before.itemsWritten,
    bytesWritten: after.bytesWritten - before.bytesWritten,
    writeUnits: after.writeUnits - before.writeUnits,
    calls,
  };
}

/** The key attributes DynamoStore adds (pk, sk, expiresAt): about this many bytes per item. */
const KEY_BYTES = 60;

export class BenchStore implements StorePort {
  readonly meter: Meter = emptyMeter();
  private readonly inner: MemoryStore;
  private readonly written = new Map<string, Chunk>();
  /** Chunk ids served from `chunkOf`, by class: what a DynamoDB table would have to hold for these runs. */
  readonly served = new Map<string, Set<string>>();

  constructor(
    now: () => number,
    private readonly chunkOf: (ref: ChunkRef) => { cls: string; chunk: Chunk | undefined },
  ) {
    this.inner = new MemoryStore(now);
  }

  private call(api: string, n = 1): void {
    this.meter.calls[api] = (this.meter.calls[api] ?? 0) + n;
  }

  private read(records: object[]): void {
    for (const r of records) {
      const bytes = itemSizeBytes(r as Record<string, unknown>) + KEY_BYTES;
      this.meter.itemsRead++;
      this.meter.bytesRead += bytes;
      this.meter.readUnits += Math.max(1, Math.ceil(bytes / 4096));
    }
  }

  private write(records: object[]): void {
    for (const r of records) {
      const bytes = itemSizeBytes(r as Record<string, unknown>) + KEY_BYTES;
      this.meter.itemsWritten++;
      this.meter.bytesWritten += bytes;
      this.meter.writeUnits += Math.max(1, Math.ceil(bytes / 1024));
    }
  }

  /** Seeds a state without metering (the table as a previous deployment left it). */
  async seed(state: ObjectiveState): Promise<void> {
    await this.inner.putObjectiveState(state, 0);
  }

  async getObjectiveStates(keys: { contract: string; objective: string }[]): Promise<Map<string, ObjectiveState>> {
    this.call('BatchGetItem', Math.ceil(keys.length / 100));
    const out = await this.inner.getObjectiveStates(keys);
    this.read([...out.values()]);
    return out;
  }

  async putObjectiveState(next: ObjectiveState, expectedVersion: number): Promise<boolean> {
    this.call('PutItem');
    this.write([next]);
    return this.inner.putObjectiveState(next, expectedVersion);
  }

  async getGate(pipeline: string, stage: string): Promise<GateState | undefined> {
    this.call('GetItem');
    const g = await this.inner.getGate(pipeline, stage);
    if (g) this.read([g]);
    return g;
  }

  async getGates(refs: { pipeline: string; stage: string }[]): Promise<GateState[]> {
    this.call('BatchGetItem', Math.ceil(refs.length / 100));
    const out = await this.inner.getGates(refs);
    this.read(out);
    return out;
  }

  async listGates(): Promise<GateState[]> {
    this.call('GetItem');
    const out = await this.inner.listGates();
    this.call('BatchGetItem', Math.ceil(out.length / 100));
    this.read([{ registry: out.map((g) => `${g.pipeline}#${g.stage}`) }, ...out]);
    return out;
  }

  async registerGates(refs: { pipeline: string; stage: string }[]): Promise<void> {
    this.call('UpdateItem');
    this.write([{ gates: refs.map((r) => `${r.pipeline}#${r.stage}`) }]);
    return this.inner.registerGates(refs);
  }

  async putGate(next: GateState, expectedVersion: number): Promise<boolean> {
    this.call('PutItem');
    this.write([next]);
    return this.inner.putGate(next, expectedVersion);
  }

  private async recordSize(ref: RecordRef): Promise<object[]> {
    const rec = ref.kind === 'objective' ? (await this.inner.getObjectiveStates([ref])).get(`${ref.contract}#${ref.objective}`) : await this.inner.getGate(ref.pipeline, ref.stage);
    return rec ? [rec] : [];
  }

  async claimNotification(ref: RecordRef, id: string, leaseUntil: number, now: number): Promise<boolean> {
    this.call('UpdateItem');
    this.write(await this.recordSize(ref)); // an update is billed on the size of the whole item
    return this.inner.claimNotification(ref, id, leaseUntil, now);
  }

  async completeNotification(ref: RecordRef, id: string): Promise<void> {
    this.call('UpdateItem');
    this.write(await this.recordSize(ref));
    return this.inner.completeNotification(ref, id);
  }

  async releaseNotification(ref: RecordRef, id: string, error: string): Promise<void> {
    this.call('UpdateItem');
    this.write(await this.recordSize(ref));
    return this.inner.releaseNotification(ref, id, error);
  }

  async putOverride(override: Override): Promise<void> {
    this.call('PutItem');
    this.write([override]);
    return this.inner.putOverride(override);
  }

  async listOverrides(): Promise<Override[]> {
    this.call('Query');
    const out = await this.inner.listOverrides();
    this.read(out);
    return out;
  }

  async revokeOverride(id: string, by: string, at: number): Promise<boolean> {
    this.call('UpdateItem');
    this.write([{ id, by, at }]);
    return this.inner.revokeOverride(id, by, at);
  }

  async appendHistory(entries: HistoryEntry[]): Promise<void> {
    this.call('BatchWriteItem', Math.ceil(entries.length / 25));
    this.write(entries);
    return this.inner.appendHistory(entries);
  }

  async queryHistory(subject: string, from: number, to: number): Promise<HistoryEntry[]> {
    this.call('Query');
    const out = await this.inner.queryHistory(subject, from, to);
    this.read(out);
    return out;
  }

  async getChunks(refs: ChunkRef[]): Promise<Map<string, Chunk>> {
    this.call('BatchGetItem', Math.ceil(refs.length / 100));
    const out = new Map<string, Chunk>();
    for (const ref of refs) {
      const key = chunkKey(ref);
      let chunk = this.written.get(key);
      if (!chunk) {
        const shared = this.chunkOf(ref);
        chunk = shared.chunk;
        if (chunk) {
          const ids = this.served.get(shared.cls) ?? new Set<string>();
          ids.add(ref.id);
          this.served.set(shared.cls, ids);
        }
      }
      if (chunk) out.set(key, chunk);
    }
    this.read([...out.values()]);
    return out;
  }

  async putChunks(items: { contract: string; objective: string; chunk: Chunk }[]): Promise<void> {
    this.call('BatchWriteItem', Math.ceil(items.length / 25));
    this.write(items.map((i) => i.chunk));
    for (const i of items) this.written.set(chunkKey({ contract: i.contract, objective: i.objective, id: i.chunk.id }), i.chunk);
  }

  async putDailySummaries(items: DailySummary[]): Promise<void> {
    this.call('BatchWriteItem', Math.ceil(items.length / 25));
    this.write(items);
    return this.inner.putDailySummaries(items);
  }

  async queryDailySummaries(contract: string, objective: string, fromDay: string, toDay: string): Promise<DailySummary[]> {
    this.call('Query');
    const out = await this.inner.queryDailySummaries(contract, objective, fromDay, toDay);
    this.read(out);
    return out;
  }

  async putCatalog(entries: CatalogEntry[]): Promise<void> {
    this.call('BatchWriteItem', Math.ceil(entries.length / 25));
    this.write(entries);
    return this.inner.putCatalog(entries);
  }

  async listCatalog(): Promise<CatalogEntry[]> {
    this.call('Query');
    const out = await this.inner.listCatalog();
    this.read(out);
    return out;
  }
}
