import { beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { MemoryGate, MemoryMetrics, type MemoryNotifier } from '../../functions/adapters/memory.ts';
import { GateNotFoundError } from '../../functions/ports.ts';
import { REASON_PATTERN, REASON_PREFIX } from '../../functions/core/reason.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { world } from '../support/world.ts';

const OPTIONS = { overrideHonourMs: 4 * HOUR };

/** What was announced, in order, in a compact form that reads like the scenario. */
function announced(notifier: MemoryNotifier): string[] {
  return notifier.published.map((m) => {
    const a = m.attributes;
    if (a.event === 'tier-change') return `tier ${a.previousTier}->${a.tier} ${a.severity}`;
    if (a.event === 'burn-alert') return `burn ${String(m.json.alert)} ${a.severity}`;
    return `${a.event} ${String(m.json.pipeline ?? m.json.scope)}`;
  });
}

describe('evaluate: a budget burnt through every tier and recovered', () => {
  // Window 1 d, target 99 %: 100 req/min = 144,000 events a day, so 1,440 bad events are allowed.
  // Tier thresholds (default policy): healthy > 50 %, warning > 25 %, frozen > 0 %, exhausted below.
  it('announces each change once, freezes non-critical then critical gates, and lifts both on recovery', async () => {
    const w = world();
    const contract = checkout();
    const run = () => evaluate(w.ports, [contract], OPTIONS);

    // T0: a clean day. Healthy is the best tier, so the first evaluation announces nothing.
    let s = await run();
    expect(s.objectives[0]).toMatchObject({ tier: 'healthy', status: 'ok', remainingPct: 100 });
    expect(w.notifier.published).toHaveLength(0);

    // 800 bad: consumed 800/1440 -> 44.4 % left: warning. The 6 h burn (800/36,000 / 1 % = 2.22) and the
    // 3 d burn (0.185) both exceed the 1 d window's ticket factor (0.1 * 24 / 72 = 0.0333): a ticket alert.
    w.traffic.burst(T0 + 10 * MIN, 800);
    w.clock.set(T0 + HOUR);
    s = await run();
    expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 800 / 1440), 6);
    expect(s.objectives[0]?.burnRates['1h']).toBeCloseTo(800 / 6000 / 0.01, 6);
    expect(announced(w.notifier)).toEqual(['tier healthy->warning info', 'burn ticket ticket']);
    // The default policy's warning tier names leadership: the change carries it for the audience subscriptions.
    expect(w.notifier.published.map((m) => m.attributes.audience)).toEqual([['leadership'], undefined]);
    expect(w.notifier.published[0]?.text).toContain('Audiences: leadership');

    // The same state evaluated again announces nothing.
    w.clock.set(T0 + HOUR + 5 * MIN);
    await run();
    expect(w.notifier.published).toHaveLength(2);

    // +300 bad: 1,100/1,440 -> 23.6 % left: frozen, which freezes the non-critical pipeline only.
    w.traffic.burst(T0 + 70 * MIN, 300);
    w.clock.set(T0 + 2 * HOUR);
    s = await run();
    expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 1100 / 1440), 6);
    expect(announced(w.notifier).slice(2)).toEqual(['tier warning->frozen info', 'freeze shop-web']);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(w.gate.peek('shop-payments', 'Production')?.enabled).toBe(true);

    // +400 bad: 1,500/1,440 -> -4.2 %: overspent, exhausted, page; the critical pipeline freezes too.
    w.traffic.burst(T0 + 130 * MIN, 400);
    w.clock.set(T0 + 3 * HOUR);
    s = await run();
    expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 1500 / 1440), 6);
    expect(s.objectives[0]?.remainingPct).toBeLessThan(0);
    expect(announced(w.notifier).slice(4)).toEqual(['tier frozen->exhausted page', 'freeze shop-payments']);

    // A day later the bursts have rolled out of the window: 100 % left, back to healthy, both gates open.
    w.clock.set(T0 + DAY + 3 * HOUR);
    s = await run();
    expect(s.objectives[0]).toMatchObject({ tier: 'healthy', remainingPct: 100 });
    expect(announced(w.notifier).slice(6)).toEqual(['tier exhausted->healthy info', 'unfreeze shop-web', 'unfreeze shop-payments']);

    expect(w.gate.calls.filter((c) => c.op !== 'get').map((c) => `${c.op} ${c.pipeline}`)).toEqual([
      'disable shop-web',
      'disable shop-payments',
      'enable shop-web',
      'enable shop-payments',
    ]);
    for (const c of w.gate.calls) if (c.reason !== undefined) expect(c.reason).toMatch(REASON_PATTERN);
    expect(w.gate.calls.find((c) => c.op === 'disable')?.reason).toContain(`${REASON_PREFIX} - checkout availability budget frozen`);

    // Every action is in the audit trail.
    const history = await w.store.queryHistory('objective:checkout#availability', 0, Number.MAX_SAFE_INTEGER);
    expect(history.filter((h) => h.type === 'tier-change').map((h) => h.detail.to)).toEqual(['healthy', 'warning', 'frozen', 'exhausted', 'healthy']);
    expect(history.filter((h) => h.type === 'notification-sent')).toHaveLength(5); // the gates keep their own
  });

  it('steps back up only above the threshold plus the recovery margin', async () => {
    const w = world();
    const contract = checkout();
    // 100 bad at T0+10m and 660 at T0+5h: 760/1440 -> 47.2 % left: warning.
    w.traffic.burst(T0 + 10 * MIN, 100).burst(T0 + 5 * HOUR, 660);
    w.clock.set(T0 + 6 * HOUR);
    let s = await evaluate(w.ports, [contract], OPTIONS);
    expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 760 / 1440), 6);
    expect(s.objectives[0]?.tier).toBe('warning');
    // The first burst rolls out (the window ends at the last whole 5-minute period before now - 3 min, so at
    // T0 + 1 d + 18 m it starts at T0 + 15 m): 660/1440 -> 54.2 % left, above 50
    // but not above 50 + 5: warning holds.
    w.clock.set(T0 + DAY + 18 * MIN);
    s = await evaluate(w.ports, [contract], OPTIONS);
    expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 660 / 1440), 6);
    expect(s.objectives[0]?.tier).toBe('warning');
    // The second rolls out: 100 % left, healthy again.
    w.clock.set(T0 + DAY + 6 * HOUR);
    s = await evaluate(w.ports, [contract], OPTIONS);
    expect(s.objectives[0]?.tier).toBe('healthy');
    expect(announced(w.notifier)).toEqual(['tier none->warning info', 'burn ticket ticket', 'tier warning->healthy info']);
  });
});

