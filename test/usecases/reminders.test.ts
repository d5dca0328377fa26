/**
 * Review reminders: 14 days before `reviewBy` and on it, one announcement each, exactly once across repeated
 * runs (in memory) and overlapping runs (concurrent evaluations on dynalite); a failed send is retried by the
 * next run's drain, still once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier } from '../../functions/adapters/memory.ts';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { sendReviewReminders } from '../../functions/usecases/reminders.ts';
import { readStatus } from '../../functions/usecases/status.ts';
import type { Ports } from '../../functions/ports.ts';
import { checkout, DAY, HOUR, T0 } from '../support/contracts.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { Traffic } from '../support/traffic.ts';
import { world } from '../support/world.ts';

const OPTIONS = { overrideHonourMs: HOUR };
// T0 is 2026-11-02: the 14-day reminder is owed from 2026-11-06 for a review by 2026-11-20.
const contract = checkout({ reviewBy: '2026-11-20' });
const SOON = Date.parse('2026-11-06T00:05:00Z');
const DUE = Date.parse('2026-11-20T00:05:00Z');
const reminders = (n: MemoryNotifier) => n.published.filter((m) => m.attributes.event === 'review-reminder');

describe('review reminders (in memory)', () => {
  it('one 14 days before, one on the day (leadership too), however many runs', async () => {
    const { clock, notifier, ports, store } = world();
    await evaluate(ports, [contract], OPTIONS);
    expect(reminders(notifier)).toEqual([]);
    for (const t of [SOON, SOON + HOUR, SOON + DAY, SOON + 5 * DAY]) {
      clock.set(t);
      await evaluate(ports, [contract], OPTIONS);
    }
    expect(reminders(notifier).map((m) => m.subject)).toEqual(['[SLO info] checkout: contract review due in 14 days (by 2026-11-20)']);
    for (const t of [DUE, DUE + HOUR, DUE + 3 * DAY]) {
      clock.set(t);
      await evaluate(ports, [contract], OPTIONS);
    }
    expect(reminders(notifier).map((m) => [m.subject, m.attributes.audience])).toEqual([
      ['[SLO info] checkout: contract review due in 14 days (by 2026-11-20)', undefined],
      ['[SLO ticket] checkout: contract review due today (2026-11-20)', ['leadership']],
    ]);
    // Recorded on the first objective's state, and on the record.
    const state = (await store.getObjectiveStates([{ contract: 'checkout', objective: 'availability' }])).get('checkout#availability');
    expect(state?.reviewReminders?.map((m) => [m.reviewBy, m.kind, m.at])).toEqual([
      ['2026-11-20', 'due-soon', SOON],
      ['2026-11-20', 'due', DUE],
    ]);
    expect(state?.outbox).toEqual({});
    expect((await store.queryHistory('contract:checkout', 0, DUE + 10 * DAY)).map((h) => h.detail)).toEqual([
      { kind: 'due-soon', reviewBy: '2026-11-20', audience: [] },
      { kind: 'due', reviewBy: '2026-11-20', audience: ['leadership'] },
    ]);
    // The marks survive the evaluator's own writes in between (they ride on the state it rewrites each run).
    expect((await readStatus(store, DUE + 3 * DAY)).reviewsDue.map((r) => r.state)).toEqual(['overdue']);
  });

  it('a send that fails stays pending and the next run sends it, once', async () => {
    const { clock, notifier, ports } = world();
    await evaluate(ports, [contract], OPTIONS);
    clock.set(SOON);
    notifier.failNext(1);
    await evaluate(ports, [contract], OPTIONS);
    expect(reminders(notifier)).toEqual([]);
    clock.set(SOON + 5 * 60_000);
    await evaluate(ports, [contract], OPTIONS);
    clock.set(SOON + 10 * 60_000);
    await evaluate(ports, [contract], OPTIONS);
    expect(reminders(notifier).map((m) => m.json.kind)).toEqual(['due-soon']);
  });

  it('redeployed with a new date but the old sign-offs: flagged until every role signs again', async () => {
    const { clock, ports, store } = world();
    await evaluate(ports, [contract], OPTIONS);
    clock.set(DUE);
    await evaluate(ports, [contract], OPTIONS); // the review comes due: reminder recorded for 2026-11-20
    const moved = checkout({ reviewBy: '2027-02-15' });
    clock.set(DUE + DAY);
    await evaluate(ports, [moved], OPTIONS);
    expect((await readStatus(store, DUE + DAY)).reviewsDue.map((r) => [r.state, r.staleRoles])).toEqual([['unsigned', ['engineering', 'product', 'business']]]);
    const signed = checkout({
      reviewBy: '2027-02-15',
      signedOff: [
        { role: 'engineering', by: 'Ana Ortiz', on: '2026-11-18' },
        { role: 'product', by: 'Sam Lee', on: '2026-11-19' },
        { role: 'business', by: 'Kim Park', on: '2026-11-21' },
      ],
    });
    clock.set(DUE + 2 * DAY);
    await evaluate(ports, [signed], OPTIONS);
    expect((await readStatus(store, DUE + 2 * DAY)).reviewsDue).toEqual([]);
  });

  it('a contract whose objectives were never evaluated waits for its state', async () => {
    const { notifier, store } = world();
    const out = await sendReviewReminders({ store, notifier }, [contract], new Map(), SOON);
    expect(out).toEqual([{ contract: 'checkout', reviewBy: '2026-11-20', kind: 'due-soon', outcome: 'not-evaluated' }]);
    expect(notifier.published).toEqual([]);
  });
});

describe('review reminders across overlapping runs (dynalite)', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('six evaluations at once on the day each reminder is owed: each goes out once', async () => {
    const store = new DynamoStore(db.doc, await db.createTable());
    const notifier = new MemoryNotifier();
    const traffic = new Traffic();
    const portsAt = (t: number): Ports => ({
      clock: new ManualClock(t),
      store,
      notifier,
      metrics: new MemoryMetrics(traffic.generate),
      gate: new MemoryGate().addStage('shop-web', 'Production').addStage('shop-payments', 'Production'),
    });
    await evaluate(portsAt(T0), [contract], OPTIONS);
    // Overlapping runs a few seconds apart (EventBridge delivers at least once).
    await Promise.all(Array.from({ length: 6 }, (_, i) => evaluate(portsAt(SOON + i * 1000), [contract], OPTIONS)));
    expect(reminders(notifier).map((m) => m.json.kind)).toEqual(['due-soon']);
    await Promise.all(Array.from({ length: 6 }, (_, i) => evaluate(portsAt(DUE + i * 1000), [contract], OPTIONS)));
    await evaluate(portsAt(DUE + HOUR), [contract], OPTIONS);
    expect(reminders(notifier).map((m) => m.json.kind)).toEqual(['due-soon', 'due']);
    // The same with the use case alone, racing on one stale view of the states: one write wins.
    const stale = await store.getObjectiveStates([{ contract: 'checkout', objective: 'availability' }]);
    const later = checkout({ reviewBy: '2026-12-01' }); // owed due-soon from 11-17
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => sendReviewReminders({ store, notifier }, [later], stale, Date.parse('2026-11-21T00:00:00Z'))));
    expect(outcomes.flat().map((o) => o.outcome).sort()).toEqual(['recorded', 'taken', 'taken', 'taken', 'taken', 'taken']);
    expect(reminders(notifier).map((m) => m.json.reviewBy)).toEqual(['2026-11-20', '2026-11-20', '2026-12-01']);
  }, 60_000);
});
