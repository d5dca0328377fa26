import { describe, expect, it } from 'vitest';
import { BURN_LOOKBACKS_MS, BurnError, burnRate, defaultAlertRules, firingAlerts, lookbackLabel } from '../../functions/core/burn.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../functions/core/duration.ts';

describe('burnRate', () => {
  it('is the error ratio over the allowed error ratio', () => {
    // 1 % errors against a 99.9 % target (0.1 % allowed) burns 10x.
    expect(burnRate({ bad: 10, total: 1000, targetPct: 99.9 })).toBeCloseTo(10, 9);
    // 0.1 % errors against 99.9 % burns exactly 1.
    expect(burnRate({ bad: 1, total: 1000, targetPct: 99.9 })).toBeCloseTo(1, 12);
    // 14.4x: 1.44 % errors at 99.9 %.
    expect(burnRate({ bad: 144, total: 10_000, targetPct: 99.9 })).toBeCloseTo(14.4, 9);
  });

  it('is 0 with no events', () => {
    expect(burnRate({ bad: 0, total: 0, targetPct: 99.9 })).toBe(0);
  });
});

describe('defaultAlertRules', () => {
  it('30 days: 14.4 (1h & 5m), 6 (6h & 30m), 1 (3d & 6h)', () => {
    const rules = defaultAlertRules(30 * DAY_MS);
    expect(rules.map((r) => r.id)).toEqual(['page-fast', 'page-slow', 'ticket']);
    expect(rules.map((r) => r.severity)).toEqual(['page', 'page', 'ticket']);
    expect(rules.map((r) => [r.longMs, r.shortMs])).toEqual([
      [HOUR_MS, 5 * MINUTE_MS],
      [6 * HOUR_MS, 30 * MINUTE_MS],
      [3 * DAY_MS, 6 * HOUR_MS],
    ]);
    expect(rules.map((r) => r.budgetSpentPct)).toEqual([2, 5, 10]);
    expect(rules[0]?.factor).toBeCloseTo(14.4, 12);
    expect(rules[1]?.factor).toBeCloseTo(6, 12);
    expect(rules[2]?.factor).toBeCloseTo(1, 12);
  });

  it('28 days: 13.44, 5.6, 0.933', () => {
    const [fast, slow, ticket] = defaultAlertRules(28 * DAY_MS);
    expect(fast?.factor).toBeCloseTo(13.44, 12);
    expect(slow?.factor).toBeCloseTo(5.6, 12);
    expect(ticket?.factor).toBeCloseTo(0.9333333333, 9);
  });

  it('rejects a non-positive window', () => {
    expect(() => defaultAlertRules(0)).toThrow(BurnError);
  });
});

describe('look-backs', () => {
  it('are 5m 30m 1h 6h 1d 3d, shortest first', () => {
    expect(BURN_LOOKBACKS_MS.map(lookbackLabel)).toEqual(['5m', '30m', '1h', '6h', '1d', '3d']);
  });

  it('cover every look-back of the default rules', () => {
    for (const r of defaultAlertRules(30 * DAY_MS)) {
      expect(BURN_LOOKBACKS_MS).toContain(r.longMs);
      expect(BURN_LOOKBACKS_MS).toContain(r.shortMs);
    }
  });
});

describe('firingAlerts', () => {
  const rules = defaultAlertRules(30 * DAY_MS);
  const burns = (rates: Record<string, number>, events = 1000) => (ms: number) => ({ rate: rates[lookbackLabel(ms)] ?? 0, events });

  it('fires when both long and short look-backs burn above the factor', () => {
    const fired = firingAlerts(rules, burns({ '1h': 15, '5m': 20 }), 100);
    expect(fired.map((r) => r.id)).toEqual(['page-fast']);
  });

  it('stays quiet when only one of the two burns', () => {
    expect(firingAlerts(rules, burns({ '1h': 15, '5m': 2 }), 100)).toEqual([]);
    expect(firingAlerts(rules, burns({ '1h': 2, '5m': 50 }), 100)).toEqual([]);
  });

  it('needs strictly more than the factor', () => {
    expect(firingAlerts(rules, burns({ '3d': 1, '6h': 1 }), 0)).toEqual([]);
    expect(firingAlerts(rules, burns({ '3d': 1.01, '6h': 1.01 }), 0).map((r) => r.id)).toEqual(['ticket']);
  });

  it('fires several rules at once', () => {
    const fired = firingAlerts(rules, burns({ '5m': 20, '30m': 20, '1h': 20, '6h': 20, '3d': 20 }), 100);
    expect(fired.map((r) => r.id)).toEqual(['page-fast', 'page-slow', 'ticket']);
  });

  it('keeps low traffic quiet: the long look-back needs minEvents events', () => {
    expect(firingAlerts(rules, burns({ '1h': 500, '5m': 500 }, 99), 100)).toEqual([]);
    expect(firingAlerts(rules, burns({ '1h': 500, '5m': 500 }, 100), 100).map((r) => r.id)).toEqual(['page-fast']);
  });
});
