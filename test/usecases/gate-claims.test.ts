/**
 * Gates exactly once, against DynamoDB (dynalite) and CodePipeline (the peer, through the real adapter and
 * SDK client): overlapping runs call DisableStageTransition and EnableStageTransition once per freeze and
 * unfreeze and announce each once; a run killed at any step (a port throwing there) leaves nothing silent
 * and nothing lost; a hanging CodePipeline neither holds back the page nor loses the gate.
 *
 * Scenario: checkout (1 d window, 99 %: 144,000 events a day, 1,440 bad allowed). 1,100 bad -> 23.6 % left:
 * tier `frozen`, which freezes the non-critical shop-web; a day later the burst has rolled out: healthy.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type EvaluateOptions } from '../../functions/usecases/evaluate.ts';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { CodePipelineGate } from '../../functions/adapters/codepipeline.ts';
import { ManualClock, MemoryMetrics, MemoryNotifier } from '../../functions/adapters/memory.ts';
import { REASON_PREFIX } from '../../functions/core/reason.ts';
import type { GatePort, Ports, StorePort } from '../../functions/ports.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { PEER_REGION, startCodePipelinePeer, type CodePipelinePeer } from '../support/codepipeline-peer.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { Traffic } from '../support/traffic.ts';

const RUNS = 12;
const OPTIONS: EvaluateOptions = { overrideHonourMs: 4 * HOUR, claimLeaseMs: MIN };
const WEB = 'shop-web/Production';

let db: Dynalite;
let peer: CodePipelinePeer;
beforeAll(async () => {
  db = await startDynalite();
  peer = await startCodePipelinePeer();
});
afterAll(async () => {
  await peer.stop();
  await db.stop();
});

/** A killed run: what a port throws at the step the run dies at. */
class Killed extends Error {
  override name = 'Killed';
}

async function world() {
  peer.addPipeline('shop-web', ['Source', 'Production']).addPipeline('shop-payments', ['Source', 'Production']);
  peer.calls.length = 0;
  peer.latencyMs = 0;
  peer.heal();
  const clock = new ManualClock(T0);
  const traffic = new Traffic();
  const store: StorePort = new DynamoStore(db.doc, await db.createTable());
  const notifier = new MemoryNotifier();
  const client = new CodePipelineClient({ endpoint: peer.endpoint, region: PEER_REGION, credentials: { accessKeyId: 'AKIDHOME', secretAccessKey: 'x' }, maxAttempts: 1 });
  const gate: GatePort = new CodePipelineGate(client);
  const ports: Ports = { store, clock, notifier, gate, metrics: new MemoryMetrics(traffic.generate) };
  const contract = checkout();
  const run = (over: Partial<Ports> = {}, opts: Partial<EvaluateOptions> = {}) => evaluate({ ...ports, ...over }, [contract], { ...OPTIONS, ...opts });
  await run(); // T0: healthy, recorded
  const w = {
    clock,
    traffic,
    store,
    notifier,
    gate,
    run,
    /** CodePipeline calls that changed something (answered 200, or reached CodePipeline and hung). */
    changes: (op: 'DisableStageTransition' | 'EnableStageTransition') => peer.calls.filter((c) => c.op === op && c.input.pipelineName === 'shop-web' && c.status !== 400),
    told: (event: string) => w.notifier.published.filter((m) => m.attributes.event === event && (m.json.pipeline === undefined || m.json.pipeline === 'shop-web')),
    history: async (type: string) => (await store.queryHistory(`gate:${WEB}`, 0, Number.MAX_SAFE_INTEGER)).filter((h) => h.type === type),
    /** Burn the budget into `frozen` and move to the next run. */
    burn() {
      traffic.burst(T0 + 10 * MIN, 1100);
      clock.set(T0 + HOUR);
    },
  };
  return w;
}

async function nothingPending(store: StorePort) {
  const gate = await store.getGate('shop-web', 'Production');
  expect(gate?.pending).toBeUndefined();
  expect(gate?.outbox).toEqual({});
  const state = (await store.getObjectiveStates([{ contract: 'checkout', objective: 'availability' }])).get('checkout#availability');
  expect(state?.outbox).toEqual({});
}

