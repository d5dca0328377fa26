/**
 * Many accounts, on the template: the monitoring account's evaluator may assume exactly the gate role of each
 * other account a gate names (and keeps direct permissions for its own gates); each pipeline account's role
 * trusts exactly the evaluator's role and allows exactly the gated pipelines and stages. cdk-nag AwsSolutions
 * runs on both stacks. Two stacks in one app with concrete environments, as the README's two-account
 * walk-through deploys them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Contract } from '../../functions/core/contract.ts';
import { SloContractsStack, SloGateAccess, SloPipelineAccountStack, gatesInAccount, SloContractsConfigError } from '../../lib/index.ts';
import { LEADERSHIP, Scratch, actionsOf, cdkJsonContext, logicalId, makeContract, policyStatements, resourcesOf, type Statement } from './fixtures.ts';

const MONITORING = '111111111111';
const PIPELINES = '222222222222';
const OTHER = '333333333333';
const REGION = 'eu-west-1';

const scratch = new Scratch();

/** checkout gates a home stage, two stages in PIPELINES (one in another region) and one in OTHER; login shares a PIPELINES stage. */
function contracts(): Contract[] {
  const withAccounts = (c: Contract, gates: Contract['spec']['gates']): Contract => ({ ...c, spec: { ...c.spec, gates } });
  return [
    withAccounts(makeContract('checkout'), [
      { pipeline: 'shop-web', stage: 'Production', critical: false },
      { pipeline: 'payments', stage: 'Prod', critical: true, account: PIPELINES },
      { pipeline: 'payments', stage: 'Canary', critical: false, account: PIPELINES, region: 'us-east-1' },
      { pipeline: 'ledger', stage: 'Prod', critical: true, account: OTHER },
    ]),
    withAccounts(makeContract('login'), [{ pipeline: 'payments', stage: 'Prod', critical: false, account: PIPELINES }]),
  ];
}

let app: App;
let main: SloContractsStack;
let pipelines: SloPipelineAccountStack;
let mainTemplate: Template;
let pipelineTemplate: Template;
let evaluatorRoleName: string;

beforeAll(() => {
  vi.stubEnv('CDK_VALIDATION', 'false');
  app = new App({ outdir: scratch.outdir(), context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  main = new SloContractsStack(app, 'Slo', { env: { account: MONITORING, region: REGION }, contracts: contracts(), audiences: LEADERSHIP, operatorEmails: ['ops@example.com'] });
  pipelines = new SloPipelineAccountStack(app, 'SloGates', {
    env: { account: PIPELINES, region: REGION },
    contracts: contracts(),
    evaluatorRoleArn: main.sloContracts.evaluatorRole.roleArn,
  });
  mainTemplate = Template.fromStack(main);
  pipelineTemplate = Template.fromStack(pipelines);
  const roleId = logicalId(mainTemplate, 'AWS::IAM::Role', 'EvaluatorRole');
  evaluatorRoleName = mainTemplate.toJSON().Resources[roleId].Properties.RoleName as string;
}, 120_000);

afterAll(() => {
  vi.unstubAllEnvs();
  scratch.remove();
});

const roleArn = (account: string, name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/${name}`]] });
/** With a concrete environment CloudFormation sees literal ARNs. */
const cpArn = (region: string, account: string, suffix: string) => `arn:aws:codepipeline:${region}:${account}:${suffix}`;
const sorted = (list: unknown[]) => [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('the monitoring account (SloContracts)', () => {
  const evaluatorStatements = (): (Statement & { policy: string })[] =>
    policyStatements(mainTemplate).filter((s) => s.policy === logicalId(mainTemplate, 'AWS::IAM::Policy', 'EvaluatorRole'));

  it('the evaluator may assume exactly the gate role of each other account a gate names', () => {
    const assume = evaluatorStatements().filter((s) => actionsOf(s).includes('sts:AssumeRole'));
    expect(assume.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
      { actions: ['sts:AssumeRole'], resources: sorted([roleArn(PIPELINES, 'slo-contracts-gate'), roleArn(OTHER, 'slo-contracts-gate')]) },
    ]);
  });

  it('its own gates keep direct CodePipeline permissions; gates in other accounts get none here', () => {
    const cp = evaluatorStatements().filter((s) => actionsOf(s).some((a) => a.startsWith('codepipeline:')));
    expect(cp.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
      { actions: ['codepipeline:GetPipelineState'], resources: [cpArn(REGION, MONITORING, 'shop-web')] },
      { actions: ['codepipeline:DisableStageTransition', 'codepipeline:EnableStageTransition'], resources: [cpArn(REGION, MONITORING, 'shop-web/Production')] },
    ]);
  });

  it('the evaluator has the role ARN template and a stable role name pipeline accounts can trust', () => {
    const env = mainTemplate.toJSON().Resources[logicalId(mainTemplate, 'AWS::Lambda::Function', 'Evaluator')].Properties.Environment.Variables;
    expect(env.GATE_ROLE_ARN_TEMPLATE).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::{account}:role/slo-contracts-gate']] });
    expect(evaluatorRoleName).toMatch(/^[\w+=,.@-]{1,64}$/);
  });

  it('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(nagViolations(main)).toEqual([]);
  });
});

describe('a pipeline account (SloPipelineAccountStack)', () => {
  const role = () => Object.values(pipelineTemplate.findResources('AWS::IAM::Role'))[0] as { Properties: Record<string, unknown> };

  it('one role, named slo-contracts-gate, trusted only by the evaluator role (by ARN, sts:AssumeRole)', () => {
    pipelineTemplate.resourceCountIs('AWS::IAM::Role', 1);
    expect(role().Properties.RoleName).toBe('slo-contracts-gate');
    expect(role().Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MONITORING}:role/${evaluatorRoleName}` } }],
    });
    expect(role().Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('exactly GetPipelineState on the gated pipelines and Disable/EnableStageTransition on the gated stages of this account', () => {
    const statements = policyStatements(pipelineTemplate);
    expect(statements.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s), condition: s.Condition }))).toEqual([
      {
        actions: ['codepipeline:GetPipelineState'],
        resources: sorted([cpArn(REGION, PIPELINES, 'payments'), cpArn('us-east-1', PIPELINES, 'payments')]),
        condition: undefined,
      },
      {
        actions: ['codepipeline:DisableStageTransition', 'codepipeline:EnableStageTransition'],
        resources: sorted([cpArn(REGION, PIPELINES, 'payments/Prod'), cpArn('us-east-1', PIPELINES, 'payments/Canary')]),
        condition: undefined,
      },
    ]);
    // The other account's ledger gate and the home gate are not allowed here.
    expect(JSON.stringify(statements)).not.toMatch(/ledger|shop-web/);
  });

  it('outputs the role ARN', () => {
    expect(Object.keys(pipelineTemplate.toJSON().Outputs)).toEqual(['GateRoleArn']);
  });

  it('cdk-nag AwsSolutions: no finding at all (no wildcard, no managed policy)', () => {
    expect(nagViolations(pipelines)).toEqual([]);
    expect(nagFindingsIgnoringAcks(pipelines)).toEqual([]);
  });
});