describe('evaluate: faults are contained and never unfreeze', () => {
  let w: ReturnType<typeof world>;
  beforeEach(async () => {
    w = world();
    // Drive checkout to "frozen" (shop-web disabled) first.
    w.traffic.burst(T0 + 10 * MIN, 1100);
    w.clock.set(T0 + HOUR);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    w.notifier.published.length = 0;
  });

  it('no data holds the tier and the freeze, and says why', async () => {
    w.traffic.silent = true;
    w.clock.set(T0 + DAY + 2 * HOUR);
    const s = await evaluate(w.ports, [checkout()], OPTIONS);
    // The metric reported before (beforeEach), so this is silence in the window, not "no datapoints ever"
    // (that status is for a metric never seen: test/e2e/moto.test.ts); either way nothing is judged.
    expect(s.objectives[0]).toMatchObject({ status: 'no-traffic', tier: 'frozen' });
    expect(s.objectives[0]?.detail).toMatch(/^no traffic in window: no events since 2026-11-02T01:5\d:00.000Z$/);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(w.notifier.published).toHaveLength(0);
  });

  it('an access-denied metric fails only its contract, counts an error, and keeps the freeze', async () => {
    const other = checkout({ gates: [] }, 'login');
    w.traffic.failing.set('RequestCount', Object.assign(new Error('User is not authorized to perform cloudwatch:GetMetricData'), { name: 'AccessDenied' }));
    w.clock.set(T0 + DAY + 2 * HOUR);
    const s = await evaluate(w.ports, [checkout(), other], OPTIONS);
    // Both contracts read RequestCount in this world; the one that matters is that each is reported on its own.
    expect(s.objectives.map((o) => o.status)).toEqual(['error', 'error']);
    expect(s.errors).toBe(2);
    expect(s.objectives[0]?.detail).toMatch(/AccessDenied/);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
  });

  it('a failed notification stays pending and is sent on the next run, once', async () => {
    w.notifier.failNext(1);
    w.traffic.burst(T0 + 70 * MIN, 400); // exhausted
    w.clock.set(T0 + 2 * HOUR);
    let s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.notificationsFailed).toBe(1);
    expect(s.notificationsPending).toBe(1);
    expect(announced(w.notifier)).toEqual(['freeze shop-payments']);
    w.clock.set(T0 + 2 * HOUR + 5 * MIN);
    s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.notificationsSent).toBe(1);
    expect(announced(w.notifier)).toEqual(['freeze shop-payments', 'tier frozen->exhausted page']);
    w.clock.set(T0 + 2 * HOUR + 10 * MIN);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.notifier.published).toHaveLength(2);
  });

  it('a CodePipeline failure leaves the gate to the next run, which freezes it', async () => {
    w.traffic.burst(T0 + 70 * MIN, 400);
    w.clock.set(T0 + 2 * HOUR);
    w.gate.failNext(2); // shop-web get, then shop-payments get
    const s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.gates.map((g) => g.action)).toEqual(['error', 'error']);
    expect(w.gate.peek('shop-payments', 'Production')?.enabled).toBe(true);
    w.clock.set(T0 + 2 * HOUR + 5 * MIN);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-payments', 'Production')?.enabled).toBe(false);
  });

  it('a missing stage is reported with the gate, and other gates still work', async () => {
    // shop-payments does not exist; shop-web is as the first run left it (frozen by us).
    const gate = new MemoryGate().addStage('shop-web', 'Production', w.gate.peek('shop-web', 'Production'));
    const ports = { ...w.ports, gate };
    w.traffic.burst(T0 + 70 * MIN, 400);
    w.clock.set(T0 + 2 * HOUR);
    const s = await evaluate(ports, [checkout()], OPTIONS);
    const missing = s.gates.find((g) => g.pipeline === 'shop-payments');
    expect(missing?.action).toBe('error');
    expect(missing?.detail).toMatch(/GateNotFoundError/);
    expect(gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(new GateNotFoundError('x')).toBeInstanceOf(Error);
  });

  it('never enables a transition that a person disabled', async () => {
    w.gate.setTransition('shop-web', 'Production', { enabled: false, disabledReason: 'release freeze for the holidays', lastChangedBy: 'arn:aws:iam::1:user/kim' });
    w.clock.set(T0 + DAY + 2 * HOUR); // recovered
    const s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.objectives[0]?.tier).toBe('healthy');
    expect(w.gate.calls.some((c) => c.op === 'enable')).toBe(false);
    expect(w.gate.peek('shop-web', 'Production')).toMatchObject({ enabled: false, disabledReason: 'release freeze for the holidays' });
    expect(s.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('held-by-person');
  });

  it('a console re-enable becomes an announced override, honoured, then the freeze returns', async () => {
    w.gate.setTransition('shop-web', 'Production', { enabled: true, lastChangedBy: 'arn:aws:iam::1:user/vp-eng', lastChangedAt: T0 + HOUR + 2 * MIN });
    w.clock.set(T0 + HOUR + 5 * MIN);
    let s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('override');
    expect(announced(w.notifier)).toEqual(['override gate:shop-web/Production']);
    const overrides = await w.store.listOverrides();
    expect(overrides).toHaveLength(1);
    expect(overrides[0]).toMatchObject({ scope: 'gate:shop-web/Production', by: 'arn:aws:iam::1:user/vp-eng', source: 'console', until: T0 + HOUR + 5 * MIN + 4 * HOUR });
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(true);

    // While honoured, runs leave it alone.
    w.clock.set(T0 + 3 * HOUR);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(true);

    // After it expires, the budget is still spent: frozen again, announced.
    w.clock.set(T0 + 5 * HOUR + 10 * MIN);
    s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(announced(w.notifier)).toEqual(['override gate:shop-web/Production', 'freeze shop-web']);
  });

  it('a store failure recording an objective keeps the freezes it held', async () => {
    w.clock.set(T0 + DAY + 2 * HOUR); // the budget has recovered, but this run cannot record it
    const store = Object.create(w.store) as typeof w.store;
    store.putObjectiveState = async () => {
      throw Object.assign(new Error('Throughput exceeds the current capacity of your table'), { name: 'ProvisionedThroughputExceededException' });
    };
    const s = await evaluate({ ...w.ports, store }, [checkout()], OPTIONS);
    expect(s.errors).toBe(1);
    expect(s.objectives[0]).toMatchObject({ status: 'error', tier: 'frozen' });
    expect(s.objectives[0]?.detail).toMatch(/ProvisionedThroughputExceeded/);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(w.gate.calls.some((c) => c.op === 'enable')).toBe(false);
    // The next run can write: the freeze lifts then.
    w.clock.set(T0 + DAY + 2 * HOUR + 5 * MIN);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(true);
  });

  it('a conditional-write conflict makes the run re-read and decide again, recording the change once', async () => {
    w.traffic.burst(T0 + 70 * MIN, 400); // exhausted
    w.clock.set(T0 + 2 * HOUR);
    const store = Object.create(w.store) as typeof w.store;
    let conflicts = 0;
    const put = w.store.putObjectiveState.bind(w.store);
    store.putObjectiveState = async (next, expected) => {
      if (conflicts++ === 0) {
        // Another writer got there first with an unrelated bump (e.g. an outbox claim).
        const current = (await w.store.getObjectiveStates([{ contract: next.contract, objective: next.objective }])).get('checkout#availability');
        if (current) await put({ ...current, version: current.version + 1 }, current.version);
        return false;
      }
      return put(next, expected);
    };
    const s = await evaluate({ ...w.ports, store }, [checkout()], OPTIONS);
    expect(conflicts).toBe(2);
    expect(s.tierChanges).toBe(1);
    expect(announced(w.notifier)).toEqual(['tier frozen->exhausted page', 'freeze shop-payments']);
  });

  it('two overlapping runs announce a change once', async () => {
    w.traffic.burst(T0 + 70 * MIN, 400);
    w.clock.set(T0 + 2 * HOUR);
    await Promise.all([evaluate(w.ports, [checkout()], OPTIONS), evaluate(w.ports, [checkout()], OPTIONS)]);
    expect(announced(w.notifier)).toEqual(['tier frozen->exhausted page', 'freeze shop-payments']);
  });
});

