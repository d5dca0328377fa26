/**
 * The bench measures what it says it measures: at 10 objectives the measured run requests exactly the two
 * series of each objective (the refresh), is never throttled, writes and reads DynamoDB, and publishes one
 * custom metric per objective plus the run metrics. Counts only: no time is asserted (times belong to
 * `npm run bench`). A bench reading its figures from the wrong place printed 0 metrics per objective once.
 */
import { describe, expect, it } from 'vitest';
import { benchEvaluate } from '../../bench/evaluate-one.ts';

describe('bench/evaluate-one', () => {
  it('reports the run GetMetricData, DynamoDB and custom-metric use at 10 objectives', async () => {
    const r = await benchEvaluate(10);
    expect(r.summary.errors).toBe(0);
    expect(r.summary.byStatus).toEqual({ ok: 10 });
    // Every objective is refreshed (two series each: good or latency count, and total), none rebuilt.
    expect(r.ledger).toMatchObject({ refreshed: 10, rebuilding: 0, rebuildStages: 0 });
    expect(r.metricsRequested).toBe(20);
    expect(r.metricsPerObjective).toBe(2);
    expect(r.getMetricDataCalls).toBeGreaterThanOrEqual(1);
    expect(r.throttled).toBe(0);
    // The refresh reads recent data only: 2 series x (15-minute margin + 5 minutes) at 60 s per objective.
    expect(r.datapoints.older).toBe(0);
    expect(r.datapoints.recent).toBe(r.ledger?.datapointsPlanned);
    expect(r.datapoints.recent).toBe(10 * 2 * 20);
    expect(r.store.itemsRead).toBeGreaterThan(0);
    expect(r.store.itemsWritten).toBeGreaterThan(0);
    expect(r.store.calls.Scan ?? 0).toBe(0);
    // BudgetRemaining per objective (burn rates are opt-in), plus the run-level metrics.
    expect(r.telemetry.customMetrics).toBe(10 + 6);
  }, 120_000);
});
