/**
 * A scripted week for the CLI tests: the REAL evaluator runs every 2 hours from Sunday 2026-11-01 00:00 UTC to Monday
 * 2026-11-09 09:00 UTC against a store (dynalite in the tests), on scripted traffic (100 requests a minute).
 *
 *   checkout (availability 99 % and latency 99 % under 300 ms, rolling 7 d; gates shop-web, shop-payments critical)
 *     Mon 11-02 10:00  6,000 bad requests: 7-day budget 10,080 bad -> 40.5 % left: warning (leadership told)
 *     Wed 11-04 14:00  3,000 more: 9,000 of 10,080 -> 10.7 % left: frozen, shop-web/Production frozen
 *     Thu 11-05 10:00  `slo override` by VP Eng until Fri 11-06 10:00: shop-web opens at the next run
 *     Fri 11-06 10:00  the override has ended, the budget is still spent: shop-web frozen again
 *     Mon 11-09 04:00  300 more: 9,300 of 10,080 -> 7.7 % left, burning at 0.21 over the last 24 h
 *   login (latency 99.5 % under 800 ms, rolling 28 d; gate identity/Prod; reviewBy 2026-11-20)
 *     always fast: healthy; the 14-day review reminder goes out on Fri 11-06 00:00 (the first run that day)
 *   search (latency 99 % under 300 ms, rolling 7 d; no gates): deployed Thu 11-05 00:00 on a load balancer that
 *     has not published anything yet: no-data, no tier
 *
 * The last run is Monday 11-09 08:00; the CLI's clock says 09:00. Every burst is still inside checkout's window.
 */
import type { Contract } from '../../functions/core/contract.ts';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { recordOverride } from '../../functions/usecases/override.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier } from '../../functions/adapters/memory.ts';
import type { StorePort } from '../../functions/ports.ts';
import { checkout, DAY, HOUR } from './contracts.ts';
import { Traffic } from './traffic.ts';

export const WEEK_START = Date.parse('2026-11-01T00:00:00Z');
/** Monday 2026-11-09 09:00 UTC: when the weekly report goes out, and the CLI's clock (SLO_NOW). */
export const WEEK_END = Date.parse('2026-11-09T09:00:00Z');
export const BURST_1 = Date.parse('2026-11-02T10:00:00Z');
export const BURST_2 = Date.parse('2026-11-04T14:00:00Z');
export const BURST_3 = Date.parse('2026-11-09T04:00:00Z');
export const OVERRIDE_AT = Date.parse('2026-11-05T10:00:00Z');
export const OVERRIDE_UNTIL = Date.parse('2026-11-06T10:00:00Z');
export const SEARCH_FROM = Date.parse('2026-11-05T00:00:00Z');
/** Evaluator cadence in the script: every 2 hours (every scripted event falls on an even hour). */
export const RUN_EVERY = 2 * HOUR;

const latency = (target: number, threshold: string, loadBalancer: string) => ({
  name: 'latency',
  target,
  sli: {
    latency: {
      metric: { namespace: 'AWS/ApplicationELB', metric: 'TargetResponseTime', unit: 'seconds' as const, dimensions: { LoadBalancer: loadBalancer } },
      threshold,
    },
  },
});

/** search's new load balancer has not published a single datapoint yet. */
export const SILENT_LOAD_BALANCER = 'app/search-v2';

const described = (c: Contract, journey: string, owner: string): Contract => ({ ...c, metadata: { ...c.metadata, journey, owner } });

export function weekContracts(): { checkout: Contract; login: Contract; search: Contract } {
  const base = checkout({ window: { rolling: '7d' } });
  const shop = checkout({
    window: { rolling: '7d' },
    objectives: [...base.spec.objectives, latency(99, '300ms', 'app/checkout')],
    notify: { email: ['payments@example.com'] },
  });
  const login = checkout(
    {
      window: { rolling: '28d' },
      reviewBy: '2026-11-20',
      objectives: [latency(99.5, '800ms', 'app/login')],
      gates: [{ pipeline: 'identity', stage: 'Prod', critical: false }],
      notify: { email: ['identity@example.com'] },
    },
    'login',
  );
  const search = checkout({ window: { rolling: '7d' }, objectives: [latency(99, '300ms', SILENT_LOAD_BALANCER)], gates: [], notify: { email: ['search@example.com'] } }, 'search');
  return {
    checkout: described(shop, 'User can complete a purchase', 'team-payments'),
    login: described(login, 'User can sign in', 'team-identity'),
    search: described(search, 'User can find a product', 'team-search'),
  };
}

/** Runs the week into `store`; returns what was published (for assertions) and the contracts. */
export async function runScriptedWeek(store: StorePort): Promise<{ notifier: MemoryNotifier; gate: MemoryGate; contracts: Contract[] }> {
  const { checkout: c, login, search } = weekContracts();
  const clock = new ManualClock(WEEK_START);
  const traffic = new Traffic();
  traffic.burst(BURST_1, 6000).burst(BURST_2, 3000).burst(BURST_3, 300);
  const gate = new MemoryGate(clock).addStage('shop-web', 'Production').addStage('shop-payments', 'Production').addStage('identity', 'Prod');
  const notifier = new MemoryNotifier();
  const metrics = new MemoryMetrics((q) => (q.dimensions.LoadBalancer === SILENT_LOAD_BALANCER ? [] : traffic.generate(q)));
  const ports = { clock, store, notifier, gate, metrics };
  for (let t = WEEK_START; t <= WEEK_END; t += RUN_EVERY) {
    clock.set(t);
    if (t === OVERRIDE_AT) await recordOverride(ports, [c], { contract: 'checkout', by: 'VP Eng', reason: 'hotfix for the basket bug', until: OVERRIDE_UNTIL });
    await evaluate(ports, t >= SEARCH_FROM ? [c, login, search] : [c, login], { overrideHonourMs: 4 * HOUR });
  }
  return { notifier, gate, contracts: [c, login, search] };
}

export { DAY, HOUR };
