/**
 * The SloContracts construct: everything slo-contracts needs in one account and region.
 *
 * - a DynamoDB table for state and the append-only history (PITR, deletion protection, RETAIN, TTL),
 * - KMS-encrypted, SSL-only SNS topics: alerts (tier changes, pages), the weekly report, and operations
 *   (the system's own alarms),
 * - the evaluator Lambda on an EventBridge rate schedule and the reporter Lambda on a cron schedule, both
 *   bundled by a local esbuild with the validated contracts compiled in (`__SLO_CONTRACTS__`),
 * - least-privilege IAM, self-monitoring alarms and a CloudWatch dashboard.
 *
 * Everything is environment-agnostic (pseudo parameters, SSM parameter references resolved at deploy), so
 * `cdk synth` needs neither credentials nor network.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy, Stack, ArnFormat, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ContractSchema, type Contract } from '../functions/core/contract.ts';
import { PUBLISHED_BURN_LOOKBACKS } from '../functions/core/burn.ts';
import { audienceEnvironment, audienceProblems, grantAudienceTopics, subscribeAudiences, type AudienceDefinitions } from './notify/audience-subscriptions.ts';

/** CloudWatch namespace of the EMF metrics the Lambdas emit (Powertools POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'SloContracts';
/** Powertools service name; Powertools adds it to every metric as the `service` dimension. */
export const SERVICE_NAME = 'slo-contracts';
/** Burn-rate look-back windows the evaluator publishes as the `Window` dimension of `BurnRate`. */
/** Burn-rate windows on the dashboard: exactly those the evaluator publishes. */
export const BURN_RATE_WINDOWS = PUBLISHED_BURN_LOOKBACKS;
/** The history must outlive a year of quarterly reviews plus a month: the design asks for at least 400 days. */
export const MIN_HISTORY_RETENTION_DAYS = 400;
/** Name of the esbuild `define` through which the validated contracts reach the Lambda bundles. */
export const CONTRACTS_DEFINE = '__SLO_CONTRACTS__';

/** esbuild receives the define as one command-line argument; Linux caps one argument at 128 KiB. */
const MAX_DEFINE_BYTES = 120 * 1024;
/** A CloudWatch alarm evaluates at most one day: periods x evaluation periods <= 86,400 s. */
const HEARTBEAT_PERIODS = 3;

const HANDLERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'functions', 'handlers');
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A construct prop that cannot work; the message says which prop and what to change. */
export class SloContractsConfigError extends Error {
  override name = 'SloContractsConfigError';
}

export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface SloContractsProps {
  /**
   * The contracts to enforce, as validated by the loader (`loadContractsOrThrow`). They are validated again
   * here and compiled into the Lambda bundles, so a contract change is a code change with a new asset hash.
   */
  readonly contracts: readonly Contract[];

  /**
   * How often the evaluator runs (EventBridge rate). Whole minutes, 1 to 480 (the heartbeat alarm looks at
   * three periods and an alarm can look back at most one day).
   *
   * @default Duration.minutes(5)
   */
  readonly evaluationInterval?: Duration;

  /**
   * When the weekly budget report is sent (EventBridge schedule, UTC).
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
   * Topic the system's own alarms (evaluator errors, missing heartbeat, pending notifications, failed
   * invocations) publish to. An imported topic must allow CloudWatch to publish to it (and to use its key).
   *
   * @default - a new topic encrypted with the construct's KMS key
   */
  readonly operationsTopic?: sns.ITopic;

  /**
   * Email addresses subscribed to the operations topic.
   *
   * @default - none
   */
  readonly operatorEmails?: readonly string[];

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
   * Days the history (evaluations and actions) is kept before DynamoDB TTL removes it. At least 400.
   * Passed to the evaluator as HISTORY_RETENTION_DAYS; the evaluator sets `expiresAt` from it.
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
}

/**
 * slo-contracts in one construct: state table, encrypted topics and subscriptions from the contracts,
 * the scheduled evaluator and reporter with the contracts compiled in, least-privilege IAM (pipeline
 * permissions only for the gates the contracts name), self-monitoring alarms and a dashboard.
 */
