/**
 * The weekly budget report: pure assembly of what the table holds into figures people act on, then into email
 * text (with bars), JSON for HTTPS subscribers, and the messages: one per contract (for that contract's
 * recipients, filtered on the `contract` attribute like alerts) and one roll-up of all (audience leadership).
 *
 * As of an instant `asOf` (the reporter's clock, or `slo report --as-of`), per objective:
 * - budget left now: the objective state when its last evaluation is not after asOf, else the daily summary of
 *   the last whole UTC day before asOf;
 * - budget left 7 days ago: the daily summary of the UTC day that ends at the midnight nearest asOf - 7 d;
 * - burn 1 d: the state's 24 h burn rate (or that day's summary); burn 7 d: the MEAN of the 24 h burn rates of
 *   the 7 daily summaries before asOf (equal to the 7-day burn rate when every day carries the same traffic);
 * - forecast: when the budget left now reaches 0 at the 1 d burn rate; tier and since when;
 * - notifications sent in the week [asOf - 7 d, asOf) (history `notification-sent`).
 * Per contract: hours each gate was frozen this week and this calendar quarter (UTC), from the gate history
 * (freeze opens an interval; unfreeze, a console override or a hand-back to a person closes it); overrides in
 * force at asOf and used this quarter (count, and hours in force within the quarter); the review state.
 * A figure is null only when the table truly has no data for it, and then carries a `why` saying what is missing.
 * Percentages are PERCENT OF ERROR BUDGET; changes are percentage POINTS of budget.
 */
import type { Contract } from './contract.ts';
import type { DailySummary, GateState, HistoryEntry, ObjectiveState, ObjectiveStatus, OutboundMessage, Override } from '../ports.ts';
import { windowBounds } from './window.ts';
import { forecastExhaustion } from './forecast.ts';
import { formatUtc } from './reason.ts';
import { describeWindow } from './messages.ts';
import { objectiveKey } from './model.ts';
import { DAY_MS } from './duration.ts';
import { contractMarks, isFlagged, LEADERSHIP_AUDIENCE, reviewStatus, type ReviewStatus } from './review.ts';
import { budgetBar, hours, padEnd, padStart, pct1, plural, rate, signedPts } from './text.ts';

export const WEEK_MS = 7 * DAY_MS;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStartMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The start of the calendar quarter (UTC) holding `ms`: 1 January, April, July or October, 00:00. */
export function quarterStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1);
}

