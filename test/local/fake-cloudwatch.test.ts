import { GetMetricDataCommand, type GetMetricDataCommandInput, type GetMetricDataCommandOutput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import {
  FakeCloudWatch,
  FakeCloudWatchError,
  FakeInvalidNextTokenError,
  FakeThrottlingError,
  FakeValidationError,
  type FakeCloudWatchOptions,
  type FakeMetric,
  type MetricSample,
  type MetricSource,
  perMinuteSource,
} from '../../functions/local/fake-cloudwatch.ts';
import { VirtualTime } from '../support/virtual-time.ts';

const NOW = Date.UTC(2026, 10, 20, 14, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const nothing: MetricSource = () => [];

function setup(opts: Partial<FakeCloudWatchOptions> = {}) {
  const time = new VirtualTime(NOW);
  const fake = new FakeCloudWatch({ source: nothing, clock: time.clock, sleep: time.sleep, ...opts });
  const send = (input: GetMetricDataCommandInput) => time.run(() => fake.send(new GetMetricDataCommand(input)));
  /** Several calls arriving at the same instant; each settles to its output or its error. */
  const sendAll = (inputs: GetMetricDataCommandInput[]) =>
    time.run(() => Promise.all(inputs.map((i) => fake.send(new GetMetricDataCommand(i)).then((out) => out, (err: unknown) => err as Error))));
  return { time, fake, send, sendAll };
}

function mq(id: string, over: { stat?: string; period?: number; metric?: string; accountId?: string; returnData?: boolean } = {}): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: over.metric ?? 'TargetResponseTime', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop/1' }] },
      Period: over.period ?? 60,
      Stat: over.stat ?? 'Sum',
    },
    ...(over.accountId !== undefined ? { AccountId: over.accountId } : {}),
    ...(over.returnData !== undefined ? { ReturnData: over.returnData } : {}),
  };
}

/** `n` queries of `periods` one-minute periods from `startMs`: n x periods datapoints. */
function call(n: number, startMs: number, periods: number): GetMetricDataCommandInput {
  return {
    MetricDataQueries: Array.from({ length: n }, (_, i) => mq(`q${i}`)),
    StartTime: new Date(startMs),
    EndTime: new Date(startMs + periods * MIN),
    ScanBy: 'TimestampAscending',
  };
}

function isThrottled(r: unknown): r is FakeThrottlingError {
  return r instanceof FakeThrottlingError;
}