export class SloContracts extends Construct {
  /** State, freeze holders, overrides and history. Always RETAIN: deleting the stack keeps the history. */
  public readonly table: dynamodb.Table;
  /** Tier changes, freezes, overrides; message attributes `contract`, `objective`, `tier`, `severity`. */
  public readonly alertTopic: sns.Topic;
  /** The weekly budget report. */
  public readonly reportTopic: sns.Topic;
  /** Where the system's own alarms go. */
  public readonly operationsTopic: sns.ITopic;
  /** The KMS key (with rotation) encrypting the topics this construct creates. */
  public readonly topicKey: kms.Key;
  /** The scheduled evaluator. */
  public readonly evaluator: nodejs.NodejsFunction;
  /** The weekly reporter. */
  public readonly reporter: nodejs.NodejsFunction;
  /** Asynchronous invocations that failed after their retries land here (alarmed). */
  public readonly failedInvocationsQueue: sqs.Queue;
  /** The self-monitoring alarms, all wired to the operations topic. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** Budget remaining, burn rates, tier changes and evaluator health. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SloContractsProps) {
    super(scope, id);

    const contracts = validateContracts(props.contracts);
    const audienceIssues = audienceProblems(contracts, props.audiences ?? {});
    if (audienceIssues.length > 0) throw new SloContractsConfigError(`audiences:\n${audienceIssues.join('\n')}`);
    const evaluationInterval = props.evaluationInterval ?? Duration.minutes(5);
    const intervalMinutes = wholeMinutes(evaluationInterval, 'evaluationInterval');
    if (intervalMinutes < 1 || intervalMinutes * HEARTBEAT_PERIODS > 24 * 60) {
      throw new SloContractsConfigError(
        `evaluationInterval is ${intervalMinutes} minutes: use 1 to ${(24 * 60) / HEARTBEAT_PERIODS} minutes ` +
          `(the heartbeat alarm spans ${HEARTBEAT_PERIODS} intervals and CloudWatch alarms look back at most one day)`,
      );
    }
    const overrideHonourTime = props.overrideHonourTime ?? Duration.hours(4);
    const overrideMinutes = wholeMinutes(overrideHonourTime, 'overrideHonourTime');
    if (overrideMinutes < 1) {
      throw new SloContractsConfigError('overrideHonourTime must be at least 1 minute, e.g. Duration.hours(4)');
    }
    const historyRetentionDays = props.historyRetentionDays ?? MIN_HISTORY_RETENTION_DAYS;
    if (!Number.isInteger(historyRetentionDays) || historyRetentionDays < MIN_HISTORY_RETENTION_DAYS) {
      throw new SloContractsConfigError(
        `historyRetentionDays is ${historyRetentionDays}: the history must be kept for at least ` +
          `${MIN_HISTORY_RETENTION_DAYS} whole days (the audit trail spans a year of reviews); use ${MIN_HISTORY_RETENTION_DAYS} or more`,
      );
    }
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const logLevel = props.logLevel ?? 'INFO';
    const stack = Stack.of(this);

    // --- State ------------------------------------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Epoch SECONDS (DynamoDB TTL ignores milliseconds values as being far in the future).
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The history is the audit trail: it must survive `cdk destroy` and resource replacement.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // --- Topics -----------------------------------------------------------------------------------------
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'slo-contracts: encrypts the alert, report and operations SNS topics',
      enableKeyRotation: true,
      // Topics hold messages only in flight: nothing outlives the stack that this key protects.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to the encrypted operations topic; without this the alarm notification is
    // dropped silently. Scoped to alarms of this account (confused deputy).
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    // SNS may use the key for this account's topics; aws:SourceAccount keeps other accounts' resources from
    // using it through SNS (confused deputy). Publishers (the Lambdas) get their key rights by grantPublish.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSnsToUseTheKey',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'SLO contracts alerts',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.reportTopic = new sns.Topic(this, 'ReportTopic', {
      displayName: 'SLO contracts weekly report',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (props.operationsTopic) {
      this.operationsTopic = props.operationsTopic;
    } else {
      const ops = new sns.Topic(this, 'OperationsTopic', {
        displayName: 'SLO contracts operations',
        masterKey: this.topicKey,
        enforceSSL: true,
      });
      // enforceSSL writes a topic policy, which replaces SNS's default owner policy: let this account's
      // CloudWatch alarms publish explicitly.
      ops.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [ops.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
            ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
          },
        }),
      );
      this.operationsTopic = ops;
    }

    this.subscribeContracts(contracts);
    subscribeAudiences(this, { alertTopic: this.alertTopic, reportTopic: this.reportTopic, audiences: props.audiences ?? {}, contracts });
    for (const email of distinct((props.operatorEmails ?? []).map((e) => e.trim().toLowerCase()))) {
      new sns.Subscription(this, `Operator-${email}`, {
        topic: this.operationsTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
      });
    }

    // --- Lambdas ----------------------------------------------------------------------------------------
    this.failedInvocationsQueue = new sqs.Queue(this, 'FailedInvocations', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failedInvocationsQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS the dead-letter destination: it receives the evaluator and reporter asynchronous ' +
        'invocations (and EventBridge deliveries) that failed; nothing consumes it, an alarm fires when it holds messages.',
    });

    const contractsJson = JSON.stringify(contracts);
    const define = { [CONTRACTS_DEFINE]: JSON.stringify(contractsJson) };
    if (Buffer.byteLength(define[CONTRACTS_DEFINE], 'utf8') > MAX_DEFINE_BYTES) {
      throw new SloContractsConfigError(
        `the contracts take ${Buffer.byteLength(contractsJson, 'utf8')} bytes as JSON, more than the ` +
          `${MAX_DEFINE_BYTES} bytes that can be compiled into the Lambda bundle: split them across stacks or trim them`,
      );
    }
    const powertools = {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: logLevel,
    };

    // The evaluator never runs longer than one interval, so with one reserved instance runs never overlap.
    const evaluatorTimeout = Duration.minutes(Math.min(intervalMinutes, 5));
    this.evaluator = this.makeFunction('Evaluator', {
      entry: path.join(HANDLERS_DIR, 'evaluate.ts'),
      description: 'slo-contracts: evaluates every objective, records tier changes, notifies, freezes and unfreezes gates',
      define,
      logRetention,
      timeout: evaluatorTimeout,
      memorySize: 512,
      environment: {
        TABLE_NAME: this.table.tableName,
        ALERT_TOPIC_ARN: this.alertTopic.topicArn,
        OVERRIDE_HONOUR_MINUTES: String(overrideMinutes),
        EVALUATION_PERIOD_MINUTES: String(intervalMinutes),
        HISTORY_RETENTION_DAYS: String(historyRetentionDays),
        ...audienceEnvironment(props.audiences ?? {}),
        ...powertools,
      },
      // EventBridge delivers at least once and a late run is superseded by the next one: at most one
      // instance, one retry, and no event older than one interval.
      reservedConcurrentExecutions: 1,
      retryAttempts: 1,
      maxEventAge: clampEventAge(evaluationInterval),
    });
    this.reporter = this.makeFunction('Reporter', {
      entry: path.join(HANDLERS_DIR, 'report.ts'),
      description: 'slo-contracts: publishes the weekly error-budget report',
      define,
      logRetention,
      timeout: Duration.minutes(2),
      memorySize: 256,
      environment: {
        TABLE_NAME: this.table.tableName,
        REPORT_TOPIC_ARN: this.reportTopic.topicArn,
        HISTORY_RETENTION_DAYS: String(historyRetentionDays),
        ...audienceEnvironment(props.audiences ?? {}),
        ...powertools,
      },
      // One retry: a second failure goes to the queue rather than risking a third copy of the report.
      retryAttempts: 1,
      maxEventAge: Duration.hours(6),
    });

    // --- Permissions ------------------------------------------------------------------------------------
    this.table.grantReadWriteData(this.evaluator);
    this.table.grantReadData(this.reporter);
    // The reporter appends one audit entry per report (history items are only ever added, never changed).
    this.table.grant(this.reporter, 'dynamodb:BatchWriteItem');
    this.alertTopic.grantPublish(this.evaluator);
    this.reportTopic.grantPublish(this.reporter);
    grantAudienceTopics(this, props.audiences ?? {}, [this.evaluator, this.reporter]);
    this.evaluator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadSliMetrics',
        actions: ['cloudwatch:GetMetricData'],
        // GetMetricData has no resource-level permissions: '*' is the only resource IAM accepts.
        resources: ['*'],
      }),
    );
    const gates = contracts.flatMap((c) => c.spec.gates);
    if (gates.length > 0) {
      const pipelineArn = (pipeline: string) =>
        stack.formatArn({ service: 'codepipeline', resource: pipeline, arnFormat: ArnFormat.NO_RESOURCE_NAME });
      const stageArn = (pipeline: string, stage: string) =>
        stack.formatArn({ service: 'codepipeline', resource: pipeline, resourceName: stage, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      this.evaluator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadGatedPipelines',
          actions: ['codepipeline:GetPipelineState'],
          resources: distinct(gates.map((g) => g.pipeline)).map(pipelineArn),
        }),
      );
      this.evaluator.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'FreezeGatedStages',
          actions: ['codepipeline:DisableStageTransition', 'codepipeline:EnableStageTransition'],
          resources: distinctBy(gates, (g) => `${g.pipeline}/${g.stage}`).map((g) => stageArn(g.pipeline, g.stage)),
        }),
      );
    }
    for (const fn of [this.evaluator, this.reporter]) {
      // The grant on an encrypted topic is kms:Decrypt + kms:GenerateDataKey* on the one topic key.
      Validations.of(fn.role as iam.IRole).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'From topic.grantPublish on the KMS-encrypted topic: SNS needs GenerateDataKey* (plain and WithoutPlaintext) ' +
          'on the single topic key named in the statement, no other key.',
      });
    }
    Validations.of(this.evaluator.role as iam.IRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only cloudwatch:GetMetricData is on "*": it has no resource-level permissions, so IAM accepts no narrower ' +
        'resource. Every other action of the evaluator is scoped to the table, the alert topic or the gated pipelines.',
    });

    // --- Schedules --------------------------------------------------------------------------------------
    new events.Rule(this, 'EvaluationSchedule', {
      description: `slo-contracts: run the evaluator every ${intervalMinutes} minute(s)`,
      schedule: events.Schedule.rate(evaluationInterval),
      targets: [
        new targets.LambdaFunction(this.evaluator, {
          retryAttempts: 2,
          maxEventAge: clampEventAge(evaluationInterval),
          deadLetterQueue: this.failedInvocationsQueue,
        }),
      ],
    });
    new events.Rule(this, 'ReportSchedule', {
      description: 'slo-contracts: send the weekly error-budget report',
      schedule: props.reportSchedule ?? events.Schedule.cron({ minute: '0', hour: '9', weekDay: 'MON' }),
      targets: [
        new targets.LambdaFunction(this.reporter, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.failedInvocationsQueue,
        }),
      ],
    });

    // --- Self-monitoring --------------------------------------------------------------------------------
    const period = evaluationInterval;
    const own = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE_NAME }, statistic, period });

    const alarms: cloudwatch.Alarm[] = [
      new cloudwatch.Alarm(this, 'EvaluatorErrorsAlarm', {
        alarmDescription: 'slo-contracts: the evaluator Lambda failed (an unhandled error or a timeout). Check its log group.',
        metric: this.evaluator.metricErrors({ period, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'HeartbeatMissingAlarm', {
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
      }),
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
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'FailedInvocationsAlarm', {
        alarmDescription:
          'slo-contracts: an evaluator or reporter invocation failed after its retries and was parked in the ' +
          'failed-invocations queue. Inspect the message, then purge the queue.',
        metric: this.failedInvocationsQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    const action = new cwActions.SnsAction(this.operationsTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;

    this.dashboard = this.makeDashboard(contracts, period, alarms);
  }

  /**
   * Email: one subscription per distinct address on the alert topic and one on the report topic, each
   * filtered to the contracts that list it. Pager: one HTTPS subscription per distinct SSM parameter,
   * endpoint resolved by CloudFormation at deploy time, only severity=page of the contracts that name it.
   * Construct ids derive from the address / parameter so adding a contract never replaces (and
   * unconfirms) an existing subscription.
   */
  private subscribeContracts(contracts: readonly Contract[]): void {
    const contractsByEmail = new Map<string, string[]>();
    const contractsByPager = new Map<string, string[]>();
    for (const c of contracts) {
      for (const email of c.spec.notify.email) pushDistinct(contractsByEmail, email.trim().toLowerCase(), c.metadata.name);
      if (c.spec.notify.pager) pushDistinct(contractsByPager, c.spec.notify.pager.ssmParameter, c.metadata.name);
    }

    for (const [email, names] of contractsByEmail) {
      new sns.Subscription(this, `AlertEmail-${email}`, {
        topic: this.alertTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
        filterPolicy: { contract: sns.SubscriptionFilter.stringFilter({ allowlist: names }) },
      });
      new sns.Subscription(this, `ReportEmail-${email}`, {
        topic: this.reportTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
        // One report per contract: an address hears the reports of the contracts that list it (not the roll-up).
        filterPolicy: { contract: sns.SubscriptionFilter.stringFilter({ allowlist: names }) },
      });
    }

    for (const [parameterName, names] of contractsByPager) {
      // encodeURIComponent keeps '/' (not allowed in construct ids) distinct from '_' and '-'.
      const id = `Pager-${encodeURIComponent(parameterName)}`;
      new sns.Subscription(this, id, {
        topic: this.alertTopic,
        protocol: sns.SubscriptionProtocol.HTTPS,
        // A CloudFormation parameter of type AWS::SSM::Parameter::Value<String>, resolved at each deploy: the
        // URL (it embeds the integration key) never enters the contract, the repository or the template.
        // It must be a String parameter: CloudFormation cannot pass a SecureString to this property.
        endpoint: ssm.StringParameter.valueForStringParameter(this, parameterName),
        filterPolicy: {
          severity: sns.SubscriptionFilter.stringFilter({ allowlist: ['page'] }),
          contract: sns.SubscriptionFilter.stringFilter({ allowlist: names }),
        },
      });
    }
  }

