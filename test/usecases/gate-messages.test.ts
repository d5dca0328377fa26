/**
 * What a run says about its gates is what happened to them (in-memory world): a freeze found but not
 * recorded is announced, a tier change names each gate's fate, a failed publish is an error, and the same
 * pipeline name in two accounts stays two gates.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { MemoryGate } from '../../functions/adapters/memory.ts';
import { REASON_PREFIX } from '../../functions/core/reason.ts';
import { checkout, HOUR, MIN, T0 } from '../support/contracts.ts';
import { world } from '../support/world.ts';

const OPTIONS = { overrideHonourMs: 4 * HOUR };
const ACCOUNT = '111122223333';

/** 1,500 bad of 1,440 allowed: exhausted, which freezes both gates. */
function exhausted(w: ReturnType<typeof world>) {
  w.traffic.burst(T0 + 10 * MIN, 1500);
  w.clock.set(T0 + HOUR);
}

const tierChangeText = (w: ReturnType<typeof world>) => w.notifier.published.find((m) => m.attributes.event === 'tier-change')?.text ?? '';

describe('evaluate: nothing frozen in silence', () => {
  it('a stage found disabled with our reason but not recorded (a run died after calling) is announced and recorded as frozen', async () => {
    const w = world();
    w.gate.setTransition('shop-web', 'Production', { enabled: false, disabledReason: `${REASON_PREFIX} - checkout availability budget exhausted (-4 pct) since 2026-11-02 00.55 UTC` });
    exhausted(w);
    const s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.gates.find((g) => g.pipeline === 'shop-web')?.action).toBe('froze');
    expect(w.notifier.published.filter((m) => m.attributes.event === 'freeze').map((m) => m.json.pipeline).sort()).toEqual(['shop-payments', 'shop-web']);
    const history = await w.store.queryHistory('gate:shop-web/Production', 0, Number.MAX_SAFE_INTEGER);
    expect(history.filter((h) => h.type === 'freeze')).toHaveLength(1);
    expect(w.gate.calls.filter((c) => c.op === 'disable').map((c) => c.pipeline)).toEqual(['shop-payments']);
  });
});

describe('evaluate: a tier change says what happened to each gate', () => {
  it('frozen now, held by a person, not found', async () => {
    const w = world();
    const gate = new MemoryGate().addStage('shop-web', 'Production', { enabled: false, disabledReason: 'release freeze', lastChangedBy: 'arn:aws:iam::1:user/kim' });
    const contract = checkout({
      gates: [
        { pipeline: 'shop-web', stage: 'Production', critical: false },
        { pipeline: 'shop-payments', stage: 'Production', critical: true },
        { pipeline: 'shop-api', stage: 'Production', critical: false },
      ],
    });
    gate.addStage('shop-api', 'Production');
    exhausted(w);
    await evaluate({ ...w.ports, gate }, [contract], OPTIONS);
    expect(tierChangeText(w).split('\n').slice(-4)).toEqual([
      'Deployments:',
      '- shop-web/Production: held by a person in the console, not by slo-contracts (their reason: release freeze)',
      '- shop-payments/Production: not found: check the pipeline and stage names in the contract',
      '- shop-api/Production: frozen now (held by checkout#availability)',
    ]);
    expect(tierChangeText(w)).not.toContain('Deployments frozen');
  });

  it('already frozen for another contract, on the way in and on the way out', async () => {
    const w = world();
    // login reads the same traffic over 3 days at 99.7 %: 1,296 bad allowed, so 1,500 bad exhausts it for days.
    const login = checkout({ window: { rolling: '3d' }, gates: [{ pipeline: 'shop-web', stage: 'Production', critical: false }] }, 'login');
    const target = { ...login, spec: { ...login.spec, objectives: login.spec.objectives.map((o) => ({ ...o, target: 99.7 })) } };
    exhausted(w);
    await evaluate(w.ports, [checkout(), target], OPTIONS);
    const byContract = (name: string) => w.notifier.published.filter((m) => m.attributes.event === 'tier-change' && m.attributes.contract === name).map((m) => m.text).at(-1) ?? '';
    expect(byContract('checkout')).toContain('- shop-web/Production: frozen now (held by checkout#availability, login#availability)');
    expect(byContract('login')).toContain('- shop-web/Production: frozen now (held by checkout#availability, login#availability)');

    // A day later checkout has recovered; login has not: its freeze stays, and checkout's message says so.
    w.clock.set(T0 + 25 * HOUR);
    await evaluate(w.ports, [checkout(), target], OPTIONS);
    const recovered = byContract('checkout');
    expect(recovered).toContain('checkout / availability: exhausted -> healthy');
    expect(recovered.split('\n').slice(-3)).toEqual(['Deployments:', '- shop-web/Production: already frozen (held by login#availability)', '- shop-payments/Production: unfrozen now']);
  });

  it('a failed CodePipeline call is reported as failed and retried, not as frozen', async () => {
    const w = world();
    exhausted(w);
    w.gate.failNext(2);
    const s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s.errors).toBe(2);
    expect(tierChangeText(w)).toContain('- shop-web/Production: failed (SimulatedFailure: MemoryGate told to fail this get (failNext)); retried next run');
  });
});

