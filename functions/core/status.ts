/**
 * What `slo status` shows, assembled from the table's contents (the catalog of deployed contracts, objective
 * states, gate states, overrides). Pure: the CLI reads the table, this decides what it means, and
 * bin/status-command.ts renders it. Percentages are PERCENT OF ERROR BUDGET remaining; instants epoch ms UTC.
 */
import type { Contract } from './contract.ts';
import type { CatalogEntry, GateState, ObjectiveState, ObjectiveStatus, Override } from '../ports.ts';
import { windowBounds } from './window.ts';
import { forecastExhaustion } from './forecast.ts';
import { describeWindow } from './messages.ts';
import { objectiveKey } from './model.ts';
import { DAY_MS } from './duration.ts';
import { contractMarks, isFlagged, reviewStatus, type ReviewStatus } from './review.ts';

/** The burn look-backs `slo status` shows (labels as the state keys them). */
export const STATUS_BURN_LOOKBACKS = ['1h', '6h', '3d'] as const;

/**
 * The evaluator rewrites every deployed contract's catalog entry at least weekly (and at once when it changes).
 * An entry this much older than the newest one belongs to a contract no longer deployed: status and reports
 * leave it out (its history stays in the table).
 */
export const CATALOG_STALE_MS = 8 * DAY_MS;

/** The contracts deployed now: the catalog without entries left behind by contracts removed from the stack. */
export function deployedContracts(catalog: readonly CatalogEntry[]): CatalogEntry[] {
  const newest = Math.max(...catalog.map((e) => e.updatedAt));
  return catalog.filter((e) => e.updatedAt >= newest - CATALOG_STALE_MS).sort((a, b) => (a.contract < b.contract ? -1 : a.contract > b.contract ? 1 : 0));
}

export interface ObjectiveStatusRow {
  contract: string;
  objective: string;
  targetPct: number;
  /** Index of the tier in the policy (0 = best), -1 when there is none yet; the renderer colours by it. */
  tierIndex: number;
  tier: string | null;
  tierSince: number | null;
  /** True when the tier freezes some gate of the contract. */
  tierFreezes: boolean;
  remainingPct: number | null;
  burnRates: Partial<Record<(typeof STATUS_BURN_LOOKBACKS)[number], number>>;
  /** Exhaustion forecast at the 24 h burn rate: null when not burning or unknown (see forecastNote). */
  forecastAt: number | null;
  alreadyExhausted: boolean;
  forecastNote: string;
  /** End of the last complete period judged, and when the evaluator last ran for it. */
  dataThrough: number | null;
  lastEvaluatedAt: number | null;
  status: ObjectiveStatus | 'never-evaluated';
  statusDetail?: string;
}

export interface ContractStatus {
  contract: string;
  journey: string;
  owner: string;
  window: string;
  /** When the evaluator last wrote the contract to the catalog. */
  catalogUpdatedAt: number;
  objectives: ObjectiveStatusRow[];
  review: ReviewStatus;
}

export interface FreezeStatus {
  gate: string;
  since: number | null;
  reason: string | null;
  /** `contract#objective` keys holding it, with the instant each started holding. */
  holders: { key: string; since: number }[];
  /** The contracts (among those shown) that list the gate. */
  contracts: string[];
}

export interface StatusView {
  now: number;
  contracts: ContractStatus[];
  freezes: FreezeStatus[];
  overrides: Override[];
  reviewsDue: ReviewStatus[];
  /** Something shown is frozen: `slo status` exits 3. */
  frozen: boolean;
}

export interface StatusInput {
  now: number;
  /** The deployed contracts to show (already filtered to one when asked). */
  contracts: { entry: CatalogEntry }[];
  states: ReadonlyMap<string, ObjectiveState>;
  gates: readonly GateState[];
  overrides: readonly Override[];
  /** True when every deployed contract is shown: then gates no contract lists any more still count. */
  all: boolean;
}

