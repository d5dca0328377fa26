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

/** A gate as far as naming goes (ports.ts GateRef): pipeline and stage, plus account and region for another account. */
interface GateName {
  pipeline: string;
  stage: string;
  account?: string;
  region?: string;
}

/**
 * How messages, history subjects and override scopes name a gate: `<pipeline>/<stage>` for the stack's own
 * account, `<account>/<region>/<pipeline>/<stage>` for another (so one pipeline name in two accounts stays
 * two gates). Names cannot contain `/`, so the segment count tells the two apart.
 */
export function gateId(gate: GateName): string {
  if (gate.account === undefined) return `${gate.pipeline}/${gate.stage}`;
  return `${gate.account}/${gate.region ?? '-'}/${gate.pipeline}/${gate.stage}`;
}

/**
 * The gate as the evaluator keys it: a gate in another account gets the stack's region when the contract
 * named none (`homeRegion`), and a gate in the stack's own account carries neither account nor region.
 */
export function gateRefOf(gate: GateName, homeRegion?: string): GateName {
  if (gate.account === undefined) return { pipeline: gate.pipeline, stage: gate.stage };
  const region = gate.region ?? homeRegion;
  return { pipeline: gate.pipeline, stage: gate.stage, account: gate.account, ...(region !== undefined ? { region } : {}) };
}
