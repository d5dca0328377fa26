/**
 * The SloContracts construct: everything slo-contracts needs in one account and region, wired from a few
 * constructs whose names say what they hold:
 *
 * - SloStateTable (state/): state, freeze holders, overrides and the append-only history;
 * - SloTopics (notify/): the KMS key, the alert, report and operations topics, the subscriptions the
 *   contracts and operators name, and the dead-letter queue of every subscription;
 * - EvaluatorFunction and ReporterFunction (functions/): prebuilt handlers staged with the validated
 *   contracts, on EventBridge schedules, with exactly the permissions their calls need;
 * - SloSelfMonitoring (monitoring/): the alarms that reach the operators, and the dashboard.
 *
 * Everything is environment-agnostic (pseudo parameters, SSM parameter references resolved at deploy), so
 * `cdk synth` needs neither credentials nor network.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import type { Contract } from '../functions/core/contract.ts';
import { DEFAULT_GATE_ROLE_NAME, MIN_HISTORY_RETENTION_DAYS } from './constants.ts';
import { resolveContracts, type ContractsSource } from './contracts.ts';
import { SloContractsConfigError } from './errors.ts';
import { EvaluatorFunction } from './functions/evaluator-function.ts';
import { EvaluationFanOut } from './functions/evaluation-fanout.ts';
import { shardCountFor } from '../functions/core/shards.ts';
import { ReporterFunction } from './functions/reporter-function.ts';
import { clampEventAge, type PowertoolsLogLevel } from './functions/slo-function.ts';
import { HEARTBEAT_PERIODS, SloSelfMonitoring } from './monitoring/slo-self-monitoring.ts';
import { SloTopics, type PagerEndpoint } from './notify/slo-topics.ts';
import { SloStateTable } from './state/slo-state-table.ts';
import { audienceEnvironment, audienceProblems, grantAudienceTopics, subscribeAudiences, type AudienceDefinitions } from './notify/audience-subscriptions.ts';

/** Objectives one evaluator invocation judges before the run fans out (see shardObjectives). */
export const DEFAULT_SHARD_OBJECTIVES = 10_000;

export interface SloContractsProps {
  /**
   * The contracts to enforce: a folder (or file) of contract YAML, loaded and validated at synth, or
   * contracts already loaded (`loadContractsOrThrow(path).map((c) => c.contract)`), validated again. They
   * travel to the Lambdas as `contracts.json` inside the code asset, so a contract change is a code change
   * with a new asset hash.
   */
  readonly contracts: ContractsSource;

  /**
   * How often the evaluator runs (EventBridge rate). Whole minutes, 1 to 480 (the heartbeat alarm looks at
   * three periods and an alarm can look back at most one day).
   *
   * @default Duration.minutes(5)
   */
  readonly evaluationInterval?: Duration;

  /**
   * When the weekly budget report is sent (EventBridge schedule, UTC). At least once per calendar week: the
   * reporter-not-running alarm checks every week.
   *
   * @default events.Schedule.cron({ minute: '0', hour: '9', weekDay: 'MON' }) - Mondays 09:00 UTC
   */
  readonly reportSchedule?: events.Schedule;

  /**
   * How long a transition someone re-enabled in the console while frozen is honoured as an override before
   * the evaluator freezes it again (if the budget is still spent). Whole minutes.
   *
   * @default Duration.hours(4)
   */
  readonly overrideHonourTime?: Duration;

  /**
   * Topic the system's own alarms publish to. An imported topic must allow CloudWatch to publish to it (and
   * to use its key). Naming it counts as naming operators.
   *
   * @default - a new topic encrypted with the construct's KMS key
   */
  readonly operationsTopic?: sns.ITopic;

  /**
   * Email addresses subscribed to the operations topic: the people told when slo-contracts itself fails.
   *
   * @default - none
   */
  readonly operatorEmails?: readonly string[];

  /**
   * A pager (HTTPS endpoint in an SSM String parameter) paged when the evaluator has stopped running: no
   * completed run for three intervals means budgets are not evaluated and freezes are not lifted.
   *
   * @default - the heartbeat alarm goes to the operations topic only
   */
  readonly operationsPager?: PagerEndpoint;

