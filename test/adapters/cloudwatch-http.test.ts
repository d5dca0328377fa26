/**
 * The adapter through the real SDK client (its protocol, retry and HTTP handler) against a local HTTP server
 * on 127.0.0.1 that answers as CloudWatch's JSON protocol does (awsQuery-compatible: the error code travels
 * in the x-amzn-query-error header). Checks what no mock can: the wire request, how the SDK surfaces and
 * retries Throttling (and that the fake's error has the same shape), and that the client timeouts are on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOUDWATCH_TIMEOUTS, CloudWatchMetrics, createCloudWatchClient, createCloudWatchMetrics } from '../../functions/adapters/cloudwatch.ts';
import { FakeCloudWatch } from '../../functions/local/fake-cloudwatch.ts';
import type { MetricQuery } from '../../functions/ports.ts';

const END = Date.UTC(2026, 10, 20, 14, 0, 0);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

type Handler = (body: Record<string, unknown>, res: ServerResponse) => void;

let server: Server | undefined;
const received: { target: string | undefined; body: Record<string, unknown> }[] = [];

/** Starts the local CloudWatch stand-in on a port picked now; returns its endpoint. */
async function serve(handler: Handler): Promise<string> {
  received.length = 0;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      received.push({ target: req.headers['x-amz-target'] as string | undefined, body });
      handler(body, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
});

function throttle(res: ServerResponse): void {
  res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'Throttling;Sender', 'x-amzn-requestid': 'req-throttled' });
  res.end(JSON.stringify({ __type: 'com.amazonaws.cloudwatch#Throttling', message: 'Rate exceeded' }));
}

function query(over: Partial<MetricQuery> = {}): MetricQuery {
  return {
    id: 'checkout/total',
    namespace: 'AWS/ApplicationELB',
    metricName: 'RequestCount',
    dimensions: { LoadBalancer: 'app/shop/1' },
    stat: 'Sum',
    periodSeconds: 60,
    startMs: END - 2 * 60_000,
    endMs: END,
    ...over,
  };
}

/** Pinned clock (tiers independent of the day the test runs); backoff not really slept; jitter 0. */
const quick = { clock: { now: () => END }, sleep: async () => undefined, random: () => 0 };

describe('CloudWatchMetrics over HTTP through the SDK', () => {
  it('sends AccountId and MaxDatapoints on the wire and reads the JSON answer', async () => {
    const endpoint = await serve((_body, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ MetricDataResults: [{ Id: 'm0', Label: 'RequestCount', Timestamps: [(END - 60_000) / 1000], Values: [42], StatusCode: 'Complete' }], Messages: [] }));
    });
    const client = new CloudWatchClient({ region: 'eu-west-1', endpoint, credentials });
    const result = await new CloudWatchMetrics(client, quick).fetch([query({ accountId: '111122223333' })]);
    expect(result.get('checkout/total')).toEqual({ ok: true, points: [{ t: END - 60_000, v: 42 }] });
    expect(received).toHaveLength(1);
    expect(received[0]!.target).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(received[0]!.body).toEqual({
      MetricDataQueries: [
        {
          Id: 'm0',
          MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop/1' }] }, Period: 60, Stat: 'Sum' },
          AccountId: '111122223333',
          ReturnData: true,
        },
      ],
      StartTime: (END - 120_000) / 1000,
      EndTime: END / 1000,
      ScanBy: 'TimestampAscending',
      MaxDatapoints: 45_000,
    });
  });

  it('the SDK retries Throttling itself and surfaces it as the fake does', async () => {
    const endpoint = await serve((_body, res) => throttle(res));
    const client = new CloudWatchClient({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 2 });
    const err = (await client
      .send(new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(END - 60_000), EndTime: new Date(END) }))
      .then(() => undefined, (e: unknown) => e)) as Record<string, unknown> & Error;
    expect(received).toHaveLength(2);
    expect(err).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 2 },
      Code: 'Throttling',
      Type: 'Sender',
      Error: { Code: 'Throttling', Type: 'Sender', Message: 'Rate exceeded' },
    });

    // The fake's throttle, field for field where the adapter or a caller could look.
    const fake = new FakeCloudWatch({ source: () => [], latencyMs: 0, quotas: { callsPerSecond: 1 } });
    fake.consume({ calls: 1 });
    const fakeErr = (await fake
      .send(new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(END - 60_000), EndTime: new Date(END) }))
      .then(() => undefined, (e: unknown) => e)) as Record<string, unknown> & Error;
    const shape = (e: Record<string, unknown> & Error) => ({
      name: e.name,
      message: e.message,
      $fault: e.$fault,
      httpStatusCode: (e.$metadata as { httpStatusCode: number }).httpStatusCode,
      Code: e.Code,
      Type: e.Type,
      Error: e.Error,
    });
    expect(shape(fakeErr)).toEqual(shape(err));
  });

  it('counts the SDK\'s attempts against the adapter\'s budget: 2 per send and a budget of 4 make 2 sends', async () => {
    const endpoint = await serve((_body, res) => throttle(res));
    const client = new CloudWatchClient({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 2 });
    // Real clock and sleep here: after each throttle the adapter holds its calls for a second, really.
    const metrics = new CloudWatchMetrics(client, { random: () => 0, retry: { maxAttempts: 4 } });
    const result = await metrics.fetch([query()]);
    expect(result.get('checkout/total')).toEqual({
      ok: false,
      error: { code: 'Throttling', message: 'Rate exceeded (GetMetricData still throttled after 4 attempts; left for the next run)' },
    });
    expect(received).toHaveLength(4);
    expect(metrics.usage()).toMatchObject({ calls: 2, throttles: 2, retries: 1, sdkRetries: 2 });
  });

  it('builds its client with connect and request timeouts, and a request that hangs fails its series', async () => {
    expect(CLOUDWATCH_TIMEOUTS).toEqual({ connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true });
    expect(createCloudWatchClient({ clientConfig: { region: 'eu-west-1' } })).toBeInstanceOf(CloudWatchClient);
    // Never answers.
    const endpoint = await serve(() => undefined);
    const metrics = createCloudWatchMetrics({
      ...quick,
      clientConfig: { region: 'eu-west-1', endpoint, credentials, maxAttempts: 1 },
      // Only the request timeout shortened for the test; throwOnRequestTimeout comes from the defaults.
      timeouts: { requestTimeout: 300 },
    });
    const result = await metrics.fetch([query()]);
    expect(result.get('checkout/total')).toMatchObject({ ok: false, error: { code: 'TimeoutError' } });
    expect(received).toHaveLength(1);
  });
});
