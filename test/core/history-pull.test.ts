/**
 * History from CloudWatch: the pull plan (periods per part of the range, chunks of one GetMetricData call), the
 * series it reads (the evaluator's own), and the pull through the real adapter on a mocked client: the exact
 * requests, both series batched into one call per range, NextToken pages followed, and history that adds up
 * across the resolution boundaries (a backtest over it sees the same error ratio everywhere).
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '../../functions/adapters/cloudwatch.ts';
import { metricSpecs, planObjective, queriesFor } from '../../functions/core/assess.ts';
import { planPull, pullDatapoints } from '../../functions/core/history.ts';
import { backtest } from '../../functions/core/backtest.ts';
import type { Contract } from '../../functions/core/contract.ts';
import { historyFromCloudWatch } from '../../bin/history.ts';
import { main, type CliIo } from '../../bin/slo.ts';
import type { HistoryIo } from '../../bin/backtest-command.ts';
import { checkout, DAY, HOUR, MIN } from '../support/contracts.ts';

const NOW = Date.parse('2026-11-26T00:00:00Z');

const RATIO = checkout({
  window: { rolling: '30d' },
  objectives: [
    {
      name: 'availability',
      target: 99.5,
      sli: {
        ratio: {
          good: { namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_2XX_Count', dimensions: { LoadBalancer: 'app/shop/1' }, stat: 'Sum' },
          total: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dimensions: { LoadBalancer: 'app/shop/1' }, stat: 'Sum' },
        },
      },
    },
  ],
});

const LATENCY = checkout({
  objectives: [{ name: 'latency', target: 99, sli: { latency: { metric: { namespace: 'AWS/ApiGateway', metric: 'Latency', unit: 'milliseconds', dimensions: { ApiName: 'shop' } }, threshold: '2.01s' } } }],
});

const CANARY = checkout({
  objectives: [{ name: 'up', target: 99.5, sli: { timeslice: { metric: { namespace: 'CloudWatchSynthetics', metric: 'SuccessPercent', dimensions: { CanaryName: 'home' }, stat: 'Average' }, good: '>= 100', period: '5m' } } }],
});

describe('the pull plan', () => {
  it('reads the series the evaluator reads (same metrics, statistics and threshold)', () => {
    for (const c of [RATIO, LATENCY, CANARY] as Contract[]) {
      const objective = c.spec.objectives[0]!;
      const plan = planObjective(c, objective, undefined, NOW);
      const evaluator = queriesFor(objective, plan, plan.stages.length, 'q').map((q) => `${q.role} ${q.query.namespace} ${q.query.metricName} ${JSON.stringify(q.query.dimensions)} ${q.query.stat}`);
      const ours = planPull(objective, NOW - DAY, NOW, NOW).flatMap((chunk) => chunk.queries.map((q) => `${q.role} ${q.namespace} ${q.metricName} ${JSON.stringify(q.dimensions)} ${q.stat}`));
      expect([...new Set(evaluator)].sort()).toEqual([...new Set(ours)].sort());
    }
    expect(metricSpecs(LATENCY.spec.objectives[0]!).map((s) => s.stat)).toEqual(['TC(:2010)', 'SampleCount']);
  });

  it('100 days back: hourly beyond 63 days, 5-minute beyond 15, 1-minute after, one call per part (worked by hand)', () => {
    const chunks = planPull(RATIO.spec.objectives[0]!, NOW - 100 * DAY, NOW, NOW);
    // resolutionSegments keeps an hour's margin inside each retention boundary, aligned to the older period:
    // hourly to now - 63 d + 2 h, 5-minute to now - 15 d + 1 h 5 min, then 1-minute.
    expect(chunks.map((c) => [new Date(c.fromMs).toISOString(), new Date(c.toMs).toISOString(), c.periodMs / 1000])).toEqual([
      ['2026-08-18T00:00:00.000Z', '2026-09-24T02:00:00.000Z', 3600],
      ['2026-09-24T02:00:00.000Z', '2026-11-11T01:05:00.000Z', 300],
      ['2026-11-11T01:05:00.000Z', '2026-11-26T00:00:00.000Z', 60],
    ]);
    // Per series: (37 d + 2 h) / 1 h = 890; (48 d - 55 min) / 5 min = 13,813; (15 d - 65 min) / 1 min = 21,535.
    expect(pullDatapoints(chunks)).toBe(2 * (890 + 13_813 + 21_535));
    for (const c of chunks) expect(c.queries.map((q) => q.role)).toEqual(['numerator', 'total']);
  });

  it('splits a part into calls of at most 100,800 datapoints (50,400 per series)', () => {
    const chunks = planPull(RATIO.spec.objectives[0]!, NOW - 400 * DAY, NOW, NOW, { periodMs: 60 * MIN });
    expect(chunks.map((c) => (c.toMs - c.fromMs) / HOUR)).toEqual([400 * 24]);
    const fine = planPull(RATIO.spec.objectives[0]!, NOW - 14 * DAY, NOW, NOW);
    // 14 days of minutes = 20,160 per series: one call. 40 days at 1 minute would need two.
    expect(fine).toHaveLength(1);
    const forced = planPull(RATIO.spec.objectives[0]!, NOW - 40 * DAY, NOW, NOW, { periodMs: MIN });
    expect(forced.map((c) => (c.toMs - c.fromMs) / MIN)).toEqual([50_400, 57_600 - 50_400]);
  });
});

describe('pulling through the CloudWatch adapter (mocked client)', () => {
  const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const cw = mockClient(client);
  /** Points per query per page: the third range (21,535 minutes) needs three pages. */
  const PAGE = 10_000;

  /** CloudWatch as the mock: 1,000 requests a minute, 2 bad; any period; paged by PAGE points per query. */
  function answer(input: GetMetricDataCommandInput) {
    const start = (input.StartTime as Date).getTime();
    const end = (input.EndTime as Date).getTime();
    const offset = Number(input.NextToken ?? 0);
    let more = false;
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
      const period = q.MetricStat!.Period! * 1000;
      const perMinute = q.MetricStat!.Metric!.MetricName === 'RequestCount' ? 1000 : 998;
      const timestamps: Date[] = [];
      const values: number[] = [];
      for (let t = start + offset * period, n = 0; t < end && n < PAGE; t += period, n++) {
        timestamps.push(new Date(t));
        values.push((perMinute * period) / MIN);
      }
      if (start + (offset + PAGE) * period < end) more = true;
      return { Id: q.Id, Timestamps: timestamps, Values: values, StatusCode: more ? 'PartialData' : 'Complete' };
    });
    return { MetricDataResults: results, ...(more ? { NextToken: String(offset + PAGE) } : {}) };
  }

  beforeEach(() => {
    cw.reset();
    cw.on(GetMetricDataCommand).callsFake(answer);
  });

  const inputs = () => cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);

  it('sends one call per part with both series, at its period, and follows NextToken', async () => {
    const objective = RATIO.spec.objectives[0]!;
    const history = await historyFromCloudWatch(new CloudWatchMetrics(client), objective, { fromMs: NOW - 100 * DAY, toMs: NOW, nowMs: NOW });
    const calls = inputs();
    const shape = calls.map((i) => [(i.StartTime as Date).toISOString(), (i.EndTime as Date).toISOString(), i.MetricDataQueries!.map((q) => `${q.MetricStat!.Metric!.MetricName}/${q.MetricStat!.Period}/${q.MetricStat!.Stat}`), i.NextToken ?? null]);
    // Parts run concurrently: compare in time order.
    expect(shape.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[3] ?? 0) - Number(b[3] ?? 0))).toEqual([
      ['2026-08-18T00:00:00.000Z', '2026-09-24T02:00:00.000Z', ['HTTPCode_Target_2XX_Count/3600/Sum', 'RequestCount/3600/Sum'], null],
      ['2026-09-24T02:00:00.000Z', '2026-11-11T01:05:00.000Z', ['HTTPCode_Target_2XX_Count/300/Sum', 'RequestCount/300/Sum'], null],
      ['2026-09-24T02:00:00.000Z', '2026-11-11T01:05:00.000Z', ['HTTPCode_Target_2XX_Count/300/Sum', 'RequestCount/300/Sum'], '10000'],
      ['2026-11-11T01:05:00.000Z', '2026-11-26T00:00:00.000Z', ['HTTPCode_Target_2XX_Count/60/Sum', 'RequestCount/60/Sum'], null],
      ['2026-11-11T01:05:00.000Z', '2026-11-26T00:00:00.000Z', ['HTTPCode_Target_2XX_Count/60/Sum', 'RequestCount/60/Sum'], '10000'],
      ['2026-11-11T01:05:00.000Z', '2026-11-26T00:00:00.000Z', ['HTTPCode_Target_2XX_Count/60/Sum', 'RequestCount/60/Sum'], '20000'],
    ]);
    for (const i of calls) expect(i.ScanBy).toBe('TimestampAscending');
    // Every minute of the 100 days once: no overlap, no gap at the period boundaries.
    const total = history.buckets.reduce((n, b) => n + b.total, 0);
    expect(total).toBe(1000 * 100 * 24 * 60);
    expect(history.buckets.reduce((n, b) => n + b.good, 0)).toBe(998 * 100 * 24 * 60);
    // A backtest over it: 0.2 % bad everywhere, so 99.5 % keeps 60 % at every step, across the boundaries.
    const r = backtest(RATIO, objective, history.buckets, [99.5], { fromMs: history.fromMs, toMs: history.toMs });
    expect(r.approximateBefore).toBe(Date.parse('2026-11-11T01:05:00.000Z'));
    for (const v of r.targets[0]!.remaining) expect(v).toBeCloseTo(60, 6);
  });

  it('slo backtest --from 100d reads CloudWatch and says so; a refused series ends the command with its reason', async () => {
    let stdout = '';
    let stderr = '';
    const io: CliIo & HistoryIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), nowMs: () => NOW, writeFile: () => undefined, isTTY: false, env: {}, metrics: () => new CloudWatchMetrics(client) };
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slo-pull-'));
    try {
      const file = path.join(dir, 'checkout.yaml');
      const { stringify } = await import('yaml');
      writeFileSync(file, stringify(RATIO));
      const code = await main(['node', 'slo', 'backtest', file, '--from', '100d', '--json'], io);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const doc = JSON.parse(stdout) as { source: string; history: { from: string }; targets: { targetPct: number; final: { tier: string } }[] };
      // Up to now less the evaluator's 3-minute data lag (CloudWatch may still be filling the newest minutes):
      // 3 minutes fewer than the plan above, per series.
      expect(doc.source).toBe('CloudWatch (3 GetMetricData calls, 72,470 datapoints asked for)');
      expect(doc.history.from).toBe('2026-08-18T00:00:00.000Z');
      expect(doc.targets.map((t) => [t.targetPct, t.final.tier])).toEqual([
        [99, 'healthy'],
        [99.5, 'healthy'],
        [99.9, 'exhausted'],
      ]);

      cw.reset();
      cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm0', StatusCode: 'Forbidden', Messages: [{ Code: 'AccessDenied', Value: 'not authorized to read AWS/ApplicationELB' }] }, { Id: 'm1', StatusCode: 'Complete', Timestamps: [], Values: [] }] });
      stdout = '';
      const denied = await main(['node', 'slo', 'backtest', file, '--from', '10d'], io);
      expect(denied).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe('error: CloudWatch refused part of the history: AWS/ApplicationELB/HTTPCode_Target_2XX_Count Sum: Forbidden: AccessDenied: not authorized to read AWS/ApplicationELB\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
