/**
 * The evaluate use case: every objective of every contract, once per scheduled run.
 *
 *   fetch all series once -> assess each objective -> decide its tier -> record the change and its
 *   notifications with one conditional write -> reconcile every gate -> send what is pending.
 *
 * Safe under at-least-once delivery: state writes are conditional on a version, so of two overlapping
 * runs exactly one records a change (and its notification); the loser re-reads and finds nothing to do.
 * Notifications are claimed before sending, so a pending one is sent by one run only, and a failed send
 * stays pending for the next run. Errors are contained per objective and per gate, and never unfreeze.
 */
import type { Contract, Objective, Tier } from '../core/contract.ts';
import type {
  GateState,
  HistoryEntry,
  ObjectiveState,
  OutboundMessage,
  Override,
  PendingNotification,
  Ports,
  RecordRef,
} from '../ports.ts';
import { GateNotFoundError } from '../ports.ts';
import { activeOverrides } from './override.ts';
import { assessObjective, DEFAULT_DATA_LAG_MS, planObjective, type Assessment, type ObjectivePlan } from '../core/assess.ts';
import { decideTier, gateFrozenBy } from '../core/policy.ts';
import { freezeReason, REASON_PREFIX } from '../core/reason.ts';
import { objectiveKey, tierSeverity } from '../core/model.ts';
import { burnAlertMessage, freezeMessage, overrideMessage, tierChangeMessage, tierChangeSeverity, unfreezeMessage } from '../core/messages.ts';

export interface EvaluateOptions {
  /** How long a transition re-enabled by a person in the console is honoured before freezing again (ms). */
  overrideHonourMs: number;
  /** How long one run may hold a notification while sending it (ms). @default 120000 */
  sendLeaseMs?: number;
  /** Attempts at a conditional write before giving up on one record for this run. @default 5 */
  maxWriteAttempts?: number;
  /** Objectives recorded at once (each is a few DynamoDB round trips). @default 8 */
  concurrency?: number;
  /** How far behind now to stop judging data (ms), so half-published periods are not read as failures. @default 180000 */
  dataLagMs?: number;
  /** GetMetricData calls' worth of series fetched before assessing and dropping them (memory bound). @default 4 */
  fetchChunkCalls?: number;
}

/** GetMetricData limits per call (the adapter batches by the same numbers). */
const CALL_QUERIES = 500;
const CALL_DATAPOINTS = 100_800;

/**
 * Consecutive groups of objectives whose series fill at most `maxCalls` GetMetricData calls, packed the way
 * the adapter packs them, so chunking adds no partly filled calls. Four calls (the adapter's concurrency)
 * of up to 100,800 datapoints each bound the series held at once to about 60 MB.
 */
