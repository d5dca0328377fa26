/**
 * The evaluate use case: every objective of every contract, once per scheduled run.
 *
 *   1. evaluate the objectives incrementally (./evaluate-objectives.ts: ledger refresh, paced rebuilds, each
 *   decision and its notifications recorded with one conditional write) -> 2. reconcile every gate under a
 *   deadline -> 3. send what is pending: tier changes and pages first (saying what happened to each gate),
 *   then the gates' messages.
 *
 * Safe under at-least-once delivery: state writes are conditional on a version, so of two overlapping
 * runs exactly one records a change (and its notification); the loser re-reads and finds nothing to do.
 * A gate is claimed before CodePipeline is called (./reconcile-gate.ts), so one run calls. Notifications are
 * claimed before sending, so a pending one is sent by one run only, and a failed send stays pending for the
 * next run. Errors are contained per objective and per gate, and never unfreeze.
 */
import { randomUUID } from 'node:crypto';
import type { Contract } from '../core/contract.ts';
import type { MetricsUsageSummary, ObjectiveState, Ports, RecordRef } from '../ports.ts';
import { contractsOfShard } from '../core/shards.ts';
import { gateRefOf } from '../core/model.ts';
import { withGateLines } from '../core/messages.ts';
import type { GateOutcome } from '../core/gate.ts';
import { reconcileGates } from './gates.ts';
import { drainOutboxes } from './outbox.ts';
import { sendReviewReminders } from './reminders.ts';
import { evaluateObjectives, type LedgerRunStats, type ObjectiveOutcome, type ObjectivesOptions } from './evaluate-objectives.ts';

export { ConcurrentUpdateError } from './common.ts';
export type { GateOutcome } from '../core/gate.ts';
export type { ObjectiveOutcome } from './evaluate-objectives.ts';

/** Default gate budget per run (ms): the most a run spends on CodePipeline before sending its messages. */
export const DEFAULT_GATE_BUDGET_MS = 10_000;
/** Default time kept after the gates for sending and recording before the Lambda's timeout (ms). */
export const DEFAULT_FINISH_RESERVE_MS = 30_000;

/**
 * Which part of a run to do. `all` (the default): everything, in one invocation. When the evaluation fans out
 * (construct prop `shardObjectives`), each shard runs `objectives` for its contracts (core/shards.ts), then one
 * invocation runs `gates`: it reads every objective's recorded state, reconciles every gate and sends what is
 * pending, so shared gates are frozen and lifted once.
 */
export type EvaluatePhase = { phase: 'all' } | { phase: 'objectives'; shard: { index: number; count: number } } | { phase: 'gates' };

export interface EvaluateOptions extends ObjectivesOptions {
  /** @default { phase: 'all' } */
  run?: EvaluatePhase;
  /** How long a transition re-enabled by a person in the console is honoured before freezing again (ms). */
  overrideHonourMs: number;
  /** How long one run may hold a notification while sending it (ms). @default 120000 */
  sendLeaseMs?: number;
  /** Most time the gates may take (ms) before the run sends its messages anyway. @default 10000 */
  gateBudgetMs?: number;
  /** The Lambda's remaining time (ms), read when the gates start (`context.getRemainingTimeInMillis`). @default unlimited */
  remainingMs?: () => number;
  /** Time kept from `remainingMs` for sending and recording after the gates (ms). @default 30000 */
  finishReserveMs?: number;
  /** How long a gate claim keeps other runs off while its run calls CodePipeline (ms); at least twice the gate budget. @default 60000 */
  claimLeaseMs?: number;
  /** The stack's region: a gate in another account with no region is in this one (e.g. AWS_REGION). */
  homeRegion?: string;
  /** Identifies this run's gate claims (e.g. the Lambda request id). @default a random UUID */
  runId?: string;
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
  /** GetMetricData spending of the run (when the metrics adapter reports it). */
  metricsUsage?: MetricsUsageSummary;
}