  /**
   * Further actions for every self-monitoring alarm (on ALARM and on OK), e.g. a chat integration.
   *
   * @default - none
   */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];

  /**
   * Deploy even though no operator is named (no operatorEmails, operationsTopic, operationsPager or
   * alarmActions): the alarms then reach nobody. Synth refuses that unless this is set.
   *
   * @default false
   */
  readonly allowAlarmsWithoutOperators?: boolean;

  /**
   * Create the CloudWatch dashboard.
   *
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * Days the history (evaluations and actions) is kept before DynamoDB TTL removes it. At least 400.
   * Passed to the Lambdas as HISTORY_RETENTION_DAYS; they set `expiresAt` from it.
   *
   * @default 400
   */
  readonly historyRetentionDays?: number;

  /**
   * Retention of the Lambda log groups.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Log level of the Lambdas (Powertools POWERTOOLS_LOG_LEVEL).
   *
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;

  /**
   * X-Ray tracing of both Lambdas.
   *
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * Memory of the evaluator, MB.
   *
   * @default 512
   */
  readonly evaluatorMemorySize?: number;

  /**
   * Publish burn rates (1h, 6h, 3d) as custom metrics for every objective, and draw them on the dashboard.
   * Three more custom metrics per objective ($0.30 a month each); a contract can opt in alone with
   * `burnRateMetrics: true`. Budget remaining is always published.
   *
   * @default false
   */
  readonly publishBurnRates?: boolean;

  /**
   * Audiences, defined once for every contract: the names tiers list in `notify` (the default policy's warning
   * tier names `leadership`), each reached by email, an HTTPS endpoint in SSM and/or an existing SNS topic, and
   * subscribed with a filter on the `audience` message attribute. Leadership also receives the weekly roll-up
   * and passed review dates. A tier naming an audience not defined here fails synth.
   *
   * @default - none: only contracts whose tiers name no audience synthesize
   */
  readonly audiences?: AudienceDefinitions;

  /**
   * Datapoints one evaluator run may read from CloudWatch to rebuild and reconcile ledgers (after every
   * objective's refresh). 1,000,000 is about 22 s of half the account's 90,000 datapoints-per-second quota for
   * data older than 3 hours; raise it when the daily reconciliation falls behind (the EvaluationErrors log
   * line and the run summary report deferred reconciliations).
   *
   * @default 1000000
   */
  readonly rebuildDatapoints?: number;

  /**
   * Objectives one evaluator invocation judges at most. When the contracts hold more, each run fans out: a
   * Step Functions Distributed Map runs one invocation per contract shard (in parallel, each with its share of
   * the GetMetricData quota), then one invocation reconciles the gates and sends what is pending. 10,000
   * objectives take about 36 s and 0.8 GB in one invocation on the bench (quota-paced at half the account's
   * quota); beyond that, memory and CPU per invocation keep growing while the quota does not.
   *
   * @default 10000
   */
  readonly shardObjectives?: number;

  /**
   * Longest evaluator run: whole seconds, at most the evaluation interval (with one reserved instance, runs
   * then never overlap) and at most 15 minutes.
   *
   * @default - the evaluation interval, at most 5 minutes
   */
  readonly evaluatorTimeout?: Duration;

  /**
   * Memory of the reporter, MB.
   *
   * @default 256
   */
  readonly reporterMemorySize?: number;

  /**
   * Longest reporter run, whole seconds, at most 15 minutes.
   *
   * @default Duration.minutes(2)
   */
  readonly reporterTimeout?: Duration;

  /**
   * Name of the role the evaluator assumes in each pipeline account a gate names (`account`); deploy
   * SloGateAccess with the same name there.
   *
   * @default 'slo-contracts-gate'
   */
  readonly gateRoleName?: string;

  /**
   * Physical name of the evaluator's role, which pipeline accounts trust by ARN. Give one when the
   * pipeline-account stacks live in another CDK app.
   *
   * @default - generated when a gate names another account, otherwise chosen by CloudFormation
   */
  readonly evaluatorRoleName?: string;
}

