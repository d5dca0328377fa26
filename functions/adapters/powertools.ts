/**
 * Telemetry through Powertools for AWS Lambda: EMF metrics (namespace from POWERTOOLS_METRICS_NAMESPACE,
 * dimension `service`), one EMF document per per-objective datum so each carries its own dimensions.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { TelemetryPort } from '../ports.ts';
import { PUBLISHED_BURN_LOOKBACKS } from '../core/burn.ts';

/** The counts of one run (or shard) that become run metrics. */
export interface RunCounts {
  errors: number;
  tierChanges: number;
  notificationsPending: number;
  metricsUsage?: { datapoints: Record<string, number>; throttles: number };
}

export class PowertoolsTelemetry implements TelemetryPort {
  constructor(private readonly metrics: Metrics) {}

  budgetRemaining(contract: string, objective: string, pct: number): void {
    const m = this.metrics.singleMetric();
    m.addDimensions({ Contract: contract, Objective: objective });
    // Percent of error budget remaining; negative when overspent.
    m.addMetric('BudgetRemaining', MetricUnit.Percent, pct);
  }

  burnRate(contract: string, objective: string, lookback: string, rate: number): void {
    if (!PUBLISHED_BURN_LOOKBACKS.includes(lookback)) return;
    const m = this.metrics.singleMetric();
    m.addDimensions({ Contract: contract, Objective: objective, Window: lookback });
    // A ratio: 1.0 spends the budget exactly over the SLO window.
    m.addMetric('BurnRate', MetricUnit.NoUnit, rate);
  }

  noData(contract: string, objective: string): void {
    const m = this.metrics.singleMetric();
    m.addDimensions({ Contract: contract, Objective: objective });
    m.addMetric('NoData', MetricUnit.Count, 1);
  }

  /**
   * One run finished: the heartbeat the "evaluator silent" alarm watches, and the run's counts (a clean run
   * reports 0 errors rather than nothing).
   */
  runCompleted(summary: RunCounts): void {
    this.metrics.addMetric('Heartbeat', MetricUnit.Count, 1);
    this.publishCounts(summary, summary.notificationsPending);
    this.metrics.publishStoredMetrics();
  }

  /**
   * One shard of a fanned-out run finished: its evaluation errors, tier changes and GetMetricData use, summed
   * with the other shards' by the alarms. No heartbeat (the gates phase that completes the run gives it) and no
   * pending notifications (shards send nothing).
   */
  shardCompleted(summary: Omit<RunCounts, 'notificationsPending'>): void {
    this.publishCounts(summary);
    this.metrics.publishStoredMetrics();
  }

  private publishCounts(summary: Omit<RunCounts, 'notificationsPending'>, notificationsPending?: number): void {
    this.metrics.addMetric('EvaluationErrors', MetricUnit.Count, summary.errors);
    this.metrics.addMetric('TierChanges', MetricUnit.Count, summary.tierChanges);
    if (notificationsPending !== undefined) this.metrics.addMetric('NotificationsPending', MetricUnit.Count, notificationsPending);
    // The share of the account's GetMetricData quota this run took (all tiers), and how often it was throttled.
    if (summary.metricsUsage) {
      this.metrics.addMetric('GetMetricDataDatapoints', MetricUnit.Count, Object.values(summary.metricsUsage.datapoints).reduce((a, b) => a + b, 0));
      this.metrics.addMetric('GetMetricDataThrottles', MetricUnit.Count, summary.metricsUsage.throttles);
    }
  }
}
