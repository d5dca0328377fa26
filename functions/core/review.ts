/**
 * Contract reviews. A contract is renegotiated by `spec.reviewBy`, a calendar day (UTC). Pure: time comes in
 * as an epoch-ms argument, what was already announced comes in as marks (kept on an objective state).
 *
 * - Reminders: one 14 days before the date (to the contract's recipients) and one on the date (to the
 *   recipients and leadership). A run that first finds the date already passed sends the second only. The
 *   reminders use case records each mark with a conditional write, so each goes out exactly once.
 * - Flag: the contract is flagged in `slo status` and every report from 14 days before the date until it is
 *   redeployed with a later date AND fresh sign-offs.
 * - Fresh sign-offs: once a reminder went out for a date R, a contract redeployed with a later date counts as
 *   reviewed only when engineering, product and business each have a sign-off dated on or after R minus 14
 *   days (the day R's review window opened). Moving the date alone keeps the flag, as `unsigned`.
 */
import type { Contract } from './contract.ts';
import type { ObjectiveState, OutboundMessage } from '../ports.ts';
import { DAY_MS } from './duration.ts';
import { objectiveKey } from './model.ts';
import { formatUtc } from './reason.ts';

/** Days before `reviewBy` the first reminder goes out and the contract starts being flagged. */
export const REVIEW_NOTICE_DAYS = 14;
/** A mark is kept this long (days), then pruned: long after its review cycle is over. */
export const REVIEW_MARK_LIFETIME_DAYS = 400;
/** The roles that must sign a contract (and sign it again at each review). */
export const SIGN_OFF_ROLES = ['engineering', 'product', 'business'] as const;
/** The audience told when a review date passes (and that receives the weekly roll-up). */
export const LEADERSHIP_AUDIENCE = 'leadership';

/** `due-soon`: 14 days before the date; `due`: on the date (or first seen after it). */
export type ReminderKind = 'due-soon' | 'due';

/** A reminder that was recorded (and so sent, or pending in the outbox). */
export interface ReviewReminderMark {
  /** The review date it was for, YYYY-MM-DD. */
  reviewBy: string;
  kind: ReminderKind;
  /** Epoch ms it was recorded. */
  at: number;
}

/**
 * ok: more than 14 days to go; due-soon: 1 to 14 days; due: the date is today; overdue: the date has passed;
 * unsigned: the date was moved after a review came due, without fresh sign-offs.
 */
export type ReviewState = 'ok' | 'due-soon' | 'due' | 'overdue' | 'unsigned';

export interface ReviewStatus {
  contract: string;
  reviewBy: string;
  state: ReviewState;
  /** Whole UTC days from today to reviewBy: 0 on the day, negative once passed. */
  daysLeft: number;
  /** For `unsigned`: the date whose review the sign-offs must postdate, and the roles that have not signed since. */
  previousReviewBy?: string;
  staleRoles?: string[];
  /** One line for people: what the state means and what to do. */
  note: string;
}

const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);
const utcDayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Whole UTC days from the day of `nowMs` to `day` (YYYY-MM-DD). */
export function daysUntil(day: string, nowMs: number): number {
  return Math.round((dayStart(day) - Math.floor(nowMs / DAY_MS) * DAY_MS) / DAY_MS);
}

/** The day a review window opens: `reviewBy` minus 14 days. */
export function reviewWindowOpens(reviewBy: string): string {
  return utcDayOf(dayStart(reviewBy) - REVIEW_NOTICE_DAYS * DAY_MS);
}

/** The objective whose state carries the contract's reminder marks: the first by name (stable across runs). */
export function markCarrier(contract: Contract): string {
  return contract.spec.objectives.map((o) => o.name).sort()[0] ?? '';
}

/** Every mark recorded on any of the contract's objective states (the carrier may have changed with the contract). */
export function contractMarks(contract: Contract, states: ReadonlyMap<string, ObjectiveState>): ReviewReminderMark[] {
  return contract.spec.objectives.flatMap((o) => states.get(objectiveKey(contract.metadata.name, o.name))?.reviewReminders ?? []);
}

