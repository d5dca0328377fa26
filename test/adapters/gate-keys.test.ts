/**
 * Gate records in both stores: a gate in the stack's own account keeps its key (`GATE#<pipeline>#<stage>`, so
 * upgrades find their state), a gate in another account is keyed `GATE#<account>#<region>#<pipeline>#<stage>`,
 * and the same pipeline name in two accounts is two records, outbox included.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { MemoryStore } from '../../functions/adapters/memory.ts';
import type { GateState, RecordRef, StorePort } from '../../functions/ports.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';

const HOME: GateState = { pipeline: 'shop-web', stage: 'Production', holders: { 'checkout#availability': 1 }, disabledByUs: true, version: 1, outbox: {} };
const REMOTE: GateState = { ...HOME, account: '111122223333', region: 'eu-west-1', disabledByUs: false, holders: {} };
const where = { account: '111122223333', region: 'eu-west-1' };
const message = { subject: 's', text: 't', json: {}, attributes: { contract: 'checkout', objective: '-', tier: '-', previousTier: '-', severity: 'ticket' as const, event: 'freeze' } };

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db.stop());

async function stores(): Promise<[string, StorePort, string | undefined][]> {
  const table = await db.createTable();
  return [
    ['MemoryStore', new MemoryStore(), undefined],
    ['DynamoStore', new DynamoStore(db.doc, table), table],
  ];
}

describe('gate keys', () => {
  it('keep the home key, key a remote gate by account and region, and keep the two apart', async () => {
    for (const [name, store, table] of await stores()) {
      expect(await store.putGate(HOME, 0), name).toBe(true);
      expect(await store.putGate(REMOTE, 0), name).toBe(true); // not a conflict with the home gate
      expect(await store.getGate('shop-web', 'Production'), name).toMatchObject({ disabledByUs: true });
      expect(await store.getGate('shop-web', 'Production', where), name).toMatchObject({ disabledByUs: false, account: '111122223333', region: 'eu-west-1' });
      expect(await store.getGate('shop-web', 'Production', { account: '999999999999', region: 'eu-west-1' }), name).toBeUndefined();
      const both = [{ pipeline: 'shop-web', stage: 'Production' }, { pipeline: 'shop-web', stage: 'Production', ...where }];
      expect((await store.getGates(both)).map((g) => g.account ?? 'home').sort(), name).toEqual(['111122223333', 'home']);
      // The registry lists gates ever frozen or held (the home one); the remote one once registered too.
      expect((await store.listGates()).map((g) => g.account ?? 'home'), name).toEqual(['home']);
      await store.registerGates(both);
      expect((await store.listGates()).map((g) => g.account ?? 'home').sort(), name).toEqual(['111122223333', 'home']);
      if (table) {
        const key = async (pk: string) => (await db.doc.send(new GetCommand({ TableName: table, Key: { pk, sk: 'STATE' } }))).Item;
        expect(await key('GATE#shop-web#Production')).toBeDefined();
        expect(await key('GATE#111122223333#eu-west-1#shop-web#Production')).toBeDefined();
      }
    }
  });

  it('run the outbox of a remote gate on its own record', async () => {
    for (const [name, store] of await stores()) {
      await store.putGate(HOME, 0);
      await store.putGate({ ...REMOTE, outbox: { n1: { id: 'n1', createdAt: 1, message, attempts: 0 } } }, 0);
      const ref: RecordRef = { kind: 'gate', pipeline: 'shop-web', stage: 'Production', ...where };
      expect(await store.claimNotification(ref, 'n1', 100, 1), name).toBe(true);
      expect(await store.claimNotification({ kind: 'gate', pipeline: 'shop-web', stage: 'Production' }, 'n1', 100, 1), name).toBe(false);
      await store.completeNotification(ref, 'n1');
      expect((await store.getGate('shop-web', 'Production', where))?.outbox, name).toEqual({});
      expect((await store.getGate('shop-web', 'Production'))?.version, name).toBe(1);
    }
  });
});
