/**
 * Alarms reach a person: synth refuses unnamed operators, the heartbeat alarm can page, alarm actions reach
 * every alarm, and the dashboard follows its prop and the number of objectives.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { SloContracts, SloContractsConfigError, type SloContractsProps } from '../../lib/index.ts';
import { LEADERSHIP, unvalidatedScratch, actionsOf, appWithoutBundling, logicalId, makeContract, policyStatements, synthStack as synthIn } from './fixtures.ts';

const scratch = unvalidatedScratch();
const synthStack = (...args: Parameters<typeof synthIn> extends [unknown, ...infer R] ? R : never) => synthIn(scratch, ...args);

const build = (props: Partial<SloContractsProps>) => () => {
  const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Ops');
  new SloContracts(stack, 'Slo', { contracts: [makeContract('checkout')], audiences: LEADERSHIP, ...props });
  return Template.fromStack(stack);
};

type AlarmProps = { AlarmActions?: unknown[]; OKActions?: unknown[]; MetricName?: string };
const alarmsOf = (t: Template): AlarmProps[] => Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => (a as { Properties: AlarmProps }).Properties);

describe('operators must be named', () => {
  it('synth fails with one line naming every way to name them, unless opted out', () => {
    expect(build({})).toThrow(SloContractsConfigError);
    let message = '';
    try {
      build({})();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toHaveLength(1);
    for (const way of ['operatorEmails', 'operationsTopic', 'operationsPager', 'alarmActions', 'allowAlarmsWithoutOperators']) expect(message).toContain(way);
  });

  it.each<[string, Partial<SloContractsProps>]>([
    ['emails', { operatorEmails: ['ops@example.com'] }],
    ['a pager', { operationsPager: { ssmParameter: '/oncall/ops-pager-url' } }],
    ['alarm actions', { alarmActions: [new cwActions.SnsAction(sns.Topic.fromTopicArn(new Stack(appWithoutBundling(scratch.outdir()), 'Chat'), 'T', 'arn:aws:sns:eu-west-1:111122223333:chat'))] }],
    ['the explicit opt-out', { allowAlarmsWithoutOperators: true }],
  ])('%s satisfy it', (_, props) => {
    expect(build(props)).not.toThrow();
  });

  it('an existing topic satisfies it', () => {
    const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Own');
    const ops = sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:eu-west-1:111122223333:platform-ops');
    expect(() => new SloContracts(stack, 'Slo', { contracts: [makeContract('checkout')], audiences: LEADERSHIP, operationsTopic: ops })).not.toThrow();
  });

  it('an operator address that is not one is refused', () => {
    expect(build({ operatorEmails: ['ops@example.com', 'not-an-email'] })).toThrow(/operatorEmails: "not-an-email" is not an email address/);
  });
});

describe('the operations pager', () => {
  let template: Template;
  beforeAll(() => {
    template = synthStack({ contracts: [makeContract('checkout')], operatorEmails: ['ops@example.com'], operationsPager: { ssmParameter: '/oncall/ops-pager-url' } }).template;
  });

  it('is an HTTPS subscription on a topic of its own, endpoint from SSM, redriven to the delivery dead-letter queue', () => {
    const pageTopic = logicalId(template, 'AWS::SNS::Topic', 'OperationsPageTopic');
    const subs = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: pageTopic } } })) as {
      Properties: { Protocol: string; Endpoint: { Ref: string }; RedrivePolicy: unknown };
    }[];
    expect(subs).toHaveLength(1);
    const sub = subs[0]?.Properties;
    expect(sub?.Protocol).toBe('https');
    const params = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    expect(params[sub?.Endpoint.Ref ?? '']).toMatchObject({ Type: 'AWS::SSM::Parameter::Value<String>', Default: '/oncall/ops-pager-url' });
    expect(sub?.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'DeliveryFailures'), 'Arn'] } });
    // KMS-encrypted, and CloudWatch alarms of this account may publish to it.
    expect(template.toJSON().Resources[pageTopic].Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { Topics: [{ Ref: pageTopic }] });
    expect(JSON.stringify(template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [{ Ref: pageTopic }] } }))).toContain('cloudwatch.amazonaws.com');
  });

  it('is paged by the missing-heartbeat alarm only; every alarm still goes to the operations topic', () => {
    const pageTopic = logicalId(template, 'AWS::SNS::Topic', 'OperationsPageTopic');
    const opsTopic = logicalId(template, 'AWS::SNS::Topic', 'OperationsTopic');
    const paging = alarmsOf(template).filter((a) => JSON.stringify(a.AlarmActions).includes(pageTopic));
    expect(paging.map((a) => a.MetricName)).toEqual(['Heartbeat']);
    expect(paging[0]?.AlarmActions).toEqual([{ Ref: opsTopic }, { Ref: pageTopic }]);
    for (const a of alarmsOf(template)) expect(a.AlarmActions).toContainEqual({ Ref: opsTopic });
  });

  it('its failed deliveries are counted with the other topics', () => {
    const pageTopic = logicalId(template, 'AWS::SNS::Topic', 'OperationsPageTopic');
    const math = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => JSON.stringify(a).includes('NumberOfNotificationsFailed'));
    expect(JSON.stringify(math)).toContain(JSON.stringify({ 'Fn::GetAtt': [pageTopic, 'TopicName'] }));
    expect(JSON.stringify(math)).toContain('FILL(t3, 0)');
  });

  it('a parameter name without a leading slash is refused', () => {
    expect(build({ operationsPager: { ssmParameter: 'oncall/url' } })).toThrow(/operationsPager.ssmParameter is "oncall\/url": give the name of a String parameter starting with \//);
  });
});

describe('alarm actions and the dashboard', () => {
  it('alarmActions reach every alarm, on ALARM and OK, after the operations topic', () => {
    const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Actions');
    const chat = sns.Topic.fromTopicArn(stack, 'Chat', 'arn:aws:sns:eu-west-1:111122223333:chat');
    new SloContracts(stack, 'Slo', { contracts: [makeContract('checkout')], audiences: LEADERSHIP, alarmActions: [new cwActions.SnsAction(chat)] });
    const template = Template.fromStack(stack);
    const ops = { Ref: logicalId(template, 'AWS::SNS::Topic', 'OperationsTopic') };
    const alarms = alarmsOf(template);
    expect(alarms).toHaveLength(10);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([ops, chat.topicArn]);
      expect(a.OKActions).toEqual([ops, chat.topicArn]);
    }
  });

  it('dashboard: false creates none', () => {
    const { template } = synthStack({ contracts: [makeContract('checkout')], dashboard: false });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
  });

  it('beyond 50 objectives the dashboard draws every objective by SEARCH instead of a graph each', () => {
    const contracts = Array.from({ length: 26 }, (_, i) => makeContract(`journey-${i}`, { objectives: ['availability', 'errors'] }));
    const { template } = synthStack({ contracts });
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    expect(body).toContain('SEARCH(');
    expect(body).toContain('all 52 objectives');
    expect(body).not.toContain('journey-0: budget remaining');
    const small = synthStack({ contracts: contracts.slice(0, 25) }).template;
    const smallBody = JSON.stringify(Object.values(small.findResources('AWS::CloudWatch::Dashboard'))[0]);
    expect(smallBody).not.toContain('SEARCH(');
    expect(smallBody).toContain('journey-0: budget remaining');
  });
});

describe('function props', () => {
  it('memory, timeouts and tracing reach both functions', () => {
    const { template } = synthStack({
      contracts: [makeContract('checkout')],
      evaluatorMemorySize: 1024,
      evaluatorTimeout: Duration.minutes(4),
      reporterMemorySize: 512,
      reporterTimeout: Duration.minutes(10),
      tracing: lambda.Tracing.ACTIVE,
    });
    const fn = (fragment: string) => template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', fragment)].Properties;
    expect(fn('Evaluator')).toMatchObject({ MemorySize: 1024, Timeout: 240, TracingConfig: { Mode: 'Active' } });
    expect(fn('Reporter')).toMatchObject({ MemorySize: 512, Timeout: 600, TracingConfig: { Mode: 'Active' } });
    // The near-timeout alarm follows the evaluator's timeout (80 % of 240 s, in ms).
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', Threshold: 192_000 });
    // X-Ray is the only other action on "*".
    const star = policyStatements(template).filter((s) => JSON.stringify(s.Resource).includes('"*"'));
    expect(star.flatMap(actionsOf).sort()).toEqual(['cloudwatch:GetMetricData', 'xray:PutTelemetryRecords', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments', 'xray:PutTraceSegments']);
  });

  it('defaults: 512 MB / 5 min evaluator, 256 MB / 2 min reporter, no tracing', () => {
    const { template } = synthStack({ contracts: [makeContract('checkout')] });
    const fn = (fragment: string) => template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', fragment)].Properties;
    expect(fn('Evaluator')).toMatchObject({ MemorySize: 512, Timeout: 300 });
    expect(fn('Reporter')).toMatchObject({ MemorySize: 256, Timeout: 120 });
    expect(fn('Evaluator').TracingConfig).toBeUndefined();
  });

  it.each<[string, Partial<SloContractsProps>, RegExp]>([
    ['an evaluator timeout longer than the interval', { evaluatorTimeout: Duration.minutes(6) }, /evaluatorTimeout is 360 s: use whole seconds from 1 to 300 \(at most the evaluation interval/],
    ['a reporter timeout over 15 minutes', { reporterTimeout: Duration.minutes(16) }, /reporterTimeout is 960 s: use whole seconds from 1 to 900/],
    ['memory below Lambda minimum', { evaluatorMemorySize: 64 }, /Evaluator memorySize is 64: use a whole number of MB from 128 to 10240/],
    ['a monthly report', { reportSchedule: events.Schedule.cron({ minute: '0', hour: '9', day: '1' }) }, /reportSchedule is cron\(0 9 1 \* \? \*\): the report must run at least once per calendar week/],
    ['a fortnightly rate', { reportSchedule: events.Schedule.rate(Duration.days(14)) }, /reportSchedule is rate\(14 days\)/],
    ['a gate role name IAM refuses', { gateRoleName: 'slo gate' }, /gateRoleName is "slo gate": an IAM role name is 1 to 64/],
  ])('%s is refused', (_, props, message) => {
    expect(build({ operatorEmails: ['ops@example.com'], ...props })).toThrow(message);
  });

  it('a daily report is accepted', () => {
    expect(build({ operatorEmails: ['ops@example.com'], reportSchedule: events.Schedule.cron({ minute: '0', hour: '9' }) })).not.toThrow();
  });
});
