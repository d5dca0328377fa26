/**
 * The StorePort contract, as one suite run against every store (MemoryStore, DynamoStore on dynalite).
 * A use case tested against the twin can rely on exactly these behaviours in DynamoDB.
 */
import { describe, expect, it } from 'vitest';
import { StoreValueError, VersionStepError } from '../../functions/adapters/memory.ts';
import type { GateState, HistoryEntry, ObjectiveState, OutboundMessage, Override, PendingNotification, RecordRef, StorePort } from '../../functions/ports.ts';

export const T0 = Date.UTC(2026, 10, 20, 14, 5, 0); // 2026-11-20T14:05:00Z

export function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    subject: 'checkout availability: healthy -> warning',
    text: 'Budget remaining 42.5 %',
    json: { remainingPct: 42.5, nested: { list: [1, 2, 3] } },
    attributes: { contract: 'checkout', objective: 'availability', tier: 'warning', previousTier: 'healthy', severity: 'info', event: 'tier-change' },
    ...over,
  };
}

export function pending(id: string, over: Partial<PendingNotification> = {}): PendingNotification {
  return { id, createdAt: T0, message: message(), attempts: 0, ...over };
}

export function objectiveState(over: Partial<ObjectiveState> = {}): ObjectiveState {
  return {
    contract: 'checkout',
    objective: 'availability',
    tier: 'healthy',
    tierSince: T0 - 3_600_000,
    remainingPct: 87.5,
    burnRates: { '5m': 0.5, '1h': 1.25 },
    activeAlerts: [],
    status: 'ok',
    lastEvaluatedAt: T0,
    version: 1,
    outbox: {},
    ...over,
  };
}

export function gateState(over: Partial<GateState> = {}): GateState {
  return {
    pipeline: 'shop-web',
    stage: 'Production',
    holders: { 'checkout#availability': T0 },
    disabledByUs: true,
    disabledAt: T0,
    disabledReason: 'slo-contracts froze this stage',
    version: 1,
    outbox: {},
    ...over,
  };
}

const OBJ_REF: RecordRef = { kind: 'objective', contract: 'checkout', objective: 'availability' };
const GATE_REF: RecordRef = { kind: 'gate', pipeline: 'shop-web', stage: 'Production' };

async function readObjective(store: StorePort, contract = 'checkout', objective = 'availability'): Promise<ObjectiveState | undefined> {
  return (await store.getObjectiveStates([{ contract, objective }])).get(`${contract}#${objective}`);
}