export async function evaluate(ports: Ports, contracts: Contract[], options: EvaluateOptions): Promise<EvaluationSummary> {
  const { clock } = ports;
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

  const run = options.run ?? { phase: 'all' };
  let finalStates: Map<string, ObjectiveState>;
  let uncertain = new Set<string>();
  if (run.phase === 'gates') {
    // 1'. A fanned-out run's gates phase: the shards recorded every objective; read what they left.
    finalStates = await ports.store.getObjectiveStates(contracts.flatMap((c) => c.spec.objectives.map((o) => ({ contract: c.metadata.name, objective: o.name }))));
  } else {
    // 1. The objectives: judged from their ledgers, each decision recorded with one conditional write.
    const mine = run.phase === 'objectives' ? contractsOfShard(contracts, run.shard.index, run.shard.count) : contracts;
    const objectives = await evaluateObjectives(ports, mine, now, options);
    summary.objectives.push(...objectives.outcomes);
    summary.tierChanges = objectives.tierChanges;
    summary.errors += objectives.errors;
    summary.ledger = objectives.ledger;
    const usage = ports.metrics.takeUsage?.();
    if (usage) summary.metricsUsage = usage;
    finalStates = objectives.states;
    uncertain = objectives.uncertain;
    // A shard stops here: the gates phase that follows all shards reconciles gates and sends.
    if (run.phase === 'objectives') return summary;
  }

  // 2. Gates: who holds each one, then make CodePipeline agree, under a deadline: CodePipeline may be slow or
  // hang, and pages must not wait on it. What the deadline cuts short stays pending for the next run.
  const deadline = gateDeadline(options);
  const gates = reconcileGates(ports, contracts, finalStates, uncertain, {
    now,
    overrideHonourMs: options.overrideHonourMs,
    ...(options.homeRegion !== undefined ? { homeRegion: options.homeRegion } : {}),
    claimId: options.runId ?? randomUUID(),
    // A claim must outlive the call it covers: the call is cut off at the deadline at the latest.
    claimLeaseMs: Math.max(options.claimLeaseMs ?? 60_000, 2 * deadline.budgetMs),
    maxAttempts,
    signal: deadline.signal,
  });
  await Promise.race([gates.done, deadline.passed]);
  deadline.stop();

  // 3. Send what is pending, this run's and earlier runs' alike. Objectives' messages first (tier changes and
  // pages), each tier change saying what happened to its gates in this run; then the gates' own messages.
  const objectiveOutboxes = [...finalStates.values()]
    .map((s) => ({ ref: { kind: 'objective', contract: s.contract, objective: s.objective } as RecordRef, outbox: s.outbox }));
  const leaseMs = options.sendLeaseMs ?? 120_000;
  const first = await drainOutboxes(ports, objectiveOutboxes, now, leaseMs, (m) => withGateLines(m, (g) => gates.outcomeOf(g), options.homeRegion));
  const settled = await gates.done;
  summary.gates.push(...settled.outcomes);
  summary.errors += settled.errors;
  const gateOutboxes = settled.states.map((g) => ({ ref: { kind: 'gate', ...gateRefOf(g) } as RecordRef, outbox: g.outbox }));
  const second = await drainOutboxes(ports, gateOutboxes, now, leaseMs);
  summary.notificationsSent = first.sent + second.sent;
  summary.notificationsFailed = first.failed + second.failed;
  summary.notificationsPending = first.pending + second.pending;
  // A publish that failed is an evaluation error too (it is retried next run, but someone was not told yet).
  summary.errors += summary.notificationsFailed;
  // 4. Review reminders owed today (each recorded once, with a conditional write, then sent).
  await sendReviewReminders(ports, contracts, finalStates, now, { maxWriteAttempts: maxAttempts, sendLeaseMs: leaseMs });
  return summary;
}

/**
 * The gates' deadline: at most `gateBudgetMs` from now, and never so late that the run could not send its
 * messages and record what it did before the Lambda's own timeout (`remainingMs` - `finishReserveMs`).
 */
function gateDeadline(options: EvaluateOptions): { budgetMs: number; signal: AbortSignal; passed: Promise<void>; stop(): void } {
  const remaining = options.remainingMs?.() ?? Number.POSITIVE_INFINITY;
  const budgetMs = Math.max(0, Math.min(options.gateBudgetMs ?? DEFAULT_GATE_BUDGET_MS, remaining - (options.finishReserveMs ?? DEFAULT_FINISH_RESERVE_MS)));
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const passed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new GateDeadlineError(`gate work passed its ${budgetMs} ms deadline; what is unfinished is retried next run`));
      resolve();
    }, budgetMs);
  });
  return {
    budgetMs,
    signal: controller.signal,
    passed,
    // Whatever gate work is still running gives up now (its claims wait for their lease).
    stop: () => {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(new GateDeadlineError('gate work cut short: the run moved on to sending'));
    },
  };
}

export class GateDeadlineError extends Error {
  override name = 'GateDeadlineError';
}