describe('evaluate: failed publishes are evaluation errors', () => {
  it('counts each failed publish in errors, and the retry sends it once', async () => {
    const w = world();
    exhausted(w);
    w.notifier.failNext(2);
    const s = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(s).toMatchObject({ notificationsFailed: 2, errors: 2 });
    w.clock.set(T0 + HOUR + 5 * MIN);
    const next = await evaluate(w.ports, [checkout()], OPTIONS);
    expect(next).toMatchObject({ notificationsSent: 2, notificationsFailed: 0, errors: 0 });
  });
});

describe('evaluate: one pipeline name in two accounts is two gates', () => {
  it('freezes each through its own account, keys and names them apart, and lifts each', async () => {
    const w = world();
    const home = { account: ACCOUNT, region: 'eu-west-1' };
    w.gate.addStage('shop-web', 'Production', { enabled: true }, home);
    const contract = checkout({
      gates: [
        { pipeline: 'shop-web', stage: 'Production', critical: false },
        { pipeline: 'shop-web', stage: 'Production', critical: false, account: ACCOUNT, region: 'eu-west-1' },
      ],
    });
    exhausted(w);
    const s = await evaluate(w.ports, [contract], OPTIONS);
    expect(s.gates.map((g) => `${g.id} ${g.action}`)).toEqual(['shop-web/Production froze', `${ACCOUNT}/eu-west-1/shop-web/Production froze`]);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(w.gate.peek('shop-web', 'Production', home)?.enabled).toBe(false);
    expect(w.gate.calls.filter((c) => c.op === 'disable').map((c) => c.account ?? 'home')).toEqual(['home', ACCOUNT]);
    expect(await w.store.getGate('shop-web', 'Production')).toMatchObject({ disabledByUs: true });
    expect(await w.store.getGate('shop-web', 'Production', home)).toMatchObject({ disabledByUs: true, account: ACCOUNT, region: 'eu-west-1' });
    expect(w.notifier.published.filter((m) => m.attributes.event === 'freeze').map((m) => m.subject)).toEqual([
      '[SLO ticket] deployments frozen: shop-web/Production',
      `[SLO ticket] deployments frozen: ${ACCOUNT}/eu-west-1/shop-web/Production`,
    ]);
    expect(tierChangeText(w)).toContain(`- ${ACCOUNT}/eu-west-1/shop-web/Production: frozen now`);
    expect(await w.store.queryHistory(`gate:${ACCOUNT}/eu-west-1/shop-web/Production`, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(2); // freeze, notification-sent

    w.clock.set(T0 + 2 * 24 * HOUR);
    await evaluate(w.ports, [contract], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(true);
    expect(w.gate.peek('shop-web', 'Production', home)?.enabled).toBe(true);
  });

  it('a gate in another account without a region is in the stack\'s region', async () => {
    const w = world();
    w.gate.addStage('shop-web', 'Production', { enabled: true }, { account: ACCOUNT, region: 'us-east-1' });
    const contract = checkout({ gates: [{ pipeline: 'shop-web', stage: 'Production', critical: false, account: ACCOUNT }] });
    exhausted(w);
    const s = await evaluate(w.ports, [contract], { ...OPTIONS, homeRegion: 'us-east-1' });
    expect(s.gates.map((g) => `${g.id} ${g.action}`)).toEqual([`${ACCOUNT}/us-east-1/shop-web/Production froze`]);
    expect(tierChangeText(w)).toContain(`- ${ACCOUNT}/us-east-1/shop-web/Production: frozen now`);
  });
});
