/**
 * The CloudWatch dashboard: budget remaining (percent of the error budget left, negative = overspent) and
 * burn rates per objective, tier changes, evaluator health and the self-monitoring alarms.
 *
 * Up to DETAILED_DASHBOARD_MAX_OBJECTIVES objectives get a graph each (a row per contract); beyond that the
 * graphs would exceed CloudWatch's 500 widgets per dashboard, so budget remaining and the shortest burn
 * rate of every objective are drawn by SEARCH expressions in two overview graphs instead.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { Contract } from '../../functions/core/contract.ts';
import { BURN_RATE_WINDOWS, METRICS_NAMESPACE, SERVICE_NAME } from '../constants.ts';

/** Above this many objectives the dashboard shows overview graphs instead of one per objective. */
export const DETAILED_DASHBOARD_MAX_OBJECTIVES = 50;

export interface SloDashboardProps {
  readonly contracts: readonly Contract[];
  /** Period of the graphs: the evaluation interval. */
  readonly period: Duration;
  readonly evaluator: lambda.IFunction;
  /** Shown in an alarm status widget. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** Burn rates are published for every objective; otherwise only contracts with `burnRateMetrics` get burn graphs. @default false */
  readonly publishBurnRates?: boolean;
}

export class SloDashboard extends cloudwatch.Dashboard {
  constructor(scope: Construct, id: string, props: SloDashboardProps) {
    super(scope, id, { defaultInterval: Duration.days(7) });
    const { period } = props;
    const metric = (metricName: string, dims: Record<string, string>, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME, ...dims },
        statistic,
        period,
        ...(label !== undefined ? { label } : {}),
      });

    this.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# SLO contracts\nBudget remaining is percent of the error budget left in the window (negative = overspent). ' +
          'Burn rate 1.0 spends the budget exactly by the end of the window.',
        width: 24,
        height: 2,
      }),
    );

    const objectives = props.contracts.reduce((n, c) => n + c.spec.objectives.length, 0);
    if (objectives <= DETAILED_DASHBOARD_MAX_OBJECTIVES) {
      for (const c of props.contracts) this.addWidgets(...contractRow(c, metric, props.publishBurnRates === true || c.spec.burnRateMetrics));
    } else {
      // One series per objective, each labelled by CloudWatch with its dimensions.
      const search = (metricName: string, extraDims: string, filter: string, statistic: string) =>
        new cloudwatch.MathExpression({
          expression: `SEARCH('{${METRICS_NAMESPACE},Contract,Objective,service${extraDims}} MetricName="${metricName}" service="${SERVICE_NAME}"${filter}', '${statistic}', ${period.toSeconds()})`,
          usingMetrics: {},
          period,
        });
      const shortest = BURN_RATE_WINDOWS[0];
      this.addWidgets(
        new cloudwatch.GraphWidget({
          title: `Budget remaining (%), all ${objectives} objectives`,
          left: [search('BudgetRemaining', '', '', 'Minimum')],
          leftYAxis: { label: '% of budget', showUnits: false },
          legendPosition: cloudwatch.LegendPosition.HIDDEN,
          width: 12,
          height: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `Burn rate over ${shortest}, all objectives`,
          left: [search('BurnRate', ',Window', ` Window="${shortest}"`, 'Maximum')],
          leftAnnotations: [{ value: 1, label: 'budget spent exactly by window end' }],
          leftYAxis: { label: 'x budget rate', showUnits: false, min: 0 },
          legendPosition: cloudwatch.LegendPosition.HIDDEN,
          width: 12,
          height: 8,
        }),
      );
    }

    this.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Tier changes',
        left: [metric('TierChanges', {}, 'Sum', 'tier changes')],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Evaluator health',
        left: [
          metric('Heartbeat', {}, 'Sum', 'completed runs'),
          metric('EvaluationErrors', {}, 'Sum', 'contract evaluation errors'),
          metric('NotificationsPending', {}, 'Maximum', 'notifications pending'),
          props.evaluator.metricErrors({ period, statistic: 'Sum', label: 'Lambda errors' }),
        ],
        right: [props.evaluator.metricDuration({ period, statistic: 'Maximum', label: 'duration max (ms)' })],
        width: 8,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Self-monitoring alarms', alarms: [...props.alarms], width: 8, height: 6 }),
    );
  }
}

type MetricFn = (metricName: string, dims: Record<string, string>, statistic: string, label?: string) => cloudwatch.Metric;

/** Budget remaining of each objective with the tier thresholds, and a burn-rate graph per objective when published. */
function contractRow(c: Contract, metric: MetricFn, burnRates: boolean): cloudwatch.IWidget[] {
  const name = c.metadata.name;
  const tierLines: cloudwatch.HorizontalAnnotation[] = c.spec.policy.tiers
    .filter((t) => t.above !== undefined)
    .map((t) => ({ value: t.above as number, label: `${t.name} above ${t.above} %` }));
  const row: cloudwatch.IWidget[] = [
    new cloudwatch.GraphWidget({
      title: `${name}: budget remaining (%)`,
      left: c.spec.objectives.map((o) => metric('BudgetRemaining', { Contract: name, Objective: o.name }, 'Minimum', o.name)),
      leftAnnotations: tierLines,
      leftYAxis: { label: '% of budget', showUnits: false },
      width: 8,
      height: 6,
    }),
  ];
  for (const o of burnRates ? c.spec.objectives : []) {
    row.push(
      new cloudwatch.GraphWidget({
        title: `${name} ${o.name}: burn rate`,
        left: BURN_RATE_WINDOWS.map((w) => metric('BurnRate', { Contract: name, Objective: o.name, Window: w }, 'Maximum', w)),
        leftAnnotations: [{ value: 1, label: 'budget spent exactly by window end' }],
        leftYAxis: { label: 'x budget rate', showUnits: false, min: 0 },
        width: 8,
        height: 6,
      }),
    );
  }
  return row;
}