/** `2026-Q4`. */
export function quarterLabel(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/** The time ranges one report reads; the use case queries the store with them. */
export interface ReportPeriods {
  asOf: number;
  /** asOf - 7 d: the week is [weekStart, asOf). */
  weekStart: number;
  quarterStart: number;
  quarter: string;
  /** The last whole UTC day before asOf (its summary is the newest one that can exist). */
  lastDay: string;
  /** The day whose end is the midnight nearest asOf - 7 d: "7 days ago". */
  weekAgoDay: string;
  /** Daily summaries to read, [fromDay, toDay]: a week more than needed, to tell "did not run" from "not deployed yet". */
  summaryFromDay: string;
  summaryToDay: string;
  /** History to read, [historyFrom, asOf): the quarter, and the week when it began in the previous quarter. */
  historyFrom: number;
}

export function reportPeriods(asOf: number): ReportPeriods {
  const weekStart = asOf - WEEK_MS;
  const q = quarterStart(asOf);
  const lastDay = utcDay(Math.floor(asOf / DAY_MS) * DAY_MS - 1);
  const weekAgoDay = utcDay(Math.round(weekStart / DAY_MS) * DAY_MS - 1);
  return {
    asOf,
    weekStart,
    quarterStart: q,
    quarter: quarterLabel(asOf),
    lastDay,
    weekAgoDay,
    summaryFromDay: utcDay(dayStartMs(weekAgoDay) - 7 * DAY_MS),
    summaryToDay: lastDay,
    historyFrom: Math.min(weekStart, q),
  };
}

export interface ReportInput {
  asOf: number;
  contracts: Contract[];
  /** Objective states by `contract#objective`. */
  states: ReadonlyMap<string, ObjectiveState>;
  /** Daily summaries by `contract#objective` over [summaryFromDay, summaryToDay], oldest first. */
  summaries: ReadonlyMap<string, DailySummary[]>;
  /** Objective history by `contract#objective` over [historyFrom, asOf). */
  objectiveHistory: ReadonlyMap<string, HistoryEntry[]>;
  /** Gate states by `pipeline/stage`, and their history over [historyFrom, asOf). */
  gates: ReadonlyMap<string, GateState>;
  gateHistory: ReadonlyMap<string, HistoryEntry[]>;
  /** Every override on record (kept 400 days after it ends). */
  overrides: Override[];
}

/** A figure the table may not hold: `why` says what is missing when the value is null. */
export interface Known<T> {
  value: T | null;
  why?: string;
}

export interface ObjectiveReport {
  contract: string;
  objective: string;
  targetPct: number;
  window: string;
  status: ObjectiveStatus | 'never-evaluated';
  statusDetail?: string;
  tier: string | null;
  tierSince: Known<number>;
  /** Percent of budget left now, and where the figure comes from (`2026-12-07 08:55 UTC`, `end of 2026-12-06`). */
  remaining: Known<number> & { asOfText: string };
  /** Percent of budget left 7 days ago (end of `weekAgoDay`). */
  weekAgo: Known<number> & { day: string };
  /** Points of budget gained (+) or spent (-) over the week. */
  weekChangePts: number | null;
  burn1d: Known<number>;
  /** Mean of the daily 24 h burn rates; `days` is how many daily summaries it averages (7 when all are there). */
  burn7d: Known<number> & { days: number };
  forecast: Known<number> & { alreadyExhausted: boolean; notBurning: boolean };
  notificationsSent: number;
  pagesSent: number;
}

export interface GateReport {
  gate: string;
  frozenNow: boolean;
  /** When the freeze in force began (null when open). */
  since: number | null;
  holders: string[];
  /** Milliseconds frozen within the week and within the quarter. */
  frozenWeekMs: number;
  frozenQuarterMs: number;
}

export interface OverrideReport extends Pick<Override, 'id' | 'scope' | 'by' | 'reason' | 'createdAt' | 'until' | 'revokedAt' | 'source'> {
  /** Milliseconds it was in force within the quarter (up to asOf). */
  inQuarterMs: number;
}

export interface ContractReport {
  contract: string;
  journey: string;
  owner: string;
  objectives: ObjectiveReport[];
  gates: GateReport[];
  overridesInForce: OverrideReport[];
  overridesThisQuarter: { count: number; hoursMs: number; list: OverrideReport[] };
  /** Notifications sent this week about the contract: its objectives' and its gates'. */
  notificationsSent: number;
  review: ReviewStatus;
}

export interface Report extends ReportPeriods {
  contracts: ContractReport[];
}

// ---------------------------------------------------------------------------------------------
// Assembly

const FREEZE_ENDS = new Set(['unfreeze', 'override', 'released-to-person']);

/**
 * Intervals [start, end] within [from, to] during which slo-contracts held the gate frozen, from its history
 * over [from, to). An interval still open at `to` ends there (a freeze recorded at `to` itself is an empty
 * interval [to, to]: frozen now, for no time yet). A range that opens with an end event was frozen at `from`.
 * The gate state fills what the history cannot show: frozen by us since `disabledAt`, after the last event.
 */
export function frozenIntervals(history: readonly HistoryEntry[], state: GateState | undefined, from: number, to: number): [number, number][] {
  const events = history.filter((e) => e.at >= from && e.at < to && (e.type === 'freeze' || FREEZE_ENDS.has(e.type))).sort((a, b) => a.at - b.at);
  let open: number | null = events[0] !== undefined && events[0].type !== 'freeze' ? from : null;
  const out: [number, number][] = [];
  for (const e of events) {
    if (e.type === 'freeze') {
      if (open === null) open = e.at;
    } else if (open !== null) {
      out.push([open, e.at]);
      open = null;
    }
  }
  const lastEventAt = events.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  if (open === null && state?.disabledByUs && state.disabledAt !== undefined && state.disabledAt >= lastEventAt && state.disabledAt <= to) {
    open = Math.max(from, state.disabledAt);
  }
  if (open !== null) out.push([open, to]);
  return out;
}

/** Milliseconds of `intervals` inside [from, to). */
export function overlapMs(intervals: readonly [number, number][], from: number, to: number): number {
  return intervals.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);
}

