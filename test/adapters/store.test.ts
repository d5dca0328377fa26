import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore, StoreConfigError, TABLE_KEYS, UnprocessedItemsError, createDynamoStore } from '../../functions/adapters/dynamodb.ts';
import { MemoryStore } from '../../functions/adapters/memory.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { T0, describeStoreContract, objectiveState, pending } from './store-contract.ts';

describeStoreContract('MemoryStore', () => new MemoryStore());

describe('DynamoStore on dynalite', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.stop();
  });

  // A fresh table per test keeps the contract tests independent.
  describeStoreContract('DynamoStore (dynalite)', async () => new DynamoStore(db.doc, await db.createTable()));

  it('writes the documented key layout', async () => {
    const table = await db.createTable();
    const store = new DynamoStore(db.doc, table, { now: () => T0 });
    await store.putObjectiveState(objectiveState(), 0);
    const raw = await db.doc.send(new GetCommand({ TableName: table, Key: { pk: 'OBJ#checkout#availability', sk: 'STATE' } }));
    expect(raw.Item).toMatchObject({ pk: 'OBJ#checkout#availability', sk: 'STATE', version: 1, contract: 'checkout' });
    // Live state lives 400 days after its last write (epoch seconds): only what no run touches expires.
    expect(raw.Item?.expiresAt).toBe(Math.floor(T0 / 1000) + 400 * 86_400);
    expect(TABLE_KEYS).toEqual({ partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' });
  });

  it('sets expiresAt (epoch seconds) at least 400 days after each history entry, and honours a longer retention', async () => {
    const table = await db.createTable();
    const at = T0 + 1234; // not on a whole second: expiresAt rounds down to seconds
    await new DynamoStore(db.doc, table).appendHistory([{ subject: 'override:o1', at, type: 'override', detail: { by: 'VP Eng' } }]);
    await new DynamoStore(db.doc, table, { historyRetentionDays: 730 }).appendHistory([
      { subject: 'override:o2', at, type: 'override', detail: {} },
    ]);
    const raw1 = await db.doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'HIST#override:o1' } }));
    const raw2 = await db.doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'HIST#override:o2' } }));
    const item1 = raw1.Items?.[0];
    expect(item1?.sk).toMatch(/^2026-11-20T14:05:01\.234Z#00000-[0-9a-f]{8}$/);
    // 2026-11-20T14:05:01Z is 1,795,183,501 s; + 400 days (34,560,000 s).
    expect(item1?.expiresAt).toBe(1_795_183_501 + 34_560_000);
    expect(item1?.expiresAt).toBeGreaterThanOrEqual(at / 1000 + 400 * 86_400 - 1);
    expect(raw2.Items?.[0]?.expiresAt).toBe(1_795_183_501 + 730 * 86_400);
  });

  it('reads more than 100 states at once (BatchGetItem chunks of 100)', async () => {
    const store = new DynamoStore(db.doc, await db.createTable());
    const keys = Array.from({ length: 130 }, (_, i) => ({ contract: `c${String(i).padStart(3, '0')}`, objective: 'availability' }));
    for (const k of keys) await store.putObjectiveState(objectiveState({ ...k, remainingPct: Number(k.contract.slice(1)) }), 0);
    const got = await store.getObjectiveStates(keys);
    expect(got.size).toBe(130);
    expect(got.get('c129#availability')?.remainingPct).toBe(129);
  });

  it('createDynamoStore builds its client from the standard environment (AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    const table = await db.createTable();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    delete process.env.AWS_PROFILE;
    try {
      const store = createDynamoStore(table);
      expect(await store.putObjectiveState(objectiveState(), 0)).toBe(true);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    expect((await new DynamoStore(db.doc, table).getObjectiveStates([{ contract: 'checkout', objective: 'availability' }])).get('checkout#availability')?.version).toBe(1);
  });

  it('refuses a retention under 400 days', () => {
    expect(() => new DynamoStore(db.doc, 'any', { historyRetentionDays: 399 })).toThrow(StoreConfigError);
    expect(() => new DynamoStore(db.doc, 'any', { historyRetentionDays: 30 })).toThrow(/>= 400/);
  });

  it('throws errors other than a failed condition (missing table)', async () => {
    const store = new DynamoStore(db.doc, 'no-such-table');
    await expect(store.putObjectiveState(objectiveState(), 0)).rejects.toThrow(/ResourceNotFound|non-existent table|not found/i);
  });
});

