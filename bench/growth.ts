/**
 * Table growth per objective: one objective (30-day window, an incident a month) evaluated for 400 days on the
 * memory twin, whose census counts only items whose lifetime (DynamoDB TTL) has not ended, with their bytes.
 * Runs every 6 hours: the ledger catches up gaps under a day, so what is stored is what 5-minute runs store.
 */
import { evaluate } from '../functions/usecases/evaluate.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore, type StoreCensus } from '../functions/adapters/memory.ts';
import { checkout } from '../test/support/contracts.ts';
import { Traffic } from '../test/support/traffic.ts';

export interface GrowthResult {
  objectives: number;
  days: number;
  runs: number;
  items: number;
  bytes: number;
  census: StoreCensus & { bytes: number };
}

export async function benchGrowth(days = 400): Promise<GrowthResult> {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const DAY = 86_400_000;
  const clock = new ManualClock(start);
  const traffic = new Traffic();
  for (let m = 0; m < 14; m++) traffic.burst(Date.UTC(2026, m, 10, 12), m % 2 === 0 ? 30_000 : 40_000);
  const store = new MemoryStore(() => clock.now());
  const gate = new MemoryGate(clock).addStage('shop-web', 'Production').addStage('shop-payments', 'Production');
  const ports = { clock, store, notifier: new MemoryNotifier(), gate, metrics: new MemoryMetrics(traffic.generate) };
  const contract = checkout({ window: { rolling: '30d' } });
  let runs = 0;
  for (let t = start; t <= start + days * DAY; t += DAY / 4) {
    clock.set(t);
    await evaluate(ports, [contract], { overrideHonourMs: 4 * 3_600_000 });
    runs++;
  }
  const census = store.census(clock.now());
  const items = Object.entries(census).reduce((n, [k, v]) => (k === 'bytes' ? n : n + v), 0);
  return { objectives: 1, days, runs, items, bytes: census.bytes, census };
}
