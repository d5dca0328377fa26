/**
 * How the template follows the contracts and the props: gates drive IAM, props drive schedules and
 * alarms, bad props fail synth with a message that says what to change, and a contract change reaches
 * the Lambda bundle (a new asset hash).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { loadContractsOrThrow } from '../../functions/contracts/loader.ts';
import { SloContracts, SloContractsConfigError } from '../../lib/index.ts';
import { LEADERSHIP, unvalidatedScratch, actionsOf, appWithoutBundling, codePipelineArns, logicalId, makeContract, policyStatements, resourcesOf, synthStack as synthIn, withOperator } from './fixtures.ts';

const scratch = unvalidatedScratch();
const synthStack = (...args: Parameters<typeof synthIn> extends [unknown, ...infer R] ? R : never) => synthIn(scratch, ...args);

const pipelineStatements = (template: Template) =>
  policyStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('codepipeline:')));

describe('gates drive the pipeline permissions', () => {
  it('a second pipeline adds its pipeline and stage ARNs, and nothing else changes', () => {
    const one = synthStack({ contracts: [makeContract('checkout', { gates: [{ pipeline: 'shop-web', stage: 'Production' }] })] }).template;
    const two = synthStack({
      contracts: [
        makeContract('checkout', {
          gates: [
            { pipeline: 'shop-web', stage: 'Production' },
            { pipeline: 'shop-payments', stage: 'Deploy', critical: true },
          ],
        }),
      ],
    }).template;
    expect(pipelineStatements(one).map(resourcesOf)).toEqual([codePipelineArns('shop-web'), codePipelineArns('shop-web/Production')]);
    expect(pipelineStatements(two).map(resourcesOf)).toEqual([
      codePipelineArns('shop-web', 'shop-payments'),
      codePipelineArns('shop-web/Production', 'shop-payments/Deploy'),
    ]);
    const others = (t: Template) => policyStatements(t).filter((s) => !actionsOf(s).some((a) => a.startsWith('codepipeline:')));
    expect(others(two)).toEqual(others(one));
  });

  it('two stages of one pipeline, gated by two contracts: the pipeline ARN once, both stage ARNs', () => {
    const { template } = synthStack({
      contracts: [
        makeContract('checkout', { gates: [{ pipeline: 'shop', stage: 'Staging' }] }),
        makeContract('login', { gates: [{ pipeline: 'shop', stage: 'Production' }, { pipeline: 'shop', stage: 'Staging' }] }),
      ],
    });
    expect(pipelineStatements(template).map(resourcesOf)).toEqual([codePipelineArns('shop'), codePipelineArns('shop/Staging', 'shop/Production')]);
  });

  it('a gate in another region of the same account: its ARNs name that region; no role to assume', () => {
    const contract = makeContract('checkout');
    const { template } = synthStack({ contracts: [{ ...contract, spec: { ...contract.spec, gates: [{ pipeline: 'shop', stage: 'Prod', critical: false, region: 'us-west-2' }] } }] });
    const inRegion = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codepipeline:us-west-2:', { Ref: 'AWS::AccountId' }, `:${suffix}`]] });
    expect(pipelineStatements(template).map(resourcesOf)).toEqual([[inRegion('shop')], [inRegion('shop/Prod')]]);
    expect(policyStatements(template).flatMap(actionsOf)).not.toContain('sts:AssumeRole');
  });

  it('no gates: no codepipeline statement at all', () => {
    const { template } = synthStack({ contracts: [makeContract('checkout'), makeContract('login')] });
    expect(pipelineStatements(template)).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('codepipeline');
  });
});

describe('props', () => {
  it('evaluationInterval sets the rate, the alarm periods and the evaluator environment', () => {
    const { template } = synthStack({ contracts: [makeContract('checkout')], evaluationInterval: Duration.minutes(1) });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Heartbeat', Period: 60, EvaluationPeriods: 3 });
    const evaluator = template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', 'Evaluator')].Properties;
    expect(evaluator.Environment.Variables.EVALUATION_PERIOD_MINUTES).toBe('1');
    expect(evaluator.Timeout).toBeLessThanOrEqual(60);
  });

  it('burn-rate metrics are opt-in: no PUBLISH_BURN_RATES and no burn graphs by default; per stack or per contract when asked', () => {
    const evaluatorEnv = (template: Template) => template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', 'Evaluator')].Properties.Environment.Variables;
    const dashboardBody = (template: Template) => JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    const plain = synthStack({ contracts: [makeContract('checkout')] }).template;
    expect(evaluatorEnv(plain).PUBLISH_BURN_RATES).toBeUndefined();
    expect(dashboardBody(plain)).not.toContain('checkout availability: burn rate');
    expect(dashboardBody(plain)).toContain('checkout: budget remaining');

    const stackWide = synthStack({ contracts: [makeContract('checkout')], publishBurnRates: true, rebuildDatapoints: 2_000_000 }).template;
    expect(evaluatorEnv(stackWide)).toMatchObject({ PUBLISH_BURN_RATES: 'true', REBUILD_DATAPOINTS: '2000000' });
    expect(dashboardBody(stackWide)).toContain('burn rate');

    const optedIn = { ...makeContract('search'), spec: { ...makeContract('search').spec, burnRateMetrics: true } };
    const perContract = synthStack({ contracts: [makeContract('checkout'), optedIn] }).template;
    expect(evaluatorEnv(perContract).PUBLISH_BURN_RATES).toBeUndefined();
    expect(dashboardBody(perContract)).toContain('search');
    expect(dashboardBody(perContract)).toMatch(/search [a-z-]+: burn rate/);
    expect(dashboardBody(perContract)).not.toMatch(/checkout [a-z-]+: burn rate/);
  });

  it('reportSchedule, overrideHonourTime, historyRetentionDays, logRetention and logLevel reach the template', () => {
    const { template } = synthStack({
      contracts: [makeContract('checkout')],
      reportSchedule: events.Schedule.cron({ minute: '30', hour: '7', weekDay: 'FRI' }),
      overrideHonourTime: Duration.minutes(90),
      historyRetentionDays: 730,
      logRetention: 30,
      logLevel: 'DEBUG',
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(30 7 ? * FRI *)' });
    const env = template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', 'Evaluator')].Properties.Environment.Variables;
    expect(env).toMatchObject({ OVERRIDE_HONOUR_MINUTES: '90', HISTORY_RETENTION_DAYS: '730', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    for (const lg of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect((lg as { Properties: { RetentionInDays: number } }).Properties.RetentionInDays).toBe(30);
    }
  });

  it('an existing operations topic receives the alarms and no topic of ours is created for it', () => {
    const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Own');
    const ops = sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:eu-west-1:111122223333:platform-ops');
    new SloContracts(stack, 'Slo', { contracts: [makeContract('checkout')], operationsTopic: ops, operatorEmails: ['oncall@example.com'], audiences: LEADERSHIP });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 2);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(10);
    for (const a of alarms) expect((a as { Properties: { AlarmActions: unknown } }).Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:111122223333:platform-ops']);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:platform-ops',
    });
  });

  it('operatorEmails subscribe to the operations topic created by the construct', () => {
    const { template } = synthStack({ contracts: [makeContract('checkout')], operatorEmails: ['Ops@example.com', 'ops@example.com'] });
    const ops = logicalId(template, 'AWS::SNS::Topic', 'OperationsTopic');
    const subs = Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: ops } } }));
    expect(subs.map((s) => (s as { Properties: { Endpoint: string } }).Properties.Endpoint)).toEqual(['ops@example.com']);
  });
});

describe('contracts given as a folder', () => {
  it('are loaded and validated at synth, the same as loaded objects', () => {
    // The example contracts name leadership and team-web (defined in cdk.json's context for the app).
    const audiences = { ...LEADERSHIP, 'team-web': { email: ['web-leads@example.com'] } };
    const fromFolder = synthStack({ contracts: 'contracts', audiences }).template;
    const loaded = synthStack({ contracts: loadContractsOrThrow('contracts').map((c) => c.contract), audiences }).template;
    expect(fromFolder.toJSON()).toEqual(loaded.toJSON());
  });

  it('an invalid file in the folder stops synth naming the file and the path', () => {
    expect(() => synthStack({ contracts: 'test/contracts/fixtures/bad/target-100.yaml' })).toThrow(
      'test/contracts/fixtures/bad/target-100.yaml: spec.objectives[0].target: must be below 100',
    );
  });
});

describe('bad props fail synth with a message that says what to change', () => {
  const build = (props: Partial<ConstructorParameters<typeof SloContracts>[2]>) => () => {
    const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Bad');
    new SloContracts(stack, 'Slo', withOperator({ contracts: [makeContract('checkout')], audiences: LEADERSHIP, ...props }));
  };

  it('historyRetentionDays below 400', () => {
    expect(build({ historyRetentionDays: 399 })).toThrow(SloContractsConfigError);
    expect(build({ historyRetentionDays: 399 })).toThrow(/historyRetentionDays is 399: .*at least 400/);
    expect(build({ historyRetentionDays: 400.5 })).toThrow(/whole days/);
    expect(build({ historyRetentionDays: 400 })).not.toThrow();
  });

  it('evaluationInterval that is not whole minutes, or too long for a one-day alarm', () => {
    expect(build({ evaluationInterval: Duration.seconds(90) })).toThrow(/evaluationInterval is 90 s: use a whole number of minutes/);
    expect(build({ evaluationInterval: Duration.hours(9) })).toThrow(/evaluationInterval is 540 minutes: use 1 to 480 minutes/);
  });

  it('overrideHonourTime that is not whole minutes', () => {
    expect(build({ overrideHonourTime: Duration.seconds(30) })).toThrow(/overrideHonourTime is 30 s/);
  });

  it('no contracts, duplicate names, or a contract the schema rejects', () => {
    expect(build({ contracts: [] })).toThrow(/contracts is empty/);
    expect(build({ contracts: [makeContract('checkout'), makeContract('checkout')] })).toThrow(
      /contracts\[1\] \(checkout\): metadata.name: duplicate contract name "checkout"/,
    );
    const broken = makeContract('checkout');
    (broken.spec.objectives[0] as { target: number }).target = 100;
    expect(build({ contracts: [broken] })).toThrow(/contracts\[0\] \(checkout\): spec.objectives.0.target: must be below 100/);
  });
});

describe('contracts travel inside the bundle', () => {
  const evaluatorAsset = (template: Template): string =>
    template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', 'Evaluator')].Properties.Code.S3Key as string;

  it(
    'the same contracts give the same asset; a changed target gives a new one',
    () => {
      const a = evaluatorAsset(synthStack({ contracts: [makeContract('checkout', { target: 99.9 })] }, { bundling: true }).template);
      const again = evaluatorAsset(synthStack({ contracts: [makeContract('checkout', { target: 99.9 })] }, { bundling: true }).template);
      const changed = evaluatorAsset(synthStack({ contracts: [makeContract('checkout', { target: 99.95 })] }, { bundling: true }).template);
      expect(again).toBe(a);
      expect(changed).not.toBe(a);
    },
    120_000,
  );
});
