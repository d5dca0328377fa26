/**
 * Review reminders, run once at the end of every evaluation: 14 days before a contract's `reviewBy` and on it,
 * one announcement each (core/review.ts decides which one is owed).
 *
 * Exactly once across repeated and overlapping runs: the reminder is recorded as a mark plus a pending
 * notification on the state of the contract's first objective (by name), in ONE conditional write on the
 * state's version. Of two runs that both see it owed, one write wins; the other re-reads, finds the mark, and
 * does nothing. The recorded notification is then claimed and sent like every other (a lease keeps a second
 * sender off it); one that fails stays in the outbox, and the next evaluation's drain sends it.
 * The marks live on the objective state, so they share its lifetime, and are pruned to the two latest review dates.
 */
import type { Contract } from '../core/contract.ts';
import type { ObjectiveState, Ports, RecordRef } from '../ports.ts';
import { objectiveKey } from '../core/model.ts';
import { contractMarks, dueReminder, markCarrier, nextMarks, reviewReminderMessage, type ReminderKind } from '../core/review.ts';
import { appendHistorySafely } from './outbox.ts';
import { errorText } from './common.ts';

export interface ReminderOutcome {
  contract: string;
  reviewBy: string;
  kind: ReminderKind;
  /** recorded: this run recorded it (and `sent` says whether it went out now); taken: another run had recorded it. */
  outcome: 'recorded' | 'taken' | 'not-evaluated' | 'error';
  sent?: boolean;
  detail?: string;
}

export interface ReminderOptions {
  /** Attempts at the conditional write before leaving the reminder to the next run. @default 5 */
  maxWriteAttempts?: number;
  /** How long this run holds the notification while sending it (ms). @default 120000 */
  sendLeaseMs?: number;
}

/**
 * Records and sends the reminders owed at `now`. `states` are the objective states as the caller last saw them
 * (the evaluation's own): only a contract that is owed a reminder costs a write. Never throws: a failure is
 * logged and left to the next run.
 */
export async function sendReviewReminders(
  ports: Pick<Ports, 'store' | 'notifier' | 'log'>,
  contracts: Contract[],
  states: ReadonlyMap<string, ObjectiveState>,
  now: number,
  options: ReminderOptions = {},
): Promise<ReminderOutcome[]> {
  const outcomes: ReminderOutcome[] = [];
  for (const contract of contracts) {
    const kind = dueReminder(contract, now, contractMarks(contract, states));
    if (kind === null) continue;
    try {
      outcomes.push(await recordAndSend(ports, contract, kind, states, now, options));
    } catch (err) {
      ports.log?.('error', 'review reminder could not be recorded; retried next run', { contract: contract.metadata.name, kind, error: errorText(err) });
      outcomes.push({ contract: contract.metadata.name, reviewBy: contract.spec.reviewBy, kind, outcome: 'error', detail: errorText(err) });
    }
  }
  return outcomes;
}

async function recordAndSend(
  ports: Pick<Ports, 'store' | 'notifier' | 'log'>,
  contract: Contract,
  kind: ReminderKind,
  states: ReadonlyMap<string, ObjectiveState>,
  now: number,
  options: ReminderOptions,
): Promise<ReminderOutcome> {
  const name = contract.metadata.name;
  const reviewBy = contract.spec.reviewBy;
  const carrier = markCarrier(contract);
  const key = objectiveKey(name, carrier);
  const others = contract.spec.objectives.filter((o) => o.name !== carrier).flatMap((o) => states.get(objectiveKey(name, o.name))?.reviewReminders ?? []);
  const base = { contract: name, reviewBy, kind };
  let prev = states.get(key);
  const attempts = options.maxWriteAttempts ?? 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) prev = (await ports.store.getObjectiveStates([{ contract: name, objective: carrier }])).get(key);
    // The mark rides on a state the evaluator wrote: none yet means the objective was never evaluated.
    if (!prev) return { ...base, outcome: 'not-evaluated' };
    const owed = dueReminder(contract, now, [...others, ...(prev.reviewReminders ?? [])]);
    if (owed !== kind) return { ...base, outcome: 'taken' };
    const id = `review-${reviewBy}-${kind}`;
    const message = reviewReminderMessage(contract, kind, now);
    const next: ObjectiveState = {
      ...prev,
      version: prev.version + 1,
      reviewReminders: nextMarks(prev.reviewReminders ?? [], { reviewBy, kind, at: now }),
      outbox: { ...prev.outbox, [id]: { id, createdAt: now, message, attempts: 0 } },
    };
    if (!(await ports.store.putObjectiveState(next, prev.version))) continue;
    await appendHistorySafely(ports, [{ subject: `contract:${name}`, at: now, type: 'review-reminder', detail: { kind, reviewBy, audience: message.attributes.audience ?? [] } }]);
    ports.log?.('info', 'review reminder recorded', { contract: name, reviewBy, kind });
    return { ...base, outcome: 'recorded', sent: await sendRecorded(ports, { kind: 'objective', contract: name, objective: carrier }, id, message, now, options) };
  }
  return { ...base, outcome: 'error', detail: `state of ${name}/${carrier} kept changing under ${attempts} attempts; retried next run` };
}

/** Claims and sends one recorded reminder; on failure it stays pending and the next evaluation's drain retries it. */
async function sendRecorded(
  ports: Pick<Ports, 'store' | 'notifier' | 'log'>,
  ref: RecordRef & { kind: 'objective' },
  id: string,
  message: Parameters<Ports['notifier']['publish']>[0],
  now: number,
  options: ReminderOptions,
): Promise<boolean> {
  const subject = `objective:${objectiveKey(ref.contract, ref.objective)}`;
  if (!(await ports.store.claimNotification(ref, id, now + (options.sendLeaseMs ?? 120_000), now))) return false;
  try {
    await ports.notifier.publish(message);
  } catch (err) {
    await ports.store.releaseNotification(ref, id, errorText(err));
    await appendHistorySafely(ports, [{ subject, at: now, type: 'notification-failed', detail: { id, subject: message.subject, error: errorText(err), attempts: 1 } }]);
    ports.log?.('warn', 'review reminder failed to send; it stays pending for the next run', { id, error: errorText(err) });
    return false;
  }
  await ports.store.completeNotification(ref, id);
  await appendHistorySafely(ports, [{ subject, at: now, type: 'notification-sent', detail: { id, subject: message.subject, severity: message.attributes.severity } }]);
  return true;
}
