/**
 * Contracts and helpers shared by the CDK tests. Contracts are built through the real zod schema, so they
 * carry the defaults the loader would fill in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ContractSchema, type Contract, type ContractInput } from '../../functions/core/contract.ts';
import type { SloContractsProps } from '../../lib/slo-contracts.ts';
import { SloContractsStack, type SloContractsStackProps } from '../../lib/slo-contracts-stack.ts';
import { SIGN_OFFS } from '../support/contracts.ts';

export interface ContractOpts {
  objectives?: string[];
  gates?: { pipeline: string; stage: string; critical?: boolean }[];
  email?: string[];
  pager?: string;
  target?: number;
}

export function makeContract(name: string, opts: ContractOpts = {}): Contract {
  const input: ContractInput = {
    apiVersion: 'slo-contracts/v1',
    kind: 'SloContract',
    metadata: { name, journey: `User can use ${name}`, owner: 'team-test' },
    spec: {
      signedOff: SIGN_OFFS,
      reviewBy: '2027-02-01',
      window: { rolling: '30d' },
      objectives: (opts.objectives ?? ['availability']).map((o) => ({
        name: o,
        target: opts.target ?? 99.9,
        sli: {
          ratio: {
            good: { namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_2XX_Count', dimensions: { LoadBalancer: `app/${name}/1` } },
            total: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dimensions: { LoadBalancer: `app/${name}/1` } },
          },
        },
      })),
      policy: {},
      gates: opts.gates ?? [],
      notify: { email: opts.email ?? [], ...(opts.pager ? { pager: { ssmParameter: opts.pager } } : {}) },
    },
  };
  return ContractSchema.parse(input);
}

/**
 * checkout: two objectives, two gates, two addresses, the shared pager.
 * login: one gate, shares an address (in another case) and the pager with checkout.
 * search: no gates, its own pager parameter.
 */
export function standardContracts(): Contract[] {
  return [
    makeContract('checkout', {
      objectives: ['availability', 'latency'],
      gates: [
        { pipeline: 'shop-web', stage: 'Production' },
        { pipeline: 'shop-payments', stage: 'Production', critical: true },
      ],
      email: ['sre@example.com', 'payments@example.com'],
      pager: '/oncall/pagerduty-url',
    }),
    makeContract('login', {
      gates: [{ pipeline: 'identity', stage: 'Prod' }],
      email: ['SRE@example.com'],
      pager: '/oncall/pagerduty-url',
    }),
    makeContract('search', { email: ['search-team@example.com'], pager: '/oncall/search/pager-url' }),
  ];
}

/**
 * Every synth writes a cloud assembly; without an outdir CDK leaves it in the OS temp folder. Tests give
 * each app a folder under one root per test file and remove the root in afterAll.
 */
export class Scratch {
  readonly root = mkdtempSync(path.join(tmpdir(), 'slo-cdk-test-'));
  private n = 0;
  outdir(): string {
    return mkdtempSync(path.join(this.root, `out${this.n++}-`));
  }
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * A Scratch for a test file whose synths skip CloudFormation template validation (CDK_VALIDATION=false, half
 * the time; app.test.ts keeps one fully validated synth): the environment is restored and the folders removed
 * after the file's tests.
 */
export function unvalidatedScratch(): Scratch {
  const scratch = new Scratch();
  beforeAll(() => {
    vi.stubEnv('CDK_VALIDATION', 'false');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    scratch.remove();
  });
  return scratch;
}

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** The feature flags the CLI passes from cdk.json, so tests synthesise what `cdk synth` would. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/** An app with cdk.json's flags, writing to `outdir`. */
export function testApp(outdir: string, opts: { bundling?: boolean } = {}): App {
  return new App({ outdir, context: { ...cdkJsonContext(), ...(opts.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
}

/** An app whose stacks skip asset bundling: the handlers are not compiled, the asset hash is a placeholder. */
export function appWithoutBundling(outdir: string): App {
  return testApp(outdir, { bundling: false });
}

/** The operator the tests name unless a case names its own (synth refuses alarms that reach nobody). */
export const TEST_OPERATOR = 'ops@example.com';

/** Props with TEST_OPERATOR added when the case names no operator. */
export function withOperator<P extends SloContractsProps>(props: P): P {
  const named =
    props.operatorEmails !== undefined || props.operationsTopic !== undefined || props.operationsPager !== undefined || props.alarmActions !== undefined || props.allowAlarmsWithoutOperators !== undefined;
  return named ? props : { ...props, operatorEmails: [TEST_OPERATOR] };
}

/** The leadership audience the default policy's warning tier names: every stack of default-policy contracts needs it. */
export const LEADERSHIP = { leadership: { email: ['leadership@example.com'] } } as const;

/** Synthesises a stack; without `audiences` in `props` it defines LEADERSHIP (the test contracts use the default policy). */
export function synthStack(
  scratch: Scratch,
  props: SloContractsStackProps,
  opts: { bundling?: boolean } = {},
): { stack: Stack; template: Template } {
  const outdir = scratch.outdir();
  const app = testApp(outdir, { bundling: opts.bundling ?? false });
  const stack = new SloContractsStack(app, 'Test', withOperator({ audiences: LEADERSHIP, ...props }));
  return { stack, template: Template.fromStack(stack) };
}

/** `arn:${Partition}:codepipeline:${Region}:${Account}:<suffix>` as CloudFormation renders it. */
export function codePipelineArn(suffix: string): unknown {
  return {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':codepipeline:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${suffix}`],
    ],
  };
}

export type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of every AWS::IAM::Policy, tagged with the logical id of its policy. */
export function policyStatements(template: Template): (Statement & { policy: string })[] {
  const out: (Statement & { policy: string })[] = [];
  for (const [id, res] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const doc = (res as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument;
    for (const s of doc.Statement) out.push({ ...s, policy: id });
  }
  return out;
}

/** A statement's resources as a list sorted by their JSON: IAM policy minimisation reorders them. */
export function resourcesOf(s: Statement): unknown[] {
  const list = Array.isArray(s.Resource) ? [...(s.Resource as unknown[])] : [s.Resource];
  return list.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** codePipelineArn for each suffix, in the order resourcesOf sorts them. */
export function codePipelineArns(...suffixes: string[]): unknown[] {
  return suffixes.map(codePipelineArn).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

export function logicalId(template: Template, type: string, pathFragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(pathFragment));
  if (ids.length !== 1) throw new Error(`expected one ${type} whose logical id contains ${pathFragment}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}