function fetchChunks<T extends { plan?: ObjectivePlan }>(items: T[], maxCalls: number): { item: T; index: number }[][] {
  const chunks: { item: T; index: number }[][] = [];
  let current: { item: T; index: number }[] = [];
  let calls = 0;
  let queries = 0;
  let points = 0;
  const add = (n: number) => {
    if (calls === 0 || queries + 1 > CALL_QUERIES || points + n > CALL_DATAPOINTS) {
      calls++;
      queries = 0;
      points = 0;
    }
    queries++;
    points += n;
  };
  items.forEach((item, index) => {
    const sizes = (item.plan?.queries ?? []).map(({ query: q }) => Math.ceil((q.endMs - q.startMs) / (q.periodSeconds * 1000)));
    sizes.forEach(add);
    // An objective that would need one call more starts the next chunk (one larger than a chunk goes alone).
    if (current.length > 0 && calls > maxCalls) {
      chunks.push(current);
      current = [];
      calls = 0;
      queries = 0;
      points = 0;
      sizes.forEach(add);
    }
    current.push({ item, index });
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface ObjectiveOutcome {
  contract: string;
  objective: string;
  status: ObjectiveState['status'];
  tier: string | null;
  previousTier: string | null;
  remainingPct: number | null;
  burnRates: Record<string, number>;
  detail?: string;
}

export interface GateOutcome {
  pipeline: string;
  stage: string;
  action: 'none' | 'froze' | 'unfroze' | 'override' | 'held-by-person' | 'error';
  holders: string[];
  detail?: string;
}

export interface EvaluationSummary {
  at: number;
  objectives: ObjectiveOutcome[];
  gates: GateOutcome[];
  tierChanges: number;
  notificationsSent: number;
  notificationsFailed: number;
  notificationsPending: number;
  errors: number;
}

interface GateSpec {
  pipeline: string;
  stage: string;
  /** Per contract that lists the gate: is it critical for that contract? */
  criticalFor: Map<string, boolean>;
}

const gateId = (pipeline: string, stage: string) => `${pipeline}/${stage}`;

export async function evaluate(ports: Ports, contracts: Contract[], options: EvaluateOptions): Promise<EvaluationSummary> {
  const { clock, store, metrics } = ports;
  const log = ports.log ?? (() => undefined);
  const now = clock.now();
  const maxAttempts = options.maxWriteAttempts ?? 5;
  const summary: EvaluationSummary = {
    at: now,
    objectives: [],
    gates: [],
    tierChanges: 0,
    notificationsSent: 0,
    notificationsFailed: 0,
    notificationsPending: 0,
    errors: 0,
  };

  // 1. Plan every series (what to fetch, at which period, over which range).
  const plans: { contract: Contract; objective: Objective; plan?: ObjectivePlan; planError?: string }[] = [];
  let seq = 0;
  for (const contract of contracts) {
    for (const objective of contract.spec.objectives) {
      try {
        plans.push({ contract, objective, plan: planObjective(contract, objective, now, `q${seq++}`, options.dataLagMs ?? DEFAULT_DATA_LAG_MS) });
      } catch (err) {
        plans.push({ contract, objective, planError: errorText(err) });
      }
    }
  }
  // 2. Fetch each series once, assess, decide, record: each objective contained, so one failure never
  // stops the others. Series are fetched a chunk of objectives at a time and dropped once assessed, so
  // memory stays bounded however many objectives there are (a 30-day series is 8,640 points).
  const states = await store.getObjectiveStates(plans.map((p) => ({ contract: p.contract.metadata.name, objective: p.objective.name })));
  const finalStates = new Map<string, ObjectiveState>();
  const uncertain = new Set<string>();
  // Objectives are independent: record them a few at a time (DynamoDB round trips dominate), keep order.
  const outcomes: ObjectiveOutcome[] = new Array(plans.length);
  for (const chunk of fetchChunks(plans, options.fetchChunkCalls ?? 4)) {
    const results = await metrics.fetch(chunk.flatMap(({ item: p }) => p.plan?.queries.map((q) => q.query) ?? []));
    await forEachLimit(chunk, options.concurrency ?? 8, async ({ item: p, index }) => {
      const key = objectiveKey(p.contract.metadata.name, p.objective.name);
      try {
        const assessment: Assessment = p.plan ? assessObjective(p.contract, p.objective, p.plan, results) : { status: 'error', detail: p.planError ?? 'could not plan' };
        const outcome = await recordObjective(ports, p.contract, p.objective, assessment, p.plan?.endMs, states.get(key), now, maxAttempts);
        finalStates.set(key, outcome.state);
        outcomes[index] = outcome.outcome;
        if (outcome.changed) summary.tierChanges++;
        if (assessment.status === 'ok') {
          ports.telemetry?.budgetRemaining(p.contract.metadata.name, p.objective.name, assessment.remainingPct);
          for (const [lb, rate] of Object.entries(assessment.burnRates)) ports.telemetry?.burnRate(p.contract.metadata.name, p.objective.name, lb, rate);
        } else if (assessment.status === 'no-data') {
          ports.telemetry?.noData(p.contract.metadata.name, p.objective.name);
        } else {
          summary.errors++;
          log('warn', 'objective not evaluated', { contract: p.contract.metadata.name, objective: p.objective.name, detail: assessment.detail });
        }
      } catch (err) {
        // The store failed for this objective: keep going with the others. What it holds is unknown now,
        // so the gates keep whatever they had for it (never unfreeze on an error).
        summary.errors++;
        uncertain.add(key);
        const prev = states.get(key);
        outcomes[index] = {
          contract: p.contract.metadata.name,
          objective: p.objective.name,
          status: 'error',
          tier: prev?.tier ?? null,
          previousTier: prev?.tier ?? null,
          remainingPct: prev?.remainingPct ?? null,
          burnRates: prev?.burnRates ?? {},
          detail: errorText(err),
        };
          log('error', 'objective state could not be recorded', { contract: p.contract.metadata.name, objective: p.objective.name, error: errorText(err) });
      }
    });
  }
  summary.objectives.push(...outcomes);

  // 3. Gates: who holds each one, then make CodePipeline agree.
  let overrides: Override[] | undefined;
  try {
    overrides = activeOverrides(await store.listOverrides(), now);
  } catch (err) {
    // Without overrides we cannot know what a person allowed: skip gate changes this run rather than guess.
    summary.errors++;
    log('error', 'overrides could not be read; gates left as they are this run', { error: errorText(err) });
  }
  const gateStates: GateState[] = [];
  if (overrides !== undefined) {
    const specs = gateSpecs(contracts);
    let known: GateState[] = [];
    try {
      known = await store.listGates();
    } catch (err) {
      summary.errors++;
      log('error', 'gates could not be listed', { error: errorText(err) });
    }
    // Gates no longer in any contract still get reconciled, so a freeze we set is lifted.
    for (const g of known) {
      if (!specs.has(gateId(g.pipeline, g.stage)) && (g.disabledByUs || Object.keys(g.holders).length > 0)) {
        specs.set(gateId(g.pipeline, g.stage), { pipeline: g.pipeline, stage: g.stage, criticalFor: new Map() });
      }
    }
    // Gates are independent of each other: a few at a time, outcomes kept in order.
    const list = [...specs.values()];
    const results: { outcome: GateOutcome; state?: GateState }[] = new Array(list.length);
    await forEachLimit(list, 4, async (spec, i) => {
      const holders = desiredHolders(spec, contracts, finalStates, overrides);
      try {
        results[i] = await reconcileGate(ports, spec, finalStates, holders, uncertain, overrides, now, options, maxAttempts);
      } catch (err) {
        results[i] = { outcome: { pipeline: spec.pipeline, stage: spec.stage, action: 'error', holders: Object.keys(holders), detail: errorText(err) } };
        log('error', 'gate could not be reconciled', { pipeline: spec.pipeline, stage: spec.stage, error: errorText(err) });
      }
    });
    for (const r of results) {
      summary.gates.push(r.outcome);
      if (r.state) gateStates.push(r.state);
      if (r.outcome.action === 'error') summary.errors++;
    }
  }

  // 4. Send what is pending, this run's and earlier runs' alike.
  // Objectives' messages first (a tier change explains the freeze that follows), then the gates'.
  const objectiveOutboxes = plans
    .map((p) => finalStates.get(objectiveKey(p.contract.metadata.name, p.objective.name)))
    .filter((s): s is ObjectiveState => s !== undefined)
    .map((s) => ({ ref: { kind: 'objective', contract: s.contract, objective: s.objective } as RecordRef, outbox: s.outbox }));
  const gateOutboxes = gateStates.map((g) => ({ ref: { kind: 'gate', pipeline: g.pipeline, stage: g.stage } as RecordRef, outbox: g.outbox }));
  const leaseMs = options.sendLeaseMs ?? 120_000;
  const first = await drainOutboxes(ports, objectiveOutboxes, now, leaseMs);
  const second = await drainOutboxes(ports, gateOutboxes, now, leaseMs);
  const sent = { sent: first.sent + second.sent, failed: first.failed + second.failed, pending: first.pending + second.pending };
  summary.notificationsSent = sent.sent;
  summary.notificationsFailed = sent.failed;
  summary.notificationsPending = sent.pending;
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Objectives

interface RecordResult {
  state: ObjectiveState;
  outcome: ObjectiveOutcome;
  changed: boolean;
}

function tierByName(tiers: Tier[], name: string | null): Tier | null {
  return name === null ? null : (tiers.find((t) => t.name === name) ?? null);
}

/** Decides from `prev` and writes conditionally; on a lost race re-reads and decides again. */
async function recordObjective(
  ports: Ports,
  contract: Contract,
  objective: Objective,
  assessment: Assessment,
  dataThrough: number | undefined,
  initial: ObjectiveState | undefined,
  now: number,
  maxAttempts: number,
): Promise<RecordResult> {
  const name = contract.metadata.name;
  let prev = initial;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (prev && assessment.status === 'ok' && dataThrough !== undefined && prev.status === 'ok' && (prev.dataThrough ?? -Infinity) >= dataThrough) {
      // An overlapping or repeated run already judged this data: nothing to write, nothing to announce.
      return { state: prev, changed: false, outcome: outcomeOf(prev, prev.tier) };
    }
    const built = nextObjectiveState(contract, objective, assessment, dataThrough, prev, now);
    const expected = prev?.version ?? 0;
    if (await ports.store.putObjectiveState(built.state, expected)) {
      if (built.history.length) await appendHistorySafely(ports, built.history);
      return { state: built.state, changed: built.changed, outcome: outcomeOf(built.state, prev?.tier ?? null) };
    }
    // Another run wrote first: decide again from what it recorded.
    prev = (await ports.store.getObjectiveStates([{ contract: name, objective: objective.name }])).get(objectiveKey(name, objective.name));
  }
  throw new ConcurrentUpdateError(`state of ${name}/${objective.name} kept changing under ${maxAttempts} attempts; it is retried next run`);
}

function outcomeOf(state: ObjectiveState, previousTier: string | null): ObjectiveOutcome {
  return {
    contract: state.contract,
    objective: state.objective,
    status: state.status,
    tier: state.tier,
    previousTier,
    remainingPct: state.remainingPct,
    burnRates: state.burnRates,
    ...(state.statusDetail ? { detail: state.statusDetail } : {}),
  };
}

export class ConcurrentUpdateError extends Error {
  override name = 'ConcurrentUpdateError';
}

function nextObjectiveState(
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
    const freezes = contract.spec.gates.filter((g) => gateFrozenBy(tier, g)).map((g) => gateId(g.pipeline, g.stage));
    const severity = tierChangeSeverity(policy.tiers, previousTier, tier, tierSeverity(tier));
    notes.push(tierChangeMessage({ contract, objective, from: previousTier, to: tier, assessment: a, atMs: now, freezes }, severity));
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

// ---------------------------------------------------------------------------------------------
// Gates

function gateSpecs(contracts: Contract[]): Map<string, GateSpec> {
  const specs = new Map<string, GateSpec>();
  for (const c of contracts) {
    for (const g of c.spec.gates) {
      const id = gateId(g.pipeline, g.stage);
      const spec = specs.get(id) ?? { pipeline: g.pipeline, stage: g.stage, criticalFor: new Map<string, boolean>() };
      spec.criticalFor.set(c.metadata.name, g.critical);
      specs.set(id, spec);
    }
  }
  return specs;
}

/** Objectives whose tier freezes this gate, minus contracts under an active override: key -> since (ms). */
function desiredHolders(spec: GateSpec, contracts: Contract[], states: Map<string, ObjectiveState>, overrides: Override[]): Record<string, number> {
  const holders: Record<string, number> = {};
  for (const c of contracts) {
    const critical = spec.criticalFor.get(c.metadata.name);
    if (critical === undefined) continue;
    if (overrides.some((o) => o.scope === `contract:${c.metadata.name}`)) continue;
    for (const o of c.spec.objectives) {
      const key = objectiveKey(c.metadata.name, o.name);
      const state = states.get(key);
      const tier = tierByName(c.spec.policy.tiers, state?.tier ?? null);
      if (state && tier && gateFrozenBy(tier, { critical })) holders[key] = state.tierSince;
    }
  }
  return holders;
}

async function reconcileGate(
  ports: Ports,
  spec: GateSpec,
  states: Map<string, ObjectiveState>,
  wanted: Record<string, number>,
  /** Objectives whose state this run could not establish: their hold on the gate stays as recorded. */
  uncertain: Set<string>,
  overrides: Override[],
  now: number,
  options: EvaluateOptions,
  maxAttempts: number,
): Promise<{ outcome: GateOutcome; state?: GateState }> {
  const { store, gate } = ports;
  const { pipeline, stage } = spec;
  const subject = `gate:${gateId(pipeline, stage)}`;
  const gateOverride = overrides.find((o) => o.scope === `gate:${gateId(pipeline, stage)}`);
  // Everyone whose contract lists the gate, and the holders' contracts (a gate dropped from the contracts).
  const gateContracts = [...new Set([...spec.criticalFor.keys(), ...Object.keys(wanted).map((k) => k.split('#')[0] ?? '')])].filter(Boolean).sort();
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const rec: GateState = (await store.getGate(pipeline, stage)) ?? { pipeline, stage, holders: {}, disabledByUs: false, version: 0, outbox: {} };
    const holders: Record<string, number> = {};
    for (const [key, since] of Object.entries(wanted)) holders[key] = rec.holders[key] ?? since;
    for (const [key, since] of Object.entries(rec.holders)) if (uncertain.has(key)) holders[key] = since;
    const next: GateState = { ...rec, holders, version: rec.version + 1, outbox: { ...rec.outbox } };
    const history: HistoryEntry[] = [];
    const holderKeys = Object.keys(holders);
    const wantFrozen = holderKeys.length > 0 && gateOverride === undefined;
    let action: GateOutcome['action'] = 'none';
    let detail: string | undefined;
    let newOverride: Override | undefined;
    const notify = (message: OutboundMessage) => {
      const id = `v${next.version}-${Object.keys(next.outbox).length}`;
      next.outbox[id] = { id, createdAt: now, message, attempts: 0 };
    };

    if (wantFrozen || rec.disabledByUs) {
      let transition;
      try {
        transition = await gate.getInboundTransition(pipeline, stage);
      } catch (err) {
        return gateError(ports, subject, spec, holderKeys, now, err);
      }
      const ours = !transition.enabled && (transition.disabledReason ?? '').startsWith(REASON_PREFIX);
      if (wantFrozen) {
        if (transition.enabled && rec.disabledByUs) {
          // We had it disabled and someone enabled it: a person overrode the freeze. Record, announce, honour.
          newOverride = {
            id: `console-${pipeline}-${stage}-${rec.disabledAt ?? 0}`,
            scope: `gate:${gateId(pipeline, stage)}`,
            by: transition.lastChangedBy ?? 'unknown (CodePipeline console)',
            reason: 'Inbound transition re-enabled in the console while frozen by slo-contracts',
            createdAt: transition.lastChangedAt ?? now,
            until: now + options.overrideHonourMs,
            source: 'console',
          };
          next.disabledByUs = false;
          delete next.disabledAt;
          delete next.disabledReason;
          action = 'override';
          notify(overrideMessage(newOverride, now, `slo-contracts will not freeze ${gateId(pipeline, stage)} again before the override ends, and only if the budget is still spent then.`, gateContracts));
          history.push({ subject, at: now, type: 'override', detail: { ...newOverride } });
        } else if (transition.enabled) {
          const first = holderKeys[0] ?? '';
          const [contractName = '', objectiveName = ''] = first.split('#');
          const state = states.get(first);
          const reason = freezeReason({
            contract: contractName,
            objective: objectiveName,
            tier: state?.tier ?? 'spent',
            remainingPct: state?.remainingPct ?? 0,
            sinceMs: holders[first] ?? now,
          });
          try {
            await gate.disableInbound(pipeline, stage, reason);
          } catch (err) {
            return gateError(ports, subject, spec, holderKeys, now, err);
          }
          next.disabledByUs = true;
          next.disabledAt = now;
          next.disabledReason = reason;
          action = 'froze';
          notify(freezeMessage({ pipeline, stage, contracts: gateContracts, holders: holderKeys, atMs: now, reason }));
          history.push({ subject, at: now, type: 'freeze', detail: { holders: holderKeys, reason } });
        } else if (ours) {
          // Disabled with our reason (perhaps by a run that crashed before recording it): it is ours.
          if (!rec.disabledByUs) {
            next.disabledByUs = true;
            next.disabledAt = rec.disabledAt ?? now;
            next.disabledReason = transition.disabledReason;
          }
        } else {
          // A person disabled it for reasons of their own: leave it, and never take the credit.
          next.disabledByUs = false;
          action = 'held-by-person';
          detail = transition.disabledReason;
        }
      } else {
        // rec.disabledByUs and nothing (or an override) wants it frozen.
        if (ours) {
          try {
            await gate.enableInbound(pipeline, stage);
          } catch (err) {
            return gateError(ports, subject, spec, holderKeys, now, err);
          }
          action = 'unfroze';
          const why = gateOverride ? `override by ${gateOverride.by} until ${new Date(gateOverride.until).toISOString()}` : 'no contract needs the freeze any more';
          // The contracts that held it last hear of the release too (the gate may have left the contracts).
          const told = [...new Set([...gateContracts, ...Object.keys(rec.holders).map((k) => k.split('#')[0] ?? '')])].filter(Boolean).sort();
          notify(unfreezeMessage({ pipeline, stage, contracts: told, holders: [], atMs: now, reason: why }));
          history.push({ subject, at: now, type: 'unfreeze', detail: { reason: why } });
        } else if (!transition.enabled) {
          // Someone re-disabled it with their own reason: theirs now; we do not enable it.
          action = 'held-by-person';
          detail = transition.disabledReason;
          history.push({ subject, at: now, type: 'released-to-person', detail: { reason: transition.disabledReason ?? null } });
        }
        next.disabledByUs = false;
        delete next.disabledAt;
        delete next.disabledReason;
      }
    }

    const unchanged =
      action === 'none' &&
      next.disabledByUs === rec.disabledByUs &&
      sameKeys(next.holders, rec.holders) &&
      rec.version > 0;
    if (unchanged) return { outcome: { pipeline, stage, action, holders: holderKeys }, state: rec };
    if (await store.putGate(next, rec.version)) {
      if (newOverride) await store.putOverride(newOverride);
      if (history.length) await appendHistorySafely(ports, history);
      return { outcome: { pipeline, stage, action, holders: holderKeys, ...(detail ? { detail } : {}) }, state: next };
    }
  }
  throw new ConcurrentUpdateError(`gate ${gateId(pipeline, stage)} kept changing under ${maxAttempts} attempts; it is retried next run`);
}

async function gateError(ports: Ports, subject: string, spec: GateSpec, holders: string[], now: number, err: unknown): Promise<{ outcome: GateOutcome }> {
  const detail = err instanceof GateNotFoundError ? `${errorText(err)}: check the gate in the contracts` : errorText(err);
  ports.log?.('error', 'gate action failed; state left as it was, retried next run', { pipeline: spec.pipeline, stage: spec.stage, error: detail });
  await appendHistorySafely(ports, [{ subject, at: now, type: 'error', detail: { error: detail } }]);
  return { outcome: { pipeline: spec.pipeline, stage: spec.stage, action: 'error', holders, detail } };
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

// ---------------------------------------------------------------------------------------------
// Outbox

async function drainOutboxes(
  ports: Ports,
  outboxes: { ref: RecordRef; outbox: Record<string, PendingNotification> }[],
  now: number,
  leaseMs: number,
): Promise<{ sent: number; failed: number; pending: number }> {
  let sent = 0;
  let failed = 0;
  let pending = 0;
  // Records drain in parallel; within one record, oldest first (a tier change before its burn alert).
  await forEachLimit(outboxes, 8, async ({ ref, outbox }) => {
    const entries = Object.values(outbox).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id, 'en'));
    for (const n of entries) {
      if (!(await ports.store.claimNotification(ref, n.id, now + leaseMs, now))) continue; // another run has it
      try {
        await ports.notifier.publish(n.message);
      } catch (err) {
        failed++;
        pending++;
        await ports.store.releaseNotification(ref, n.id, errorText(err));
        await appendHistorySafely(ports, [{ subject: subjectOf(ref), at: now, type: 'notification-failed', detail: { id: n.id, subject: n.message.subject, error: errorText(err), attempts: n.attempts + 1 } }]);
        ports.log?.('warn', 'notification failed; it stays pending for the next run', { id: n.id, error: errorText(err) });
        continue;
      }
      await ports.store.completeNotification(ref, n.id);
      sent++;
      await appendHistorySafely(ports, [{ subject: subjectOf(ref), at: now, type: 'notification-sent', detail: { id: n.id, subject: n.message.subject, severity: n.message.attributes.severity } }]);
    }
  });
  return { sent, failed, pending };
}

function subjectOf(ref: RecordRef): string {
  return ref.kind === 'objective' ? `objective:${objectiveKey(ref.contract, ref.objective)}` : `gate:${gateId(ref.pipeline, ref.stage)}`;
}

/** History is the audit trail, but a failed append must not undo an action already taken: log it. */
async function appendHistorySafely(ports: Ports, entries: HistoryEntry[]): Promise<void> {
  try {
    await ports.store.appendHistory(entries);
  } catch (err) {
    ports.log?.('error', 'history could not be appended', { error: errorText(err), entries: entries.length });
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function forEachLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
