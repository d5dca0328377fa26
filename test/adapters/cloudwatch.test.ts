import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchMetrics,
  DuplicateQueryIdError,
  createCloudWatchMetrics,
  datapointsOf,
  planBatches,
  SlidingSecondBucket,
  CloudWatchOptionsError,
  tierOf,
  type CloudWatchMetricsOptions,
} from '../../functions/adapters/cloudwatch.ts';
import type { MetricQuery } from '../../functions/ports.ts';
import { VirtualTime } from '../support/virtual-time.ts';

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

/**
 * The adapter on the mocked client, its clock pinned at END (so a query's quota tier does not depend on the
 * day the tests run) and sleeping in virtual time; jitter fixed at half the backoff.
 */
let time: VirtualTime;
function adapter(opts: CloudWatchMetricsOptions = {}): CloudWatchMetrics {
  return new CloudWatchMetrics(client, { clock: time.clock, sleep: time.sleep, random: () => 0.5, ...opts });
}

function inputs(): GetMetricDataCommandInput[] {
  return cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
}

beforeEach(() => {
  cw.reset();
  time = new VirtualTime(END);
});

describe('CloudWatchMetrics request shape', () => {
  it('sends the exact GetMetricData input for a small set and maps ids back', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'm0', Timestamps: [new Date(END - 2 * 60_000), new Date(END - 60_000)], Values: [100, 120], StatusCode: 'Complete' },
        { Id: 'm1', Timestamps: [new Date(END - 60_000)], Values: [0.25], StatusCode: 'Complete' },
      ],
    });
    const metrics = adapter();
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
        // One second of the smaller tier's share (90,000/s x 0.5) per call; CloudWatch pages anything beyond.
        MaxDatapoints: 45_000,
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
    const metrics = adapter();
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
    await expect(adapter().fetch([query('a'), query('a')])).rejects.toThrow(DuplicateQueryIdError);
    expect(inputs()).toHaveLength(0);
  });

  it('fails a malformed query without calling CloudWatch for it', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const result = await adapter().fetch([query('ok'), query('empty', { startMs: END, endMs: END }), query('p0', { periodSeconds: 0 })]);
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
    const metrics = adapter();
    const result = await metrics.fetch(queries);
    expect(inputs().map((c) => c.MetricDataQueries?.length).sort((a, b) => b! - a!)).toEqual([500, 500, 201]);
    expect(metrics.callCount).toBe(3);
    expect(metrics.metricsRequested).toBe(1201);
    expect(result.size).toBe(1201);
    expect([...result.values()].every((r) => r.ok)).toBe(true);
  });

  it('caps an older-tier call at one second of its share: 30 days at 300 s is 8,640 points, so 5 per call under 45,000', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const q = (id: string) => query(id, { periodSeconds: 300, startMs: END - 30 * DAY });
    expect(datapointsOf(q('x'))).toBe(8640);
    const metrics = adapter();
    await time.run(() => metrics.fetch(Array.from({ length: 25 }, (_, i) => q(`q${i}`))));
    // Older tier: 90,000/s x 0.5 = 45,000 per call; 5 x 8,640 = 43,200 <= 45,000 < 6 x 8,640 = 51,840.
    expect(inputs().map((c) => c.MetricDataQueries?.length)).toEqual([5, 5, 5, 5, 5]);
    expect(inputs().map((c) => c.MaxDatapoints)).toEqual([45_000, 45_000, 45_000, 45_000, 45_000]);
    expect(metrics.metricsRequested).toBe(25);
  });

  it('splits at 100,800 datapoints per call when the quotas allow more: 11 per call of 8,640 points', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const q = (id: string) => query(id, { periodSeconds: 300, startMs: END - 30 * DAY });
    // A raised older-tier quota (Service Quotas) and the whole share: only the API's limit binds.
    const metrics = adapter({ quotaShare: 1, quotas: { olderDatapointsPerSecond: 250_000 } });
    await time.run(() => metrics.fetch(Array.from({ length: 25 }, (_, i) => q(`q${i}`))));
    // 11 x 8,640 = 95,040 <= 100,800 < 12 x 8,640 = 103,680.
    expect(inputs().map((c) => c.MetricDataQueries?.length).sort((a, b) => b! - a!)).toEqual([11, 11, 3]);
    expect(inputs().map((c) => c.MaxDatapoints)).toEqual([100_800, 100_800, 100_800]);
    expect(metrics.metricsRequested).toBe(25);
  });

  it('counts partial periods as whole datapoints and sends an oversized query alone', () => {
    expect(datapointsOf(query('x', { startMs: 0, endMs: 90_000, periodSeconds: 60 }))).toBe(2);
    const big = query('big', { startMs: END - 90 * DAY, periodSeconds: 60 }); // 129,600 points
    const small = query('small', { startMs: END - 90 * DAY, periodSeconds: 3600 });
    const batches = planBatches([small, big, small]);
    expect(batches.map((b) => b.queries.map((q) => q.apiId))).toEqual([['m0'], ['m1'], ['m2']]);
  });

  it('counts datapoints from StartTime as CloudWatch rounds it by age, judging the age 15 minutes late', () => {
    const MIN = 60_000;
    // 16 days and 1 minute back: rounded down to the 5-minute grid, 4 minutes earlier: 13 one-minute periods, not 9.
    const old = query('x', { startMs: END - 16 * DAY - MIN, endMs: END - 16 * DAY + 8 * MIN });
    expect(datapointsOf(old)).toBe(9);
    expect(datapointsOf(old, END)).toBe(13);
    // 10 minutes short of 15 days: CloudWatch may see it past 15 days by the time the call is sent.
    const edge = query('y', { startMs: END - 15 * DAY + 10 * MIN - MIN, endMs: END - 15 * DAY + 20 * MIN });
    expect(datapointsOf(edge, END)).toBe(15);
    expect(datapointsOf(edge, END - 10 * MIN)).toBe(11);
    // 70 days back at 3,600 s, 30 minutes past the hour, to 20 past: 23 h 50 min is 24 periods; rounded down
    // to the hour, 24 h 20 min is 25.
    const older = query('z', { startMs: END - 70 * DAY + 30 * MIN, endMs: END - 69 * DAY + 20 * MIN, periodSeconds: 3600 });
    expect(datapointsOf(older)).toBe(24);
    expect(datapointsOf(older, END)).toBe(25);
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
    await adapter({ maxConcurrency: 2 }).fetch(ranges);
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
    const metrics = adapter();
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
    expect((await adapter().fetch([query('a')])).get('a')).toEqual({ ok: true, points: [{ t: END - 60_000, v: 7 }] });
  });

  it('a throttled call fails only its own series', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      if ((input.StartTime as Date).getTime() === END - DAY) throw throttled;
      return echo(input);
    });
    const metrics = adapter();
    const result = await time.run(() => metrics.fetch([query('a'), query('b', { startMs: END - DAY }), query('c', { startMs: END - DAY }), query('d')]));
    // Retried with backoff up to 6 attempts (no SDK retry layer behind a mock: 1 attempt per send), then given up.
    const gaveUp = 'Rate exceeded (GetMetricData still throttled after 6 attempts; left for the next run)';
    expect(result.get('b')).toEqual({ ok: false, error: { code: 'Throttling', message: gaveUp } });
    expect(result.get('c')).toEqual({ ok: false, error: { code: 'Throttling', message: gaveUp } });
    expect(inputs().filter((c) => (c.StartTime as Date).getTime() === END - DAY)).toHaveLength(6);
    expect(result.get('a')).toEqual({ ok: true, points: [{ t: END - HOUR, v: 0 }] });
    expect(result.get('d')).toEqual({ ok: true, points: [{ t: END - HOUR, v: 1 }] });
  });

  it('a call failing on its second page fails all its series, first page discarded', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(END - 60_000)], Values: [1], StatusCode: 'PartialData' }], NextToken: 't' })
      .rejectsOnce(Object.assign(new Error('We encountered an internal error'), { name: 'InternalServiceFault' }));
    const result = await adapter().fetch([query('a')]);
    expect(result.get('a')).toEqual({ ok: false, error: { code: 'InternalServiceFault', message: 'We encountered an internal error' } });
  });

  it('AccessDenied on the call fails every series in it, without throwing', async () => {
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }),
    );
    const result = await adapter().fetch([query('a'), query('b')]);
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
    const result = await adapter().fetch([query('denied'), query('fine'), query('broken')]);
    expect(result.get('denied')).toEqual({ ok: false, error: { code: 'Forbidden', message: 'Forbidden: no access to namespace Secret/Ns' } });
    expect(result.get('fine')).toEqual({ ok: true, points: [{ t: END - 60_000, v: 5 }] });
    expect(result.get('broken')).toEqual({ ok: false, error: { code: 'InternalError', message: 'GetMetricData returned InternalError for this series' } });
  });

  it('an empty series is ok with no points (no data), a missing result is an error', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: 'Complete' }] });
    const result = await adapter().fetch([query('quiet'), query('lost')]);
    expect(result.get('quiet')).toEqual({ ok: true, points: [] });
    expect(result.get('lost')).toMatchObject({ ok: false, error: { code: 'MissingResult' } });
  });

  it('sorts points ascending even if CloudWatch returned them newest first', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0', Timestamps: [new Date(END - 60_000), new Date(END - 120_000)], Values: [2, 1], StatusCode: 'Complete' }],
    });
    expect((await adapter().fetch([query('a')])).get('a')).toEqual({
      ok: true,
      points: [
        { t: END - 120_000, v: 1 },
        { t: END - 60_000, v: 2 },
      ],
    });
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, { ScanBy: 'TimestampAscending' });
  });
});