describe('DynamoStore requests (aws-sdk-client-mock)', () => {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  const ddb = mockClient(doc);

  it('sends the conditional PutItem on the version', async () => {
    ddb.reset();
    ddb.on(PutCommand).resolves({});
    const store = new DynamoStore(doc, 'slo');
    await store.putObjectiveState(objectiveState({ version: 8 }), 7);
    await store.putObjectiveState(objectiveState(), 0);
    const [update, create] = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(update).toMatchObject({
      TableName: 'slo',
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 7 },
      Item: { pk: 'OBJ#checkout#availability', sk: 'STATE', version: 8 },
    });
    expect(create).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)' });
    expect(create).not.toHaveProperty('ExpressionAttributeValues');
  });

  it('claims with the lease condition, and every outbox update bumps the version', async () => {
    ddb.reset();
    ddb.on(UpdateCommand).resolves({});
    const store = new DynamoStore(doc, 'slo');
    const ref = { kind: 'gate', pipeline: 'shop-web', stage: 'Production' } as const;
    expect(await store.claimNotification(ref, 'n-1', T0 + 60_000, T0)).toBe(true);
    await store.completeNotification(ref, 'n-1');
    await store.releaseNotification(ref, 'n-1', 'x'.repeat(5000));
    const [claim, complete, release] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(claim).toEqual({
      TableName: 'slo',
      Key: { pk: 'GATE#shop-web#Production', sk: 'STATE' },
      UpdateExpression: 'SET #outbox.#id.#claimedUntil = :lease, #version = #version + :vstep',
      ConditionExpression:
        'attribute_exists(#outbox.#id) AND (attribute_not_exists(#outbox.#id.#claimedUntil) OR #outbox.#id.#claimedUntil < :now)',
      ExpressionAttributeNames: { '#outbox': 'outbox', '#id': 'n-1', '#claimedUntil': 'claimedUntil', '#version': 'version' },
      ExpressionAttributeValues: { ':lease': T0 + 60_000, ':now': T0, ':vstep': 1 },
      // Every request asks DynamoDB what it consumed: the store's meter (and the bench) add it up.
      ReturnConsumedCapacity: 'TOTAL',
    });
    expect(complete).toMatchObject({ UpdateExpression: 'REMOVE #outbox.#id SET #version = #version + :vstep', ConditionExpression: 'attribute_exists(#outbox.#id)' });
    expect(release?.ExpressionAttributeValues?.[':err']).toHaveLength(1000);
    for (const input of [claim, complete, release]) {
      expect(input?.ExpressionAttributeValues?.[':vstep']).toBe(1);
    }
  });

  it('retries BatchWriteItem unprocessed items until none are left', async () => {
    ddb.reset();
    const store = new DynamoStore(doc, 'slo', { batchBaseDelayMs: 1 });
    const entries = Array.from({ length: 30 }, (_, i) => ({ subject: 's', at: T0 + i, type: 'evaluation', detail: {} }));
    let first = true;
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      const reqs = input.RequestItems.slo ?? [];
      if (first && reqs.length === 25) {
        first = false;
        return { UnprocessedItems: { slo: reqs.slice(20) } };
      }
      return {};
    });
    await store.appendHistory(entries);
    const sizes = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.slo?.length);
    expect(sizes).toEqual([25, 5, 5]);
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
  });

  it('gives up with UnprocessedItemsError when DynamoDB never takes the items', async () => {
    ddb.reset();
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({ UnprocessedItems: input.RequestItems }));
    const store = new DynamoStore(doc, 'slo', { batchBaseDelayMs: 1, batchMaxAttempts: 3 });
    await expect(store.appendHistory([{ subject: 's', at: T0, type: 'evaluation', detail: {} }])).rejects.toThrow(UnprocessedItemsError);
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
  });

  it('does not swallow a failure other than ConditionalCheckFailedException', async () => {
    ddb.reset();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    ddb.on(UpdateCommand).rejects(throttled);
    const store = new DynamoStore(doc, 'slo');
    await expect(store.claimNotification({ kind: 'objective', contract: 'c', objective: 'o' }, pending('n').id, 1, 0)).rejects.toThrow(
      'Rate exceeded',
    );
  });
});
