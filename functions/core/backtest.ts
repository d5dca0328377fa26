/**
 * Backtest: what would a target have cost over a stretch of history? Replays one objective's policy at the
 * evaluator's cadence, with zero data lag, from the first instant with a full window of data, and returns per
 * target the tier timeline, the announcements (pages, tickets), the time gates would have been frozen, and the
 * remaining budget at every step. Pure: the history arrives as buckets, the caller reads files or CloudWatch.
 *
 * Faithful by construction, fast by arithmetic. The deployed evaluator judges a ledger (core/ledger.ts) at the
 * exact windows of core/assess.ts `runTimes`, with `judge`'s formulas, and decides with `nextObjectiveState`.
 * Replaying that through `evaluate()` costs milliseconds per run (a year at 5 minutes is 105,120 runs per
 * target). Here the history becomes one dense array per fine period (60 s; a timeslice's own period) with
 * prefix sums, so every window and look-back sum is two array reads; the step times come from the same
 * `runTimes`, the figures from the same core/budget.ts, core/burn.ts and core/forecast.ts functions over the
 * same ranges (buckets starting in [from, to), exclusions widened to whole coarse periods), and every decision
 * is the real `nextObjectiveState`. With whole-number counts the sums are exact, so the figures are bit for bit
 * the evaluator's (test/core/backtest-equivalence.test.ts runs both on the same series).
 *
 * History at coarser periods than the fine one (CloudWatch keeps 5-minute data beyond 15 days and hourly data
 * beyond 63) is spread evenly over its fine periods: look-backs shorter than the data's period see its average
 * (`approximateBefore` says until when).
 */
import type { Contract, FreezeLevel, Gate, Objective, Severity, Tier } from './contract.ts';
import type { DailySummary, ObjectiveState, ObjectiveStatus, OutboundMessage } from '../ports.ts';
import { excludedRanges, runTimes, slicesIn, type Assessment, type Forecast } from './assess.ts';
import { layoutOf } from './ledger.ts';
import { occurrenceBudget, timesliceBudget } from './budget.ts';
import { BURN_LOOKBACKS_MS, burnRate, defaultAlertRules, firingAlerts, lookbackLabel, type AlertRule } from './burn.ts';
import { forecastExhaustion } from './forecast.ts';
import { nextObjectiveState } from './objective.ts';
import { gateFrozenBy } from './policy.ts';
import { alignDown } from './resolution.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './duration.ts';
import type { TimeRange } from './window.ts';

export class BacktestError extends Error {
  override name = 'BacktestError';
}

/** The evaluator's default schedule (EventBridge rate(5 minutes)). */
export const DEFAULT_CADENCE_MS = 5 * MINUTE_MS;

/** Targets people usually choose between (percent), for defaults and neighbours. */
export const TARGET_LADDER_PCT: readonly number[] = [90, 95, 98, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999];

/**
 * The target and its neighbours on the ladder (one below, one above), ascending: 99.9 -> 99.5, 99.9, 99.95.
 * A target between rungs keeps the rungs on either side.
 */
export function neighbourTargets(targetPct: number): number[] {
  const below = [...TARGET_LADDER_PCT].reverse().find((t) => t < targetPct);
  const above = TARGET_LADDER_PCT.find((t) => t > targetPct);
  return [below, targetPct, above].filter((t): t is number => t !== undefined);
}

/**
 * One period of history, as the evaluator's ledger would hold it.
 * - Occurrence SLIs (ratio, latency): `good` and `total` events (for latency, requests at or under the
 *   threshold and all requests). `total` 0 means the period reported, with no events.
 * - Timeslice SLIs: a period with data has `total` 1, and `good` 1 when its statistic met the comparison
 *   (see core/history.ts `sliceBuckets`), else 0.
 */
export interface HistoryBucket {
  /** Period start, epoch ms. */
  t: number;
  /** Period length, ms: 60 s for per-minute rows; CloudWatch's 300 s or 3600 s for older data. */
  periodMs: number;
  good: number;
  total: number;
}