describe('CloudWatchMetrics cross-account queries', () => {
  it('sends accountId as MetricDataQuery.AccountId, and no AccountId for the own account', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const result = await adapter().fetch([query('remote', { accountId: '123456789012' }), query('local')]);
    expect(inputs()).toHaveLength(1);
    const [remote, local] = inputs()[0]!.MetricDataQueries!;
    expect(remote).toEqual({
      Id: 'm0',
      MetricStat: {
        Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop/123' }] },
        Period: 60,
        Stat: 'Sum',
      },
      AccountId: '123456789012',
      ReturnData: true,
    });
    expect(local).not.toHaveProperty('AccountId');
    expect(result.get('remote')).toMatchObject({ ok: true });
  });

  it('fails a query whose accountId is not 12 digits, without calling CloudWatch for it', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const result = await adapter().fetch([query('bad', { accountId: '12345' }), query('ok')]);
    expect(result.get('bad')).toEqual({ ok: false, error: { code: 'InvalidAccountId', message: 'query bad: accountId must be a 12-digit AWS account id, got "12345"' } });
    expect(inputs()).toHaveLength(1);
    expect(inputs()[0]?.MetricDataQueries).toHaveLength(1);
    expect(inputs()[0]?.MetricDataQueries?.[0]).not.toHaveProperty('AccountId');
  });
});

