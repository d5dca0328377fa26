/**
 * The contracts a construct enforces, given either as a folder of YAML files (loaded and validated here, at
 * synth) or as contracts already loaded (validated again, defaults filled in, names checked unique).
 */
import { ContractSchema, type Contract } from '../functions/core/contract.ts';
import { loadContractsOrThrow } from '../functions/contracts/loader.ts';
import { SloContractsConfigError } from './errors.ts';

/**
 * A folder (or one file) of contract YAML, as `slo validate` reads it; or contracts already loaded with
 * `loadContractsOrThrow(path).map((c) => c.contract)` or built in code.
 */
export type ContractsSource = string | readonly Contract[];

/**
 * The validated contracts. A folder with an invalid file throws the loader's ContractValidationError (one
 * `file: path: message` line per problem); invalid loaded contracts throw SloContractsConfigError naming
 * `contracts[i] (name): path: message`.
 */
export function resolveContracts(source: ContractsSource): Contract[] {
  if (typeof source === 'string') return validateContracts(loadContractsOrThrow(source).map((c) => c.contract), source);
  return validateContracts(source);
}

/** Re-validates (defaults filled) and checks names are unique; the message names the contract and the path. */
function validateContracts(input: readonly Contract[], from?: string): Contract[] {
  if (input.length === 0) {
    throw new SloContractsConfigError(
      `contracts is empty${from !== undefined ? ` (${from})` : ''}: give at least one contract (see contracts/*.yaml and \`slo validate\`)`,
    );
  }
  const problems: string[] = [];
  const out: Contract[] = [];
  const seen = new Set<string>();
  input.forEach((raw, i) => {
    const result = ContractSchema.safeParse(raw);
    const label = typeof raw?.metadata?.name === 'string' ? `contracts[${i}] (${raw.metadata.name})` : `contracts[${i}]`;
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`${label}: ${issue.path.map(String).join('.') || '(contract)'}: ${issue.message}`);
      return;
    }
    if (seen.has(result.data.metadata.name)) {
      problems.push(`${label}: metadata.name: duplicate contract name "${result.data.metadata.name}": names must be unique`);
      return;
    }
    seen.add(result.data.metadata.name);
    out.push(result.data);
  });
  if (problems.length > 0) throw new SloContractsConfigError(`invalid contracts:\n${problems.join('\n')}`);
  return out;
}
