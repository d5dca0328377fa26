/**
 * The history commands end to end against moto, through the CLI with clients built from the AWS environment:
 * - `slo backtest` pulls from CloudWatch what PutMetricData put there, and decides exactly what the same
 *   backtest decides from a CSV file of the same minutes;
 * - `slo plan` refuses a contract whose metric has no data (a dimension typo), naming file and path, and writes
 *   nothing: the deployed table reads back item for item, and an SQS queue subscribed to the alert topic
 *   receives nothing.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore, stateTableInput } from '../../functions/adapters/dynamodb.ts';
import { main, type CliIo } from '../../bin/slo.ts';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailable, startMoto, type Moto } from '../support/moto.ts';
import { contractYamlHead } from '../support/contracts.ts';

const available = motoAvailable();
if (!available.ok) console.warn(`${available.why}: history end-to-end suite skipped`);

const REGION = MOTO_REGION;
const CREDENTIALS = MOTO_CREDENTIALS;
const TABLE = 'slo-contracts-plan-e2e';
const MIN = 60_000;
const HOUR = 60 * MIN;

function contractYaml(name: string, service: string, gates: string): string {
  return `${contractYamlHead({ name, reviewBy: '2030-01-01' })}  objectives:
    - name: availability
      target: 99
      sli:
        ratio:
          good: { namespace: E2E/History, metric: Good, dimensions: { Service: ${service} } }
          total: { namespace: E2E/History, metric: Total, dimensions: { Service: ${service} } }
  policy: {}
  gates: ${gates}
`;
}

describe.skipIf(!available.ok)('history commands against moto', () => {
  let moto: Moto | undefined;
  const savedEnv = { ...process.env };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slo-history-e2e-'));
  let queueUrl: string;
  let sqs: SQSClient;
  let ddb: DynamoDBClient;
  /** 30 hours of minutes ending at the last whole 5 minutes: 100 requests, 40 bad a minute from hour 26 for 30 minutes. */
  let fromMs: number;
  let toMs: number;
  const csv: string[] = ['timestamp,good,total'];

  async function cli(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), nowMs: () => Date.now(), writeFile: () => undefined, isTTY: false, env: process.env };
    const code = await main(['node', 'slo', ...args], io);
    return { code, stdout: stdout.replaceAll(dir, '<tmp>'), stderr };
  }

  beforeAll(async () => {
    moto = await startMoto();
    const config = { region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS };
    // moto's server gunzips twice: send PutMetricData uncompressed (see test/e2e/moto.test.ts).
    const cw = new CloudWatchClient({ ...config, disableRequestCompression: true });
    toMs = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 5 * MIN;
    fromMs = toMs - 30 * HOUR;
    const incident = fromMs + 26 * HOUR;
    const data: MetricDatum[] = [];
    for (let t = fromMs; t < toMs; t += MIN) {
      const bad = t >= incident && t < incident + 30 * MIN ? 40 : 0;
      const dims = [{ Name: 'Service', Value: 'checkout' }];
      data.push({ MetricName: 'Total', Dimensions: dims, Timestamp: new Date(t), Value: 100, Unit: 'Count' });
      data.push({ MetricName: 'Good', Dimensions: dims, Timestamp: new Date(t), Value: 100 - bad, Unit: 'Count' });
      csv.push(`${new Date(t).toISOString()},${100 - bad},100`);
    }
    for (let i = 0; i < data.length; i += 1000) await cw.send(new PutMetricDataCommand({ Namespace: 'E2E/History', MetricData: data.slice(i, i + 1000) }));

    ddb = new DynamoDBClient(config);
    await ddb.send(new CreateTableCommand(stateTableInput(TABLE)));
    const sns = new SNSClient(config);
    sqs = new SQSClient(config);
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'slo-contracts-plan-alerts' }))).TopicArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'slo-contracts-plan-alerts' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));

    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      // The alert topic is in the environment, as on an operator's machine: plan must still publish nothing.
      SLO_ALERT_TOPIC_ARN: topicArn,
    });
  }, 120_000);

  afterAll(async () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    rmSync(dir, { recursive: true, force: true });
    await moto?.stop();
  });

  it('slo backtest from CloudWatch decides what the same backtest decides from a file of the same minutes', async () => {
    const contract = path.join(dir, 'checkout.yaml');
    writeFileSync(contract, contractYaml('checkout', 'checkout', '[{ pipeline: shop-web, stage: Production, critical: false }]'));
    const file = path.join(dir, 'history.csv');
    writeFileSync(file, `${csv.join('\n')}\n`);
    const range = ['--from', new Date(fromMs).toISOString(), '--to', new Date(toMs).toISOString(), '--targets', '99,99.5,99.9', '--json'];
    const fromCloudWatch = await cli('backtest', contract, ...range);
    expect(fromCloudWatch.stderr).toBe('');
    expect(fromCloudWatch.code).toBe(0);
    const fromFile = await cli('backtest', contract, '--metrics-file', file, ...range);
    expect(fromFile.code).toBe(0);
    const a = JSON.parse(fromCloudWatch.stdout) as { source: string; targets: { timeline: unknown[]; pages: number }[] };
    const b = JSON.parse(fromFile.stdout) as { source: string; targets: unknown[] };
    expect(a.source).toMatch(/^CloudWatch \(1 GetMetricData call, 3,600 datapoints asked for\)$/);
    expect(a.targets).toEqual(b.targets);
    // 1,200 bad in a window of 144,000: 99 % keeps 16.7 % (frozen: one page, page-fast), 99.5 % and 99.9 % are
    // spent (the change to exhausted pages too).
    expect(a.targets.map((t) => t.pages)).toEqual([1, 2, 2]);
    expect(a.targets[0]!.timeline.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('slo plan refuses a contract whose metric has no data (a dimension typo) and writes nothing', async () => {
    const contracts = path.join(dir, 'contracts');
    mkdirSync(contracts);
    writeFileSync(path.join(contracts, 'checkout.yaml'), contractYaml('checkout', 'checkout', '[{ pipeline: shop-web, stage: Production, critical: false }]'));
    writeFileSync(path.join(contracts, 'search.yaml'), contractYaml('search', 'chekout', '[{ pipeline: shop-search, stage: Production, critical: false }]'));
    // The deployed table holds checkout's state (exhausted, shop-web frozen): plan starts from it and must leave it as it was.
    const store = new DynamoStore(DynamoDBDocumentClient.from(ddb), TABLE);
    const now = Date.now();
    await store.putObjectiveState({ contract: 'checkout', objective: 'availability', tier: 'exhausted', tierSince: now - 2 * HOUR, remainingPct: -12, burnRates: {}, activeAlerts: [], status: 'ok', lastEvaluatedAt: now - 5 * MIN, version: 1, outbox: {} }, 0);
    await store.putGate({ pipeline: 'shop-web', stage: 'Production', holders: { 'checkout#availability': now - 2 * HOUR }, disabledByUs: true, disabledAt: now - 2 * HOUR, disabledReason: 'slo-contracts froze this stage - checkout availability budget exhausted (-12 pct) since 2026-11-25 10.00 UTC', version: 1, outbox: {} }, 0);
    const scan = async () => ((await ddb.send(new ScanCommand({ TableName: TABLE }))).Items ?? []).map((i) => JSON.stringify(i)).sort();
    const before = await scan();

    const r = await cli('plan', contracts, '--table', TABLE);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'error: <tmp>/contracts/search.yaml: spec.objectives[0].sli.ratio.good: E2E/History Good {Service=chekout} does not exist in CloudWatch for this account and region (nothing with exactly these dimensions reported in the past two weeks); it exists with {Service=checkout}: check the dimensions',
    );
    expect(r.stdout).toContain('error: <tmp>/contracts/search.yaml: spec.objectives[0].sli.ratio.total: E2E/History Total {Service=chekout} does not exist');
    expect(r.stdout).toContain('State: from table slo-contracts-plan-e2e, read only: 1 objective state, 1 gate frozen, 0 overrides');
    // Checkout reads: what the evaluator would do with it is there (the window still holds the incident).
    expect(r.stdout).toMatch(/checkout\/availability {2}ok {2}tier exhausted -> \w+/);

    expect(await scan()).toEqual(before);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    expect(received.Messages ?? []).toEqual([]);
  }, 120_000);
});
