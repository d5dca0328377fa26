/**
 * Evaluating the objectives of one run, incrementally: plan every objective against its ledger (core/assess),
 * fetch only what the plans ask for, apply it to the ledgers, judge, and record each objective's decision
 * (core/objective) with one conditional write. The decisions are pure; this file only executes them.
 *
 *   read states -> plan (refresh + paced rebuild stages) -> per group of objectives: fetch series and read
 *   chunks -> advance ledgers -> judge (reading edge chunks) -> write chunks -> record states -> daily
 *   summaries and the catalog
 *
 * Contained failures: a fetch error, a lost ledger or a store error affects only its objective, whose tier
 * holds (and whose hold on gates stays: `uncertain`).
 */
import type { Contract, Objective } from '../core/contract.ts';
import type { CatalogEntry, ChunkRef, DailySummary, ObjectiveState, Ports } from '../ports.ts';
import { chunkKey } from '../ports.ts';
import {
  DEFAULT_DATA_LAG_MS,
  DEFAULT_REREAD_MARGIN_MS,
  advanceLedger,
  chunksForAdvance,
  collectFetched,
  judge,
  planRun,
  plannedDatapoints,
  queriesFor,
  type Assessment,
  type ObjectivePlan,
  type PlannedQuery,
} from '../core/assess.ts';
import { PUBLISHED_BURN_LOOKBACKS } from '../core/burn.ts';
import type { Chunk, ChunkSource, LedgerSummary } from '../core/ledger.ts';
import { nextObjectiveState, type ObjectiveDecisionInput } from '../core/objective.ts';
import { objectiveKey } from '../core/model.ts';
import { stableHash } from '../core/hash.ts';
import { DAY_MS } from '../core/duration.ts';
import { appendHistorySafely } from './outbox.ts';
import { ConcurrentUpdateError, errorText, forEachLimit } from './common.ts';