describe('overlapping runs on a shared gate (dynalite + CodePipeline peer)', () => {
  it(`${RUNS} runs at once freeze with one DisableStageTransition, then lift with one EnableStageTransition, each announced once`, async () => {
    const w = await world();
    peer.latencyMs = 15; // every CodePipeline answer takes a while: the runs overlap inside the calls
    w.burn();
    await Promise.all(Array.from({ length: RUNS }, () => w.run()));
    expect(w.changes('DisableStageTransition')).toHaveLength(1);
    expect(w.told('freeze')).toHaveLength(1);
    expect(await w.history('freeze')).toHaveLength(1);
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: false });
    expect(peer.transition('shop-web', 'Production')?.disabledReason?.startsWith(REASON_PREFIX)).toBe(true);

    w.clock.set(T0 + DAY + 3 * HOUR); // the burst has rolled out of the window: healthy
    await Promise.all(Array.from({ length: RUNS }, () => w.run()));
    expect(w.changes('EnableStageTransition')).toHaveLength(1);
    expect(w.told('unfreeze')).toHaveLength(1);
    expect(await w.history('unfreeze')).toHaveLength(1);
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: true });
    expect(w.changes('DisableStageTransition')).toHaveLength(1);
    await nothingPending(w.store);
  }, 60_000);
});

describe('a run killed at each step leaves nothing silent and nothing lost', () => {
  it('killed before the claim: nothing called; the next run freezes and announces once', async () => {
    const w = await world();
    w.burn();
    const store = Object.create(w.store) as StorePort;
    store.putGate = async (next, expected) => {
      if (next.pending) throw new Killed('killed before claiming the gate');
      return w.store.putGate(next, expected);
    };
    const first = await w.run({ store });
    expect(first.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('error');
    expect(w.changes('DisableStageTransition')).toHaveLength(0);
    w.clock.set(T0 + HOUR + 5 * MIN);
    await w.run();
    expect(w.changes('DisableStageTransition')).toHaveLength(1);
    expect(w.told('freeze')).toHaveLength(1);
    expect(await w.history('freeze')).toHaveLength(1);
    await nothingPending(w.store);
  });

  it('killed right after DisableStageTransition: the next run finds the freeze, records and announces it once, and does not call again', async () => {
    const w = await world();
    w.burn();
    const gate: GatePort = {
      getInboundTransition: (g, o) => w.gate.getInboundTransition(g, o),
      enableInbound: (g, o) => w.gate.enableInbound(g, o),
      disableInbound: async (g, reason, o) => {
        await w.gate.disableInbound(g, reason, o);
        throw new Killed('killed after the CodePipeline call, before recording it');
      },
    };
    const first = await w.run({ gate });
    expect(first.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('error');
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: false });
    expect(w.told('freeze')).toHaveLength(0);
    // The tier change went out and said so: the freeze was not confirmed in that run.
    expect(w.told('tier-change')[0]?.text).toMatch(new RegExp(`- ${WEB}: failed \\(Killed: killed after the CodePipeline call`));

    w.clock.set(T0 + HOUR + 5 * MIN); // past the claim's lease
    const second = await w.run();
    expect(second.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('froze');
    expect(w.changes('DisableStageTransition')).toHaveLength(1);
    expect(w.told('freeze')).toHaveLength(1);
    const freezes = await w.history('freeze');
    expect(freezes).toHaveLength(1);
    expect(freezes[0]?.detail).toMatchObject({ adopted: true, holders: ['checkout#availability'] });

    w.clock.set(T0 + HOUR + 10 * MIN);
    await w.run();
    expect(w.told('freeze')).toHaveLength(1);
    await nothingPending(w.store);
  });

  it('killed right after EnableStageTransition: the next run records and announces the unfreeze once', async () => {
    const w = await world();
    w.burn();
    await w.run();
    w.clock.set(T0 + DAY + 3 * HOUR);
    const gate: GatePort = {
      getInboundTransition: (g, o) => w.gate.getInboundTransition(g, o),
      disableInbound: (g, r, o) => w.gate.disableInbound(g, r, o),
      enableInbound: async (g, o) => {
        await w.gate.enableInbound(g, o);
        throw new Killed('killed after the CodePipeline call, before recording it');
      },
    };
    await w.run({ gate });
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: true });
    expect(w.told('unfreeze')).toHaveLength(0);
    w.clock.set(T0 + DAY + 3 * HOUR + 5 * MIN);
    await w.run();
    expect(w.changes('EnableStageTransition')).toHaveLength(1);
    expect(w.told('unfreeze')).toHaveLength(1);
    expect(await w.history('unfreeze')).toHaveLength(1);
    // Not mistaken for a person's console override either.
    expect(w.notifier.published.filter((m) => m.attributes.event === 'override')).toHaveLength(0);
    await nothingPending(w.store);
  });

  it('killed before sending: the freeze and the tier change stay in the outbox and go out once on the next run', async () => {
    const w = await world();
    w.burn();
    const notifier = { publish: async () => Promise.reject(new Killed('killed before sending')) };
    const first = await w.run({ notifier });
    expect(first.notificationsFailed).toBe(3); // tier change, burn alert, freeze
    expect(first.errors).toBe(3); // failed publishes are evaluation errors
    expect(w.notifier.published).toHaveLength(0);
    w.clock.set(T0 + HOUR + 5 * MIN);
    const second = await w.run();
    expect(second.notificationsSent).toBe(3);
    expect(w.notifier.published.map((m) => m.attributes.event).sort()).toEqual(['burn-alert', 'freeze', 'tier-change']);
    // Rendered when sent: by now the gate is frozen (not by this run).
    expect(w.told('tier-change')[0]?.text).toContain(`- ${WEB}: already frozen (held by checkout#availability)`);
    expect(w.changes('DisableStageTransition')).toHaveLength(1);
    await nothingPending(w.store);
  });

  it('killed while claiming a notification: nothing is sent twice or lost', async () => {
    const w = await world();
    w.burn();
    const store = Object.create(w.store) as StorePort;
    store.claimNotification = async () => {
      throw new Killed('killed before claiming the notification');
    };
    await w.run({ store }).catch(() => undefined);
    w.clock.set(T0 + HOUR + 5 * MIN);
    await w.run();
    w.clock.set(T0 + HOUR + 10 * MIN);
    await w.run();
    expect(w.notifier.published.map((m) => m.attributes.event).sort()).toEqual(['burn-alert', 'freeze', 'tier-change']);
    await nothingPending(w.store);
  });
});

