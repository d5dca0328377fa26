/**
 * From a contract objective and its ledger to what to fetch, and from fetched data to an assessment:
 * remaining budget, burn rates, firing burn alerts and forecasts. Pure: the evaluator fetches and stores,
 * this plans and computes.
 *
 * Times of one evaluation at `nowMs` (data judged up to `nowMs - dataLag`):
 * - fineEnd  E_f = alignDown(now - lag, f): every burn look-back is [E_f - L, E_f), whole fine periods;
 * - coarseEnd E_c = alignDown(now - lag, C): the budget window is [E_c - W, E_c) (rolling) or
 *   [start of the UTC month/quarter, E_c) (calendar), whole coarse periods;
 * - fineStart D0 = alignDown(E_f - 3 d, 1 d): fine data starts here once the ledger is complete.
 *
 * A run reads only [through - margin, E_f) at f (the refresh: the newest periods plus a re-read margin for
 * late data). A new objective, a lost ledger, a gap or the daily reconciliation rebuild from CloudWatch in
 * stages (recent fine data first, so pages work at once; then the rest of the fine range; then the coarse
 * window), each stage granted only while the run's datapoint budget lasts.
 */
import type { Contract, Objective } from './contract.ts';
import type { Datapoint, MetricQuery, SeriesResult } from '../ports.ts';
import { DAY_MS, HOUR_MS, parseDuration } from './duration.ts';
import { mergeRanges, windowBounds, type TimeRange } from './window.ts';
import { ratioBuckets, parseComparison } from './series.ts';
import { occurrenceBudget, timesliceBudget } from './budget.ts';
import { BURN_LOOKBACKS_MS, burnRate, defaultAlertRules, firingAlerts, lookbackLabel, type AlertRule } from './burn.ts';
import { forecastExhaustion } from './forecast.ts';
import { alignDown, minPeriodSeconds } from './resolution.ts';
import { thresholdInUnit } from './decimal.ts';
import { bucketOf } from './hash.ts';
import {
  advance,
  chunksToRead,
  coversFrom,
  emptyLedger,
  FINE_SPAN_MS,
  layoutOf,
  lcm,
  sumRange,
  type AppliedSegment,
  type BucketMap,
  type ChunkSource,
  type Layout,
  type LedgerSummary,
  type Sums,
} from './ledger.ts';

/**
 * How far behind now the evaluation stops by default: CloudWatch publishes a period's datapoints for
 * different metrics at slightly different times, so the newest minutes can hold the total but not yet the
 * good count, which would read as a burst of failures. 3 minutes covers AWS service metrics' usual delay.
 */
export const DEFAULT_DATA_LAG_MS = 3 * 60_000;
/**
 * Each run re-reads this much before what the ledger already holds (ms): data CloudWatch receives up to 15
 * minutes late is caught by the next runs; later data is caught by the daily reconciliation.
 */
export const DEFAULT_REREAD_MARGIN_MS = 15 * 60_000;
/** The first rebuild stage: this much recent fine data (the 6 h page look-back), so pages work at once. */
export const RECENT_SPAN_MS = 6 * HOUR_MS;
/** A gap longer than this since the last run (ms) is not refreshed but rebuilt, in paced stages. */
export const MAX_CATCH_UP_MS = DAY_MS;
/** Margin kept inside CloudWatch's retention boundaries (15 d at 60 s, 63 d at 300 s) when choosing periods. */
const RETENTION_SAFETY_MS = HOUR_MS;

export class AssessError extends Error {
  override name = 'AssessError';
}

// ---------------------------------------------------------------------------------------------
// Times

export interface RunTimes {
  nowMs: number;
  /** E_f: exclusive end of the fine periods judged (burn look-backs end here). */
  fineEnd: number;
  /** E_c: exclusive end of the budget window (whole coarse periods). */
  coarseEnd: number;
  /** D0: where fine data starts in a complete ledger (a UTC day boundary, 3 to 4 days back). */
  fineStart: number;
  /** The budget window [startMs, endMs); lengthMs is the full length (a whole calendar month or quarter). */
  window: { startMs: number; endMs: number; lengthMs: number };
}

