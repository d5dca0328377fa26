/**
 * The weekly budget report: pure assembly of what the store knows into one readable message.
 * Per objective: target, remaining budget and its change over the week (percentage POINTS of budget),
 * burn rate, forecast exhaustion, tier; then freezes and overrides in force, and overdue reviews.
 */
import type { Contract } from './contract.ts';
import type { GateState, ObjectiveState, OutboundMessage, Override } from '../ports.ts';
import { windowBounds } from './window.ts';
import { forecastExhaustion } from './forecast.ts';
import { formatUtc } from './reason.ts';
import { describeWindow, pct } from './messages.ts';
import { gateId, objectiveKey } from './model.ts';
import { DAY_MS } from './duration.ts';

export interface ReportInput {
  nowMs: number;
  contracts: Contract[];
  states: ObjectiveState[];
  /** Remaining percent about a week ago, by `contract#objective` (absent when unknown). */
  weekAgoRemainingPct: Map<string, number>;
  gates: GateState[];
  /** Overrides in force (not revoked, not expired). */
  overrides: Override[];
}

export interface ReportRow {
  contract: string;
  objective: string;
  targetPct: number;
  window: string;
  tier: string | null;
  status: ObjectiveState['status'] | 'never-evaluated';
  remainingPct: number | null;
  /** Percentage points of budget gained (+) or spent (-) over the week; null when unknown. */
  weekChangePts: number | null;
  burnRate1d: number | null;
  forecastExhaustedAt: number | null;
  alreadyExhausted: boolean;
}

export interface Report {
  rows: ReportRow[];
  freezes: { gate: string; holders: string[]; since: number | null }[];
  overrides: Override[];
  overdueReviews: { contract: string; reviewBy: string }[];
}

export function buildReport(input: ReportInput): Report {
  const states = new Map(input.states.map((s) => [objectiveKey(s.contract, s.objective), s]));
  const rows: ReportRow[] = [];
  for (const c of input.contracts) {
    const { lengthMs } = windowBounds(c.spec.window, input.nowMs);
    for (const o of c.spec.objectives) {
      const key = objectiveKey(c.metadata.name, o.name);
      const s = states.get(key);
      const weekAgo = input.weekAgoRemainingPct.get(key);
      const remaining = s?.remainingPct ?? null;
      const burn = s?.burnRates['1d'] ?? null;
      const forecast = remaining !== null && burn !== null ? forecastExhaustion({ remainingPct: remaining, burnRate: burn, windowLengthMs: lengthMs, nowMs: input.nowMs }) : null;
      rows.push({
        contract: c.metadata.name,
        objective: o.name,
        targetPct: o.target,
        window: describeWindow(c),
        tier: s?.tier ?? null,
        status: s?.status ?? 'never-evaluated',
        remainingPct: remaining,
        weekChangePts: remaining !== null && weekAgo !== undefined ? remaining - weekAgo : null,
        burnRate1d: burn,
        forecastExhaustedAt: forecast?.exhaustedAt ?? null,
        alreadyExhausted: forecast?.alreadyExhausted ?? false,
      });
    }
  }
  const freezes = input.gates
    .filter((g) => g.disabledByUs)
    .map((g) => ({ gate: gateId(g), holders: Object.keys(g.holders).sort(), since: g.disabledAt ?? null }));
  // reviewBy is a calendar day: overdue once that UTC day has ended.
  const overdueReviews = input.contracts
    .filter((c) => Date.parse(`${c.spec.reviewBy}T00:00:00Z`) + DAY_MS <= input.nowMs)
    .map((c) => ({ contract: c.metadata.name, reviewBy: c.spec.reviewBy }));
  return { rows, freezes, overrides: input.overrides, overdueReviews };
}

function signed(points: number): string {
  const v = points.toFixed(1);
  return points > 0 ? `+${v}` : v;
}

export function reportMessage(report: Report, nowMs: number): OutboundMessage {
  const week = new Date(nowMs).toISOString().slice(0, 10);
  const lines: string[] = [`SLO budget report, ${formatUtc(nowMs)}`, ''];
  for (const r of report.rows) {
    const remaining =
      r.remainingPct === null ? 'no data yet' : `${pct(r.remainingPct)} budget left${r.remainingPct < 0 ? ' (OVERSPENT)' : ''}`;
    const change = r.weekChangePts === null ? 'change unknown' : `${signed(r.weekChangePts)} pts this week`;
    const burn = r.burnRate1d === null ? '-' : r.burnRate1d.toFixed(2);
    const forecast = r.alreadyExhausted ? 'exhausted' : r.forecastExhaustedAt === null ? 'none' : formatUtc(r.forecastExhaustedAt);
    lines.push(`${r.contract} / ${r.objective}: target ${r.targetPct} % (${r.window})`);
    lines.push(`  tier ${r.tier ?? '-'}${r.status !== 'ok' ? ` [${r.status}]` : ''}; ${remaining}; ${change}; 24 h burn ${burn}; exhaustion forecast ${forecast}`);
  }
  lines.push('', 'Freezes in force:');
  lines.push(...(report.freezes.length ? report.freezes.map((f) => `  ${f.gate} since ${f.since === null ? '-' : formatUtc(f.since)}, held by ${f.holders.join(', ') || 'override only'}`) : ['  none']));
  lines.push('', 'Overrides in force:');
  lines.push(...(report.overrides.length ? report.overrides.map((o) => `  ${o.scope} by ${o.by} until ${formatUtc(o.until)}: ${o.reason}`) : ['  none']));
  lines.push('', 'Contracts due for review:');
  lines.push(...(report.overdueReviews.length ? report.overdueReviews.map((r) => `  ${r.contract} (review by ${r.reviewBy} has passed)`) : ['  none']));
  const unhealthy = report.rows.filter((r) => r.remainingPct !== null && r.tier !== null && r.remainingPct <= 50).length;
  return {
    subject: `[SLO report] ${week}: ${report.rows.length} objectives, ${unhealthy} at or below half budget, ${report.freezes.length} frozen`.slice(0, 100),
    text: lines.join('\n'),
    json: {
      event: 'report',
      at: new Date(nowMs).toISOString(),
      rows: report.rows.map((r) => ({ ...r, forecastExhaustedAt: r.forecastExhaustedAt === null ? null : new Date(r.forecastExhaustedAt).toISOString() })),
      freezes: report.freezes,
      overrides: report.overrides,
      overdueReviews: report.overdueReviews,
    },
    attributes: { contract: '-', objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'report' },
  };
}
