/**
 * grantStages: how one run's rebuild budget (datapoints) is shared between objectives. Refreshes always run;
 * rebuild stages run recent-first while the budget lasts; and a run that could grant none still grants the
 * first waiting stage, so a stage larger than the whole budget cannot starve its rebuild.
 */
import { describe, expect, it } from 'vitest';
import { grantStages, planObjective, type ObjectivePlan } from '../../functions/core/assess.ts';
import { checkout } from '../support/contracts.ts';

type Stage = 'refresh' | 'recent' | 'fine' | 'coarse';

/** A plan with the given stages and sizes (grantStages reads nothing else). */
function plan(...stages: [Stage, number][]): ObjectivePlan {
  return { stages: stages.map(([stage, datapoints]) => ({ stage, datapoints, segments: [] })) } as unknown as ObjectivePlan;
}

describe('grantStages', () => {
  it('grants every refresh, then recent stages before fine before coarse, while the budget lasts', () => {
    const plans = [plan(['refresh', 40], ['coarse', 300]), plan(['recent', 700], ['fine', 8_000], ['coarse', 15_000]), plan(['refresh', 40]), plan(['recent', 700], ['fine', 8_000])];
    // 10,000 - 80 (refreshes) = 9,920: both recent stages (1,400) leave 8,520: one fine stage (8,000) leaves 520;
    // the second fine stage (8,000) does not fit; the 300-point coarse stage does (coarse comes after fine).
    expect(grantStages(plans, 10_000)).toEqual([2, 2, 1, 1]);
  });

  it('refreshes run even when they alone exceed the budget', () => {
    expect(grantStages([plan(['refresh', 40]), plan(['refresh', 40])], 50)).toEqual([1, 1]);
  });

  it('a stage larger than the whole budget still runs, alone, when nothing else fits', () => {
    expect(grantStages([plan(['refresh', 40], ['fine', 9_000]), plan(['refresh', 40], ['coarse', 15_000])], 2_000)).toEqual([2, 1]);
    // The same after refreshes that already spent the budget: the first waiting stage by priority.
    expect(grantStages([plan(['refresh', 40], ['coarse', 15_000]), plan(['refresh', 40], ['recent', 5_000])], 50)).toEqual([1, 2]);
  });

  it('the big stage waits while smaller ones fit the budget', () => {
    expect(grantStages([plan(['coarse', 15_000]), plan(['recent', 700])], 2_000)).toEqual([0, 1]);
  });

  it('a new 30-day objective rebuilds under a 2,000-datapoint budget in three runs: recent, fine, coarse', () => {
    const c = checkout({ window: { rolling: '30d' } });
    const p = planObjective(c, c.spec.objectives[0]!, undefined, Date.parse('2026-11-27T10:02:00Z'));
    expect(p.stages.map((s) => s.stage)).toEqual(['recent', 'fine', 'coarse']);
    expect(grantStages([p], 2_000)).toEqual([1]);
    expect(grantStages([{ ...p, stages: p.stages.slice(1) }], 2_000)).toEqual([1]);
    expect(grantStages([{ ...p, stages: p.stages.slice(2) }], 2_000)).toEqual([1]);
  });
});
