/**
 * Audiences: who besides a contract's own recipients hears of a change. A tier's `notify` names audiences
 * (`leadership`, `team-web`, `chat`); the stack defines each one ONCE for all its contracts (email addresses,
 * an existing SNS topic, an HTTPS endpoint) and subscribes it with a filter on the `audience` message attribute.
 *
 * Why the stack and not the contract: who leadership is (or where a team's chat lives) is a fact about the
 * organisation, not about one journey. Defined per contract it would be repeated in every file, drift apart,
 * and changing the CTO's address would mean re-signing every contract. The contract says WHO should hear
 * (a name, reviewed with it); the stack says HOW to reach them, like the pager's SSM parameter.
 *
 * A tier naming an audience the stack does not define is an error at synth, with the contract file and path.
 * There is no silent fallback: the default policy's warning tier names `leadership`, so a stack whose contracts
 * use the default policy must define leadership (or the contracts must write their own tiers without it).
 *
 * Pure; the contract schema is imported for the default policy (this module runs at synth, never in a Lambda).
 */
import { PolicySchema, type Contract } from './contract.ts';
import { LEADERSHIP_AUDIENCE } from './review.ts';

export { LEADERSHIP_AUDIENCE };

/** Audience names follow contract names: lower-case letters, digits and dashes. */
export const AUDIENCE_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export interface AudienceIssue {
  /** Where in the contract: `spec.policy.tiers[1].notify[0]`. */
  path: string;
  audience: string;
  message: string;
}

const DEFAULT_TIERS_JSON = JSON.stringify(PolicySchema.parse({}).tiers);

/** True when the contract's tiers are the default policy's (written as `policy: {}` or spelled out the same). */
export function usesDefaultTiers(contract: Contract): boolean {
  return JSON.stringify(contract.spec.policy.tiers) === DEFAULT_TIERS_JSON;
}

/** Every audience a tier names that `defined` does not hold: one issue per name, at its path. */
export function undefinedAudiences(contract: Contract, defined: readonly string[]): AudienceIssue[] {
  const known = new Set(defined);
  const byDefault = usesDefaultTiers(contract);
  const list = defined.length ? [...defined].sort().join(', ') : 'none';
  const issues: AudienceIssue[] = [];
  contract.spec.policy.tiers.forEach((tier, i) => {
    tier.notify.forEach((audience, j) => {
      if (known.has(audience)) return;
      const why = byDefault && audience === LEADERSHIP_AUDIENCE ? " (the default policy's warning tier tells leadership)" : '';
      issues.push({
        path: `spec.policy.tiers[${i}].notify[${j}]`,
        audience,
        message:
          `audience "${audience}" is not defined for this stack${why}: define it once for all contracts (SloContracts prop \`audiences\`, ` +
          `or "audiences" in the cdk.json context), or take it out of tier "${tier.name}" (defined: ${list})`,
      });
    });
  });
  return issues;
}

/** The audiences a set of contracts names, sorted. */
export function namedAudiences(contracts: readonly Contract[]): string[] {
  return [...new Set(contracts.flatMap((c) => c.spec.policy.tiers.flatMap((t) => t.notify)))].sort();
}
