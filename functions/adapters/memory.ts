/**
 * In-memory twins of the ports, for tests and the local demo. They keep the same rules as the AWS
 * adapters (conditional versions, outbox changes that bump the version, reason guard on gates)
 * so a use case tested against them behaves the same against DynamoDB, SNS and CodePipeline.
 * The rules both a twin and its AWS adapter enforce live in ./rules.ts, so the two cannot drift.
 */
import { objectiveKey } from '../core/model.ts';
import {
  assertTransitionReason,
  assertVersionStep,
  toStorable,
  MAX_LAST_ERROR_CHARS,
  assertHistoryInstant,
  chunkExpiresAt,
  retainedUntil,
  stateExpiresAt,
  LIFETIME_DAYS,
  itemSizeBytes,
} from './rules.ts';
import type { Chunk } from '../core/ledger.ts';
import {
  GateNotFoundError,
  chunkKey,
  type CatalogEntry,
  type ChunkRef,
  type DailySummary,
  type Clock,
  type Datapoint,
  type GatePort,
  type GateRef,
  type GateState,
  type HistoryEntry,
  type MetricQuery,
  type MetricsPort,
  type NotifierPort,
  type ObjectiveState,
  type OutboundMessage,
  type Override,
  type RecordRef,
  type SeriesResult,
  type StorePort,
  type TransitionState,
} from '../ports.ts';

// ---------------------------------------------------------------------------------------------
// Clock

/** A clock that only moves when told to. Epoch milliseconds, UTC. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(startMs = 0) {
    this.ms = startMs;
  }
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

// ---------------------------------------------------------------------------------------------
// Store

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Where a gate in another account is (GateRef account and region); absent for the stack's own. */
type GateHome = { account: string; region?: string } | undefined;

/** A gate's key: `pipeline#stage` in the stack's own account, `account#region#pipeline#stage` in another (as in DynamoDB). */
function gateKey(pipeline: string, stage: string, home?: GateHome): string {
  return home === undefined ? `${pipeline}#${stage}` : `${home.account}#${home.region ?? ''}#${pipeline}#${stage}`;
}

/** The gate a key names (the inverse of gateKey). */
function refOfKey(key: string): { pipeline: string; stage: string; account?: string; region?: string } {
  const parts = key.split('#');
  if (parts.length === 2) return { pipeline: parts[0] ?? '', stage: parts[1] ?? '' };
  const [account = '', region = '', pipeline = '', stage = ''] = parts;
  return { pipeline, stage, account, ...(region ? { region } : {}) };
}

const homeOf = (gate: { account?: string; region?: string }): GateHome =>
  gate.account === undefined ? undefined : { account: gate.account, ...(gate.region !== undefined ? { region: gate.region } : {}) };

/** What a store holds by kind, counting only items whose lifetime has not ended (see census). */
export interface StoreCensus {
  objectives: number;
  gates: number;
  overrides: number;
  history: number;
  hourChunks: number;
  dayChunks: number;
  dailySummaries: number;
  catalog: number;
}

/**
 * The store in memory, with the same rules as DynamoStore: versions, outbox changes that bump the version,
 * and the same item lifetimes (modelled, not enforced: expired items stay readable, as DynamoDB TTL deletes
 * lazily; census() counts only live ones).
 */
export class MemoryStore implements StorePort {
  private readonly objectives = new Map<string, ObjectiveState>();
  private readonly gates = new Map<string, GateState>();
  private readonly registry = new Set<string>();
  private readonly overrides = new Map<string, Override>();
  /** Per subject, in append order; each entry has a sequence number so equal instants keep append order. */
  private readonly history = new Map<string, { seq: number; entry: HistoryEntry }[]>();
  private readonly chunks = new Map<string, Chunk>();
  private readonly daily = new Map<string, DailySummary>();
  private readonly catalog = new Map<string, CatalogEntry>();
  /** Epoch SECONDS each item may be deleted, by `kind|key`. */
  private readonly expiry = new Map<string, number>();
  private seq = 0;

  /** `now` (epoch ms) dates the lifetimes of live state, as DynamoStore's clock does. */
  constructor(private readonly now: () => number = () => 0) {}

