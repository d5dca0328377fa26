/**
 * End to end against moto: the REAL evaluate handler (module init reads the environment, every adapter builds
 * its SDK client from it) reads CloudWatch, writes DynamoDB and publishes to SNS on one moto server; SNS is read
 * back through an SQS subscription. CodePipeline is not emulated by moto: the handler's client talks to the
 * CodePipeline peer (test/support/codepipeline-peer.ts, JSON 1.1 over HTTP, through AWS_ENDPOINT_URL_CODEPIPELINE),
 * which validates names and reasons as the API does, and the exact requests it received are asserted.
 *
 * Scenario (contract `checkout`, ratio SLI Good/Total, target 99 %, rolling 1 d):
 *   100 requests a minute for the last 180 whole minutes = 18,000 events; the last 5 of those minutes have
 *   60 bad requests each = 300 bad. Allowed bad = 1 % of 18,000 = 180, so remaining = 100 * (1 - 300/180)
 *   = -66.67 % (overspent): tier `exhausted`, which freezes every gate (non-critical and critical).
 *   Burn rates (1 d window: factors 0.48 page-fast 1h/5m, 0.2 page-slow 6h/30m, 0.0333 ticket 3d/6h):
 *   1 d and 3 d both see all 18,000 events -> 300/18,000/0.01 = 1.667; the 5 m look-back is mostly bad; so all
 *   three alerts fire.
 *   Run 1 happens 30 s into the minute after the data, plus the evaluator's 3-minute data lag (the clock port is
 *   Date.now, pinned per run), so every
 *   look-back is exact: 5m 300/500, 30m 300/3,000, 1h 300/6,000, 6h/1d/3d 300/18,000, each / 0.01.
 * A second contract (`search`) reads a metric nobody ever put: `no-data`, no tier, no freeze, and it comes FIRST
 * in the bundle so a failure there would have stopped `checkout`.
 * Run 2 is a duplicate delivery 20 s later (same data: nothing written for checkout, nothing announced); run 3 is
 * the next scheduled run 5 minutes later (state written, tier held, nothing announced).
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStore, stateTableInput } from '../../functions/adapters/dynamodb.ts';
import { DEFAULT_DATA_LAG_MS } from '../../functions/core/assess.ts';
import type { Contract } from '../../functions/core/contract.ts';
import { checkout, HOUR, MIN } from '../support/contracts.ts';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailable, receiveEnvelopes, startMoto, useEvaluatorEnvironment, type Moto, type SnsEnvelope } from '../support/moto.ts';
import { startCodePipelinePeer, type CodePipelinePeer } from '../support/codepipeline-peer.ts';

const available = motoAvailable();
if (!available.ok) console.warn(`${available.why}: end-to-end suite skipped`);

const REGION = MOTO_REGION;
const CREDENTIALS = MOTO_CREDENTIALS;
const TABLE = 'slo-contracts-e2e';
const NAMESPACE = 'E2E/Shop';
/**
 * The console reason CodePipeline accepts: 1-300 characters of [a-zA-Z0-9!@ ()\.*?-] (DisableStageTransition API);
 * written here without the escape, which a character class does not need. Kept apart from core/reason.ts on purpose.
 */
const API_REASON = /^[a-zA-Z0-9!@ ().*?-]{1,300}$/;

// Traffic: requests per minute, minutes of history, and the burst at the end of it.
const RATE = 100;
const MINUTES = 180;
const BURST_MINUTES = 5;
const BAD_PER_BURST_MINUTE = 60;
const TOTAL = RATE * MINUTES; // 18,000 events
const BAD = BURST_MINUTES * BAD_PER_BURST_MINUTE; // 300 bad
const ALLOWED_BAD = 0.01 * TOTAL; // 180 at 99 %

const ratio = (service: string, good: string, total: string) => ({
  ratio: {
    good: { namespace: NAMESPACE, metric: good, dimensions: { Service: service }, stat: 'Sum' as const },
    total: { namespace: NAMESPACE, metric: total, dimensions: { Service: service }, stat: 'Sum' as const },
  },
});