/** When an override stops being in force: its end, or its revocation if earlier. */
export function overrideEnd(o: Override): number {
  return Math.min(o.until, o.revokedAt ?? Number.POSITIVE_INFINITY);
}

/** Why the daily summary of `day` is missing, from what the range around it holds. */
function whyNoSummary(day: string, summaries: readonly DailySummary[], state: ObjectiveState | undefined, asOf: number): string {
  const earlier = summaries.some((d) => d.day < day);
  if (earlier) return `no summary for ${day}: the evaluator did not run that day`;
  const first = summaries.find((d) => d.day > day);
  if (first) {
    const days = Math.round((Math.floor(asOf / DAY_MS) * DAY_MS - dayStartMs(first.day)) / DAY_MS);
    return `no summary for ${day}: objective deployed ${plural(days, 'day')} ago (first evaluated ${first.day})`;
  }
  if (!state) return `no summary for ${day}: the objective has never been evaluated`;
  if (state.lastEvaluatedAt < dayStartMs(day)) return `no summary for ${day}: the evaluator has not run since ${formatUtc(state.lastEvaluatedAt)}`;
  return `no summary for ${day}: objective deployed less than a day ago (a day's summary is written once that UTC day is over)`;
}

/** The summary the next day's first run will write for `day`, from the state's figures (as core/objective does). */
function pendingSummary(state: ObjectiveState, day: string): DailySummary {
  return {
    contract: state.contract,
    objective: state.objective,
    day,
    remainingPct: state.remainingPct,
    minRemainingPct: state.today?.minRemainingPct ?? null,
    tier: state.tier,
    status: state.status,
    burnRates: state.burnRates,
    tierChanges: state.today?.tierChanges ?? 0,
    alertsStarted: state.today?.alertsStarted ?? 0,
    lastEvaluatedAt: state.lastEvaluatedAt,
  };
}

/** Short: the status line beside it carries the detail. */
function statusWhy(state: ObjectiveState): string {
  return state.status === 'ok' ? 'not judged yet' : `status ${state.status}`;
}