describe('FakeCloudWatch: the calls quota (50 per sliding second)', () => {
  it('answers 50 calls in one instant and throttles the 51st with the error the SDK surfaces', async () => {
    const { sendAll, fake } = setup();
    const results = await sendAll(Array.from({ length: 51 }, () => call(1, NOW - HOUR, 60)));
    expect(results.slice(0, 50).every((r) => !(r instanceof Error))).toBe(true);
    const last = results[50];
    expect(last).toBeInstanceOf(FakeThrottlingError);
    expect(last).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      Code: 'Throttling',
      Type: 'Sender',
      Error: { Code: 'Throttling', Type: 'Sender', Message: 'Rate exceeded' },
      quota: 'calls',
    });
    expect(fake.stats).toMatchObject({ requests: 51, calls: 50, throttled: { calls: 1, recent: 0, older: 0 } });
  });

  it('counts a call for exactly one second: still throttled 999 ms later, answered 1,000 ms later', async () => {
    const { sendAll, send, time } = setup({ latencyMs: 0 });
    await sendAll(Array.from({ length: 50 }, () => call(1, NOW - HOUR, 60)));
    time.advance(999);
    await expect(send(call(1, NOW - HOUR, 60))).rejects.toBeInstanceOf(FakeThrottlingError);
    time.advance(1);
    await expect(send(call(1, NOW - HOUR, 60))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  it('never throttles 50 calls a second spread evenly (one every 20 ms for 3 seconds)', async () => {
    const { send, time, fake } = setup({ latencyMs: 0 });
    for (let i = 0; i < 150; i++) {
      await send(call(1, NOW - HOUR, 60));
      time.advance(20);
    }
    expect(fake.stats.throttled).toEqual({ calls: 0, recent: 0, older: 0 });
    expect(fake.peakPerSecond().calls).toBe(50);
  });

  it('a throttled call spends nothing: after a burst of refusals the next second has the full 50', async () => {
    const { sendAll, time } = setup({ latencyMs: 0 });
    const first = await sendAll(Array.from({ length: 60 }, () => call(1, NOW - HOUR, 60)));
    expect(first.filter(isThrottled)).toHaveLength(10);
    time.advance(1000);
    const second = await sendAll(Array.from({ length: 50 }, () => call(1, NOW - HOUR, 60)));
    expect(second.filter(isThrottled)).toHaveLength(0);
  });

  it('shares the quota with other traffic on the account', async () => {
    const { fake, send } = setup();
    fake.consume({ calls: 50 });
    await expect(send(call(1, NOW - HOUR, 60))).rejects.toMatchObject({ name: 'Throttling', quota: 'calls' });
  });
});

describe('FakeCloudWatch: the datapoint quotas by StartTime age', () => {
  // 500 queries x 180 one-minute periods = 90,000 datapoints a call.
  it('recent tier (StartTime at most 3 h back): 180,000 per second, so two calls of 90,000 pass and a third is throttled', async () => {
    const { sendAll, fake } = setup();
    const results = await sendAll([call(500, NOW - 3 * HOUR, 180), call(500, NOW - 3 * HOUR, 180), call(500, NOW - 3 * HOUR, 180)]);
    expect(results.map((r) => (r instanceof Error ? r.name : 'ok'))).toEqual(['ok', 'ok', 'Throttling']);
    expect(results[2]).toMatchObject({ quota: 'recent' });
    expect(fake.stats.datapoints).toEqual({ recent: 180_000, older: 0 });
  });

  it('older tier (StartTime more than 3 h back): 90,000 per second, so one call of 90,000 passes and the next is throttled', async () => {
    const { sendAll, fake } = setup();
    const start = NOW - 3 * HOUR - MIN;
    const results = await sendAll([call(500, start, 180), call(1, start, 1)]);
    expect(results.map((r) => (r instanceof Error ? r.name : 'ok'))).toEqual(['ok', 'Throttling']);
    expect(results[1]).toMatchObject({ quota: 'older' });
    expect(fake.stats.datapoints).toEqual({ recent: 0, older: 90_000 });
  });

  it('keeps the tiers apart: a full older tier does not stop recent reads, and the reverse', async () => {
    const { sendAll } = setup();
    const results = await sendAll([call(500, NOW - DAY, 180), call(500, NOW - HOUR, 60), call(500, NOW - HOUR, 60), call(500, NOW - HOUR, 60)]);
    expect(results.map((r) => (r instanceof Error ? r.name : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('counts requested periods, not returned datapoints: an empty answer still spends them', async () => {
    const { sendAll, fake } = setup();
    const results = await sendAll([call(500, NOW - DAY, 180), call(1, NOW - DAY, 1)]);
    expect(results[1]).toBeInstanceOf(FakeThrottlingError);
    expect(fake.log.map((c) => c.datapoints)).toEqual([90_000]);
  });

  it('shares the datapoint quotas with other traffic on the account', async () => {
    const { fake, send } = setup();
    fake.consume({ datapoints: 89_999, tier: 'older' });
    await expect(send(call(1, NOW - DAY, 2))).rejects.toMatchObject({ quota: 'older' });
    await expect(send(call(1, NOW - HOUR, 2))).resolves.toBeDefined();
  });

  it('peakPerSecond() reports the most each quota saw in any sliding second', async () => {
    const { sendAll, time, fake } = setup({ latencyMs: 0 });
    await sendAll([call(10, NOW - HOUR, 60), call(10, NOW - DAY, 60)]);
    time.advance(600);
    await sendAll([call(10, NOW - HOUR, 60)]);
    time.advance(600);
    await sendAll([call(10, NOW - HOUR, 60)]);
    expect(fake.peakPerSecond()).toEqual({ calls: 3, recent: 1_200, older: 600 });
  });
});

describe('FakeCloudWatch: request validation (API reference rules)', () => {
  const rejects = async (input: GetMetricDataCommandInput, message: RegExp, opts: Partial<FakeCloudWatchOptions> = {}) => {
    const { send } = setup(opts);
    const err = await send(input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FakeValidationError);
    expect(err).toMatchObject({ name: 'ValidationException', Code: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toMatch(message);
  };
  const base = (over: Partial<GetMetricDataCommandInput>): GetMetricDataCommandInput => ({ ...call(1, NOW - HOUR, 60), ...over });

  it('at most 500 queries', async () => {
    await rejects(call(501, NOW - HOUR, 1), /must not have a size greater than 500 \(got 501\)/);
    const { send } = setup();
    await expect(send(call(500, NOW - HOUR, 1))).resolves.toBeDefined();
  });

  it('Ids match ^[a-z][a-zA-Z0-9_]*$ and are unique', async () => {
    for (const id of ['M0', '0m', 'm-1', 'checkout/availability', '']) {
      await rejects(base({ MetricDataQueries: [mq(id)] }), id === '' ? /Id is required/ : /is not valid/);
    }
    await rejects(base({ MetricDataQueries: [mq('a_B9'), mq('a_B9')] }), /is not unique/);
    const { send } = setup();
    await expect(send(base({ MetricDataQueries: [mq('a_B9'), mq('m0')] }))).resolves.toBeDefined();
  });

  it('StartTime before EndTime', async () => {
    await rejects(base({ StartTime: new Date(NOW), EndTime: new Date(NOW) }), /StartTime must not equal parameter EndTime/);
    await rejects(base({ StartTime: new Date(NOW), EndTime: new Date(NOW - MIN) }), /StartTime must be less than the parameter EndTime/);
  });

  it('periods in multiples of 60 s (high-resolution periods are not simulated)', async () => {
    await rejects(base({ MetricDataQueries: [mq('a', { period: 90 })] }), /Period must be 1, 5, 10, 20, 30 or a multiple of 60 \(got 90\)/);
    const { send } = setup();
    await expect(send(base({ MetricDataQueries: [mq('a', { period: 30 })] }))).rejects.toBeInstanceOf(FakeCloudWatchError);
  });

  it('older than 15 days needs multiples of 300 s, older than 63 days of 3,600 s: no data by default, refused when asked', async () => {
    const at = (days: number, period: number): GetMetricDataCommandInput => ({
      MetricDataQueries: [mq('a', { period })],
      StartTime: new Date(NOW - days * DAY),
      EndTime: new Date(NOW - days * DAY + 2 * HOUR),
    });
    const always: MetricSource = (_m, from, to) => Array.from({ length: (to - from) / MIN }, (_, i) => ({ t: from + i * MIN, v: 1 }));
    const { send, fake } = setup({ source: always });
    const noData = await send(at(16, 60));
    expect(noData.MetricDataResults).toEqual([{ Id: 'a', Label: 'TargetResponseTime', Timestamps: [], Values: [], StatusCode: 'Complete' }]);
    expect(fake.stats.coarseResolutionQueries).toBe(1);
    expect((await send(at(16, 300))).MetricDataResults?.[0]?.Values).toHaveLength(24);
    expect((await send(at(64, 300))).MetricDataResults?.[0]?.Values).toEqual([]);
    expect((await send(at(64, 3600))).MetricDataResults?.[0]?.Values).toEqual([60, 60]);
    await rejects(at(16, 60), /must be a multiple of 300 s when StartTime is more than 15 days ago/, { coarseResolution: 'reject' });
    await rejects(at(64, 300), /must be a multiple of 3600 s when StartTime is more than 63 days ago/, { coarseResolution: 'reject' });
  });

  it('statistics: unknown ones are invalid, valid ones the fake does not compute are refused loudly', async () => {
    await rejects(base({ MetricDataQueries: [mq('a', { stat: 'Avg' })] }), /Avg for parameter .* is not a valid statistic/);
    await rejects(base({ MetricDataQueries: [mq('a', { stat: 'TC(0.5:0.3)' })] }), /lower bound must be below the upper bound/);
    const { send } = setup();
    for (const stat of ['p99', 'TM(10%:90%)', 'TC(10%:90%)', 'tc90', 'IQM']) {
      await expect(send(base({ MetricDataQueries: [mq('a', { stat })] }))).rejects.toBeInstanceOf(FakeCloudWatchError);
    }
  });

  it('AccountId is 12 digits', async () => {
    await rejects(base({ MetricDataQueries: [mq('a', { accountId: '1234' })] }), /not a 12-digit account id/);
  });

  it('refuses metric math and anything but GetMetricData', async () => {
    const { send, fake } = setup();
    await expect(send(base({ MetricDataQueries: [{ Id: 'e1', Expression: 'm0 / m1' }] }))).rejects.toBeInstanceOf(FakeCloudWatchError);
    await expect(fake.send({ input: { Namespace: 'x' } })).rejects.toThrow(/answers GetMetricDataCommand only/);
  });

  it('a refused request still counts against the calls quota', async () => {
    const { sendAll } = setup();
    const results = await sendAll([...Array.from({ length: 50 }, () => call(501, NOW - HOUR, 1)), call(1, NOW - HOUR, 1)]);
    expect(results.slice(0, 50).every((r) => r instanceof FakeValidationError)).toBe(true);
    expect(results[50]).toBeInstanceOf(FakeThrottlingError);
  });
});

describe('FakeCloudWatch: statistics from raw values', () => {
  const latency: FakeMetric = { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/shop/1' } };
  /** Per minute from NOW - 10 min: 990 requests at 0.12 s, 10 at 2.5 s; minute 3 has 5 requests at exactly 0.3 s too. */
  const histogram: MetricSource = (metric, from, to) => {
    expect(metric).toEqual(latency);
    const out: MetricSample[] = [];
    for (let t = NOW - 10 * MIN; t < NOW; t += MIN) {
      if (t < from || t >= to) continue;
      const values: [number, number][] = [
        [0.12, 990],
        [2.5, 10],
      ];
      if (t === NOW - 7 * MIN) values.push([0.3, 5]);
      out.push({ t, values });
    }
    return out;
  };
  const ask = async (stat: string, period = 60, source: MetricSource = histogram) => {
    const { send } = setup({ source });
    const out = await send({ MetricDataQueries: [mq('a', { stat, period })], StartTime: new Date(NOW - 10 * MIN), EndTime: new Date(NOW), ScanBy: 'TimestampAscending' });
    const r = out.MetricDataResults![0]!;
    return (r.Values ?? []).map((v, i) => ({ t: r.Timestamps![i]!.getTime(), v }));
  };

  it('Sum, SampleCount, Average, Minimum and Maximum over each period', async () => {
    // 5-minute periods: [NOW-10m, NOW-5m) holds the 0.3 s requests, [NOW-5m, NOW) does not.
    expect(await ask('SampleCount', 300)).toEqual([
      { t: NOW - 10 * MIN, v: 5005 },
      { t: NOW - 5 * MIN, v: 5000 },
    ]);
    const sum = await ask('Sum', 300);
    expect(sum[0]!.v).toBeCloseTo(5 * (990 * 0.12 + 10 * 2.5) + 5 * 0.3, 9);
    expect(sum[1]!.v).toBeCloseTo(5 * (990 * 0.12 + 10 * 2.5), 9);
    const avg = await ask('Average', 300);
    expect(avg[1]!.v).toBeCloseTo((990 * 0.12 + 10 * 2.5) / 1000, 12);
    expect(await ask('Minimum', 300)).toEqual([
      { t: NOW - 10 * MIN, v: 0.12 },
      { t: NOW - 5 * MIN, v: 0.12 },
    ]);
    expect((await ask('Maximum', 300)).map((p) => p.v)).toEqual([2.5, 2.5]);
  });

  it('TC(:x) counts values at or under x: a value exactly at the threshold is good, one unit under the threshold loses it', async () => {
    const at = (stat: string) => ask(stat).then((points) => points.find((p) => p.t === NOW - 7 * MIN)!.v);
    expect(await at('TC(:0.3)')).toBe(995);
    expect(await at('TC(:0.29)')).toBe(990);
    expect(await at('TC(:0.299)')).toBe(990);
    expect(await at('TC(:2.5)')).toBe(1005);
    expect(await at('TC(:0.1)')).toBe(0);
    // Lower bound exclusive: TC(0.3:) counts only values above 0.3.
    expect(await at('TC(0.3:)')).toBe(10);
    expect(await at('TC(0.12:0.3)')).toBe(5);
    expect(await at('TC(0.11:0.3)')).toBe(995);
  });

  it('TC in the unit the values were published in: 300 ms counts under TC(:300), not under TC(:299) or TC(:0.3)', async () => {
    const ms: MetricSource = (_m, from) => [{ t: from, values: [[300, 7], [120, 3]] }];
    const first = (stat: string) => ask(stat, 60, ms).then((p) => p[0]!.v);
    expect(await first('TC(:300)')).toBe(10);
    expect(await first('TC(:299)')).toBe(3);
    expect(await first('TC(:0.3)')).toBe(0);
  });

  it('one value per timestamp: a count published as a number is summed, and counts once for SampleCount', async () => {
    const counts: MetricSource = (_m, from, to) => Array.from({ length: (to - from) / MIN }, (_, i) => ({ t: from + i * MIN, v: 1000 }));
    expect(await ask('Sum', 300, counts)).toEqual([
      { t: NOW - 10 * MIN, v: 5000 },
      { t: NOW - 5 * MIN, v: 5000 },
    ]);
    expect((await ask('SampleCount', 300, counts)).map((p) => p.v)).toEqual([5, 5]);
  });

  it('omits periods without data, and scans newest first unless asked otherwise', async () => {
    const sparse: MetricSource = () => [
      { t: NOW - 9 * MIN, v: 1 },
      { t: NOW - 2 * MIN, v: 2 },
      { t: NOW - 2 * MIN + 30_000, v: 3 },
    ];
    const { send } = setup({ source: sparse });
    const out = await send({ MetricDataQueries: [mq('a')], StartTime: new Date(NOW - 10 * MIN), EndTime: new Date(NOW) });
    expect(out.MetricDataResults?.[0]).toMatchObject({ Timestamps: [new Date(NOW - 2 * MIN), new Date(NOW - 9 * MIN)], Values: [5, 1], StatusCode: 'Complete' });
  });

  it('passes AccountId to the source, leaves out ReturnData false, and fails one series when the source throws', async () => {
    const seen: FakeMetric[] = [];
    const source: MetricSource = (metric, from) => {
      seen.push(metric);
      if (metric.metricName === 'Denied') throw Object.assign(new Error('no access to namespace'), { name: 'Forbidden' });
      if (metric.metricName === 'Broken') throw new Error('boom');
      return [{ t: from, v: 1 }];
    };
    const { send } = setup({ source });
    const out = await send({
      MetricDataQueries: [mq('a', { accountId: '123456789012' }), mq('b', { returnData: false }), mq('c', { metric: 'Denied' }), mq('d', { metric: 'Broken' })],
      StartTime: new Date(NOW - MIN),
      EndTime: new Date(NOW),
    });
    expect(seen[0]).toMatchObject({ accountId: '123456789012' });
    expect(out.MetricDataResults?.map((r) => [r.Id, r.StatusCode, r.Messages?.[0]?.Value])).toEqual([
      ['a', 'Complete', undefined],
      ['c', 'Forbidden', 'no access to namespace'],
      ['d', 'InternalError', 'boom'],
    ]);
  });
});

describe('FakeCloudWatch: perMinuteSource for synthetic traffic', () => {
  it('turns per-minute counts and latency histograms into every statistic the contracts ask for', async () => {
    // An ALB at 1,000 requests a minute, 5 of them slow, and an outage minute at NOW - 3 min: all slow.
    const source = perMinuteSource((m, t) => {
      if (m.dimensions.LoadBalancer !== 'app/shop/1') return undefined;
      if (m.metricName === 'RequestCount') return 1000;
      if (m.metricName === 'TargetResponseTime') {
        return t === NOW - 3 * MIN
          ? [[2.5, 1000]]
          : [
              [0.12, 995],
              [2.5, 5],
            ];
      }
      return undefined;
    });
    const { send } = setup({ source });
    const out = await send({
      MetricDataQueries: [
        mq('total', { metric: 'RequestCount', stat: 'Sum', period: 300 }),
        mq('count', { metric: 'TargetResponseTime', stat: 'SampleCount', period: 300 }),
        mq('fast', { metric: 'TargetResponseTime', stat: 'TC(:0.3)', period: 300 }),
        mq('other', { metric: 'HTTPCode_Target_5XX_Count', stat: 'Sum', period: 300 }),
      ],
      StartTime: new Date(NOW - 10 * MIN),
      EndTime: new Date(NOW),
      ScanBy: 'TimestampAscending',
    });
    expect(Object.fromEntries(out.MetricDataResults!.map((r) => [r.Id, r.Values]))).toEqual({
      total: [5000, 5000],
      count: [5000, 5000],
      fast: [4975, 3980],
      other: [],
    });
  });

  it('starts at the first whole minute of the range and stops before its end', () => {
    const source = perMinuteSource(() => 1);
    const minutes = [...source({ namespace: 'n', metricName: 'm', dimensions: {} }, NOW - 2 * MIN - 1, NOW)].map((s) => s.t);
    expect(minutes).toEqual([NOW - 2 * MIN, NOW - MIN]);
  });
});

describe('FakeCloudWatch: pages and latency', () => {
  const everyMinute: MetricSource = (_m, from, to) => Array.from({ length: Math.ceil((to - from) / MIN) }, (_, i) => ({ t: from + i * MIN, v: i }));

  it('pages by MaxDatapoints through NextToken, charging each page what it returns', async () => {
    const { send, fake } = setup({ source: everyMinute });
    const input: GetMetricDataCommandInput = { ...call(3, NOW - HOUR, 60), MaxDatapoints: 100 };
    const first = await send(input);
    // 100 / 3 queries = 33 periods a query a page.
    expect(first.NextToken).toBeDefined();
    expect(first.MetricDataResults?.map((r) => [r.StatusCode, r.Values?.length])).toEqual([
      ['PartialData', 33],
      ['PartialData', 33],
      ['PartialData', 33],
    ]);
    const second = await send({ ...input, NextToken: first.NextToken! });
    expect(second.NextToken).toBeUndefined();
    expect(second.MetricDataResults?.map((r) => [r.StatusCode, r.Values?.length])).toEqual([
      ['Complete', 27],
      ['Complete', 27],
      ['Complete', 27],
    ]);
    const q0 = [...first.MetricDataResults![0]!.Timestamps!, ...second.MetricDataResults![0]!.Timestamps!].map((d) => d.getTime());
    expect(q0).toEqual(Array.from({ length: 60 }, (_, i) => NOW - HOUR + i * MIN));
    expect(fake.log.map((c) => c.datapoints)).toEqual([99, 81]);
    expect(fake.stats.metricsRequested).toBe(3);
  });

  it('pages at 100,800 datapoints by default', async () => {
    // One query of 110,100 one-minute periods (1,835 h, so the hour-rounding of a StartTime older than 63 days
    // changes nothing); MaxDatapoints above 100,800 is held to it; a raised older quota lets both pages through.
    const { send, fake } = setup({ quotas: { olderDatapointsPerSecond: 1_000_000 } });
    const input: GetMetricDataCommandInput = { MetricDataQueries: [mq('a')], StartTime: new Date(NOW - 1835 * HOUR), EndTime: new Date(NOW), MaxDatapoints: 500_000 };
    const first = await send(input);
    await send({ ...input, NextToken: first.NextToken! });
    expect(fake.log.map((c) => c.datapoints)).toEqual([100_800, 9_300]);
  });

  it('refuses a NextToken that was not issued for this request', async () => {
    const { send } = setup({ source: everyMinute });
    const input: GetMetricDataCommandInput = { ...call(3, NOW - HOUR, 60), MaxDatapoints: 100 };
    const first = await send(input);
    await expect(send({ ...call(2, NOW - HOUR, 60), MaxDatapoints: 100, NextToken: first.NextToken! })).rejects.toBeInstanceOf(FakeInvalidNextTokenError);
    await expect(send({ ...input, NextToken: 'garbage' })).rejects.toMatchObject({ name: 'InvalidNextToken', $metadata: { httpStatusCode: 400 } });
  });

  it('takes latencyMs of (virtual) time per call, errors included', async () => {
    const { send, time } = setup({ latencyMs: 250 });
    await send(call(1, NOW - HOUR, 1));
    expect(time.now()).toBe(NOW + 250);
    await expect(send(call(501, NOW - HOUR, 1))).rejects.toBeInstanceOf(FakeValidationError);
    expect(time.now()).toBe(NOW + 500);
  });

  it('returns the SDK output shape', async () => {
    const { send } = setup({ source: everyMinute });
    const out: GetMetricDataCommandOutput = await send(call(1, NOW - 2 * MIN, 2));
    expect(out).toEqual({
      MetricDataResults: [{ Id: 'q0', Label: 'TargetResponseTime', Timestamps: [new Date(NOW - 2 * MIN), new Date(NOW - MIN)], Values: [0, 1], StatusCode: 'Complete' }],
      Messages: [],
      $metadata: { httpStatusCode: 200, requestId: 'fake-1', attempts: 1, totalRetryDelay: 0 },
    });
  });
});
