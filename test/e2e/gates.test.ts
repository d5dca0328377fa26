/**
 * End to end, gates: the REAL evaluate handler (its SDK clients built from the environment, with their real
 * timeouts) against moto for CloudWatch, DynamoDB, SNS -> SQS and STS, and the CodePipeline peer for
 * CodePipeline. Contract `checkout` (1 d, 99 %, 300 bad of 18,000: exhausted, so every gate freezes) lists two
 * gates with the same pipeline name: shop-web in the stack's account and shop-web in account 111111111111.
 *
 *  1. CodePipeline hangs (accepts the connection, never answers). The run's gate deadline comes from the
 *     Lambda's remaining time (32 s - 30 s kept for sending = 2 s): the tier change and the page go out,
 *     saying the gates are pending, and nothing is frozen or announced as frozen.
 *  2. CodePipeline answers again; the next run freezes both gates, each in its own account: the remote one
 *     with credentials from AssumeRole on moto's STS for arn:aws:iam::111111111111:role/slo-contracts-gate.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStore, stateTableInput } from '../../functions/adapters/dynamodb.ts';
import { DEFAULT_DATA_LAG_MS } from '../../functions/core/assess.ts';
import type { EvaluatorContext } from '../../functions/handlers/evaluate.ts';
import { checkout, MIN } from '../support/contracts.ts';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailable, receiveEnvelopes, startMoto, useEvaluatorEnvironment, type Moto, type SnsEnvelope } from '../support/moto.ts';
import { PEER_HOME_ACCOUNT, startCodePipelinePeer, type CodePipelinePeer } from '../support/codepipeline-peer.ts';

const available = motoAvailable();
if (!available.ok) console.warn(`${available.why}: end-to-end gate suite skipped`);

const REGION = MOTO_REGION;
const CREDENTIALS = MOTO_CREDENTIALS;
const TABLE = 'slo-contracts-e2e-gates';
const NAMESPACE = 'E2E/Gates';
const REMOTE = '111111111111';
const REMOTE_GATE = `${REMOTE}/${REGION}/shop-web/Production`;

const CHECKOUT = checkout(
  {
    window: { rolling: '1d' },
    objectives: [
      {
        name: 'availability',
        target: 99,
        sli: {
          ratio: {
            good: { namespace: NAMESPACE, metric: 'Good', dimensions: { Service: 'checkout' }, stat: 'Sum' },
            total: { namespace: NAMESPACE, metric: 'Total', dimensions: { Service: 'checkout' }, stat: 'Sum' },
          },
        },
      },
    ],
    gates: [
      { pipeline: 'shop-web', stage: 'Production', critical: false },
      { pipeline: 'shop-web', stage: 'Production', critical: false, account: REMOTE },
    ],
  },
  'checkout',
);

describe.skipIf(!available.ok)('end to end, gates: a hanging CodePipeline never holds back the page; gates in another account through STS', () => {
  let moto: Moto | undefined;
  let peer: CodePipelinePeer;
  let sqs: SQSClient;
  let queueUrl: string;
  let store: DynamoStore;
  let restoreEnv = () => {};
  let handler: (event?: unknown, context?: EvaluatorContext) => Promise<{ notificationsSent: number; errors: number; gates: { id: string; action: string; status: string }[] }>;
  let T1: number;
  /** moto's account for an access key (assumed-role keys belong to the role's account). */
  const accounts = new Map<string, string>();

  async function run(atMs: number, context: EvaluatorContext) {
    const clock = vi.spyOn(Date, 'now').mockReturnValue(atMs);
    const quiet = vi.spyOn(process.stdout, 'write').mockImplementation((() => true) as typeof process.stdout.write);
    try {
      return await handler(undefined, context);
    } finally {
      quiet.mockRestore();
      clock.mockRestore();
    }
  }

  const receive = (count: number, timeoutMs: number) => receiveEnvelopes(sqs, queueUrl, count, timeoutMs);
  const body = (e: SnsEnvelope) => JSON.parse(e.Message) as Record<string, unknown>;

  beforeAll(async () => {
    moto = await startMoto();
    const config = { region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS };
    const ddb = new DynamoDBClient(config);
    await ddb.send(new CreateTableCommand(stateTableInput(TABLE)));
    store = new DynamoStore(DynamoDBDocumentClient.from(ddb), TABLE);
    const sns = new SNSClient(config);
    sqs = new SQSClient(config);
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'slo-contracts-gates' }))).TopicArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'slo-contracts-gates-e2e' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'false' } }));

    // 100 requests a minute for 180 minutes, the last 5 with 60 bad: 300 of 18,000, 180 allowed: exhausted.
    const cw = new CloudWatchClient({ ...config, disableRequestCompression: true });
    // The data ends on a 5-minute boundary: the budget window ends at the last whole 5-minute period.
    const lastMinute = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - MIN;
    T1 = lastMinute + MIN + 30_000 + DEFAULT_DATA_LAG_MS;
    const data: MetricDatum[] = [];
    for (let i = 0; i < 180; i++) {
      const t = new Date(lastMinute - i * MIN);
      const dims = [{ Name: 'Service', Value: 'checkout' }];
      data.push({ MetricName: 'Total', Dimensions: dims, Timestamp: t, Value: 100, Unit: 'Count' }, { MetricName: 'Good', Dimensions: dims, Timestamp: t, Value: i < 5 ? 40 : 100, Unit: 'Count' });
    }
    for (let i = 0; i < data.length; i += 500) await cw.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(i, i + 500) }));

    // The peer learns a caller's account from moto's STS, as AWS would from the access key.
    const endpoint = moto.endpoint;
    peer = await startCodePipelinePeer({
      accountOf: async (accessKeyId) => {
        const known = accounts.get(accessKeyId);
        if (known) return known;
        const sts = new STSClient({ region: REGION, endpoint, credentials: { accessKeyId, secretAccessKey: 'unused' } });
        const account = (await sts.send(new GetCallerIdentityCommand({}))).Account!;
        accounts.set(accessKeyId, account);
        return account;
      },
    });
    peer.addPipeline('shop-web', ['Source', 'Production']);
    peer.addPipeline('shop-web', ['Source', 'Production'], { account: REMOTE });

    restoreEnv = useEvaluatorEnvironment({ endpoint, codePipelineEndpoint: peer.endpoint, tableName: TABLE, topicArn, contracts: [CHECKOUT], service: 'slo-contracts-e2e-gates', logLevel: 'ERROR' });
    vi.resetModules();
    ({ handler } = (await import('../../functions/handlers/evaluate.ts')) as unknown as { handler: typeof handler });
  }, 60_000);

  afterAll(async () => {
    restoreEnv();
    await peer?.stop();
    await moto?.stop();
  });

  it('CodePipeline hangs: the tier change and the page go out, saying the gates are pending; nothing is frozen or announced as frozen', async () => {
    peer.hang('GetPipelineState', { count: 2 });
    // 32 s left in the Lambda, 30 s kept for sending and recording: the gates get 2 s.
    const summary = await run(T1, { getRemainingTimeInMillis: () => 32_000, awsRequestId: 'run-1' });
    expect(summary.gates.map((g) => `${g.id} ${g.action}`).sort()).toEqual([`${REMOTE_GATE} pending`, 'shop-web/Production pending']);
    const messages = await receive(3, 5_000); // one more than expected, so an extra message is seen
    expect(messages.map((e) => `${String(body(e).event)} ${e.MessageAttributes?.severity?.Value}`).sort()).toEqual(['burn-alert page', 'tier-change page']);
    const change = body(messages.find((e) => body(e).event === 'tier-change')!);
    expect(change.gates).toEqual([
      { gate: 'shop-web/Production', frozenByTier: true, action: 'pending', status: 'pending: CodePipeline did not answer in time; retried next run' },
      { gate: REMOTE_GATE, frozenByTier: true, action: 'pending', status: 'pending: CodePipeline did not answer in time; retried next run' },
    ]);
    expect(peer.calls.filter((c) => c.op === 'GetPipelineState').map((c) => c.status)).toEqual(['hung', 'hung']);
    expect(peer.calls.filter((c) => c.op === 'DisableStageTransition')).toHaveLength(0);
    expect(peer.transition('shop-web', 'Production')).toEqual({ enabled: true });
    // Nothing claimed, nothing frozen on the record.
    expect((await store.getGate('shop-web', 'Production'))?.pending).toBeUndefined();
  }, 60_000);

  it('the next run freezes both gates, each in its own account (the remote one through AssumeRole on moto), and announces each once', async () => {
    peer.heal();
    peer.calls.length = 0;
    const summary = await run(T1 + 5 * MIN, { getRemainingTimeInMillis: () => 290_000, awsRequestId: 'run-2' });
    expect(summary.gates.map((g) => `${g.id} ${g.action}`).sort()).toEqual([`${REMOTE_GATE} froze`, 'shop-web/Production froze']);
    expect(summary.errors).toBe(0);

    const disables = peer.calls.filter((c) => c.op === 'DisableStageTransition');
    expect(disables.map((c) => c.account).sort()).toEqual([REMOTE, PEER_HOME_ACCOUNT]);
    const remote = disables.find((c) => c.account === REMOTE)!;
    // Signed with credentials moto issued for the gate role in 111111111111, not the evaluator's own.
    expect(remote.accessKeyId).not.toBe(CREDENTIALS.accessKeyId);
    expect(remote.region).toBe(REGION);
    expect(disables.find((c) => c.account === PEER_HOME_ACCOUNT)?.accessKeyId).toBe(CREDENTIALS.accessKeyId);
    const identity = await new STSClient({ region: REGION, endpoint: moto!.endpoint, credentials: { accessKeyId: remote.accessKeyId!, secretAccessKey: 'unused' } }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${REMOTE}:assumed-role/slo-contracts-gate/slo-contracts-evaluator`);
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: false });
    expect(peer.transition('shop-web', 'Production', { account: REMOTE })).toMatchObject({ enabled: false });

    // Two gates on the record, keyed apart; two freezes, named apart.
    expect(await store.getGate('shop-web', 'Production')).toMatchObject({ disabledByUs: true, outbox: {} });
    expect(await store.getGate('shop-web', 'Production', { account: REMOTE, region: REGION })).toMatchObject({ account: REMOTE, region: REGION, disabledByUs: true, outbox: {} });
    const messages = await receive(3, 5_000);
    expect(messages.map((e) => e.Subject).sort()).toEqual([`[SLO ticket] deployments frozen: ${REMOTE_GATE}`, '[SLO ticket] deployments frozen: shop-web/Production']);
  }, 60_000);
});
