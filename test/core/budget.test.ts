import { describe, expect, it } from 'vitest';
import { BudgetError, allowedBadTime, budgetPctOf, budgetTable, occurrenceBudget, roundTo, timesliceBudget } from '../../functions/core/budget.ts';
import { DAY_MS, MINUTE_MS } from '../../functions/core/duration.ts';

const THIRTY_DAYS = 30 * DAY_MS;

describe('occurrenceBudget', () => {
  it('target 99.9, T = 1,000,000, G = 999,500: allowed 1000, consumed 0.5, remaining 50 %', () => {
    const r = occurrenceBudget({ good: 999_500, total: 1_000_000, targetPct: 99.9 });
    expect(r.allowedBad).toBeCloseTo(1000, 9);
    expect(r.bad).toBe(500);
    expect(r.consumedRatio).toBeCloseTo(0.5, 12);
    expect(r.remainingPct).toBeCloseTo(50, 9);
  });

  it('goes negative when overspent: 2500 bad of 1000 allowed is -150 %', () => {
    const r = occurrenceBudget({ good: 997_500, total: 1_000_000, targetPct: 99.9 });
    expect(r.consumedRatio).toBeCloseTo(2.5, 12);
    expect(r.remainingPct).toBeCloseTo(-150, 9);
  });

  it('exactly spent: 99 % of 200 allows 2 bad, 2 bad leaves 0 %', () => {
    const r = occurrenceBudget({ good: 198, total: 200, targetPct: 99 });
    expect(r.allowedBad).toBeCloseTo(2, 12);
    expect(r.remainingPct).toBeCloseTo(0, 9);
  });

  it('T = 0 consumes nothing: 100 % remaining', () => {
    expect(occurrenceBudget({ good: 0, total: 0, targetPct: 99.9 })).toEqual({ allowedBad: 0, bad: 0, consumedRatio: 0, remainingPct: 100 });
  });

  it('treats good > total as no bad events', () => {
    expect(occurrenceBudget({ good: 12, total: 10, targetPct: 99 }).remainingPct).toBe(100);
  });

  it('rejects impossible targets and counts with a message naming the input', () => {
    expect(() => occurrenceBudget({ good: 1, total: 1, targetPct: 100 })).toThrow(BudgetError);
    expect(() => occurrenceBudget({ good: 1, total: 1, targetPct: 0 })).toThrow(/target/);
    expect(() => occurrenceBudget({ good: 1, total: -1, targetPct: 99 })).toThrow(/total/);
  });
});

describe('timesliceBudget', () => {
  const slices30d = THIRTY_DAYS / MINUTE_MS; // 43,200 one-minute slices

  it('99.9 % of 30 days of 1-minute slices allows 43.2 bad slices', () => {
    const r = timesliceBudget({ badSlices: 0, windowSlices: slices30d, targetPct: 99.9 });
    expect(r.allowedBad).toBeCloseTo(43.2, 9);
    expect(r.remainingPct).toBe(100);
  });

  it('10 bad slices leave 100 * (1 - 10/43.2) = 76.85 %', () => {
    const r = timesliceBudget({ badSlices: 10, windowSlices: slices30d, targetPct: 99.9 });
    expect(r.remainingPct).toBeCloseTo(100 * (1 - 10 / 43.2), 9);
    expect(r.remainingPct).toBeCloseTo(76.85185185, 6);
  });

  it('rejects a window without slices', () => {
    expect(() => timesliceBudget({ badSlices: 0, windowSlices: 0, targetPct: 99.9 })).toThrow(/windowSlices/);
  });
});

describe('allowedBadTime and budgetTable', () => {
  it('99.9 % over 30 days is 43.2 minutes', () => {
    expect(allowedBadTime(99.9, THIRTY_DAYS)).toBe(2_592_000);
    expect(allowedBadTime(99.9, THIRTY_DAYS) / MINUTE_MS).toBeCloseTo(43.2, 9);
  });

  it('lists the target and its neighbours, sorted and deduplicated, with the workbook figures', () => {
    const table = budgetTable(99.9, THIRTY_DAYS);
    expect(table.map((r) => r.targetPct)).toEqual([99, 99.5, 99.9, 99.95, 99.99]);
    const minutes = Object.fromEntries(table.map((r) => [r.targetPct, r.allowedBadMinutes]));
    expect(minutes[99]).toBeCloseTo(432, 9);
    expect(minutes[99.5]).toBeCloseTo(216, 9);
    expect(minutes[99.9]).toBeCloseTo(43.2, 9);
    expect(minutes[99.95]).toBeCloseTo(21.6, 9);
    expect(minutes[99.99]).toBeCloseTo(4.32, 9);
  });

  it('prints clean figures (no float noise)', () => {
    const table = budgetTable(99.9, THIRTY_DAYS);
    expect(table.map((r) => String(r.allowedBadMinutes))).toEqual(['432', '216', '43.2', '21.6', '4.32']);
  });

  it('adds a target outside the neighbours in order', () => {
    const table = budgetTable(99.7, 28 * DAY_MS, [99, 99.9]);
    expect(table.map((r) => r.targetPct)).toEqual([99, 99.7, 99.9]);
    // 0.3 % of 28 days = 0.003 * 40,320 min = 120.96 min
    expect(table[1]?.allowedBadMinutes).toBeCloseTo(120.96, 9);
    expect(table[1]?.allowedBadMs).toBeCloseTo(120.96 * MINUTE_MS, 3);
  });
});

describe('budgetPctOf and roundTo', () => {
  it('gives 100 - target without float noise', () => {
    expect(budgetPctOf(99.9)).toBe(0.1);
    expect(budgetPctOf(99.95)).toBe(0.05);
    expect(roundTo(-1e-12)).toBe(0);
    expect(Object.is(roundTo(-1e-12), -0)).toBe(false);
  });
});
