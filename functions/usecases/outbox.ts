/**
 * Sending what records hold in their outbox: each notification is claimed (a lease, so overlapping runs send
 * it once), published, then removed; a failed publish is released, counted, and stays for the next run.
 */
import type { HistoryEntry, OutboundMessage, PendingNotification, Ports, RecordRef } from '../ports.ts';
import { gateId, objectiveKey } from '../core/model.ts';
import { errorText, forEachLimit } from './common.ts';

export interface DrainResult {
  sent: number;
  /** Publishes that failed this run (each stays pending). */
  failed: number;
  /** Notifications left in an outbox for the next run. */
  pending: number;
}

export async function drainOutboxes(
  ports: Pick<Ports, 'store' | 'notifier' | 'log'>,
  outboxes: { ref: RecordRef; outbox: Record<string, PendingNotification> }[],
  now: number,
  leaseMs: number,
  /** Completes a message just before it is sent (a tier change's gate lines); identity by default. */
  render: (message: OutboundMessage) => OutboundMessage = (m) => m,
): Promise<DrainResult> {
  let sent = 0;
  let failed = 0;
  let pending = 0;
  // Records drain in parallel; within one record, oldest first (a tier change before its burn alert).
  await forEachLimit(outboxes, 8, async ({ ref, outbox }) => {
    const entries = Object.values(outbox).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id, 'en'));
    for (const n of entries) {
      if (!(await ports.store.claimNotification(ref, n.id, now + leaseMs, now))) continue; // another run has it
      const message = render(n.message);
      try {
        await ports.notifier.publish(message);
      } catch (err) {
        failed++;
        pending++;
        await ports.store.releaseNotification(ref, n.id, errorText(err));
        await appendHistorySafely(ports, [{ subject: subjectOf(ref), at: now, type: 'notification-failed', detail: { id: n.id, subject: message.subject, error: errorText(err), attempts: n.attempts + 1 } }]);
        ports.log?.('warn', 'notification failed; it stays pending for the next run', { id: n.id, error: errorText(err) });
        continue;
      }
      await ports.store.completeNotification(ref, n.id);
      sent++;
      await appendHistorySafely(ports, [{ subject: subjectOf(ref), at: now, type: 'notification-sent', detail: { id: n.id, subject: message.subject, severity: message.attributes.severity } }]);
    }
  });
  return { sent, failed, pending };
}

export function subjectOf(ref: RecordRef): string {
  return ref.kind === 'objective' ? `objective:${objectiveKey(ref.contract, ref.objective)}` : `gate:${gateId(ref)}`;
}

/** History is the audit trail, but a failed append must not undo an action already taken: log it. */
export async function appendHistorySafely(ports: Pick<Ports, 'store' | 'log'>, entries: HistoryEntry[]): Promise<void> {
  try {
    await ports.store.appendHistory(entries);
  } catch (err) {
    ports.log?.('error', 'history could not be appended', { error: errorText(err), entries: entries.length });
  }
}
