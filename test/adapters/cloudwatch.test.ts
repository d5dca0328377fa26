import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics, DuplicateQueryIdError, createCloudWatchMetrics, datapointsOf, planBatches } from '../../functions/adapters/cloudwatch.ts';
import type { MetricQuery } from '../../functions/ports.ts';

const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const cw = mockClient(client);

const END = Date.UTC(2026, 10, 20, 14, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function query(id: string, over: Partial<MetricQuery> = {}): MetricQuery {
  return {
    id,
    namespace: 'AWS/ApplicationELB',
    metricName: 'RequestCount',
    dimensions: { LoadBalancer: 'app/shop/123' },
    stat: 'Sum',
    periodSeconds: 60,
    startMs: END - HOUR,
    endMs: END,
    ...over,
  };
}

/** Answers every query of a call with one point per id: value = index of the query in the call. */
function echo(input: GetMetricDataCommandInput): { MetricDataResults: MetricDataResult[] } {
  return {
    MetricDataResults: (input.MetricDataQueries ?? []).map((q, i) => ({
      Id: q.Id,
      Timestamps: [input.StartTime as Date],
      Values: [i],
      StatusCode: 'Complete',
    })),
  };
}

function inputs(): GetMetricDataCommandInput[] {
  return cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
}

beforeEach(() => {
  cw.reset();
});

describe('CloudWatchMetrics request shape', () => {
  it('sends the exact GetMetricData input for a small set and maps ids back', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'm0', Timestamps: [new Date(END - 2 * 60_000), new Date(END - 60_000)], Values: [100, 120], StatusCode: 'Complete' },
        { Id: 'm1', Timestamps: [new Date(END - 60_000)], Values: [0.25], StatusCode: 'Complete' },
      ],
    });
    const metrics = new CloudWatchMetrics(client);
    const result = await metrics.fetch([
      query('checkout/availability/total'),
      query('Latency-Good', { metricName: 'TargetResponseTime', stat: 'TC(:0.3)', periodSeconds: 300, dimensions: { LoadBalancer: 'lb', TargetGroup: 'tg' } }),
    ]);

    expect(inputs()).toEqual([
      {
        MetricDataQueries: [
          {
            Id: 'm0',
            MetricStat: {
              Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop/123' }] },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: true,
          },
          {
            Id: 'm1',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApplicationELB',
                MetricName: 'TargetResponseTime',
                Dimensions: [
                  { Name: 'LoadBalancer', Value: 'lb' },
                  { Name: 'TargetGroup', Value: 'tg' },
                ],
              },
              Period: 300,
              Stat: 'TC(:0.3)',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date(END - HOUR),
        EndTime: new Date(END),
        ScanBy: 'TimestampAscending',
      },
    ]);
    expect(result.get('checkout/availability/total')).toEqual({
      ok: true,
      points: [
        { t: END - 2 * 60_000, v: 100 },
        { t: END - 60_000, v: 120 },
      ],
    });
    expect(result.get('Latency-Good')).toEqual({ ok: true, points: [{ t: END - 60_000, v: 0.25 }] });
    expect(metrics.callCount).toBe(1);
    expect(metrics.metricsRequested).toBe(2);
  });

  it('makes one call per time range', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const metrics = new CloudWatchMetrics(client);
    const result = await metrics.fetch([query('a'), query('b', { startMs: END - DAY }), query('c'), query('d', { startMs: END - DAY })]);
    const calls = inputs();
    expect(calls).toHaveLength(2);
    const ranges = calls.map((c) => [(c.StartTime as Date).getTime(), c.MetricDataQueries?.map((q) => q.Id)]);
    expect(ranges).toEqual(
      expect.arrayContaining([
        [END - HOUR, ['m0', 'm2']],
        [END - DAY, ['m1', 'm3']],
      ]),
    );
    expect([...result.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(result.get('c')).toEqual({ ok: true, points: [{ t: END - HOUR, v: 1 }] });
    expect(result.get('d')).toEqual({ ok: true, points: [{ t: END - DAY, v: 1 }] });
  });

  it('refuses duplicate caller ids', async () => {
    await expect(new CloudWatchMetrics(client).fetch([query('a'), query('a')])).rejects.toThrow(DuplicateQueryIdError);
    expect(inputs()).toHaveLength(0);
  });

  it('fails a malformed query without calling CloudWatch for it', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const result = await new CloudWatchMetrics(client).fetch([query('ok'), query('empty', { startMs: END, endMs: END }), query('p0', { periodSeconds: 0 })]);
    expect(result.get('empty')).toMatchObject({ ok: false, error: { code: 'InvalidTimeRange' } });
    expect(result.get('p0')).toMatchObject({ ok: false, error: { code: 'InvalidPeriod' } });
    expect(result.get('ok')).toMatchObject({ ok: true });
    expect(inputs()).toHaveLength(1);
    expect(inputs()[0]?.MetricDataQueries).toHaveLength(1);
  });
});

