/**
 * The SloContracts construct with its defaults, three contracts, one synthesised template (bundling
 * skipped: the Lambda code is not what these tests are about; app.test.ts bundles the real handlers).
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BURN_RATE_WINDOWS } from '../../lib/constants.ts';
import { LEADERSHIP, Scratch, actionsOf, codePipelineArns, logicalId, policyStatements, resourcesOf, standardContracts, synthStack } from './fixtures.ts';

const scratch = new Scratch();

let template: Template;
let ids: {
  table: string;
  key: string;
  alertTopic: string;
  reportTopic: string;
  opsTopic: string;
  queue: string;
  deliveryQueue: string;
  evaluator: string;
  reporter: string;
  evaluatorLogs: string;
  reporterLogs: string;
  evaluatorPolicy: string;
  reporterPolicy: string;
};

beforeAll(() => {
  // aws-cdk-lib 2.276 skips its built-in CloudFormation validation when CDK_VALIDATION=false (~9 s saved);
  // app.test.ts runs the fully validated synth.
  vi.stubEnv('CDK_VALIDATION', 'false');
  template = synthStack(scratch, { contracts: standardContracts(), audiences: LEADERSHIP }).template;
  ids = {
    table: logicalId(template, 'AWS::DynamoDB::Table', 'Table'),
    key: logicalId(template, 'AWS::KMS::Key', 'TopicKey'),
    alertTopic: logicalId(template, 'AWS::SNS::Topic', 'AlertTopic'),
    reportTopic: logicalId(template, 'AWS::SNS::Topic', 'ReportTopic'),
    opsTopic: logicalId(template, 'AWS::SNS::Topic', 'OperationsTopic'),
    queue: logicalId(template, 'AWS::SQS::Queue', 'FailedInvocations'),
    deliveryQueue: logicalId(template, 'AWS::SQS::Queue', 'DeliveryFailures'),
    evaluator: logicalId(template, 'AWS::Lambda::Function', 'Evaluator'),
    reporter: logicalId(template, 'AWS::Lambda::Function', 'Reporter'),
    evaluatorLogs: logicalId(template, 'AWS::Logs::LogGroup', 'EvaluatorLogs'),
    reporterLogs: logicalId(template, 'AWS::Logs::LogGroup', 'ReporterLogs'),
    evaluatorPolicy: logicalId(template, 'AWS::IAM::Policy', 'EvaluatorRole'),
    reporterPolicy: logicalId(template, 'AWS::IAM::Policy', 'ReporterRole'),
  };
}, 120_000);

afterAll(() => {
  vi.unstubAllEnvs();
  scratch.remove();
});

describe('table', () => {
  it('is on-demand, keyed pk/sk, with PITR, deletion protection, TTL on expiresAt and encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('is retained on stack deletion and on replacement', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('topics', () => {
  it('are all encrypted with the one rotating KMS key', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const topic of [ids.alertTopic, ids.reportTopic, ids.opsTopic]) {
      expect(template.toJSON().Resources[topic].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [ids.key, 'Arn'] });
    }
  });

  it('key policy lets CloudWatch alarms and SNS use the key, scoped to this account', () => {
    const statements = template.toJSON().Resources[ids.key].Properties.KeyPolicy.Statement as Record<string, unknown>[];
    const forService = (service: string) => statements.find((s) => (s.Principal as { Service?: string }).Service === service);
    for (const service of ['cloudwatch.amazonaws.com', 'sns.amazonaws.com']) {
      const s = forService(service);
      expect(s, service).toBeDefined();
      expect(s?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(s?.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    }
  });

  it('deny publishing without TLS on every topic', () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as {
      Properties: { Topics: { Ref: string }[]; PolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];
    const guarded = policies
      .filter((p) =>
        p.Properties.PolicyDocument.Statement.some(
          (s) =>
            s.Effect === 'Deny' &&
            s.Action === 'sns:Publish' &&
            JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        ),
      )
      .flatMap((p) => p.Properties.Topics.map((t) => t.Ref));
    expect(guarded.sort()).toEqual([ids.alertTopic, ids.reportTopic, ids.opsTopic].sort());
  });

  it('let CloudWatch alarms of this account publish to the operations topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: ids.opsTopic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });
});

describe('subscriptions', () => {
  type Sub = { Protocol: string; Endpoint: unknown; TopicArn: { Ref: string }; FilterPolicy?: Record<string, string[]> };
  const subs = (): Sub[] => Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: Sub }).Properties);

  it('one email subscription per distinct address on the alert topic, filtered to the contracts that list it (and leadership to its audience)', () => {
    const alertEmails = subs().filter((s) => s.Protocol === 'email' && s.TopicArn.Ref === ids.alertTopic);
    // sre@example.com and SRE@example.com are one address.
    expect(alertEmails.map((s) => [s.Endpoint, s.FilterPolicy]).sort()).toEqual(
      [
        ['leadership@example.com', { audience: ['leadership'] }],
        ['payments@example.com', { contract: ['checkout'] }],
        ['search-team@example.com', { contract: ['search'] }],
        ['sre@example.com', { contract: ['checkout', 'login'] }],
      ].sort(),
    );
  });

  it('the same addresses get the reports of the contracts that list them; leadership the roll-up', () => {
    const reportEmails = subs().filter((s) => s.TopicArn.Ref === ids.reportTopic);
    expect(reportEmails.every((s) => s.Protocol === 'email')).toBe(true);
    expect(reportEmails.map((s) => [s.Endpoint, s.FilterPolicy]).sort()).toEqual(
      [
        ['leadership@example.com', { audience: ['leadership'] }],
        ['payments@example.com', { contract: ['checkout'] }],
        ['search-team@example.com', { contract: ['search'] }],
        ['sre@example.com', { contract: ['checkout', 'login'] }],
      ].sort(),
    );
  });

  it('one HTTPS pager subscription per SSM parameter, endpoint resolved from SSM at deploy, pages only', () => {
    const pagers = subs().filter((s) => s.Protocol === 'https');
    expect(pagers).toHaveLength(2);
    const params = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    const byParameter = new Map(
      pagers.map((p) => {
        const ref = (p.Endpoint as { Ref: string }).Ref;
        expect(params[ref]?.Type).toBe('AWS::SSM::Parameter::Value<String>');
        return [params[ref]?.Default, p] as const;
      }),
    );
    expect([...byParameter.keys()].sort()).toEqual(['/oncall/pagerduty-url', '/oncall/search/pager-url']);
    expect(byParameter.get('/oncall/pagerduty-url')).toMatchObject({
      TopicArn: { Ref: ids.alertTopic },
      FilterPolicy: { severity: ['page'], contract: ['checkout', 'login'] },
    });
    expect(byParameter.get('/oncall/search/pager-url')?.FilterPolicy).toEqual({ severity: ['page'], contract: ['search'] });
  });

  it('no pager URL appears in the template: it stays in SSM', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/https:\/\//);
  });
});

describe('lambdas', () => {
  it('run Node.js 24 on arm64 with their own log group and retention', () => {
    for (const [fn, logs] of [
      [ids.evaluator, ids.evaluatorLogs],
      [ids.reporter, ids.reporterLogs],
    ] as const) {
      const props = template.toJSON().Resources[fn].Properties;
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: logs } });
      expect(template.toJSON().Resources[logs].Properties.RetentionInDays).toBe(90);
    }
  });

  it('evaluator: one reserved instance, the environment the handler reads', () => {
    const props = template.toJSON().Resources[ids.evaluator].Properties;
    expect(props.ReservedConcurrentExecutions).toBe(1);
    expect(props.Environment.Variables).toEqual({
      TABLE_NAME: { Ref: ids.table },
      ALERT_TOPIC_ARN: { Ref: ids.alertTopic },
      OVERRIDE_HONOUR_MINUTES: '240',
      EVALUATION_PERIOD_MINUTES: '5',
      HISTORY_RETENTION_DAYS: '400',
      GATE_ROLE_ARN_TEMPLATE: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::{account}:role/slo-contracts-gate']] },
      POWERTOOLS_SERVICE_NAME: 'slo-contracts',
      POWERTOOLS_METRICS_NAMESPACE: 'SloContracts',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    // Never longer than one evaluation interval (5 minutes).
    expect(props.Timeout).toBeLessThanOrEqual(300);
  });

  it('reporter: table and report topic only', () => {
    expect(template.toJSON().Resources[ids.reporter].Properties.Environment.Variables).toEqual({
      TABLE_NAME: { Ref: ids.table },
      REPORT_TOPIC_ARN: { Ref: ids.reportTopic },
      HISTORY_RETENTION_DAYS: '400',
      POWERTOOLS_SERVICE_NAME: 'slo-contracts',
      POWERTOOLS_METRICS_NAMESPACE: 'SloContracts',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('failed async invocations go to an encrypted, SSL-only queue after at most one retry', () => {
    for (const fn of [ids.evaluator, ids.reporter]) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fn },
        MaximumRetryAttempts: Match.anyValue(),
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.queue, 'Arn'] } } },
      });
    }
    for (const cfg of Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'))) {
      expect((cfg as { Properties: { MaximumRetryAttempts: number } }).Properties.MaximumRetryAttempts).toBeLessThanOrEqual(1);
    }
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('schedules', () => {
  it('evaluator every 5 minutes, report Mondays 09:00 UTC', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.evaluator, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 9 ? * MON *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.reporter, 'Arn'] } })],
    });
  });
});

describe('IAM', () => {
  it('no role carries a managed policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('cloudwatch:GetMetricData is the only action on "*", and only the evaluator has it', () => {
    const star = policyStatements(template).filter((s) => JSON.stringify(s.Resource).includes('"*"'));
    expect(star).toEqual([expect.objectContaining({ Action: 'cloudwatch:GetMetricData', Resource: '*', policy: ids.evaluatorPolicy })]);
  });

  it('the only wildcard in an action is kms:GenerateDataKey*, on the topic key (from grantPublish)', () => {
    const wild = policyStatements(template).filter((s) => actionsOf(s).some((a) => a.includes('*')));
    expect(wild.length).toBe(2);
    for (const s of wild) {
      expect(s.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(s.Resource).toEqual({ 'Fn::GetAtt': [ids.key, 'Arn'] });
    }
  });

  it('pipeline actions on exactly the gated pipelines and stages', () => {
    const cp = policyStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('codepipeline:')));
    expect(cp.map((s) => ({ policy: s.policy, actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
      {
        policy: ids.evaluatorPolicy,
        actions: ['codepipeline:GetPipelineState'],
        resources: codePipelineArns('shop-web', 'shop-payments', 'identity'),
      },
      {
        policy: ids.evaluatorPolicy,
        actions: ['codepipeline:DisableStageTransition', 'codepipeline:EnableStageTransition'],
        resources: codePipelineArns('shop-web/Production', 'shop-payments/Production', 'identity/Prod'),
      },
    ]);
  });

  it('evaluator policy is exactly: its logs, the queue, the table, the alert topic and key, metrics, pipelines', () => {
    const evaluator = policyStatements(template).filter((s) => s.policy === ids.evaluatorPolicy);
    const summary = evaluator.map((s) => `${[...actionsOf(s)].sort().join(',')} -> ${JSON.stringify(resourcesOf(s))}`);
    const one = (r: unknown) => JSON.stringify([r]);
    expect(summary.sort()).toEqual(
      [
        `logs:CreateLogStream,logs:PutLogEvents -> ${one({ 'Fn::GetAtt': [ids.evaluatorLogs, 'Arn'] })}`,
        `sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage -> ${one({ 'Fn::GetAtt': [ids.queue, 'Arn'] })}`,
        `dynamodb:BatchGetItem,dynamodb:GetItem,dynamodb:Query -> ${one({ 'Fn::GetAtt': [ids.table, 'Arn'] })}`,
        `dynamodb:BatchWriteItem,dynamodb:PutItem,dynamodb:UpdateItem -> ${one({ 'Fn::GetAtt': [ids.table, 'Arn'] })}`,
        `sns:Publish -> ${one({ Ref: ids.alertTopic })}`,
        `kms:Decrypt,kms:GenerateDataKey* -> ${one({ 'Fn::GetAtt': [ids.key, 'Arn'] })}`,
        'cloudwatch:GetMetricData -> ["*"]',
        `codepipeline:GetPipelineState -> ${JSON.stringify(codePipelineArns('shop-web', 'shop-payments', 'identity'))}`,
        `codepipeline:DisableStageTransition,codepipeline:EnableStageTransition -> ${JSON.stringify(
          codePipelineArns('shop-web/Production', 'shop-payments/Production', 'identity/Prod'),
        )}`,
      ].sort(),
    );
    // No gate names another account: nothing to assume.
    expect(evaluator.flatMap(actionsOf)).not.toContain('sts:AssumeRole');
  });

  it('evaluator: exactly the DynamoDB actions the store calls, unconditioned, on the table alone (never Scan or DeleteItem)', () => {
    const dynamo = policyStatements(template).filter((s) => s.policy === ids.evaluatorPolicy && actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    );
    for (const s of dynamo) {
      expect(s.Resource).toEqual({ 'Fn::GetAtt': [ids.table, 'Arn'] });
      expect(s.Condition).toBeUndefined();
    }
  });

  it('reporter: reads the table; writes only history items (LeadingKeys HIST#*); publishes the report; nothing else', () => {
    const reporter = policyStatements(template).filter((s) => s.policy === ids.reporterPolicy);
    const dynamo = reporter.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const shape = dynamo.map((s) => ({ actions: [...actionsOf(s)].sort(), resource: s.Resource, condition: s.Condition })).sort((a, b) => a.actions.length - b.actions.length);
    expect(shape).toEqual([
      {
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        resource: { 'Fn::GetAtt': [ids.table, 'Arn'] },
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HIST#*'] } },
      },
      { actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'], resource: { 'Fn::GetAtt': [ids.table, 'Arn'] }, condition: undefined },
    ]);
    expect(reporter.find((s) => s.Action === 'sns:Publish')?.Resource).toEqual({ Ref: ids.reportTopic });
    const actions = reporter.flatMap(actionsOf);
    expect(actions.some((a) => a.startsWith('codepipeline:') || a.startsWith('cloudwatch:') || a.startsWith('sts:'))).toBe(false);
  });
});

describe('self-monitoring', () => {
  type AlarmProps = Record<string, unknown> & { AlarmActions: unknown[]; OKActions: unknown[]; MetricName?: string; Namespace?: string };
  const alarms = (): AlarmProps[] => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => (a as { Properties: AlarmProps }).Properties);
  const alarm = (namespace: string, metric: string, dimensionValue?: unknown) => {
    const found = alarms().filter(
      (a) =>
        a.Namespace === namespace &&
        a.MetricName === metric &&
        (dimensionValue === undefined || JSON.stringify(a.Dimensions).includes(JSON.stringify(dimensionValue))),
    );
    expect(found, `${namespace}/${metric}`).toHaveLength(1);
    return found[0] as AlarmProps;
  };

  it('ten alarms, each notifying the operations topic on ALARM and on OK', () => {
    expect(alarms()).toHaveLength(10);
    for (const a of alarms()) {
      expect(a.AlarmActions).toEqual([{ Ref: ids.opsTopic }]);
      expect(a.OKActions).toEqual([{ Ref: ids.opsTopic }]);
    }
  });

  it('evaluator Lambda errors >= 1', () => {
    expect(alarm('AWS/Lambda', 'Errors')).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.evaluator } }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('heartbeat missing for 3 periods of the evaluation interval, missing data breaching', () => {
    expect(alarm('SloContracts', 'Heartbeat')).toMatchObject({
      Dimensions: [{ Name: 'service', Value: 'slo-contracts' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('notifications pending > 0 for 3 periods', () => {
    expect(alarm('SloContracts', 'NotificationsPending')).toMatchObject({
      Dimensions: [{ Name: 'service', Value: 'slo-contracts' }],
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('evaluation errors >= 1', () => {
    expect(alarm('SloContracts', 'EvaluationErrors')).toMatchObject({
      Dimensions: [{ Name: 'service', Value: 'slo-contracts' }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('evaluator duration near its timeout: maximum >= 80 % of 300 s, in milliseconds', () => {
    expect(alarm('AWS/Lambda', 'Duration')).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.evaluator } }],
      Statistic: 'Maximum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 240_000,
    });
  });

  it('evaluator throttled in 2 of 3 intervals', () => {
    expect(alarm('AWS/Lambda', 'Throttles')).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.evaluator } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('reporter not running: no invocation in a whole calendar week (UTC), missing data breaching', () => {
    expect(alarm('AWS/Lambda', 'Invocations')).toMatchObject({
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.reporter } }],
      Statistic: 'Sum',
      Period: 604_800,
      EvaluationPeriods: 1,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      EvaluationWindow: { WallClockWindow: { Timezone: 'UTC' } },
    });
  });

  it('failed deliveries: SNS NumberOfNotificationsFailed of every topic, summed', () => {
    const math = alarms().filter((a) => Array.isArray(a.Metrics));
    expect(math).toHaveLength(1);
    const queries = (math[0] as unknown as { Metrics: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: unknown }[] } } }[] }).Metrics;
    const topics = queries.filter((q) => q.MetricStat).map((q) => ({ metric: q.MetricStat?.Metric.MetricName, topic: q.MetricStat?.Metric.Dimensions[0]?.Value }));
    expect(topics).toEqual(
      [ids.alertTopic, ids.reportTopic, ids.opsTopic].map((t) => ({ metric: 'NumberOfNotificationsFailed', topic: { 'Fn::GetAtt': [t, 'TopicName'] } })),
    );
    expect(queries.find((q) => q.Expression)?.Expression).toBe('FILL(t0, 0) + FILL(t1, 0) + FILL(t2, 0)');
    expect(math[0]).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1 });
  });

  it('new messages (not the depth) in the delivery dead-letter queue and in the failed-invocations queue', () => {
    for (const queue of [ids.queue, ids.deliveryQueue]) {
      expect(alarm('AWS/SQS', 'NumberOfMessagesSent', { 'Fn::GetAtt': [queue, 'QueueName'] })).toMatchObject({
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      });
    }
    expect(alarms().some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(false);
  });

  it('every subscription redrives failed deliveries to the one encrypted, SSL-only dead-letter queue', () => {
    const subs = Object.values(template.findResources('AWS::SNS::Subscription')) as { Properties: { RedrivePolicy?: unknown } }[];
    expect(subs.length).toBeGreaterThan(0);
    for (const sub of subs) expect(sub.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [ids.deliveryQueue, 'Arn'] } });
    expect(template.toJSON().Resources[ids.deliveryQueue].Properties.SqsManagedSseEnabled).toBe(true);
  });
});

describe('dashboard', () => {
  const body = (): string => JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);

  it('graphs budget remaining for every objective of every contract; burn rates only where they are published (opt-in)', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const b = body();
    for (const c of standardContracts()) {
      for (const o of c.spec.objectives) {
        const dims = `\\"Contract\\",\\"${c.metadata.name}\\",\\"Objective\\",\\"${o.name}\\"`;
        expect(b).toContain(`\\"SloContracts\\",\\"BudgetRemaining\\",${dims},\\"service\\",\\"slo-contracts\\"`);
        // Burn-rate metrics are opt-in (publishBurnRates / burnRateMetrics): none of these contracts asks.
        for (const w of BURN_RATE_WINDOWS) {
          expect(b).not.toContain(`\\"SloContracts\\",\\"BurnRate\\",${dims},\\"Window\\",\\"${w}\\",\\"service\\",\\"slo-contracts\\"`);
        }
      }
    }
  });

  it('shows tier changes and evaluator health', () => {
    const b = body();
    for (const metric of ['TierChanges', 'Heartbeat', 'EvaluationErrors']) expect(b).toContain(`\\"SloContracts\\",\\"${metric}\\"`);
    expect(b).toContain('\\"AWS/Lambda\\",\\"Errors\\"');
    expect(b).toContain('\\"AWS/Lambda\\",\\"Duration\\"');
  });
});

describe('outputs', () => {
  it('table name and the three topic ARNs', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.TableName?.Value).toEqual({ Ref: ids.table });
    expect(outputs.AlertTopicArn?.Value).toEqual({ Ref: ids.alertTopic });
    expect(outputs.ReportTopicArn?.Value).toEqual({ Ref: ids.reportTopic });
    expect(outputs.OperationsTopicArn?.Value).toEqual({ Ref: ids.opsTopic });
  });
});