function objectiveReport(input: ReportInput, p: ReportPeriods, contract: Contract, objective: Contract['spec']['objectives'][number]): ObjectiveReport {
  const name = contract.metadata.name;
  const key = objectiveKey(name, objective.name);
  const state = input.states.get(key);
  const sums = input.summaries.get(key) ?? [];
  const byDay = new Map(sums.map((d) => [d.day, d]));
  const live = state !== undefined && state.lastEvaluatedAt <= input.asOf;
  // The day the state is still in has no summary yet (the first run after midnight writes it, from these very
  // figures): a report between midnight and that run reads them from the state.
  if (live && state.today && !byDay.has(state.today.day)) byDay.set(state.today.day, pendingSummary(state, state.today.day));
  const lastSummary = byDay.get(p.lastDay);
  const history = input.objectiveHistory.get(key) ?? [];

  // Now: the live state, or (a report of the past) the last whole day's summary.
  let remaining: ObjectiveReport['remaining'];
  let burn1d: Known<number>;
  let tier: string | null;
  let tierSince: Known<number>;
  let status: ObjectiveReport['status'];
  let statusDetail: string | undefined;
  if (live) {
    remaining = { value: state.remainingPct, asOfText: formatUtc(state.lastEvaluatedAt), ...(state.remainingPct === null ? { why: `no budget figure yet: ${statusWhy(state)}` } : {}) };
    // A series that never reported has no burn rate, whatever zeros the state holds.
    const b = state.status === 'no-data' ? undefined : state.burnRates['1d'];
    burn1d = b !== undefined ? { value: b } : { value: null, why: `no 24 h burn rate: ${statusWhy(state)}` };
    tier = state.tier;
    tierSince = tier === null ? { value: null, why: `no tier yet: ${statusWhy(state)}` } : { value: state.tierSince };
    status = state.status;
    statusDetail = state.statusDetail;
  } else if (lastSummary) {
    remaining = { value: lastSummary.remainingPct, asOfText: `end of ${p.lastDay}`, ...(lastSummary.remainingPct === null ? { why: `no budget figure on ${p.lastDay}: status ${lastSummary.status}` } : {}) };
    const b = lastSummary.status === 'no-data' ? undefined : lastSummary.burnRates['1d'];
    burn1d = b !== undefined ? { value: b } : { value: null, why: `no 24 h burn rate on ${p.lastDay}: status ${lastSummary.status}` };
    tier = lastSummary.tier;
    const change = history.filter((h) => h.type === 'tier-change' && h.at <= input.asOf).at(-1);
    tierSince = change ? { value: change.at } : { value: null, why: `unchanged since before ${utcDay(p.historyFrom)}` };
    status = lastSummary.status;
  } else {
    const why = state ? whyNoSummary(p.lastDay, sums, state, input.asOf) : 'never evaluated: the evaluator has not judged this objective yet';
    remaining = { value: null, asOfText: `end of ${p.lastDay}`, why };
    burn1d = { value: null, why };
    tier = null;
    tierSince = { value: null, why };
    status = 'never-evaluated';
  }

  const weekAgoSummary = byDay.get(p.weekAgoDay);
  const weekAgo: ObjectiveReport['weekAgo'] = weekAgoSummary
    ? { value: weekAgoSummary.remainingPct, day: p.weekAgoDay, ...(weekAgoSummary.remainingPct === null ? { why: `no budget figure on ${p.weekAgoDay}: status ${weekAgoSummary.status}` } : {}) }
    : { value: null, day: p.weekAgoDay, why: whyNoSummary(p.weekAgoDay, sums, state, input.asOf) };

  // 7 d: the mean of the daily 24 h burn rates of the seven days up to lastDay.
  const days = Array.from({ length: 7 }, (_, i) => utcDay(dayStartMs(p.lastDay) - i * DAY_MS));
  const dayRate = (d: DailySummary | undefined) => (d === undefined || d.status === 'no-data' ? undefined : d.burnRates['1d']);
  const rates = days.map((d) => dayRate(byDay.get(d))).filter((r): r is number => r !== undefined);
  const burn7d: ObjectiveReport['burn7d'] =
    rates.length > 0
      ? { value: rates.reduce((a, b) => a + b, 0) / rates.length, days: rates.length, ...(rates.length < 7 ? { why: missingDays(days, byDay, sums) } : {}) }
      : { value: null, days: 0, why: byDay.has(p.lastDay) ? `no 24 h burn rate in the last 7 daily summaries: status ${byDay.get(p.lastDay)?.status}` : whyNoSummary(p.lastDay, sums, state, input.asOf) };

  let forecast: ObjectiveReport['forecast'];
  if (remaining.value === null || burn1d.value === null) {
    forecast = { value: null, alreadyExhausted: false, notBurning: false, why: remaining.value === null ? (remaining.why ?? 'no budget figure') : (burn1d.why ?? 'no burn rate') };
  } else {
    const { lengthMs } = windowBounds(contract.spec.window, input.asOf);
    const f = forecastExhaustion({ remainingPct: remaining.value, burnRate: burn1d.value, windowLengthMs: lengthMs, nowMs: input.asOf });
    forecast = { value: f.exhaustedAt, alreadyExhausted: f.alreadyExhausted, notBurning: f.exhaustedAt === null };
  }

  const sent = history.filter((h) => h.type === 'notification-sent' && h.at >= p.weekStart && h.at < input.asOf);
  return {
    contract: name,
    objective: objective.name,
    targetPct: objective.target,
    window: describeWindow(contract),
    status,
    ...(statusDetail !== undefined && status !== 'ok' ? { statusDetail } : {}),
    tier,
    tierSince,
    remaining,
    weekAgo,
    weekChangePts: remaining.value !== null && weekAgo.value !== null ? remaining.value - weekAgo.value : null,
    burn1d,
    burn7d,
    forecast,
    notificationsSent: sent.length,
    pagesSent: sent.filter((h) => h.detail.severity === 'page').length,
  };
}

/** Why some of the seven days have no 24 h burn rate: before the objective's first summary, or gaps after it. */
function missingDays(days: string[], byDay: Map<string, DailySummary>, sums: readonly DailySummary[]): string {
  const missing = days.filter((d) => byDay.get(d) === undefined || byDay.get(d)?.status === 'no-data' || byDay.get(d)?.burnRates['1d'] === undefined).sort();
  const first = sums[0]?.day;
  const before = missing.filter((d) => first !== undefined && d < first);
  const gaps = missing.filter((d) => !before.includes(d));
  const parts: string[] = [];
  if (before.length > 0) parts.push(`objective first evaluated ${first}`);
  if (gaps.length > 0) parts.push(`no 24 h burn rate for ${gaps.join(', ')}: the evaluator did not run or had no figure`);
  return parts.join('; ');
}

