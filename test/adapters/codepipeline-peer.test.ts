/**
 * The real CodePipelineGate through a real SDK client against the CodePipeline peer (JSON 1.1 over HTTP on
 * 127.0.0.1): reads, freezes and lifts as CodePipeline would answer, maps its errors, and gives up on a
 * hanging call when told (abort signal) or when its request timeout passes, instead of waiting forever.
 */
import { CodePipelineClient, DisableStageTransitionCommand } from '@aws-sdk/client-codepipeline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CODEPIPELINE_TIMEOUTS, CodePipelineGate, createCodePipelineGate } from '../../functions/adapters/codepipeline.ts';
import { GateNotFoundError } from '../../functions/ports.ts';
import { PEER_REGION, startCodePipelinePeer, type CodePipelinePeer } from '../support/codepipeline-peer.ts';

const CREDENTIALS = { accessKeyId: 'AKIDHOME', secretAccessKey: 'x' };
const REASON = 'slo-contracts froze this stage - checkout availability budget exhausted (-12 pct) since 2026-11-20 14.05 UTC';
const WEB = { pipeline: 'shop-web', stage: 'Production' };

let peer: CodePipelinePeer;
const clientConfig = () => ({ endpoint: peer.endpoint, region: PEER_REGION, credentials: CREDENTIALS, maxAttempts: 1 });

beforeAll(async () => {
  peer = await startCodePipelinePeer({ now: () => Date.UTC(2026, 10, 20, 14, 5) });
});
afterAll(() => peer.stop());
beforeEach(() => {
  peer.addPipeline('shop-web', ['Source', 'Staging', 'Production']);
  peer.calls.length = 0;
});

describe('CodePipelineGate against the CodePipeline peer', () => {
  it('disables, reads and enables the Inbound transition, as CodePipeline records it', async () => {
    const gate = new CodePipelineGate(new CodePipelineClient(clientConfig()));
    expect(await gate.getInboundTransition(WEB)).toEqual({ enabled: true });
    await gate.disableInbound(WEB, REASON);
    expect(await gate.getInboundTransition(WEB)).toEqual({
      enabled: false,
      disabledReason: REASON,
      lastChangedBy: 'arn:aws:sts::123456789012:assumed-role/caller/AKIDHOME',
      lastChangedAt: Date.UTC(2026, 10, 20, 14, 5),
    });
    await gate.enableInbound(WEB);
    expect(await gate.getInboundTransition(WEB)).toMatchObject({ enabled: true });
    expect(peer.calls.map((c) => `${c.op} ${c.status}`)).toEqual([
      'GetPipelineState 200',
      'DisableStageTransition 200',
      'GetPipelineState 200',
      'EnableStageTransition 200',
      'GetPipelineState 200',
    ]);
    expect(peer.calls[1]?.input).toEqual({ pipelineName: 'shop-web', stageName: 'Production', transitionType: 'Inbound', reason: REASON });
    expect(peer.calls[1]?.region).toBe(PEER_REGION);
  });

  it('sees what a person does in the console', async () => {
    const gate = new CodePipelineGate(new CodePipelineClient(clientConfig()));
    peer.console.disable('shop-web', 'Production', 'release freeze for the holidays', 'arn:aws:iam::123456789012:user/kim');
    expect(await gate.getInboundTransition(WEB)).toMatchObject({ enabled: false, disabledReason: 'release freeze for the holidays', lastChangedBy: 'arn:aws:iam::123456789012:user/kim' });
  });

  it('maps the peer\'s PipelineNotFoundException and StageNotFoundException to GateNotFoundError, naming the gate', async () => {
    const gate = new CodePipelineGate(new CodePipelineClient(clientConfig()));
    await expect(gate.getInboundTransition({ pipeline: 'nope', stage: 'Production' })).rejects.toThrow(GateNotFoundError);
    await expect(gate.disableInbound({ pipeline: 'shop-web', stage: 'Prod' }, REASON)).rejects.toThrow(/shop-web\/Prod not found \(StageNotFoundException/);
    await expect(gate.enableInbound({ pipeline: 'gone', stage: 'Production' })).rejects.toThrow(/gone\/Production not found \(PipelineNotFoundException/);
    await expect(gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Source' })).rejects.toThrow(/no inbound transition/);
  });

  it('the peer refuses what the API reference refuses: bad reasons, bad names, bad transition types', async () => {
    const raw = new CodePipelineClient(clientConfig());
    const send = (input: Record<string, string>) => raw.send(new DisableStageTransitionCommand({ pipelineName: 'shop-web', stageName: 'Production', transitionType: 'Inbound', reason: REASON, ...input } as never));
    await expect(send({ reason: 'at 14:05, 5% left' })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(send({ reason: 'x'.repeat(301) })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(send({ pipelineName: 'shop web' })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(send({ transitionType: 'Sideways' })).rejects.toMatchObject({ name: 'ValidationException' });
    expect(peer.transition('shop-web', 'Production')).toEqual({ enabled: true });
  });

  it('gives up on a hanging call when the run\'s deadline aborts it', async () => {
    const gate = new CodePipelineGate(new CodePipelineClient(clientConfig()));
    peer.hang('GetPipelineState');
    const controller = new AbortController();
    const call = gate.getInboundTransition(WEB, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.hanging).toBe(1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('gives up on a hanging call when its request timeout passes (the SDK would otherwise wait forever)', async () => {
    const gate = new CodePipelineGate(new CodePipelineClient({ ...clientConfig(), requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } }));
    peer.hang('EnableStageTransition', { apply: true });
    await expect(gate.enableInbound(WEB)).rejects.toMatchObject({ name: 'TimeoutError' });
    // The call reached CodePipeline before the answer was lost: the next read shows it.
    expect(await gate.getInboundTransition(WEB)).toMatchObject({ enabled: true });
  });

  it('createCodePipelineGate gives its client connect and request timeouts', async () => {
    const gate = createCodePipelineGate({ clientConfig: clientConfig() });
    await gate.getInboundTransition(WEB);
    const handler = (gate as unknown as { client: CodePipelineClient }).client.config.requestHandler as unknown as { httpHandlerConfigs(): Record<string, unknown> };
    expect(handler.httpHandlerConfigs()).toMatchObject(CODEPIPELINE_TIMEOUTS);
  });
});