/** Flagged: shown under "due for review" in `slo status` and every report. */
export function isFlagged(s: ReviewStatus): boolean {
  return s.state !== 'ok';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The contract's review state at `nowMs`, given the reminders recorded for it (from any of its objective states). */
export function reviewStatus(contract: Contract, nowMs: number, marks: readonly ReviewReminderMark[] = []): ReviewStatus {
  const name = contract.metadata.name;
  const reviewBy = contract.spec.reviewBy;
  const daysLeft = daysUntil(reviewBy, nowMs);
  const base = { contract: name, reviewBy, daysLeft };
  if (daysLeft < 0) {
    return { ...base, state: 'overdue', note: `review overdue since ${reviewBy} (${plural(-daysLeft, 'day')}): renegotiate with engineering, product and business, then redeploy with fresh sign-offs and a new date` };
  }
  if (daysLeft === 0) return { ...base, state: 'due', note: `review due today (${reviewBy}): renegotiate with engineering, product and business, then redeploy with fresh sign-offs and a new date` };
  if (daysLeft <= REVIEW_NOTICE_DAYS) return { ...base, state: 'due-soon', note: `review due in ${plural(daysLeft, 'day')} (by ${reviewBy}): book the renegotiation with engineering, product and business` };

  // The date is far enough away: was it moved there after a review came due, without signing again?
  const previous = marks.map((m) => m.reviewBy).filter((d) => d < reviewBy).sort().at(-1);
  if (previous !== undefined) {
    const stale = staleRoles(contract, reviewWindowOpens(previous));
    if (stale.length > 0) {
      return {
        ...base,
        state: 'unsigned',
        previousReviewBy: previous,
        staleRoles: stale,
        note: `review date moved from ${previous} to ${reviewBy} without fresh sign-offs: ${stale.join(', ')} last signed before ${reviewWindowOpens(previous)}; sign again (spec.signedOff) and redeploy`,
      };
    }
  }
  return { ...base, state: 'ok', note: `review by ${reviewBy} (in ${plural(daysLeft, 'day')})` };
}

/** Roles whose latest sign-off is dated before `since` (YYYY-MM-DD), in the order engineering, product, business. */
export function staleRoles(contract: Contract, since: string): string[] {
  return SIGN_OFF_ROLES.filter((role) => {
    const latest = contract.spec.signedOff
      .filter((s) => s.role === role)
      .map((s) => s.on)
      .sort()
      .at(-1);
    return latest === undefined || latest < since;
  });
}

/** The reminder this contract is owed at `nowMs`, or null: each kind once per review date. */
export function dueReminder(contract: Contract, nowMs: number, marks: readonly ReviewReminderMark[]): ReminderKind | null {
  const reviewBy = contract.spec.reviewBy;
  const daysLeft = daysUntil(reviewBy, nowMs);
  const has = (kind: ReminderKind) => marks.some((m) => m.reviewBy === reviewBy && m.kind === kind);
  if (daysLeft <= 0) return has('due') ? null : 'due';
  if (daysLeft <= REVIEW_NOTICE_DAYS) return has('due-soon') || has('due') ? null : 'due-soon';
  return null;
}

/**
 * The marks to store after recording `mark`: marks older than the lifetime go, and only the two latest review
 * dates are kept (the current one, and the previous one that the fresh-sign-off rule needs).
 */
export function nextMarks(marks: readonly ReviewReminderMark[], mark: ReviewReminderMark): ReviewReminderMark[] {
  const alive = [...marks, mark].filter((m) => m.at >= mark.at - REVIEW_MARK_LIFETIME_DAYS * DAY_MS);
  const dates = [...new Set(alive.map((m) => m.reviewBy))].sort().slice(-2);
  return alive.filter((m) => dates.includes(m.reviewBy)).sort((a, b) => a.at - b.at);
}

/** The announcement of a review reminder: email text, JSON, and attributes (leadership hears once the date has come). */
export function reviewReminderMessage(contract: Contract, kind: ReminderKind, nowMs: number): OutboundMessage {
  const name = contract.metadata.name;
  const status = reviewStatus(contract, nowMs);
  const reviewBy = contract.spec.reviewBy;
  const headline =
    kind === 'due-soon'
      ? `contract review due in ${plural(status.daysLeft, 'day')} (by ${reviewBy})`
      : status.daysLeft === 0
        ? `contract review due today (${reviewBy})`
        : `contract review overdue since ${reviewBy}`;
  const severity = kind === 'due' ? 'ticket' : 'info';
  const opens = reviewWindowOpens(reviewBy);
  const text = [
    `${name}: ${headline}`,
    `Journey: ${contract.metadata.journey} (owner ${contract.metadata.owner})`,
    `Signed off: ${contract.spec.signedOff.map((s) => `${s.role} ${s.by} on ${s.on}`).join('; ')}`,
    '',
    'Renegotiate the targets and the budget policy with engineering, product and business. Then record the new',
    `sign-offs in spec.signedOff (each dated ${opens} or later) and a new spec.reviewBy, run \`slo validate\`, and deploy.`,
    'Until then the contract is flagged in `slo status` and in every weekly report.',
    ...(kind === 'due' ? ['', 'Leadership receives this reminder too.'] : []),
    '',
    `Sent ${formatUtc(nowMs)}.`,
  ].join('\n');
  return {
    subject: `[SLO ${severity}] ${name}: ${headline}`.slice(0, 100),
    text,
    json: {
      event: 'review-reminder',
      kind,
      contract: name,
      reviewBy,
      daysLeft: status.daysLeft,
      signOffsFreshFrom: opens,
      signedOff: contract.spec.signedOff,
      at: new Date(nowMs).toISOString(),
    },
    attributes: {
      contract: name,
      objective: '-',
      tier: '-',
      previousTier: '-',
      severity,
      event: 'review-reminder',
      ...(kind === 'due' ? { audience: [LEADERSHIP_AUDIENCE] } : {}),
    },
  };
}
