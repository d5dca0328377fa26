/**
 * Reading the deployed state for `slo status` (and the demo's closing view). Read-only by construction: it is
 * given only the store's read methods. Every read is a key lookup or a Query: the catalog (one Query), the
 * objective states (BatchGet), the contracts' gates plus the registry of gates ever frozen, and the overrides.
 */
import type { CatalogEntry, StorePort } from '../ports.ts';
import { buildStatus, deployedContracts, type StatusView } from '../core/status.ts';

export type StatusReader = Pick<StorePort, 'listCatalog' | 'getObjectiveStates' | 'getGates' | 'listGates' | 'listOverrides'>;

/** The table holds no deployed contract (the evaluator writes the catalog at its first run after a deploy). */
export class EmptyCatalogError extends Error {
  override name = 'EmptyCatalogError';
}

/** A contract name that is not deployed; the message lists those that are. */
export class UnknownContractError extends Error {
  override name = 'UnknownContractError';
}

/** The deployed contracts as the table's catalog holds them (entries of removed contracts left out). */
export async function readDeployedContracts(store: Pick<StorePort, 'listCatalog'>, where: string): Promise<CatalogEntry[]> {
  const catalog = await store.listCatalog();
  if (catalog.length === 0) {
    throw new EmptyCatalogError(
      `no deployed contracts in ${where}: the evaluator records each contract at its first run after \`cdk deploy\` (every 5 minutes by default); check that it runs, and that this is the stack's table`,
    );
  }
  return deployedContracts(catalog);
}

export async function readStatus(store: StatusReader, now: number, opts: { contract?: string; where?: string } = {}): Promise<StatusView> {
  const deployed = await readDeployedContracts(store, opts.where ?? 'the table');
  const shown = opts.contract === undefined ? deployed : deployed.filter((e) => e.contract === opts.contract);
  if (shown.length === 0) {
    throw new UnknownContractError(`no deployed contract named "${opts.contract}": deployed are ${deployed.map((e) => e.contract).join(', ')}`);
  }
  const keys = shown.flatMap((e) => e.definition.spec.objectives.map((o) => ({ contract: e.contract, objective: o.name })));
  const refs = shown.flatMap((e) => e.definition.spec.gates.map((g) => ({ pipeline: g.pipeline, stage: g.stage })));
  const [states, listed, registered, overrides] = await Promise.all([store.getObjectiveStates(keys), store.getGates(refs), store.listGates(), store.listOverrides()]);
  const gates = [...new Map([...registered, ...listed].map((g) => [`${g.pipeline}#${g.stage}`, g])).values()];
  return buildStatus({ now, contracts: shown.map((entry) => ({ entry })), states, gates, overrides, all: opts.contract === undefined });
}
