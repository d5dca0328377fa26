import { describe, expect, it } from 'vitest';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { sendWeeklyReport } from '../../functions/usecases/report.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { world } from '../support/world.ts';

describe('weekly report', () => {
  it('gives per objective the target, remaining budget and its change over the week, burn, forecast, tier; freezes; overdue reviews', async () => {
    const { clock, traffic, store, notifier, ports } = world();
    // A 7-day window so a week-old evaluation is still inside it: 100 req/min x 7 d = 1,008,000 events,
    // 1 % allowed = 10,080 bad.
    const contract = checkout({ window: { rolling: '7d' }, reviewBy: '2026-11-03' });
    await evaluate(ports, [contract], { overrideHonourMs: HOUR }); // a week before the report: 100 % left
    // 6,048 bad (60 % of the budget) a day before the report: 40 % left, warning; then no more bad.
    traffic.burst(T0 + 6 * DAY, 6048);
    clock.set(T0 + 7 * DAY);
    await evaluate(ports, [contract], { overrideHonourMs: HOUR });
    notifier.published.length = 0;

    const report = await sendWeeklyReport(ports, [contract]);
    expect(report.rows).toHaveLength(1);
    const row = report.rows[0];
    expect(row).toMatchObject({ contract: 'checkout', objective: 'availability', targetPct: 99, tier: 'warning', status: 'ok' });
    expect(row?.remainingPct).toBeCloseTo(40, 6);
    expect(row?.weekChangePts).toBeCloseTo(-60, 6);
    // 24 h burn: 6,048 bad of 144,000 events / 1 % = 4.2; remaining 40 % of a 7-day budget at 4.2x:
    // 0.4 / 4.2 x 7 d = 0.6667 d = 16 h from now.
    expect(row?.burnRate1d).toBeCloseTo(4.2, 6);
    expect(row?.forecastExhaustedAt).toBeCloseTo(T0 + 7 * DAY + 16 * HOUR, -3);
    expect(report.freezes).toEqual([]);
    expect(report.overdueReviews).toEqual([{ contract: 'checkout', reviewBy: '2026-11-03' }]);

    expect(notifier.published).toHaveLength(1);
    const m = notifier.published[0];
    expect(m?.attributes).toMatchObject({ event: 'report', severity: 'info' });
    expect(m?.text).toContain('checkout / availability: target 99 % (rolling 7d)');
    expect(m?.text).toContain('-60.0 pts this week');
    expect(m?.text).toContain('checkout (review by 2026-11-03 has passed)');
    expect((await store.queryHistory('report:weekly', 0, Number.MAX_SAFE_INTEGER)).map((h) => h.type)).toEqual(['report']);
  });

  it('lists freezes in force with their holders', async () => {
    const { clock, traffic, store, notifier, ports } = world();
    traffic.burst(T0 + 10 * MIN, 1100);
    clock.set(T0 + HOUR);
    await evaluate(ports, [checkout()], { overrideHonourMs: HOUR });
    const report = await sendWeeklyReport({ clock, store, notifier }, [checkout()]);
    expect(report.freezes).toEqual([{ gate: 'shop-web/Production', holders: ['checkout#availability'], since: T0 + HOUR }]);
    expect(report.rows[0]?.weekChangePts).toBeNull();
    expect(notifier.published.at(-1)?.text).toContain('shop-web/Production since 2026-11-02 01:00 UTC, held by checkout#availability');
  });
});