/** What other constructs and people need from an SloContracts: where state and alerts are, and access to them. */
export interface ISloContracts extends IConstruct {
  /** State, freeze holders, overrides and history (retained when the stack is deleted). */
  readonly table: dynamodb.ITable;
  /** Tier changes, freezes, overrides; message attributes `contract`, `objective`, `tier`, `severity`. */
  readonly alertTopic: sns.ITopic;
  /** The weekly budget report. */
  readonly reportTopic: sns.ITopic;
  /** Where the system's own alarms go. */
  readonly operationsTopic: sns.ITopic;
  /** The scheduled evaluator. */
  readonly evaluator: lambda.IFunction;
  /** The weekly reporter. */
  readonly reporter: lambda.IFunction;
  /**
   * Lets a person (or a CI role) run `slo override`: record, list and revoke overrides, append their history
   * entry, announce them on the alert topic. See SloContracts.grantOverride for the exact actions.
   */
  grantOverride(grantee: iam.IGrantable): iam.Grant;
  /** Lets `slo status` and dashboards read the state: GetItem, BatchGetItem, Query on the table. */
  grantReadState(grantee: iam.IGrantable): iam.Grant;
}

const MINUTES_PER_DAY = 24 * 60;

export class SloContracts extends Construct implements ISloContracts {
  /** The contracts enforced, validated, defaults filled in. */
  public readonly contracts: readonly Contract[];
  /** The state table construct, with its grants. */
  public readonly state: SloStateTable;
  /** The key, topics, subscriptions and their dead-letter queue, with publish grants. */
  public readonly notifications: SloTopics;
  /** Alarms and dashboard. */
  public readonly monitoring: SloSelfMonitoring;

