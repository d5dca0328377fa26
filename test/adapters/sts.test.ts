/**
 * Gates in other accounts (aws-sdk-client-mock for STS and CodePipeline): the CodePipeline adapter assumes
 * the right role per account, signs that account's calls with those credentials in the gate's region,
 * caches them until shortly before expiry, and a failed AssumeRole fails only that account's gates.
 */
import { CodePipelineClient, GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCodePipelineGate } from '../../functions/adapters/codepipeline.ts';
import { DEFAULT_GATE_ROLE_ARN_TEMPLATE, GATE_ROLE_SESSION_NAME, RoleArnTemplateError, StsRoleCredentials } from '../../functions/adapters/sts.ts';
import { GateAccessError } from '../../functions/ports.ts';

const HOME = { accessKeyId: 'AKIDHOME', secretAccessKey: 'home' };
const T0 = Date.UTC(2026, 10, 20, 14, 0);
const MIN = 60_000;
const A = '111111111111';
const B = '222222222222';

const sts = mockClient(STSClient);
const cp = mockClient(CodePipelineClient);
afterAll(() => {
  sts.restore();
  cp.restore();
});

let now = T0;
let issued = 0;
/** Each AssumeRole issues fresh credentials for the role's account, valid one hour. */
const assumeRole = (input: { RoleArn: string }) => {
  const account = /::(\d{12}):/.exec(input.RoleArn)?.[1] ?? '?';
  issued++;
  return { Credentials: { AccessKeyId: `ASIA${account}-${issued}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(now + 60 * MIN) } };
};
beforeEach(() => {
  sts.reset();
  cp.reset();
  now = T0;
  issued = 0;
  sts.on(AssumeRoleCommand).callsFake(assumeRole);
  cp.on(GetPipelineStateCommand).resolves({ pipelineName: 'shop-web', stageStates: [{ stageName: 'Source' }, { stageName: 'Production', inboundTransitionState: { enabled: true } }] });
});

function gateWith(template?: string) {
  const roles = new StsRoleCredentials(new STSClient({ region: 'us-east-1', credentials: HOME }), { now: () => now, ...(template ? { roleArnTemplate: template } : {}) });
  return createCodePipelineGate({ clientConfig: { region: 'us-east-1', credentials: HOME }, roles });
}

/** The client a CodePipeline call went through: its region and the access key it signs with. */
async function signedBy(i: number): Promise<{ region: string; accessKeyId: string }> {
  const client = cp.commandCalls(GetPipelineStateCommand)[i]!.thisValue as CodePipelineClient;
  const credentials = await (client.config.credentials as () => Promise<{ accessKeyId: string }>)();
  return { region: await client.config.region(), accessKeyId: credentials.accessKeyId };
}

describe('gates in other accounts', () => {
  it('assume the gate role of each account and call CodePipeline there, in the gate\'s region; home gates assume nothing', async () => {
    const gate = gateWith();
    await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production' });
    await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production', account: A, region: 'eu-west-1' });
    await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production', account: B, region: 'us-west-2' });
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: `arn:aws:iam::${A}:role/slo-contracts-gate`, RoleSessionName: GATE_ROLE_SESSION_NAME, DurationSeconds: 3600 },
      { RoleArn: `arn:aws:iam::${B}:role/slo-contracts-gate`, RoleSessionName: GATE_ROLE_SESSION_NAME, DurationSeconds: 3600 },
    ]);
    expect(await signedBy(0)).toEqual({ region: 'us-east-1', accessKeyId: 'AKIDHOME' });
    expect(await signedBy(1)).toEqual({ region: 'eu-west-1', accessKeyId: `ASIA${A}-1` });
    expect(await signedBy(2)).toEqual({ region: 'us-west-2', accessKeyId: `ASIA${B}-2` });
  });

  it('cache the credentials per account until five minutes before they expire', async () => {
    const gate = gateWith();
    const remote = { pipeline: 'shop-web', stage: 'Production', account: A, region: 'eu-west-1' };
    await gate.getInboundTransition(remote);
    now = T0 + 30 * MIN;
    await gate.getInboundTransition(remote);
    await gate.getInboundTransition({ ...remote, region: 'eu-central-1' }); // same account, another region: same role
    now = T0 + 54 * MIN; // 6 minutes left: still good
    await gate.getInboundTransition(remote);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    now = T0 + 55 * MIN; // 5 minutes left: renewed
    await gate.getInboundTransition(remote);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect((await signedBy(4)).accessKeyId).toBe(`ASIA${A}-2`);
  });

  it('a failed AssumeRole fails only the gates of that account, names the role, and is retried on the next call', async () => {
    sts.on(AssumeRoleCommand, { RoleArn: `arn:aws:iam::${B}:role/slo-contracts-gate` }).rejectsOnce(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }))
      .callsFake(assumeRole);
    const gate = gateWith();
    const err = await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production', account: B }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateAccessError);
    expect((err as Error).message).toContain(`could not assume arn:aws:iam::${B}:role/slo-contracts-gate for the gates in account ${B} (AccessDenied: not authorized`);
    await expect(gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production', account: A })).resolves.toMatchObject({ enabled: true });
    await expect(gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production' })).resolves.toMatchObject({ enabled: true });
    expect(cp.commandCalls(GetPipelineStateCommand)).toHaveLength(2); // B's call never left
    // Not cached: the next call assumes again, and works.
    await expect(gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production', account: B })).resolves.toMatchObject({ enabled: true });
  });

  it('use the role ARN template given (GATE_ROLE_ARN_TEMPLATE), and refuse one without {account}', async () => {
    const gate = gateWith('arn:aws-us-gov:iam::{account}:role/platform/slo-gate');
    await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production', account: A });
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleArn).toBe(`arn:aws-us-gov:iam::${A}:role/platform/slo-gate`);
    expect(() => new StsRoleCredentials(new STSClient({}), { roleArnTemplate: 'arn:aws:iam::111111111111:role/x' })).toThrow(RoleArnTemplateError);
    expect(DEFAULT_GATE_ROLE_ARN_TEMPLATE).toBe('arn:aws:iam::{account}:role/slo-contracts-gate');
  });

  it('a gate adapter built without roles refuses gates in other accounts instead of calling the stack\'s own account', async () => {
    const gate = createCodePipelineGate({ clientConfig: { region: 'us-east-1', credentials: HOME } });
    await expect(gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production', account: A })).rejects.toThrow(GateAccessError);
    expect(cp.commandCalls(GetPipelineStateCommand)).toHaveLength(0);
  });
});
