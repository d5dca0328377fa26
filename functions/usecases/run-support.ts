/** Small helpers the evaluate use cases share: bounded concurrency, error text, history that never undoes an action. */
import type { HistoryEntry, Ports } from '../ports.ts';

export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** History is the audit trail, but a failed append must not undo an action already taken: log it. */
export async function appendHistorySafely(ports: Pick<Ports, 'store' | 'log'>, entries: HistoryEntry[]): Promise<void> {
  try {
    await ports.store.appendHistory(entries);
  } catch (err) {
    ports.log?.('error', 'history could not be appended', { error: errorText(err), entries: entries.length });
  }
}
