/**
 * The gates the contracts name, split by where they live: in the stack's own account (the evaluator calls
 * CodePipeline directly) or in another account (the evaluator assumes the gate role there). Pure data
 * helpers shared by the evaluator's permissions and the pipeline-account construct.
 */
import type { Contract } from '../../functions/core/contract.ts';

/** One stage transition the evaluator may freeze. */
export interface GateTarget {
  /** CodePipeline pipeline name. */
  readonly pipeline: string;
  /** Stage whose inbound transition is disabled while frozen. */
  readonly stage: string;
  /**
   * Region of the pipeline.
   *
   * @default - the region of the stack that grants the access
   */
  readonly region?: string;
}

/** Gates in the stack's own account, and gates by the other account they live in. */
export interface GatesByHome {
  readonly home: readonly GateTarget[];
  /** Account ID -> the gates in that account. */
  readonly remote: ReadonlyMap<string, readonly GateTarget[]>;
}

const targetKey = (g: GateTarget): string => `${g.region ?? ''}/${g.pipeline}/${g.stage}`;

/** Distinct gates of all contracts, by home; a gate listed by several contracts appears once. */
export function gatesByHome(contracts: readonly Contract[]): GatesByHome {
  const home = new Map<string, GateTarget>();
  const remote = new Map<string, Map<string, GateTarget>>();
  for (const c of contracts) {
    for (const g of c.spec.gates) {
      const target: GateTarget = { pipeline: g.pipeline, stage: g.stage, ...(g.region !== undefined ? { region: g.region } : {}) };
      if (g.account === undefined) {
        home.set(targetKey(target), target);
      } else {
        const inAccount = remote.get(g.account) ?? new Map<string, GateTarget>();
        inAccount.set(targetKey(target), target);
        remote.set(g.account, inAccount);
      }
    }
  }
  return {
    home: [...home.values()],
    remote: new Map([...remote.entries()].map(([account, gates]) => [account, [...gates.values()]])),
  };
}

/** The gates the contracts place in one account (what SloGateAccess in that account must allow). */
export function gatesInAccount(contracts: readonly Contract[], account: string): GateTarget[] {
  return [...(gatesByHome(contracts).remote.get(account) ?? [])];
}

/** Distinct pipelines (by region) of some gates: GetPipelineState is granted per pipeline. */
export function distinctPipelines(gates: readonly GateTarget[]): { pipeline: string; region?: string }[] {
  const seen = new Map<string, { pipeline: string; region?: string }>();
  for (const g of gates) {
    seen.set(`${g.region ?? ''}/${g.pipeline}`, { pipeline: g.pipeline, ...(g.region !== undefined ? { region: g.region } : {}) });
  }
  return [...seen.values()];
}