  private makeFunction(
    id: string,
    opts: {
      entry: string;
      description: string;
      define: Record<string, string>;
      logRetention: logs.RetentionDays;
      timeout: Duration;
      memorySize: number;
      environment: Record<string, string>;
      reservedConcurrentExecutions?: number;
      retryAttempts: number;
      maxEventAge: Duration;
    },
  ): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: opts.logRetention,
      // Logs are diagnostics; the audit trail lives in the table.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: writes to its own log
    // group only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `slo-contracts ${id.toLowerCase()} execution role`,
    });
    logGroup.grantWrite(role);

    const fn = new nodejs.NodejsFunction(this, id, {
      entry: opts.entry,
      handler: 'handler',
      description: opts.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: opts.memorySize,
      timeout: opts.timeout,
      role,
      logGroup,
      environment: opts.environment,
      ...(opts.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: opts.reservedConcurrentExecutions } : {}),
      retryAttempts: opts.retryAttempts,
      maxEventAge: opts.maxEventAge,
      onFailure: new destinations.SqsDestination(this.failedInvocationsQueue),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        minify: true,
        sourceMap: false,
        target: 'node22',
        // CommonJS: the runtime's SDK then loads through require(), about half the cold-start time of
        // ESM-to-CommonJS interop (npm run bench measures both).
        format: nodejs.OutputFormat.CJS,
        // The Node.js runtime provides AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
        define: opts.define,
        forceDockerBundling: false,
      },
    });
    return fn;
  }

  private makeDashboard(contracts: readonly Contract[], period: Duration, alarms: readonly cloudwatch.Alarm[]): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
    });
    const metric = (metricName: string, dims: Record<string, string>, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME, ...dims },
        statistic,
        period,
        ...(label !== undefined ? { label } : {}),
      });

    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# SLO contracts\nBudget remaining is percent of the error budget left in the window (negative = overspent). ' +
          'Burn rate 1.0 spends the budget exactly by the end of the window.',
        width: 24,
        height: 2,
      }),
    );

    for (const c of contracts) {
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
      for (const o of c.spec.objectives) {
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
      dashboard.addWidgets(...row);
    }

    dashboard.addWidgets(
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
          this.evaluator.metricErrors({ period, statistic: 'Sum', label: 'Lambda errors' }),
        ],
        right: [this.evaluator.metricDuration({ period, statistic: 'Maximum', label: 'duration max (ms)' })],
        width: 8,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Self-monitoring alarms', alarms: [...alarms], width: 8, height: 6 }),
    );
    return dashboard;
  }
}