export function runTimes(contract: Contract, layout: Layout, nowMs: number, dataLagMs = DEFAULT_DATA_LAG_MS): RunTimes {
  const fineEnd = alignDown(nowMs - dataLagMs, layout.fineMs);
  const coarseEnd = alignDown(nowMs - dataLagMs, layout.coarseMs);
  const bounds = windowBounds(contract.spec.window, coarseEnd);
  return {
    nowMs,
    fineEnd,
    coarseEnd,
    fineStart: alignDown(fineEnd - FINE_SPAN_MS, DAY_MS),
    window: { startMs: bounds.startMs, endMs: coarseEnd, lengthMs: bounds.lengthMs },
  };
}

/** Exclusions as ranges widened outwards to whole coarse periods, so every bucket is wholly in or out. */
export function excludedRanges(contract: Contract, coarseMs: number): TimeRange[] {
  return mergeRanges(
    contract.spec.exclusions.map((e) => ({
      startMs: alignDown(Date.parse(e.from), coarseMs),
      endMs: -alignDown(-Date.parse(e.to), coarseMs),
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// What is read

export type Role = 'numerator' | 'total' | 'slice';

/** One series an objective reads (the evaluator, the backtest's history pull and `slo plan` alike). */
export interface MetricSpec {
  role: Role;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
  accountId?: string;
}

/**
 * The series an objective reads: ratio good (or bad) and total; latency TC(:threshold in the metric's unit)
 * and SampleCount; a timeslice's statistic.
 */
export function metricSpecs(objective: Objective): MetricSpec[] {
  const sli = objective.sli;
  const account = (m: object): { accountId?: string } => {
    const id = (m as { account?: string }).account;
    return id ? { accountId: id } : {};
  };
  if (sli.ratio) {
    const numerator = sli.ratio.good ?? sli.ratio.bad;
    if (!numerator) throw new AssessError(`objective ${objective.name}: ratio SLI without good or bad metric`);
    return [
      { role: 'numerator', namespace: numerator.namespace, metricName: numerator.metric, dimensions: numerator.dimensions, stat: numerator.stat, ...account(numerator) },
      { role: 'total', namespace: sli.ratio.total.namespace, metricName: sli.ratio.total.metric, dimensions: sli.ratio.total.dimensions, stat: sli.ratio.total.stat, ...account(sli.ratio.total) },
    ];
  }
  if (sli.latency) {
    const m = sli.latency.metric;
    const base = { namespace: m.namespace, metricName: m.metric, dimensions: m.dimensions, ...account(m) };
    // The threshold in the metric's own unit, in decimal arithmetic: 2.01s on a milliseconds metric is TC(:2010).
    return [
      { role: 'numerator', ...base, stat: `TC(:${thresholdInUnit(sli.latency.threshold, m.unit)})` },
      { role: 'total', ...base, stat: 'SampleCount' },
    ];
  }
  if (sli.timeslice) {
    const m = sli.timeslice.metric;
    return [{ role: 'slice', namespace: m.namespace, metricName: m.metric, dimensions: m.dimensions, stat: m.stat, ...account(m) }];
  }
  throw new AssessError(`objective ${objective.name}: no SLI`);
}

/**
 * What the ledger is made of: the series read and how they are turned into buckets. A change (metric,
 * dimensions, statistic, threshold, slice rule or period) invalidates the ledger and starts a rebuild.
 */
export function ledgerSignature(objective: Objective, layout: Layout): string {
  const specs = metricSpecs(objective)
    .map((s) => `${s.role}:${s.accountId ?? ''}:${s.namespace}:${s.metricName}:${Object.entries(s.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',')}:${s.stat}`)
    .join(';');
  const ts = objective.sli.timeslice;
  const kind = ts ? `slice|${ts.good}` : objective.sli.ratio?.bad ? 'occ-bad|' : 'occ|';
  return `${kind}|${layout.fineMs}/${layout.coarseMs}|${specs}`;
}

// ---------------------------------------------------------------------------------------------
// Planning

/** A range to fetch and where it goes in the ledger. */
export interface FetchSegment {
  kind: 'fine' | 'coarse';
  fromMs: number;
  toMs: number;
  /** Period to fetch at (ms): the fine period, or for coarse data the finest CloudWatch keeps for the range. */
  periodMs: number;
}

export type Stage = 'refresh' | 'recent' | 'fine' | 'coarse';

export interface StagePlan {
  stage: Stage;
  segments: FetchSegment[];
  /** Datapoints the stage asks CloudWatch for (all its series). */
  datapoints: number;
}

/** Why an objective's ledger starts from scratch this run. */
export type ResetReason = 'new' | 'changed' | 'lost' | 'gap' | 'reconcile';

export interface ObjectivePlan {
  contract: string;
  objective: string;
  layout: Layout;
  sig: string;
  times: RunTimes;
  /** The ledger the stages apply to: the stored one, or an empty one when `reset`. */
  base: LedgerSummary;
  reset?: ResetReason;
  /** Stages in the order they must be applied; `refresh` first, later ones only while the budget lasts. */
  stages: StagePlan[];
  /** Nothing new since the last run and nothing to rebuild: an overlapping or repeated run. */
  upToDate: boolean;
}

/**
 * The finest periods CloudWatch keeps for [fromMs, toMs), as pieces: 60 s (or `desiredMs`) within 15 days of
 * now, 300 s within 63 days, 3600 s beyond, each a multiple of `desiredMs`. Piece bounds are aligned to the
 * older piece's period; the first piece starts at fromMs (its query starts at the period boundary before).
 */
export function resolutionSegments(fromMs: number, toMs: number, nowMs: number, desiredMs: number): { fromMs: number; toMs: number; periodMs: number }[] {
  const pieces: { fromMs: number; toMs: number; periodMs: number }[] = [];
  let start = fromMs;
  while (start < toMs) {
    // Judged as if the request reached CloudWatch RETENTION_SAFETY_MS later than planned.
    const periodMs = lcm(desiredMs, minPeriodSeconds(start - RETENTION_SAFETY_MS, nowMs) * 1000);
    const age = nowMs - start + RETENTION_SAFETY_MS;
    // The first instant from which a finer period is allowed, aligned up to this piece's period.
    const finerFrom = age >= 63 * DAY_MS ? nowMs - 63 * DAY_MS + RETENTION_SAFETY_MS + 1 : age >= 15 * DAY_MS ? nowMs - 15 * DAY_MS + RETENTION_SAFETY_MS + 1 : Infinity;
    const boundary = Math.min(toMs, -alignDown(-finerFrom, periodMs));
    const end = boundary > start ? boundary : toMs;
    pieces.push({ fromMs: start, toMs: end, periodMs });
    start = end;
  }
  return pieces;
}

function datapointsOf(segments: FetchSegment[], series: number): number {
  return series * segments.reduce((n, s) => n + Math.ceil((s.toMs - alignDown(s.fromMs, s.periodMs)) / s.periodMs), 0);
}

export interface PlanOptions {
  dataLagMs?: number;
  rereadMarginMs?: number;
  /** The ledger's chunks could not be found: rebuild. */
  lost?: boolean;
  /** The daily full re-read is due for this objective. */
  reconcileDue?: boolean;
}

/**
 * The stages one objective could run now, before the run's budget is applied. With `reconcileDue` the plan
 * is a full re-read from scratch (all stages); the use case falls back to planning without it when the
 * budget cannot take the whole re-read this run.
 */
export function planObjective(contract: Contract, objective: Objective, prev: LedgerSummary | undefined, nowMs: number, opts: PlanOptions = {}): ObjectivePlan {
  const layout = layoutOf(objective.sli);
  const sig = ledgerSignature(objective, layout);
  const times = runTimes(contract, layout, nowMs, opts.dataLagMs);
  const margin = Math.max(0, opts.rereadMarginMs ?? DEFAULT_REREAD_MARGIN_MS);
  let reset: ResetReason | undefined;
  if (!prev) reset = 'new';
  else if (prev.sig !== sig || prev.fineMs !== layout.fineMs || prev.coarseMs !== layout.coarseMs || prev.v !== 1) reset = 'changed';
  else if (opts.lost) reset = 'lost';
  else if (times.fineEnd - prev.through > MAX_CATCH_UP_MS) reset = 'gap';
  else if (opts.reconcileDue) reset = 'reconcile';
  const base = reset || !prev ? emptyLedger(sig, layout, times.fineEnd, nowMs) : prev;
  // A rebuild of the same metric (reconciliation, lost chunks, a gap) keeps when it first reported: the re-read
  // covers only the window, and a timeslice counts its silent slices since then (a later first point would
  // forgive silent slices at the start of the window). A changed SLI is a new metric and starts afresh.
  if (prev && reset && reset !== 'changed' && prev.firstSeenAt !== undefined) base.firstSeenAt = prev.firstSeenAt;
  const series = metricSpecs(objective).length;
  const stages: StagePlan[] = [];
  const add = (stage: Stage, segments: FetchSegment[]) => {
    const kept = segments.filter((s) => s.toMs > s.fromMs);
    if (kept.length) stages.push({ stage, segments: kept, datapoints: datapointsOf(kept, series) });
  };

  // Refresh: the newest fine periods plus the re-read margin.
  const refreshFrom = Math.max(base.fineFrom, alignDown(base.through - margin, layout.fineMs));
  add('refresh', [{ kind: 'fine', fromMs: refreshFrom, toMs: times.fineEnd, periodMs: layout.fineMs }]);

  // Rebuild stages, only while there is no coarse data (fine data must stay contiguous with coarse data).
  let fineFrom = base.fineFrom;
  let coarseFrom = base.coarseFrom;
  const hasCoarse = base.coarseFrom < base.fineFrom;
  if (!hasCoarse) {
    const recentFrom = Math.max(times.fineStart, alignDown(times.fineEnd - RECENT_SPAN_MS, HOUR_MS));
    if (fineFrom > recentFrom) {
      add('recent', [{ kind: 'fine', fromMs: recentFrom, toMs: fineFrom, periodMs: layout.fineMs }]);
      fineFrom = recentFrom;
    }
    if (fineFrom > times.fineStart) {
      add('fine', [{ kind: 'fine', fromMs: times.fineStart, toMs: fineFrom, periodMs: layout.fineMs }]);
      fineFrom = times.fineStart;
    }
    coarseFrom = fineFrom;
  }
  // Coarse data back to the window start, at the finest period CloudWatch keeps for each part. Timeslices ask
  // for their own slice period where CloudWatch still has it, so each slice is judged on its own.
  const coarseTarget = times.window.startMs;
  if (coarseFrom > coarseTarget && (hasCoarse || fineFrom === times.fineStart)) {
    const desired = objective.sli.timeslice ? layout.fineMs : layout.coarseMs;
    add('coarse', resolutionSegments(coarseTarget, coarseFrom, nowMs, desired).map((p) => ({ kind: 'coarse' as const, ...p })));
  }
  const upToDate = !reset && stages.length === 1 && stages[0]?.stage === 'refresh' && base.through >= times.fineEnd;
  return {
    contract: contract.metadata.name,
    objective: objective.name,
    layout,
    sig,
    times,
    base,
    ...(reset ? { reset } : {}),
    stages: upToDate ? [] : stages,
    upToDate,
  };
}

/**
 * Applies a datapoint budget across objectives (pure): every refresh is granted; rebuild stages are granted
 * in priority order (all `recent` stages first, then `fine`, then `coarse`), each objective's stages in their
 * own order, while the budget lasts. A run that could grant no rebuild stage at all still grants the first
 * waiting one (by the same priority), so a stage larger than the whole budget cannot starve its rebuild: the
 * budget is overshot by at most one stage (at most about 45,000 datapoints, a 90-day window's coarse read).
 * Returns, per plan, how many of its stages run this run.
 */
export function grantStages(plans: ObjectivePlan[], budgetDatapoints: number): number[] {
  let left = budgetDatapoints;
  const granted: number[] = plans.map((p) => (p.stages[0]?.stage === 'refresh' ? 1 : 0));
  for (const p of plans) if (p.stages[0]?.stage === 'refresh') left -= p.stages[0].datapoints;
  let grantedRebuild = false;
  const rebuildStages = ['recent', 'fine', 'coarse'] as const;
  for (const stage of rebuildStages) {
    plans.forEach((p, i) => {
      const next = p.stages[granted[i] as number];
      if (next?.stage !== stage) return;
      if (next.datapoints > left) return;
      left -= next.datapoints;
      granted[i] = (granted[i] as number) + 1;
      grantedRebuild = true;
    });
  }
  if (!grantedRebuild) {
    for (const stage of rebuildStages) {
      const i = plans.findIndex((p, k) => p.stages[granted[k] as number]?.stage === stage);
      if (i >= 0) {
        granted[i] = (granted[i] as number) + 1;
        break;
      }
    }
  }
  return granted;
}

/** The datapoints a plan's first `stages` stages ask for. */
export function plannedDatapoints(plan: ObjectivePlan, stages = plan.stages.length): number {
  return plan.stages.slice(0, stages).reduce((n, s) => n + s.datapoints, 0);
}

export interface PlannedQuery {
  /** Index of the fetch range (fetchRanges) the query reads. */
  range: number;
  role: Role;
  query: MetricQuery;
}

/** A range fetched in one query per series: adjacent segments of the same kind and period are merged. */
export interface FetchRange {
  kind: 'fine' | 'coarse';
  fromMs: number;
  toMs: number;
  periodMs: number;
}

/**
 * The ranges to fetch for the first `stages` stages: a rebuild's recent and fine stages (adjacent, same period)
 * become one query per series, so a rebuild asks for as few metrics as the ranges allow.
 */
export function fetchRanges(plan: ObjectivePlan, stages: number): FetchRange[] {
  const segs = segmentsOf(plan, stages)
    .map((s) => ({ ...s }))
    .sort((a, b) => a.fromMs - b.fromMs);
  const out: FetchRange[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && last.kind === s.kind && last.periodMs === s.periodMs && last.toMs === s.fromMs) last.toMs = s.toMs;
    else out.push({ kind: s.kind, fromMs: s.fromMs, toMs: s.toMs, periodMs: s.periodMs });
  }
  return out;
}

/** The CloudWatch queries for the first `stages` stages; ids are `<prefix><range><n|t|s>`. */
export function queriesFor(objective: Objective, plan: ObjectivePlan, stages: number, idPrefix: string): PlannedQuery[] {
  const specs = metricSpecs(objective);
  const out: PlannedQuery[] = [];
  fetchRanges(plan, stages).forEach((r, range) => {
    const periodSeconds = r.periodMs / 1000;
    const startMs = alignDown(r.fromMs, r.periodMs);
    const endMs = -alignDown(-r.toMs, r.periodMs);
    for (const s of specs) {
      const { role, ...metric } = s;
      out.push({ range, role, query: { id: `${idPrefix}${range}${role[0]}`, ...metric, periodSeconds, startMs, endMs } });
    }
  });
  return out;
}

/** The segments of the first `stages` stages, flattened in application order. */
export function segmentsOf(plan: ObjectivePlan, stages: number): FetchSegment[] {
  return plan.stages.slice(0, stages).flatMap((s) => s.segments);
}

/** Chunks to read before `advanceLedger` can apply the first `stages` stages. */
export function chunksForAdvance(plan: ObjectivePlan, stages: number): string[] {
  return chunksToRead(plan.base, segmentsOf(plan, stages), plan.times.fineStart);
}

// ---------------------------------------------------------------------------------------------
// Applying fetched data

/** Turns one segment's fetched series into buckets at the segment's period (pure). */
function segmentBuckets(objective: Objective, layout: Layout, seg: FetchSegment, series: Partial<Record<Role, Datapoint[]>>): BucketMap {
  const out: BucketMap = new Map();
  // Coarser-than-coarse data (hourly) lands in the first coarse bucket of its hour inside the range.
  // A period that ends after the segment is left to the newer data that covers it.
  const coarser = seg.kind === 'coarse' && seg.periodMs > layout.coarseMs;
  const key = (t: number) => (coarser ? alignDown(Math.max(t, seg.fromMs), layout.coarseMs) : t);
  const inRange = (t: number) => !coarser || t + seg.periodMs <= seg.toMs;
  const ts = objective.sli.timeslice;
  if (ts) {
    const isGood = parseComparison(ts.good);
    const slices = seg.periodMs / layout.fineMs;
    const verdicts = new Map<number, boolean>();
    for (const p of series.slice ?? []) {
      if (!Number.isFinite(p.t) || !Number.isFinite(p.v)) continue;
      const t = alignDown(p.t, seg.periodMs);
      verdicts.set(t, (verdicts.get(t) ?? true) && isGood(p.v));
    }
    for (const [t, good] of verdicts) {
      if (!inRange(t)) continue;
      const k = key(t);
      const cur = out.get(k) ?? { good: 0, total: 0 };
      cur.total += slices;
      cur.good += good ? slices : 0;
      out.set(k, cur);
    }
    return out;
  }
  const mode = objective.sli.ratio?.bad ? 'bad' : 'good';
  for (const b of ratioBuckets(series.numerator ?? [], series.total ?? [], mode)) {
    if (!inRange(alignDown(b.t, seg.periodMs))) continue;
    const k = key(alignDown(b.t, seg.periodMs));
    const cur = out.get(k) ?? { good: 0, total: 0 };
    cur.good += b.good;
    cur.total += b.total;
    out.set(k, cur);
  }
  return out;
}

export type FetchedSegments = { ok: true; segments: AppliedSegment[]; firstSeenAt?: number } | { ok: false; detail: string };

/** Collects the fetched series of the first `stages` stages into ledger segments; an error fails the objective. */
export function collectFetched(objective: Objective, plan: ObjectivePlan, stages: number, queries: PlannedQuery[], results: Map<string, SeriesResult>): FetchedSegments {
  const ranges = fetchRanges(plan, stages);
  const byRange = ranges.map(() => ({}) as Partial<Record<Role, Datapoint[]>>);
  let firstSeenAt: number | undefined;
  for (const q of queries) {
    const r = results.get(q.query.id);
    if (!r) return { ok: false, detail: `no result for query ${q.query.id}` };
    if (!r.ok) return { ok: false, detail: `${q.query.namespace}/${q.query.metricName} ${q.query.stat}: ${r.error.code}: ${r.error.message}` };
    (byRange[q.range] as Partial<Record<Role, Datapoint[]>>)[q.role] = r.points;
    if (q.role !== 'numerator') {
      for (const p of r.points) if (Number.isFinite(p.v) && (firstSeenAt === undefined || p.t < firstSeenAt)) firstSeenAt = p.t;
    }
  }
  const segments: AppliedSegment[] = segmentsOf(plan, stages).map((seg) => {
    const i = ranges.findIndex((r) => r.kind === seg.kind && r.periodMs === seg.periodMs && r.fromMs <= seg.fromMs && r.toMs >= seg.toMs);
    const series = byRange[i] ?? {};
    // Each segment takes the points of its own periods from the range's series.
    const lo = alignDown(seg.fromMs, seg.periodMs);
    const within = (points: Datapoint[] | undefined) => (points ?? []).filter((p) => p.t >= lo && p.t < seg.toMs);
    const own: Partial<Record<Role, Datapoint[]>> = { numerator: within(series.numerator), total: within(series.total), slice: within(series.slice) };
    return { ...seg, buckets: segmentBuckets(objective, plan.layout, seg, own) };
  });
  return { ok: true, segments, ...(firstSeenAt !== undefined ? { firstSeenAt } : {}) };
}

/** Applies fetched segments to the plan's base ledger: the new summary and the chunks to write. */
export function advanceLedger(plan: ObjectivePlan, fetched: Extract<FetchedSegments, { ok: true }>, chunks: ChunkSource) {
  const reconciled = plan.reset !== undefined;
  const out = advance(plan.base, fetched.segments, chunks, {
    fineStartMs: plan.times.fineStart,
    keepFromMs: plan.times.window.startMs,
    nowMs: plan.times.nowMs,
    ...(fetched.firstSeenAt !== undefined ? { firstSeenAt: fetched.firstSeenAt } : {}),
  });
  if (reconciled) out.ledger.reconciledAt = plan.times.nowMs;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Judging

export interface Forecast {
  /** Burn rate the forecast assumes (ratio). */
  burnRate: number;
  exhaustedAt: number | null;
  alreadyExhausted: boolean;
}

export type Assessment =
  | {
      status: 'ok';
      remainingPct: number;
      /** Events (occurrences) or judged slices in the budget window, exclusions removed. */
      events: number;
      badEvents: number;
      allowedBad: number;
      burnRates: Record<string, number>;
      firing: AlertRule[];
      forecast24h: Forecast;
      forecast6h: Forecast;
      /** Set while part of the window came from CloudWatch's coarser retention (see ledger.APPROXIMATION_NOTE). */
      approximateBefore?: number;
    }
  | {
      /**
       * no-data: nothing ever reported (check the metric's namespace, name and dimensions); no-traffic: no events
       * in the window; rebuilding: the ledger does not cover the window yet. The tier holds; burn alerts on the
       * look-backs the ledger covers still fire.
       */
      status: 'no-data' | 'no-traffic' | 'rebuilding';
      detail: string;
      burnRates: Record<string, number>;
      firing: AlertRule[];
    }
  | { status: 'error'; detail: string };

export type Judgement = { ok: true; assessment: Assessment } | { ok: false; missing: string[] };

interface Counted {
  good: number;
  total: number;
}

/**
 * Judges the ledger at the plan's times: budget over the window, burn over each look-back, alerts, forecasts.
 * Reads chunks only at the edges of ranges; when one is not in `chunks` the result names the chunks to read.
 */
export function judge(contract: Contract, objective: Objective, ledger: LedgerSummary, times: RunTimes, chunks: ChunkSource): Judgement {
  const missing = new Set<string>();
  const layout: Layout = { fineMs: ledger.fineMs, coarseMs: ledger.coarseMs };
  const excluded = excludedRanges(contract, layout.coarseMs);
  const ts = objective.sli.timeslice;
  const count = (fromMs: number, toMs: number): Counted | undefined => {
    const s: Sums | undefined = sumRange(ledger, fromMs, toMs, excluded, chunks, missing);
    if (!s) return undefined;
    if (!ts) return { good: s.good, total: s.total };
    // Slices in the range since the metric first reported, minus excluded ones; those without data follow noData.
    const since = ledger.firstSeenAt === undefined ? toMs : Math.max(fromMs, alignDown(ledger.firstSeenAt, layout.fineMs));
    const countable = slicesIn(since, toMs, layout.fineMs, excluded);
    const withoutData = Math.max(0, countable - s.total);
    if (ts.noData === 'good') return { good: s.good + withoutData, total: countable };
    if (ts.noData === 'bad') return { good: s.good, total: Math.max(countable, s.total) };
    return { good: s.good, total: s.total };
  };

  const lookbacks = new Map<number, Counted | undefined>();
  for (const lb of BURN_LOOKBACKS_MS) {
    const from = times.fineEnd - lb;
    lookbacks.set(lb, coversFrom(ledger, from) && ledger.through >= times.fineEnd ? count(from, times.fineEnd) : undefined);
  }
  const budgetCovered = coversFrom(ledger, times.window.startMs) && ledger.through >= times.coarseEnd;
  const inWindow = budgetCovered ? count(times.window.startMs, times.coarseEnd) : undefined;
  if (missing.size > 0) return { ok: false, missing: [...missing] };

  const target = objective.target;
  const burnRates: Record<string, number> = {};
  for (const [lb, c] of lookbacks) if (c) burnRates[lookbackLabel(lb)] = burnRate({ bad: c.total - c.good, total: c.total, targetPct: target });
  const burnAt = (lb: number) => {
    const c = lookbacks.get(lb);
    return c ? { rate: burnRate({ bad: c.total - c.good, total: c.total, targetPct: target }), events: c.total } : { rate: 0, events: 0 };
  };
  // minEvents guards low request volume; a timeslice already aggregates each slice, so it has no guard.
  const firing = firingAlerts(defaultAlertRules(times.window.lengthMs), burnAt, ts ? 0 : contract.spec.minEvents);

  if (!inWindow) {
    const from = new Date(times.window.startMs).toISOString();
    return { ok: true, assessment: { status: 'rebuilding', detail: `the ledger does not reach back to the window start (${from}) yet: rebuilding from CloudWatch, paced under the quota`, burnRates, firing } };
  }
  if (inWindow.total === 0) {
    const status = ledger.firstSeenAt === undefined ? 'no-data' : 'no-traffic';
    const detail =
      status === 'no-data'
        ? `no datapoints ever for ${describeMetrics(objective)}: check the namespace, metric name and dimensions`
        : `no traffic in window: no ${ts ? 'judged slices' : 'events'} since ${new Date(times.window.startMs).toISOString()}`;
    return { ok: true, assessment: { status, detail, burnRates, firing } };
  }
  let budget;
  if (ts) {
    const windowEnd = times.window.startMs + times.window.lengthMs;
    const windowSlices = slicesIn(times.window.startMs, windowEnd, layout.fineMs, excluded);
    if (windowSlices === 0) return { ok: true, assessment: { status: 'no-traffic', detail: 'the whole window is excluded', burnRates, firing } };
    budget = timesliceBudget({ badSlices: inWindow.total - inWindow.good, windowSlices, targetPct: target });
  } else {
    budget = occurrenceBudget({ good: inWindow.good, total: inWindow.total, targetPct: target });
  }
  const forecast = (lb: number): Forecast => {
    const rate = burnAt(lb).rate;
    return { burnRate: rate, ...forecastExhaustion({ remainingPct: budget.remainingPct, burnRate: rate, windowLengthMs: times.window.lengthMs, nowMs: times.coarseEnd }) };
  };
  return {
    ok: true,
    assessment: {
      status: 'ok',
      remainingPct: budget.remainingPct,
      events: inWindow.total,
      badEvents: inWindow.total - inWindow.good,
      allowedBad: budget.allowedBad,
      burnRates,
      firing,
      forecast24h: forecast(DAY_MS),
      forecast6h: forecast(6 * HOUR_MS),
      ...(ledger.approxBefore !== undefined && ledger.approxBefore > times.window.startMs ? { approximateBefore: ledger.approxBefore } : {}),
    },
  };
}

/** Slices of `sliceMs` starting in [fromMs, toMs), minus those inside `merged` (sorted, non-overlapping: excludedRanges). */
export function slicesIn(fromMs: number, toMs: number, sliceMs: number, merged: readonly TimeRange[]): number {
  if (!(toMs > fromMs)) return 0;
  let ms = toMs - fromMs;
  for (const e of merged) ms -= Math.max(0, Math.min(e.endMs, toMs) - Math.max(e.startMs, fromMs));
  return Math.max(0, Math.floor(ms / sliceMs));
}

function describeMetrics(objective: Objective): string {
  return metricSpecs(objective)
    .map((s) => `${s.namespace}/${s.metricName}`)
    .filter((v, i, a) => a.indexOf(v) === i)
    .join(' and ');
}

export { parseDuration };

// ---------------------------------------------------------------------------------------------
// One run's plan for every objective

/**
 * Whether the periodic full re-read (reconciliation) is due: each objective has its own slot in every period
 * of `everyMs` (spread by a hash of its key, so reconciliations spread over the runs), and is due once the
 * latest slot has passed since it was last rebuilt or reconciled.
 */
export function reconcileDue(key: string, ledger: LedgerSummary | undefined, nowMs: number, everyMs: number = DAY_MS): boolean {
  if (!ledger || !(everyMs > 0)) return false;
  const offset = bucketOf(key, Math.max(1, Math.floor(everyMs / 60_000))) * 60_000;
  const lastSlot = alignDown(nowMs - offset, everyMs) + offset;
  return ledger.reconciledAt < lastSlot;
}

export interface RunPlanItem {
  contract: Contract;
  objective: Objective;
  ledger: LedgerSummary | undefined;
}

export interface RunPlan {
  /** Per item, the plan (undefined when it could not be made: `errors` says why). */
  plans: (ObjectivePlan | undefined)[];
  /** Per item, how many of its stages run now. */
  granted: number[];
  errors: (string | undefined)[];
  /** Objectives whose reconciliation was due but did not fit the budget: they try again next run. */
  deferredReconciliations: number;
}

/**
 * Plans every objective of a run under one datapoint budget for rebuilds (pure). Refreshes always run; rebuild
 * stages are granted recent-first across objectives (grantStages); due reconciliations (a full re-read each)
 * come last, all-or-nothing, oldest first, with whatever budget is left.
 */
export function planRun(items: RunPlanItem[], nowMs: number, opts: PlanOptions & { rebuildDatapoints: number; reconcileEveryMs?: number }): RunPlan {
  const errors: (string | undefined)[] = items.map(() => undefined);
  const plans = items.map((it, i) => {
    try {
      return planObjective(it.contract, it.objective, it.ledger, nowMs, { ...opts, reconcileDue: false });
    } catch (err) {
      errors[i] = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return undefined;
    }
  });
  const present = plans.filter((p): p is ObjectivePlan => p !== undefined);
  const grantedPresent = grantStages(present, opts.rebuildDatapoints);
  const granted: number[] = [];
  let k = 0;
  for (const p of plans) granted.push(p ? (grantedPresent[k++] as number) : 0);
  let left = opts.rebuildDatapoints - plans.reduce((n, p, i) => n + (p ? plannedDatapoints(p, granted[i]) : 0), 0);
  // Reconciliations: only objectives whose ledger is complete and needs nothing else this run.
  const due = items
    .map((it, i) => ({ i, it }))
    .filter(({ i, it }) => {
      const p = plans[i];
      return p !== undefined && !p.reset && granted[i] === p.stages.length && p.stages.every((s) => s.stage === 'refresh') && reconcileDue(`${it.contract.metadata.name}#${it.objective.name}`, it.ledger, nowMs, opts.reconcileEveryMs);
    })
    .sort((a, b) => (a.it.ledger?.reconciledAt ?? 0) - (b.it.ledger?.reconciledAt ?? 0));
  let deferred = 0;
  for (const { i, it } of due) {
    const full = planObjective(it.contract, it.objective, it.ledger, nowMs, { ...opts, reconcileDue: true });
    const current = plans[i] as ObjectivePlan;
    const extra = plannedDatapoints(full) - plannedDatapoints(current, granted[i]);
    if (extra > left) {
      deferred++;
      continue;
    }
    left -= extra;
    plans[i] = full;
    granted[i] = full.stages.length;
  }
  return { plans, granted, errors, deferredReconciliations: deferred };
}
