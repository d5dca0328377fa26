/**
 * Minute-by-minute histories for backtest tests: the same data as history buckets (what a CSV file gives the
 * backtest) and as a MemoryMetrics generator (what CloudWatch gives the evaluator), so both can be run on it.
 */
import type { HistoryBucket } from '../../functions/core/backtest.ts';
import type { Datapoint, MetricQuery } from '../../functions/ports.ts';
import { hash } from './truth.ts';

const MIN = 60_000;

export interface Incident {
  fromMs: number;
  toMs: number;
  /** Share of each minute's requests that fail (counts), or 1 = every slice bad (timeslices). */
  errorRatio: number;
}

export interface CountSeriesOptions {
  seed: number;
  fromMs: number;
  toMs: number;
  /** Mean requests per minute (each minute varies by up to +-40 %). */
  rate: number;
  /** One minute in `badEvery` has a few bad requests (up to maxBad). */
  badEvery: number;
  maxBad: number;
  incidents?: Incident[];
  /** Minutes that publish nothing at all. */
  silent?: (minuteStart: number) => boolean;
  /** Minutes that publish a total of 0 (the metric reported, no events). */
  idle?: (minuteStart: number) => boolean;
}

/** Dense per-minute good/total over [fromMs, toMs); NaN total = nothing published that minute. */
export class CountSeries {
  readonly good: Float64Array;
  readonly total: Float64Array;
  readonly fromMs: number;
  readonly toMs: number;
  private readonly cumGood: Float64Array;
  private readonly cumTotal: Float64Array;
  private readonly cumSeen: Float64Array;

  constructor(o: CountSeriesOptions) {
    this.fromMs = o.fromMs;
    this.toMs = o.toMs;
    const n = Math.round((o.toMs - o.fromMs) / MIN);
    this.good = new Float64Array(n);
    this.total = new Float64Array(n);
    this.cumGood = new Float64Array(n + 1);
    this.cumTotal = new Float64Array(n + 1);
    this.cumSeen = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const t = o.fromMs + i * MIN;
      const m = t / MIN;
      let total: number;
      let bad = 0;
      if (o.silent?.(t)) total = Number.NaN;
      else if (o.idle?.(t)) total = 0;
      else {
        total = Math.max(1, Math.round(o.rate * (0.6 + (hash(m, o.seed) % 800) / 1000)));
        bad = hash(m, o.seed ^ 0x9e3779b9) % o.badEvery === 0 ? Math.min(total, 1 + (hash(m, o.seed ^ 0x1234567) % o.maxBad)) : 0;
        for (const x of o.incidents ?? []) if (t >= x.fromMs && t < x.toMs) bad = Math.min(total, bad + Math.round(total * x.errorRatio));
      }
      this.total[i] = total;
      this.good[i] = Number.isNaN(total) ? Number.NaN : total - bad;
      const seen = Number.isNaN(total) ? 0 : 1;
      this.cumGood[i + 1] = (this.cumGood[i] as number) + (seen ? (this.good[i] as number) : 0);
      this.cumTotal[i + 1] = (this.cumTotal[i] as number) + (seen ? total : 0);
      this.cumSeen[i + 1] = (this.cumSeen[i] as number) + seen;
    }
  }

  /** History buckets, one per published minute (what a CSV file of this series gives). */
  buckets(): HistoryBucket[] {
    const out: HistoryBucket[] = [];
    this.total.forEach((total, i) => {
      if (!Number.isNaN(total)) out.push({ t: this.fromMs + i * MIN, periodMs: MIN, good: this.good[i] as number, total });
    });
    return out;
  }

  /** CSV text of the series (timestamp,good,total), ISO timestamps. */
  csv(): string {
    const lines = ['timestamp,good,total'];
    this.total.forEach((total, i) => {
      if (!Number.isNaN(total)) lines.push(`${new Date(this.fromMs + i * MIN).toISOString()},${this.good[i]},${total}`);
    });
    return `${lines.join('\n')}\n`;
  }

  private index(ms: number): number {
    return Math.min(this.total.length, Math.max(0, Math.ceil((ms - this.fromMs) / MIN)));
  }

  /** As CloudWatch answers Sum of `Good` / `Total` at any period: minutes summed; a period without a published minute is absent. */
  readonly generate = (q: MetricQuery): Datapoint[] => {
    const periodMs = q.periodSeconds * 1000;
    const out: Datapoint[] = [];
    for (let t = q.startMs; t < q.endMs; t += periodMs) {
      const a = this.index(t);
      const b = this.index(t + periodMs);
      if ((this.cumSeen[b] as number) - (this.cumSeen[a] as number) === 0) continue;
      const cum = q.metricName === 'Total' ? this.cumTotal : this.cumGood;
      out.push({ t, v: (cum[b] as number) - (cum[a] as number) });
    }
    return out;
  };
}

export interface SliceSeriesOptions {
  seed: number;
  fromMs: number;
  toMs: number;
  /** One minute in `badEvery` reads below 100. */
  badEvery: number;
  incidents?: Incident[];
  silent?: (minuteStart: number) => boolean;
}

/** A canary's SuccessPercent per minute (100 or lower); NaN = no run that minute. */
export class SliceSeries {
  readonly value: Float64Array;
  readonly fromMs: number;

  constructor(o: SliceSeriesOptions) {
    this.fromMs = o.fromMs;
    const n = Math.round((o.toMs - o.fromMs) / MIN);
    this.value = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = o.fromMs + i * MIN;
      let v = hash(t / MIN, o.seed) % o.badEvery === 0 ? 50 : 100;
      for (const x of o.incidents ?? []) if (t >= x.fromMs && t < x.toMs && hash(t / MIN, o.seed ^ 0x51) % 1000 < x.errorRatio * 1000) v = 0;
      this.value[i] = o.silent?.(t) ? Number.NaN : v;
    }
  }

  /** Raw points, one per minute with a value. */
  points(): Datapoint[] {
    const out: Datapoint[] = [];
    this.value.forEach((v, i) => {
      if (!Number.isNaN(v)) out.push({ t: this.fromMs + i * MIN, v });
    });
    return out;
  }

  csv(): string {
    return `${['timestamp,value', ...this.points().map((p) => `${Math.round(p.t / 1000)},${p.v}`)].join('\n')}\n`;
  }

  /** As CloudWatch answers Minimum at any period: the lowest minute in it; absent when no minute has a value. */
  readonly generate = (q: MetricQuery): Datapoint[] => {
    const periodMs = q.periodSeconds * 1000;
    const out: Datapoint[] = [];
    for (let t = q.startMs; t < q.endMs; t += periodMs) {
      let min = Infinity;
      for (let m = t; m < t + periodMs; m += MIN) {
        const i = Math.round((m - this.fromMs) / MIN);
        const v = i >= 0 && i < this.value.length ? (this.value[i] as number) : Number.NaN;
        if (!Number.isNaN(v)) min = Math.min(min, v);
      }
      if (min !== Infinity) out.push({ t, v: min });
    }
    return out;
  };
}
