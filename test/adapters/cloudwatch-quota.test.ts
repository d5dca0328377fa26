/**
 * The quota-aware adapter against the fake CloudWatch that enforces the real quotas, in virtual time: the
 * fake takes 100 ms per call and throttles exactly what AWS would; the adapter must stay within its share,
 * recover when someone else takes the quota, and fail only the series of a call that never gets through.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloudWatchMetrics, type CloudWatchMetricsOptions } from '../../functions/adapters/cloudwatch.ts';
import { FakeCloudWatch, type FakeCloudWatchOptions, type MetricSource } from '../../functions/local/fake-cloudwatch.ts';
import type { MetricQuery } from '../../functions/ports.ts';
import { VirtualTime } from '../support/virtual-time.ts';

const NOW = Date.UTC(2026, 10, 20, 14, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** One value per query range start: every series has data, and generating it costs nothing. */
const firstMinute: MetricSource = (metric, from) => [{ t: from, v: Number(metric.dimensions.n ?? 0) }];

function world(opts: { fake?: Partial<FakeCloudWatchOptions>; adapter?: CloudWatchMetricsOptions } = {}) {
  const time = new VirtualTime(NOW);
  const fake = new FakeCloudWatch({ source: firstMinute, clock: time.clock, sleep: time.sleep, latencyMs: 100, ...opts.fake });
  let draws = 0;
  // Deterministic jitter: a fixed sequence in [0, 1).
  const random = () => ((draws++ * 0.618_033_988_75) % 1 + 1) % 1;
  const metrics = new CloudWatchMetrics(fake, { clock: time.clock, sleep: time.sleep, random, maxConcurrency: 8, ...opts.adapter });
  return { time, fake, metrics };
}

/** `count` queries over [startMs, startMs + minutes) at `periodSeconds`, ids prefixed by `prefix`. */
function group(prefix: string, count: number, startMs: number, minutes: number, periodSeconds = 60): MetricQuery[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    namespace: 'AWS/ApplicationELB',
    metricName: 'RequestCount',
    dimensions: { LoadBalancer: `app/${prefix}`, n: String(i) },
    stat: 'Sum',
    periodSeconds,
    startMs,
    endMs: startMs + minutes * MIN,
  }));
}

