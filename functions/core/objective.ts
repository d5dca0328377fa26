/**
 * The objective decision: from the previous state and this run's assessment to the next state, the history
 * entries and the notifications to record with it. Pure: the evaluate use case executes it with a conditional
 * write (recordObjective) and retries on a lost race.
 *
 * Rules that keep tiers honest:
 * - Only an `ok` assessment moves the tier. no-data, no-traffic (zero evidence), rebuilding and error hold it,
 *   so a window without events never lifts or sets a freeze, and a failure never unfreezes.
 * - Tiers move on evidence: with fewer than `minEvents` events in the budget window (ratio and latency SLIs)
 *   the tier does not fall, and nobody is notified; it may still recover. A new objective (or a calendar
 *   reset) starts with its full budget, in the best tier, until the evidence says otherwise.
 * - Burn alerts fire on the look-backs the ledger covers, in every status but error: a restart in the middle
 *   of an incident still pages.
 * - History keeps events (tier changes, alerts starting and clearing, status changes), never one item per run.
 *   Each UTC day's figures are handed back once, when the day is over, as a DailySummary.
 */
import type { Contract, Objective, Tier } from './contract.ts';
import type { DailySummary, DayStats, GateRef, HistoryEntry, ObjectiveState, OutboundMessage } from '../ports.ts';
import type { Assessment } from './assess.ts';
import type { LedgerSummary } from './ledger.ts';
import { decideTier, gateFrozenBy } from './policy.ts';
import { objectiveKey, tierSeverity } from './model.ts';
import { burnAlertMessage, tierChangeMessage, tierChangeSeverity } from './messages.ts';

export interface ObjectiveDecisionInput {
  contract: Contract;
  objective: Objective;
  assessment: Assessment;
  prev: ObjectiveState | undefined;
  now: number;
  /** The ledger to store with the state: the advanced one, `null` to drop it (lost: rebuild next run), undefined to keep prev's. */
  ledger?: LedgerSummary | null;
  /** Catalog bookkeeping to store with the state. */
  catalog?: { hash: string; at: number };
}

export interface ObjectiveDecision {
  state: ObjectiveState;
  history: HistoryEntry[];
  changed: boolean;
  /** The previous UTC day's summary, once the first run of a new day records it. */
  daily?: DailySummary;
}

/** UTC day of an instant, YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The policy's tier of that name, or null (no tier yet, or a name the policy no longer has). */
export function tierByName(tiers: Tier[], name: string | null): Tier | null {
  return name === null ? null : (tiers.find((t) => t.name === name) ?? null);
}

