/**
 * The words people receive: one builder per event, each giving readable text for email and a JSON payload
 * for HTTPS/Lambda subscribers, plus the attributes subscription filter policies match on.
 * Percentages in text are PERCENT OF ERROR BUDGET remaining unless said otherwise.
 */
import type { Contract, Objective, Severity, Tier } from './contract.ts';
import type { GateRef, OutboundMessage, Override } from '../ports.ts';
import type { Assessment } from './assess.ts';
import type { AlertRule } from './burn.ts';
import { formatUtc } from './reason.ts';
import { formatDuration } from './duration.ts';
import { gateId, gateRefOf } from './model.ts';

export function describeWindow(contract: Contract): string {
  const w = contract.spec.window;
  return 'rolling' in w ? `rolling ${w.rolling}` : `calendar ${w.calendar} (UTC)`;
}

export function pct(value: number): string {
  return `${value.toFixed(Math.abs(value) < 10 ? 1 : 0)} %`;
}

function burnLine(burnRates: Record<string, number>): string {
  return Object.entries(burnRates)
    .map(([label, rate]) => `${label} ${rate.toFixed(2)}`)
    .join(', ');
}

/** SNS limits an email subject to 100 printable ASCII characters. */
export const SUBJECT_MAX_CHARS = 100;

/** A part of a subject that may be shortened (a name), as opposed to one that must survive whole (the tier). */
type SubjectPart = string | { name: string };

const printable = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');

/**
 * A subject of at most 100 printable ASCII characters. When too long, the names are shortened, each
 * ending in `...`, the longest first, so that the rest (severity, new tier, budget) is kept whole.
 */
export function fitSubject(parts: SubjectPart[]): string {
  const texts = parts.map((p) => printable(typeof p === 'string' ? p : p.name));
  const whole = texts.join('');
  if (whole.length <= SUBJECT_MAX_CHARS) return whole;
  const names = parts.map((p) => typeof p !== 'string');
  const budget = SUBJECT_MAX_CHARS - texts.filter((_, i) => !names[i]).join('').length;
  const lengths = texts.filter((_, i) => names[i]).map((t) => t.length);
  // The largest cap on each name's length (ellipsis included) that fits the budget; 4 keeps one character and `...`.
  let cap = Math.max(0, ...lengths);
  while (cap > 4 && lengths.reduce((n, l) => n + Math.min(l, cap), 0) > budget) cap--;
  const out = texts.map((t, i) => (names[i] && t.length > cap ? `${t.slice(0, cap - 3)}...` : t)).join('');
  return out.length <= SUBJECT_MAX_CHARS ? out : `${out.slice(0, SUBJECT_MAX_CHARS - 3)}...`;
}

type OkAssessment = Extract<Assessment, { status: 'ok' }>;

export interface TierChangeInput {
  contract: Contract;
  objective: Objective;
  from: Tier | null;
  to: Tier;
  assessment: OkAssessment;
  atMs: number;
  /** The contract's gates, and whether the new tier freezes each. What happened to them is added at send time. */
  gates: { gate: GateRef; frozenByTier: boolean }[];
}

/** Where a tier change's gate lines go; withGateLines replaces it when the message is sent. */
export const GATE_LINES_PLACEHOLDER = 'Deployments: reported when this message is sent';

/** Severity of a tier change: the new tier's when getting worse, info when recovering. */
export function tierChangeSeverity(tiers: Tier[], from: Tier | null, to: Tier, toSeverity: Severity): Severity {
  if (from === null) return toSeverity;
  const worse = tiers.findIndex((t) => t.name === to.name) > tiers.findIndex((t) => t.name === from.name);
  return worse ? toSeverity : 'info';
}