function objectiveRow(contract: Contract, objective: Contract['spec']['objectives'][number], state: ObjectiveState | undefined, now: number): ObjectiveStatusRow {
  const tiers = contract.spec.policy.tiers;
  const tierIndex = state?.tier ? tiers.findIndex((t) => t.name === state.tier) : -1;
  const tier = tierIndex >= 0 ? tiers[tierIndex] : undefined;
  const burnRates: ObjectiveStatusRow['burnRates'] = {};
  // A series that never reported has no burn rate, whatever zeros the state holds.
  if (state && state.status !== 'no-data') for (const lb of STATUS_BURN_LOOKBACKS) if (state.burnRates[lb] !== undefined) burnRates[lb] = state.burnRates[lb];
  let forecastAt: number | null = null;
  let alreadyExhausted = false;
  let forecastNote: string;
  const burn = state?.status === 'no-data' ? undefined : state?.burnRates['1d'];
  if (!state || state.remainingPct === null) forecastNote = 'no budget figure yet';
  else if (burn === undefined) forecastNote = 'no 24 h burn rate yet';
  else {
    const f = forecastExhaustion({ remainingPct: state.remainingPct, burnRate: burn, windowLengthMs: windowBounds(contract.spec.window, now).lengthMs, nowMs: now });
    forecastAt = f.alreadyExhausted ? null : f.exhaustedAt;
    alreadyExhausted = f.alreadyExhausted;
    forecastNote = f.alreadyExhausted ? 'budget exhausted' : f.exhaustedAt === null ? 'not burning' : 'at the 24 h burn rate';
  }
  return {
    contract: contract.metadata.name,
    objective: objective.name,
    targetPct: objective.target,
    tierIndex,
    tier: state?.tier ?? null,
    tierSince: state?.tier ? state.tierSince : null,
    tierFreezes: tier !== undefined && tier.freeze !== 'none' && contract.spec.gates.some((g) => tier.freeze === 'all' || !g.critical),
    remainingPct: state?.remainingPct ?? null,
    burnRates,
    forecastAt,
    alreadyExhausted,
    forecastNote,
    dataThrough: state?.dataThrough ?? null,
    lastEvaluatedAt: state?.lastEvaluatedAt ?? null,
    status: state?.status ?? 'never-evaluated',
    ...(state && state.status !== 'ok' && state.statusDetail ? { statusDetail: state.statusDetail } : {}),
  };
}

export function buildStatus(input: StatusInput): StatusView {
  const contracts: ContractStatus[] = input.contracts.map(({ entry }) => {
    const c = entry.definition;
    return {
      contract: c.metadata.name,
      journey: c.metadata.journey,
      owner: c.metadata.owner,
      window: describeWindow(c),
      catalogUpdatedAt: entry.updatedAt,
      objectives: c.spec.objectives.map((o) => objectiveRow(c, o, input.states.get(objectiveKey(c.metadata.name, o.name)), input.now)),
      review: reviewStatus(c, input.now, contractMarks(c, input.states)),
    };
  });
  const shown = new Set(contracts.map((c) => c.contract));
  const listing = (g: GateState) =>
    input.contracts.filter(({ entry }) => entry.definition.spec.gates.some((x) => x.pipeline === g.pipeline && x.stage === g.stage)).map(({ entry }) => entry.contract);
  const freezes = input.gates
    .filter((g) => g.disabledByUs)
    .map((g) => ({ g, contracts: listing(g) }))
    // One contract asked for: its gates, and gates its objectives hold (a gate it dropped from its list).
    .filter(({ g, contracts: c }) => input.all || c.length > 0 || Object.keys(g.holders).some((k) => shown.has(k.split('#')[0] ?? '')))
    .map(({ g, contracts: c }) => ({
      gate: `${g.pipeline}/${g.stage}`,
      since: g.disabledAt ?? null,
      reason: g.disabledReason ?? null,
      holders: Object.entries(g.holders)
        .map(([key, since]) => ({ key, since }))
        .sort((a, b) => (a.key < b.key ? -1 : 1)),
      contracts: c.sort(),
    }))
    .sort((a, b) => (a.gate < b.gate ? -1 : 1));
  const gateScopes = new Set(freezes.map((f) => `gate:${f.gate}`));
  const contractGateScopes = new Set(input.contracts.flatMap(({ entry }) => entry.definition.spec.gates.map((g) => `gate:${g.pipeline}/${g.stage}`)));
  const overrides = input.overrides
    .filter((o) => o.revokedAt === undefined && o.createdAt <= input.now && input.now < o.until)
    .filter((o) => input.all || (o.scope.startsWith('contract:') ? shown.has(o.scope.slice('contract:'.length)) : gateScopes.has(o.scope) || contractGateScopes.has(o.scope)))
    .sort((a, b) => a.createdAt - b.createdAt);
  return {
    now: input.now,
    contracts,
    freezes,
    overrides,
    reviewsDue: contracts.map((c) => c.review).filter(isFlagged),
    frozen: freezes.length > 0,
  };
}
