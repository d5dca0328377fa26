import {
  CodePipelineClient,
  DisableStageTransitionCommand,
  EnableStageTransitionCommand,
  GetPipelineStateCommand,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodePipelineGate, InvalidTransitionReasonError, createCodePipelineGate } from '../../functions/adapters/codepipeline.ts';
import { GateNotFoundError } from '../../functions/ports.ts';

const client = new CodePipelineClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const cp = mockClient(client);
const CHANGED = Date.UTC(2026, 10, 20, 14, 5, 0);
const REASON = 'slo-contracts froze this stage - checkout availability budget exhausted (-12 pct) since 2026-11-20 14.05 UTC';

const notFound = (name: string) => Object.assign(new Error(`${name} thrown`), { name });

beforeEach(() => {
  cp.reset();
});

describe('CodePipelineGate.getInboundTransition', () => {
  beforeEach(() => {
    cp.on(GetPipelineStateCommand).resolves({
      pipelineName: 'shop-web',
      stageStates: [
        { stageName: 'Source' },
        { stageName: 'Staging', inboundTransitionState: { enabled: true, lastChangedBy: 'arn:aws:iam::1:user/ana', lastChangedAt: new Date(CHANGED) } },
        {
          stageName: 'Production',
          inboundTransitionState: { enabled: false, disabledReason: REASON, lastChangedBy: 'arn:aws:sts::1:assumed-role/slo/evaluator', lastChangedAt: new Date(CHANGED) },
        },
      ],
    });
  });

  it('reads the disabled transition with reason, who and when (epoch ms)', async () => {
    const state = await new CodePipelineGate(client).getInboundTransition({ pipeline: 'shop-web', stage: 'Production' });
    expect(state).toEqual({ enabled: false, disabledReason: REASON, lastChangedBy: 'arn:aws:sts::1:assumed-role/slo/evaluator', lastChangedAt: CHANGED });
    expect(cp).toHaveReceivedCommandExactlyOnceWith(GetPipelineStateCommand, { name: 'shop-web' });
    expect(cp.commandCalls(GetPipelineStateCommand)[0]!.args[0].input).toEqual({ name: 'shop-web' });
  });

  it('reads an enabled transition', async () => {
    expect(await new CodePipelineGate(client).getInboundTransition({ pipeline: 'shop-web', stage: 'Staging' })).toEqual({
      enabled: true,
      lastChangedBy: 'arn:aws:iam::1:user/ana',
      lastChangedAt: CHANGED,
    });
  });

  it('throws GateNotFoundError for a stage missing from the state, naming pipeline and stage', async () => {
    const err = await new CodePipelineGate(client).getInboundTransition({ pipeline: 'shop-web', stage: 'Prod' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateNotFoundError);
    expect((err as Error).message).toMatch(/shop-web\/Prod/);
  });

  it('throws GateNotFoundError for the first stage, which has no inbound transition', async () => {
    await expect(new CodePipelineGate(client).getInboundTransition({ pipeline: 'shop-web', stage: 'Source' })).rejects.toThrow(/no inbound transition/);
  });

  it('maps PipelineNotFoundException to GateNotFoundError', async () => {
    cp.on(GetPipelineStateCommand).rejects(notFound('PipelineNotFoundException'));
    const err = await new CodePipelineGate(client).getInboundTransition({ pipeline: 'nope', stage: 'Production' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateNotFoundError);
    expect((err as Error).message).toContain('nope/Production');
    expect((err as Error).cause).toMatchObject({ name: 'PipelineNotFoundException' });
  });

  it('lets other errors through unchanged', async () => {
    cp.on(GetPipelineStateCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(new CodePipelineGate(client).getInboundTransition({ pipeline: 'shop-web', stage: 'Production' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('CodePipelineGate.disableInbound / enableInbound', () => {
  it('disables the Inbound transition with the reason', async () => {
    cp.on(DisableStageTransitionCommand).resolves({});
    await new CodePipelineGate(client).disableInbound({ pipeline: 'shop-web', stage: 'Production' }, REASON);
    expect(cp.commandCalls(DisableStageTransitionCommand).map((c) => c.args[0].input)).toEqual([
      { pipelineName: 'shop-web', stageName: 'Production', transitionType: 'Inbound', reason: REASON },
    ]);
  });

  it('enables the Inbound transition', async () => {
    cp.on(EnableStageTransitionCommand).resolves({});
    await new CodePipelineGate(client).enableInbound({ pipeline: 'shop-web', stage: 'Production' });
    expect(cp.commandCalls(EnableStageTransitionCommand).map((c) => c.args[0].input)).toEqual([
      { pipelineName: 'shop-web', stageName: 'Production', transitionType: 'Inbound' },
    ]);
  });

  it.each([
    ['a percent sign', 'budget at 5% left'],
    ['a colon', 'frozen since 14:05'],
    ['a comma', 'frozen, sorry'],
    ['an underscore', 'checkout_availability'],
    ['a slash', 'shop-web/Production'],
    ['a newline', 'frozen\nagain'],
    ['nothing', ''],
    ['301 characters', 'x'.repeat(301)],
  ])('refuses a reason with %s without calling CodePipeline', async (_what, reason) => {
    await expect(new CodePipelineGate(client).disableInbound({ pipeline: 'shop-web', stage: 'Production' }, reason)).rejects.toThrow(InvalidTransitionReasonError);
    expect(cp).toHaveReceivedCommandTimes(DisableStageTransitionCommand, 0);
  });

  it('accepts a reason of exactly 300 allowed characters', async () => {
    cp.on(DisableStageTransitionCommand).resolves({});
    await new CodePipelineGate(client).disableInbound({ pipeline: 'shop-web', stage: 'Production' }, 'a!@ ().*?-'.repeat(30));
    expect(cp).toHaveReceivedCommandTimes(DisableStageTransitionCommand, 1);
  });

  it('maps StageNotFoundException on disable and enable to GateNotFoundError', async () => {
    cp.on(DisableStageTransitionCommand).rejects(notFound('StageNotFoundException'));
    cp.on(EnableStageTransitionCommand).rejects(notFound('PipelineNotFoundException'));
    const gate = new CodePipelineGate(client);
    await expect(gate.disableInbound({ pipeline: 'shop-web', stage: 'Prod' }, REASON)).rejects.toThrow(GateNotFoundError);
    await expect(gate.enableInbound({ pipeline: 'gone', stage: 'Production' })).rejects.toThrow(/gone\/Production/);
  });
});

describe('createCodePipelineGate', () => {
  it('builds a gate on its own client (no network until called)', () => {
    expect(createCodePipelineGate({ clientConfig: { region: 'eu-west-1' } })).toBeInstanceOf(CodePipelineGate);
  });
});