  async getObjectiveStates(keys: { contract: string; objective: string }[]): Promise<Map<string, ObjectiveState>> {
    const out = new Map<string, ObjectiveState>();
    for (const k of keys) {
      const key = objectiveKey(k.contract, k.objective);
      const state = this.objectives.get(key);
      if (state) out.set(key, copy(state));
    }
    return out;
  }

  async putObjectiveState(next: ObjectiveState, expectedVersion: number): Promise<boolean> {
    assertVersionStep(`objective ${objectiveKey(next.contract, next.objective)}`, next.version, expectedVersion);
    const key = objectiveKey(next.contract, next.objective);
    const stored = toStorable(next);
    const current = this.objectives.get(key);
    if (!(expectedVersion === 0 ? current === undefined : current?.version === expectedVersion)) return false;
    this.objectives.set(key, stored);
    this.expiry.set(`obj|${key}`, stateExpiresAt(this.now()));
    return true;
  }

  async getGate(pipeline: string, stage: string, home?: GateHome): Promise<GateState | undefined> {
    const g = this.gates.get(gateKey(pipeline, stage, home));
    return g ? copy(g) : undefined;
  }

  async getGates(refs: { pipeline: string; stage: string; account?: string; region?: string }[]): Promise<GateState[]> {
    const keys = [...new Set(refs.map((r) => gateKey(r.pipeline, r.stage, homeOf(r))))].sort();
    return keys.flatMap((k) => (this.gates.has(k) ? [copy(this.gates.get(k) as GateState)] : []));
  }

  async listGates(): Promise<GateState[]> {
    return this.getGates([...this.registry].map(refOfKey));
  }

  async registerGates(refs: { pipeline: string; stage: string; account?: string; region?: string }[]): Promise<void> {
    for (const r of refs) this.registry.add(gateKey(r.pipeline, r.stage, homeOf(r)));
  }

  async putGate(next: GateState, expectedVersion: number): Promise<boolean> {
    assertVersionStep(`gate ${next.pipeline}/${next.stage}`, next.version, expectedVersion);
    const key = gateKey(next.pipeline, next.stage, homeOf(next));
    const stored = toStorable(next);
    const current = this.gates.get(key);
    if (!(expectedVersion === 0 ? current === undefined : current?.version === expectedVersion)) return false;
    this.gates.set(key, stored);
    this.expiry.set(`gate|${key}`, stateExpiresAt(this.now()));
    if (next.disabledByUs || Object.keys(next.holders).length > 0) this.registry.add(key);
    return true;
  }

  private recordOf(ref: RecordRef): ObjectiveState | GateState | undefined {
    return ref.kind === 'objective' ? this.objectives.get(objectiveKey(ref.contract, ref.objective)) : this.gates.get(gateKey(ref.pipeline, ref.stage, homeOf(ref)));
  }

  // Outbox changes bump the version: a run holding an older copy of the record must not write the
  // outbox back over a claim or a completed send (it would resend). Its put fails and it re-reads.
  async claimNotification(ref: RecordRef, id: string, leaseUntil: number, now: number): Promise<boolean> {
    const rec = this.recordOf(ref);
    const n = rec?.outbox[id];
    if (!rec || !n) return false;
    if (n.claimedUntil !== undefined && !(n.claimedUntil < now)) return false;
    n.claimedUntil = leaseUntil;
    rec.version++;
    return true;
  }

  async completeNotification(ref: RecordRef, id: string): Promise<void> {
    const rec = this.recordOf(ref);
    if (!rec || !rec.outbox[id]) return;
    delete rec.outbox[id];
    rec.version++;
  }

  async releaseNotification(ref: RecordRef, id: string, error: string): Promise<void> {
    const rec = this.recordOf(ref);
    const n = rec?.outbox[id];
    if (!rec || !n) return;
    rec.version++;
    delete n.claimedUntil;
    n.attempts = (n.attempts ?? 0) + 1;
    n.lastError = error.slice(0, MAX_LAST_ERROR_CHARS);
  }

  async putOverride(override: Override): Promise<void> {
    this.overrides.set(override.id, toStorable(override));
    this.expiry.set(`override|${override.id}`, retainedUntil(override.until, LIFETIME_DAYS.state));
  }

  async listOverrides(): Promise<Override[]> {
    return [...this.overrides.keys()].sort().map((k) => copy(this.overrides.get(k) as Override));
  }

