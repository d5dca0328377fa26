/**
 * A store you can leave running for years: no Scan on any path (evaluator, reporter, CLI), reads that do not
 * grow with the history, an item count per objective that stays bounded over 400 days, and a table written by
 * the previous version read correctly with no manual step.
 */
import { readFileSync } from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { sendWeeklyReport } from '../../functions/usecases/report.ts';
import { recordOverride, revokeOverride } from '../../functions/usecases/override.ts';
import { REASON_PREFIX } from '../../functions/core/reason.ts';
import type { HistoryEntry, Ports } from '../../functions/ports.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { Traffic } from '../support/traffic.ts';

const OPTIONS = { overrideHonourMs: 4 * HOUR };

describe('DynamoDB on dynalite: no Scan, reads by key', () => {
  let db: Dynalite;
  const commands: string[] = [];
  beforeAll(async () => {
    db = await startDynalite();
    // A counting wrapper on the client: every command the store sends, by name.
    db.doc.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('the evaluator, the reporter and the override commands never Scan; listGates reads the registry, not the history', async () => {
    const table = await db.createTable();
    const clock = new ManualClock(T0);
    const traffic = new Traffic();
    const store = new DynamoStore(db.doc, table, { now: () => clock.now() });
    const gate = new MemoryGate(clock).addStage('shop-web', 'Production').addStage('shop-payments', 'Production');
    const notifier = new MemoryNotifier();
    const ports: Ports = { clock, store, notifier, gate, metrics: new MemoryMetrics(traffic.generate) };
    const contracts = [checkout()];

    // 5,000 history items: the first release's Scan read them all to return one gate.
    const noise: HistoryEntry[] = Array.from({ length: 5_000 }, (_, i) => ({ subject: `objective:checkout#availability`, at: T0 - DAY + i, type: 'tier-change', detail: { i } }));
    await store.appendHistory(noise);

    commands.length = 0;
    await evaluate(ports, contracts, OPTIONS);
    traffic.burst(T0 + 10 * MIN, 1100);
    clock.set(T0 + HOUR);
    await evaluate(ports, contracts, OPTIONS); // frozen: shop-web disabled
    clock.set(T0 + HOUR + 5 * MIN);
    await evaluate(ports, contracts, OPTIONS);
    const o = await recordOverride({ store, notifier, clock }, contracts, { contract: 'checkout', by: 'VP Eng', reason: 'hotfix', until: T0 + DAY });
    await revokeOverride({ store, notifier, clock }, o.id, 'VP Eng');
    await store.listOverrides();
    clock.set(T0 + 7 * DAY);
    await sendWeeklyReport({ store, notifier, clock }, contracts);
    expect(commands.length).toBeGreaterThan(20);
    expect(commands.filter((c) => c === 'ScanCommand')).toEqual([]);
    expect(new Set(commands)).not.toContain('ScanCommand');

    const before = { ...store.meter };
    const gates = await store.listGates();
    expect(gates.map((g) => `${g.pipeline}/${g.stage}`)).toEqual(['shop-web/Production']);
    // The registry item and the one gate: two items, whatever the history holds.
    expect(store.meter.itemsRead - before.itemsRead).toBe(2);
    // Capacity as dynalite reports it (ReturnConsumedCapacity): two strongly consistent reads of small items.
    expect(store.meter.readUnits - before.readUnits).toBe(2);
  });

  it('a table written by the previous version keeps working with no manual step', async () => {
    const table = await db.createTable();
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/upgrade/v1-table.json', import.meta.url), 'utf8')) as { clockMs: number; items: Record<string, unknown>[] };
    for (const Item of fixture.items) await db.doc.send(new PutCommand({ TableName: table, Item }));

    // The world the old version left: both stages disabled with its reason, two notifications pending.
    const clock = new ManualClock(fixture.clockMs + 5 * MIN);
    const traffic = new Traffic();
    traffic.burst(T0 + 10 * MIN, 1100).burst(T0 + 50 * MIN, 600);
    const store = new DynamoStore(db.doc, table, { now: () => clock.now() });
    const webReason = (fixture.items.find((i) => i.pk === 'GATE#shop-web#Production') as { disabledReason: string }).disabledReason;
    const payReason = (fixture.items.find((i) => i.pk === 'GATE#shop-payments#Production') as { disabledReason: string }).disabledReason;
    const gate = new MemoryGate(clock)
      .addStage('shop-web', 'Production', { enabled: false, disabledReason: webReason })
      .addStage('shop-payments', 'Production', { enabled: false, disabledReason: payReason });
    const notifier = new MemoryNotifier();
    const ports: Ports = { clock, store, notifier, gate, metrics: new MemoryMetrics(traffic.generate) };
    const contracts = [checkout(), checkout({ gates: [] }, 'login')];

    const before = await store.getObjectiveStates([{ contract: 'checkout', objective: 'availability' }]);
    expect(before.get('checkout#availability')).toMatchObject({ tier: 'exhausted', version: 11 });
    expect(Object.keys(before.get('checkout#availability')!.outbox)).toEqual(['v7-0', 'v7-1']);

    const s = await evaluate(ports, contracts, OPTIONS);
    expect(s.errors).toBe(0);
    // The tier and the freezes the old version recorded hold; nothing is frozen twice or lifted.
    expect(s.objectives.map((x) => `${x.contract}:${x.tier}:${x.status}`)).toEqual(['checkout:exhausted:ok', 'login:exhausted:ok']);
    expect(gate.calls.filter((c) => c.op !== 'get')).toEqual([]);
    expect(webReason.startsWith(REASON_PREFIX)).toBe(true);
    // The notifications the old version left pending go out once.
    expect(notifier.published).toHaveLength(4);
    const after = await store.getObjectiveStates([{ contract: 'checkout', objective: 'availability' }]);
    expect(after.get('checkout#availability')?.outbox).toEqual({});
    expect(after.get('checkout#availability')?.ledger?.through).toBeGreaterThan(fixture.clockMs - 10 * MIN);
    // The override the old version recorded is still listed; its frozen gates are registered for listGates.
    expect((await store.listOverrides()).map((o) => o.by)).toEqual(['VP Eng']);
    expect((await store.listGates()).map((g) => g.pipeline).sort()).toEqual(['shop-payments', 'shop-web']);
    // History written by the old version is still read.
    expect((await store.queryHistory('objective:checkout#availability', 0, fixture.clockMs + 1)).some((h) => h.type === 'evaluation')).toBe(true);
  });
});

describe('400 days of evaluations: the store stays small', () => {
  it('items per objective stay bounded (TTL-aware census), history holds events only', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const clock = new ManualClock(start);
    const traffic = new Traffic();
    // One incident a month, 30,000 or 40,000 bad requests (of 4.32 million in 30 days, 43,200 allowed at 99 %):
    // warning, or frozen with shop-web frozen, then the recovery a month later.
    for (let m = 0; m < 14; m++) traffic.burst(Date.UTC(2026, m, 10, 12), m % 2 === 0 ? 30_000 : 40_000);
    const store = new MemoryStore(() => clock.now());
    const ports: Ports = { clock, store, notifier: new MemoryNotifier(), gate: new MemoryGate(clock).addStage('shop-web', 'Production').addStage('shop-payments', 'Production'), metrics: new MemoryMetrics(traffic.generate) };
    const contract = checkout({ window: { rolling: '30d' } });
    let runs = 0;
    // Runs every 6 hours (the ledger catches up gaps shorter than a day, so the stored shape is that of
    // 5-minute runs; the bench measures those).
    for (let t = start; t <= start + 400 * DAY; t += 6 * HOUR) {
      clock.set(t);
      await evaluate(ports, [contract], OPTIONS);
      runs++;
    }
    const census = store.census(clock.now());
    expect(runs).toBe(1_601);
    // The first release kept one history item per run: 115,200 per objective at a 5-minute cadence.
    expect(census.history).toBeGreaterThan(20); // the incidents' tier changes, freezes and notifications
    expect(census.history).toBeLessThan(200);
    expect(census.gates).toBe(2);
    expect(census.dailySummaries).toBeGreaterThanOrEqual(399);
    expect(census.dailySummaries).toBeLessThanOrEqual(401);
    expect(census.hourChunks).toBeLessThanOrEqual(5 * 24 + 1);
    expect(census.dayChunks).toBeLessThanOrEqual(100);
    expect(census.objectives).toBe(1);
    const { bytes, ...counts } = census;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(bytes).toBeLessThan(1_000_000); // under a megabyte per objective after 400 days
    expect(total).toBeLessThan(900);
  }, 120_000);
});