export function tierChangeMessage(input: TierChangeInput, severity: Severity): OutboundMessage {
  const { contract, objective, from, to, assessment: a, atMs, gates } = input;
  const freezes = gates.filter((g) => g.frozenByTier).map((g) => gateId(g.gate));
  const name = contract.metadata.name;
  const fromName = from?.name ?? 'none';
  const forecast = a.forecast24h.alreadyExhausted
    ? 'budget already exhausted'
    : a.forecast24h.exhaustedAt === null
      ? 'not burning: no exhaustion forecast'
      : `at the last 24 h burn rate, exhausted ${formatUtc(a.forecast24h.exhaustedAt)}`;
  const lines = [
    `${name} / ${objective.name}: ${fromName} -> ${to.name}`,
    `Journey: ${contract.metadata.journey} (owner ${contract.metadata.owner})`,
    `Since: ${formatUtc(atMs)}`,
    `Target: ${objective.target} % over ${describeWindow(contract)}`,
    `Error budget remaining: ${pct(a.remainingPct)}${a.remainingPct < 0 ? ' (OVERSPENT)' : ''} - ${round(a.badEvents)} bad of ${round(a.allowedBad)} allowed`,
    `Burn rates: ${burnLine(a.burnRates)}`,
    `Forecast: ${forecast}`,
  ];
  if (to.notify.length) lines.push(`Audiences: ${to.notify.join(', ')}`);
  lines.push(GATE_LINES_PLACEHOLDER);
  return {
    subject: fitSubject([`[SLO ${severity}] `, { name }, '/', { name: objective.name }, ': ', { name: fromName }, ` -> ${to.name} (${pct(a.remainingPct)} budget left)`]),
    text: lines.join('\n'),
    json: {
      event: 'tier-change',
      contract: name,
      objective: objective.name,
      previousTier: from?.name ?? null,
      tier: to.name,
      severity,
      at: new Date(atMs).toISOString(),
      targetPct: objective.target,
      remainingPct: a.remainingPct,
      burnRates: a.burnRates,
      forecastExhaustedAt: a.forecast24h.exhaustedAt === null ? null : new Date(a.forecast24h.exhaustedAt).toISOString(),
      freezes,
      audiences: to.notify,
    },
    attributes: {
      contract: name,
      objective: objective.name,
      tier: to.name,
      previousTier: fromName,
      severity,
      event: 'tier-change',
      // The tier's audiences (leadership, a team, chat): their subscriptions filter on this attribute.
      ...(to.notify.length ? { audience: [...to.notify] } : {}),
    },
    gateReport: { tier: to.name, gates },
  };
}

/** What one run found or did to a gate (core/gate.ts GateOutcome), as far as a message needs it. */
export interface GateLine {
  action: string;
  /** `frozen now (held by ...)`, `pending: CodePipeline did not answer in time; retried next run`, ... */
  status: string;
}

/**
 * A message ready to send: a tier change gets one line per gate saying what actually happened to it in the
 * run that sends it (`lineOf`; undefined when the run did not reconcile the gate). The gates the new tier
 * freezes are always listed; the others only when something is notable (unfrozen, held by someone, failed).
 * `homeRegion` places a gate in another account named without a region.
 * Messages without a gate report are returned as they are.
 */
export function withGateLines(message: OutboundMessage, lineOf: (gate: GateRef) => GateLine | undefined, homeRegion?: string): OutboundMessage {
  const { gateReport, ...rest } = message;
  if (!gateReport) return message;
  // A gate in another account named without a region is in the stack's region: name it so.
  const gates = gateReport.gates.map(({ gate, frozenByTier }) => ({ gate: gateRefOf(gate, homeRegion), frozenByTier }));
  const rows = gates.flatMap(({ gate, frozenByTier }) => {
    const line = lineOf(gate) ?? { action: 'unknown', status: 'not reconciled in this run (see the evaluator logs); retried next run' };
    if (!frozenByTier && line.action === 'none' && line.status === 'open') return [];
    return [{ gate: gateId(gate), frozenByTier, action: line.action, status: line.status }];
  });
  const block = rows.length ? ['Deployments:', ...rows.map((r) => `- ${r.gate}: ${r.status}`)] : [`Deployments: no freeze in tier ${gateReport.tier}`];
  const lines = rest.text.split('\n');
  const at = lines.indexOf(GATE_LINES_PLACEHOLDER);
  if (at === -1) return rest;
  lines.splice(at, 1, ...block);
  const freezes = gates.filter((g) => g.frozenByTier).map((g) => gateId(g.gate));
  return { ...rest, text: lines.join('\n'), json: { ...rest.json, freezes, gates: rows } };
}

/**
 * One burn alert. `alsoFiring` names the less urgent alerts that started with it: they are recorded but not
 * sent on their own (one outage, one page), so this message says they fire too.
 */
export function burnAlertMessage(
  contract: Contract,
  objective: Objective,
  rule: AlertRule,
  /** Burn rates now, and percent of budget remaining (null while the ledger is rebuilding). */
  a: { burnRates: Record<string, number>; remainingPct: number | null },
  tier: string,
  atMs: number,
  alsoFiring: string[] = [],
): OutboundMessage {
  const name = contract.metadata.name;
  const long = formatDuration(rule.longMs);
  const short = formatDuration(rule.shortMs);
  const longRate = a.burnRates[long] ?? 0;
  const shortRate = a.burnRates[short] ?? 0;
  const text = [
    `${name} / ${objective.name}: burning error budget fast (${rule.id}, ${rule.severity})`,
    `Burn rate ${longRate.toFixed(2)} over ${long} and ${shortRate.toFixed(2)} over ${short}, threshold ${rule.factor.toFixed(2)}`,
    `At this rate ${rule.budgetSpentPct} % of the budget goes in ${long}.`,
    `Error budget remaining: ${a.remainingPct === null ? 'not known yet (rebuilding from CloudWatch)' : pct(a.remainingPct)}; tier ${tier}`,
    `Since: ${formatUtc(atMs)}`,
    ...(alsoFiring.length ? [`Also firing (not sent separately): ${alsoFiring.join(', ')}`] : []),
  ].join('\n');
  return {
    subject: fitSubject([`[SLO ${rule.severity}] `, { name }, '/', { name: objective.name }, `: burn rate ${longRate.toFixed(1)}x over ${long}`]),
    text,
    json: {
      event: 'burn-alert',
      alert: rule.id,
      contract: name,
      objective: objective.name,
      severity: rule.severity,
      at: new Date(atMs).toISOString(),
      longWindow: long,
      shortWindow: short,
      factor: rule.factor,
      burnRates: a.burnRates,
      remainingPct: a.remainingPct,
      tier,
      alsoFiring,
    },
    attributes: { contract: name, objective: objective.name, tier, previousTier: tier, severity: rule.severity, event: 'burn-alert' },
  };
}

