/**
 * Honest fakes: the synthetic CloudWatch behind the demo and the bench counts TC(:x) as CloudWatch does (the
 * requests at or under x, in the metric's unit), so a wrong unit or an off-by-one threshold changes the result.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import { syntheticMinutes, syntheticSeries } from '../../functions/local/synthetic.ts';
import { FakeCloudWatch, perMinuteSource } from '../../functions/local/fake-cloudwatch.ts';
import { CloudWatchMetrics } from '../../functions/adapters/cloudwatch.ts';
import { VirtualTime } from '../support/virtual-time.ts';
import type { Contract } from '../../functions/core/contract.ts';
import { checkout, HOUR } from '../support/contracts.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');

/** An API Gateway-like latency objective: the metric is in `unit`, requests take 2,010 ms (fast) or 5 s (slow). */
function latencyContract(unit: 'seconds' | 'milliseconds', threshold: string): Contract {
  return checkout({
    window: { rolling: '1d' },
    gates: [],
    objectives: [
      { name: 'latency', target: 99, sli: { latency: { metric: { namespace: 'AWS/ApiGateway', metric: 'Latency', dimensions: { ApiName: 'login' }, unit }, threshold } } },
    ],
  });
}

async function remainingOf(contract: Contract): Promise<number | null> {
  const clock = new ManualClock(NOW);
  const metrics = new MemoryMetrics(syntheticSeries([contract], { requestsPerMinute: 100, incidents: [], latency: { fastMs: 2010, slowMs: 5000 }, publishedUnits: { Latency: 'milliseconds' } }));
  const s = await evaluate({ clock, metrics, store: new MemoryStore(), notifier: new MemoryNotifier(), gate: new MemoryGate() }, [contract], { overrideHonourMs: 4 * HOUR });
  return s.objectives[0]?.remainingPct ?? null;
}

describe('latency thresholds reach CloudWatch exactly, and the fakes count them honestly', () => {
  it('2.01s on a milliseconds metric counts requests of exactly 2,010 ms as fast', async () => {
    expect(await remainingOf(latencyContract('milliseconds', '2.01s'))).toBe(100);
  });

  it('a threshold one millisecond lower counts them all as slow', async () => {
    expect(await remainingOf(latencyContract('milliseconds', '2009ms'))).toBe(100 * (1 - 1 / 0.01));
  });

  it('the wrong unit changes the result: a milliseconds metric declared in seconds counts nothing as fast', async () => {
    expect(await remainingOf(latencyContract('milliseconds', '3s'))).toBe(100);
    // Read as seconds, TC(:3) compares 3 with values of 2,010 and 5,000 (ms): every request is slow.
    expect(await remainingOf(latencyContract('seconds', '3s'))).toBe(100 * (1 - 1 / 0.01));
  });
});

describe('the quota-enforcing fake CloudWatch behind the bench computes TC from per-request latencies', () => {
  async function remainingThroughFake(contract: Contract): Promise<number | null> {
    const time = new VirtualTime(NOW);
    const minutes = syntheticMinutes([contract], { requestsPerMinute: 100, incidents: [], latency: { fastMs: 2010, slowMs: 5000 }, publishedUnits: { Latency: 'milliseconds' } });
    const fake = new FakeCloudWatch({ source: perMinuteSource(minutes), clock: time.clock, sleep: time.sleep });
    const metrics = new CloudWatchMetrics(fake.asClient(), { clock: time.clock, sleep: time.sleep });
    const ports = { clock: time.clock, metrics, store: new MemoryStore(), notifier: new MemoryNotifier(), gate: new MemoryGate() };
    const s = await time.run(() => evaluate(ports, [contract], { overrideHonourMs: 4 * HOUR }));
    return s.objectives[0]?.remainingPct ?? null;
  }

  it('counts the 2,010 ms requests as fast at 2.01s, slow at 2009ms, and none as fast when the unit is wrong', async () => {
    expect(await remainingThroughFake(latencyContract('milliseconds', '2.01s'))).toBe(100);
    expect(await remainingThroughFake(latencyContract('milliseconds', '2009ms'))).toBeCloseTo(100 * (1 - 1 / 0.01), 9);
    expect(await remainingThroughFake(latencyContract('seconds', '3s'))).toBeCloseTo(100 * (1 - 1 / 0.01), 9);
  });
});
