/**
 * Audiences in the construct: the subscriptions and their filter policies, the topic audience's environment and
 * grant, and the synth errors for audiences nobody defined (bundling skipped, CDK validation off).
 */
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ContractSchema, type Contract } from '../../functions/core/contract.ts';
import { SloContracts, SloContractsConfigError } from '../../lib/index.ts';
import { audienceFilterPolicyJson, audienceProblems, type AudienceDefinitions } from '../../lib/notify/audience-subscriptions.ts';
import { actionsOf, appWithoutBundling, logicalId, makeContract, policyStatements, resourcesOf, synthStack, unvalidatedScratch } from './fixtures.ts';
import { AUDIENCE_POLICY } from '../support/contracts.ts';

const scratch = unvalidatedScratch();

const CHAT = 'arn:aws:sns:us-east-1:123456789012:team-chat';

/** web: its own tiers; warning tells leadership and the web team, frozen tells chat. */
export function webContract(): Contract {
  const c = makeContract('web', { email: ['web@example.com'] });
  return ContractSchema.parse({
    ...c,
    spec: {
      ...c.spec,
      policy: AUDIENCE_POLICY,
    },
  });
}

export const AUDIENCES: AudienceDefinitions = {
  leadership: { email: ['CTO@example.com', 'cto@example.com', 'vp-eng@example.com'], httpsSsmParameter: '/chat/leadership-webhook' },
  'team-web': { email: ['web-leads@example.com'] },
  chat: { topicArn: CHAT },
};

type Sub = { Protocol: string; Endpoint: unknown; TopicArn: { Ref: string }; FilterPolicy?: Record<string, string[]> };

describe('audience subscriptions', () => {
  let template: Template;
  let alert: string;
  let report: string;
  beforeAll(() => {
    template = synthStack(scratch, { contracts: [makeContract('checkout', { email: ['payments@example.com'] }), webContract()], audiences: AUDIENCES }).template;
    alert = logicalId(template, 'AWS::SNS::Topic', 'AlertTopic');
    report = logicalId(template, 'AWS::SNS::Topic', 'ReportTopic');
  }, 60_000);
  const subs = (): Sub[] => Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: Sub }).Properties);
  const filtered = (name: string) => subs().filter((s) => JSON.stringify(s.FilterPolicy) === JSON.stringify(audienceFilterPolicyJson(name)));

  it('leadership: each address once on the alert and the report topic, filtered on audience=leadership', () => {
    const emails = filtered('leadership').filter((s) => s.Protocol === 'email');
    expect(emails.map((s) => [s.Endpoint, s.TopicArn.Ref === alert ? 'alert' : s.TopicArn.Ref === report ? 'report' : '?']).sort()).toEqual(
      [
        ['cto@example.com', 'alert'],
        ['cto@example.com', 'report'],
        ['vp-eng@example.com', 'alert'],
        ['vp-eng@example.com', 'report'],
      ].sort(),
    );
    for (const s of emails) expect(s.FilterPolicy).toEqual({ audience: ['leadership'] });
  });

  it('leadership\'s HTTPS endpoint comes from SSM at deploy, on both topics, same filter', () => {
    const https = filtered('leadership').filter((s) => s.Protocol === 'https');
    expect(https.map((s) => s.TopicArn.Ref).sort()).toEqual([alert, report].sort());
    const params = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    for (const s of https) {
      const ref = (s.Endpoint as { Ref: string }).Ref;
      expect(params[ref]).toMatchObject({ Type: 'AWS::SSM::Parameter::Value<String>', Default: '/chat/leadership-webhook' });
    }
  });

  it('a team audience hears alerts that name it, not the roll-up', () => {
    expect(filtered('team-web').map((s) => [s.Protocol, s.Endpoint, s.TopicArn.Ref])).toEqual([['email', 'web-leads@example.com', alert]]);
  });

  it('a topic audience gets no subscription: both Lambdas copy to it (environment) and may publish there', () => {
    expect(filtered('chat')).toEqual([]);
    for (const fn of ['Evaluator', 'Reporter']) {
      const props = template.toJSON().Resources[logicalId(template, 'AWS::Lambda::Function', fn)].Properties;
      expect(props.Environment.Variables.AUDIENCE_TOPIC_ARNS).toBe(JSON.stringify({ chat: CHAT }));
      const role = logicalId(template, 'AWS::IAM::Policy', `${fn}Role`);
      const publish = policyStatements(template).filter((s) => s.policy === role && actionsOf(s).includes('sns:Publish') && resourcesOf(s).includes(CHAT));
      expect(publish).toHaveLength(1);
    }
  });

  it('contract recipients keep their contract filters; the report topic holds only contract and leadership filters', () => {
    const onReport = subs().filter((s) => s.TopicArn.Ref === report);
    expect(onReport.map((s) => Object.keys(s.FilterPolicy ?? {}).join(',')).sort()).toEqual(['audience', 'audience', 'audience', 'contract', 'contract']);
  });
});

