/**
 * Suggest on generated histories with known attainment: 15 months of hourly data, 100,000 requests an hour,
 * 10 bad an hour (99.99 %) except one 30-day stretch with more. Rolling 30d windows (720 hours): the worst span
 * is the stretch itself. The rule keeps more than 50 % of the budget (default tiers), so a target T is
 * recommended when 100 - T > 2 x (100 - worst attainment).
 *
 *   stretch bad/hour  worst attainment  99.9 keeps             99.95 keeps            recommended  supported
 *   40                99.96 %           100(1-.04/.1) = 60 %   100(1-.04/.05) = 20 %  99.9         99.95
 *   70                99.93 %           30 %                   -40 %                  99.5         99.9
 */
import { describe, expect, it } from 'vitest';
import { suggestTarget, targetsToCost, windowSpans } from '../../functions/core/suggest.ts';
import type { HistoryBucket } from '../../functions/core/backtest.ts';
import { checkout, DAY, HOUR } from '../support/contracts.ts';
import type { Contract } from '../../functions/core/contract.ts';

const FROM = Date.parse('2025-08-01T00:00:00Z');
const TO = FROM + 455 * DAY;
const STRETCH = Date.parse('2026-03-01T00:00:00Z');

function hourly(stretchBad: number): HistoryBucket[] {
  const out: HistoryBucket[] = [];
  for (let t = FROM; t < TO; t += HOUR) {
    const bad = t >= STRETCH && t < STRETCH + 30 * DAY ? stretchBad : 10;
    out.push({ t, periodMs: HOUR, good: 100_000 - bad, total: 100_000 });
  }
  return out;
}

function contract(target: number, window: Contract['spec']['window'] = { rolling: '30d' }): Contract {
  return checkout({
    window,
    objectives: [
      {
        name: 'availability',
        target,
        sli: { ratio: { good: { namespace: 'T', metric: 'Good', dimensions: {}, stat: 'Sum' }, total: { namespace: 'T', metric: 'Total', dimensions: {}, stat: 'Sum' } } },
      },
    ],
  });
}

describe('suggestTarget on generated hourly histories', () => {
  it('worst span 99.96 %: recommends 99.9; 99.95 fits but only just (tight)', () => {
    const c = contract(99.95);
    const s = suggestTarget(c, c.spec.objectives[0]!, hourly(40), { fromMs: FROM, toMs: TO });
    // Every span of 720 hours starting on a whole hour: (455 - 30) * 24 + 1.
    expect(s.spans).toBe(425 * 24 + 1);
    expect(s.worst).toMatchObject({ startMs: STRETCH, endMs: STRETCH + 30 * DAY });
    expect(s.worst.attainmentPct).toBeCloseTo(99.96, 9);
    expect(s.best.attainmentPct).toBeCloseTo(99.99, 9);
    expect(s.recommendedPct).toBe(99.9);
    expect(s.supportedPct).toBe(99.95);
    expect(s.verdict).toBe('tight');
    const fit = (t: number) => s.fits.find((f) => f.targetPct === t)!;
    expect(fit(99.9).worstRemainingPct).toBeCloseTo(60, 9);
    expect(fit(99.95).worstRemainingPct).toBeCloseTo(20, 9);
    expect(fit(99.95).exhaustedSpans).toBe(0);
    expect(targetsToCost(s)).toEqual([99.5, 99.9, 99.95]);
  });

  it('worst span 99.93 %: recommends 99.5; the contract\'s 99.95 is above history, overspent in the spans that hold 20+ days of the stretch', () => {
    const c = contract(99.95);
    const s = suggestTarget(c, c.spec.objectives[0]!, hourly(70), { fromMs: FROM, toMs: TO });
    expect(s.worst.attainmentPct).toBeCloseTo(99.93, 9);
    expect(s.recommendedPct).toBe(99.5);
    expect(s.supportedPct).toBe(99.9);
    expect(s.verdict).toBe('above-history');
    // By hand, in whole numbers: a span overlapping the stretch by h hours has 70h + 10(720 - h) bad of 72,000,000;
    // 99.95 % allows 36,000, so it is overspent when 60h + 7,200 >= 36,000, i.e. h >= 480: offsets -240..240.
    let overspent = 0;
    for (let offset = -720; offset <= 720; offset++) {
      const h = 720 - Math.abs(offset);
      if (70 * h + 10 * (720 - h) >= 36_000) overspent++;
    }
    expect(overspent).toBe(481);
    expect(s.fits.find((f) => f.targetPct === 99.95)!.exhaustedSpans).toBe(overspent);
    expect(targetsToCost(s)).toEqual([99, 99.5, 99.9, 99.95]);
  });

  it('calendar months: one span per whole month; the worst is March', () => {
    const c = contract(99.9, { calendar: 'month' });
    const s = suggestTarget(c, c.spec.objectives[0]!, hourly(70), { fromMs: FROM, toMs: TO });
    // 2025-08-01 .. 2026-10-30: whole months August 2025 to September 2026.
    expect(s.spans).toBe(14);
    expect(s.worst).toMatchObject({ startMs: STRETCH, endMs: Date.parse('2026-04-01T00:00:00Z') });
    // March has 31 days: 30 of them in the stretch.
    expect(s.worst.attainmentPct).toBeCloseTo(100 - (100 * (30 * 24 * 70 + 24 * 10)) / (31 * 24 * 100_000), 9);
  });

  it('a history with no events in any span is refused', () => {
    const c = contract(99.9);
    const silent = hourly(10).map((b) => ({ ...b, good: 0, total: 0 }));
    expect(() => suggestTarget(c, c.spec.objectives[0]!, silent, { fromMs: FROM, toMs: TO })).toThrow(/no rolling 30d span of the history .* has events/);
  });

  it('window spans: rolling ones start on whole hours; calendar quarters are whole', () => {
    const c = contract(99.9, { rolling: '1d' });
    const spans = windowSpans(c, Date.parse('2026-01-01T00:30:00Z'), Date.parse('2026-01-03T00:00:00Z'));
    expect(spans[0]).toEqual({ startMs: Date.parse('2026-01-01T01:00:00Z'), endMs: Date.parse('2026-01-02T01:00:00Z') });
    expect(spans).toHaveLength(24);
    const q = contract(99.9, { calendar: 'quarter' });
    expect(windowSpans(q, Date.parse('2025-02-15T00:00:00Z'), Date.parse('2026-01-01T00:00:00Z')).map((x) => new Date(x.startMs).toISOString().slice(0, 7))).toEqual(['2025-04', '2025-07', '2025-10']);
  });
});