export function nextObjectiveState(input: ObjectiveDecisionInput): ObjectiveDecision {
  const { contract, objective, assessment: a, prev, now } = input;
  const name = contract.metadata.name;
  const subject = `objective:${objectiveKey(name, objective.name)}`;
  const version = (prev?.version ?? 0) + 1;
  const history: HistoryEntry[] = [];

  // A new UTC day: hand back yesterday's figures (as the last run of that day left them) and start afresh.
  const day = utcDay(now);
  let daily: DailySummary | undefined;
  let today: DayStats = prev?.today?.day === day ? { ...prev.today } : { day, minRemainingPct: null, tierChanges: 0, alertsStarted: 0 };
  if (prev?.today && prev.today.day !== day) {
    daily = {
      contract: name,
      objective: objective.name,
      day: prev.today.day,
      remainingPct: prev.remainingPct,
      minRemainingPct: prev.today.minRemainingPct,
      tier: prev.tier,
      status: prev.status,
      burnRates: prev.burnRates,
      tierChanges: prev.today.tierChanges,
      alertsStarted: prev.today.alertsStarted,
      lastEvaluatedAt: prev.lastEvaluatedAt,
    };
  }

  const ledger = input.ledger === undefined ? prev?.ledger : (input.ledger ?? undefined);
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
    ...(ledger ? { ledger, dataThrough: ledger.through } : prev?.dataThrough !== undefined ? { dataThrough: prev.dataThrough } : {}),
    ...(input.catalog ? { contractHash: input.catalog.hash, catalogAt: input.catalog.at } : prev?.contractHash ? { contractHash: prev.contractHash, catalogAt: prev.catalogAt ?? 0 } : {}),
    ...(prev?.reviewReminders ? { reviewReminders: prev.reviewReminders } : {}),
    today,
  };
  if (a.status !== 'ok') base.statusDetail = a.detail;
  if (a.status !== (prev?.status ?? 'ok')) {
    history.push({ subject, at: now, type: 'status', detail: { from: prev?.status ?? null, to: a.status, ...(a.status !== 'ok' ? { detail: a.detail } : {}), tier: base.tier } });
  }
  if (a.status === 'error') return { state: base, history, changed: false, ...(daily ? { daily } : {}) };

  const policy = contract.spec.policy;
  const previousTier = tierByName(policy.tiers, prev?.tier ?? null);
  let tier = previousTier;
  let changed = false;
  const state: ObjectiveState = { ...base, burnRates: { ...base.burnRates, ...a.burnRates }, activeAlerts: a.firing.map((r) => r.id) };
  if (a.status === 'ok') {
    // Thin evidence (ratio and latency SLIs): the tier may recover but not fall; a first judgment starts in the best tier.
    const thin = !objective.sli.timeslice && a.events < contract.spec.minEvents;
    const from = previousTier ?? (thin ? (policy.tiers[0] ?? null) : null);
    let next = decideTier(policy.tiers, from?.name ?? null, a.remainingPct, policy.recoveryMargin);
    if (thin && from && policy.tiers.indexOf(next) > policy.tiers.indexOf(from)) next = from;
    tier = next;
    changed = previousTier?.name !== next.name;
    state.tier = next.name;
    state.tierSince = changed ? now : base.tierSince;
    state.remainingPct = a.remainingPct;
    state.burnRates = a.burnRates;
    today = { ...today, minRemainingPct: Math.min(today.minRemainingPct ?? Infinity, a.remainingPct) };
  }

  const notes: OutboundMessage[] = [];
  if (changed && tier) {
    // The first evaluation of an objective announces only a tier worse than the best one.
    if (previousTier !== null || policy.tiers[0]?.name !== tier.name) {
      const okA = a as Extract<Assessment, { status: 'ok' }>;
      // Each gate's fate is filled in when the message is sent, from that run's gate outcomes.
      const gates = contract.spec.gates.map((g) => ({ gate: gateOf(g), frozenByTier: gateFrozenBy(tier as Tier, g) }));
      const severity = tierChangeSeverity(policy.tiers, previousTier, tier, tierSeverity(tier));
      notes.push(tierChangeMessage({ contract, objective, from: previousTier, to: tier, assessment: okA, atMs: now, gates }, severity));
    }
    history.push({ subject, at: now, type: 'tier-change', detail: { from: previousTier?.name ?? null, to: tier.name, remainingPct: state.remainingPct } });
    today = { ...today, tierChanges: today.tierChanges + 1 };
  }

  const before = new Set(prev?.activeAlerts ?? []);
  // Rules come most urgent first (page-fast, page-slow, ticket). A rule that starts while a more urgent one
  // is firing is recorded but not announced: one outage, one page, not a page, a page and a ticket.
  a.firing.forEach((rule, i) => {
    if (before.has(rule.id)) return;
    const covered = i > 0;
    const alsoStarting = a.firing.slice(i + 1).filter((r) => !before.has(r.id)).map((r) => r.id);
    if (!covered) notes.push(burnAlertMessage(contract, objective, rule, { burnRates: a.burnRates, remainingPct: state.remainingPct }, state.tier ?? '-', now, alsoStarting));
    history.push({ subject, at: now, type: 'burn-alert', detail: { alert: rule.id, severity: rule.severity, factor: rule.factor, burnRates: a.burnRates, announced: !covered } });
    today = { ...today, alertsStarted: today.alertsStarted + 1 };
  });
  for (const id of before) {
    if (!state.activeAlerts.includes(id)) history.push({ subject, at: now, type: 'burn-alert-cleared', detail: { alert: id } });
  }
  notes.forEach((message, i) => {
    const id = `v${version}-${i}`;
    state.outbox[id] = { id, createdAt: now, message, attempts: 0 };
  });
  state.today = today;
  return { state, history, changed, ...(daily ? { daily } : {}) };
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