describe('SlidingSecondBucket', () => {
  it('lets at most its limit through in any sliding second, each unit coming back 1,000 ms after it was spent', () => {
    const b = new SlidingSecondBucket(10);
    b.spend(6, 0);
    expect(b.waitFor(4, 0)).toBe(0);
    b.spend(4, 400);
    // Full: 1 more unit fits once the 6 spent at t=0 expire, at t=1000 (counted while t - 1000 < spentAt).
    expect(b.waitFor(1, 500)).toBe(500);
    expect(b.waitFor(1, 999)).toBe(1);
    expect(b.waitFor(6, 1000)).toBe(0);
    // 7 need the 4 spent at t=400 gone too.
    expect(b.waitFor(7, 1000)).toBe(400);
    expect(b.inUse(1000)).toBe(4);
    expect(b.inUse(1400)).toBe(0);
  });

  it('sends a request above the limit alone, once the window is empty', () => {
    const b = new SlidingSecondBucket(10);
    b.spend(3, 0);
    expect(b.waitFor(25, 200)).toBe(800);
    expect(b.waitFor(25, 1000)).toBe(0);
  });

  it('fill() marks the rest of the second as used', () => {
    const b = new SlidingSecondBucket(10);
    b.spend(2, 0);
    b.fill(300);
    expect(b.inUse(300)).toBe(10);
    expect(b.waitFor(1, 300)).toBe(700);
    expect(b.waitFor(9, 300)).toBe(1000);
  });
});

