/**
 * Ports: what the use cases need from the outside world. Adapters in functions/adapters implement them
 * against AWS (each the only importer of its SDK client); functions/adapters/memory.ts implements them in
 * memory for tests and the demo. Instants are epoch milliseconds (UTC) everywhere.
 */
import type { Contract, Severity } from './core/contract.ts';
import type { Chunk, LedgerSummary } from './core/ledger.ts';
import type { ReviewReminderMark } from './core/review.ts';

/** Time comes from here, never from Date.now() in the core or the use cases. */
export interface Clock {
  /** Epoch milliseconds, UTC. */
  now(): number;
}

// ---------------------------------------------------------------------------------------------
// Metrics (CloudWatch GetMetricData)

/** One series to fetch: a metric and statistic at one period over one time range. */
export interface MetricQuery {
  /** Caller's id for the series, unique within one fetch (e.g. `q12`); the adapter maps it to a GetMetricData Id. */
  id: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** CloudWatch statistic: Sum, Average, SampleCount, p99, `TC(:0.3)`... */
  stat: string;
  /** Seconds; a multiple of 60 (and of 300 / 3600 when startMs is older than 15 / 63 days, see core/resolution). */
  periodSeconds: number;
  /** Inclusive start, epoch ms, aligned to the period. */
  startMs: number;
  /** Exclusive end, epoch ms, aligned to the period. */
  endMs: number;
  /**
   * 12-digit AWS account that owns the metric, for CloudWatch cross-account observability (sent as
   * MetricDataQuery.AccountId; the evaluator's account must be a monitoring account linked to it).
   * Absent: the evaluator's own account.
   */
  accountId?: string;
}

/** One datapoint: the period starting at `t` (epoch ms) had statistic value `v`. */
export interface Datapoint {
  t: number;
  v: number;
}

export type SeriesResult =
  | { ok: true; points: Datapoint[] }
  | { ok: false; error: { code: string; message: string } };

export interface MetricsPort {
  /**
   * Fetches every query, batching as the API allows. A failure is reported per series (never thrown for
   * the whole set), so one contract's denied or missing metric never stops another's.
   */
  fetch(queries: MetricQuery[]): Promise<Map<string, SeriesResult>>;
  /**
   * What the adapter spent since the previous call (one run): the use case publishes it as run metrics, so the
   * share of the account's GetMetricData quota slo-contracts takes is visible. Optional for twins.
   */
  takeUsage?(): MetricsUsageSummary;
}

/** GetMetricData spending of one run (see adapters/cloudwatch.ts MetricsUsage for the full breakdown). */
export interface MetricsUsageSummary {
  calls: number;
  metricsRequested: number;
  /** Datapoints by quota tier (`recent`: StartTime within 3 h; `older`). */
  datapoints: Record<string, number>;
  throttles: number;
  /** Time spent waiting for quota tokens (ms, summed over calls). */
  waitMs: number;
}

// ---------------------------------------------------------------------------------------------
// Notifications (SNS)

export interface MessageAttributes {
  /**
   * The contract the message is about; a list when it concerns several (a gate shared by contracts), sent
   * as an SNS String.Array so a per-contract filter policy matches any of them.
   */
  contract: string | string[];
  /** Objective name, or `-` for contract- or gate-level messages. */
  objective: string;
  tier: string;
  previousTier: string;
  severity: Severity;
  /** Kind of event: tier-change, burn-alert, freeze, unfreeze, override, review-reminder, report. */
  event: string;
  /**
   * Audiences the message is for beyond the contract's own recipients (a tier's `notify`, leadership for a passed
   * review date or the weekly roll-up): sent as an SNS String.Array; each audience subscription filters on it.
   * Absent or empty: no audience subscription receives the message.
   */
  audience?: string[];
}

export interface OutboundMessage {
  /** Email subject, at most 100 printable ASCII characters (SNS rule). */
  subject: string;
  /** Readable text for email subscribers. */
  text: string;
  /** Structured payload for HTTPS and Lambda subscribers. */
  json: Record<string, unknown>;
  attributes: MessageAttributes;
  /**
   * Gates whose fate the message reports (a tier change): what happened to each is only known once the run
   * has reconciled them, so their lines are added when the message is sent (core/messages.ts withGateLines),
   * and this field is dropped then.
   */
  gateReport?: { tier: string; gates: { gate: GateRef; frozenByTier: boolean }[] };
}