  public readonly table: dynamodb.ITable;
  public readonly alertTopic: sns.ITopic;
  public readonly reportTopic: sns.ITopic;
  public readonly operationsTopic: sns.ITopic;
  /** The KMS key (with rotation) encrypting the topics this construct creates. */
  public readonly topicKey: kms.IKey;
  public readonly evaluator: lambda.IFunction;
  public readonly reporter: lambda.IFunction;
  /** The evaluator's execution role: what pipeline accounts trust (SloGateAccess `evaluatorRoleArn`). */
  public readonly evaluatorRole: iam.IRole;
  /** Asynchronous invocations and schedule deliveries that failed after their retries land here (alarmed). */
  public readonly failedInvocationsQueue: sqs.IQueue;
  /** The self-monitoring alarms, all wired to the operations topic (and the alarm actions). */
  public readonly alarms: readonly cloudwatch.IAlarm[];
  /** The fan-out state machine, when the contracts hold more than `shardObjectives` objectives. */
  public readonly fanOut: EvaluationFanOut | undefined;
  /** Budget remaining, burn rates, tier changes and evaluator health; undefined when `dashboard: false`. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SloContractsProps) {
    super(scope, id);

    const contracts = resolveContracts(props.contracts);
    const shardObjectives = props.shardObjectives ?? DEFAULT_SHARD_OBJECTIVES;
    if (!(Number.isInteger(shardObjectives) && shardObjectives > 0)) {
      throw new SloContractsConfigError(`shardObjectives is ${shardObjectives}: give a whole number of objectives per evaluator invocation, e.g. 10000`);
    }
    const shards = shardCountFor(contracts.reduce((n, c) => n + c.spec.objectives.length, 0), shardObjectives);
    const named = (props.operatorEmails ?? []).length > 0 || props.operationsTopic !== undefined || props.operationsPager !== undefined || (props.alarmActions ?? []).length > 0;
    if (!named && props.allowAlarmsWithoutOperators !== true) {
      throw new SloContractsConfigError(
        'no operator is named, so the alarms on slo-contracts itself would reach nobody: give operatorEmails (-c operatorEmails=ops@example.com), ' +
          'operationsTopic, operationsPager or alarmActions, or set allowAlarmsWithoutOperators: true (-c allowAlarmsWithoutOperators=true)',
      );
    }
    const evaluationInterval = props.evaluationInterval ?? Duration.minutes(5);
    const intervalMinutes = wholeMinutes(evaluationInterval, 'evaluationInterval');
    if (intervalMinutes < 1 || intervalMinutes * HEARTBEAT_PERIODS > MINUTES_PER_DAY) {
      throw new SloContractsConfigError(
        `evaluationInterval is ${intervalMinutes} minutes: use 1 to ${MINUTES_PER_DAY / HEARTBEAT_PERIODS} minutes ` +
          `(the heartbeat alarm spans ${HEARTBEAT_PERIODS} intervals and CloudWatch alarms look back at most one day)`,
      );
    }
    const overrideHonourTime = props.overrideHonourTime ?? Duration.hours(4);
    if (wholeMinutes(overrideHonourTime, 'overrideHonourTime') < 1) {
      throw new SloContractsConfigError('overrideHonourTime must be at least 1 minute, e.g. Duration.hours(4)');
    }
    const historyRetentionDays = props.historyRetentionDays ?? MIN_HISTORY_RETENTION_DAYS;
    if (!Number.isInteger(historyRetentionDays) || historyRetentionDays < MIN_HISTORY_RETENTION_DAYS) {
      throw new SloContractsConfigError(
        `historyRetentionDays is ${historyRetentionDays}: the history must be kept for at least ` +
          `${MIN_HISTORY_RETENTION_DAYS} whole days (the audit trail spans a year of reviews); use ${MIN_HISTORY_RETENTION_DAYS} or more`,
      );
    }
    const evaluatorTimeout = props.evaluatorTimeout ?? Duration.minutes(Math.min(intervalMinutes, 5));
    checkTimeout(evaluatorTimeout, 'evaluatorTimeout', Math.min(intervalMinutes * 60, 900), 'the evaluation interval (runs must not overlap) and 15 minutes');
    const reporterTimeout = props.reporterTimeout ?? Duration.minutes(2);
    checkTimeout(reporterTimeout, 'reporterTimeout', 900, '15 minutes');
    const reportSchedule = props.reportSchedule ?? events.Schedule.cron({ minute: '0', hour: '9', weekDay: 'MON' });
    checkWeekly(reportSchedule);
    const gateRoleName = props.gateRoleName ?? DEFAULT_GATE_ROLE_NAME;
    checkRoleName(gateRoleName, 'gateRoleName');
    if (props.evaluatorRoleName !== undefined) checkRoleName(props.evaluatorRoleName, 'evaluatorRoleName');
    // One JSON text for both functions: identical contracts.json, one hash input.
    const contractsJson = JSON.stringify(contracts);
    this.contracts = contracts;

    // --- State and notifications ------------------------------------------------------------------------
    this.state = new SloStateTable(this, 'Table');
    const audiences = props.audiences ?? {};
    const audienceIssues = audienceProblems(contracts, audiences);
    if (audienceIssues.length > 0) throw new SloContractsConfigError(`audiences:\n${audienceIssues.join('\n')}`);
    this.notifications = new SloTopics(this, 'Notifications', {
      contracts,
      ...(props.operationsTopic ? { operationsTopic: props.operationsTopic } : {}),
      ...(props.operatorEmails ? { operatorEmails: props.operatorEmails } : {}),
      ...(props.operationsPager ? { operationsPager: props.operationsPager } : {}),
    });

    // Failed deliveries to audiences redrive to the same dead-letter queue as every other subscription (alarmed).
    subscribeAudiences(this, { alertTopic: this.notifications.alertTopic, reportTopic: this.notifications.reportTopic, audiences, contracts, deadLetterQueue: this.notifications.deliveryFailuresQueue });

    // --- Lambdas ----------------------------------------------------------------------------------------
    const failedInvocationsQueue = new sqs.Queue(this, 'FailedInvocations', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(failedInvocationsQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS the dead-letter destination: it receives the evaluator and reporter asynchronous ' +
        'invocations (and EventBridge deliveries) that failed; nothing consumes it, an alarm fires on each new message.',
    });
    const common = {
      contracts,
      contractsJson,
      table: this.state,
      failedInvocationsQueue,
      historyRetentionDays,
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      ...(props.logLevel !== undefined ? { logLevel: props.logLevel } : {}),
      ...(props.tracing !== undefined ? { tracing: props.tracing } : {}),
      extraEnvironment: audienceEnvironment(audiences),
    };
    const evaluator = new EvaluatorFunction(this, 'Evaluator', {
      ...common,
      alertTopic: this.notifications.alertTopic,
      interval: evaluationInterval,
      timeout: evaluatorTimeout,
      overrideHonourTime,
      gateRoleName,
      ...(props.publishBurnRates !== undefined ? { publishBurnRates: props.publishBurnRates } : {}),
      ...(props.rebuildDatapoints !== undefined ? { rebuildDatapoints: props.rebuildDatapoints } : {}),
      shards,
      ...(props.evaluatorMemorySize !== undefined ? { memorySize: props.evaluatorMemorySize } : {}),
      ...(props.evaluatorRoleName !== undefined ? { roleName: props.evaluatorRoleName } : {}),
    });
    const reporter = new ReporterFunction(this, 'Reporter', {
      ...common,
      reportTopic: this.notifications.reportTopic,
      timeout: reporterTimeout,
      ...(props.reporterMemorySize !== undefined ? { memorySize: props.reporterMemorySize } : {}),
    });

    // --- Permissions: exactly the calls each function makes ----------------------------------------------
    grantAudienceTopics(this, audiences, [evaluator, reporter]);
    this.state.grantReadState(evaluator);
    this.state.grantWriteState(evaluator);
    this.notifications.grantPublishAlerts(evaluator);
    this.state.grantReadState(reporter);
    // The reporter appends one audit entry per report: history items only, never state.
    this.state.grantAppendHistory(reporter);
    this.notifications.grantPublishReport(reporter);
    for (const fn of [evaluator, reporter]) {
      // The grant on an encrypted topic is kms:Decrypt + kms:GenerateDataKey* on the one topic key.
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'From the publish grant on the KMS-encrypted topic: SNS needs GenerateDataKey* (plain and WithoutPlaintext) ' +
          'on the single topic key named in the statement, no other key.',
      });
    }

    // --- Schedules --------------------------------------------------------------------------------------
    // Every interval: the evaluator itself, or (fanned out) the state machine running it once per shard, then once for the gates.
    const fanOut = shards > 1 ? new EvaluationFanOut(this, 'FanOut', { evaluator, shards, evaluatorTimeout, interval: evaluationInterval, ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}) }) : undefined;
    new events.Rule(this, 'EvaluationSchedule', {
      description: `slo-contracts: run the evaluator every ${intervalMinutes} minute(s)${fanOut ? ` over ${shards} contract shards` : ''}`,
      schedule: events.Schedule.rate(evaluationInterval),
      targets: [
        fanOut
          ? new targets.SfnStateMachine(fanOut.stateMachine, {
              input: events.RuleTargetInput.fromObject(fanOut.input),
              retryAttempts: 2,
              maxEventAge: clampEventAge(evaluationInterval),
              deadLetterQueue: failedInvocationsQueue,
            })
          : new targets.LambdaFunction(evaluator, {
              retryAttempts: 2,
              maxEventAge: clampEventAge(evaluationInterval),
              deadLetterQueue: failedInvocationsQueue,
            }),
      ],
    });
    this.fanOut = fanOut;
    new events.Rule(this, 'ReportSchedule', {
      description: 'slo-contracts: send the weekly error-budget report',
      schedule: reportSchedule,
      targets: [
        new targets.LambdaFunction(reporter, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: failedInvocationsQueue,
        }),
      ],
    });

    // --- Self-monitoring --------------------------------------------------------------------------------
    this.monitoring = new SloSelfMonitoring(this, 'Monitoring', {
      contracts,
      evaluator,
      evaluatorTimeout,
      reporter,
      evaluationInterval,
      failedInvocationsQueue,
      deliveryFailuresQueue: this.notifications.deliveryFailuresQueue,
      topics: this.notifications.topics,
      alarmActions: [new cwActions.SnsAction(this.notifications.operationsTopic), ...(props.alarmActions ?? [])],
      pageActions: this.notifications.operationsPageTopic ? [new cwActions.SnsAction(this.notifications.operationsPageTopic)] : [],
      dashboard: props.dashboard ?? true,
      publishBurnRates: props.publishBurnRates ?? false,
    });

    this.table = this.state;
    this.alertTopic = this.notifications.alertTopic;
    this.reportTopic = this.notifications.reportTopic;
    this.operationsTopic = this.notifications.operationsTopic;
    this.topicKey = this.notifications.key;
    this.evaluator = evaluator;
    this.reporter = reporter;
    this.evaluatorRole = evaluator.role;
    this.failedInvocationsQueue = failedInvocationsQueue;
    this.alarms = this.monitoring.alarms;
    if (this.monitoring.dashboard) this.dashboard = this.monitoring.dashboard;
  }

  /**
   * Lets a person (or a CI role) run `slo override` against this deployment:
   * - `dynamodb:GetItem`, `dynamodb:Query`, `dynamodb:PutItem`, `dynamodb:UpdateItem` on the table, only on
   *   the `OVERRIDE` partition (record, list, revoke);
   * - `dynamodb:BatchWriteItem`, `dynamodb:PutItem` on the table, only on `HIST#*` items (the override's
   *   history entry);
   * - `sns:Publish` on the alert topic, with `kms:Decrypt` and `kms:GenerateDataKey*` on the topic key (the
   *   announcement).
   * Nothing else: the override cannot touch objective or gate state.
   */
  public grantOverride(grantee: iam.IGrantable): iam.Grant {
    return this.state.grantManageOverrides(grantee).combine(this.notifications.grantPublishAlerts(grantee));
  }