describe('CloudWatchMetrics tiers and pacing', () => {
  it('chooses the tier by StartTime age: exactly 3 hours back is recent, a millisecond more is older', () => {
    expect(tierOf(END - 3 * HOUR, END)).toBe('recent');
    expect(tierOf(END - 3 * HOUR - 1, END)).toBe('older');
  });

  it('caps every call at one second of the smaller tier\'s share, recent calls too, and sends it as MaxDatapoints', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    // 3 h at 60 s = 180 points; 500 of them would be 90,000 (a recent call could carry that much at 100 %).
    const recent = Array.from({ length: 500 }, (_, i) => query(`r${i}`, { startMs: END - 3 * HOUR }));
    const metrics = adapter();
    await time.run(() => metrics.fetch([...recent, query('old', { startMs: END - DAY })]));
    expect(metrics.callCap).toBe(45_000);
    // 250 x 180 = 45,000 per call.
    expect(inputs().map((c) => [c.MetricDataQueries?.length, c.MaxDatapoints])).toEqual([
      [250, 45_000],
      [250, 45_000],
      [1, 45_000],
    ]);
    expect(adapter({ quotaShare: 0.2 }).callCap).toBe(18_000);
    expect(adapter({ quotaShare: 1, quotas: { olderDatapointsPerSecond: 120_000 } }).callCap).toBe(100_800);
  });

  it('waits for call tokens: 25 calls per second at the default share, the 26th a second after the first', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const sentAt: number[] = [];
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      sentAt.push(time.now());
      return echo(input);
    });
    // 27 distinct time ranges: 27 calls.
    const queries = Array.from({ length: 27 }, (_, i) => query(`q${i}`, { startMs: END - (i + 1) * 60_000 }));
    const metrics = adapter();
    await time.run(() => metrics.fetch(queries));
    expect(sentAt.filter((t) => t === END)).toHaveLength(25);
    expect(sentAt.slice(25)).toEqual([END + 1000, END + 1000]);
    expect(metrics.usage()).toMatchObject({ calls: 27, waitMs: 2000, throttles: 0 });
  });

  it('waits for datapoint tokens of the call\'s tier: 45,000 per second for the older tier', async () => {
    const sentAt: number[] = [];
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      sentAt.push(time.now());
      return echo(input);
    });
    // 1 day at 60 s = 1,440 points a query; 31 queries = 44,640 points a call (the cap of 45,000 fits 31).
    const day = (i: number) => query(`q${i}`, { startMs: END - DAY });
    const metrics = adapter();
    await time.run(() => metrics.fetch(Array.from({ length: 93 }, (_, i) => day(i))));
    expect(inputs().map((c) => c.MetricDataQueries?.length)).toEqual([31, 31, 31]);
    expect(sentAt).toEqual([END, END + 1000, END + 2000]);
    expect(metrics.usage().datapoints).toEqual({ recent: 0, older: 3 * 44_640 });
  });
});

describe('CloudWatchMetrics throttling and deadlines', () => {
  const throttled = (attempts?: number) =>
    Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400, ...(attempts ? { attempts } : {}) } });

  it('retries a throttled call with full-jitter backoff and succeeds, slowing every call for a second', async () => {
    cw.on(GetMetricDataCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).callsFake(echo);
    const metrics = adapter();
    const result = await time.run(() => metrics.fetch([query('a')]));
    expect(result.get('a')).toEqual({ ok: true, points: [{ t: END - HOUR, v: 0 }] });
    expect(inputs()).toHaveLength(3);
    // random() = 0.5: 0.5 x 1,000 x 2^0 = 500 ms, then 0.5 x 1,000 x 2^1 = 1,000 ms; the buckets marked full
    // by each throttle hold the retry until a second after the throttle.
    expect(metrics.usage()).toMatchObject({ calls: 3, throttles: 2, retries: 2, backoffMs: 1500, sdkRetries: 0 });
    expect(time.now()).toBe(END + 2000);
  });

  it('counts the SDK\'s own attempts against the budget: 3 per send means one more send, then the series fail', async () => {
    cw.on(GetMetricDataCommand).rejects(throttled(3));
    const metrics = adapter();
    const result = await time.run(() => metrics.fetch([query('a')]));
    expect(result.get('a')).toEqual({
      ok: false,
      error: { code: 'Throttling', message: 'Rate exceeded (GetMetricData still throttled after 6 attempts; left for the next run)' },
    });
    expect(inputs()).toHaveLength(2);
    // After the SDK's 3 attempts the backoff continues its sequence: 0.5 x 1,000 x 2^(3-1) = 2,000 ms.
    expect(metrics.usage()).toMatchObject({ calls: 2, throttles: 2, retries: 1, backoffMs: 2000, sdkRetries: 4 });
  });

  it('does not retry other errors', async () => {
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403, attempts: 1 } }));
    const metrics = adapter();
    expect((await metrics.fetch([query('a')])).get('a')).toEqual({ ok: false, error: { code: 'AccessDenied', message: 'denied' } });
    expect(metrics.usage()).toMatchObject({ calls: 1, throttles: 0, retries: 0 });
  });

  it('caps the backoff at maxDelayMs', async () => {
    cw.on(GetMetricDataCommand).rejects(throttled());
    const metrics = adapter({ retry: { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 5000 }, random: () => 0.999 });
    await time.run(() => metrics.fetch([query('a')]));
    // floor(0.999 x min(5,000, 1,000 x 2^(n-1))) after attempts n = 1..7, then the 8th attempt gives up.
    expect(metrics.usage()).toMatchObject({ calls: 8, retries: 7, backoffMs: 999 + 1998 + 3996 + 4 * 4995 });
  });

  it('fails with DeadlineExceeded the calls that cannot start within the time budget, without sending them', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    // One call per second (2/s at half share): three time ranges need t=0, 1,000 and 2,000 ms.
    const metrics = adapter({ quotas: { callsPerSecond: 2 } });
    const result = await time.run(() =>
      metrics.fetch([query('a', { startMs: END - HOUR }), query('b', { startMs: END - 2 * HOUR }), query('c', { startMs: END - 2 * HOUR }), query('d', { startMs: END - DAY })], {
        timeBudgetMs: 1500,
      }),
    );
    expect(result.get('a')).toMatchObject({ ok: true });
    expect(result.get('b')).toMatchObject({ ok: true });
    const late = { code: 'DeadlineExceeded', message: 'GetMetricData call not sent: waiting for quota tokens would end after the fetch\'s time budget of 1500 ms; left for the next run' };
    expect(result.get('d')).toEqual({ ok: false, error: late });
    expect(inputs()).toHaveLength(2);
    expect(metrics.usage()).toMatchObject({ calls: 2, deadlineExceeded: 1 });
  });

  it('gives up backing off when the next try would start after the deadline', async () => {
    cw.on(GetMetricDataCommand).rejects(throttled());
    const metrics = adapter({ timeBudgetMs: 400 });
    const result = await time.run(() => metrics.fetch([query('a')]));
    expect(result.get('a')).toMatchObject({ ok: false, error: { code: 'DeadlineExceeded' } });
    expect(inputs()).toHaveLength(1);
  });
});