describe('CloudWatchMetrics against the quota-enforcing fake', () => {
  it('stays within half of every quota in every sliding second, is never throttled, and reads every series', async () => {
    const { time, fake, metrics } = world();
    const queries = [
      // An incremental run: 20,000 series x the last 15 minutes (recent tier, 15 points each): 40 calls.
      ...group('inc', 20_000, NOW - 15 * MIN, 15),
      // Rebuilds reaching back a day at 60 s (older tier, 1,440 points each: 31 a call).
      ...group('day', 200, NOW - DAY, 24 * 60),
      // A reconciliation over 30 days at 300 s (older tier, 8,640 points each: 5 a call).
      ...group('rec', 60, NOW - 30 * DAY, 30 * 24 * 60, 300),
    ];
    const result = await time.run(() => metrics.fetch(queries));

    expect(fake.stats.throttled).toEqual({ calls: 0, recent: 0, older: 0 });
    const peak = fake.peakPerSecond();
    expect(peak.calls).toBeLessThanOrEqual(25);
    expect(peak.recent).toBeLessThanOrEqual(90_000);
    expect(peak.older).toBeLessThanOrEqual(45_000);
    // The older tier is what takes time: 200 x 1,440 + 60 x 8,640 = 806,400 datapoints at 45,000 a second.
    expect(peak.older).toBeGreaterThan(40_000);
    expect(time.now() - NOW).toBeGreaterThanOrEqual(Math.floor(806_400 / 45_000) * 1000);

    expect(result.size).toBe(queries.length);
    for (const q of queries) expect(result.get(q.id)).toEqual({ ok: true, points: [{ t: q.startMs, v: Number(q.dimensions.n) }] });
    const usage = metrics.usage();
    expect(usage).toMatchObject({ calls: fake.stats.calls, metricsRequested: fake.stats.metricsRequested, throttles: 0, retries: 0, deadlineExceeded: 0 });
    expect(usage.datapoints).toEqual(fake.stats.datapoints);
    expect(usage.datapoints).toEqual({ recent: 20_000 * 15, older: 806_400 });
    expect(usage.waitMs).toBeGreaterThan(0);
  });

  it('property: for any share and any mix of reads, the adapter alone is never throttled and never exceeds its share', async () => {
    const readGroup = fc.record({
      ageMinutes: fc.integer({ min: 0, max: 20 * 24 * 60 }),
      minutes: fc.integer({ min: 1, max: 24 * 60 }),
      period: fc.constantFrom(60, 300),
      count: fc.integer({ min: 1, max: 700 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0.1, 0.25, 0.5, 0.8, 1),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 300 }),
        fc.array(readGroup, { minLength: 1, maxLength: 5 }),
        async (share, maxConcurrency, latencyMs, groups) => {
          const { time, fake, metrics } = world({ fake: { source: () => [], latencyMs }, adapter: { quotaShare: share, maxConcurrency } });
          const queries = groups.flatMap((g, i) => group(`g${i}_`, g.count, NOW - g.ageMinutes * MIN - g.minutes * MIN, g.minutes, g.period));
          const result = await time.run(() => metrics.fetch(queries));
          expect(fake.stats.throttled).toEqual({ calls: 0, recent: 0, older: 0 });
          const peak = fake.peakPerSecond();
          expect(peak.calls).toBeLessThanOrEqual(Math.floor(50 * share));
          expect(peak.recent).toBeLessThanOrEqual(Math.floor(180_000 * share));
          expect(peak.older).toBeLessThanOrEqual(Math.floor(90_000 * share));
          expect([...result.values()].every((r) => r.ok)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('counts datapoints from StartTime as CloudWatch rounds it: a read 15 days back starting off the 5-minute grid', async () => {
    // Found by the property above: 539 queries of 9 one-minute periods from 21,736 minutes back. CloudWatch
    // rounds that StartTime down to 5 minutes, so each query costs 10 periods, not 9: 5,390 per call, not 4,851.
    const { time, fake, metrics } = world({ fake: { source: () => [] }, adapter: { quotaShare: 0.25, maxConcurrency: 1 } });
    const queries = group('g', 539, NOW - 21_736 * MIN, 9);
    await time.run(() => metrics.fetch([...group('a', 390, NOW - 771 * MIN, 771, 300), ...queries]));
    expect(fake.stats.throttled).toEqual({ calls: 0, recent: 0, older: 0 });
    expect(fake.peakPerSecond().older).toBeLessThanOrEqual(22_500);
    expect(metrics.usage().datapoints.older).toBe(fake.stats.datapoints.older);
  });

  it('recovers when other traffic takes the quota: backs off, retries, and reads everything', async () => {
    const { time, fake, metrics } = world();
    // A dashboard burst takes the whole calls quota at the start and again 1.5 s later.
    fake.consume({ calls: 50 });
    const queries = group('q', 10_000, NOW - 15 * MIN, 15);
    const [result] = await time.run(() =>
      Promise.all([
        metrics.fetch(queries),
        (async () => {
          await time.sleep(1500);
          fake.consume({ calls: 50 });
        })(),
      ]),
    );
    expect(fake.stats.throttled.calls).toBeGreaterThan(0);
    expect([...result.values()].every((r) => r.ok)).toBe(true);
    const usage = metrics.usage();
    expect(usage.throttles).toBe(fake.stats.throttled.calls);
    expect(usage.retries).toBe(usage.throttles);
    expect(usage.backoffMs).toBeGreaterThan(0);
    expect(usage.calls).toBe(fake.stats.calls + fake.stats.throttled.calls);
  });

  it('a call throttled to death fails only its own series, with the reason, and others are read', async () => {
    // The account's older tier is already spent by someone else (a quota of 1,000 datapoints/s left to us).
    const { time, fake, metrics } = world({ fake: { quotas: { olderDatapointsPerSecond: 1_000 } } });
    const recent = group('r', 600, NOW - 15 * MIN, 15);
    const old = group('o', 3, NOW - DAY, 24 * 60);
    const result = await time.run(() => metrics.fetch([...old, ...recent]));
    for (const q of recent) expect(result.get(q.id)).toMatchObject({ ok: true });
    for (const q of old) {
      expect(result.get(q.id)).toEqual({
        ok: false,
        error: { code: 'Throttling', message: 'Rate exceeded (GetMetricData still throttled after 6 attempts; left for the next run)' },
      });
    }
    expect(fake.stats.throttled.older).toBe(6);
    expect(metrics.usage()).toMatchObject({ throttles: 6, retries: 5 });
  });

  it('with a time budget, leaves what cannot start in time as DeadlineExceeded and reads the rest', async () => {
    const { time, metrics } = world();
    // 10 days at 60 s = 14,400 points a query: 3 per call of 43,200 at 45,000/s, one call a second.
    const old = group('o', 30, NOW - 10 * DAY, 10 * 24 * 60);
    const result = await time.run(() => metrics.fetch(old, { timeBudgetMs: 4_500 }));
    const ok = [...result.values()].filter((r) => r.ok).length;
    const late = [...result.values()].filter((r) => !r.ok && r.error.code === 'DeadlineExceeded').length;
    // Calls start at t = 0, 1, 2, 3, 4 s; the sixth would start at 5 s, after the budget.
    expect(ok).toBe(15);
    expect(late).toBe(15);
    expect(metrics.usage().deadlineExceeded).toBe(15);
    expect(time.now() - NOW).toBeLessThan(4_500 + 100 + 1);
  });
});
