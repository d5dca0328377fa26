/**
 * Suggesting a target from history. Pure: the history arrives as buckets (hourly from CloudWatch, which keeps
 * hourly data for 15 months, or per minute from a file).
 *
 * Attainment is measured over every window-length span of the history: for a rolling window every span of the
 * window's length starting on a whole hour; for a calendar window every whole calendar month (quarter). Each
 * span is judged as the evaluator judges its window (exclusions removed; timeslices with the noData rule).
 *
 * The rule (documented in the README): the recommended target is the highest target on the usual ladder
 * (90, 95, 98, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999) at which EVERY span of the history would have kept
 * more of its error budget than the policy's first tier requires (`above` of the best tier: 50 % with the
 * default tiers), i.e. the journey would have stayed in its best tier through the worst window it had. A
 * target "history supports" exhausts no span's budget; a target above that would have been spent at least once.
 */
import type { Contract, Objective } from './contract.ts';
import { excludedRanges, slicesIn } from './assess.ts';
import { layoutOf } from './ledger.ts';
import { occurrenceBudget, timesliceBudget } from './budget.ts';
import { buildGrid, TARGET_LADDER_PCT, type HistoryBucket } from './backtest.ts';
import { alignDown } from './resolution.ts';
import { HOUR_MS, parseDuration } from './duration.ts';

export class SuggestError extends Error {
  override name = 'SuggestError';
}

/** CloudWatch keeps hourly datapoints for 455 days (15 months): the longest history a suggestion can read. */
export const HOURLY_RETENTION_MS = 455 * 24 * HOUR_MS;

export interface Span {
  startMs: number;
  endMs: number;
  /** Events (or counted slices) in the span, exclusions removed, and the good ones among them. */
  good: number;
  total: number;
  /** Slices the span holds (timeslices: the budget's base); 0 for occurrences. */
  windowSlices: number;
  /** good / total, PERCENT. */
  attainmentPct: number;
}

export interface TargetFit {
  targetPct: number;
  /** Lowest percent of budget any span would have kept (negative: overspent). */
  worstRemainingPct: number;
  /** Spans whose budget would have been spent (remaining <= 0). */
  exhaustedSpans: number;
  /** Spans that would have left the best tier (remaining <= the first tier's threshold). */
  belowBestTierSpans: number;
}

export interface Suggestion {
  contract: string;
  objective: string;
  /** `rolling 30d` or `calendar month`. */
  window: string;
  fromMs: number;
  toMs: number;
  /** Spans judged (those with events). */
  spans: number;
  worst: Span;
  best: Span;
  medianAttainmentPct: number;
  /** The best tier's threshold (percent of budget) the rule keeps above. */
  keepPct: number;
  /** The ladder (and the contract's target), ascending, with what each would have done over the spans. */
  fits: TargetFit[];
  /** Highest ladder target that exhausts no span; null when even 90 % would have. */
  supportedPct: number | null;
  /** The rule's answer; null when no ladder target keeps the best tier through every span. */
  recommendedPct: number | null;
  contractTargetPct: number;
  /** above-history: some span would have spent its budget; tight: none spent, but some left the best tier; fits. */
  verdict: 'above-history' | 'tight' | 'fits';
}

/** Spans of the window's length in [fromMs, toMs): rolling every hour, calendar every whole month or quarter. */
export function windowSpans(contract: Contract, fromMs: number, toMs: number): { startMs: number; endMs: number }[] {
  const w = contract.spec.window;
  const out: { startMs: number; endMs: number }[] = [];
  if ('rolling' in w) {
    const length = parseDuration(w.rolling);
    for (let start = -alignDown(-fromMs, HOUR_MS); start + length <= toMs; start += HOUR_MS) out.push({ startMs: start, endMs: start + length });
    return out;
  }
  const months = w.calendar === 'month' ? 1 : 3;
  const first = new Date(fromMs);
  let year = first.getUTCFullYear();
  let month = Math.floor(first.getUTCMonth() / months) * months;
  if (Date.UTC(year, month, 1) < fromMs) month += months;
  for (;;) {
    const startMs = Date.UTC(year, month, 1);
    const endMs = Date.UTC(year, month + months, 1);
    if (endMs > toMs) break;
    out.push({ startMs, endMs });
    const next = new Date(endMs);
    year = next.getUTCFullYear();
    month = next.getUTCMonth();
  }
  return out;
}

export function describeWindowText(contract: Contract): string {
  const w = contract.spec.window;
  return 'rolling' in w ? `rolling ${w.rolling}` : `calendar ${w.calendar}`;
}

/**
 * Judges every window-length span of the history and applies the rule. Throws a SuggestError when the history
 * holds no span with events.
 */
