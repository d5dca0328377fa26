/**
 * StorePort on one DynamoDB table (the only importer of the DynamoDB SDK). No transactions: every state
 * change is one conditional PutItem on `version`, and a change's notifications ride in the same item
 * (`outbox`), so "record the change and its notification together" is a single write.
 *
 * Layout (keys `pk`, `sk`, both S; TTL attribute `expiresAt`, epoch SECONDS, history items only):
 *   objective state  pk OBJ#<contract>#<objective>   sk STATE
 *   gate state       pk GATE#<pipeline>#<stage>      sk STATE   (a gate in the stack's own account)
 *                    pk GATE#<account>#<region>#<pipeline>#<stage>  (a gate in another account)
 *   override         pk OVERRIDE                     sk <id>
 *   history          pk HIST#<subject>               sk <ISO instant>#<5-digit batch index>-<8 hex random>
 * Contract, objective, pipeline and stage names cannot contain `#` (see core/contract.ts), so keys are unambiguous.
 * listObjectiveStates / listGates Scan with `sk = STATE AND begins_with(pk, prefix)`: the table holds tens of
 * state items and a bounded history per subject, so a full scan per list is cheap enough at 5-minute runs;
 * an index item would add a second write per state change (and a second point of failure) for no gain.
 * All reads are strongly consistent, so a re-read after a lost race sees the winner's write.
 */
import { DynamoDBClient, type CreateTableCommandInput, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  DynamoDBDocumentClient,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { objectiveKey } from '../core/model.ts';
import type { GateState, HistoryEntry, ObjectiveState, Override, RecordRef, StorePort } from '../ports.ts';
import { MAX_HISTORY_INSTANT_MS, MAX_LAST_ERROR_CHARS, StoreValueError, assertHistoryInstant, assertVersionStep, toStorable } from './rules.ts';

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

const STATE_SK = 'STATE';
const OVERRIDE_PK = 'OVERRIDE';
/** BatchWriteItem accepts at most 25 put requests per call. */
const BATCH_WRITE_MAX = 25;
/** BatchGetItem accepts at most 100 keys per call. */
const BATCH_GET_MAX = 100;
const DAY_SECONDS = 86_400;

export interface DynamoStoreOptions {
  /** Days history entries live before TTL expiry; default and minimum 400. */
  historyRetentionDays?: number;
  /** Attempts for a BatchWrite/BatchGet chunk while DynamoDB returns unprocessed items; default 8. */
  batchMaxAttempts?: number;
  /** First backoff between those attempts in ms, doubled each time with full jitter; default 50. */
  batchBaseDelayMs?: number;
}

export class StoreConfigError extends Error {
  override name = 'StoreConfigError';
}

/** DynamoDB kept returning unprocessed items after every retry. */
export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
}

type Item = Record<string, unknown>;

const objectivePk = (contract: string, objective: string) => `OBJ#${contract}#${objective}`;
/** Where a gate in another account is; absent for the stack's own (whose key stays as it always was). */
type GateHome = { account: string; region?: string } | undefined;
const gatePk = (pipeline: string, stage: string, home?: GateHome) =>
  home === undefined ? `GATE#${pipeline}#${stage}` : `GATE#${home.account}#${home.region ?? ''}#${pipeline}#${stage}`;
