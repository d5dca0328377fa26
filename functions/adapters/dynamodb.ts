/**
 * StorePort on one DynamoDB table (the only importer of the DynamoDB SDK). No transactions: every state
 * change is one conditional PutItem on `version`, and a change's notifications ride in the same item
 * (`outbox`), so "record the change and its notification together" is a single write.
 *
 * Layout (keys `pk`, `sk`, both S; TTL attribute `expiresAt`, epoch SECONDS, on every item):
 *   objective state  pk OBJ#<contract>#<objective>     sk STATE             expires 400 d after its last write
 *   gate state       pk GATE#<pipeline>#<stage>        sk STATE             expires 400 d after its last write
 *                    pk GATE#<account>#<region>#<pipeline>#<stage>          (a gate in another account)
 *   gate registry    pk CATALOG                        sk GATES             a string set of gate ids ever frozen or held
 *   contract         pk CATALOG                        sk C#<contract>      the deployed contract; rewritten weekly
 *   override         pk OVERRIDE                       sk <id>              expires 400 d after it ends
 *   history          pk HIST#<subject>                 sk <ISO instant>#<5-digit batch index>-<8 hex random>
 *   ledger chunk     pk LEDGER#<contract>#<objective>  sk H<hour> | D<day>  hours live 5 d, days 100 d
 *   daily summary    pk DAILY#<contract>#<objective>   sk <YYYY-MM-DD>      history retention (>= 400 d)
 * Contract, objective, pipeline and stage names cannot contain `#` (see core/contract.ts), so keys are unambiguous.
 *
 * Every read is a GetItem, BatchGetItem or Query on keys: there is no Scan anywhere (objective keys come from
 * the contracts, gates from the contracts plus the registry). All reads are strongly consistent, so a re-read
 * after a lost race sees the winner's write. `meter` counts items, bytes and capacity units for the bench.
 */
import { DynamoDBClient, type CreateTableCommandInput, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  DynamoDBDocumentClient,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { objectiveKey } from '../core/model.ts';
import type { Chunk } from '../core/ledger.ts';
import {
  chunkKey,
  type CatalogEntry,
  type ChunkRef,
  type DailySummary,
  type GateState,
  type HistoryEntry,
  type ObjectiveState,
  type Override,
  type RecordRef,
  type StorePort,
} from '../ports.ts';
import {
  LIFETIME_DAYS,
  MAX_HISTORY_INSTANT_MS,
  MAX_LAST_ERROR_CHARS,
  StoreValueError,
  assertHistoryInstant,
  assertVersionStep,
  chunkExpiresAt,
  itemSizeBytes,
  retainedUntil,
  stateExpiresAt,
  toStorable,
} from './rules.ts';

/** Key schema and TTL attribute, for the CDK table construct. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

/** CreateTable input for the state table as the CDK construct defines it (for local emulators and tests). */
export function stateTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
  };
}

/** Days a history entry is kept before DynamoDB TTL may delete it; the brief requires at least 400. */
export const MIN_HISTORY_RETENTION_DAYS = 400;
export { LIFETIME_DAYS };

const STATE_SK = 'STATE';
const OVERRIDE_PK = 'OVERRIDE';
const CATALOG_PK = 'CATALOG';
const GATES_SK = 'GATES';
/** BatchWriteItem accepts at most 25 put requests per call. */
const BATCH_WRITE_MAX = 25;
/** BatchGetItem accepts at most 100 keys per call. */
const BATCH_GET_MAX = 100;

export interface DynamoStoreOptions {
  /** Days history entries and daily summaries live before TTL expiry; default and minimum 400. */
  historyRetentionDays?: number;
  /** Attempts for a BatchWrite/BatchGet chunk while DynamoDB returns unprocessed items; default 8. */
  batchMaxAttempts?: number;
  /** First backoff between those attempts in ms, doubled each time with full jitter; default 50. */
  batchBaseDelayMs?: number;
  /** Epoch ms for the lifetimes of live state (default: the system clock). */
  now?: () => number;
}

export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/** DynamoDB kept returning unprocessed items after every retry. */
export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
}