function overrideReport(o: Override, p: ReportPeriods): OverrideReport {
  const inQuarterMs = Math.max(0, Math.min(overrideEnd(o), p.asOf) - Math.max(o.createdAt, p.quarterStart));
  return {
    id: o.id,
    scope: o.scope,
    by: o.by,
    reason: o.reason,
    createdAt: o.createdAt,
    until: o.until,
    ...(o.revokedAt !== undefined ? { revokedAt: o.revokedAt } : {}),
    source: o.source,
    inQuarterMs,
  };
}

function contractReport(input: ReportInput, p: ReportPeriods, contract: Contract): ContractReport {
  const name = contract.metadata.name;
  const objectives = contract.spec.objectives.map((o) => objectiveReport(input, p, contract, o));
  const gateIds = contract.spec.gates.map((g) => `${g.pipeline}/${g.stage}`);
  let gateNotifications = 0;
  const gates: GateReport[] = gateIds.map((id) => {
    const history = input.gateHistory.get(id) ?? [];
    const state = input.gates.get(id);
    const intervals = frozenIntervals(history, state, p.historyFrom, p.asOf);
    const last = intervals.at(-1);
    const frozenNow = last !== undefined && last[1] === p.asOf;
    const freezeEvent = history.filter((h) => h.type === 'freeze' && h.at < p.asOf).at(-1);
    const holders = frozenNow ? (state?.disabledByUs ? Object.keys(state.holders) : ((freezeEvent?.detail.holders as string[] | undefined) ?? [])) : [];
    gateNotifications += history.filter((h) => h.type === 'notification-sent' && h.at >= p.weekStart && h.at < p.asOf).length;
    return {
      gate: id,
      frozenNow,
      since: frozenNow ? (last[0] === p.historyFrom && state?.disabledAt !== undefined ? state.disabledAt : last[0]) : null,
      holders: [...holders].sort(),
      frozenWeekMs: overlapMs(intervals, p.weekStart, p.asOf),
      frozenQuarterMs: overlapMs(intervals, p.quarterStart, p.asOf),
    };
  });
  const relevant = input.overrides.filter((o) => o.scope === `contract:${name}` || gateIds.some((id) => o.scope === `gate:${id}`));
  const inForce = relevant.filter((o) => o.createdAt <= p.asOf && p.asOf < overrideEnd(o)).map((o) => overrideReport(o, p));
  const used = relevant
    .map((o) => overrideReport(o, p))
    .filter((o) => o.inQuarterMs > 0)
    .sort((a, b) => a.createdAt - b.createdAt);
  return {
    contract: name,
    journey: contract.metadata.journey,
    owner: contract.metadata.owner,
    objectives,
    gates,
    overridesInForce: inForce.sort((a, b) => a.createdAt - b.createdAt),
    overridesThisQuarter: { count: used.length, hoursMs: used.reduce((s, o) => s + o.inQuarterMs, 0), list: used },
    notificationsSent: objectives.reduce((s, o) => s + o.notificationsSent, 0) + gateNotifications,
    review: reviewStatus(contract, p.asOf, contractMarks(contract, input.states)),
  };
}

export function buildReport(input: ReportInput): Report {
  const p = reportPeriods(input.asOf);
  return { ...p, contracts: input.contracts.map((c) => contractReport(input, p, c)) };
}

// ---------------------------------------------------------------------------------------------
// Text

const LABEL = 14;
const line = (label: string, text: string) => `  ${padEnd(label, LABEL)}${text}`;
const more = (text: string) => `  ${' '.repeat(LABEL)}${text}`;

function remainingText(value: number): string {
  return `${pct1(value)}${value < 0 ? ' (OVERSPENT)' : ''}`;
}