const homeOf = (gate: { account?: string; region?: string }): GateHome => (gate.account === undefined ? undefined : { account: gate.account, region: gate.region });
const historyPk = (subject: string) => `HIST#${subject}`;

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
  }

  // ---- objective states and gates ------------------------------------------------------------

  async getObjectiveStates(keys: { contract: string; objective: string }[]): Promise<Map<string, ObjectiveState>> {
    const pks = [...new Set(keys.map((k) => objectivePk(k.contract, k.objective)))];
    const out = new Map<string, ObjectiveState>();
    for (let i = 0; i < pks.length; i += BATCH_GET_MAX) {
      for (const item of await this.batchGet(pks.slice(i, i + BATCH_GET_MAX).map((pk) => ({ pk, sk: STATE_SK })))) {
        const state = withoutKeys<ObjectiveState>(item);
        out.set(objectiveKey(state.contract, state.objective), state);
      }
    }
    return out;
  }

  async listObjectiveStates(): Promise<ObjectiveState[]> {
    const items = await this.scanStates('OBJ#');
    return items.map((i) => withoutKeys<ObjectiveState>(i)).sort((a, b) => cmp(objectiveKey(a.contract, a.objective), objectiveKey(b.contract, b.objective)));
  }

  async putObjectiveState(next: ObjectiveState, expectedVersion: number): Promise<boolean> {
    assertVersionStep(`objective ${objectiveKey(next.contract, next.objective)}`, next.version, expectedVersion);
    return this.conditionalPut({ pk: objectivePk(next.contract, next.objective), sk: STATE_SK, ...toStorable(next) }, expectedVersion);
  }

  async getGate(pipeline: string, stage: string, home?: GateHome): Promise<GateState | undefined> {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: gatePk(pipeline, stage, home), sk: STATE_SK }, ConsistentRead: true }));
    return res.Item ? withoutKeys<GateState>(res.Item) : undefined;
  }

  async listGates(): Promise<GateState[]> {
    const items = await this.scanStates('GATE#');
    return items.map((i) => withoutKeys<GateState>(i)).sort((a, b) => cmp(`${a.pipeline}#${a.stage}`, `${b.pipeline}#${b.stage}`));
  }

  async putGate(next: GateState, expectedVersion: number): Promise<boolean> {
    assertVersionStep(`gate ${next.pipeline}/${next.stage}`, next.version, expectedVersion);
    return this.conditionalPut({ pk: gatePk(next.pipeline, next.stage, homeOf(next)), sk: STATE_SK, ...toStorable(next) }, expectedVersion);
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
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  private async scanStates(pkPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const res = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :state AND begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':state': STATE_SK, ':prefix': pkPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(res.Items ?? []));
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  // ---- outbox: these updates leave `version` alone (they are not state changes) ---------------

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
      await this.doc.send(
        new UpdateCommand({ TableName: this.tableName, Key: { pk: refPk(ref), sk: STATE_SK }, ...expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ---- overrides -------------------------------------------------------------------------------

  async putOverride(override: Override): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: OVERRIDE_PK, sk: override.id, ...toStorable(override) } }));
  }

  async listOverrides(): Promise<Override[]> {
    return (await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': OVERRIDE_PK } })).map((i) =>
      withoutKeys<Override>(i),
    );
  }

  async revokeOverride(id: string, by: string, at: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: OVERRIDE_PK, sk: id },
          UpdateExpression: 'SET #revokedAt = :at, #revokedBy = :by',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#revokedAt)',
          ExpressionAttributeNames: { '#revokedAt': 'revokedAt', '#revokedBy': 'revokedBy' },
          ExpressionAttributeValues: { ':at': at, ':by': by },
        }),
      );
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
      const expiresAt = Math.floor(e.at / 1000) + this.retentionDays * DAY_SECONDS;
      return { pk: historyPk(e.subject), sk, ...toStorable(e), expiresAt };
    });
    for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) {
      await this.batchWrite(items.slice(i, i + BATCH_WRITE_MAX));
    }
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

  // ---- plumbing --------------------------------------------------------------------------------

  private async queryAll(q: { KeyConditionExpression: string; ExpressionAttributeValues: Item }): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const res = await this.doc.send(new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey, ...q }));
      items.push(...(res.Items ?? []));
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async batchWrite(items: Item[]): Promise<void> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; ; attempt++) {
      const res = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      const left = res.UnprocessedItems?.[this.tableName] ?? [];
      if (left.length === 0) return;
      if (attempt >= this.batchMaxAttempts) {
        throw new UnprocessedItemsError(
          `BatchWriteItem left ${left.length} history items unprocessed after ${attempt} attempts (table ${this.tableName} throttled?)`,
        );
      }
      pending = left as typeof pending;
      await sleep(this.backoffMs(attempt));
    }
  }

  private async batchGet(keys: { pk: string; sk: string }[]): Promise<Item[]> {
    const out: Item[] = [];
    let pending: Item[] = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const res = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
      out.push(...(res.Responses?.[this.tableName] ?? []));
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