export interface ObjectivesOptions {
  /** Attempts at a conditional write before giving up on one record for this run. @default 5 */
  maxWriteAttempts?: number;
  /** Objectives recorded at once (each is a DynamoDB round trip or two). @default 16 */
  concurrency?: number;
  /** How far behind now to stop judging data (ms), so half-published periods are not read as failures. @default 180000 */
  dataLagMs?: number;
  /** Re-read margin for late data (ms). @default 900000 */
  rereadMarginMs?: number;
  /** Datapoints the run may ask CloudWatch for to rebuild and reconcile ledgers (refreshes come first). @default 1000000 */
  rebuildDatapoints?: number;
  /** Each objective's ledger is rebuilt from a full re-read this often (ms), spread over the runs. @default 1 day */
  reconcileEveryMs?: number;
  /** Datapoints fetched per group before the group is applied and dropped (memory bound). @default 403200 */
  groupDatapoints?: number;
  /** Publish burn rates for every objective (otherwise only for contracts with `burnRateMetrics: true`). @default false */
  publishBurnRates?: boolean;
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

/** What the run did to the ledgers: reported in the run summary and the bench. */
export interface LedgerRunStats {
  /** Objectives judged from a refresh only (the steady state). */
  refreshed: number;
  /** Objectives whose ledger does not cover their window yet. */
  rebuilding: number;
  /** Rebuild stages run (recent, fine, coarse) and full re-reads (reconciliations, and rebuilds from scratch). */
  rebuildStages: number;
  reconciled: number;
  deferredReconciliations: number;
  /** Ledgers found incomplete in the store (chunks expired or deleted): rebuilt from the next run. */
  lost: number;
  /** Datapoints this run's plans asked CloudWatch for. */
  datapointsPlanned: number;
  chunksRead: number;
  chunksWritten: number;
}

export interface ObjectivesResult {
  outcomes: ObjectiveOutcome[];
  /** Each objective's state after this run (keyed `contract#objective`): the gates and the outbox drain use them. */
  states: Map<string, ObjectiveState>;
  /** Objectives whose state this run could not establish: their hold on gates stays as recorded. */
  uncertain: Set<string>;
  tierChanges: number;
  errors: number;
  ledger: LedgerRunStats;
}

/** A catalog entry older than this is rewritten, so it never expires while the contract is deployed. */
const CATALOG_REFRESH_MS = 7 * DAY_MS;
/** Ledgers are rebuilt from scratch (all stages) before the next run can use them. */
const DEFAULT_REBUILD_DATAPOINTS = 1_000_000;
/** Four GetMetricData calls' worth (the adapter's concurrency) of series held at once: about 60 MB. */
const DEFAULT_GROUP_DATAPOINTS = 4 * 100_800;

interface Item {
  index: number;
  key: string;
  contract: Contract;
  objective: Objective;
  prev: ObjectiveState | undefined;
  plan: ObjectivePlan | undefined;
  planError: string | undefined;
  granted: number;
  queries: PlannedQuery[];
  /** Chunks `advance` needs. */
  needs: ChunkRef[];
}

interface Prepared {
  item: Item;
  /** Nothing new since the last run (an overlapping or repeated run): keep the state as it is. */
  skip?: true;
  assessment: Assessment;
  /** The ledger to store: advanced, null when lost, undefined to keep the previous one. */
  ledger: LedgerSummary | null | undefined;
  written: Chunk[];
}

export async function evaluateObjectives(ports: Ports, contracts: Contract[], now: number, options: ObjectivesOptions = {}): Promise<ObjectivesResult> {
  const { store } = ports;
  const log = ports.log ?? (() => undefined);
  const stats: LedgerRunStats = { refreshed: 0, rebuilding: 0, rebuildStages: 0, reconciled: 0, deferredReconciliations: 0, lost: 0, datapointsPlanned: 0, chunksRead: 0, chunksWritten: 0 };
  const result: ObjectivesResult = { outcomes: [], states: new Map(), uncertain: new Set(), tierChanges: 0, errors: 0, ledger: stats };

  const all = contracts.flatMap((contract) => contract.spec.objectives.map((objective) => ({ contract, objective, key: objectiveKey(contract.metadata.name, objective.name) })));
  const prevStates = await store.getObjectiveStates(all.map((x) => ({ contract: x.contract.metadata.name, objective: x.objective.name })));

  // 1. Plan every objective under one rebuild budget.
  const run = planRun(
    all.map((x) => ({ contract: x.contract, objective: x.objective, ledger: prevStates.get(x.key)?.ledger })),
    now,
    {
      dataLagMs: options.dataLagMs ?? DEFAULT_DATA_LAG_MS,
      rereadMarginMs: options.rereadMarginMs ?? DEFAULT_REREAD_MARGIN_MS,
      rebuildDatapoints: options.rebuildDatapoints ?? DEFAULT_REBUILD_DATAPOINTS,
      ...(options.reconcileEveryMs !== undefined ? { reconcileEveryMs: options.reconcileEveryMs } : {}),
    },
  );
  stats.deferredReconciliations = run.deferredReconciliations;
  const items: Item[] = all.map((x, index) => {
    const plan = run.plans[index];
    const granted = run.granted[index] ?? 0;
    const ref = { contract: x.contract.metadata.name, objective: x.objective.name };
    return {
      index,
      key: x.key,
      contract: x.contract,
      objective: x.objective,
      prev: prevStates.get(x.key),
      plan,
      planError: run.errors[index],
      granted,
      queries: plan ? queriesFor(x.objective, plan, granted, `q${index}x`) : [],
      needs: plan ? chunksForAdvance(plan, granted).map((id) => ({ ...ref, id })) : [],
    };
  });
  for (const it of items) {
    if (!it.plan) continue;
    stats.datapointsPlanned += plannedDatapoints(it.plan, it.granted);
    if (it.plan.reset === 'reconcile') stats.reconciled++;
    stats.rebuildStages += it.plan.stages.slice(0, it.granted).filter((s) => s.stage !== 'refresh').length;
  }

  // 2. The catalog: contracts as deployed, rewritten when they change and refreshed weekly.
  const catalog = await refreshCatalog(ports, contracts, prevStates, now);

  // 3. Groups of objectives: fetch, advance, judge, write; then drop the series.
  const outcomes: ObjectiveOutcome[] = new Array(items.length);
  for (const group of groupsOf(items, options.groupDatapoints ?? DEFAULT_GROUP_DATAPOINTS)) {
    const prepared = await prepareGroup(ports, group, stats);
    const daily: DailySummary[] = [];
    await forEachLimit(prepared, options.concurrency ?? 16, async (p) => {
      const { item } = p;
      if (p.skip && item.prev) {
        result.states.set(item.key, item.prev);
        outcomes[item.index] = outcomeOf(item.prev, item.prev.tier);
        return;
      }
      try {
        const decisionInput: Omit<ObjectiveDecisionInput, 'prev'> = {
          contract: item.contract,
          objective: item.objective,
          assessment: p.assessment,
          now,
          ...(p.ledger !== undefined ? { ledger: p.ledger } : {}),
          ...(catalog.get(item.contract.metadata.name) ? { catalog: catalog.get(item.contract.metadata.name) as { hash: string; at: number } } : {}),
        };
        const recorded = await recordObjective(ports, decisionInput, item.prev, options.maxWriteAttempts ?? 5);
        result.states.set(item.key, recorded.state);
        outcomes[item.index] = outcomeOf(recorded.state, item.prev?.tier ?? null);
        if (recorded.changed) result.tierChanges++;
        if (recorded.daily) daily.push(recorded.daily);
        report(ports, item, p.assessment, options.publishBurnRates === true);
        if (p.assessment.status === 'error') {
          result.errors++;
          log('warn', 'objective not evaluated', { contract: item.contract.metadata.name, objective: item.objective.name, detail: p.assessment.detail });
        }
        if (p.assessment.status === 'rebuilding') stats.rebuilding++;
        else if (p.assessment.status !== 'error' && item.plan && !item.plan.reset && item.granted <= 1) stats.refreshed++;
      } catch (err) {
        // The store failed for this objective: keep going with the others. What it holds is unknown now,
        // so the gates keep whatever they had for it (never unfreeze on an error).
        result.errors++;
        result.uncertain.add(item.key);
        if (item.prev) result.states.set(item.key, item.prev);
        outcomes[item.index] = {
          ...outcomeOf(item.prev, item.prev?.tier ?? null, item.contract.metadata.name, item.objective.name),
          status: 'error',
          detail: errorText(err),
        };
        log('error', 'objective state could not be recorded', { contract: item.contract.metadata.name, objective: item.objective.name, error: errorText(err) });
      }
    });
    if (daily.length > 0) {
      try {
        await store.putDailySummaries(daily);
      } catch (err) {
        log('error', 'daily summaries could not be written', { error: errorText(err), count: daily.length });
      }
    }
  }
  result.outcomes = outcomes;
  return result;
}

/** Consecutive groups whose planned datapoints fit `limit` (an objective larger than the limit goes alone). */
function groupsOf(items: Item[], limit: number): Item[][] {
  const groups: Item[][] = [];
  let current: Item[] = [];
  let size = 0;
  for (const it of items) {
    const n = it.plan ? plannedDatapoints(it.plan, it.granted) : 0;
    if (current.length > 0 && size + n > limit) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(it);
    size += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function sourceOf(...maps: Map<string, Chunk>[]): ChunkSource {
  return { get: (id) => maps.map((m) => m.get(id)).find((c) => c !== undefined) };
}

/** Fetches, reads chunks, advances and judges one group; writes the chunks. Never throws for one objective. */
async function prepareGroup(ports: Ports, group: Item[], stats: LedgerRunStats): Promise<Prepared[]> {
  const { store, metrics } = ports;
  const work = group.filter((it) => it.plan && !it.plan.upToDate);
  const [results, readA] = await Promise.all([
    metrics.fetch(work.flatMap((it) => it.queries.map((q) => q.query))),
    store.getChunks(work.flatMap((it) => it.needs)),
  ]);
  stats.chunksRead += readA.size;
  const perObjective = (it: Item, all: Map<string, Chunk>) => {
    const prefix = `${it.key}|`;
    const own = new Map<string, Chunk>();
    for (const [k, c] of all) if (k.startsWith(prefix)) own.set(k.slice(prefix.length), c);
    return own;
  };

  const prepared: Prepared[] = [];
  const secondRound: { p: Prepared; own: Map<string, Chunk>; ids: string[] }[] = [];
  for (const it of group) {
    const plan = it.plan;
    if (!plan) {
      prepared.push({ item: it, assessment: { status: 'error', detail: it.planError ?? 'could not be planned' }, ledger: undefined, written: [] });
      continue;
    }
    if (plan.upToDate) {
      // An overlapping or repeated run: nothing new to judge; the state stays as the other run left it.
      prepared.push({ item: it, skip: true, assessment: { status: 'error', detail: 'already judged' }, ledger: undefined, written: [] });
      continue;
    }
    const fetched = collectFetched(it.objective, plan, it.granted, it.queries, results);
    if (!fetched.ok) {
      prepared.push({ item: it, assessment: { status: 'error', detail: fetched.detail }, ledger: undefined, written: [] });
      continue;
    }
    const own = perObjective(it, readA);
    const absent = it.needs.filter((r) => !own.has(r.id));
    if (absent.length > 0) {
      stats.lost++;
      prepared.push({ item: it, assessment: lostAssessment(absent.map((r) => r.id)), ledger: null, written: [] });
      continue;
    }
    const advanced = advanceLedger(plan, fetched, sourceOf(own));
    const written = new Map(advanced.written.map((c) => [c.id, c]));
    const judged = judge(it.contract, it.objective, advanced.ledger, plan.times, sourceOf(written, own));
    const p: Prepared = { item: it, assessment: judged.ok ? judged.assessment : { status: 'error', detail: 'not judged' }, ledger: advanced.ledger, written: advanced.written };
    prepared.push(p);
    if (!judged.ok) secondRound.push({ p, own: new Map([...own, ...written]), ids: judged.missing });
  }

  // Edge chunks the judgement needs (a look-back's first hour, the window's first day), in one more read.
  if (secondRound.length > 0) {
    const refs = secondRound.flatMap(({ p, ids }) => ids.map((id) => ({ contract: p.item.contract.metadata.name, objective: p.item.objective.name, id })));
    const readB = await store.getChunks(refs);
    stats.chunksRead += readB.size;
    for (const s of secondRound) {
      const { item } = s.p;
      const more = new Map<string, Chunk>();
      for (const id of s.ids) {
        const c = readB.get(chunkKey({ contract: item.contract.metadata.name, objective: item.objective.name, id }));
        if (c) more.set(id, c);
      }
      const judged = judge(item.contract, item.objective, s.p.ledger as LedgerSummary, (item.plan as ObjectivePlan).times, sourceOf(s.own, more));
      if (judged.ok) s.p.assessment = judged.assessment;
      else {
        stats.lost++;
        s.p.assessment = lostAssessment(judged.missing);
        s.p.ledger = null;
        s.p.written = [];
      }
    }
  }

  // Chunks first: a state never refers to chunks that were not written.
  const chunks = prepared.flatMap((p) => p.written.map((chunk) => ({ contract: p.item.contract.metadata.name, objective: p.item.objective.name, chunk })));
  if (chunks.length > 0) {
    try {
      await store.putChunks(chunks);
      stats.chunksWritten += chunks.length;
    } catch (err) {
      // Without its chunks the advanced ledger cannot be trusted: keep the previous one (the next run re-reads).
      for (const p of prepared) {
        if (p.written.length === 0) continue;
        p.ledger = undefined;
        p.written = [];
        p.assessment = { status: 'error', detail: `ledger chunks could not be written: ${errorText(err)}` };
      }
    }
  }
  return prepared;
}

function lostAssessment(ids: string[]): Assessment {
  return {
    status: 'rebuilding',
    detail: `ledger chunks ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''} are missing from the table (expired or deleted): rebuilding from CloudWatch`,
    burnRates: {},
    firing: [],
  };
}

interface Recorded {
  state: ObjectiveState;
  changed: boolean;
  daily?: DailySummary;
}

/** Decides from `prev` and writes conditionally; on a lost race re-reads and decides again. */
async function recordObjective(ports: Ports, input: Omit<ObjectiveDecisionInput, 'prev'>, initial: ObjectiveState | undefined, maxAttempts: number): Promise<Recorded> {
  const name = input.contract.metadata.name;
  const objective = input.objective.name;
  const judgedThrough = input.ledger ? input.ledger.through : undefined;
  let prev = initial;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    // A run that won the race with data at least as new as ours has judged it already: adopt its state.
    if (prev && prev !== initial && judgedThrough !== undefined && (prev.ledger?.through ?? -Infinity) >= judgedThrough) return { state: prev, changed: false };
    const decision = nextObjectiveState({ ...input, prev });
    if (await ports.store.putObjectiveState(decision.state, prev?.version ?? 0)) {
      if (decision.history.length) await appendHistorySafely(ports, decision.history);
      return { state: decision.state, changed: decision.changed, ...(decision.daily ? { daily: decision.daily } : {}) };
    }
    // Another run wrote first: decide again from what it recorded.
    prev = (await ports.store.getObjectiveStates([{ contract: name, objective }])).get(objectiveKey(name, objective));
  }
  throw new ConcurrentUpdateError(`state of ${name}/${objective} kept changing under ${maxAttempts} attempts; it is retried next run`);
}

function outcomeOf(state: ObjectiveState | undefined, previousTier: string | null, contract?: string, objective?: string): ObjectiveOutcome {
  return {
    contract: state?.contract ?? contract ?? '',
    objective: state?.objective ?? objective ?? '',
    status: state?.status ?? 'error',
    tier: state?.tier ?? null,
    previousTier,
    remainingPct: state?.remainingPct ?? null,
    burnRates: state?.burnRates ?? {},
    ...(state?.statusDetail ? { detail: state.statusDetail } : {}),
  };
}

/** Custom metrics: budget remaining for every judged objective; burn rates only where asked for. */
function report(ports: Ports, it: Item, a: Assessment, publishBurnRates: boolean): void {
  const t = ports.telemetry;
  if (!t) return;
  const c = it.contract.metadata.name;
  const o = it.objective.name;
  if (a.status === 'ok') {
    t.budgetRemaining(c, o, a.remainingPct);
    if (publishBurnRates || it.contract.spec.burnRateMetrics) {
      for (const lb of PUBLISHED_BURN_LOOKBACKS) if (a.burnRates[lb] !== undefined) t.burnRate(c, o, lb, a.burnRates[lb] as number);
    }
  } else if (a.status === 'no-data' || a.status === 'no-traffic') {
    t.noData(c, o);
  }
}

/** Writes the catalog entries that changed or are due a refresh; returns what each contract's states should record. */
async function refreshCatalog(ports: Ports, contracts: Contract[], prev: Map<string, ObjectiveState>, now: number): Promise<Map<string, { hash: string; at: number }>> {
  const out = new Map<string, { hash: string; at: number }>();
  const entries: CatalogEntry[] = [];
  for (const c of contracts) {
    const hash = stableHash(c);
    const due = c.spec.objectives.some((o) => {
      const s = prev.get(objectiveKey(c.metadata.name, o.name));
      return s?.contractHash !== hash || (s.catalogAt ?? 0) < now - CATALOG_REFRESH_MS;
    });
    if (!due) continue;
    entries.push({ contract: c.metadata.name, hash, updatedAt: now, definition: c });
    out.set(c.metadata.name, { hash, at: now });
  }
  if (entries.length === 0) return out;
  try {
    await ports.store.putCatalog(entries);
    return out;
  } catch (err) {
    ports.log?.('error', 'catalog could not be written; retried next run', { error: errorText(err) });
    return new Map();
  }
}
