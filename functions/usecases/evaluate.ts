/**
 * The evaluate use case: every objective of every contract, once per scheduled run.
 *
 *   1. plan every series -> 2. fetch, assess and record each objective (its tier change and alerts go into
 *   its outbox with one conditional write) -> 3. reconcile every gate under a deadline -> 4. send what is
 *   pending: tier changes and pages first (saying what happened to each gate), then the gates' messages.
 *
 * Safe under at-least-once delivery: state writes are conditional on a version, so of two overlapping
 * runs exactly one records a change (and its notification); the loser re-reads and finds nothing to do.
 * A gate is claimed before CodePipeline is called (./reconcile-gate.ts), so one run calls. Notifications are
 * claimed before sending, so a pending one is sent by one run only, and a failed send stays pending for the
 * next run. Errors are contained per objective and per gate, and never unfreeze.
 */
import { randomUUID } from 'node:crypto';
import type { Contract, Objective } from '../core/contract.ts';
import type { ObjectiveState, Ports, RecordRef } from '../ports.ts';
import { assessObjective, DEFAULT_DATA_LAG_MS, planObjective, type Assessment, type ObjectivePlan } from '../core/assess.ts';
import { gateRefOf, objectiveKey } from '../core/model.ts';
import { withGateLines } from '../core/messages.ts';
import { nextObjectiveState } from '../core/objective.ts';
import type { GateOutcome } from '../core/gate.ts';
import { reconcileGates } from './gates.ts';
import { appendHistorySafely, drainOutboxes } from './outbox.ts';
import { ConcurrentUpdateError, errorText, forEachLimit } from './common.ts';

export { ConcurrentUpdateError } from './common.ts';
export type { GateOutcome } from '../core/gate.ts';

/** Default gate budget per run (ms): the most a run spends on CodePipeline before sending its messages. */
export const DEFAULT_GATE_BUDGET_MS = 10_000;
/** Default time kept after the gates for sending and recording before the Lambda's timeout (ms). */
export const DEFAULT_FINISH_RESERVE_MS = 30_000;

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

  // 3. Gates: who holds each one, then make CodePipeline agree, under a deadline: CodePipeline may be slow or
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

  // 4. Send what is pending, this run's and earlier runs' alike. Objectives' messages first (tier changes and
  // pages), each tier change saying what happened to its gates in this run; then the gates' own messages.
  const objectiveOutboxes = plans
    .map((p) => finalStates.get(objectiveKey(p.contract.metadata.name, p.objective.name)))
    .filter((s): s is ObjectiveState => s !== undefined)
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

// ---------------------------------------------------------------------------------------------
// Objectives

interface RecordResult {
  state: ObjectiveState;
  outcome: ObjectiveOutcome;
  changed: boolean;
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
