/**
 * The evaluation fanned out by contract shard (shardObjectives): a Step Functions Distributed Map runs the
 * evaluator per shard, then once for the gates; the schedule starts the state machine; the evaluator may run
 * every shard at once, each with its share of the GetMetricData quota; cdk-nag stays clean.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { SloContractsStack } from '../../lib/slo-contracts-stack.ts';
import { LEADERSHIP, appWithoutBundling, logicalId, makeContract, unvalidatedScratch } from './fixtures.ts';

const scratch = unvalidatedScratch();

describe('fan-out by contract shard', () => {
  // Five contracts of one objective, at most two objectives an invocation: three shards.
  const outdir = scratch.outdir();
  const app = appWithoutBundling(outdir);
  const stack = new SloContractsStack(app, 'Fanned', { contracts: ['a', 'b', 'c', 'd', 'e'].map((n) => makeContract(n)), audiences: LEADERSHIP, operatorEmails: ['ops@example.com'], shardObjectives: 2 });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let synthError: unknown;
  try {
    app.synth();
  } catch (err) {
    synthError = err;
  }
  const template = Template.fromStack(stack);

  it('the schedule starts a state machine with one item per shard; shards run in a Distributed Map, then the gates phase', () => {
    const definition = JSON.stringify(Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0]);
    expect(definition).toContain('DISTRIBUTED');
    expect(definition).toContain('\\"MaxConcurrency\\":3');
    expect(definition).toContain('\\"phase\\":\\"gates\\"');
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find((r) => JSON.stringify(r).includes('rate(5 minutes)')) as { Properties: { Targets: { Input: string; Arn: unknown }[] } };
    const input = JSON.parse(rule.Properties.Targets[0]!.Input) as { shards: unknown[] };
    expect(input.shards).toEqual([0, 1, 2].map((index) => ({ phase: 'objectives', shard: { index, count: 3 } })));
    expect(JSON.stringify(rule.Properties.Targets[0]!.Arn)).toContain('StateMachine');
  });

  it('the evaluator may run every shard at once, each with a third of the default half of the quota', () => {
    const evaluator = template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', 'Evaluator')].Properties;
    expect(evaluator.ReservedConcurrentExecutions).toBe(3);
    expect(Number(evaluator.Environment.Variables.QUOTA_SHARE)).toBeCloseTo(0.5 / 3, 12);
  });

  it('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    const reportFile = path.join(outdir, 'validation-report.json');
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('below the threshold the schedule invokes the evaluator directly, one at a time', () => {
    const small = new SloContractsStack(appWithoutBundling(scratch.outdir()), 'Single', { contracts: [makeContract('a')], audiences: LEADERSHIP, operatorEmails: ['ops@example.com'] });
    const t = Template.fromStack(small);
    expect(Object.keys(t.findResources('AWS::StepFunctions::StateMachine'))).toEqual([]);
    expect(t.toJSON().Resources[logicalId(t, 'AWS::Lambda::Function', 'Evaluator')].Properties.ReservedConcurrentExecutions).toBe(1);
  });
});