describe('CloudWatchMetrics batching', () => {
  it('splits at 500 queries per call', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    // 1 h at 60 s = 60 points each: 1,201 queries stay far below the datapoint limit, so only the count splits.
    const queries = Array.from({ length: 1201 }, (_, i) => query(`q${i}`));
    const metrics = new CloudWatchMetrics(client);
    const result = await metrics.fetch(queries);
    expect(inputs().map((c) => c.MetricDataQueries?.length).sort((a, b) => b! - a!)).toEqual([500, 500, 201]);
    expect(metrics.callCount).toBe(3);
    expect(metrics.metricsRequested).toBe(1201);
    expect(result.size).toBe(1201);
    expect([...result.values()].every((r) => r.ok)).toBe(true);
  });

  it('splits at 100,800 datapoints per call: 30 days at 300 s is 8,640 points, so 11 per call', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const q = (id: string) => query(id, { periodSeconds: 300, startMs: END - 30 * DAY });
    expect(datapointsOf(q('x'))).toBe(8640);
    const metrics = new CloudWatchMetrics(client);
    await metrics.fetch(Array.from({ length: 25 }, (_, i) => q(`q${i}`)));
    // 11 x 8,640 = 95,040 <= 100,800 < 12 x 8,640 = 103,680.
    expect(inputs().map((c) => c.MetricDataQueries?.length).sort((a, b) => b! - a!)).toEqual([11, 11, 3]);
    expect(metrics.metricsRequested).toBe(25);
  });

  it('counts partial periods as whole datapoints and sends an oversized query alone', () => {
    expect(datapointsOf(query('x', { startMs: 0, endMs: 90_000, periodSeconds: 60 }))).toBe(2);
    const big = query('big', { startMs: END - 90 * DAY, periodSeconds: 60 }); // 129,600 points
    const small = query('small', { startMs: END - 90 * DAY, periodSeconds: 3600 });
    const batches = planBatches([small, big, small]);
    expect(batches.map((b) => b.queries.map((q) => q.apiId))).toEqual([['m0'], ['m1'], ['m2']]);
  });

  it('keeps at most maxConcurrency calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    cw.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return echo(input);
    });
    const ranges = Array.from({ length: 9 }, (_, i) => query(`q${i}`, { startMs: END - (i + 1) * HOUR }));
    await new CloudWatchMetrics(client, { maxConcurrency: 2 }).fetch(ranges);
    expect(inputs()).toHaveLength(9);
    expect(peak).toBe(2);
  });
});

