/**
 * The evaluate use case: every objective of every contract, once per scheduled run.
 *
 *   evaluate the objectives incrementally (evaluate-objectives.ts: ledger refresh, paced rebuilds, decisions
 *   recorded with conditional writes) -> reconcile every gate -> send what is pending.
 *
 * Safe under at-least-once delivery: state writes are conditional on a version, so of two overlapping
 * runs exactly one records a change (and its notification); the loser re-reads and finds nothing to do.
 * Notifications are claimed before sending, so a pending one is sent by one run only, and a failed send
 * stays pending for the next run. Errors are contained per objective and per gate, and never unfreeze.
 */
import type { Contract } from '../core/contract.ts';
import type { GateState, HistoryEntry, ObjectiveState, OutboundMessage, Override, PendingNotification, Ports, RecordRef } from '../ports.ts';
import { GateNotFoundError } from '../ports.ts';
import { activeOverrides } from './override.ts';
import { gateFrozenBy } from '../core/policy.ts';
import { freezeReason, REASON_PREFIX } from '../core/reason.ts';
import { objectiveKey } from '../core/model.ts';
import { freezeMessage, overrideMessage, unfreezeMessage } from '../core/messages.ts';
import { evaluateObjectives, ConcurrentUpdateError, type LedgerRunStats, type ObjectiveOutcome, type ObjectivesOptions } from './evaluate-objectives.ts';
import { appendHistorySafely, errorText, forEachLimit } from './run-support.ts';
import { sendReviewReminders } from './reminders.ts';

export { ConcurrentUpdateError, type ObjectiveOutcome };

export interface EvaluateOptions extends ObjectivesOptions {
  /** How long a transition re-enabled by a person in the console is honoured before freezing again (ms). */
  overrideHonourMs: number;
  /** How long one run may hold a notification while sending it (ms). @default 120000 */
  sendLeaseMs?: number;
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
  /** What the run did to the objectives' ledgers (refreshes, rebuilds, reconciliations, chunks). */
  ledger?: LedgerRunStats;
}

interface GateSpec {
  pipeline: string;
  stage: string;
  /** Per contract that lists the gate: is it critical for that contract? */
  criticalFor: Map<string, boolean>;
}

const gateId = (pipeline: string, stage: string) => `${pipeline}/${stage}`;

function tierByName(tiers: Contract['spec']['policy']['tiers'], name: string | null) {
  return name === null ? null : (tiers.find((t) => t.name === name) ?? null);
}

export async function evaluate(ports: Ports, contracts: Contract[], options: EvaluateOptions): Promise<EvaluationSummary> {
  const { clock, store } = ports;
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

  // 1. The objectives: judged from their ledgers, each decision recorded with one conditional write.
  const objectives = await evaluateObjectives(ports, contracts, now, options);
  summary.objectives.push(...objectives.outcomes);
  summary.tierChanges = objectives.tierChanges;
  summary.errors += objectives.errors;
  summary.ledger = objectives.ledger;
  const finalStates = objectives.states;
  const uncertain = objectives.uncertain;

  // 2. Gates: who holds each one, then make CodePipeline agree.
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
      // Gates frozen or held before the registry existed (an upgraded table) register as they are read.
      const contractGates = await store.getGates([...specs.values()]);
      const unregistered = contractGates.filter((g) => (g.disabledByUs || Object.keys(g.holders).length > 0) && !known.some((k) => k.pipeline === g.pipeline && k.stage === g.stage));
      if (unregistered.length > 0) await store.registerGates(unregistered);
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

  // 3. Send what is pending, this run's and earlier runs' alike.
  // Objectives' messages first (a tier change explains the freeze that follows), then the gates'.
  const objectiveOutboxes = contracts
    .flatMap((c) => c.spec.objectives.map((o) => finalStates.get(objectiveKey(c.metadata.name, o.name))))
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
  // 4. Review reminders owed today (each recorded once, with a conditional write, then sent).
  await sendReviewReminders(ports, contracts, finalStates, now, { maxWriteAttempts: maxAttempts, sendLeaseMs: leaseMs });
  return summary;
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
