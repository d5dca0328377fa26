/**
 * Incremental evaluation equals a full re-read. A seeded minute-by-minute truth (late data included) is
 * served as CloudWatch would serve it at each moment; the real evaluate() runs on a random schedule of
 * scheduled runs, gaps, long gaps and restarts with lost aggregates, and after every run its figures must
 * equal those computed directly from everything CloudWatch holds at that moment, to 1e-9.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import { DEFAULT_DATA_LAG_MS } from '../../functions/core/assess.ts';
import { BURN_LOOKBACKS_MS, lookbackLabel } from '../../functions/core/burn.ts';
import { windowBounds } from '../../functions/core/window.ts';
import { alignDown } from '../../functions/core/resolution.ts';
import type { Contract } from '../../functions/core/contract.ts';
import type { Ports } from '../../functions/ports.ts';
import { checkout, DAY, HOUR, MIN } from '../support/contracts.ts';
import { Truth } from '../support/truth.ts';

const START = Date.parse('2026-10-29T07:13:00Z');

function contractFor(window: Contract['spec']['window'], target: number): Contract {
  return checkout({
    window,
    gates: [],
    minEvents: 0,
    objectives: [
      {
        name: 'availability',
        target,
        sli: {
          ratio: {
            good: { namespace: 'Test/Shop', metric: 'Good', dimensions: { Service: 'shop' }, stat: 'Sum' },
            total: { namespace: 'Test/Shop', metric: 'Total', dimensions: { Service: 'shop' }, stat: 'Sum' },
          },
        },
      },
    ],
  });
}

/** The figures a full re-read at `now` gives: straight sums over what CloudWatch holds. */
function reference(truth: Truth, contract: Contract, now: number) {
  const fineEnd = alignDown(now - DEFAULT_DATA_LAG_MS, MIN);
  const coarseEnd = alignDown(now - DEFAULT_DATA_LAG_MS, 5 * MIN);
  const w = windowBounds(contract.spec.window, coarseEnd);
  const target = contract.spec.objectives[0]!.target;
  const allowed = (100 - target) / 100;
  const inWindow = truth.visible(w.startMs, coarseEnd, now);
  const remainingPct = inWindow.total === 0 ? null : 100 * (1 - (inWindow.total - inWindow.good) / (allowed * inWindow.total));
  const burnRates: Record<string, number> = {};
  for (const lb of BURN_LOOKBACKS_MS) {
    const c = truth.visible(fineEnd - lb, fineEnd, now);
    burnRates[lookbackLabel(lb)] = c.total === 0 ? 0 : (c.total - c.good) / c.total / allowed;
  }
  return { remainingPct, burnRates, events: inWindow.total };
}

const step = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'run' as const, minutes: 5 }) },
  { weight: 2, arbitrary: fc.integer({ min: 6, max: 600 }).map((minutes) => ({ kind: 'gap' as const, minutes })) },
  { weight: 1, arbitrary: fc.integer({ min: 1_500, max: 4_000 }).map((minutes) => ({ kind: 'long-gap' as const, minutes })) },
  { weight: 1, arbitrary: fc.constantFrom('ledger' as const, 'chunks' as const).map((lost) => ({ kind: 'restart' as const, minutes: 5, lost })) },
);

describe('incremental evaluation equals a full re-read', () => {
  it('for any series with late data within the margin, gaps, long gaps and lost aggregates (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
          window: fc.constantFrom<Contract['spec']['window']>({ rolling: '1d' }, { rolling: '2d' }, { rolling: '5d' }, { rolling: '9d' }, { rolling: '30d' }, { calendar: 'month' }),
          target: fc.constantFrom(99, 99.5, 99.9),
          offsetSeconds: fc.integer({ min: 0, max: 3 * 86_400 }),
          // Up to the documented re-read margin (15 minutes) late.
          latenessMinutes: fc.integer({ min: 0, max: 15 }),
          steps: fc.array(step, { minLength: 4, maxLength: 18 }),
        }),
        async (c) => {
          const clock = new ManualClock(START + c.offsetSeconds * 1000);
          const truth = new Truth({ seed: c.seed, rate: 200, badEvery: 7, maxBad: 9, maxLatenessMs: c.latenessMinutes * MIN, incidents: [{ fromMs: START - 2 * DAY, toMs: START - 2 * DAY + 40 * MIN, errorRatio: 0.5 }] }, () => clock.now());
          const store = new MemoryStore(() => clock.now());
          const ports: Ports = { clock, store, metrics: new MemoryMetrics(truth.generate), notifier: new MemoryNotifier(), gate: new MemoryGate() };
          const contract = contractFor(c.window, c.target);
          for (const s of [{ kind: 'run' as const, minutes: 0 }, ...c.steps]) {
            clock.advance(s.minutes * MIN);
            if (s.kind === 'restart') store.forgetLedger('checkout', 'availability', s.lost);
            const summary = await evaluate(ports, [contract], { overrideHonourMs: 4 * HOUR });
            const got = summary.objectives[0]!;
            const want = reference(truth, contract, clock.now());
            expect(summary.errors).toBe(0);
            // Lost chunks are found when a run needs them: that run holds (rebuilding), the next one rebuilds.
            if (s.kind === 'restart' && s.lost === 'chunks' && got.status === 'rebuilding') continue;
            if (want.remainingPct === null) {
              expect(['no-traffic', 'no-data']).toContain(got.status);
              continue;
            }
            expect(got.status).toBe('ok');
            expect(got.remainingPct).toBeCloseTo(want.remainingPct, 9);
            for (const [lb, rate] of Object.entries(want.burnRates)) expect(got.burnRates[lb], lb).toBeCloseTo(rate, 9);
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 180_000);
});