  /** Lets `slo status` and dashboards read the state: `dynamodb:GetItem`, `dynamodb:BatchGetItem`, `dynamodb:Query` on the table. */
  public grantReadState(grantee: iam.IGrantable): iam.Grant {
    return this.state.grantReadState(grantee);
  }
}

function wholeMinutes(d: Duration, prop: string): number {
  const seconds = d.toSeconds();
  if (!Number.isInteger(seconds / 60)) {
    throw new SloContractsConfigError(`${prop} is ${seconds} s: use a whole number of minutes, e.g. Duration.minutes(5)`);
  }
  return seconds / 60;
}

function checkTimeout(d: Duration, prop: string, maxSeconds: number, what: string): void {
  const seconds = d.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
    throw new SloContractsConfigError(`${prop} is ${seconds} s: use whole seconds from 1 to ${maxSeconds} (at most ${what})`);
  }
}

/** IAM role names: 1-64 of letters, digits and +=,.@_- */
function checkRoleName(name: string, prop: string): void {
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) {
    throw new SloContractsConfigError(`${prop} is "${name}": an IAM role name is 1 to 64 letters, digits or +=,.@_-`);
  }
}

/**
 * The reporter-not-running alarm checks each calendar week: a rate longer than 7 days, or a cron fixed to
 * some days of the month or some months, would set it off.
 */
function checkWeekly(schedule: events.Schedule): void {
  const text = schedule.expressionString;
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const days = Number(rate[1]) / (rate[2]?.startsWith('minute') ? MINUTES_PER_DAY : rate[2]?.startsWith('hour') ? 24 : 1);
    if (days <= 7) return;
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(text);
  if (cron && ['*', '?'].includes(cron[3] as string) && cron[4] === '*' && cron[6] === '*') return;
  if (!rate && !cron) return; // an unresolved token: nothing to check at synth
  throw new SloContractsConfigError(
    `reportSchedule is ${text}: the report must run at least once per calendar week (the reporter-not-running alarm checks every week), ` +
      "e.g. events.Schedule.cron({ minute: '0', hour: '9', weekDay: 'MON' })",
  );
}