describe('a hanging CodePipeline (accepts the connection, never answers)', () => {
  // The run's gate deadline comes from the Lambda's remaining time: 30.4 s left - 30 s kept for sending = 400 ms.
  const lambda = { remainingMs: () => 30_400 };

  it('does not hold back the tier change or the page: they go out saying the gate is pending, and the next run freezes it', async () => {
    const w = await world();
    w.burn();
    w.traffic.burst(T0 + 40 * MIN, 300); // 1,400 of 1,440: frozen still, and fast enough to page
    peer.hang('GetPipelineState');
    const first = await w.run({}, lambda);
    const web = first.gates.find((g) => g.pipeline === 'shop-web');
    expect(web).toMatchObject({ action: 'pending', status: 'pending: CodePipeline did not answer in time; retried next run' });
    expect(w.notifier.published.map((m) => `${m.attributes.event} ${m.attributes.severity}`)).toEqual(['tier-change info', 'burn-alert page']);
    expect(w.told('tier-change')[0]?.text).toContain(`- ${WEB}: pending: CodePipeline did not answer in time; retried next run`);
    expect(w.changes('DisableStageTransition')).toHaveLength(0);

    peer.heal();
    peer.calls.length = 0;
    w.clock.set(T0 + HOUR + 5 * MIN);
    const second = await w.run({}, lambda);
    expect(second.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('froze');
    expect(w.changes('DisableStageTransition')).toHaveLength(1);
    expect(w.told('freeze')).toHaveLength(1);
  });

  it('a DisableStageTransition that hangs leaves its claim: within the lease other runs wait, after it the next run retries once', async () => {
    const w = await world();
    w.burn();
    peer.hang('DisableStageTransition'); // never reaches CodePipeline
    const first = await w.run({}, lambda);
    expect(first.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('pending');
    expect((await w.store.getGate('shop-web', 'Production'))?.pending).toMatchObject({ effect: 'disable', leaseUntil: T0 + HOUR + MIN });

    w.clock.set(T0 + HOUR + 30_000); // an overlapping delivery inside the lease
    const overlap = await w.run({}, lambda);
    expect(overlap.gates.find((g) => g.pipeline === 'shop-web')).toMatchObject({ action: 'pending', status: 'being changed by an overlapping run' });
    expect(peer.calls.filter((c) => c.op === 'DisableStageTransition')).toHaveLength(1);

    w.clock.set(T0 + HOUR + 5 * MIN);
    await w.run({}, lambda);
    expect(peer.calls.filter((c) => c.op === 'DisableStageTransition')).toHaveLength(2);
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: false });
    expect(w.told('freeze')).toHaveLength(1);
    await nothingPending(w.store);
  });

  it('a DisableStageTransition that took effect but never answered is adopted by the next run, announced once, not called again', async () => {
    const w = await world();
    w.burn();
    peer.hang('DisableStageTransition', { apply: true });
    await w.run({}, lambda);
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: false });
    expect(w.told('freeze')).toHaveLength(0);
    w.clock.set(T0 + HOUR + 5 * MIN);
    await w.run({}, lambda);
    expect(peer.calls.filter((c) => c.op === 'DisableStageTransition')).toHaveLength(1);
    expect(w.told('freeze')).toHaveLength(1);
    await nothingPending(w.store);
  });
});