describe('CloudWatchMetrics usage and options', () => {
  it('takeUsage() returns the run\'s usage and starts afresh', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const metrics = adapter();
    await metrics.fetch([query('a'), query('b'), query('c', { startMs: END - DAY })]);
    const first = metrics.takeUsage();
    expect(first).toEqual({
      calls: 2,
      metricsRequested: 3,
      datapoints: { recent: 120, older: 1440 },
      throttles: 0,
      retries: 0,
      sdkRetries: 0,
      waitMs: 0,
      backoffMs: 0,
      deadlineExceeded: 0,
    });
    expect(metrics.usage()).toMatchObject({ calls: 0, metricsRequested: 0, datapoints: { recent: 0, older: 0 } });
    await metrics.fetch([query('a')]);
    expect(metrics.usage()).toMatchObject({ calls: 1, metricsRequested: 1, datapoints: { recent: 60, older: 0 } });
    expect(metrics.callCount).toBe(1);
  });

  it('refuses to spin when the injected sleep does not move the injected clock', async () => {
    cw.on(GetMetricDataCommand).callsFake(echo);
    const frozen = new CloudWatchMetrics(client, { clock: { now: () => END }, sleep: async () => undefined });
    const queries = Array.from({ length: 26 }, (_, i) => query(`q${i}`, { startMs: END - (i + 1) * 60_000 }));
    await expect(frozen.fetch(queries)).rejects.toThrow(/the clock did not advance while sleeping 1000 ms/);
  });

  it('refuses a share outside (0, 1] and non-positive quotas, naming the option', () => {
    expect(() => adapter({ quotaShare: 0 })).toThrow(CloudWatchOptionsError);
    expect(() => adapter({ quotaShare: 1.5 })).toThrow(/quotaShare is a ratio/);
    expect(() => adapter({ quotas: { callsPerSecond: 0 } })).toThrow(/quotas.callsPerSecond/);
    expect(() => adapter({ retry: { maxAttempts: 0 } })).toThrow(/retry.maxAttempts/);
  });
});

describe('createCloudWatchMetrics', () => {
  it('builds the adapter on its own client with the options given', () => {
    const m = createCloudWatchMetrics({ maxConcurrency: 2, clientConfig: { region: 'eu-west-1' } });
    expect(m).toBeInstanceOf(CloudWatchMetrics);
    expect(m.callCount).toBe(0);
  });
});
