/**
 * Error budgets. Targets are PERCENT (99.9). `consumedRatio` is a RATIO of the budget (1.0 = all spent);
 * `remainingPct` is PERCENT of the budget left, 100 * (1 - consumedRatio), negative when overspent.
 */
import { MINUTE_MS } from './duration.ts';

export interface BudgetResult {
  /** Bad events (or bad slices) the window allows. */
  allowedBad: number;
  /** Bad events (or bad slices) counted so far. */
  bad: number;
  /** Share of the budget spent, a ratio: 0 = untouched, 1.0 = all spent, > 1 overspent. */
  consumedRatio: number;
  /** Percent of the budget left: 100 * (1 - consumedRatio); negative when overspent. */
  remainingPct: number;
}

export class BudgetError extends Error {
  override name = 'BudgetError';
}

/**
 * Rounds to `decimals` decimal places, removing binary float noise (100 - 99.9 = 0.0999999999999943 -> 0.1).
 * Dividing by an exact power of ten gives the double nearest the decimal.
 */
export function roundTo(value: number, decimals = 9): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale || 0; // `|| 0` turns -0 into 0
}

function checkTarget(targetPct: number): void {
  if (!Number.isFinite(targetPct) || targetPct <= 0 || targetPct >= 100) {
    throw new BudgetError(`target must be a percent above 0 and below 100 (e.g. 99.9), got ${targetPct}`);
  }
}

function checkCount(value: number, what: string): void {
  if (!Number.isFinite(value) || value < 0) throw new BudgetError(`${what} must be a finite number >= 0, got ${value}`);
}

/** Decimal places of the shortest text form of `x` (99.9 -> 1, 99.95 -> 2, 1.5e-7 -> 8). */
function decimalPlaces(x: number): number {
  const match = /(?:\.(\d+))?(?:e([+-]\d+))?$/i.exec(String(x));
  const fraction = match?.[1]?.length ?? 0;
  const exponent = Number(match?.[2] ?? 0);
  return Math.max(0, fraction - exponent);
}

/**
 * Error budget as a PERCENT of events: 100 - target (99.9 -> 0.1). The target is taken as the decimal it was
 * written as, so the result is rounded to the target's decimal places: the budget of 99.9 is exactly the double
 * nearest 0.1, not 0.0999999999999943, and 43.2 minutes prints as 43.2.
 */
export function budgetPctOf(targetPct: number): number {
  checkTarget(targetPct);
  const places = decimalPlaces(targetPct);
  return places <= 15 ? roundTo(100 - targetPct, places) : 100 - targetPct;
}

function result(allowedBad: number, bad: number): BudgetResult {
  const consumedRatio = allowedBad > 0 ? bad / allowedBad : 0;
  return { allowedBad, bad, consumedRatio, remainingPct: 100 * (1 - consumedRatio) };
}

/**
 * Occurrence SLI budget over a window (exclusions already removed): allowed bad = (1 - target/100) * total,
 * consumed = (total - good) / allowed. No events (total 0): nothing consumed, 100 % remaining.
 */
export function occurrenceBudget(input: { good: number; total: number; targetPct: number }): BudgetResult {
  const budgetPct = budgetPctOf(input.targetPct);
  checkCount(input.good, 'good');
  checkCount(input.total, 'total');
  if (input.total === 0) return result(0, 0);
  const bad = Math.max(0, input.total - input.good);
  return result((budgetPct * input.total) / 100, bad);
}

/**
 * Timeslice SLI budget: known up front, allowed bad slices = (1 - target/100) * slices in the window
 * (99.9 % of 30 days of 1-minute slices = 43.2).
 */
export function timesliceBudget(input: { badSlices: number; windowSlices: number; targetPct: number }): BudgetResult {
  const budgetPct = budgetPctOf(input.targetPct);
  checkCount(input.badSlices, 'badSlices');
  checkCount(input.windowSlices, 'windowSlices');
  if (input.windowSlices === 0) throw new BudgetError('windowSlices must be above 0: a window holds at least one slice');
  return result((budgetPct * input.windowSlices) / 100, input.badSlices);
}

/** Milliseconds of bad time a target allows over a window of `windowMs`: (100 - target) * windowMs / 100. */
export function allowedBadTime(targetPct: number, windowMs: number): number {
  checkCount(windowMs, 'windowMs');
  return roundTo((budgetPctOf(targetPct) * windowMs) / 100, 3); // microsecond precision
}

export const DEFAULT_TABLE_TARGETS_PCT: readonly number[] = [99, 99.5, 99.9, 99.95, 99.99];

/**
 * Allowed bad time for `targetPct` and its neighbours (default 99, 99.5, 99.9, 99.95, 99.99 percent) over
 * `windowMs`, sorted by target ascending, duplicates removed. 99.9 % over 30 d = 43.2 minutes.
 */
export function budgetTable(
  targetPct: number,
  windowMs: number,
  neighbours: number[] = [...DEFAULT_TABLE_TARGETS_PCT],
): { targetPct: number; allowedBadMs: number; allowedBadMinutes: number }[] {
  const targets = [...new Set([targetPct, ...neighbours].map((t) => roundTo(t)))].sort((a, b) => a - b);
  return targets.map((t) => {
    const allowedBadMs = allowedBadTime(t, windowMs);
    return { targetPct: t, allowedBadMs, allowedBadMinutes: roundTo(allowedBadMs / MINUTE_MS) };
  });
}
