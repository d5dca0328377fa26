/**
 * Small helpers over contract types that runtime code needs. Kept apart from contract.ts so the Lambda
 * bundle does not pull in zod: contracts are validated at synth, the evaluator only reads them.
 */
import type { Severity, Tier } from './contract.ts';

/** A timeslice's good-period comparison, e.g. `>= 100`: operator and number. */
export const COMPARISON_PATTERN = /^\s*(>=|<=|>|<|==)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** The severity a change into `tier` carries: explicit, else page for a freeze-all tier, else info. */
export function tierSeverity(tier: Tier): Severity {
  return tier.severity ?? (tier.freeze === 'all' ? 'page' : 'info');
}

/** `contract#objective`: how the store, metrics and gate holders name one objective. */
export function objectiveKey(contract: string, objective: string): string {
  return `${contract}#${objective}`;
}