export interface NotifierPort {
  /** Throws on failure; the caller leaves the notification pending and retries on the next run. */
  publish(message: OutboundMessage): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Deployment gates (CodePipeline stage transitions, Inbound)

/**
 * Where a gate is: a pipeline stage, in the stack's own account and region unless `account` is given
 * (then `region` defaults to the stack's region). A gate in another account is reached through a role
 * there (functions/adapters/sts.ts).
 */
export interface GateRef {
  pipeline: string;
  stage: string;
  /** 12-digit AWS account id; absent: the stack's own account. */
  account?: string;
  /** AWS region, e.g. eu-west-1; absent: the stack's own region. */
  region?: string;
}

export interface TransitionState {
  enabled: boolean;
  /** Present when disabled: the reason shown in the console. */
  disabledReason?: string;
  /** IAM identity that last changed the transition, as CodePipeline reports it. */
  lastChangedBy?: string;
  lastChangedAt?: number;
}

/** Per call: an abort signal that cuts the call short when the run's gate deadline passes. */
export interface GateCallOptions {
  signal?: AbortSignal;
}

export interface GatePort {
  /** Throws a GateNotFoundError when the pipeline or stage does not exist. */
  getInboundTransition(gate: GateRef, options?: GateCallOptions): Promise<TransitionState>;
  /** `reason` must already be sanitized (core/reason.ts): 1-300 chars of [a-zA-Z0-9!@ ()\.*?-]. */
  disableInbound(gate: GateRef, reason: string, options?: GateCallOptions): Promise<void>;
  enableInbound(gate: GateRef, options?: GateCallOptions): Promise<void>;
}

export class GateNotFoundError extends Error {
  override name = 'GateNotFoundError';
}

/** The gate's account could not be reached (the role there could not be assumed). */
export class GateAccessError extends Error {
  override name = 'GateAccessError';
}

// ---------------------------------------------------------------------------------------------
// State store (DynamoDB). Every state write is conditional on a version; no transactions.

/** A notification recorded together with the change that caused it, sent afterwards (outbox). */
export interface PendingNotification {
  id: string;
  createdAt: number;
  message: OutboundMessage;
  attempts: number;
  lastError?: string;
  /** Epoch ms until which one runner holds the right to send it. */
  claimedUntil?: number;
}

export interface ObjectiveState {
  contract: string;
  objective: string;
  /** Current tier name; null until the first evaluation with data. */
  tier: string | null;
  /** Epoch ms since which the objective is in `tier`. */
  tierSince: number;
  /** Percent of error budget remaining (can be negative); null when never computed. */
  remainingPct: number | null;
  /** Burn rates by look-back label (`5m`, `1h`, `6h`, `3d`...). Ratios: 1.0 spends the budget over the window. */
  burnRates: Record<string, number>;
  /** Burn alert ids currently firing (so each is announced once when it starts). */
  activeAlerts: string[];
  /**
   * ok: judged from data. Each other status holds the tier: no-data (nothing ever reported: check the metric),
   * no-traffic (no events in the window), rebuilding (the ledger does not cover the window yet), error (a fetch
   * or the store failed).
   */
  status: ObjectiveStatus;
  statusDetail?: string;
  lastEvaluatedAt: number;
  /**
   * Epoch ms: the end of the last complete period the recorded assessment covered. A run whose data ends
   * no later has nothing new to judge (an overlapping or repeated run) and does not write.
   */
  dataThrough?: number;
  /** Monotonic; every write is conditional on the version read. 0 means "not stored yet". */
  version: number;
  outbox: Record<string, PendingNotification>;
  /** The objective's aggregates (see core/ledger.ts); absent until the first run, rebuilt when lost. */
  ledger?: LedgerSummary;
  /** Figures of the current UTC day so far, written out as a DailySummary when the day is over. */
  today?: DayStats;
  /** Hash of the contract as last recorded in the catalog; a change rewrites the catalog entry. */
  contractHash?: string;
  /** When the catalog entry was last written (epoch ms): refreshed weekly so it never expires while deployed. */
  catalogAt?: number;
  /**
   * Review reminders recorded for the contract (core/review.ts), kept on its first objective by name: recording
   * one is a conditional write on `version`, so each reminder goes out once however many runs overlap.
   */
  reviewReminders?: ReviewReminderMark[];
}

export type ObjectiveStatus = 'ok' | 'no-data' | 'no-traffic' | 'rebuilding' | 'error';

/** What a day looked like so far, kept in the state and written out once the UTC day is over. */
export interface DayStats {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Lowest percent of budget remaining judged that day (null when never judged). */
  minRemainingPct: number | null;
  tierChanges: number;
  alertsStarted: number;
}

/** One objective's day, kept at least 400 days: the report's week-over-week change and budget-over-time charts. */
export interface DailySummary {
  contract: string;
  objective: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** At the day's last evaluation: percent of budget remaining (null when not judged), tier, status, burn rates. */
  remainingPct: number | null;
  minRemainingPct: number | null;
  tier: string | null;
  status: ObjectiveStatus;
  burnRates: Record<string, number>;
  tierChanges: number;
  alertsStarted: number;
  /** Epoch ms of the last evaluation that day. */
  lastEvaluatedAt: number;
}

/** A contract as deployed, so tools that only have the table (`slo status`, `slo report`) know what is enforced. */
export interface CatalogEntry {
  contract: string;
  /** Stable hash of the validated contract (core/hash.ts). */
  hash: string;
  /** Epoch ms of the write. */
  updatedAt: number;
  definition: Contract;
}

/** Where one chunk of an objective's ledger lives. */
export interface ChunkRef {
  contract: string;
  objective: string;
  /** Chunk id: `H2026-11-27T13` or `D2026-11-27`. */
  id: string;
}

/**
 * A run's intent to change a gate, written (conditionally, on the version) BEFORE it calls CodePipeline,
 * so that of overlapping runs exactly one calls. Resolved by the same run once the call returned, or, after
 * `leaseUntil`, by any run reading the transition (a run that died after claiming).
 */
export interface GateClaim {
  /** Who claimed: unique per run (and gate). */
  id: string;
  /** The call the claimant is making. */
  effect: 'disable' | 'enable';
  /** disable only: the console reason it disables with. */
  reason?: string;
  /** Epoch ms the claim was taken. */
  at: number;
  /** Epoch ms until which no other run touches the gate; after it, the claim is resolved by reading the transition. */
  leaseUntil: number;
}

/** Who holds a gate frozen: `contract#objective` keys mapped to the epoch ms they started holding. */
export interface GateState {
  pipeline: string;
  stage: string;
  /** Present for a gate in another account (GateRef.account). */
  account?: string;
  /** Present for a gate in another account: its region (the stack's region when the contract gave none). */
  region?: string;
  holders: Record<string, number>;
  /** True while the transition is disabled by this system (the console reason is ours). */
  disabledByUs: boolean;
  disabledAt?: number;
  disabledReason?: string;
  /** A CodePipeline call claimed and not yet recorded (see GateClaim). */
  pending?: GateClaim;
  version: number;
  outbox: Record<string, PendingNotification>;
}

export interface Override {
  id: string;
  /** `contract:<name>` (freeze lifted for that contract's gates) or `gate:<gate id>` (core/gate.ts gateId: `<pipeline>/<stage>`, or `<account>/<region>/<pipeline>/<stage>` for another account). */
  scope: string;
  by: string;
  reason: string;
  createdAt: number;
  /** Epoch ms; the override expires by itself. */
  until: number;
  revokedAt?: number;
  revokedBy?: string;
  /** command: `slo override`; console: a person re-enabled a transition we had disabled. */
  source: 'command' | 'console';
}

export interface HistoryEntry {
  /** `objective:<contract>#<objective>`, `gate:<gate id>` (core/gate.ts gateId), `override:<id>`. */
  subject: string;
  at: number;
  /** evaluation, tier-change, burn-alert, freeze, unfreeze, override, notification-sent, notification-failed, error */
  type: string;
  detail: Record<string, unknown>;
}

/** Which record an outbox entry lives on. */
export type RecordRef = { kind: 'objective'; contract: string; objective: string } | ({ kind: 'gate' } & GateRef);

export interface StorePort {
  /** States for the given objectives (missing ones are absent from the map), keyed `contract#objective`. */
  getObjectiveStates(keys: { contract: string; objective: string }[]): Promise<Map<string, ObjectiveState>>;
  /**
   * Writes `next` (whose version must be expectedVersion + 1) only if the stored version is still
   * `expectedVersion` (0: only if absent). Returns false on a lost race; the caller re-reads.
   */
  putObjectiveState(next: ObjectiveState, expectedVersion: number): Promise<boolean>;

