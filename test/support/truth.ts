/**
 * A deterministic minute-by-minute truth for equivalence tests: every minute has final good and total counts
 * (from a seeded hash, so nothing is stored), an arrival delay (late data), and optional incidents. As a
 * MemoryMetrics generator it answers like CloudWatch at the moment of the query: minutes that have not arrived
 * are absent, and a query's period sums the minutes inside it (60 s, 300 s or 3600 s alike).
 */
import type { Datapoint, MetricQuery } from '../../functions/ports.ts';

const MIN = 60_000;

/** A 32-bit integer mix of `n` and `seed`: deterministic pseudo-random traffic for the test series. */
export function hash(n: number, seed: number): number {
  let h = (n ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface TruthOptions {
  seed: number;
  /** Mean requests per minute (each minute varies by up to +-40 %). */
  rate: number;
  /** Share of minutes with some bad requests, and how many at most. */
  badEvery: number;
  maxBad: number;
  /** Longest delay after its minute ends before a minute's data arrives (ms); 0 = on time. */
  maxLatenessMs: number;
  /** Minutes with no traffic at all (nothing published), e.g. a quiet night. */
  silent?: (minuteStart: number) => boolean;
  /** Extra bad requests in [fromMs, toMs) as a share of each minute's requests. */
  incidents?: { fromMs: number; toMs: number; errorRatio: number }[];
}

export class Truth {
  constructor(
    readonly o: TruthOptions,
    /** The moment queries are answered at (the test's clock). */
    private readonly now: () => number,
  ) {}

  /** Final counts of the minute starting at t. */
  minute(t: number): { good: number; total: number } {
    if (this.o.silent?.(t)) return { good: 0, total: 0 };
    const m = t / MIN;
    const total = Math.max(1, Math.round(this.o.rate * (0.6 + ((hash(m, this.o.seed) % 800) / 1000))));
    let bad = hash(m, this.o.seed ^ 0x9e3779b9) % this.o.badEvery === 0 ? Math.min(total, 1 + (hash(m, this.o.seed ^ 0x1234567) % this.o.maxBad)) : 0;
    for (const i of this.o.incidents ?? []) if (t >= i.fromMs && t < i.toMs) bad = Math.min(total, bad + Math.round(total * i.errorRatio));
    return { good: total - bad, total };
  }

  /** When the minute's data is visible in CloudWatch. */
  arrival(t: number): number {
    return t + MIN + (this.o.maxLatenessMs > 0 ? hash(t / MIN, this.o.seed ^ 0x7f4a7c15) % (this.o.maxLatenessMs + 1) : 0);
  }

  /** Counts visible at `at` over minutes in [fromMs, toMs). */
  visible(fromMs: number, toMs: number, at: number): { good: number; total: number } {
    let good = 0;
    let total = 0;
    for (let t = fromMs; t < toMs; t += MIN) {
      if (this.arrival(t) > at) continue;
      const c = this.minute(t);
      good += c.good;
      total += c.total;
    }
    return { good, total };
  }

  /** The MemoryMetrics generator: metric `Good` or `Total`, any period; periods with nothing visible are absent. */
  readonly generate = (q: MetricQuery): Datapoint[] => {
    const at = this.now();
    const periodMs = q.periodSeconds * 1000;
    const out: Datapoint[] = [];
    for (let t = q.startMs; t < q.endMs; t += periodMs) {
      let v = 0;
      let any = false;
      for (let m = t; m < t + periodMs; m += MIN) {
        if (this.arrival(m) > at) continue;
        const c = this.minute(m);
        if (c.total === 0) continue;
        any = true;
        v += q.metricName === 'Total' ? c.total : c.good;
      }
      if (any) out.push({ t, v });
    }
    return out;
  };
}