function objectiveLines(o: ObjectiveReport): string[] {
  const out = [`${o.objective}: target ${o.targetPct} % over ${o.window}`];
  if (o.status !== 'ok') out.push(line('status', o.status === 'never-evaluated' ? 'never evaluated' : `${o.status}${o.statusDetail ? `: ${o.statusDetail}` : ''} (the tier holds)`));
  out.push(
    line(
      'budget left',
      o.remaining.value === null ? `unknown: ${o.remaining.why ?? ''}` : `${budgetBar(o.remaining.value)} ${padStart(remainingText(o.remaining.value), 7)} (${o.remaining.asOfText})`,
    ),
  );
  out.push(
    line(
      '7 days ago',
      o.weekAgo.value === null
        ? `unknown: ${o.weekAgo.why ?? ''}`
        : `${budgetBar(o.weekAgo.value)} ${padStart(remainingText(o.weekAgo.value), 7)} (end of ${o.weekAgo.day})${o.weekChangePts !== null ? `: ${signedPts(o.weekChangePts)} pts this week` : ''}`,
    ),
  );
  const b1 = o.burn1d.value === null ? `unknown (${o.burn1d.why ?? ''})` : rate(o.burn1d.value);
  const b7 =
    o.burn7d.value === null ? `unknown (${o.burn7d.why ?? ''})` : `${rate(o.burn7d.value)} (mean of ${o.burn7d.days === 7 ? 'the 7 daily rates' : `${plural(o.burn7d.days, 'daily rate')}: ${o.burn7d.why ?? ''}`})`;
  out.push(line('burn rate', `1 d ${b1}; 7 d ${b7}`));
  out.push(
    line(
      'forecast',
      o.forecast.alreadyExhausted
        ? 'budget already exhausted'
        : o.forecast.notBurning
          ? 'not burning: no exhaustion in sight'
          : o.forecast.value === null
            ? `unknown: ${o.forecast.why ?? ''}`
            : `budget exhausted ${formatUtc(o.forecast.value)} at the 1 d burn rate`,
    ),
  );
  out.push(line('tier', o.tier === null ? `unknown: ${o.tierSince.why ?? ''}` : `${o.tier} since ${o.tierSince.value === null ? o.tierSince.why : formatUtc(o.tierSince.value)}`));
  out.push(line('told', `${plural(o.notificationsSent, 'notification')} sent this week${o.pagesSent ? ` (${plural(o.pagesSent, 'page')})` : ''}`));
  return out;
}

function gateText(g: GateReport): string {
  const now = g.frozenNow ? `FROZEN since ${g.since === null ? '-' : formatUtc(g.since)}${g.holders.length ? ` (held by ${g.holders.join(', ')})` : ''}` : 'open';
  return `${g.gate}: ${now}; frozen ${hours(g.frozenWeekMs)} this week, ${hours(g.frozenQuarterMs)} this quarter`;
}

function overrideText(o: OverrideReport): string {
  return `${o.scope} by ${o.by} until ${formatUtc(o.until)}${o.revokedAt !== undefined ? ` (revoked ${formatUtc(o.revokedAt)})` : ''}: ${o.reason}`;
}

/** One contract's section: its objectives, deployments, overrides and review. */
export function contractLines(c: ContractReport, report: ReportPeriods): string[] {
  const out: string[] = [`${c.contract}: ${c.journey} (owner ${c.owner})`, ''];
  for (const o of c.objectives) out.push(...objectiveLines(o), '');
  if (c.gates.length === 0) out.push(line('deployments', 'no gates'));
  c.gates.forEach((g, i) => out.push(i === 0 ? line('deployments', gateText(g)) : more(gateText(g))));
  const inForce = c.overridesInForce.map((o) => `in force: ${overrideText(o)}`);
  const quarter = `this quarter (${report.quarter}): ${plural(c.overridesThisQuarter.count, 'override')}${c.overridesThisQuarter.count ? `, ${hours(c.overridesThisQuarter.hoursMs)} in force` : ''}`;
  [...(inForce.length ? inForce : ['none in force']), quarter].forEach((t, i) => out.push(i === 0 ? line('overrides', t) : more(t)));
  out.push(line('review', `${isFlagged(c.review) ? 'DUE: ' : ''}${c.review.note}`));
  out.push(line('told', `${plural(c.notificationsSent, 'notification')} sent this week about ${c.contract} (its objectives and gates)`));
  return out;
}

const LEGEND = [
  'Budget left: percent of the error budget remaining in the window (negative: overspent); bars are 5 % a cell.',
  'Burn rate 1.0 spends the budget exactly by the end of the window; the 7 d rate is the mean of the daily 24 h rates.',
];

