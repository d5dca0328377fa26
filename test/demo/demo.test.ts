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
      'checkout/availability: healthy -> warning',
      'checkout/availability: warning -> frozen',
      'DISABLE shop-web/Production',
      'freeze override on gate:shop-web/Production',
      'DISABLE shop-web/Production',
      'checkout/availability: frozen -> exhausted',
      'DISABLE shop-payments/Production',
      '[SLO report]',
      'ENABLE shop-payments/Production',
      'ENABLE shop-web/Production',
    ];
    let from = 0;
    for (const m of milestones) {
      const i = text.indexOf(m, from);
      expect(i, `"${m}" after offset ${from}`).toBeGreaterThanOrEqual(0);
      from = i + m.length;
    }
    expect(summary.at(-1)?.objectives.map((o) => o.tier)).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'healthy']);
    expect(notifier.published.filter((m) => m.attributes.event === 'tier-change' && m.attributes.tier === 'exhausted')).toHaveLength(1);
  }, 120_000);
});
