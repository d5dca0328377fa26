/**
 * The system watching itself: alarms that reach the operators when the evaluator fails, stops, slows to its
 * timeout, is throttled or leaves notifications pending, when the reporter stops running, when deliveries to
 * email or the pager fail, and when invocations are parked as failed. Plus the dashboard: budget remaining
 * and burn rates per objective, tier changes and evaluator health.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Contract } from '../../functions/core/contract.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../constants.ts';
import { SloDashboard } from './slo-dashboard.ts';

/** The heartbeat alarm fires after this many evaluation intervals without a completed run. */
export const HEARTBEAT_PERIODS = 3;
/** A run longer than this share of the evaluator's timeout is "near the timeout". */
export const NEAR_TIMEOUT_RATIO = 0.8;

export interface SloSelfMonitoringProps {
  /** The validated contracts (the dashboard shows each objective). */
  readonly contracts: readonly Contract[];
  readonly evaluator: lambda.IFunction;
  /** The evaluator's timeout: the duration alarm fires at NEAR_TIMEOUT_RATIO of it. */
  readonly evaluatorTimeout: Duration;
  readonly reporter: lambda.IFunction;
  /** How often the evaluator runs: the period of its alarms. */
  readonly evaluationInterval: Duration;
  /** Where failed asynchronous invocations and schedule deliveries are parked. */
  readonly failedInvocationsQueue: sqs.IQueue;
  /** Where failed SNS deliveries are redriven. */
  readonly deliveryFailuresQueue: sqs.IQueue;
  /** Topics whose failed notifications are alarmed. */
  readonly topics: readonly sns.ITopic[];
  /** Actions of every alarm, on ALARM and on OK. */
  readonly alarmActions: readonly cloudwatch.IAlarmAction[];
  /** Further actions of the alarms that page (the evaluator stopped running). */
  readonly pageActions: readonly cloudwatch.IAlarmAction[];
  /**
   * Create the dashboard.
   *
   * @default true
   */
  readonly dashboard?: boolean;
  /** Burn rates are published for every objective (otherwise only for contracts with `burnRateMetrics`). @default false */
  readonly publishBurnRates?: boolean;
}