  /** `home`: for a gate in another account, where it is (GateRef account and region); absent for the stack's own. */
  getGate(pipeline: string, stage: string, home?: { account: string; region?: string }): Promise<GateState | undefined>;
  /** The given gates' states (absent ones left out); `account`/`region` for gates in other accounts. */
  getGates(refs: { pipeline: string; stage: string; account?: string; region?: string }[]): Promise<GateState[]>;
  /** Every gate ever registered (frozen or held at some point): how gates that left the contracts are still found. */
  listGates(): Promise<GateState[]>;
  /** Registers gates so listGates finds them (idempotent). */
  registerGates(refs: { pipeline: string; stage: string; account?: string; region?: string }[]): Promise<void>;
  /** Same contract as putObjectiveState. */
  putGate(next: GateState, expectedVersion: number): Promise<boolean>;

  /** Takes the right to send one pending notification until `leaseUntil`; false if absent or held by another. */
  claimNotification(ref: RecordRef, id: string, leaseUntil: number, now: number): Promise<boolean>;
  /** Removes a sent notification from the outbox. */
  completeNotification(ref: RecordRef, id: string): Promise<void>;
  /** Returns a notification that failed to send to the outbox for the next run, counting the attempt. */
  releaseNotification(ref: RecordRef, id: string, error: string): Promise<void>;