export function suggestTarget(contract: Contract, objective: Objective, buckets: readonly HistoryBucket[], range: { fromMs: number; toMs: number }): Suggestion {
  const layout = layoutOf(objective.sli);
  // Sorted and merged, as slicesIn needs them.
  const excluded = excludedRanges(contract, layout.coarseMs);
  // Spans start and end on whole hours: with hourly occurrence data (CloudWatch's beyond 63 days) and hour-aligned
  // exclusions, an hourly grid keeps whole-number counts whole (spreading them over minutes adds float noise).
  const hourly =
    !objective.sli.timeslice &&
    buckets.every((b) => b.periodMs % HOUR_MS === 0 && b.t % HOUR_MS === 0) &&
    excluded.every((e) => e.startMs % HOUR_MS === 0 && e.endMs % HOUR_MS === 0) &&
    range.fromMs % HOUR_MS === 0;
  const fineMs = hourly ? HOUR_MS : layout.fineMs;
  const grid = buildGrid(objective, buckets, range.fromMs, range.toMs, fineMs, excluded);
  const ts = objective.sli.timeslice;
  const index = (ms: number) => Math.min(grid.n, Math.max(0, Math.ceil((ms - grid.base) / fineMs)));
  let firstSeen: number | undefined;
  for (let i = 0; i < grid.n; i++) {
    if (grid.seen[i] === 1) {
      firstSeen = grid.base + i * fineMs;
      break;
    }
  }

  const spans: Span[] = [];
  for (const { startMs, endMs } of windowSpans(contract, range.fromMs, range.toMs)) {
    const a = index(startMs);
    const b = index(endMs);
    const withData = Math.max(0, (grid.cumTotal[b] as number) - (grid.cumTotal[a] as number));
    let good = Math.min(withData, Math.max(0, (grid.cumGood[b] as number) - (grid.cumGood[a] as number)));
    let total = withData;
    let windowSlices = 0;
    if (ts) {
      // As judge(): slices since the metric first reported; those without data follow noData.
      const since = firstSeen === undefined ? endMs : Math.max(startMs, firstSeen);
      const countable = slicesIn(since, endMs, fineMs, excluded);
      if (ts.noData === 'good') {
        good += Math.max(0, countable - withData);
        total = countable;
      } else if (ts.noData === 'bad') total = Math.max(countable, withData);
      windowSlices = slicesIn(startMs, endMs, fineMs, excluded);
      if (windowSlices === 0) continue;
    }
    if (!(total > 0)) continue;
    spans.push({ startMs, endMs, good, total, windowSlices, attainmentPct: (100 * good) / total });
  }
  if (spans.length === 0) {
    throw new SuggestError(
      `no ${describeWindowText(contract)} span of the history (${new Date(range.fromMs).toISOString()} to ${new Date(range.toMs).toISOString()}) has events: a suggestion needs at least one whole window with traffic`,
    );
  }

  const byAttainment = [...spans].sort((x, y) => x.attainmentPct - y.attainmentPct || x.startMs - y.startMs);
  const worst = byAttainment[0] as Span;
  const best = byAttainment[byAttainment.length - 1] as Span;
  const mid = byAttainment.length / 2;
  const medianAttainmentPct = byAttainment.length % 2 === 1 ? (byAttainment[Math.floor(mid)] as Span).attainmentPct : ((byAttainment[mid - 1] as Span).attainmentPct + (byAttainment[mid] as Span).attainmentPct) / 2;
  const keepPct = contract.spec.policy.tiers[0]?.above ?? 0;

  const remainingOf = (s: Span, targetPct: number) =>
    ts ? timesliceBudget({ badSlices: s.total - s.good, windowSlices: s.windowSlices, targetPct }).remainingPct : occurrenceBudget({ good: s.good, total: s.total, targetPct }).remainingPct;
  const candidates = [...new Set([...TARGET_LADDER_PCT, objective.target])].sort((x, y) => x - y);
  const fits: TargetFit[] = candidates.map((targetPct) => {
    let worstRemainingPct = Infinity;
    let exhaustedSpans = 0;
    let belowBestTierSpans = 0;
    for (const s of spans) {
      const r = remainingOf(s, targetPct);
      worstRemainingPct = Math.min(worstRemainingPct, r);
      if (r <= 0) exhaustedSpans++;
      if (r <= keepPct) belowBestTierSpans++;
    }
    return { targetPct, worstRemainingPct, exhaustedSpans, belowBestTierSpans };
  });
  const onLadder = fits.filter((f) => TARGET_LADDER_PCT.includes(f.targetPct));
  const supportedPct = [...onLadder].reverse().find((f) => f.exhaustedSpans === 0)?.targetPct ?? null;
  const recommendedPct = [...onLadder].reverse().find((f) => f.worstRemainingPct > keepPct)?.targetPct ?? null;
  const own = fits.find((f) => f.targetPct === objective.target) as TargetFit;
  const verdict = own.exhaustedSpans > 0 ? 'above-history' : own.worstRemainingPct <= keepPct ? 'tight' : 'fits';
  return {
    contract: contract.metadata.name,
    objective: objective.name,
    window: describeWindowText(contract),
    fromMs: range.fromMs,
    toMs: range.toMs,
    spans: spans.length,
    worst,
    best,
    medianAttainmentPct,
    keepPct,
    fits,
    supportedPct,
    recommendedPct,
    contractTargetPct: objective.target,
    verdict,
  };
}

/**
 * The targets whose backtest cost a suggestion shows: the recommended one with its ladder neighbours, and the
 * contract's own target; ascending.
 */
export function targetsToCost(s: Suggestion): number[] {
  const ladder = [...TARGET_LADDER_PCT];
  const around: number[] = [];
  if (s.recommendedPct !== null) {
    const i = ladder.indexOf(s.recommendedPct);
    around.push(...ladder.slice(Math.max(0, i - 1), i + 2));
  } else around.push(ladder[0] as number);
  return [...new Set([...around, s.contractTargetPct])].sort((a, b) => a - b);
}