export interface GateEventInput {
  pipeline: string;
  stage: string;
  /** A gate in another account: its account and region (named in the text, the subject and the JSON). */
  account?: string;
  region?: string;
  /** Every contract that lists the gate: each one's subscribers hear of it. */
  contracts: string[];
  /** Objective keys (`contract#objective`) holding the gate. */
  holders: string[];
  atMs: number;
  reason?: string;
}

/** The gate's identity in a message's JSON: pipeline and stage, plus account and region for another account. */
function gateJson(input: GateEventInput): Record<string, unknown> {
  return {
    pipeline: input.pipeline,
    stage: input.stage,
    ...(input.account !== undefined ? { account: input.account, region: input.region ?? null, gate: gateId(input) } : {}),
  };
}

/** `shop-web/Production`, or `shop-web/Production in account 111122223333 (eu-west-1)`. */
function gateWords(input: GateEventInput): string {
  const where = input.account === undefined ? '' : ` in account ${input.account}${input.region ? ` (${input.region})` : ''}`;
  return `${input.pipeline}/${input.stage}${where}`;
}

export function freezeMessage(input: GateEventInput): OutboundMessage {
  return {
    subject: fitSubject(['[SLO ticket] deployments frozen: ', { name: gateId(input) }]),
    text: [
      `Deployments into ${gateWords(input)} are frozen (Inbound transition disabled) since ${formatUtc(input.atMs)}.`,
      `Held by: ${input.holders.join(', ') || '-'}`,
      `Reason shown in CodePipeline: ${input.reason ?? '-'}`,
      'The freeze lifts by itself when no error budget policy needs it. To ship anyway, record an override.',
    ].join('\n'),
    json: { event: 'freeze', ...gateJson(input), holders: input.holders, at: new Date(input.atMs).toISOString(), reason: input.reason ?? null },
    attributes: { contract: input.contracts, objective: '-', tier: '-', previousTier: '-', severity: 'ticket', event: 'freeze' },
  };
}

export function unfreezeMessage(input: GateEventInput): OutboundMessage {
  return {
    subject: fitSubject(['[SLO info] deployments unfrozen: ', { name: gateId(input) }]),
    text: `Deployments into ${gateWords(input)} are open again (Inbound transition enabled) since ${formatUtc(input.atMs)}: ${input.reason ?? 'no contract needs the freeze any more'}.`,
    json: { event: 'unfreeze', ...gateJson(input), at: new Date(input.atMs).toISOString(), reason: input.reason ?? null },
    attributes: { contract: input.contracts, objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'unfreeze' },
  };
}

/** `contracts`: who hears of it; a contract override defaults to that contract, a gate one to its contracts. */
export function overrideMessage(o: Override, atMs: number, note: string, contracts?: string[]): OutboundMessage {
  const revoked = o.revokedAt !== undefined;
  return {
    subject: fitSubject(
      revoked ? ['[SLO ticket] override revoked on ', { name: o.scope }, ' by ', { name: o.revokedBy ?? '-' }] : ['[SLO ticket] freeze override on ', { name: o.scope }, ' by ', { name: o.by }],
    ),
    text: [
      `Override of the deployment freeze on ${o.scope}.`,
      `By: ${o.by}`,
      `Why: ${o.reason}`,
      `Until: ${formatUtc(o.until)} (expires by itself)`,
      `Recorded: ${formatUtc(atMs)} (${o.source})`,
      note,
    ].join('\n'),
    json: {
      event: revoked ? 'override-revoked' : 'override',
      ...o,
      createdAt: new Date(o.createdAt).toISOString(),
      until: new Date(o.until).toISOString(),
      ...(o.revokedAt !== undefined ? { revokedAt: new Date(o.revokedAt).toISOString() } : {}),
      note,
    },
    attributes: {
      contract: contracts ?? (o.scope.startsWith('contract:') ? o.scope.slice('contract:'.length) : '-'),
      objective: '-',
      tier: '-',
      previousTier: '-',
      severity: 'ticket',
      event: revoked ? 'override-revoked' : 'override',
    },
  };
}

function round(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
