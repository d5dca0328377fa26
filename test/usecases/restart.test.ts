/**
 * A restart in the middle of an incident: the evaluator loses checkout's aggregates while a 50 % error burst
 * is under way. The rebuild is paced by the run's datapoint budget over several runs, the recent hours come
 * first so the page still goes out, the tier holds meanwhile, the other contract keeps being judged every run,
 * and once rebuilt the figures equal those of a twin that never lost anything.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, type EvaluationSummary } from '../../functions/usecases/evaluate.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import type { Contract } from '../../functions/core/contract.ts';
import type { Ports } from '../../functions/ports.ts';
import { checkout, HOUR, MIN } from '../support/contracts.ts';
import { Truth } from '../support/truth.ts';

const INCIDENT = Date.parse('2026-11-10T10:00:00Z');
/** A 30-day 99.9 % availability objective on the Good and Total series the Truth serves. */
function contract(name: string, gates: Contract['spec']['gates']): Contract {
  const metric = (m: string) => ({ namespace: 'Test/Shop', metric: m, dimensions: { Service: name }, stat: 'Sum' as const });
  return checkout({ window: { rolling: '30d' }, gates, objectives: [{ name: 'availability', target: 99.9, sli: { ratio: { good: metric('Good'), total: metric('Total') } } }] }, name);
}
const CONTRACTS = [contract('checkout', [{ pipeline: 'shop-web', stage: 'Production', critical: false }]), contract('login', [])];
/**
 * Datapoints a run may spend on rebuilds: the recent 6 hours (2 series x 360 and change) fit; 3 days of fine data
 * and the coarse window do not, so each runs alone in a later run (a run grants at least one waiting stage).
 */
const REBUILD_BUDGET = 2_000;

function world(clock: ManualClock, truth: Truth) {
  const notifier = new MemoryNotifier();
  const gate = new MemoryGate(clock).addStage('shop-web', 'Production');
  const store = new MemoryStore(() => clock.now());
  const ports: Ports = { clock, store, metrics: new MemoryMetrics(truth.generate), notifier, gate };
  return { store, notifier, ports };
}

describe('a restart in the middle of an incident', () => {
  it('loses the aggregates, rebuilds paced over runs, and still pages in the first run after it', async () => {
    const clock = new ManualClock(INCIDENT - HOUR);
    const truth = new Truth({ seed: 7, rate: 1000, badEvery: 1_000_000, maxBad: 1, maxLatenessMs: 0, incidents: [{ fromMs: INCIDENT, toMs: INCIDENT + 3 * HOUR, errorRatio: 0.5 }] }, () => clock.now());
    const restarted = world(clock, truth);
    const twin = world(clock, truth);
    const run = (w: ReturnType<typeof world>, rebuildDatapoints: number) => evaluate(w.ports, CONTRACTS, { overrideHonourMs: 4 * HOUR, rebuildDatapoints });

    // Built before the incident (whole windows at once), then every 5 minutes into the burst.
    await run(restarted, Number.MAX_SAFE_INTEGER);
    await run(twin, Number.MAX_SAFE_INTEGER);
    for (let t = INCIDENT - 55 * MIN; t <= INCIDENT + 5 * MIN; t += 5 * MIN) {
      clock.set(t);
      await run(restarted, REBUILD_BUDGET);
      await run(twin, REBUILD_BUDGET);
    }
    expect(restarted.notifier.published.filter((m) => m.attributes.event === 'burn-alert')).toEqual([]);

    // The restart: checkout's ledger summary and chunks are gone.
    restarted.store.forgetLedger('checkout', 'availability', 'ledger');
    restarted.store.forgetLedger('checkout', 'availability', 'chunks');
    const before = restarted.notifier.published.length;

    const runs: EvaluationSummary[] = [];
    for (let t = INCIDENT + 10 * MIN; t <= INCIDENT + 6 * HOUR; t += 5 * MIN) {
      clock.set(t);
      const s = await run(restarted, REBUILD_BUDGET);
      const w = await run(twin, REBUILD_BUDGET);
      runs.push(s);
      expect(s.errors).toBe(0);
      // login is judged every run, whatever checkout's rebuild is doing.
      expect(s.objectives.find((o) => o.contract === 'login')).toMatchObject({ status: 'ok' });
      const mine = s.objectives.find((o) => o.contract === 'checkout')!;
      if (mine.status === 'ok') {
        const theirs = w.objectives.find((o) => o.contract === 'checkout')!;
        expect(mine.remainingPct).toBeCloseTo(theirs.remainingPct!, 9);
        expect(mine.tier).toBe(theirs.tier);
      }
    }

    // The first run after the restart reads the recent hours first and pages on the burst, holding the tier.
    const first = runs[0]!;
    expect(first.objectives.find((o) => o.contract === 'checkout')).toMatchObject({ status: 'rebuilding' });
    const sentAfter = restarted.notifier.published.slice(before);
    const firstPage = sentAfter.find((m) => m.attributes.event === 'burn-alert' && m.attributes.severity === 'page');
    expect(firstPage?.attributes.contract).toBe('checkout');
    expect(sentAfter.indexOf(firstPage!)).toBeLessThan(first.notificationsSent);

    // Paced: the rebuild took three runs (recent, fine, coarse), holding for two and judging in the third, which
    // read the last stage; each run kept to its budget (refreshes aside) or ran a single rebuild stage.
    const rebuilding = runs.filter((s) => s.objectives.some((o) => o.contract === 'checkout' && o.status === 'rebuilding'));
    expect(rebuilding).toHaveLength(2);
    expect(runs[2]!.objectives.find((o) => o.contract === 'checkout')).toMatchObject({ status: 'ok' });
    expect(runs.slice(0, 3).map((s) => s.ledger!.rebuildStages)).toEqual([1, 1, 1]);
    for (const s of runs) expect(s.ledger!.datapointsPlanned <= REBUILD_BUDGET + 200 || s.ledger!.rebuildStages === 1).toBe(true);
    // Once rebuilt, checkout froze shop-web as the twin did (the freeze was only late, not lost).
    expect(restarted.notifier.published.some((m) => m.subject.includes('deployments frozen: shop-web/Production'))).toBe(true);
    // And it finished: the last runs judge checkout exactly as the twin does.
    expect(runs.at(-1)!.objectives.find((o) => o.contract === 'checkout')).toMatchObject({ status: 'ok' });
  }, 120_000);
});