export interface BacktestOptions {
  /** The history covers [fromMs, toMs): nothing is known before fromMs, so the replay starts at the first full window after it. */
  fromMs: number;
  /** Exclusive end of the history; the last step runs at the last cadence instant at or before it. */
  toMs: number;
  /** Time between evaluations, ms (whole minutes). @default 300000 (5 minutes) */
  cadenceMs?: number;
  /**
   * Call nextObjectiveState at every step, even where it provably changes nothing but figures (a check of the
   * fast path; about twice as slow). @default false
   */
  exhaustive?: boolean;
}

/** A tier change, as the evaluator records it (history entry `tier-change`). */
export interface TierChange {
  at: number;
  from: string | null;
  to: string;
  /** Percent of budget remaining at the change. */
  remainingPct: number | null;
  /** What the new tier freezes. */
  freeze: FreezeLevel;
}

/** A message the evaluator would have sent. */
export interface Announcement {
  at: number;
  /** tier-change, burn-alert, freeze, unfreeze. */
  event: string;
  severity: Severity;
  subject: string;
  /** For tier changes: the new tier; for burn alerts: the alert (page-fast, page-slow, ticket); for gates: `pipeline/stage`. */
  about: string;
}

export interface BacktestTarget {
  targetPct: number;
  timeline: TierChange[];
  announcements: Announcement[];
  /** Announcements with severity page / ticket (tier changes, burn alerts, gate freezes). */
  pages: number;
  tickets: number;
  /** Burn alerts that started (announced or folded into a more urgent one: one outage, one page). */
  alertsStarted: number;
  /** Time (ms) the tier froze non-critical gates (freeze non-critical or all), and all gates (freeze all), over [firstStep, lastStep). */
  frozenNonCriticalMs: number;
  frozenAllMs: number;
  /** Lowest remaining budget (percent) judged, and when; null when never judged. */
  worst: { remainingPct: number; at: number } | null;
  /** State after the last step. */
  final: { remainingPct: number | null; tier: string | null; status: ObjectiveStatus };
  /** One summary per UTC day, as the evaluator writes them (the last day as far as the replay went). */
  days: DailySummary[];
  /** Percent of budget remaining at each step; NaN where the step was not judged (no data, no traffic). */
  remaining: Float64Array;
  /** Tier index (into the policy's tiers) at each step; -1 before the first judgement. */
  tiers: Int8Array;
}

export interface BacktestResult {
  contract: string;
  objective: string;
  cadenceMs: number;
  fromMs: number;
  toMs: number;
  firstStepMs: number;
  lastStepMs: number;
  steps: number;
  /** Before this instant the history came at a coarser period than the fine one and was spread evenly. */
  approximateBefore?: number;
  targets: BacktestTarget[];
}

/** Progress of a replay, for callers that show it. */
export interface BacktestStep {
  index: number;
  count: number;
  at: number;
}

interface Counted {
  good: number;
  total: number;
}

/** The history on one dense grid of fine periods, with prefix sums (exclusions removed). */
export interface Grid {
  base: number;
  fineMs: number;
  n: number;
  cumGood: Float64Array;
  cumTotal: Float64Array;
  /** Fine periods with any datapoint (exclusions included: the evaluator's firstSeenAt ignores them). */
  seen: Uint8Array;
  approximateBefore?: number;
}

/**
 * The history over [fromMs, toMs) as dense fine periods: coarser buckets spread evenly over their fine periods;
 * timeslices one verdict per slice (good only when every bucket on it is); excluded periods emptied.
 */
