/**
 * The objective decision, pure: from the last recorded state and this run's assessment, the next state of
 * one objective (tier, burn alerts), its history entries and the notifications recorded with it (outbox).
 * functions/usecases/evaluate.ts `recordObjective` executes it with a conditional write.
 */
import type { Contract, Objective, Tier } from './contract.ts';
import type { GateRef, HistoryEntry, ObjectiveState, OutboundMessage } from '../ports.ts';
import type { Assessment } from './assess.ts';
import { decideTier, gateFrozenBy } from './policy.ts';
import { objectiveKey, tierSeverity } from './model.ts';
import { burnAlertMessage, tierChangeMessage, tierChangeSeverity } from './messages.ts';

export function tierByName(tiers: Tier[], name: string | null): Tier | null {
  return name === null ? null : (tiers.find((t) => t.name === name) ?? null);
}

export function nextObjectiveState(
  contract: Contract,
  objective: Objective,
  a: Assessment,
  dataThrough: number | undefined,
  prev: ObjectiveState | undefined,
  now: number,
): { state: ObjectiveState; history: HistoryEntry[]; changed: boolean } {
  const name = contract.metadata.name;
  const subject = `objective:${objectiveKey(name, objective.name)}`;
  const version = (prev?.version ?? 0) + 1;
  const base: ObjectiveState = {
    contract: name,
    objective: objective.name,
    tier: prev?.tier ?? null,
    tierSince: prev?.tierSince ?? now,
    remainingPct: prev?.remainingPct ?? null,
    burnRates: prev?.burnRates ?? {},
    activeAlerts: prev?.activeAlerts ?? [],
    status: a.status,
    lastEvaluatedAt: now,
    version,
    outbox: { ...(prev?.outbox ?? {}) },
    ...(prev?.dataThrough !== undefined ? { dataThrough: prev.dataThrough } : {}),
  };
  if (a.status !== 'ok') {
    // No data or a failed fetch: the tier holds (never unfreeze on ignorance), and the reason is kept.
    const state = { ...base, statusDetail: a.detail };
    return { state, history: [{ subject, at: now, type: a.status === 'error' ? 'error' : 'no-data', detail: { detail: a.detail, tier: base.tier } }], changed: false };
  }
  const policy = contract.spec.policy;
  const previousTier = tierByName(policy.tiers, prev?.tier ?? null);
  const tier = decideTier(policy.tiers, previousTier?.name ?? null, a.remainingPct, policy.recoveryMargin);
  const changed = previousTier?.name !== tier.name;
  const state: ObjectiveState = {
    ...base,
    tier: tier.name,
    tierSince: changed ? now : base.tierSince,
    remainingPct: a.remainingPct,
    burnRates: a.burnRates,
    activeAlerts: a.firing.map((r) => r.id),
    ...(dataThrough !== undefined ? { dataThrough } : {}),
  };
  const history: HistoryEntry[] = [
    { subject, at: now, type: 'evaluation', detail: { remainingPct: a.remainingPct, burnRates: a.burnRates, tier: tier.name, events: a.events, badEvents: a.badEvents } },
  ];
  const notes: OutboundMessage[] = [];
  // The first evaluation of an objective announces only a tier worse than the best one.
  const announceChange = changed && (previousTier !== null || policy.tiers[0]?.name !== tier.name);
  if (announceChange) {
    // What happens to each gate is only known once the run has reconciled them: it is added when sent.
    const gates = contract.spec.gates.map((g) => ({ gate: gateOf(g), frozenByTier: gateFrozenBy(tier, g) }));
    const severity = tierChangeSeverity(policy.tiers, previousTier, tier, tierSeverity(tier));
    notes.push(tierChangeMessage({ contract, objective, from: previousTier, to: tier, assessment: a, atMs: now, gates }, severity));
  }
  if (changed) history.push({ subject, at: now, type: 'tier-change', detail: { from: previousTier?.name ?? null, to: tier.name, remainingPct: a.remainingPct } });
  const before = new Set(prev?.activeAlerts ?? []);
  // Rules come most urgent first (page-fast, page-slow, ticket). A rule that starts while a more urgent one
  // is firing is recorded but not announced: one outage, one page, not a page, a page and a ticket.
  a.firing.forEach((rule, i) => {
    if (before.has(rule.id)) return;
    const covered = i > 0;
    const alsoStarting = a.firing.slice(i + 1).filter((r) => !before.has(r.id)).map((r) => r.id);
    if (!covered) notes.push(burnAlertMessage(contract, objective, rule, a, tier.name, now, alsoStarting));
    history.push({ subject, at: now, type: 'burn-alert', detail: { alert: rule.id, severity: rule.severity, factor: rule.factor, burnRates: a.burnRates, announced: !covered } });
  });
  for (const id of before) {
    if (!state.activeAlerts.includes(id)) history.push({ subject, at: now, type: 'burn-alert-cleared', detail: { alert: id } });
  }
  notes.forEach((message, i) => {
    const id = `v${version}-${i}`;
    state.outbox[id] = { id, createdAt: now, message, attempts: 0 };
  });
  return { state, history, changed };
}

/** A contract's gate as a GateRef (account and region only when the contract names them). */
function gateOf(g: Contract['spec']['gates'][number]): GateRef {
  return {
    pipeline: g.pipeline,
    stage: g.stage,
    ...(g.account !== undefined ? { account: g.account } : {}),
    ...(g.region !== undefined ? { region: g.region } : {}),
  };
}
