/**
 * Burn rates and the multi-window, multi-burn-rate alerts of the SRE workbook. A burn rate is a RATIO of
 * speeds: 1.0 spends exactly the whole budget by the end of the window, 14.4 spends 30 days of budget in 50 h.
 */
import { budgetPctOf } from './budget.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, formatDuration } from './duration.ts';

export class BurnError extends Error {
  override name = 'BurnError';
}

/**
 * Burn rate over one look-back: (bad / total) / (1 - target/100), i.e. the observed error ratio divided by the
 * error ratio the target allows. No events (total <= 0): 0.
 */
export function burnRate(input: { bad: number; total: number; targetPct: number }): number {
  const budgetPct = budgetPctOf(input.targetPct);
  if (!(input.total > 0)) return 0;
  const errorRatio = Math.max(0, input.bad) / input.total;
  return errorRatio / (budgetPct / 100);
}

export interface AlertRule {
  id: string;
  severity: 'page' | 'ticket';
  /** Long look-back, ms. */
  longMs: number;
  /** Short look-back, ms (confirms the burn is still going on). */
  shortMs: number;
  /** Burn-rate threshold (ratio); the rule fires when both look-backs burn strictly faster. */
  factor: number;
  /** PERCENT of the window's budget the long look-back would spend at `factor`. */
  budgetSpentPct: number;
}

const WORKBOOK_RULES: readonly Omit<AlertRule, 'factor'>[] = [
  { id: 'page-fast', severity: 'page', longMs: HOUR_MS, shortMs: 5 * MINUTE_MS, budgetSpentPct: 2 },
  { id: 'page-slow', severity: 'page', longMs: 6 * HOUR_MS, shortMs: 30 * MINUTE_MS, budgetSpentPct: 5 },
  { id: 'ticket', severity: 'ticket', longMs: 3 * DAY_MS, shortMs: 6 * HOUR_MS, budgetSpentPct: 10 },
];

/**
 * The SRE workbook's alert set scaled to the window: factor = budgetSpentPct/100 * windowHours / longHours.
 * 30 d: 14.4, 6, 1; 28 d: 13.44, 5.6, 0.9333...
 */
export function defaultAlertRules(windowLengthMs: number): AlertRule[] {
  if (!Number.isFinite(windowLengthMs) || windowLengthMs <= 0) {
    throw new BurnError(`windowLengthMs must be a positive number of milliseconds, got ${windowLengthMs}`);
  }
  // Integer products first, one division last: 2 * 30d / (100 * 1h) is exactly the double nearest 14.4.
  return WORKBOOK_RULES.map((r) => ({ ...r, factor: (r.budgetSpentPct * windowLengthMs) / (100 * r.longMs) }));
}

/** Every distinct look-back the default rules and the forecast use, shortest first (ms): 5m 30m 1h 6h 1d 3d. */
export const BURN_LOOKBACKS_MS: readonly number[] = [5 * MINUTE_MS, 30 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS, 3 * DAY_MS];

/** Label of a look-back as the state and metrics key it: 300000 -> '5m', 86400000 -> '1d'. */
export function lookbackLabel(ms: number): string {
  return formatDuration(ms);
}

/**
 * Rules firing now: both the long and the short look-back burn strictly above the rule's factor, and the long
 * look-back saw at least `minEvents` events (so a handful of failures at low traffic stays quiet).
 */
export function firingAlerts(
  rules: AlertRule[],
  burnAt: (lookbackMs: number) => { rate: number; events: number },
  minEvents: number,
): AlertRule[] {
  return rules.filter((rule) => {
    const long = burnAt(rule.longMs);
    if (long.events < minEvents || !(long.rate > rule.factor)) return false;
    return burnAt(rule.shortMs).rate > rule.factor;
  });
}

/**
 * Burn-rate look-backs published as CloudWatch metrics and drawn on the dashboard: the long windows of the
 * three alerts (page-fast 1h, page-slow 6h, ticket 3d). Every other look-back is still computed and kept in
 * state; publishing all six would cost 6 custom metrics ($0.30 a month each) per objective instead of 3.
 */
export const PUBLISHED_BURN_LOOKBACKS: readonly string[] = ['1h', '6h', '3d'];