const CHECKOUT: Contract = checkout({ window: { rolling: '1d' }, objectives: [{ name: 'availability', target: 99, sli: ratio('checkout', 'Good', 'Total') }] }, 'checkout');
// Never put: the series returns no datapoints at all.
const SEARCH: Contract = checkout(
  {
    window: { rolling: '1d' },
    objectives: [{ name: 'availability', target: 99, sli: ratio('search', 'SearchGood', 'SearchTotal') }],
    gates: [{ pipeline: 'shop-search', stage: 'Production', critical: false }],
  },
  'search',
);

describe.skipIf(!available.ok)('end to end against moto: a spent budget freezes, announces once, and is recorded', () => {
  let moto: Moto | undefined;
  let sqs: SQSClient;
  let queueUrl: string;
  let topicArn: string;
  let store: DynamoStore;
  let restoreEnv = () => {};
  let peer: CodePipelinePeer;
  /** What the peer received: operations answered (not failed), with their inputs. */
  const peerReceived = (op: string) => peer.calls.filter((c) => c.op === op && c.status === 200).map((c) => c.input);
  let handler: () => Promise<{ objectives: number; tierChanges: number; notificationsSent: number; notificationsPending: number; errors: number }>;
  /** Start of the last minute with data (epoch ms); run 1 happens at T1. */
  let lastMinute: number;
  let T1: number;

  const FILTERED = {
    pager: { severity: ['page'] },
    'checkout-email': { contract: ['checkout'] },
    'login-email': { contract: ['login'] },
  } as const;
  const filteredUrls: Record<string, string> = {};

  /**
   * Runs the handler once with its clock (Date.now) pinned at `atMs`, keeping the EMF documents Powertools writes to stdout (one JSON line each, as Lambda
   * ships them to CloudWatch Logs) out of the test output and returning them for assertions.
   */
  async function run(atMs: number) {
    const emf: Record<string, unknown>[] = [];
    const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array) => boolean;
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (!text.startsWith('{"_aws"')) return write(chunk);
      for (const line of text.split('\n')) if (line.trim()) emf.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    }) as typeof process.stdout.write);
    const clock = vi.spyOn(Date, 'now').mockReturnValue(atMs);
    try {
      return { summary: await handler(), emf };
    } finally {
      clock.mockRestore();
      spy.mockRestore();
    }
  }

  /** Receives until `count` messages arrived or `timeoutMs` passed; deletes what it received. */
  const receive = (count: number, timeoutMs: number, url = queueUrl) => receiveEnvelopes(sqs, url, count, timeoutMs);

  beforeAll(async () => {
    moto = await startMoto();
    const endpoint = moto.endpoint;
    const config = { region: REGION, endpoint, credentials: CREDENTIALS };

    // DynamoDB: the state table, keyed as the CDK construct keys it.
    const ddb = new DynamoDBClient(config);
    await ddb.send(new CreateTableCommand(stateTableInput(TABLE)));
    store = new DynamoStore(DynamoDBDocumentClient.from(ddb), TABLE);

    // SNS topic -> SQS queue, enveloped (RawMessageDelivery false) so subject and attributes come through.
    const sns = new SNSClient(config);
    sqs = new SQSClient(config);
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'slo-contracts-alerts' }))).TopicArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'slo-contracts-alerts-e2e' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    // What real SQS needs before SNS may deliver (moto does not enforce it).
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': topicArn } } },
            ],
          }),
        },
      }),
    );
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'false' } }));

    // Filtered subscribers, with the filter policies the CDK construct gives the pager and the email
    // addresses: the pager hears only severity=page, an address only the contracts that list it.
    for (const [name, policy] of Object.entries(FILTERED)) {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: `slo-contracts-${name}` }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'false', FilterPolicy: JSON.stringify(policy) } }));
      filteredUrls[name] = url;
    }

    // CloudWatch: the last MINUTES whole minutes, the burst in the last BURST_MINUTES of them. Datapoints sit on
    // minute starts, the boundaries GetMetricData's 60 s periods are aligned to.
    // moto's server gunzips a request twice (its WSGI wrapper, then its response layer), so the SDK's gzip of
    // PutMetricData bodies over 10 KiB fails there with BadGzipFile: send them uncompressed.
    const cw = new CloudWatchClient({ ...config, disableRequestCompression: true });
    // The data ends on a 5-minute boundary: the budget window ends at the last whole 5-minute period.
    lastMinute = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - MIN;
    // 30 s into the minute after the data, plus the evaluator's data lag (it judges data up to now - lag).
    T1 = lastMinute + MIN + 30_000 + DEFAULT_DATA_LAG_MS;
    const data: MetricDatum[] = [];
    for (let i = 0; i < MINUTES; i++) {
      const t = lastMinute - i * MIN;
      const bad = i < BURST_MINUTES ? BAD_PER_BURST_MINUTE : 0;
      const dims = [{ Name: 'Service', Value: 'checkout' }];
      data.push({ MetricName: 'Total', Dimensions: dims, Timestamp: new Date(t), Value: RATE, Unit: 'Count' });
      data.push({ MetricName: 'Good', Dimensions: dims, Timestamp: new Date(t), Value: RATE - bad, Unit: 'Count' });
    }
    // PutMetricData takes at most 1,000 datums per call.
    for (let i = 0; i < data.length; i += 500) {
      await cw.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(i, i + 500) }));
    }

    // CodePipeline: not in moto; the peer, with every pipeline Source -> Production.
    peer = await startCodePipelinePeer();
    for (const name of ['shop-web', 'shop-payments', 'shop-search']) peer.addPipeline(name, ['Source', 'Production']);

    // The Lambda's environment, as the construct sets it, plus the emulator endpoint for every client.
    restoreEnv = useEvaluatorEnvironment({ endpoint, codePipelineEndpoint: peer.endpoint, tableName: TABLE, topicArn, contracts: [SEARCH, CHECKOUT], service: 'slo-contracts-e2e', logLevel: 'WARN' });
    vi.resetModules();
    ({ handler } = await import('../../functions/handlers/evaluate.ts'));
  }, 60_000);

  afterAll(async () => {
    await peer?.stop();
    restoreEnv();
    await moto?.stop();
  });

  it('first run: exhausted, both gates frozen with valid reasons, four SNS messages, state and history in DynamoDB', async () => {
    const { summary, emf } = await run(T1);
    expect(summary).toMatchObject({ objectives: 2, tierChanges: 1, notificationsSent: 4, notificationsPending: 0, errors: 0 });

    // DynamoDB: the objective state as the store reads it back.
    const states = await store.getObjectiveStates([
      { contract: 'checkout', objective: 'availability' },
      { contract: 'search', objective: 'availability' },
    ]);
    const state = states.get('checkout#availability');
    expect(state).toBeDefined();
    expect(state!.status).toBe('ok');
    expect(state!.tier).toBe('exhausted');
    expect(state!.remainingPct).toBeLessThan(0);
    expect(state!.remainingPct).toBeCloseTo(100 * (1 - BAD / ALLOWED_BAD), 6); // -66.67 %
    expect(state!.tierSince).toBe(T1);
    expect(state!.burnRates['5m']).toBeCloseTo(BAD / 500 / 0.01, 6); // 60
    expect(state!.burnRates['30m']).toBeCloseTo(BAD / 3_000 / 0.01, 6); // 10
    expect(state!.burnRates['1h']).toBeCloseTo(BAD / 6_000 / 0.01, 6); // 5
    for (const lb of ['6h', '1d', '3d']) expect(state!.burnRates[lb]).toBeCloseTo(BAD / TOTAL / 0.01, 6); // 1.667
    expect([...state!.activeAlerts].sort()).toEqual(['page-fast', 'page-slow', 'ticket']);
    // One conditional put (version 1), then a claim and a completion per sent notification (the tier
    // change and the fast-burn page; page-slow and ticket started with it and are recorded, not sent): 1 + 2 * 2.
    expect(state!.version).toBe(5);
    expect(state!.outbox).toEqual({});
    const history = await store.queryHistory('objective:checkout#availability', 0, T1 + HOUR);
    expect(history.find((h) => h.type === 'tier-change')?.detail).toMatchObject({ from: null, to: 'exhausted' });
    expect(history.filter((h) => h.type === 'burn-alert').map((h) => h.detail.alert)).toEqual(['page-fast', 'page-slow', 'ticket']);
    expect(history.filter((h) => h.type === 'burn-alert').map((h) => h.detail.announced)).toEqual([true, false, false]);
    expect(history.filter((h) => h.type === 'notification-sent')).toHaveLength(2);

    // EMF metrics: the budget of checkout, and a NoData count that says why search has none.
    expect(emf.find((d) => d.Contract === 'checkout' && 'BudgetRemaining' in d)?.BudgetRemaining as number).toBeCloseTo(100 * (1 - BAD / ALLOWED_BAD), 6);
    expect(emf.filter((d) => 'NoData' in d).map((d) => [d.Contract, d.NoData])).toEqual([['search', 1]]);
    expect(emf.find((d) => 'Heartbeat' in d)).toMatchObject({ Heartbeat: 1, EvaluationErrors: 0, TierChanges: 1, NotificationsPending: 0 });

    // The contract without data: no-data, no tier, no freeze; it did not stop checkout.
    expect(states.get('search#availability')).toMatchObject({ status: 'no-data', tier: null, remainingPct: null, version: 1, outbox: {} });
    expect(states.get('search#availability')?.statusDetail).toMatch(/no datapoints/);
    // History keeps events, not runs: one status change into no-data.
    expect((await store.queryHistory('objective:search#availability', 0, T1 + HOUR)).map((h) => [h.type, h.detail.to])).toEqual([['status', 'no-data']]);

    // CodePipeline: exactly the two gates of checkout, Inbound, with the reason the console shows.
    const iso = new Date(T1).toISOString();
    const reason = `slo-contracts froze this stage - checkout availability budget exhausted (-67 pct) since ${iso.slice(0, 10)} ${iso.slice(11, 13)}.${iso.slice(14, 16)} UTC`;
    // Gates are reconciled concurrently: the order of the calls is not part of the contract.
    const byPipeline = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.pipelineName).localeCompare(String(b.pipelineName));
    const disables = peerReceived('DisableStageTransition').sort(byPipeline);
    expect(disables).toEqual([
      { pipelineName: 'shop-payments', stageName: 'Production', transitionType: 'Inbound', reason },
      { pipelineName: 'shop-web', stageName: 'Production', transitionType: 'Inbound', reason },
    ]);
    for (const d of disables) expect(d.reason).toMatch(API_REASON);
    // Each gate read once, claimed, disabled; the claim's outcome is recorded from the call itself.
    expect(peerReceived('GetPipelineState').map((i) => i.name).sort()).toEqual(['shop-payments', 'shop-web']);
    expect(peerReceived('EnableStageTransition')).toHaveLength(0);
    expect(peer.transition('shop-web', 'Production')).toMatchObject({ enabled: false, disabledReason: reason });
    const web = await store.getGate('shop-web', 'Production');
    expect(web).toMatchObject({ disabledByUs: true, disabledReason: reason, holders: { 'checkout#availability': T1 }, outbox: {} });
    expect(await store.getGate('shop-search', 'Production')).toMatchObject({ disabledByUs: false, holders: {} });

    // SNS, read back through SQS: the envelope, its attributes, and the sqs body of the json structure.
    const received = await receive(4, 20_000);
    expect(received).toHaveLength(4);
    // Filter policies: the pager gets the two pages, checkout's address all four (the freezes carry the
    // contracts of the gate as a String.Array), login's address nothing.
    // Waits for one message more than expected, so a delivery that should not happen is seen.
    const subjectsOf = async (name: string, expected: number) =>
      (await receive(expected + 1, 3_000, filteredUrls[name])).map((e) => e.Subject).sort();
    const pages = received.filter((e) => e.MessageAttributes?.severity?.Value === 'page').map((e) => e.Subject).sort();
    expect(pages).toHaveLength(2);
    expect(await subjectsOf('pager', 2)).toEqual(pages);
    expect(await subjectsOf('checkout-email', 4)).toEqual(received.map((e) => e.Subject).sort());
    expect(await subjectsOf('login-email', 0)).toEqual([]);
    for (const e of received) {
      expect(e.Type).toBe('Notification');
      expect(e.TopicArn).toBe(topicArn);
    }
    const attrs = (e: SnsEnvelope) => Object.fromEntries(Object.entries(e.MessageAttributes ?? {}).map(([k, v]) => [k, `${v.Type}:${v.Value}`]));
    const byKey = new Map(received.map((e) => {
      const body = JSON.parse(e.Message) as Record<string, unknown>;
      return [`${String(body.event)} ${String(body.alert ?? body.pipeline ?? '')}`.trim(), { envelope: e, body }] as const;
    }));
    expect([...byKey.keys()].sort()).toEqual(['burn-alert page-fast', 'freeze shop-payments', 'freeze shop-web', 'tier-change']);

    const change = byKey.get('tier-change')!;
    expect(change.envelope.Subject).toBe('[SLO page] checkout/availability: none -> exhausted (-67 % budget left)');
    expect(attrs(change.envelope)).toEqual({
      contract: 'String:checkout',
      objective: 'String:availability',
      tier: 'String:exhausted',
      previousTier: 'String:none',
      severity: 'String:page',
      event: 'String:tier-change',
    });
    // The sqs key of the json structure (the JSON payload), not the default key (the email text).
    expect(change.body).toMatchObject({ event: 'tier-change', contract: 'checkout', objective: 'availability', previousTier: null, tier: 'exhausted', severity: 'page', targetPct: 99 });
    expect(change.body.remainingPct as number).toBeCloseTo(100 * (1 - BAD / ALLOWED_BAD), 6);
    expect(change.body.freezes).toEqual(['shop-web/Production', 'shop-payments/Production']);
    // What actually happened to each gate in this run, rendered when the message was sent.
    expect(change.body.gates).toEqual([
      { gate: 'shop-web/Production', frozenByTier: true, action: 'froze', status: 'frozen now (held by checkout#availability)' },
      { gate: 'shop-payments/Production', frozenByTier: true, action: 'froze', status: 'frozen now (held by checkout#availability)' },
    ]);

    const pageFast = byKey.get('burn-alert page-fast')!;
    expect(attrs(pageFast.envelope)).toMatchObject({ severity: 'String:page', event: 'String:burn-alert', tier: 'String:exhausted', contract: 'String:checkout' });
    // The alerts that started with it are named in the one page, not sent on their own.
    expect(pageFast.body.alsoFiring).toEqual(['page-slow', 'ticket']);

    const freeze = byKey.get('freeze shop-payments')!;
    expect(freeze.envelope.Subject).toBe('[SLO ticket] deployments frozen: shop-payments/Production');
    expect(attrs(freeze.envelope)).toEqual({
      contract: 'String.Array:["checkout"]', // every contract that lists the gate
      objective: 'String:-',
      tier: 'String:-',
      previousTier: 'String:-',
      severity: 'String:ticket',
      event: 'String:freeze',
    });
    expect(freeze.body).toMatchObject({ event: 'freeze', pipeline: 'shop-payments', stage: 'Production', holders: ['checkout#availability'], reason });
  });

  // The next tests continue the first (same moto, table, queue and fake pipelines): run them together, in order.
  it('a duplicate delivery 20 s later: the data was already judged, nothing is written or announced', async () => {
    const { summary, emf } = await run(T1 + 20_000);
    expect(summary).toMatchObject({ objectives: 2, tierChanges: 0, notificationsSent: 0, notificationsPending: 0, errors: 0 });
    // moto delivers SNS -> SQS inside Publish, so anything sent is already in the queue when the handler returns.
    expect(await receive(1, 3_000)).toEqual([]);
    expect(peerReceived('DisableStageTransition')).toHaveLength(2);
    expect(peerReceived('EnableStageTransition')).toHaveLength(0);
    const states = await store.getObjectiveStates([
      { contract: 'checkout', objective: 'availability' },
      { contract: 'search', objective: 'availability' },
    ]);
    // Same last complete minute as run 1: checkout's record is left exactly as run 1 left it.
    expect(states.get('checkout#availability')).toMatchObject({ tier: 'exhausted', version: 5, lastEvaluatedAt: T1, outbox: {} });
    // The contract without data was judged up to the same minute too: its record stays as run 1 left it.
    expect(states.get('search#availability')).toMatchObject({ status: 'no-data', tier: null, version: 1, lastEvaluatedAt: T1 });
    expect(emf.find((d) => 'Heartbeat' in d)).toMatchObject({ Heartbeat: 1, EvaluationErrors: 0, TierChanges: 0 });
  });

  it('the next scheduled run 5 minutes later: state moves on, the tier and freezes hold, nothing is announced', async () => {
    const T3 = T1 + 5 * MIN;
    const { summary, emf } = await run(T3);
    expect(summary).toMatchObject({ objectives: 2, tierChanges: 0, notificationsSent: 0, notificationsPending: 0, errors: 0 });
    expect(await receive(1, 3_000)).toEqual([]);
    expect(peerReceived('DisableStageTransition')).toHaveLength(2);
    expect(peerReceived('EnableStageTransition')).toHaveLength(0);
    expect(['shop-web', 'shop-payments', 'shop-search'].filter((p) => peer.transition(p, 'Production')?.enabled === false)).toEqual(['shop-web', 'shop-payments']);
    const states = await store.getObjectiveStates([
      { contract: 'checkout', objective: 'availability' },
      { contract: 'search', objective: 'availability' },
    ]);
    const state = states.get('checkout#availability');
    expect(state).toMatchObject({ tier: 'exhausted', tierSince: T1, version: 6, lastEvaluatedAt: T3, outbox: {} });
    // Every datapoint is still in the 1 d window; the last 5 minutes have none, so the 5 m burn is 0 and the
    // fast page clears (recorded, not announced). 1 h now holds 55 minutes: 300 / 5,500 / 0.01.
    expect(state!.remainingPct).toBeCloseTo(100 * (1 - BAD / ALLOWED_BAD), 6);
    expect(state!.burnRates['5m']).toBe(0);
    expect(state!.burnRates['1h']).toBeCloseTo(BAD / 5_500 / 0.01, 6);
    expect([...state!.activeAlerts].sort()).toEqual(['page-slow', 'ticket']);
    const history = await store.queryHistory('objective:checkout#availability', T3, T3 + 1);
    // No item per run: only the alert that stopped firing is an event.
    expect(history.map((h) => h.type)).toEqual(['burn-alert-cleared']);
    expect(history[0]?.detail).toEqual({ alert: 'page-fast' });
    // No data is recorded every run with new minutes (the reason stays visible), never turning into a tier.
    expect(states.get('search#availability')).toMatchObject({ status: 'no-data', tier: null, version: 2 });
    expect(emf.find((d) => 'Heartbeat' in d)).toMatchObject({ Heartbeat: 1, EvaluationErrors: 0, TierChanges: 0 });
  });
});

describe.skipIf(!available.ok)('startMoto', () => {
  it('answers on 127.0.0.1 at a run-time port, and stop() ends the process', async () => {
    const server = await startMoto();
    try {
      expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${server.endpoint}/moto-api/`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    // Signal 0 only checks that the process exists: ESRCH once it has exited and been reaped.
    expect(() => process.kill(server.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(fetch(`${server.endpoint}/moto-api/`)).rejects.toThrow();
  });
});