/**
 * What the store asked of DynamoDB: items and bytes (DynamoDB's item size rules, core of rules.itemSizeBytes)
 * read and written, the capacity units DynamoDB reported consuming, and calls by API.
 */
export interface StoreMeter {
  itemsRead: number;
  bytesRead: number;
  readUnits: number;
  itemsWritten: number;
  bytesWritten: number;
  writeUnits: number;
  calls: Record<string, number>;
}

export function emptyMeter(): StoreMeter {
  return { itemsRead: 0, bytesRead: 0, readUnits: 0, itemsWritten: 0, bytesWritten: 0, writeUnits: 0, calls: {} };
}

type Item = Record<string, unknown>;
type Capacity = { CapacityUnits?: number };

const objectivePk = (contract: string, objective: string) => `OBJ#${contract}#${objective}`;
/** Where a gate in another account is; absent for the stack's own (whose key stays as it always was). */
type GateHome = { account: string; region?: string } | undefined;
const gatePk = (pipeline: string, stage: string, home?: GateHome) =>
  home === undefined ? `GATE#${pipeline}#${stage}` : `GATE#${home.account}#${home.region ?? ''}#${pipeline}#${stage}`;
const homeOf = (gate: { account?: string; region?: string }): GateHome => (gate.account === undefined ? undefined : { account: gate.account, region: gate.region });
const historyPk = (subject: string) => `HIST#${subject}`;
const ledgerPk = (contract: string, objective: string) => `LEDGER#${contract}#${objective}`;
const dailyPk = (contract: string, objective: string) => `DAILY#${contract}#${objective}`;
/** A gate's registry id: its key without `GATE#` (`pipeline#stage`, or `account#region#pipeline#stage`). */
const gateId = (g: { pipeline: string; stage: string; account?: string; region?: string }) => gatePk(g.pipeline, g.stage, homeOf(g)).slice('GATE#'.length);
function refOfGateId(id: string): { pipeline: string; stage: string; account?: string; region?: string } {
  const parts = id.split('#');
  if (parts.length === 2) return { pipeline: parts[0] ?? '', stage: parts[1] ?? '' };
  const [account = '', region = '', pipeline = '', stage = ''] = parts;
  return { pipeline, stage, account, ...(region ? { region } : {}) };
}