describe('CloudWatchMetrics pagination and failures', () => {
  it('follows NextToken and merges each series, counting the metrics once', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm0', Timestamps: [new Date(END - 3 * 60_000), new Date(END - 2 * 60_000)], Values: [1, 2], StatusCode: 'PartialData' },
          { Id: 'm1', Timestamps: [new Date(END - 3 * 60_000)], Values: [10], StatusCode: 'PartialData' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm0', Timestamps: [new Date(END - 60_000)], Values: [3], StatusCode: 'Complete' },
          { Id: 'm1', Timestamps: [new Date(END - 2 * 60_000), new Date(END - 60_000)], Values: [20, 30], StatusCode: 'Complete' },
        ],
      });
    const metrics = new CloudWatchMetrics(client);
    const result = await metrics.fetch([query('good'), query('total')]);
    expect(inputs()).toHaveLength(2);
    expect(inputs()[0]).not.toHaveProperty('NextToken');
    expect(inputs()[1]).toMatchObject({ NextToken: 'page-2', MetricDataQueries: inputs()[0]?.MetricDataQueries });
    expect(result.get('good')).toEqual({
      ok: true,
      points: [
        { t: END - 3 * 60_000, v: 1 },
        { t: END - 2 * 60_000, v: 2 },
        { t: END - 60_000, v: 3 },
      ],
    });
    expect(result.get('total')).toEqual({
      ok: true,
      points: [
        { t: END - 3 * 60_000, v: 10 },
        { t: END - 2 * 60_000, v: 20 },
        { t: END - 60_000, v: 30 },
      ],
    });
    expect(metrics.callCount).toBe(2);
    expect(metrics.metricsRequested).toBe(2);
  });

  it('returns partial data as it came when there is no further page', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(END - 60_000)], Values: [7], StatusCode: 'PartialData' }],
    });
    expect((await new CloudWatchMetrics(client).fetch([query('a')])).get('a')).toEqual({ ok: true, points: [{ t: END - 60_000, v: 7 }] });
  });

  it('a throttled call fails only its own series', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      if ((input.StartTime as Date).getTime() === END - DAY) throw throttled;
      return echo(input);
    });
    const result = await new CloudWatchMetrics(client).fetch([query('a'), query('b', { startMs: END - DAY }), query('c', { startMs: END - DAY }), query('d')]);
    expect(result.get('b')).toEqual({ ok: false, error: { code: 'Throttling', message: 'Rate exceeded' } });
    expect(result.get('c')).toEqual({ ok: false, error: { code: 'Throttling', message: 'Rate exceeded' } });
    expect(result.get('a')).toEqual({ ok: true, points: [{ t: END - HOUR, v: 0 }] });
    expect(result.get('d')).toEqual({ ok: true, points: [{ t: END - HOUR, v: 1 }] });
  });

  it('a call failing on its second page fails all its series, first page discarded', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(END - 60_000)], Values: [1], StatusCode: 'PartialData' }], NextToken: 't' })
      .rejectsOnce(Object.assign(new Error('We encountered an internal error'), { name: 'InternalServiceFault' }));
    const result = await new CloudWatchMetrics(client).fetch([query('a')]);
    expect(result.get('a')).toEqual({ ok: false, error: { code: 'InternalServiceFault', message: 'We encountered an internal error' } });
  });

  it('AccessDenied on the call fails every series in it, without throwing', async () => {
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }),
    );
    const result = await new CloudWatchMetrics(client).fetch([query('a'), query('b')]);
    for (const id of ['a', 'b']) {
      expect(result.get(id)).toEqual({ ok: false, error: { code: 'AccessDenied', message: 'User is not authorized to perform: cloudwatch:GetMetricData' } });
    }
  });

  it('per-result Forbidden and InternalError fail only those series, with their messages', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'm0', StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'no access to namespace Secret/Ns' }], Timestamps: [], Values: [] },
        { Id: 'm1', Timestamps: [new Date(END - 60_000)], Values: [5], StatusCode: 'Complete' },
        { Id: 'm2', StatusCode: 'InternalError', Timestamps: [], Values: [] },
      ],
    });
    const result = await new CloudWatchMetrics(client).fetch([query('denied'), query('fine'), query('broken')]);
    expect(result.get('denied')).toEqual({ ok: false, error: { code: 'Forbidden', message: 'Forbidden: no access to namespace Secret/Ns' } });
    expect(result.get('fine')).toEqual({ ok: true, points: [{ t: END - 60_000, v: 5 }] });
    expect(result.get('broken')).toEqual({ ok: false, error: { code: 'InternalError', message: 'GetMetricData returned InternalError for this series' } });
  });

  it('an empty series is ok with no points (no data), a missing result is an error', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: 'Complete' }] });
    const result = await new CloudWatchMetrics(client).fetch([query('quiet'), query('lost')]);
    expect(result.get('quiet')).toEqual({ ok: true, points: [] });
    expect(result.get('lost')).toMatchObject({ ok: false, error: { code: 'MissingResult' } });
  });

  it('sorts points ascending even if CloudWatch returned them newest first', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(END - 60_000), new Date(END - 120_000)], Values: [2, 1], StatusCode: 'Complete' }],
    });
    expect((await new CloudWatchMetrics(client).fetch([query('a')])).get('a')).toEqual({
      ok: true,
      points: [
        { t: END - 120_000, v: 1 },
        { t: END - 60_000, v: 2 },
      ],
    });
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, { ScanBy: 'TimestampAscending' });
  });
});

describe('createCloudWatchMetrics', () => {
  it('builds the adapter on its own client with the options given', () => {
    const m = createCloudWatchMetrics({ maxConcurrency: 2, clientConfig: { region: 'eu-west-1' } });
    expect(m).toBeInstanceOf(CloudWatchMetrics);
    expect(m.callCount).toBe(0);
  });
});
