import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { sendWeeklyReport } from '../../functions/usecases/report.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { world } from '../support/world.ts';

describe('weekly report (use case, in-memory world)', () => {
  it('per objective: remaining now and 7 days ago, burn, forecast, tier; one message per contract and a roll-up for leadership', async () => {
    const { clock, traffic, store, notifier, ports } = world();
    // A 7-day window: 100 req/min x 7 d = 1,008,000 events, 1 % allowed = 10,080 bad.
    const contract = checkout({ window: { rolling: '7d' }, reviewBy: '2026-11-03' });
    clock.set(T0 - DAY); // Sunday 11-01: first evaluation
    await evaluate(ports, [contract], { overrideHonourMs: HOUR });
    clock.set(T0); // Monday 11-02 00:00: the first run of the day writes 11-01's summary (100 % left)
    await evaluate(ports, [contract], { overrideHonourMs: HOUR });
    // 6,048 bad (60 % of the budget) a day before the report: 40 % left, warning; then no more bad.
    traffic.burst(T0 + 6 * DAY, 6048);
    clock.set(T0 + 7 * DAY);
    await evaluate(ports, [contract], { overrideHonourMs: HOUR });
    notifier.published.length = 0;

    const report = await sendWeeklyReport(ports, [contract]);
    const c = report.contracts[0];
    const row = c?.objectives[0];
    expect(row).toMatchObject({ contract: 'checkout', objective: 'availability', targetPct: 99, tier: 'warning', status: 'ok' });
    expect(row?.remaining.value).toBeCloseTo(40, 6);
    // 7 days before Monday 11-09 00:00 is the end of Sunday 11-01: 100 % left then.
    expect(row?.weekAgo).toEqual({ value: 100, day: '2026-11-01' });
    expect(row?.weekChangePts).toBeCloseTo(-60, 6);
    // 24 h burn: 6,048 bad of 144,000 events / 1 % = 4.2; remaining 40 % of a 7-day budget at 4.2x:
    // 0.4 / 4.2 x 7 d = 0.6667 d = 16 h from now.
    expect(row?.burn1d.value).toBeCloseTo(4.2, 6);
    expect(row?.forecast.value).toBeCloseTo(T0 + 7 * DAY + 16 * HOUR, -3);
    // 7 d: only 11-02 has a summary among 11-02..11-08 (no run from Tuesday to Sunday), at 0 burn; said so.
    expect(row?.burn7d).toEqual({ value: 0, days: 1, why: 'no 24 h burn rate for 2026-11-03, 2026-11-04, 2026-11-05, 2026-11-06, 2026-11-07, 2026-11-08: the evaluator did not run or had no figure' });
    expect(c?.gates.map((g) => g.frozenNow)).toEqual([false, false]);
    expect(c?.review).toMatchObject({ state: 'overdue', reviewBy: '2026-11-03', daysLeft: -6 });

    // One message for checkout's recipients, then leadership's roll-up.
    expect(notifier.published.map((m) => m.attributes)).toEqual([
      { contract: 'checkout', objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'report' },
      { contract: '-', objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'report', audience: ['leadership'] },
    ]);
    const text = notifier.published[0]?.text ?? '';
    expect(text).toContain('availability: target 99 % over rolling 7d');
    expect(text).toContain('  budget left   [████████░░░░░░░░░░░░]  40.0 % (2026-11-09 00:00 UTC)');
    expect(text).toContain('  7 days ago    [████████████████████] 100.0 % (end of 2026-11-01): -60.0 pts this week');
    expect(text).toContain('  forecast      budget exhausted 2026-11-09 16:00 UTC at the 1 d burn rate');
    expect(text).toContain('  review        DUE: review overdue since 2026-11-03 (6 days)');
    expect(notifier.published[0]?.json).toMatchObject({ event: 'report', kind: 'contract', quarter: '2026-Q4' });
    expect(notifier.published[1]?.text).toContain('checkout / availability  [████████░░░░░░░░░░░░]   40.0 %  -60.0 pts      4.20   0.00  warning     2026-11-09');
    expect((await store.queryHistory('report:weekly', 0, Number.MAX_SAFE_INTEGER)).map((h) => h.detail)).toEqual([{ contracts: 1, objectives: 1, messages: 2 }]);
  });

  it('a freeze recorded at the report instant is frozen now; a week-old figure that cannot exist says why', async () => {
    const { clock, traffic, store, notifier, ports } = world();
    traffic.burst(T0 + 10 * MIN, 1100);
    clock.set(T0 + HOUR);
    await evaluate(ports, [checkout()], { overrideHonourMs: HOUR });
    const report = await sendWeeklyReport({ clock, store, notifier }, [checkout()]);
    const c = report.contracts[0];
    expect(c?.gates[0]).toEqual({ gate: 'shop-web/Production', frozenNow: true, since: T0 + HOUR, holders: ['checkout#availability'], frozenWeekMs: 0, frozenQuarterMs: 0 });
    expect(c?.objectives[0]?.weekChangePts).toBeNull();
    expect(c?.objectives[0]?.weekAgo.why).toBe('no summary for 2026-10-25: objective deployed less than a day ago (a day\'s summary is written once that UTC day is over)');
    expect(notifier.published.at(-2)?.text).toContain('shop-web/Production: FROZEN since 2026-11-02 01:00 UTC (held by checkout#availability); frozen 0.0 h this week, 0.0 h this quarter');
  });
});