  putOverride(override: Override): Promise<void>;
  listOverrides(): Promise<Override[]>;
  /** Marks an override revoked; false when it does not exist or was already revoked. */
  revokeOverride(id: string, by: string, at: number): Promise<boolean>;

  /** Appends entries (never updated); each expires after the retention (>= 400 days). */
  appendHistory(entries: HistoryEntry[]): Promise<void>;
  /** Entries for one subject with from <= at < to, oldest first. */
  queryHistory(subject: string, from: number, to: number): Promise<HistoryEntry[]>;

  /** Ledger chunks by reference (absent ones left out), keyed `contract#objective|id`. */
  getChunks(refs: ChunkRef[]): Promise<Map<string, Chunk>>;
  /** Writes chunks (unconditionally: a chunk holds what CloudWatch said, so concurrent writers agree). */
  putChunks(items: { contract: string; objective: string; chunk: Chunk }[]): Promise<void>;

  putDailySummaries(items: DailySummary[]): Promise<void>;
  /** Summaries of one objective for days from <= day <= to (YYYY-MM-DD), oldest first. */
  queryDailySummaries(contract: string, objective: string, fromDay: string, toDay: string): Promise<DailySummary[]>;

  putCatalog(entries: CatalogEntry[]): Promise<void>;
  listCatalog(): Promise<CatalogEntry[]>;
}

/** `contract#objective|chunk`: how getChunks keys its answer. */
export function chunkKey(ref: ChunkRef): string {
  return `${ref.contract}#${ref.objective}|${ref.id}`;
}

// ---------------------------------------------------------------------------------------------
// Stack outputs (CloudFormation): how the CLI finds the deployed table from a stack name

export interface StackOutputsPort {
  /** The stack's outputs by OutputKey; throws a StackNotFoundError when there is no such stack. */
  outputs(stackName: string): Promise<Record<string, string>>;
}

export class StackNotFoundError extends Error {
  override name = 'StackNotFoundError';
}

/**
 * Per-objective gauges the use case reports as it goes (EMF metrics through Powertools). Run totals
 * (errors, tier changes, pending notifications, heartbeat) come from the summary, once per run.
 */
export interface TelemetryPort {
  budgetRemaining(contract: string, objective: string, pct: number): void;
  burnRate(contract: string, objective: string, lookback: string, rate: number): void;
  noData(contract: string, objective: string): void;
}

/** Everything a use case receives, as one object. */
export interface Ports {
  metrics: MetricsPort;
  store: StorePort;
  notifier: NotifierPort;
  gate: GatePort;
  clock: Clock;
  telemetry?: TelemetryPort;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void;
}
