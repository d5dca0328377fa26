import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { OverrideError, recordOverride, revokeOverride } from '../../functions/usecases/override.ts';
import { sendWeeklyReport } from '../../functions/usecases/report.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { world } from '../support/world.ts';

const OPTIONS = { overrideHonourMs: 4 * HOUR };

async function frozenWorld() {
  const w = world();
  const { clock, traffic, notifier, gate, ports } = w;
  // 1,500 bad of 1,440 allowed: exhausted, both gates frozen.
  traffic.burst(T0 + 10 * MIN, 1500);
  clock.set(T0 + HOUR);
  await evaluate(ports, [checkout()], OPTIONS);
  expect(gate.peek('shop-web', 'Production')?.enabled).toBe(false);
  expect(gate.peek('shop-payments', 'Production')?.enabled).toBe(false);
  notifier.published.length = 0;
  return w;
}

describe('overrides by command', () => {
  it('lift the contract\'s freezes at the next evaluation, announced, and the freeze returns when it expires', async () => {
    const w = await frozenWorld();
    w.clock.set(T0 + HOUR + 2 * MIN);
    const o = await recordOverride(w.ports, [checkout()], { contract: 'checkout', by: 'VP Eng', reason: 'hotfix for the payment outage', until: T0 + 3 * HOUR });
    expect(o).toMatchObject({ id: `cmd-checkout-${T0 + HOUR + 2 * MIN}`, scope: 'contract:checkout', by: 'VP Eng', source: 'command', until: T0 + 3 * HOUR });
    expect(w.notifier.published.map((m) => m.attributes.event)).toEqual(['override']);
    expect(w.notifier.published[0]?.text).toContain('hotfix for the payment outage');

    w.clock.set(T0 + HOUR + 5 * MIN);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(true);
    expect(w.gate.peek('shop-payments', 'Production')?.enabled).toBe(true);

    // It is listed in the report while it lasts.
    const report = await sendWeeklyReport(w.ports, [checkout()]);
    expect(report.contracts[0]?.overridesInForce.map((x) => x.id)).toEqual([o.id]);
    expect(w.notifier.published.at(-1)?.text).toContain('contract:checkout by VP Eng');

    // Expired, budget still spent: frozen again.
    w.clock.set(T0 + 3 * HOUR + 5 * MIN);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    expect(w.gate.peek('shop-payments', 'Production')?.enabled).toBe(false);
  });

  it('can be revoked, on the record, and the freeze returns at the next evaluation', async () => {
    const w = await frozenWorld();
    const o = await recordOverride(w.ports, [checkout()], { contract: 'checkout', by: 'VP Eng', reason: 'demo day', until: T0 + DAY });
    w.clock.set(T0 + HOUR + 5 * MIN);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(true);
    const revoked = await revokeOverride(w.ports, o.id, 'CTO');
    expect(revoked).toMatchObject({ revokedBy: 'CTO', revokedAt: T0 + HOUR + 5 * MIN });
    expect(w.notifier.published.at(-1)?.attributes.event).toBe('override-revoked');
    await expect(revokeOverride(w.ports, o.id, 'CTO')).rejects.toThrow(/already revoked/);
    w.clock.set(T0 + HOUR + 10 * MIN);
    await evaluate(w.ports, [checkout()], OPTIONS);
    expect(w.gate.peek('shop-web', 'Production')?.enabled).toBe(false);
    const history = await w.store.queryHistory(`override:${o.id}`, 0, Number.MAX_SAFE_INTEGER);
    expect(history.map((h) => h.type)).toEqual(['override', 'override-revoked']);
  });

  it('refuses overrides that are not on the record or not bounded', async () => {
    const w = await frozenWorld();
    const now = w.clock.now();
    const ok = { contract: 'checkout', by: 'VP Eng', reason: 'why', until: now + HOUR };
    await expect(recordOverride(w.ports, [checkout()], { ...ok, contract: 'nope' })).rejects.toThrow(/no contract named "nope": choose one of checkout/);
    await expect(recordOverride(w.ports, [checkout()], { ...ok, by: ' ' })).rejects.toThrow(/--by/);
    await expect(recordOverride(w.ports, [checkout()], { ...ok, reason: '' })).rejects.toThrow(/--reason/);
    await expect(recordOverride(w.ports, [checkout()], { ...ok, until: now - 1 })).rejects.toThrow(/future/);
    await expect(recordOverride(w.ports, [checkout()], { ...ok, until: now + 15 * DAY })).rejects.toThrow(OverrideError);
    await expect(revokeOverride(w.ports, 'missing', 'CTO')).rejects.toThrow(/no override with id "missing"/);
    expect(await w.store.listOverrides()).toEqual([]);
    expect(w.notifier.published).toEqual([]);
  });
});