function heading(kind: string, report: ReportPeriods): string {
  return `${kind}, week to ${formatUtc(report.asOf)} (${formatUtc(report.weekStart)} onwards)`;
}

export function contractReportText(report: Report, c: ContractReport): string {
  return [heading(`SLO budget report: ${c.contract}`, report), '', ...contractLines(c, report), '', ...LEGEND].join('\n');
}

interface Headline {
  objectives: number;
  atOrBelowHalf: number;
  overspent: number;
  frozen: number;
  overrides: number;
  reviews: number;
}

function headline(contracts: ContractReport[]): Headline {
  const objectives = contracts.flatMap((c) => c.objectives);
  const gates = new Set(contracts.flatMap((c) => c.gates.filter((g) => g.frozenNow).map((g) => g.gate)));
  const overrides = new Set(contracts.flatMap((c) => c.overridesInForce.map((o) => o.id)));
  return {
    objectives: objectives.length,
    atOrBelowHalf: objectives.filter((o) => o.remaining.value !== null && o.remaining.value <= 50).length,
    overspent: objectives.filter((o) => o.remaining.value !== null && o.remaining.value < 0).length,
    frozen: gates.size,
    overrides: overrides.size,
    reviews: contracts.filter((c) => isFlagged(c.review)).length,
  };
}

function headlineText(h: Headline, contracts: number): string {
  return `${plural(contracts, 'contract')}, ${plural(h.objectives, 'objective')}: ${h.atOrBelowHalf} at or below half budget (${h.overspent} overspent); ${plural(h.frozen, 'gate')} frozen; ${plural(h.overrides, 'override')} in force; ${plural(h.reviews, 'review')} due`;
}