export function buildGrid(objective: Objective, buckets: readonly HistoryBucket[], fromMs: number, toMs: number, fineMs: number, excluded: readonly TimeRange[]): Grid {
  const base = alignDown(fromMs, fineMs);
  const n = Math.max(0, Math.ceil((toMs - base) / fineMs));
  const good = new Float64Array(n);
  const total = new Float64Array(n);
  const seen = new Uint8Array(n);
  const ts = objective.sli.timeslice !== undefined;
  const bad = ts ? new Uint8Array(n) : undefined;
  let approximateBefore: number | undefined;
  for (const b of buckets) {
    if (!(Number.isFinite(b.t) && b.periodMs > 0 && Number.isFinite(b.good) && Number.isFinite(b.total))) continue;
    const end = b.t + b.periodMs;
    if (end <= fromMs || b.t >= toMs) continue;
    // Fine periods starting inside the bucket (at least the one holding its start).
    const first = Math.floor((b.t - base) / fineMs);
    const last = Math.max(first + 1, Math.ceil((end - base) / fineMs));
    if (b.periodMs > fineMs) approximateBefore = Math.max(approximateBefore ?? -Infinity, end);
    if (bad) {
      const verdictGood = b.total > 0 && b.good >= b.total;
      for (let i = Math.max(0, first); i < Math.min(n, last); i++) {
        seen[i] = 1;
        if (!verdictGood) bad[i] = 1;
      }
      continue;
    }
    // Occurrences: as core/series.ts ratioBuckets, the good count is clamped into [0, total].
    const all = Math.max(0, b.total);
    const g = Math.min(Math.max(b.good, 0), all);
    const parts = last - first;
    if (parts === 1) {
      if (first >= 0 && first < n) {
        seen[first] = 1;
        good[first] = (good[first] as number) + g;
        total[first] = (total[first] as number) + all;
      }
      continue;
    }
    for (let i = Math.max(0, first); i < Math.min(n, last); i++) {
      seen[i] = 1;
      good[i] = (good[i] as number) + g / parts;
      total[i] = (total[i] as number) + all / parts;
    }
  }
  if (bad) {
    for (let i = 0; i < n; i++) {
      total[i] = seen[i] as number;
      good[i] = seen[i] === 1 && bad[i] === 0 ? 1 : 0;
    }
  }
  // Exclusions are whole coarse periods (assess.excludedRanges), so each fine period is wholly in or out.
  for (const e of excluded) {
    for (let i = Math.max(0, Math.floor((e.startMs - base) / fineMs)); i < Math.min(n, Math.ceil((e.endMs - base) / fineMs)); i++) {
      good[i] = 0;
      total[i] = 0;
    }
  }
  const cumGood = new Float64Array(n + 1);
  const cumTotal = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    cumGood[i + 1] = (cumGood[i] as number) + (good[i] as number);
    cumTotal[i + 1] = (cumTotal[i] as number) + (total[i] as number);
  }
  return { base, fineMs, n, cumGood, cumTotal, seen, ...(approximateBefore !== undefined ? { approximateBefore } : {}) };
}

/**
 * The first step: the first cadence instant after `fromMs` whose budget window (at zero data lag) starts at or
 * after `fromMs`, i.e. the first evaluation whose whole window lies in the history.
 */
export function firstFullWindowStep(contract: Contract, objective: Objective, fromMs: number, toMs: number, cadenceMs = DEFAULT_CADENCE_MS): number | undefined {
  const layout = layoutOf(objective.sli);
  const start = -alignDown(-fromMs, cadenceMs);
  // A window is at most 92 days (a calendar quarter); step through whole days first, then cadences.
  let t = start;
  while (t <= toMs && runTimes(contract, layout, t, 0).window.startMs < fromMs) {
    const ahead = t + DAY_MS;
    if (ahead <= toMs && runTimes(contract, layout, ahead, 0).window.startMs < fromMs) t = ahead;
    else t += cadenceMs;
  }
  return t <= toMs ? t : undefined;
}

const STATUS_DETAIL = {
  'no-data': 'no datapoints in the history so far',
  'no-traffic': 'no events in the window',
  excluded: 'the whole window is excluded',
} as const;

/**
 * Replays the objective's policy for each target over the history. `onStep` is told of every step (progress).
 * Throws a BacktestError when the history holds no full window.
 */