  async revokeOverride(id: string, by: string, at: number): Promise<boolean> {
    const o = this.overrides.get(id);
    if (!o || o.revokedAt !== undefined) return false;
    o.revokedAt = at;
    o.revokedBy = by;
    return true;
  }

  async appendHistory(entries: HistoryEntry[]): Promise<void> {
    const stored = entries.map((e) => {
      assertHistoryInstant(e.at);
      return toStorable(e);
    });
    for (const e of stored) {
      const list = this.history.get(e.subject) ?? [];
      const seq = this.seq++;
      list.push({ seq, entry: e });
      this.history.set(e.subject, list);
      this.expiry.set(`history|${seq}`, retainedUntil(e.at, LIFETIME_DAYS.state));
    }
  }

  async queryHistory(subject: string, from: number, to: number): Promise<HistoryEntry[]> {
    return (this.history.get(subject) ?? [])
      .filter((h) => h.entry.at >= from && h.entry.at < to)
      .sort((a, b) => a.entry.at - b.entry.at || a.seq - b.seq)
      .map((h) => copy(h.entry));
  }

  async getChunks(refs: ChunkRef[]): Promise<Map<string, Chunk>> {
    const out = new Map<string, Chunk>();
    for (const r of refs) {
      const c = this.chunks.get(chunkKey(r));
      if (c) out.set(chunkKey(r), copy(c));
    }
    return out;
  }

  async putChunks(items: { contract: string; objective: string; chunk: Chunk }[]): Promise<void> {
    for (const { contract, objective, chunk } of items) {
      const key = chunkKey({ contract, objective, id: chunk.id });
      this.chunks.set(key, toStorable(chunk));
      this.expiry.set(`${chunk.id.startsWith('H') ? 'hour' : 'day'}|${key}`, chunkExpiresAt(chunk));
    }
  }

  async putDailySummaries(items: DailySummary[]): Promise<void> {
    for (const d of items) {
      const key = `${objectiveKey(d.contract, d.objective)}|${d.day}`;
      this.daily.set(key, toStorable(d));
      this.expiry.set(`daily|${key}`, retainedUntil(Date.parse(`${d.day}T00:00:00Z`), LIFETIME_DAYS.state + 1));
    }
  }

  async queryDailySummaries(contract: string, objective: string, fromDay: string, toDay: string): Promise<DailySummary[]> {
    const prefix = `${objectiveKey(contract, objective)}|`;
    return [...this.daily.entries()]
      .filter(([k, d]) => k.startsWith(prefix) && d.day >= fromDay && d.day <= toDay)
      .map(([, d]) => copy(d))
      .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }

  async putCatalog(entries: CatalogEntry[]): Promise<void> {
    for (const e of entries) {
      this.catalog.set(e.contract, toStorable(e));
      this.expiry.set(`catalog|${e.contract}`, stateExpiresAt(e.updatedAt));
    }
  }

  async listCatalog(): Promise<CatalogEntry[]> {
    return [...this.catalog.keys()].sort().map((k) => copy(this.catalog.get(k) as CatalogEntry));
  }

  /** Bytes of the item behind an expiry key, as DynamoDB sizes items (plus about 60 bytes of keys and TTL). */
  private sizeOf(expiryKey: string): number {
    const [kind = '', ...rest] = expiryKey.split('|');
    const key = rest.join('|');
    const record: unknown =
      kind === 'obj' ? this.objectives.get(key)
      : kind === 'gate' ? this.gates.get(key)
      : kind === 'override' ? this.overrides.get(key)
      : kind === 'hour' || kind === 'day' ? this.chunks.get(key)
      : kind === 'daily' ? this.daily.get(key)
      : kind === 'catalog' ? this.catalog.get(key)
      : kind === 'history' ? [...this.history.values()].flat().find((h) => String(h.seq) === key)?.entry
      : undefined;
    return record ? itemSizeBytes(record as Record<string, unknown>) + 60 : 0;
  }

  /** Every chunk stored for an objective (diagnostics: the bench copies a traffic class's ledger). */
  chunksOf(contract: string, objective: string): Chunk[] {
    const prefix = `${objectiveKey(contract, objective)}|`;
    return [...this.chunks.entries()].filter(([k]) => k.startsWith(prefix)).map(([, c]) => copy(c));
  }

