/**
 * Fan-out by contract shard: shards judge their contracts' objectives, one gates phase reconciles every gate
 * from the recorded states, so a gate shared by contracts in different shards freezes and lifts exactly once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier } from '../../functions/adapters/memory.ts';
import { contractsOfShard, shardCountFor, ShardError } from '../../functions/core/shards.ts';
import { phaseOf, EvaluatorEventError } from '../../functions/handlers/evaluate-event.ts';
import type { Ports } from '../../functions/ports.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { Traffic } from '../support/traffic.ts';

const OPTIONS = { overrideHonourMs: 4 * HOUR };
const SHARED = [{ pipeline: 'shop-web', stage: 'Production', critical: false }];

describe('contract shards', () => {
  it('every contract is in exactly one shard, shards balanced by objectives, whatever the order (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (sizes, count) => {
        const contracts = sizes.map((n, i) =>
          checkout({ objectives: Array.from({ length: n }, (_, j) => ({ ...checkout().spec.objectives[0]!, name: `o${j}` })) as never }, `c${String(i).padStart(2, '0')}`),
        );
        const shards = Array.from({ length: count }, (_, i) => contractsOfShard(contracts, i, count).map((c) => c.metadata.name));
        expect(shards.flat().sort()).toEqual(contracts.map((c) => c.metadata.name).sort());
        const reversed = Array.from({ length: count }, (_, i) => contractsOfShard([...contracts].reverse(), i, count).map((c) => c.metadata.name));
        expect(reversed).toEqual(shards);
        const load = shards.map((names) => names.reduce((n, name) => n + (sizes[Number(name.slice(1))] ?? 0), 0));
        expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(3);
      }),
    );
  });

  it('counts shards and refuses impossible ones', () => {
    expect(shardCountFor(10_000, 5_000)).toBe(2);
    expect(shardCountFor(10_001, 5_000)).toBe(3);
    expect(shardCountFor(0, 5_000)).toBe(1);
    expect(() => contractsOfShard([checkout()], 2, 2)).toThrow(ShardError);
  });

  it('reads the run from the event: a schedule is a whole run; the state machine names the phase', () => {
    expect(phaseOf({ 'detail-type': 'Scheduled Event' })).toEqual({ phase: 'all' });
    expect(phaseOf(undefined)).toEqual({ phase: 'all' });
    expect(phaseOf({ phase: 'objectives', shard: { index: 1, count: 3 } })).toEqual({ phase: 'objectives', shard: { index: 1, count: 3 } });
    expect(phaseOf({ phase: 'gates' })).toEqual({ phase: 'gates' });
    expect(() => phaseOf({ phase: 'objectives' })).toThrow(EvaluatorEventError);
  });
});

describe('a run fanned out over 3 shards on dynalite', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('freezes a gate shared by six contracts once, announces each change once, and lifts it once', async () => {
    const clock = new ManualClock(T0);
    const traffic = new Traffic();
    const store = new DynamoStore(db.doc, await db.createTable(), { now: () => clock.now() });
    const gate = new MemoryGate(clock).addStage('shop-web', 'Production');
    const notifier = new MemoryNotifier();
    const ports: Ports = { clock, store, notifier, gate, metrics: new MemoryMetrics(traffic.generate) };
    const contracts = Array.from({ length: 6 }, (_, i) => checkout({ gates: SHARED }, `svc-${i}`));
    const fannedOut = async () => {
      const shards = await Promise.all([0, 1, 2].map((index) => evaluate(ports, contracts, { ...OPTIONS, run: { phase: 'objectives', shard: { index, count: 3 } } })));
      expect(shards.flatMap((s) => s.objectives.map((o) => o.contract)).sort()).toEqual(contracts.map((c) => c.metadata.name));
      // Shards send nothing and touch no gate: that is the gates phase's.
      expect(shards.every((s) => s.gates.length === 0 && s.notificationsSent === 0)).toBe(true);
      return evaluate(ports, contracts, { ...OPTIONS, run: { phase: 'gates' } });
    };

    await fannedOut();
    traffic.burst(T0 + 10 * MIN, 1100); // every contract: 1,100 of 1,440 allowed -> frozen, which freezes shop-web
    clock.set(T0 + HOUR);
    const frozen = await fannedOut();
    expect(frozen.gates.map((g) => g.action)).toEqual(['froze']);
    expect(gate.calls.filter((c) => c.op === 'disable')).toHaveLength(1);
    const events = notifier.published.map((m) => m.attributes.event);
    expect(events.filter((e) => e === 'freeze')).toHaveLength(1);
    expect(events.filter((e) => e === 'tier-change')).toHaveLength(6);
    expect((await store.getGate('shop-web', 'Production'))?.holders).toEqual(Object.fromEntries(contracts.map((c) => [`${c.metadata.name}#availability`, T0 + HOUR])));

    // A day later the burst has left every window: one enable, one unfreeze message.
    clock.set(T0 + DAY + 2 * HOUR);
    const lifted = await fannedOut();
    expect(lifted.gates.map((g) => g.action)).toEqual(['unfroze']);
    expect(gate.calls.filter((c) => c.op === 'enable')).toHaveLength(1);
    expect(notifier.published.filter((m) => m.attributes.event === 'unfreeze')).toHaveLength(1);
  });
});