describe('SloGateAccess and SloPipelineAccountStack refuse what cannot work', () => {
  it('no gate in the account, no account, no gates, a malformed evaluator role ARN', () => {
    const a = new App({ outdir: scratch.outdir(), context: { 'aws:cdk:bundling-stacks': [] } });
    const arn = `arn:aws:iam::${MONITORING}:role/slo-evaluator`;
    expect(() => new SloPipelineAccountStack(a, 'None', { env: { account: '444444444444' }, contracts: contracts(), evaluatorRoleArn: arn })).toThrow(
      /None: no gate in the contracts names account 444444444444/,
    );
    expect(() => new SloPipelineAccountStack(a, 'NoAccount', { contracts: contracts(), evaluatorRoleArn: arn })).toThrow(SloContractsConfigError);
    const s = new Stack(a, 'Plain');
    expect(() => new SloGateAccess(s, 'Empty', { evaluatorRoleArn: arn, gates: [] })).toThrow(/SloGateAccess has no gates/);
    expect(() => new SloGateAccess(s, 'BadArn', { evaluatorRoleArn: 'slo-evaluator', gates: gatesInAccount(contracts(), PIPELINES) })).toThrow(
      /evaluatorRoleArn is "slo-evaluator": give the ARN of the evaluator's role/,
    );
  });

  it('a custom gate role name reaches both sides, and an explicit evaluator role name is used as given', () => {
    const a = new App({ outdir: scratch.outdir(), context: { 'aws:cdk:bundling-stacks': [] } });
    const m = new SloContractsStack(a, 'M', {
      contracts: contracts(),
      audiences: LEADERSHIP,
      operatorEmails: ['ops@example.com'],
      gateRoleName: 'platform-slo-gate',
      evaluatorRoleName: 'platform-slo-evaluator',
    });
    const p = new SloPipelineAccountStack(a, 'P', {
      pipelineAccount: PIPELINES,
      contracts: contracts(),
      evaluatorRoleArn: `arn:aws:iam::${MONITORING}:role/platform-slo-evaluator`,
      gateRoleName: 'platform-slo-gate',
    });
    const mt = Template.fromStack(m);
    const assume = policyStatements(mt).find((s) => actionsOf(s).includes('sts:AssumeRole'));
    expect(resourcesOf(assume as Statement)).toEqual(sorted([roleArn(PIPELINES, 'platform-slo-gate'), roleArn(OTHER, 'platform-slo-gate')]));
    mt.hasResourceProperties('AWS::IAM::Role', { RoleName: 'platform-slo-evaluator' });
    Template.fromStack(p).hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'platform-slo-gate',
      AssumeRolePolicyDocument: { Statement: [{ Principal: { AWS: `arn:aws:iam::${MONITORING}:role/platform-slo-evaluator` } }] },
    });
  });
});

interface Violation {
  ruleName: string;
}

/** Violations AwsSolutionsChecks reports for the stack, acknowledgements honoured (as at synth). */
function nagViolations(stack: Stack): string[] {
  return new AwsSolutionsChecks().validateScope(stack).violations.map((v: Violation) => v.ruleName);
}

/** Every finding, acknowledgements ignored. */
function nagFindingsIgnoringAcks(stack: Stack): string[] {
  const pack = new AwsSolutionsChecks();
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return pack.validateScope(stack).violations.map((v: Violation) => v.ruleName);
}

// Synth through the validation plugin once, to be sure the report path works for a two-stack app too.
describe('synth with the AwsSolutions plugin', () => {
  it('writes a validation report without violations for both stacks', () => {
    const outdir = scratch.outdir();
    const a = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const m = new SloContractsStack(a, 'Slo', { env: { account: MONITORING, region: REGION }, contracts: contracts(), audiences: LEADERSHIP, operatorEmails: ['ops@example.com'] });
    new SloPipelineAccountStack(a, 'SloGates', { env: { account: PIPELINES, region: REGION }, contracts: contracts(), evaluatorRoleArn: m.sloContracts.evaluatorRole.roleArn });
    Validations.of(a).addPlugins(new AwsSolutionsChecks(a));
    a.synth();
    const report = path.join(outdir, 'validation-report.json');
    expect(existsSync(report)).toBe(true);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(parsed.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });
});