export function backtest(
  contract: Contract,
  objective: Objective,
  buckets: readonly HistoryBucket[],
  targets: readonly number[],
  options: BacktestOptions,
  onStep?: (step: BacktestStep) => void,
): BacktestResult {
  const cadenceMs = options.cadenceMs ?? DEFAULT_CADENCE_MS;
  const exhaustive = options.exhaustive === true;
  if (!(cadenceMs >= MINUTE_MS) || cadenceMs % MINUTE_MS !== 0) throw new BacktestError(`the cadence must be whole minutes (e.g. 5m), got ${cadenceMs} ms`);
  if (!(options.toMs > options.fromMs)) throw new BacktestError(`the history must end after it starts (from ${new Date(options.fromMs).toISOString()}, to ${new Date(options.toMs).toISOString()})`);
  if (targets.length === 0) throw new BacktestError('give at least one target to backtest');
  const layout = layoutOf(objective.sli);
  const fineMs = layout.fineMs;
  const ts = objective.sli.timeslice;
  // Sorted and merged, as slicesIn needs them.
  const excluded = excludedRanges(contract, layout.coarseMs);

  const firstStep = firstFullWindowStep(contract, objective, options.fromMs, options.toMs, cadenceMs);
  if (firstStep === undefined) {
    throw new BacktestError(
      `the history from ${new Date(options.fromMs).toISOString()} to ${new Date(options.toMs).toISOString()} holds no full ${describeWindowShort(contract)} window: give a longer history (the replay starts once a whole window of data lies behind it)`,
    );
  }
  const lastStep = alignDown(options.toMs, cadenceMs);
  const steps = Math.floor((lastStep - firstStep) / cadenceMs) + 1;
  const grid = buildGrid(objective, buckets, options.fromMs, options.toMs, fineMs, excluded);
  const { base, n, cumGood, cumTotal } = grid;
  const index = (ms: number) => Math.min(n, Math.max(0, Math.ceil((ms - base) / fineMs)));

  // The evaluator's ledger first reads from min(window start, fine start) of its first run; firstSeenAt is the
  // first datapoint it ever saw from there on.
  const firstTimes = runTimes(contract, layout, firstStep, 0);
  let seenAt: number | undefined;
  for (let i = index(Math.min(firstTimes.window.startMs, firstTimes.fineStart)); i < n; i++) {
    if (grid.seen[i] === 1) {
      seenAt = base + i * fineMs;
      break;
    }
  }

  // The target checks burn.ts and budget.ts make on every call, once per target up front.
  for (const t of targets) burnRate({ bad: 0, total: 1, targetPct: t });
  const tiers = contract.spec.policy.tiers;
  const gates = contract.spec.gates;
  const rulesByLength = new Map<number, AlertRule[]>();
  const day24 = BURN_LOOKBACKS_MS.indexOf(DAY_MS);
  const hours6 = BURN_LOOKBACKS_MS.indexOf(6 * HOUR_MS);
  const per = targets.map((targetPct) => ({
    targetPct,
    objective: { ...objective, target: targetPct } as Objective,
    prev: undefined as ObjectiveState | undefined,
    tier: undefined as Tier | undefined,
    tierName: null as string | null,
    tierIndex: -1,
    /** UTC day (days since the epoch) of the last nextObjectiveState call. */
    day: Number.NaN,
    /** Steps since the last call at which the decision provably changed nothing: their figures, to hand over. */
    quiet: { count: 0, lastNow: 0, remainingPct: 0, minRemainingPct: Infinity, rates: new Float64Array(BURN_LOOKBACKS_MS.length) },
    frozen: gates.map(() => false),
    out: {
      targetPct,
      timeline: [],
      announcements: [],
      pages: 0,
      tickets: 0,
      alertsStarted: 0,
      frozenNonCriticalMs: 0,
      frozenAllMs: 0,
      worst: null,
      final: { remainingPct: null, tier: null, status: 'ok' },
      days: [],
      remaining: new Float64Array(steps).fill(Number.NaN),
      tiers: new Int8Array(steps).fill(-1),
    } as BacktestTarget,
  }));

  const tierAbove = tiers.map((t) => t.above);
  /**
   * Whether nextObjectiveState(prev, this ok assessment, now) provably changes nothing but figures, so the call
   * can wait: the last judgement was ok too, on the same UTC day (no daily summary), the same alerts fire (none
   * starts or clears), and the remaining budget lies strictly inside the current tier's band: above its own
   * threshold (it cannot fall) and not above the better tier's (it cannot recover, margin or not; the
   * thin-evidence rule only ever holds a tier). Every step that could change anything calls it.
   */
  const unchangedBy = (p: (typeof per)[number], remainingPct: number, firing: readonly AlertRule[], now: number): boolean => {
    const prev = p.prev;
    if (!prev || prev.status !== 'ok' || p.tier === undefined || Math.floor(now / DAY_MS) !== p.day) return false;
    const own = tierAbove[p.tierIndex];
    if (own !== undefined && !(remainingPct > own)) return false;
    const better = p.tierIndex > 0 ? tierAbove[p.tierIndex - 1] : undefined;
    if (better !== undefined && remainingPct > better) return false;
    const active = prev.activeAlerts;
    if (active.length !== firing.length) return false;
    for (let i = 0; i < firing.length; i++) if ((firing[i] as AlertRule).id !== active[i]) return false;
    return true;
  };
  /**
   * Hands the waiting steps' figures to the state, exactly as the skipped calls would have written them: for an ok
   * judgement without a change nextObjectiveState sets remainingPct, burnRates, lastEvaluatedAt, the version
   * (+1 per run) and today's lowest remaining; nothing else.
   */
  const catchUp = (p: (typeof per)[number]): void => {
    const q = p.quiet;
    const prev = p.prev;
    if (q.count === 0 || !prev) return;
    const today = prev.today as NonNullable<ObjectiveState['today']>;
    p.prev = {
      ...prev,
      remainingPct: q.remainingPct,
      burnRates: ratesRecord(q.rates),
      lastEvaluatedAt: q.lastNow,
      version: prev.version + q.count,
      today: { ...today, minRemainingPct: Math.min(today.minRemainingPct ?? Infinity, q.minRemainingPct) },
    };
    q.count = 0;
    q.minRemainingPct = Infinity;
  };

  // Per step: the look-back sums (shortest first, as BURN_LOOKBACKS_MS) and, per target, their burn rates.
  const lbCount = BURN_LOOKBACKS_MS.length;
  const lbGood = new Float64Array(lbCount);
  const lbTotal = new Float64Array(lbCount);
  const lbIndex = new Map(BURN_LOOKBACKS_MS.map((lb, i) => [lb, i]));
  const rates = new Float64Array(lbCount);
  // Each rate is computed once per step and target with burn.ts burnRate; judge() asks burnRate again for the
  // same inputs, which gives the same number. firingAlerts reads them through burnAt: one object per look-back,
  // refreshed before each call (so 100,000 steps do not allocate 600,000 small objects per target).
  const burnViews = BURN_LOOKBACKS_MS.map(() => ({ rate: 0, events: 0 }));
  const noBurn = { rate: 0, events: 0 };
  const burnAt = (lb: number): { rate: number; events: number } => {
    const i = lbIndex.get(lb);
    return i === undefined ? noBurn : (burnViews[i] as { rate: number; events: number });
  };
  let firstSeenAt: number | undefined;
  const counted: Counted = { good: 0, total: 0 };
  // judge()'s count: good and total over buckets starting in [fromMs, toMs); for timeslices the slices since
  // the metric first reported, those without data following the objective's noData rule.
  const count = (fromMs: number, toMs: number): Counted => {
    const a = index(fromMs);
    const b = index(toMs);
    const total = Math.max(0, (cumTotal[b] as number) - (cumTotal[a] as number));
    const good = Math.min(total, Math.max(0, (cumGood[b] as number) - (cumGood[a] as number)));
    counted.good = good;
    counted.total = total;
    if (!ts) return counted;
    const since = firstSeenAt === undefined ? toMs : Math.max(fromMs, alignDown(firstSeenAt, fineMs));
    const countable = slicesIn(since, toMs, fineMs, excluded);
    const withoutData = Math.max(0, countable - total);
    if (ts.noData === 'good') counted.good = good + withoutData;
    if (ts.noData === 'good') counted.total = countable;
    else if (ts.noData === 'bad') counted.total = Math.max(countable, total);
    return counted;
  };

  for (let s = 0; s < steps; s++) {
    const now = firstStep + s * cadenceMs;
    if (onStep) onStep({ index: s, count: steps, at: now });
    const times = runTimes(contract, layout, now, 0);
    firstSeenAt = seenAt !== undefined && seenAt < times.fineEnd ? seenAt : undefined;
    for (let k = 0; k < lbCount; k++) {
      const c = count(times.fineEnd - (BURN_LOOKBACKS_MS[k] as number), times.fineEnd);
      lbGood[k] = c.good;
      lbTotal[k] = c.total;
    }
    const { good: windowGood, total: windowTotal } = count(times.window.startMs, times.coarseEnd);
    const lengthMs = times.window.lengthMs;
    let rules = rulesByLength.get(lengthMs);
    if (!rules) {
      rules = defaultAlertRules(lengthMs);
      rulesByLength.set(lengthMs, rules);
    }
    const windowSlices = ts ? slicesIn(times.window.startMs, times.window.startMs + lengthMs, fineMs, excluded) : 0;

    for (const p of per) {
      const target = p.targetPct;
      for (let k = 0; k < lbCount; k++) {
        const total = lbTotal[k] as number;
        const bad = total - (lbGood[k] as number);
        // burnRate of a look-back without bad events is 0 (error ratio 0); the target was checked once up front.
        rates[k] = bad > 0 ? burnRate({ bad, total, targetPct: target }) : 0;
        const view = burnViews[k] as { rate: number; events: number };
        view.rate = rates[k] as number;
        view.events = total;
      }
      const firing = firingAlerts(rules, burnAt, ts ? 0 : contract.spec.minEvents);
      let assessment: Assessment;
      if (windowTotal === 0) {
        const status = firstSeenAt === undefined ? 'no-data' : 'no-traffic';
        assessment = { status, detail: STATUS_DETAIL[status], burnRates: ratesRecord(rates), firing };
      } else if (ts && windowSlices === 0) {
        assessment = { status: 'no-traffic', detail: STATUS_DETAIL.excluded, burnRates: ratesRecord(rates), firing };
      } else {
        const budget = ts
          ? timesliceBudget({ badSlices: windowTotal - windowGood, windowSlices, targetPct: target })
          : occurrenceBudget({ good: windowGood, total: windowTotal, targetPct: target });
        const remainingPct = budget.remainingPct;
        if (!exhaustive && unchangedBy(p, remainingPct, firing, now)) {
          // nextObjectiveState would change nothing but figures: keep them, and hand them over at the next call.
          const q = p.quiet;
          q.count++;
          q.lastNow = now;
          q.remainingPct = remainingPct;
          q.minRemainingPct = Math.min(q.minRemainingPct, remainingPct);
          q.rates.set(rates);
          p.out.remaining[s] = remainingPct;
          if (p.out.worst === null || remainingPct < p.out.worst.remainingPct) p.out.worst = { remainingPct, at: now };
          p.out.tiers[s] = p.tierIndex;
          if (s < steps - 1 && p.tier) {
            if (p.tier.freeze !== 'none') p.out.frozenNonCriticalMs += cadenceMs;
            if (p.tier.freeze === 'all') p.out.frozenAllMs += cadenceMs;
          }
          continue;
        }
        assessment = {
          status: 'ok',
          remainingPct,
          events: windowTotal,
          badEvents: windowTotal - windowGood,
          allowedBad: budget.allowedBad,
          burnRates: ratesRecord(rates),
          firing,
          forecast24h: forecastAt(rates[day24] as number, remainingPct, lengthMs, times.coarseEnd),
          forecast6h: forecastAt(rates[hours6] as number, remainingPct, lengthMs, times.coarseEnd),
        };
      }

      catchUp(p);
      const decision = nextObjectiveState({ contract, objective: p.objective, assessment, prev: p.prev, now });
      const state = decision.state;
      p.day = Math.floor(now / DAY_MS);
      const out = p.out;
      for (const h of decision.history) {
        if (h.type === 'tier-change') {
          const to = String(h.detail.to);
          out.timeline.push({ at: now, from: (h.detail.from as string | null) ?? null, to, remainingPct: (h.detail.remainingPct as number | null) ?? null, freeze: tierNamed(tiers, to)?.freeze ?? 'none' });
        } else if (h.type === 'burn-alert') out.alertsStarted++;
      }
      // The outbox is drained after every run (the evaluator sends what it recorded): take this run's messages.
      let sent = false;
      for (const id in state.outbox) {
        const m = (state.outbox[id] as { message: OutboundMessage }).message;
        const about = m.attributes.event === 'burn-alert' ? String(m.json.alert ?? '') : m.attributes.tier;
        announce(out, { at: now, event: m.attributes.event, severity: m.attributes.severity, subject: m.subject, about });
        sent = true;
      }
      if (decision.daily) out.days.push(decision.daily);
      p.prev = sent ? { ...state, outbox: {} } : state;

      // Gates follow the tier: frozen while the tier's freeze level covers them (reconcileGate's holders).
      if (state.tier !== p.tierName) {
        p.tier = tierNamed(tiers, state.tier);
        p.tierIndex = p.tier ? tiers.indexOf(p.tier) : -1;
        p.tierName = state.tier;
      }
      const tier = p.tier;
      for (let i = 0; i < gates.length; i++) {
        const g = gates[i] as Gate;
        const want = tier !== undefined && gateFrozenBy(tier, g);
        if (want === p.frozen[i]) continue;
        p.frozen[i] = want;
        const gate = `${g.pipeline}/${g.stage}`;
        // As messages.ts freezeMessage / unfreezeMessage: a freeze is a ticket, an unfreeze information.
        if (want) announce(out, { at: now, event: 'freeze', severity: 'ticket', subject: `[SLO ticket] deployments frozen: ${gate}`, about: gate });
        else announce(out, { at: now, event: 'unfreeze', severity: 'info', subject: `[SLO info] deployments unfrozen: ${gate}`, about: gate });
      }

      if (s < steps - 1 && tier) {
        if (tier.freeze !== 'none') out.frozenNonCriticalMs += cadenceMs;
        if (tier.freeze === 'all') out.frozenAllMs += cadenceMs;
      }
      if (assessment.status === 'ok') {
        out.remaining[s] = assessment.remainingPct;
        if (out.worst === null || assessment.remainingPct < out.worst.remainingPct) out.worst = { remainingPct: assessment.remainingPct, at: now };
      }
      out.tiers[s] = p.tierIndex;
    }
  }

  for (const p of per) {
    catchUp(p);
    const state = p.prev;
    p.out.final = { remainingPct: state?.remainingPct ?? null, tier: state?.tier ?? null, status: state?.status ?? 'ok' };
    if (state?.today) {
      p.out.days.push({
        contract: contract.metadata.name,
        objective: objective.name,
        day: state.today.day,
        remainingPct: state.remainingPct,
        minRemainingPct: state.today.minRemainingPct,
        tier: state.tier,
        status: state.status,
        burnRates: state.burnRates,
        tierChanges: state.today.tierChanges,
        alertsStarted: state.today.alertsStarted,
        lastEvaluatedAt: state.lastEvaluatedAt,
      });
    }
  }
  return {
    contract: contract.metadata.name,
    objective: objective.name,
    cadenceMs,
    fromMs: options.fromMs,
    toMs: options.toMs,
    firstStepMs: firstStep,
    lastStepMs: firstStep + (steps - 1) * cadenceMs,
    steps,
    ...(grid.approximateBefore !== undefined ? { approximateBefore: Math.min(grid.approximateBefore, options.toMs) } : {}),
    targets: per.map((p) => p.out),
  };
}

