import { describe, expect, it } from 'vitest';
import { runDemo } from '../../bin/demo.ts';

describe('npm run demo', () => {
  it('burns the example contracts through the tiers, freezes, honours the console override, and recovers', async () => {
    const lines: string[] = [];
    const { runs, summary, notifier } = await runDemo({ contracts: 'contracts', out: { line: (t) => lines.push(t) } });
    const text = lines.join('\n');
    expect(runs).toBe(128);
    expect(summary.every((s) => s.errors === 0)).toBe(true);
    // The story's milestones, in order.
    const milestones = [
      // The warning tier's change reaches leadership: the audience is on the route and in the message.
      'SNS (email + leadership): [SLO info] checkout/availability: healthy -> warning',
      'leadership is told (audience attribute; their subscriptions filter on it):',
      '      | Audiences: leadership',
      'checkout/availability: warning -> frozen',
      'DISABLE shop-web/Production',
      'freeze override on gate:shop-web/Production',
      'DISABLE shop-web/Production',
      'checkout/availability: frozen -> exhausted',
      'DISABLE shop-payments/Production',
      '[SLO report]',
      'SNS (email + leadership): [SLO report] roll-up, week to 2026-12-07',
      'ENABLE shop-payments/Production',
      'ENABLE shop-web/Production',
      // It ends with what `slo status` shows on the demo's table.
      '$ slo status --table slo-contracts-demo',
      'SLO status at 2027-01-02 12:00 UTC (table slo-contracts-demo)',
      'Freezes in force: none',
      'Nothing frozen.',
    ];
    let from = 0;
    for (const m of milestones) {
      const i = text.indexOf(m, from);
      expect(i, `"${m}" after offset ${from}`).toBeGreaterThanOrEqual(0);
      from = i + m.length;
    }
    expect(summary.at(-1)?.objectives.map((o) => o.tier)).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'healthy']);
    expect(notifier.published.filter((m) => m.attributes.event === 'tier-change' && m.attributes.tier === 'exhausted')).toHaveLength(1);
    // Every change into a warning tier (falling, or recovering in January) named its audiences; nothing else did
    // but the roll-up.
    expect(notifier.published.filter((m) => m.attributes.audience).map((m) => `${m.attributes.event} ${m.attributes.tier} ${m.attributes.audience?.join('+')}`)).toEqual([
      'tier-change warning leadership',
      'tier-change warning leadership',
      'tier-change warning leadership+team-web',
      'report - leadership',
      'tier-change warning leadership',
    ]);
    expect(lines.at(-1)).toBe('Nothing frozen.');
  }, 120_000);
});
