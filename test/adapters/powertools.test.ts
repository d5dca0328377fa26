/**
 * What the evaluator publishes as CloudWatch custom metrics (each distinct name and dimension set is one
 * metric, billed monthly): budget remaining per objective, burn rates only when asked for, and per run a
 * heartbeat, counts and the GetMetricData quota the run used.
 */
import { describe, expect, it } from 'vitest';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsTelemetry } from '../../functions/adapters/powertools.ts';

/** A stand-in for Powertools Metrics recording each datum with its dimensions. */
function recorder() {
  const data: { name: string; value: number; dims: Record<string, string> }[] = [];
  let flushed = 0;
  const metrics = {
    singleMetric() {
      let dims: Record<string, string> = {};
      return {
        addDimensions: (d: Record<string, string>) => void (dims = { ...dims, ...d }),
        addMetric: (name: string, _unit: string, value: number) => void data.push({ name, value, dims }),
      };
    },
    addMetric: (name: string, _unit: string, value: number) => void data.push({ name, value, dims: {} }),
    publishStoredMetrics: () => void flushed++,
  };
  return { data, flushed: () => flushed, metrics: metrics as unknown as Metrics };
}

describe('PowertoolsTelemetry', () => {
  it('publishes the run metrics, with the GetMetricData datapoints and throttles of the run', () => {
    const r = recorder();
    new PowertoolsTelemetry(r.metrics).runCompleted({ errors: 2, tierChanges: 1, notificationsPending: 0, metricsUsage: { datapoints: { recent: 4000, older: 1200 }, throttles: 3 } });
    expect(r.data.map((d) => [d.name, d.value])).toEqual([
      ['Heartbeat', 1],
      ['EvaluationErrors', 2],
      ['TierChanges', 1],
      ['NotificationsPending', 0],
      ['GetMetricDataDatapoints', 5200],
      ['GetMetricDataThrottles', 3],
    ]);
    expect(r.flushed()).toBe(1);
  });

  it('a shard of a fanned-out run publishes its errors and quota use, but no heartbeat and no pending count', () => {
    const r = recorder();
    new PowertoolsTelemetry(r.metrics).shardCompleted({ errors: 1, tierChanges: 4, metricsUsage: { datapoints: { recent: 900, older: 100 }, throttles: 0 } });
    expect(r.data.map((d) => [d.name, d.value])).toEqual([
      ['EvaluationErrors', 1],
      ['TierChanges', 4],
      ['GetMetricDataDatapoints', 1000],
      ['GetMetricDataThrottles', 0],
    ]);
    expect(r.flushed()).toBe(1);
  });

  it('publishes budget remaining per objective and burn rates only for the alert windows', () => {
    const r = recorder();
    const t = new PowertoolsTelemetry(r.metrics);
    t.budgetRemaining('checkout', 'availability', 42.5);
    t.burnRate('checkout', 'availability', '1h', 2);
    t.burnRate('checkout', 'availability', '5m', 9);
    expect(r.data).toEqual([
      { name: 'BudgetRemaining', value: 42.5, dims: { Contract: 'checkout', Objective: 'availability' } },
      { name: 'BurnRate', value: 2, dims: { Contract: 'checkout', Objective: 'availability', Window: '1h' } },
    ]);
  });
});