/** Leadership's roll-up: one line per objective to take in at a glance, the lists, then every contract's section. */
export function rollupText(report: Report): string {
  const h = headline(report.contracts);
  const rows = report.contracts.flatMap((c) => c.objectives);
  const nameWidth = Math.max(9, ...rows.map((o) => `${o.contract} / ${o.objective}`.length));
  const out = [heading('SLO budget roll-up', report), headlineText(h, report.contracts.length), ''];
  out.push(`${padEnd('objective', nameWidth)}  ${padEnd('budget left', 31)}  ${padStart('week', 9)}  ${padStart('burn 1 d', 8)}  ${padStart('7 d', 5)}  ${padEnd('tier', 10)}  exhausted at`);
  for (const o of rows) {
    const left = o.remaining.value === null ? padEnd('unknown', 31) : `${budgetBar(o.remaining.value)} ${padStart(pct1(o.remaining.value), 8)}`;
    const week = o.weekChangePts === null ? 'unknown' : `${signedPts(o.weekChangePts)} pts`;
    const forecast = o.forecast.alreadyExhausted ? 'EXHAUSTED' : o.forecast.notBurning ? '-' : o.forecast.value === null ? 'unknown' : formatUtc(o.forecast.value).slice(0, 10);
    out.push(
      [
        padEnd(`${o.contract} / ${o.objective}`, nameWidth),
        left,
        padStart(week, 9),
        padStart(o.burn1d.value === null ? '-' : rate(o.burn1d.value), 8),
        padStart(o.burn7d.value === null ? '-' : rate(o.burn7d.value), 5),
        padEnd(o.tier ?? '-', 10),
        forecast,
      ].join('  '),
    );
  }
  // A gate several contracts list appears once, with those contracts.
  const frozenGates = new Map<string, { text: string; contracts: string[] }>();
  for (const c of report.contracts) {
    for (const g of c.gates.filter((x) => x.frozenNow)) {
      const entry = frozenGates.get(g.gate) ?? { text: gateText(g), contracts: [] };
      entry.contracts.push(c.contract);
      frozenGates.set(g.gate, entry);
    }
  }
  const frozen = [...frozenGates.values()].map((e) => `${e.text} [gate of ${e.contracts.join(', ')}]`);
  const overrides = [...new Map(report.contracts.flatMap((c) => c.overridesInForce.map((o) => [o.id, overrideText(o)] as const))).values()];
  const used = report.contracts.map((c) => `${c.contract}: ${plural(c.overridesThisQuarter.count, 'override')}${c.overridesThisQuarter.count ? `, ${hours(c.overridesThisQuarter.hoursMs)} in force` : ''}`);
  const reviews = report.contracts.filter((c) => isFlagged(c.review)).map((c) => `${c.contract}: ${c.review.note}`);
  out.push('', 'Frozen deployments:', ...(frozen.length ? frozen.map((t) => `  ${t}`) : ['  none']));
  out.push('', 'Overrides in force:', ...(overrides.length ? overrides.map((t) => `  ${t}`) : ['  none']));
  out.push('', `Overrides this quarter (${report.quarter}):`, ...used.map((t) => `  ${t}`));
  out.push('', 'Contracts due for review:', ...(reviews.length ? reviews.map((t) => `  ${t}`) : ['  none']));
  out.push('', '--- by contract ---');
  for (const c of report.contracts) out.push('', ...contractLines(c, report));
  out.push('', ...LEGEND);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// JSON and messages

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function knownInstant(k: Known<number>): { value: string | null; why?: string } {
  return { value: iso(k.value), ...(k.why !== undefined ? { why: k.why } : {}) };
}

function overrideJson(o: OverrideReport): Record<string, unknown> {
  return { ...o, createdAt: iso(o.createdAt), until: iso(o.until), ...(o.revokedAt !== undefined ? { revokedAt: iso(o.revokedAt) } : {}), inQuarterHours: o.inQuarterMs / 3_600_000 };
}

/** The contract's section as JSON: instants as ISO 8601 UTC, durations in hours. */
export function contractJson(c: ContractReport): Record<string, unknown> {
  return {
    contract: c.contract,
    journey: c.journey,
    owner: c.owner,
    objectives: c.objectives.map((o) => ({
      ...o,
      tierSince: knownInstant(o.tierSince),
      forecast: { ...knownInstant(o.forecast), alreadyExhausted: o.forecast.alreadyExhausted, notBurning: o.forecast.notBurning },
    })),
    gates: c.gates.map((g) => ({ gate: g.gate, frozenNow: g.frozenNow, since: iso(g.since), holders: g.holders, frozenHoursThisWeek: g.frozenWeekMs / 3_600_000, frozenHoursThisQuarter: g.frozenQuarterMs / 3_600_000 })),
    overridesInForce: c.overridesInForce.map(overrideJson),
    overridesThisQuarter: { count: c.overridesThisQuarter.count, hours: c.overridesThisQuarter.hoursMs / 3_600_000, list: c.overridesThisQuarter.list.map(overrideJson) },
    notificationsSent: c.notificationsSent,
    review: { ...c.review, flagged: isFlagged(c.review) },
  };
}

/** The report as JSON (the roll-up's payload, and `slo report --json`). */
export function reportJson(report: Report, contracts: ContractReport[] = report.contracts): Record<string, unknown> {
  return {
    event: 'report',
    asOf: iso(report.asOf),
    weekStart: iso(report.weekStart),
    quarter: report.quarter,
    quarterStart: iso(report.quarterStart),
    headline: headline(contracts),
    contracts: contracts.map(contractJson),
  };
}

function subject(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/** One contract's report, for its recipients (their subscriptions filter on `contract`). */
export function contractReportMessage(report: Report, c: ContractReport): OutboundMessage {
  const h = headline([c]);
  const day = utcDay(report.asOf);
  return {
    subject: subject(`[SLO report] ${c.contract}, week to ${day}: ${h.atOrBelowHalf} of ${h.objectives} at or below half budget, ${h.frozen} frozen`),
    text: contractReportText(report, c),
    json: { ...reportJson(report, [c]), kind: 'contract' },
    attributes: { contract: c.contract, objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'report' },
  };
}

/** The roll-up of every contract, for leadership (audience attribute); `contract` is `-` so no contract filter matches it. */
export function rollupMessage(report: Report): OutboundMessage {
  const h = headline(report.contracts);
  return {
    subject: subject(
      `[SLO report] roll-up, week to ${utcDay(report.asOf)}: ${h.atOrBelowHalf} of ${h.objectives} at or below half budget, ${h.frozen} frozen, ${h.reviews} reviews due`,
    ),
    text: rollupText(report),
    json: { ...reportJson(report), kind: 'roll-up' },
    attributes: { contract: '-', objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'report', audience: [LEADERSHIP_AUDIENCE] },
  };
}