/** judge()'s forecast at one look-back's burn rate. */
function forecastAt(rate: number, remainingPct: number, windowLengthMs: number, nowMs: number): Forecast {
  const f = forecastExhaustion({ remainingPct, burnRate: rate, windowLengthMs, nowMs });
  return { burnRate: rate, exhaustedAt: f.exhaustedAt, alreadyExhausted: f.alreadyExhausted };
}

const LABELS = BURN_LOOKBACKS_MS.map(lookbackLabel);
/**
 * Burn rates keyed by look-back label in BURN_LOOKBACKS_MS order, as judge() builds them. For the usual six
 * look-backs the record is built as one literal (a fixed shape, cheap at 100,000 steps per target).
 */
const ratesRecord: (rates: Float64Array) => Record<string, number> =
  LABELS.join(',') === '5m,30m,1h,6h,1d,3d'
    ? (r) => ({ '5m': r[0] as number, '30m': r[1] as number, '1h': r[2] as number, '6h': r[3] as number, '1d': r[4] as number, '3d': r[5] as number })
    : (r) => Object.fromEntries(LABELS.map((label, k) => [label, r[k] as number]));

function announce(out: BacktestTarget, a: Announcement): void {
  out.announcements.push(a);
  if (a.severity === 'page') out.pages++;
  else if (a.severity === 'ticket') out.tickets++;
}

function tierNamed(tiers: readonly Tier[], name: string | null): Tier | undefined {
  return name === null ? undefined : tiers.find((t) => t.name === name);
}

function describeWindowShort(contract: Contract): string {
  const w = contract.spec.window;
  return 'rolling' in w ? `rolling ${w.rolling}` : `calendar ${w.calendar}`;
}
