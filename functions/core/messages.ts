/**
 * The words people receive: one builder per event, each giving readable text for email and a JSON payload
 * for HTTPS/Lambda subscribers, plus the attributes subscription filter policies match on.
 * Percentages in text are PERCENT OF ERROR BUDGET remaining unless said otherwise.
 */
import type { Contract, Objective, Severity, Tier } from './contract.ts';
import type { OutboundMessage, Override } from '../ports.ts';
import type { Assessment } from './assess.ts';
import type { AlertRule } from './burn.ts';
import { formatUtc } from './reason.ts';
import { formatDuration } from './duration.ts';

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

/** SNS subjects: at most 100 printable ASCII characters. */
function subject(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

type OkAssessment = Extract<Assessment, { status: 'ok' }>;

export interface TierChangeInput {
  contract: Contract;
  objective: Objective;
  from: Tier | null;
  to: Tier;
  assessment: OkAssessment;
  atMs: number;
  /** Gates this tier freezes, as `pipeline/stage`. */
  freezes: string[];
}

/** Severity of a tier change: the new tier's when getting worse, info when recovering. */
export function tierChangeSeverity(tiers: Tier[], from: Tier | null, to: Tier, toSeverity: Severity): Severity {
  if (from === null) return toSeverity;
  const worse = tiers.findIndex((t) => t.name === to.name) > tiers.findIndex((t) => t.name === from.name);
  return worse ? toSeverity : 'info';
}

export function tierChangeMessage(input: TierChangeInput, severity: Severity): OutboundMessage {
  const { contract, objective, from, to, assessment: a, atMs, freezes } = input;
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
    freezes.length ? `Deployments frozen: ${freezes.join(', ')}` : `Deployments: no freeze in tier ${to.name}`,
  ];
  if (to.notify.length) lines.push(`Audiences: ${to.notify.join(', ')}`);
  return {
    subject: subject(`[SLO ${severity}] ${name}/${objective.name}: ${fromName} -> ${to.name} (${pct(a.remainingPct)} budget left)`),
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
  };
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
    subject: subject(`[SLO ${rule.severity}] ${name}/${objective.name}: burn rate ${longRate.toFixed(1)}x over ${long}`),
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
  /** Every contract that lists the gate: each one's subscribers hear of it. */
  contracts: string[];
  /** Objective keys (`contract#objective`) holding the gate. */
  holders: string[];
  atMs: number;
  reason?: string;
}

export function freezeMessage(input: GateEventInput): OutboundMessage {
  const gate = `${input.pipeline}/${input.stage}`;
  return {
    subject: subject(`[SLO ticket] deployments frozen: ${gate}`),
    text: [
      `Deployments into ${gate} are frozen (Inbound transition disabled) since ${formatUtc(input.atMs)}.`,
      `Held by: ${input.holders.join(', ')}`,
      `Reason shown in CodePipeline: ${input.reason ?? '-'}`,
      'The freeze lifts by itself when no error budget policy needs it. To ship anyway, record an override.',
    ].join('\n'),
    json: { event: 'freeze', pipeline: input.pipeline, stage: input.stage, holders: input.holders, at: new Date(input.atMs).toISOString(), reason: input.reason ?? null },
    attributes: { contract: input.contracts, objective: '-', tier: '-', previousTier: '-', severity: 'ticket', event: 'freeze' },
  };
}

export function unfreezeMessage(input: GateEventInput): OutboundMessage {
  const gate = `${input.pipeline}/${input.stage}`;
  return {
    subject: subject(`[SLO info] deployments unfrozen: ${gate}`),
    text: `Deployments into ${gate} are open again (Inbound transition enabled) since ${formatUtc(input.atMs)}: ${input.reason ?? 'no contract needs the freeze any more'}.`,
    json: { event: 'unfreeze', pipeline: input.pipeline, stage: input.stage, at: new Date(input.atMs).toISOString(), reason: input.reason ?? null },
    attributes: { contract: input.contracts, objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'unfreeze' },
  };
}

/** `contracts`: who hears of it; a contract override defaults to that contract, a gate one to its contracts. */
export function overrideMessage(o: Override, atMs: number, note: string, contracts?: string[]): OutboundMessage {
  const revoked = o.revokedAt !== undefined;
  return {
    subject: subject(revoked ? `[SLO ticket] override revoked on ${o.scope} by ${o.revokedBy ?? '-'}` : `[SLO ticket] freeze override on ${o.scope} by ${o.by}`),
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