export function describeStoreContract(name: string, makeStore: () => Promise<StorePort> | StorePort): void {
  describe(`StorePort contract: ${name}`, () => {
    describe('objective state versions', () => {
      it('creates once: a second create (expected version 0) loses and the first write stays', async () => {
        const store = await makeStore();
        expect(await store.putObjectiveState(objectiveState({ remainingPct: 80 }), 0)).toBe(true);
        expect(await store.putObjectiveState(objectiveState({ remainingPct: 10 }), 0)).toBe(false);
        expect((await readObjective(store))?.remainingPct).toBe(80);
      });

      it('refuses a stale version, and the re-read shows the winner so the next write succeeds', async () => {
        const store = await makeStore();
        await store.putObjectiveState(objectiveState(), 0);
        expect(await store.putObjectiveState(objectiveState({ version: 2, tier: 'warning' }), 1)).toBe(true);
        expect(await store.putObjectiveState(objectiveState({ version: 2, tier: 'frozen' }), 1)).toBe(false);
        const reread = await readObjective(store);
        expect(reread).toMatchObject({ version: 2, tier: 'warning' });
        expect(await store.putObjectiveState(objectiveState({ version: 3, tier: 'frozen' }), reread!.version)).toBe(true);
        expect((await readObjective(store))?.tier).toBe('frozen');
      });

      it('refuses an update of a record that does not exist', async () => {
        const store = await makeStore();
        expect(await store.putObjectiveState(objectiveState({ version: 4 }), 3)).toBe(false);
        expect(await readObjective(store)).toBeUndefined();
      });

      it('throws VersionStepError when next.version is not expectedVersion + 1', async () => {
        const store = await makeStore();
        await expect(store.putObjectiveState(objectiveState({ version: 3 }), 0)).rejects.toThrow(VersionStepError);
      });

      it('lets exactly one of 24 concurrent writers with the same expected version win', async () => {
        const store = await makeStore();
        await store.putObjectiveState(objectiveState(), 0);
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) => store.putObjectiveState(objectiveState({ version: 2, remainingPct: i }), 1)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await readObjective(store)).toMatchObject({ version: 2, remainingPct: winner });
      });

      it('lets exactly one of 24 concurrent creators win', async () => {
        const store = await makeStore();
        const results = await Promise.all(Array.from({ length: 24 }, (_, i) => store.putObjectiveState(objectiveState({ remainingPct: i }), 0)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await readObjective(store))?.remainingPct).toBe(results.indexOf(true));
      });

      it('round-trips every field, drops undefined ones and keeps null', async () => {
        const store = await makeStore();
        const state = objectiveState({ tier: null, remainingPct: null, statusDetail: undefined, outbox: { n1: pending('n1') } });
        await store.putObjectiveState(state, 0);
        const { statusDetail: _dropped, ...expected } = state;
        const read = await readObjective(store);
        expect(read).toEqual(expected);
        expect(read && 'statusDetail' in read).toBe(false);
      });

      it('refuses non-finite numbers with the path that held them', async () => {
        const store = await makeStore();
        await expect(store.putObjectiveState(objectiveState({ burnRates: { '1h': Number.POSITIVE_INFINITY } }), 0)).rejects.toThrow(
          StoreValueError,
        );
        await expect(store.putObjectiveState(objectiveState({ burnRates: { '1h': Number.NaN } }), 0)).rejects.toThrow(/burnRates\.1h/);
      });

      it('hands out copies: mutating what was read or written changes nothing stored', async () => {
        const store = await makeStore();
        const written = objectiveState({ activeAlerts: ['page-1h'] });
        await store.putObjectiveState(written, 0);
        written.activeAlerts.push('mutated-after-write');
        const read = await readObjective(store);
        read!.activeAlerts.push('mutated-after-read');
        read!.burnRates['5m'] = 99;
        expect(await readObjective(store)).toMatchObject({ activeAlerts: ['page-1h'], burnRates: { '5m': 0.5 } });
      });

      it('gets several by key (missing ones absent), other records aside', async () => {
        const store = await makeStore();
        await store.putObjectiveState(objectiveState({ contract: 'search', objective: 'latency' }), 0);
        await store.putObjectiveState(objectiveState({ contract: 'checkout', objective: 'latency' }), 0);
        await store.putObjectiveState(objectiveState(), 0);
        await store.putGate(gateState(), 0);
        await store.putOverride(override('o1'));
        await store.appendHistory([{ subject: 'objective:checkout#availability', at: T0, type: 'evaluation', detail: {} }]);

        const got = await store.getObjectiveStates([
          { contract: 'checkout', objective: 'availability' },
          { contract: 'search', objective: 'latency' },
          { contract: 'nope', objective: 'missing' },
          { contract: 'checkout', objective: 'availability' },
        ]);
        expect([...got.keys()].sort()).toEqual(['checkout#availability', 'search#latency']);
        expect(got.get('search#latency')).toMatchObject({ contract: 'search', objective: 'latency' });
      });
    });

    describe('gate state versions', () => {
      it('is absent until created, creates once, refuses stale versions', async () => {
        const store = await makeStore();
        expect(await store.getGate('shop-web', 'Production')).toBeUndefined();
        expect(await store.putGate(gateState(), 0)).toBe(true);
        expect(await store.putGate(gateState({ disabledByUs: false }), 0)).toBe(false);
        expect(await store.putGate(gateState({ version: 2, holders: {} }), 1)).toBe(true);
        expect(await store.putGate(gateState({ version: 2, holders: { x: 1 } }), 1)).toBe(false);
        expect(await store.getGate('shop-web', 'Production')).toMatchObject({ version: 2, holders: {} });
      });

      it('lets exactly one of 24 concurrent writers win', async () => {
        const store = await makeStore();
        await store.putGate(gateState(), 0);
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) => store.putGate(gateState({ version: 2, holders: { [`c#${i}`]: i } }), 1)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await store.getGate('shop-web', 'Production'))?.holders).toEqual({ [`c#${winner}`]: winner });
      });

      it('lists the gates ever frozen or held (registered by their writes), ordered by pipeline and stage', async () => {
        const store = await makeStore();
        await store.putGate(gateState({ pipeline: 'shop-web', stage: 'Staging' }), 0);
        await store.putGate(gateState({ pipeline: 'shop-payments' }), 0);
        await store.putGate(gateState(), 0);
        // Never frozen nor held: found by key, not listed.
        await store.putGate(gateState({ pipeline: 'quiet', holders: {}, disabledByUs: false }), 0);
        await store.putObjectiveState(objectiveState(), 0);
        expect((await store.listGates()).map((g) => `${g.pipeline}/${g.stage}`)).toEqual([
          'shop-payments/Production',
          'shop-web/Production',
          'shop-web/Staging',
        ]);
        // A released gate stays registered: it is how a gate that left the contracts is still found.
        await store.putGate(gateState({ version: 2, holders: {}, disabledByUs: false }), 1);
        expect((await store.listGates()).map((g) => `${g.pipeline}/${g.stage}`)).toContain('shop-web/Production');
        expect((await store.getGates([{ pipeline: 'quiet', stage: 'Production' }, { pipeline: 'nope', stage: 'x' }])).map((g) => g.pipeline)).toEqual(['quiet']);
      });

      it('registers gates explicitly (an upgraded table), idempotently', async () => {
        const store = await makeStore();
        await store.putGate(gateState({ holders: {}, disabledByUs: false }), 0);
        expect(await store.listGates()).toEqual([]);
        await store.registerGates([{ pipeline: 'shop-web', stage: 'Production' }]);
        await store.registerGates([{ pipeline: 'shop-web', stage: 'Production' }]);
        expect((await store.listGates()).map((g) => g.pipeline)).toEqual(['shop-web']);
      });
    });

    describe.each([
      ['objective', OBJ_REF],
      ['gate', GATE_REF],
    ] as const)('outbox on a %s record', (_kind, ref) => {
      const create = async (store: StorePort, outbox: Record<string, PendingNotification>) => {
        if (ref.kind === 'objective') await store.putObjectiveState(objectiveState({ outbox }), 0);
        else await store.putGate(gateState({ outbox }), 0);
      };
      const read = async (store: StorePort) =>
        ref.kind === 'objective' ? await readObjective(store) : await store.getGate(ref.pipeline, ref.stage);
      const next = (store: StorePort, version: number, expected: number) =>
        ref.kind === 'objective'
          ? store.putObjectiveState(objectiveState({ version, remainingPct: 1 }), expected)
          : store.putGate(gateState({ version, holders: {} }), expected);

      it('gives a claim to exactly one of 24 concurrent claimants', async () => {
        const store = await makeStore();
        await create(store, { n1: pending('n1') });
        const results = await Promise.all(Array.from({ length: 24 }, (_, i) => store.claimNotification(ref, 'n1', T0 + 60_000 + i, T0)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await read(store))?.outbox.n1?.claimedUntil).toBe(T0 + 60_000 + results.indexOf(true));
      });

      it('refuses a claim while the lease holds and grants it once the lease is past', async () => {
        const store = await makeStore();
        await create(store, { n1: pending('n1') });
        expect(await store.claimNotification(ref, 'n1', T0 + 1000, T0)).toBe(true);
        expect(await store.claimNotification(ref, 'n1', T0 + 5000, T0 + 999)).toBe(false);
        // Lease is held up to and including claimedUntil: `claimedUntil < now` frees it.
        expect(await store.claimNotification(ref, 'n1', T0 + 5000, T0 + 1000)).toBe(false);
        expect(await store.claimNotification(ref, 'n1', T0 + 5000, T0 + 1001)).toBe(true);
        expect((await read(store))?.outbox.n1?.claimedUntil).toBe(T0 + 5000);
      });

      it('refuses a claim of an unknown notification or on a missing record', async () => {
        const store = await makeStore();
        expect(await store.claimNotification(ref, 'n1', T0 + 1000, T0)).toBe(false);
        await create(store, { n1: pending('n1') });
        expect(await store.claimNotification(ref, 'other', T0 + 1000, T0)).toBe(false);
      });

      it('completes: removes the entry, keeps the others, bumps the version once; a second complete is a no-op', async () => {
        const store = await makeStore();
        await create(store, { n1: pending('n1'), n2: pending('n2') });
        await store.claimNotification(ref, 'n1', T0 + 1000, T0);
        await store.completeNotification(ref, 'n1');
        await store.completeNotification(ref, 'n1');
        const after = await read(store);
        expect(Object.keys(after!.outbox)).toEqual(['n2']);
        // create (1) + claim (2) + complete (3); the no-op complete changes nothing.
        expect(after!.version).toBe(3);
        expect(await store.claimNotification(ref, 'n1', T0 + 2000, T0 + 1500)).toBe(false);
      });

      it('completing or releasing on a missing record creates nothing', async () => {
        const store = await makeStore();
        await store.completeNotification(ref, 'n1');
        await store.releaseNotification(ref, 'n1', 'boom');
        expect(await read(store)).toBeUndefined();
        expect(ref.kind === 'objective' ? [...(await store.getObjectiveStates([{ contract: 'checkout', objective: 'availability' }])).values()] : await store.getGates([{ pipeline: 'shop-web', stage: 'Production' }])).toEqual([]);
      });

      it('releases: counts the attempt, keeps the error, frees the claim, bumps the version', async () => {
        const store = await makeStore();
        await create(store, { n1: pending('n1', { attempts: 2 }) });
        expect(await store.claimNotification(ref, 'n1', T0 + 60_000, T0)).toBe(true);
        await store.releaseNotification(ref, 'n1', 'SNS said no');
        const after = await read(store);
        expect(after!.outbox.n1).toEqual({ ...pending('n1'), attempts: 3, lastError: 'SNS said no' });
        expect(after!.version).toBe(3);
        // Released before the lease ran out: claimable again at once.
        expect(await store.claimNotification(ref, 'n1', T0 + 60_000, T0 + 1)).toBe(true);
        await store.releaseNotification(ref, 'gone', 'no-op');
        expect(Object.keys((await read(store))!.outbox)).toEqual(['n1']);
      });

      it('outbox changes bump the version, so a run holding an older copy cannot put a sent notification back', async () => {
        const store = await makeStore();
        await create(store, { n1: pending('n1') });
        // Another run claims, sends and completes n1 while this run still holds version 1.
        expect(await store.claimNotification(ref, 'n1', T0 + 1000, T0)).toBe(true);
        await store.completeNotification(ref, 'n1');
        // This run's put (from version 1, outbox still holding n1) loses and must re-read.
        expect(await next(store, 2, 1)).toBe(false);
        const fresh = await read(store);
        expect(fresh!.version).toBe(3);
        expect(fresh!.outbox).toEqual({});
        expect(await next(store, 4, 3)).toBe(true);
      });
    });

    describe('overrides', () => {
      it('puts, lists by id, revokes once', async () => {
        const store = await makeStore();
        await store.putOverride(override('ovr-b', { scope: 'gate:shop-web/Production', source: 'console' }));
        await store.putOverride(override('ovr-a'));
        expect((await store.listOverrides()).map((o) => o.id)).toEqual(['ovr-a', 'ovr-b']);
        expect((await store.listOverrides())[1]).toEqual(override('ovr-b', { scope: 'gate:shop-web/Production', source: 'console' }));

        expect(await store.revokeOverride('ovr-a', 'CTO', T0 + 5)).toBe(true);
        expect(await store.revokeOverride('ovr-a', 'someone else', T0 + 9)).toBe(false);
        expect(await store.revokeOverride('missing', 'CTO', T0)).toBe(false);
        expect((await store.listOverrides())[0]).toEqual({ ...override('ovr-a'), revokedAt: T0 + 5, revokedBy: 'CTO' });
        // Revoking did not create the missing one.
        expect(await store.listOverrides()).toHaveLength(2);
      });

      it('a put with an existing id replaces it', async () => {
        const store = await makeStore();
        await store.putOverride(override('o1'));
        await store.putOverride(override('o1', { until: T0 + 99 }));
        expect(await store.listOverrides()).toEqual([override('o1', { until: T0 + 99 })]);
      });
    });

    describe('ledger chunks, daily summaries, catalog', () => {
      it('puts and gets chunks by reference across objectives; absent ones left out; a put replaces', async () => {
        const store = await makeStore();
        const chunk = (id: string, v: number) => ({ id, startMs: T0, periodMs: 60_000, good: [v, 0, v], total: [v, 1, v] });
        await store.putChunks([
          { contract: 'checkout', objective: 'availability', chunk: chunk('H2026-11-20T14', 1) },
          { contract: 'checkout', objective: 'latency', chunk: chunk('H2026-11-20T14', 2) },
        ]);
        await store.putChunks([{ contract: 'checkout', objective: 'availability', chunk: chunk('H2026-11-20T14', 3) }]);
        const got = await store.getChunks([
          { contract: 'checkout', objective: 'availability', id: 'H2026-11-20T14' },
          { contract: 'checkout', objective: 'latency', id: 'H2026-11-20T14' },
          { contract: 'checkout', objective: 'latency', id: 'D2026-11-19' },
        ]);
        expect([...got.keys()].sort()).toEqual(['checkout#availability|H2026-11-20T14', 'checkout#latency|H2026-11-20T14']);
        expect(got.get('checkout#availability|H2026-11-20T14')).toEqual(chunk('H2026-11-20T14', 3));
      });

      it('writes daily summaries and reads a range of days, oldest first', async () => {
        const store = await makeStore();
        const day = (d: string, remainingPct: number) => ({
          contract: 'checkout',
          objective: 'availability',
          day: d,
          remainingPct,
          minRemainingPct: remainingPct - 1,
          tier: 'healthy',
          status: 'ok' as const,
          burnRates: { '1h': 0.5 },
          tierChanges: 0,
          alertsStarted: 0,
          lastEvaluatedAt: T0,
        });
        await store.putDailySummaries([day('2026-11-19', 90), day('2026-11-17', 95), day('2026-11-18', 93)]);
        expect((await store.queryDailySummaries('checkout', 'availability', '2026-11-18', '2026-11-19')).map((d) => d.remainingPct)).toEqual([93, 90]);
        expect(await store.queryDailySummaries('checkout', 'latency', '2026-11-01', '2026-11-30')).toEqual([]);
      });

      it('keeps one catalog entry per contract, listed by name', async () => {
        const store = await makeStore();
        const entry = (contract: string, hash: string) => ({ contract, hash, updatedAt: T0, definition: { metadata: { name: contract } } as never });
        await store.putCatalog([entry('search', 'a'), entry('checkout', 'b')]);
        await store.putCatalog([entry('search', 'c')]);
        expect((await store.listCatalog()).map((e) => `${e.contract}:${e.hash}`)).toEqual(['checkout:b', 'search:c']);
      });
    });

    describe('history', () => {
      it('appends more than 25 entries (several batches) and reads a range oldest first, from inclusive, to exclusive', async () => {
        const store = await makeStore();
        const subject = 'objective:checkout#availability';
        // 60 entries one minute apart, newest first, plus noise on another subject.
        const entries: HistoryEntry[] = Array.from({ length: 60 }, (_, i) => ({
          subject,
          at: T0 + (59 - i) * 60_000,
          type: 'evaluation',
          detail: { minute: 59 - i, remainingPct: 50 - i / 2 },
        }));
        entries.push({ subject: 'gate:shop-web/Production', at: T0 + 60_000, type: 'freeze', detail: {} });
        await store.appendHistory(entries);

        const all = await store.queryHistory(subject, T0, T0 + 60 * 60_000);
        expect(all).toHaveLength(60);
        expect(all.map((e) => e.detail.minute)).toEqual(Array.from({ length: 60 }, (_, i) => i));
        expect(all[10]).toEqual({ subject, at: T0 + 10 * 60_000, type: 'evaluation', detail: { minute: 10, remainingPct: 50 - 49 / 2 } });

        const range = await store.queryHistory(subject, T0 + 10 * 60_000, T0 + 40 * 60_000);
        expect(range.map((e) => e.detail.minute)).toEqual(Array.from({ length: 30 }, (_, i) => 10 + i));
        // One ms either side moves the bounds.
        expect(await store.queryHistory(subject, T0 + 10 * 60_000 + 1, T0 + 40 * 60_000 + 1)).toHaveLength(30);
        expect((await store.queryHistory(subject, T0 + 10 * 60_000 + 1, T0 + 40 * 60_000 + 1))[0]?.detail.minute).toBe(11);
        expect(await store.queryHistory(subject, T0 + 5 * 60_000, T0 + 5 * 60_000)).toEqual([]);
        expect(await store.queryHistory('objective:none#none', 0, T0 * 2)).toEqual([]);
        expect(await store.queryHistory('gate:shop-web/Production', 0, T0 * 2)).toHaveLength(1);
      });

      it('keeps append order for entries of one batch at the same instant, and accepts an empty append', async () => {
        const store = await makeStore();
        const subject = 'objective:checkout#latency';
        const types = ['evaluation', 'tier-change', 'freeze', 'notification-sent'];
        await store.appendHistory(types.map((type) => ({ subject, at: T0, type, detail: {} })));
        await store.appendHistory([]);
        expect((await store.queryHistory(subject, T0, T0 + 1)).map((e) => e.type)).toEqual(types);
      });
    });
  });
}

export function override(id: string, over: Partial<Override> = {}): Override {
  return {
    id,
    scope: 'contract:checkout',
    by: 'VP Eng',
    reason: 'launch day',
    createdAt: T0,
    until: T0 + 86_400_000,
    source: 'command',
    ...over,
  };
}