describe('evaluate: data still being published', () => {
  // CloudWatch has the request count of the last 2 minutes but not yet their 2XX count: read naively,
  // 200 requests with no good ones look like a burst of failures.
  function lagging() {
    const w = world();
    const late = T0 + HOUR - 2 * MIN;
    const metrics = new MemoryMetrics((q) => w.traffic.generate(q).filter((p) => q.metricName === 'RequestCount' || p.t < late));
    return { ...w, ports: { ...w.ports, metrics } };
  }

  it('judges data up to 3 minutes ago by default, so half-published minutes are not failures', async () => {
    const w = lagging();
    w.clock.set(T0 + HOUR);
    const s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.objectives[0]).toMatchObject({ tier: 'healthy', remainingPct: 100 });
    expect(w.notifier.published).toEqual([]);
  });

  it('without the lag the same data would page (the hazard the lag exists for)', async () => {
    const w = lagging();
    w.clock.set(T0 + HOUR);
    const s = await evaluate(w.ports, [checkout()], { ...OPTIONS, dataLagMs: 0 });
    expect(s.objectives[0]?.remainingPct).toBeCloseTo(100 * (1 - 200 / 1440), 6);
    expect(announced(w.notifier)).toEqual(['burn page-fast page']);
  });
});

describe('evaluate: cost of reading CloudWatch', () => {
  it('requests at most 2 metrics per ratio objective per run, all in one fetch', async () => {
    const w = world();
    const contracts = [checkout(), checkout({ gates: [] }, 'login'), checkout({ gates: [] }, 'search')];
    await evaluate(w.ports, contracts, OPTIONS);
    expect(w.metrics.callCount).toBe(1);
    expect(w.metrics.metricsRequested).toBe(6);
  });
});
