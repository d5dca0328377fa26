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
    for (const [t, n] of this.bursts) if (t >= fromMs && t < toMs) bad += n;
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
      const v = q.metricName === 'RequestCount' ? perPeriod : q.metricName.includes('5XX') ? bad : perPeriod - bad;
      points.push({ t, v });
    }
    return points;
  };
}