/** Re-validates (defaults filled) and checks names are unique; the message names the contract and the path. */
function validateContracts(input: readonly Contract[]): Contract[] {
  if (input.length === 0) {
    throw new SloContractsConfigError('contracts is empty: give at least one contract (see contracts/*.yaml and `slo validate`)');
  }
  const problems: string[] = [];
  const out: Contract[] = [];
  const seen = new Set<string>();
  input.forEach((raw, i) => {
    const result = ContractSchema.safeParse(raw);
    const label = typeof raw?.metadata?.name === 'string' ? `contracts[${i}] (${raw.metadata.name})` : `contracts[${i}]`;
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`${label}: ${issue.path.map(String).join('.') || '(contract)'}: ${issue.message}`);
      return;
    }
    if (seen.has(result.data.metadata.name)) {
      problems.push(`${label}: metadata.name: duplicate contract name "${result.data.metadata.name}": names must be unique`);
      return;
    }
    seen.add(result.data.metadata.name);
    out.push(result.data);
  });
  if (problems.length > 0) throw new SloContractsConfigError(`invalid contracts:\n${problems.join('\n')}`);
  return out;
}

function wholeMinutes(d: Duration, prop: string): number {
  const seconds = d.toSeconds();
  if (!Number.isInteger(seconds / 60)) {
    throw new SloContractsConfigError(`${prop} is ${seconds} s: use a whole number of minutes, e.g. Duration.minutes(5)`);
  }
  return seconds / 60;
}

/** Lambda and EventBridge accept an event age of 60 s to 6 h. */
function clampEventAge(d: Duration): Duration {
  return Duration.seconds(Math.min(Math.max(d.toSeconds(), 60), 6 * 3600));
}

function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function distinctBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function pushDistinct(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(value)) list.push(value);
  map.set(key, list);
}
