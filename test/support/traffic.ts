/**
 * A scripted ALB: 100 requests a minute, all good unless a burst of bad requests is scheduled.
 * Serves MemoryMetrics (and the demo/bench) per query at the query's period.
 */
import type { Datapoint, MetricQuery } from '../../functions/ports.ts';

export class Traffic {
  /** Requests per minute. */
  rate = 100;
  /** minute start (epoch ms) -> bad requests in that minute. */
  readonly bursts = new Map<number, number>();
  /** When set, every series returns nothing (an idle or broken publisher). */
  silent = false;
  /** Latency of every request, in the latency metric's own unit: TC(:x) counts requests at or under x. */
  latency = 0.1;
  /** Metric names whose queries fail as CloudWatch would per series. */
  readonly failing = new Map<string, Error>();

  /** `bad` failing requests from `atMs` on: every request of a minute fails until the count is spent. */
  burst(atMs: number, bad: number): this {
    let minute = Math.floor(atMs / 60_000) * 60_000;
    for (let left = bad; left > 0; minute += 60_000) {
      const here = Math.min(this.rate - (this.bursts.get(minute) ?? 0), left);
      this.bursts.set(minute, (this.bursts.get(minute) ?? 0) + here);
      left -= here;
    }
    return this;
  }

  private badBetween(fromMs: number, toMs: number): number {
    let bad = 0;
    // Minute by minute through the range (bursts sit on minute starts): cheap however many bursts there are.
    for (let t = Math.ceil(fromMs / 60_000) * 60_000; t < toMs; t += 60_000) bad += this.bursts.get(t) ?? 0;
    return bad;
  }

  readonly generate = (q: MetricQuery): Datapoint[] => {
    const failure = this.failing.get(q.metricName);
    if (failure) throw failure;
    if (this.silent) return [];
    const periodMs = q.periodSeconds * 1000;
    const perPeriod = this.rate * (periodMs / 60_000);
    const points: Datapoint[] = [];
    for (let t = q.startMs; t < q.endMs; t += periodMs) {
      const bad = Math.min(perPeriod, this.badBetween(t, t + periodMs));
      const tc = /^TC\(:(-?\d+(?:\.\d+)?)\)$/.exec(q.stat);
      if (q.stat.startsWith('TC(') && !tc) throw new Error(`Traffic answers TC(:x) only, got ${q.stat}`);
      if (tc) {
        points.push({ t, v: this.latency <= Number(tc[1]) ? perPeriod : 0 });
        continue;
      }
      const v = q.metricName === 'RequestCount' || q.stat === 'SampleCount' ? perPeriod : q.metricName.includes('5XX') ? bad : perPeriod - bad;
      points.push({ t, v });
    }
    return points;
  };
}
