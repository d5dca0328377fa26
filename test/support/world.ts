/** The in-memory world the use-case tests drive: a clock at T0, scripted traffic, and the two shop gates. */
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import type { Ports } from '../../functions/ports.ts';
import { T0 } from './contracts.ts';
import { Traffic } from './traffic.ts';

export function world() {
  const clock = new ManualClock(T0);
  const traffic = new Traffic();
  const metrics = new MemoryMetrics(traffic.generate);
  const store = new MemoryStore();
  const notifier = new MemoryNotifier();
  const gate = new MemoryGate().addStage('shop-web', 'Production').addStage('shop-payments', 'Production');
  const ports: Ports = { clock, metrics, store, notifier, gate };
  return { clock, traffic, metrics, store, notifier, gate, ports };
}