export class SloSelfMonitoring extends Construct {
  /** Every alarm, each with the alarm actions. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** The alarms that also page. */
  public readonly pagingAlarms: readonly cloudwatch.Alarm[];
  /** The dashboard, unless turned off. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SloSelfMonitoringProps) {
    super(scope, id);
    const period = props.evaluationInterval;
    const intervalMinutes = period.toMinutes();
    const own = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE_NAME }, statistic, period });
    const atLeastOnce = {
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const timeoutMs = props.evaluatorTimeout.toMilliseconds();

    const heartbeat = new cloudwatch.Alarm(this, 'HeartbeatMissingAlarm', {
      alarmDescription:
        `slo-contracts: no evaluator run completed in ${HEARTBEAT_PERIODS} intervals of ${intervalMinutes} min. ` +
        'Budgets are not being evaluated and freezes are not being lifted.',
      metric: own('Heartbeat', 'Sum'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: HEARTBEAT_PERIODS,
      datapointsToAlarm: HEARTBEAT_PERIODS,
      // No data is exactly the failure this alarm exists for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const reporterNotRunning = new cloudwatch.Alarm(this, 'ReporterNotRunningAlarm', {
      alarmDescription:
        'slo-contracts: the weekly reporter did not run in the last calendar week (UTC). Check its schedule rule, ' +
        'its log group and the failed-invocations queue.',
      metric: props.reporter.metricInvocations({ period: Duration.days(7), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // Whole calendar weeks, not a sliding 7 days: a weekly run at the same hour each week would otherwise
    // fall just outside the window for the minutes before the next run, and the alarm would flap weekly.
    (reporterNotRunning.node.defaultChild as cloudwatch.CfnAlarm).evaluationWindow = { wallClockWindow: { timezone: 'UTC' } };

    const failedNotifications = new cloudwatch.MathExpression({
      expression: props.topics.map((_, i) => `FILL(t${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(
        props.topics.map((t, i) => [`t${i}`, t.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: 'Sum' })]),
      ),
      period: Duration.minutes(5),
      label: 'failed SNS notifications, all topics',
    });

    const alarms: cloudwatch.Alarm[] = [
      new cloudwatch.Alarm(this, 'EvaluatorErrorsAlarm', {
        alarmDescription: 'slo-contracts: the evaluator Lambda failed (an unhandled error or a timeout). Check its log group.',
        metric: props.evaluator.metricErrors({ period, statistic: 'Sum' }),
        ...atLeastOnce,
      }),
      heartbeat,
      new cloudwatch.Alarm(this, 'NotificationsPendingAlarm', {
        alarmDescription:
          `slo-contracts: notifications have failed to send for ${HEARTBEAT_PERIODS} runs in a row; ` +
          'they are retried every run. Check the evaluator logs and the alert topic.',
        metric: own('NotificationsPending', 'Maximum'),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: HEARTBEAT_PERIODS,
        datapointsToAlarm: HEARTBEAT_PERIODS,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'EvaluationErrorsAlarm', {
        alarmDescription:
          'slo-contracts: at least one contract could not be evaluated (missing metric, access denied, throttling). ' +
          'Its tier holds and nothing is unfrozen for it. Check the evaluator logs.',
        metric: own('EvaluationErrors', 'Sum'),
        ...atLeastOnce,
      }),
      new cloudwatch.Alarm(this, 'EvaluatorNearTimeoutAlarm', {
        alarmDescription:
          `slo-contracts: an evaluator run took more than ${Math.round(NEAR_TIMEOUT_RATIO * 100)} % of its ${props.evaluatorTimeout.toSeconds()} s timeout. ` +
          'Runs that hit the timeout leave work for the next run: give it more memory or fewer contracts per stack.',
        metric: props.evaluator.metricDuration({ period, statistic: 'Maximum' }),
        // Milliseconds, as Lambda reports Duration.
        threshold: Math.round(timeoutMs * NEAR_TIMEOUT_RATIO),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'EvaluatorThrottledAlarm', {
        alarmDescription:
          'slo-contracts: the evaluator was throttled in 2 of the last 3 intervals, so scheduled runs are being lost. ' +
          'One throttled duplicate delivery is expected (one reserved instance); check the account concurrency.',
        metric: props.evaluator.metricThrottles({ period, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      reporterNotRunning,
      new cloudwatch.Alarm(this, 'NotificationDeliveryFailedAlarm', {
        alarmDescription:
          'slo-contracts: SNS failed to deliver a notification (email, pager or operators) after its retries. ' +
          'The message is in the delivery-failures queue; check the endpoint and the subscription.',
        metric: failedNotifications,
        ...atLeastOnce,
      }),
      new cloudwatch.Alarm(this, 'DeliveryDeadLetteredAlarm', {
        alarmDescription:
          'slo-contracts: a notification was redriven to the delivery-failures queue (new messages, not its depth). ' +
          'Read the message to see which subscription failed.',
        metric: props.deliveryFailuresQueue.metricNumberOfMessagesSent({ period: Duration.minutes(5), statistic: 'Sum' }),
        ...atLeastOnce,
      }),
      new cloudwatch.Alarm(this, 'FailedInvocationsAlarm', {
        alarmDescription:
          'slo-contracts: an evaluator or reporter invocation failed after its retries and was parked in the ' +
          'failed-invocations queue (new messages, not its depth: each new failure notifies again).',
        metric: props.failedInvocationsQueue.metricNumberOfMessagesSent({ period: Duration.minutes(5), statistic: 'Sum' }),
        ...atLeastOnce,
      }),
    ];
    for (const alarm of alarms) {
      for (const action of props.alarmActions) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
    for (const action of props.pageActions) {
      heartbeat.addAlarmAction(action);
      heartbeat.addOkAction(action);
    }
    this.alarms = alarms;
    this.pagingAlarms = [heartbeat];

    if (props.dashboard ?? true) {
      this.dashboard = new SloDashboard(this, 'Dashboard', {
        contracts: props.contracts,
        period,
        evaluator: props.evaluator,
        alarms,
        publishBurnRates: props.publishBurnRates ?? false,
      });
    }
  }
}
