/**
 * The error-budget policy: which tier applies at a given PERCENT of budget remaining, with hysteresis.
 * Tiers run from best to worst; each but the last has `above` (percent of budget remaining), falling; the last
 * catches everything below.
 */
import type { Tier } from './contract.ts';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Index of the first tier whose threshold the remaining budget (percent) is strictly above, else the last tier. */
export function tierIndexFor(tiers: Tier[], remainingPct: number): number {
  return indexAbove(tiers, remainingPct, 0);
}

/**
 * First tier with remaining > above + marginPts, else the last. Adding the margin to the threshold (rather than
 * subtracting it from remaining) keeps "exactly threshold + margin" exact in floating point: (25 + m) - m can be
 * 25.000000000000004.
 */
function indexAbove(tiers: Tier[], remainingPct: number, marginPts: number): number {
  if (tiers.length === 0) throw new PolicyError('a policy needs at least one tier');
  const index = tiers.findIndex((t) => t.above !== undefined && remainingPct > t.above + marginPts);
  return index === -1 ? tiers.length - 1 : index;
}

function tierAt(tiers: Tier[], index: number): Tier {
  const tier = tiers[index];
  if (!tier) throw new PolicyError(`no tier at index ${index} (policy has ${tiers.length})`);
  return tier;
}

/**
 * The tier to be in, given the current one.
 * - No current tier (or a name the policy no longer has): tierIndexFor(remaining).
 * - Worse: step down at once (at exactly the current tier's threshold the tier is left: it needs remaining > above).
 * - Better: only as far as tierIndexFor(remaining - recoveryMarginPts), i.e. remaining must be above a better
 *   tier's threshold + margin (points of percent) to step back up; never worse than current.
 */
export function decideTier(tiers: Tier[], currentName: string | null, remainingPct: number, recoveryMarginPts: number): Tier {
  const plain = tierIndexFor(tiers, remainingPct);
  const current = currentName === null ? -1 : tiers.findIndex((t) => t.name === currentName);
  if (current === -1 || plain >= current) return tierAt(tiers, plain);
  const withMargin = indexAbove(tiers, remainingPct, Math.max(0, recoveryMarginPts));
  return tierAt(tiers, Math.min(withMargin, current));
}

/** Whether a tier freezes a gate: 'all' freezes every gate, 'non-critical' only non-critical ones, 'none' nothing. */
export function gateFrozenBy(tier: Tier, gate: { critical: boolean }): boolean {
  switch (tier.freeze) {
    case 'all':
      return true;
    case 'non-critical':
      return !gate.critical;
    default:
      return false;
  }
}