function refPk(ref: RecordRef): string {
  return ref.kind === 'objective' ? objectivePk(ref.contract, ref.objective) : gatePk(ref.pipeline, ref.stage, homeOf(ref));
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** Drops the table's own attributes from an item, leaving the record as the port defines it. */
function withoutKeys<T>(item: Item): T {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
  return rest as T;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class DynamoStore implements StorePort {
  private readonly retentionDays: number;
  private readonly batchMaxAttempts: number;
  private readonly batchBaseDelayMs: number;
  private readonly now: () => number;
  /** Gate ids this store instance knows are registered (saves a write per gate per run). */
  private readonly registered = new Set<string>();
  readonly meter: StoreMeter = emptyMeter();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    opts: DynamoStoreOptions = {},
  ) {
    this.retentionDays = opts.historyRetentionDays ?? MIN_HISTORY_RETENTION_DAYS;
    if (!Number.isInteger(this.retentionDays) || this.retentionDays < MIN_HISTORY_RETENTION_DAYS) {
      throw new StoreConfigError(
        `historyRetentionDays must be a whole number of days >= ${MIN_HISTORY_RETENTION_DAYS} (audit trail retention), got ${opts.historyRetentionDays}`,
      );
    }
    this.batchMaxAttempts = opts.batchMaxAttempts ?? 8;
    this.batchBaseDelayMs = opts.batchBaseDelayMs ?? 50;
    this.now = opts.now ?? (() => Date.now());
  }

  private liveExpiry(): number {
    return stateExpiresAt(this.now());
  }

  // ---- objective states and gates ------------------------------------------------------------

  async getObjectiveStates(keys: { contract: string; objective: string }[]): Promise<Map<string, ObjectiveState>> {
    const out = new Map<string, ObjectiveState>();
    const items = await this.batchGetAll([...new Set(keys.map((k) => objectivePk(k.contract, k.objective)))].map((pk) => ({ pk, sk: STATE_SK })));
    for (const item of items) {
      const state = withoutKeys<ObjectiveState>(item);
      out.set(objectiveKey(state.contract, state.objective), state);
    }
    return out;
  }

  async putObjectiveState(next: ObjectiveState, expectedVersion: number): Promise<boolean> {
    assertVersionStep(`objective ${objectiveKey(next.contract, next.objective)}`, next.version, expectedVersion);
    return this.conditionalPut({ pk: objectivePk(next.contract, next.objective), sk: STATE_SK, ...toStorable(next), expiresAt: this.liveExpiry() }, expectedVersion);
  }

  async getGate(pipeline: string, stage: string, home?: GateHome): Promise<GateState | undefined> {
    const res = await this.send('GetItem', new GetCommand({ TableName: this.tableName, Key: { pk: gatePk(pipeline, stage, home), sk: STATE_SK }, ConsistentRead: true }));
    if (res.Item) this.countRead([res.Item]);
    return res.Item ? withoutKeys<GateState>(res.Item) : undefined;
  }

  async getGates(refs: { pipeline: string; stage: string; account?: string; region?: string }[]): Promise<GateState[]> {
    const keys = [...new Set(refs.map((r) => gatePk(r.pipeline, r.stage, homeOf(r))))].map((pk) => ({ pk, sk: STATE_SK }));
    return (await this.batchGetAll(keys)).map((i) => withoutKeys<GateState>(i)).sort((a, b) => cmp(gateId(a), gateId(b)));
  }

  async listGates(): Promise<GateState[]> {
    const res = await this.send('GetItem', new GetCommand({ TableName: this.tableName, Key: { pk: CATALOG_PK, sk: GATES_SK }, ConsistentRead: true }));
    if (res.Item) this.countRead([res.Item]);
    const ids = [...((res.Item?.gates as Set<string> | undefined) ?? new Set<string>())];
    for (const id of ids) this.registered.add(id);
    return this.getGates(ids.map(refOfGateId));
  }

  async registerGates(refs: { pipeline: string; stage: string; account?: string; region?: string }[]): Promise<void> {
    const ids = [...new Set(refs.map(gateId))].filter((id) => !this.registered.has(id));
    if (ids.length === 0) return;
    // ADD on a string set is atomic and idempotent: concurrent runs never lose each other's gates.
    await this.send(
      'UpdateItem',
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: CATALOG_PK, sk: GATES_SK },
        UpdateExpression: 'ADD #gates :ids SET #expiresAt = :exp',
        ExpressionAttributeNames: { '#gates': 'gates', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':ids': new Set(ids), ':exp': this.liveExpiry() },
      }),
    );
    this.countWrite([{ pk: CATALOG_PK, sk: GATES_SK, gates: ids }]);
    for (const id of ids) this.registered.add(id);
  }

  async putGate(next: GateState, expectedVersion: number): Promise<boolean> {
    assertVersionStep(`gate ${next.pipeline}/${next.stage}`, next.version, expectedVersion);
    const ok = await this.conditionalPut({ pk: gatePk(next.pipeline, next.stage, homeOf(next)), sk: STATE_SK, ...toStorable(next), expiresAt: this.liveExpiry() }, expectedVersion);
    if (ok && (next.disabledByUs || Object.keys(next.holders).length > 0)) await this.registerGates([next]);
    return ok;
  }

  /** PutItem only if absent (expectedVersion 0) or still at expectedVersion; false on a lost race. */
  private async conditionalPut(item: Item, expectedVersion: number): Promise<boolean> {
    const condition =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    try {
      await this.send('PutItem', new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
      this.countWrite([item]);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ---- outbox: these updates bump `version` (see outboxUpdate) ---------------------------------

  async claimNotification(ref: RecordRef, id: string, leaseUntil: number, now: number): Promise<boolean> {
    return this.outboxUpdate(ref, {
      UpdateExpression: 'SET #outbox.#id.#claimedUntil = :lease, #version = #version + :vstep',
      ConditionExpression:
        'attribute_exists(#outbox.#id) AND (attribute_not_exists(#outbox.#id.#claimedUntil) OR #outbox.#id.#claimedUntil < :now)',
      ExpressionAttributeNames: { '#outbox': 'outbox', '#id': id, '#claimedUntil': 'claimedUntil' },
      ExpressionAttributeValues: { ':lease': leaseUntil, ':now': now },
    });
  }

  async completeNotification(ref: RecordRef, id: string): Promise<void> {
    // Conditional so that a missing item is not created by the update, and a missing entry is a no-op.
    await this.outboxUpdate(ref, {
      UpdateExpression: 'REMOVE #outbox.#id SET #version = #version + :vstep',
      ConditionExpression: 'attribute_exists(#outbox.#id)',
      ExpressionAttributeNames: { '#outbox': 'outbox', '#id': id },
    });
  }

  async releaseNotification(ref: RecordRef, id: string, error: string): Promise<void> {
    await this.outboxUpdate(ref, {
      UpdateExpression:
        'REMOVE #outbox.#id.#claimedUntil SET #outbox.#id.#attempts = if_not_exists(#outbox.#id.#attempts, :zero) + :one, #outbox.#id.#lastError = :err, #version = #version + :vstep',
      ConditionExpression: 'attribute_exists(#outbox.#id)',
      ExpressionAttributeNames: { '#outbox': 'outbox', '#id': id, '#claimedUntil': 'claimedUntil', '#attempts': 'attempts', '#lastError': 'lastError' },
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':err': error.slice(0, MAX_LAST_ERROR_CHARS) },
    });
  }

  /**
   * One conditional UpdateItem on the record holding the outbox; false when the condition failed.
   * Every outbox change bumps `version`: a run holding an older copy of the record must not put the
   * outbox back over a claim or a completed send (it would send twice); its put fails and it re-reads.
   */
  private async outboxUpdate(
    ref: RecordRef,
    expr: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Item },
  ): Promise<boolean> {
    const names = { ...expr.ExpressionAttributeNames, '#version': 'version' };
    const values = { ...(expr.ExpressionAttributeValues ?? {}), ':vstep': 1 };
    try {
      await this.send(
        'UpdateItem',
        new UpdateCommand({ TableName: this.tableName, Key: { pk: refPk(ref), sk: STATE_SK }, ...expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
      );
      this.meter.itemsWritten++;
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ---- overrides -------------------------------------------------------------------------------

  async putOverride(override: Override): Promise<void> {
    const item = { pk: OVERRIDE_PK, sk: override.id, ...toStorable(override), expiresAt: retainedUntil(override.until, this.retentionDays) };
    await this.send('PutItem', new PutCommand({ TableName: this.tableName, Item: item }));
    this.countWrite([item]);
  }

  async listOverrides(): Promise<Override[]> {
    return (await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': OVERRIDE_PK } })).map((i) => withoutKeys<Override>(i));
  }

  async revokeOverride(id: string, by: string, at: number): Promise<boolean> {
    try {
      await this.send(
        'UpdateItem',
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: OVERRIDE_PK, sk: id },
          UpdateExpression: 'SET #revokedAt = :at, #revokedBy = :by',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#revokedAt)',
          ExpressionAttributeNames: { '#revokedAt': 'revokedAt', '#revokedBy': 'revokedBy' },
          ExpressionAttributeValues: { ':at': at, ':by': by },
        }),
      );
      this.meter.itemsWritten++;
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ---- history ---------------------------------------------------------------------------------

  async appendHistory(entries: HistoryEntry[]): Promise<void> {
    const items = entries.map((e, index) => {
      assertHistoryInstant(e.at);
      // Batch index before the random part keeps entries of one batch at the same instant in append order.
      const sk = `${new Date(e.at).toISOString()}#${String(index).padStart(5, '0')}-${randomBytes(4).toString('hex')}`;
      const expiresAt = retainedUntil(e.at, this.retentionDays);
      return { pk: historyPk(e.subject), sk, ...toStorable(e), expiresAt };
    });
    await this.batchWriteAll(items);
  }

  async queryHistory(subject: string, from: number, to: number): Promise<HistoryEntry[]> {
    // Instants are whole ms: at >= from <=> at >= ceil(from), at < to <=> at < ceil(to). Clamped to what the key can hold.
    const lo = Math.min(Math.max(0, Math.ceil(from)), MAX_HISTORY_INSTANT_MS);
    const hi = Math.min(Math.max(0, Math.ceil(to)), MAX_HISTORY_INSTANT_MS);
    if (!(lo < hi)) return [];
    // sk = `<ISO at>#...`, so `<ISO lo>` <= sk holds exactly when at >= lo, and sk <= `<ISO hi>` exactly when
    // at < hi (an entry at `hi` sorts after the bare `<ISO hi>`): BETWEEN gives lo <= at < hi.
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': historyPk(subject), ':from': new Date(lo).toISOString(), ':to': new Date(hi).toISOString() },
    });
    return items.map((i) => withoutKeys<HistoryEntry>(i));
  }

  // ---- ledger chunks, daily summaries, catalog -------------------------------------------------

  async getChunks(refs: ChunkRef[]): Promise<Map<string, Chunk>> {
    const keys = [...new Map(refs.map((r) => [chunkKey(r), { pk: ledgerPk(r.contract, r.objective), sk: r.id }])).values()];
    const out = new Map<string, Chunk>();
    for (const item of await this.batchGetAll(keys)) {
      const pk = String(item.pk);
      const [, contract = '', objective = ''] = pk.split('#');
      const { id, startMs, periodMs, good, total } = item as unknown as Chunk;
      out.set(chunkKey({ contract, objective, id }), { id, startMs, periodMs, good, total });
    }
    return out;
  }

  async putChunks(items: { contract: string; objective: string; chunk: Chunk }[]): Promise<void> {
    await this.batchWriteAll(
      items.map(({ contract, objective, chunk }) => ({ pk: ledgerPk(contract, objective), sk: chunk.id, ...toStorable(chunk), expiresAt: chunkExpiresAt(chunk) })),
    );
  }

  async putDailySummaries(items: DailySummary[]): Promise<void> {
    await this.batchWriteAll(
      items.map((d) => ({ pk: dailyPk(d.contract, d.objective), sk: d.day, ...toStorable(d), expiresAt: retainedUntil(Date.parse(`${d.day}T00:00:00Z`), this.retentionDays + 1) })),
    );
  }

  async queryDailySummaries(contract: string, objective: string, fromDay: string, toDay: string): Promise<DailySummary[]> {
    if (fromDay > toDay) return [];
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': dailyPk(contract, objective), ':from': fromDay, ':to': toDay },
    });
    return items.map((i) => withoutKeys<DailySummary>(i));
  }

  async putCatalog(entries: CatalogEntry[]): Promise<void> {
    await this.batchWriteAll(
      entries.map((e) => ({ pk: CATALOG_PK, sk: `C#${e.contract}`, ...toStorable(e), expiresAt: stateExpiresAt(e.updatedAt) })),
    );
  }

  async listCatalog(): Promise<CatalogEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': CATALOG_PK, ':prefix': 'C#' },
    });
    return items.map((i) => withoutKeys<CatalogEntry>(i));
  }

  // ---- plumbing --------------------------------------------------------------------------------

  /**
   * Sends one command, counting the call by API name for the meter, and adds the capacity units DynamoDB says
   * it consumed (ReturnConsumedCapacity TOTAL; a failed condition still consumes its write).
   */
  private async send<T = { Item?: Item }>(api: string, command: object): Promise<T> {
    this.meter.calls[api] = (this.meter.calls[api] ?? 0) + 1;
    const input = (command as { input: Record<string, unknown> }).input;
    input.ReturnConsumedCapacity = 'TOTAL';
    const reads = api === 'GetItem' || api === 'BatchGetItem' || api === 'Query';
    try {
      const res = (await this.doc.send(command as never)) as unknown as T & { ConsumedCapacity?: Capacity | Capacity[] };
      this.addCapacity(res.ConsumedCapacity, reads);
      return res;
    } catch (err) {
      this.addCapacity((err as { ConsumedCapacity?: Capacity }).ConsumedCapacity, reads);
      throw err;
    }
  }

  private addCapacity(consumed: Capacity | Capacity[] | undefined, reads: boolean): void {
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      if (reads) this.meter.readUnits += c.CapacityUnits ?? 0;
      else this.meter.writeUnits += c.CapacityUnits ?? 0;
    }
  }

  private countRead(items: Item[]): void {
    for (const item of items) {
      const bytes = itemSizeBytes(item);
      this.meter.itemsRead++;
      this.meter.bytesRead += bytes;
    }
  }

  private countWrite(items: Item[]): void {
    for (const item of items) {
      const bytes = itemSizeBytes(item);
      this.meter.itemsWritten++;
      this.meter.bytesWritten += bytes;
    }
  }

  private async queryAll(q: { KeyConditionExpression: string; ExpressionAttributeValues: Item }): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const res = await this.send<{ Items?: Item[]; LastEvaluatedKey?: Item }>(
        'Query',
        new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey, ...q }),
      );
      const page = res.Items ?? [];
      items.push(...page);
      // A Query costs by the bytes it reads, rounded up per call, not per item.
      const bytes = page.reduce((n, i) => n + itemSizeBytes(i), 0);
      this.meter.itemsRead += page.length;
      this.meter.bytesRead += bytes;
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async batchWriteAll(items: Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) await this.batchWrite(items.slice(i, i + BATCH_WRITE_MAX));
  }

  private async batchWrite(items: Item[]): Promise<void> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; ; attempt++) {
      const res = await this.send<{ UnprocessedItems?: Record<string, unknown[]> }>('BatchWriteItem', new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      const left = (res.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      this.countWrite(pending.filter((p) => !left.includes(p)).map((p) => p.PutRequest.Item));
      if (left.length === 0) return;
      if (attempt >= this.batchMaxAttempts) {
        throw new UnprocessedItemsError(
          `BatchWriteItem left ${left.length} items unprocessed after ${attempt} attempts (table ${this.tableName} throttled?)`,
        );
      }
      pending = left;
      await sleep(this.backoffMs(attempt));
    }
  }

  private async batchGetAll(keys: Item[]): Promise<Item[]> {
    const out: Item[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) out.push(...(await this.batchGet(keys.slice(i, i + BATCH_GET_MAX))));
    return out;
  }

  private async batchGet(keys: Item[]): Promise<Item[]> {
    const out: Item[] = [];
    let pending: Item[] = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const res = await this.send<{ Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Item[] }> }>(
        'BatchGetItem',
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      const got = res.Responses?.[this.tableName] ?? [];
      this.countRead(got);
      out.push(...got);
      pending = res.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (pending.length === 0) break;
      if (attempt >= this.batchMaxAttempts) {
        throw new UnprocessedItemsError(`BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts (table ${this.tableName} throttled?)`);
      }
      await sleep(this.backoffMs(attempt));
    }
    return out;
  }

  /** Exponential backoff with full jitter: random in [0, base * 2^(attempt-1)], capped at 2 s. */
  private backoffMs(attempt: number): number {
    return Math.random() * Math.min(2_000, this.batchBaseDelayMs * 2 ** (attempt - 1));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Deadlines of every DynamoDB call the runtime makes (ms), per attempt; the SDK's own retry (standard mode,
 * 3 attempts) stays on. Connect: a TCP+TLS handshake in-region takes milliseconds, 1 s means the endpoint is
 * unreachable. Request: single-item reads and writes answer in tens of ms, a 25-item BatchWriteItem or a
 * 1 MB Query page in well under a second; 3 s bounds a stuck connection without cutting a slow but live one.
 */
export const DYNAMODB_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } as const;

/**
 * Composition helper for the runtime: a DynamoStore on a document client built from the standard AWS
 * environment (region, AWS_ENDPOINT_URL[_DYNAMODB], credentials chain, the SDK's own retry settings), with
 * connect and request timeouts (DYNAMODB_TIMEOUTS) unless `clientConfig.requestHandler` says otherwise.
 */
export function createDynamoStore(tableName: string, opts: DynamoStoreOptions & { clientConfig?: DynamoDBClientConfig } = {}): DynamoStore {
  const { clientConfig, ...rest } = opts;
  return new DynamoStore(DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler: { ...DYNAMODB_TIMEOUTS }, ...clientConfig })), tableName, rest);
}

// Re-exported so callers of the store can catch every store error from one module.
export { StoreValueError };