describe('warnings', () => {
  it('an address that is both a recipient and in an audience, and an audience nothing names', () => {
    const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Warn');
    const slo = new SloContracts(stack, 'Slo', {
      contracts: [makeContract('checkout', { email: ['cto@example.com'] })],
      operatorEmails: ['ops@example.com'],
      audiences: { leadership: { email: ['cto@example.com'] }, 'team-mobile': { email: ['mobile@example.com'] } },
    });
    const warnings = slo.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings).toHaveLength(2);
    expect(warnings.some((w) => w.startsWith('cto@example.com is both a contract recipient and in audience "leadership"'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('audience "team-mobile" is defined but no tier names it: it will receive nothing'))).toBe(true);
  });
});

describe('audiences nobody defined fail synth, one line each', () => {
  const build = (contracts: Contract[], audiences?: AudienceDefinitions) => () => {
    new SloContracts(new Stack(new App({ outdir: scratch.outdir(), context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad'), 'Slo', { contracts, operatorEmails: ['ops@example.com'], ...(audiences ? { audiences } : {}) });
  };

  it('the default policy without leadership: says the default policy names it and where to define it', () => {
    expect(build([makeContract('checkout')])).toThrow(SloContractsConfigError);
    expect(build([makeContract('checkout')])).toThrow(
      'audiences:\ncontract checkout: spec.policy.tiers[1].notify[0]: audience "leadership" is not defined for this stack (the default policy\'s warning tier tells leadership): ' +
        'define it once for all contracts (SloContracts prop `audiences`, or "audiences" in the cdk.json context), or take it out of tier "warning" (defined: none)',
    );
  });

  it('a team nobody defined, next to a leadership that is defined', () => {
    expect(build([webContract()], { leadership: { email: ['cto@example.com'] }, chat: { topicArn: CHAT } })).toThrow(
      'contract web: spec.policy.tiers[1].notify[1]: audience "team-web" is not defined for this stack: define it once for all contracts (SloContracts prop `audiences`, or "audiences" in the cdk.json context), or take it out of tier "warning" (defined: chat, leadership)',
    );
  });

  it('definitions that cannot work', () => {
    expect(
      audienceProblems([], {
        Leaders: { email: ['a@example.com'] },
        empty: {},
        bad: { email: ['not-an-address'], topicArn: 'team-chat', httpsSsmParameter: 'chat/url' },
      }),
    ).toEqual([
      'audiences.Leaders: an audience name is lower-case letters, digits and dashes (as tiers write it in notify)',
      'audiences.empty: give at least one destination: email, topicArn or httpsSsmParameter',
      'audiences.bad.email[0]: "not-an-address" is not an email address',
      'audiences.bad.topicArn: "team-chat" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
      'audiences.bad.httpsSsmParameter: must be an SSM parameter name starting with /, e.g. /chat/leadership-webhook',
    ]);
  });
});
