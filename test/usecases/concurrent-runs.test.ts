/**
 * EventBridge delivers at least once and runs can overlap: 24 evaluations of the same change run at once
 * against DynamoDB (dynalite). Exactly one of them records the change, its notifications are sent once,
 * and nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier } from '../../functions/adapters/memory.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { checkout, HOUR, MIN, T0 } from '../support/contracts.ts';
import { Traffic } from '../support/traffic.ts';

const RUNS = 24;

describe('concurrent evaluations against DynamoDB (dynalite)', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  it(`${RUNS} overlapping runs announce one tier change and one freeze, once each`, async () => {
    const store = new DynamoStore(db.doc, await db.createTable());
    const clock = new ManualClock(T0);
    const traffic = new Traffic();
    const notifier = new MemoryNotifier();
    const gate = new MemoryGate().addStage('shop-web', 'Production').addStage('shop-payments', 'Production');
    const ports = { store, clock, notifier, gate, metrics: new MemoryMetrics(traffic.generate) };
    const contract = checkout();
    await evaluate(ports, [contract], { overrideHonourMs: HOUR });

    // 1,100 bad of 1,440 allowed: healthy -> frozen, shop-web freezes; the 3d/6h burn raises a ticket.
    traffic.burst(T0 + 10 * MIN, 1100);
    clock.set(T0 + HOUR);
    const summaries = await Promise.all(Array.from({ length: RUNS }, () => evaluate(ports, [contract], { overrideHonourMs: HOUR })));

    const events = notifier.published.map((m) => `${m.attributes.event} ${m.attributes.tier}`);
    expect(events.sort()).toEqual(['burn-alert frozen', 'freeze -', 'tier-change frozen'].sort());
    expect(summaries.reduce((n, s) => n + s.tierChanges, 0)).toBe(1);
    expect(gate.calls.filter((c) => c.op === 'disable' && !c.failed)).toHaveLength(1);

    // Recorded once, nothing left pending.
    const state = (await store.getObjectiveStates([{ contract: 'checkout', objective: 'availability' }])).get('checkout#availability');
    expect(state).toMatchObject({ tier: 'frozen', outbox: {} });
    expect((await store.getGate('shop-web', 'Production'))?.outbox).toEqual({});
    const history = await store.queryHistory('objective:checkout#availability', 0, Number.MAX_SAFE_INTEGER);
    expect(history.filter((h) => h.type === 'tier-change').map((h) => h.detail.to)).toEqual(['healthy', 'frozen']);
    expect(history.filter((h) => h.type === 'notification-sent')).toHaveLength(2);
    const gateHistory = await store.queryHistory('gate:shop-web/Production', 0, Number.MAX_SAFE_INTEGER);
    expect(gateHistory.filter((h) => h.type === 'freeze')).toHaveLength(1);
  }, 60_000);
});
