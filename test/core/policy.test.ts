import { describe, expect, it } from 'vitest';
import { PolicySchema, type Tier } from '../../functions/core/contract.ts';
import { PolicyError, decideTier, gateFrozenBy, tierIndexFor } from '../../functions/core/policy.ts';

// The default policy: healthy > 50, warning > 25, frozen > 0, exhausted; recovery margin 5 points.
const tiers: Tier[] = PolicySchema.parse({}).tiers;
const names = (t: Tier) => t.name;

describe('tierIndexFor', () => {
  it('picks the first tier whose threshold the remaining budget is strictly above', () => {
    expect(tiers.map(names)).toEqual(['healthy', 'warning', 'frozen', 'exhausted']);
    expect(tierIndexFor(tiers, 100)).toBe(0);
    expect(tierIndexFor(tiers, 50.01)).toBe(0);
    expect(tierIndexFor(tiers, 50)).toBe(1);
    expect(tierIndexFor(tiers, 25)).toBe(2);
    expect(tierIndexFor(tiers, 0.01)).toBe(2);
    expect(tierIndexFor(tiers, 0)).toBe(3);
    expect(tierIndexFor(tiers, -40)).toBe(3);
  });

  it('a single catch-all tier always applies; no tiers is an error', () => {
    expect(tierIndexFor([{ name: 'only', notify: [], freeze: 'none' }], 12)).toBe(0);
    expect(() => tierIndexFor([], 12)).toThrow(PolicyError);
  });
});

describe('decideTier', () => {
  const decide = (current: string | null, remaining: number, margin = 5) => decideTier(tiers, current, remaining, margin).name;

  it('without a current tier (or an unknown one) uses the plain thresholds', () => {
    expect(decide(null, 60)).toBe('healthy');
    expect(decide(null, 52)).toBe('healthy');
    expect(decide('retired-tier', 30)).toBe('warning');
  });

  it('steps down at once, exactly at the threshold', () => {
    expect(decide('healthy', 50.0001)).toBe('healthy');
    expect(decide('healthy', 50)).toBe('warning');
    expect(decide('warning', 25)).toBe('frozen');
    expect(decide('frozen', 0)).toBe('exhausted');
  });

  it('steps down several tiers at once', () => {
    expect(decide('healthy', -3)).toBe('exhausted');
  });

  it('steps back up only above threshold + margin', () => {
    expect(decide('warning', 55)).toBe('warning');
    expect(decide('warning', 55.01)).toBe('healthy');
    expect(decide('exhausted', 5)).toBe('exhausted');
    expect(decide('exhausted', 5.5)).toBe('frozen');
  });

  it('steps up as far as the margin allows, never worse than the current tier', () => {
    expect(decide('exhausted', 80)).toBe('healthy');
    expect(decide('exhausted', 52)).toBe('warning'); // 52 - 5 = 47: warning
    expect(decide('frozen', 28)).toBe('frozen'); // plain says warning, 28 - 5 = 23 says frozen
  });

  it('holds the current tier between threshold and threshold + margin', () => {
    expect(decide('warning', 50)).toBe('warning');
    expect(decide('warning', 27)).toBe('warning');
    expect(decide('healthy', 51)).toBe('healthy');
  });

  it('exactly threshold + margin holds even where float subtraction would round up', () => {
    // (25 + m) - m is 25.000000000000004 for this m: comparing remaining - margin with 25 would step up.
    const m = 9.94534531769406;
    expect(25 + m - m).toBeGreaterThan(25);
    expect(decideTier(tiers, 'frozen', 25 + m, m).name).toBe('frozen');
    expect(decideTier(tiers, 'frozen', 25 + m + 1e-9, m).name).toBe('warning');
  });

  it('with margin 0 steps up as soon as the threshold is passed', () => {
    expect(decide('warning', 50.1, 0)).toBe('healthy');
  });
});

describe('gateFrozenBy', () => {
  const tier = (freeze: Tier['freeze']): Tier => ({ name: 't', notify: [], freeze });
  it('none freezes nothing, non-critical only non-critical gates, all everything', () => {
    expect([gateFrozenBy(tier('none'), { critical: false }), gateFrozenBy(tier('none'), { critical: true })]).toEqual([false, false]);
    expect([gateFrozenBy(tier('non-critical'), { critical: false }), gateFrozenBy(tier('non-critical'), { critical: true })]).toEqual([true, false]);
    expect([gateFrozenBy(tier('all'), { critical: false }), gateFrozenBy(tier('all'), { critical: true })]).toEqual([true, true]);
  });

  it('the default policy freezes non-critical gates in frozen and all gates in exhausted', () => {
    const frozen = tiers.filter((t) => gateFrozenBy(t, { critical: false })).map(names);
    const critical = tiers.filter((t) => gateFrozenBy(t, { critical: true })).map(names);
    expect(frozen).toEqual(['frozen', 'exhausted']);
    expect(critical).toEqual(['exhausted']);
  });
});
