/**
 * The contract schema as JSON Schema, so editors (yaml-language-server, JetBrains) check contracts as they
 * are typed. Generated from the same zod schema the loader enforces; the committed copy lives at
 * contracts/slo-contract.schema.json and `npm run schema` refreshes it.
 *
 * Cross-field rules (one SLI kind, falling tier thresholds, sign-off roles, unique names) are refinements
 * that JSON Schema cannot express: editors miss those, `slo validate` catches them.
 */
import { z } from 'zod';
import { ContractSchema } from '../core/contract.ts';

export const CONTRACT_SCHEMA_ID = 'https://slo-contracts.dev/schema/slo-contract.schema.json';
/** Where the committed schema lives, relative to the repository root. */
export const CONTRACT_SCHEMA_FILE = 'contracts/slo-contract.schema.json';

/** JSON Schema (draft 2020-12) of a contract file as written (`io: 'input'`: fields with defaults are optional). */
export function contractJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ContractSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: CONTRACT_SCHEMA_ID,
    title: 'SLO contract (slo-contracts/v1)',
    description:
      'One critical user journey: its SLIs, targets in percent, window, sign-offs, review date and error-budget policy. Validate with `slo validate`.',
    ...rest,
  };
}

/** The schema as committed: 2-space indentation and a trailing newline. */
export function contractJsonSchemaText(): string {
  return `${JSON.stringify(contractJsonSchema(), null, 2)}\n`;
}