  /**
   * Loses an objective's aggregates, as a restore, a manual deletion or an expiry would: `ledger` drops the
   * summary from its state, `chunks` deletes its chunks (the summary then points at nothing). For tests.
   */
  forgetLedger(contract: string, objective: string, what: 'ledger' | 'chunks'): void {
    const key = objectiveKey(contract, objective);
    if (what === 'ledger') {
      const state = this.objectives.get(key);
      if (state) delete state.ledger;
      return;
    }
    for (const k of [...this.chunks.keys()]) if (k.startsWith(`${key}|`)) this.chunks.delete(k);
  }

  /** Items whose lifetime has not ended at `nowMs`, by kind: what DynamoDB would hold once TTL has caught up. */
  census(nowMs: number): StoreCensus & { bytes: number } {
    const out: StoreCensus & { bytes: number } = { objectives: 0, gates: 0, overrides: 0, history: 0, hourChunks: 0, dayChunks: 0, dailySummaries: 0, catalog: 0, bytes: 0 };
    const field: Record<string, keyof StoreCensus> = {
      obj: 'objectives',
      gate: 'gates',
      override: 'overrides',
      history: 'history',
      hour: 'hourChunks',
      day: 'dayChunks',
      daily: 'dailySummaries',
      catalog: 'catalog',
    };
    for (const [key, expiresAt] of this.expiry) {
      if (expiresAt * 1000 <= nowMs) continue;
      const kind = field[key.slice(0, key.indexOf('|'))];
      if (kind) {
        out[kind]++;
        out.bytes += this.sizeOf(key);
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Notifier

/** The error a twin throws when told to fail (`failNext`). */
export class SimulatedFailure extends Error {
  override name = 'SimulatedFailure';
}

export class MemoryNotifier implements NotifierPort {
  /** Every message published successfully, in order (copies). */
  readonly published: OutboundMessage[] = [];
  /** Publish attempts, failed ones included. */
  attempts = 0;
  private failures = 0;
  private failWith: (() => Error) | undefined;

  /** The next `n` publishes throw (a SimulatedFailure unless `error` builds another). */
  failNext(n: number, error?: () => Error): void {
    this.failures = n;
    this.failWith = error;
  }

  async publish(message: OutboundMessage): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      throw this.failWith ? this.failWith() : new SimulatedFailure('MemoryNotifier told to fail this publish (failNext)');
    }
    this.published.push(copy(message));
  }
}

// ---------------------------------------------------------------------------------------------
// Gate

/** The identity MemoryGate reports as lastChangedBy for its own disable/enable. */
export const MEMORY_GATE_IDENTITY = 'arn:aws:sts::000000000000:assumed-role/slo-contracts/evaluator';

export interface GateCall {
  op: 'get' | 'disable' | 'enable';
  pipeline: string;
  stage: string;
  /** Present for a gate in another account. */
  account?: string;
  region?: string;
  reason?: string;
  /** Set when the call threw (failNext, unknown stage, invalid reason); it changed nothing. */
  failed?: true;
}

export class MemoryGate implements GatePort {
  /** Every call in order, failed ones flagged. */
  readonly calls: GateCall[] = [];
  private readonly transitions = new Map<string, TransitionState>();
  private failures = 0;
  private failWith: (() => Error) | undefined;

  /** With a clock, our own disable/enable set lastChangedAt like CodePipeline does. */
  constructor(private readonly clock?: Clock) {}

  /**
   * Registers a stage whose inbound transition starts as `initial` (enabled by default); `home` places it in
   * another account (and region), where the same pipeline name is another gate.
   */
  addStage(pipeline: string, stage: string, initial: TransitionState = { enabled: true }, home?: GateHome): this {
    this.transitions.set(gateKey(pipeline, stage, home), copy(initial));
    return this;
  }

  /** What a person in the console does: sets the transition directly (the stage must be registered). */
  setTransition(pipeline: string, stage: string, state: TransitionState, home?: GateHome): void {
    this.require({ pipeline, stage, ...home });
    this.transitions.set(gateKey(pipeline, stage, home), copy(state));
  }

  /** Current transition, without recording a call (for assertions). */
  peek(pipeline: string, stage: string, home?: GateHome): TransitionState | undefined {
    const t = this.transitions.get(gateKey(pipeline, stage, home));
    return t ? copy(t) : undefined;
  }

  /** The next `n` calls (any op) throw (a SimulatedFailure unless `error` builds another). */
  failNext(n: number, error?: () => Error): void {
    this.failures = n;
    this.failWith = error;
  }

  async getInboundTransition(gate: GateRef): Promise<TransitionState> {
    return this.call({ op: 'get', ...gateFields(gate) }, () => copy(this.require(gate)));
  }

  async disableInbound(gate: GateRef, reason: string): Promise<void> {
    this.call({ op: 'disable', ...gateFields(gate), reason }, () => {
      assertTransitionReason(reason);
      this.require(gate);
      this.transitions.set(gateKey(gate.pipeline, gate.stage, homeOf(gate)), { enabled: false, disabledReason: reason, ...this.changedNow() });
    });
  }

  async enableInbound(gate: GateRef): Promise<void> {
    this.call({ op: 'enable', ...gateFields(gate) }, () => {
      this.require(gate);
      this.transitions.set(gateKey(gate.pipeline, gate.stage, homeOf(gate)), { enabled: true, ...this.changedNow() });
    });
  }

  private call<T>(record: GateCall, fn: () => T): T {
    this.calls.push(record);
    try {
      if (this.failures > 0) {
        this.failures--;
        throw this.failWith ? this.failWith() : new SimulatedFailure(`MemoryGate told to fail this ${record.op} (failNext)`);
      }
      return fn();
    } catch (err) {
      record.failed = true;
      throw err;
    }
  }

  private changedNow(): Pick<TransitionState, 'lastChangedBy' | 'lastChangedAt'> {
    return this.clock ? { lastChangedBy: MEMORY_GATE_IDENTITY, lastChangedAt: this.clock.now() } : { lastChangedBy: MEMORY_GATE_IDENTITY };
  }

  private require(gate: GateRef): TransitionState {
    const t = this.transitions.get(gateKey(gate.pipeline, gate.stage, homeOf(gate)));
    if (!t) {
      const where = gate.account === undefined ? '' : ` in account ${gate.account} (${gate.region ?? 'home region'})`;
      throw new GateNotFoundError(`pipeline "${gate.pipeline}" stage "${gate.stage}"${where} does not exist (MemoryGate: register it with addStage)`);
    }
    return t;
  }
}

function gateFields(gate: GateRef): Pick<GateCall, 'pipeline' | 'stage' | 'account' | 'region'> {
  return { pipeline: gate.pipeline, stage: gate.stage, ...homeOf(gate) };
}

// ---------------------------------------------------------------------------------------------
// Metrics

/**
 * Serves series from a generator. Points outside [startMs, endMs) are dropped and the rest sorted by
 * time, as CloudWatch would. A generator that throws fails only that series, with the error's name as code.
 */
export class MemoryMetrics implements MetricsPort {
  /** fetch() calls. */
  callCount = 0;
  /** Queries received, over all calls. */
  metricsRequested = 0;
  /** Every fetch's queries, in order. */
  readonly requests: MetricQuery[][] = [];

  constructor(private readonly generate: (query: MetricQuery) => Datapoint[]) {}

  async fetch(queries: MetricQuery[]): Promise<Map<string, SeriesResult>> {
    this.callCount++;
    this.metricsRequested += queries.length;
    this.requests.push(copy(queries));
    const out = new Map<string, SeriesResult>();
    for (const q of queries) {
      try {
        const points = this.generate(q)
          .filter((p) => p.t >= q.startMs && p.t < q.endMs)
          .sort((a, b) => a.t - b.t)
          .map((p) => ({ t: p.t, v: p.v }));
        out.set(q.id, { ok: true, points });
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        out.set(q.id, { ok: false, error: { code: e.name, message: e.message } });
      }
    }
    return out;
  }
}

export { TRANSITION_REASON_PATTERN, InvalidTransitionReasonError, assertTransitionReason, StoreValueError, VersionStepError, assertVersionStep, toStorable, MAX_LAST_ERROR_CHARS, MAX_HISTORY_INSTANT_MS, assertHistoryInstant } from './rules.ts';
