/** The terminal chart and the progress bar: pure text, checked exactly and as golden text. */
import { describe, expect, it } from 'vitest';
import { downsample, renderBudgetChart } from '../../bin/render/chart.ts';
import { inCi, progressFor, renderProgress, silentProgress, terminalProgress } from '../../bin/render/progress.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');

describe('renderBudgetChart', () => {
  it('downsamples to the lowest judged value of each column; NaN and null are skipped', () => {
    expect(downsample([100, 90, 80, 70, 60, 50], 3)).toEqual([90, 70, 50]);
    expect(downsample([100, Number.NaN, null, 40], 2)).toEqual([100, 40]);
    expect(downsample([Number.NaN, Number.NaN], 2).every(Number.isNaN)).toBe(true);
    // Fewer values than columns: one column per value, never stretched.
    expect(downsample([1, 2], 10)).toEqual([1, 2]);
  });

  it('three targets over a year, a gap and a deep overspend clipped at -100 (golden)', async () => {
    const steps = 365;
    const wave = (i: number, depth: number) => 100 - depth * Math.max(0, Math.sin((i / steps) * Math.PI * 3));
    const series = [
      { name: '99.5 %', values: Array.from({ length: steps }, (_, i) => wave(i, 40)) },
      { name: '99.9 %', values: Array.from({ length: steps }, (_, i) => (i >= 200 && i < 220 ? Number.NaN : wave(i, 120))) },
      { name: '99.95 %', values: Array.from({ length: steps }, (_, i) => wave(i, 260)) },
    ];
    const text = renderBudgetChart(series, { width: 72, height: 12, startMs: START, endMs: START + 364 * DAY });
    await expect(`${text}\n`).toMatchFileSnapshot('golden/budget-chart-year.txt');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
  });

  it('a budget that never falls below 0 keeps 0 as the bottom line, in steps of 10 (95 rounds to the 90 line)', () => {
    const text = renderBudgetChart([{ name: '99 %', values: [100, 95, 80, 60, 62, 64] }], { width: 30, height: 12 });
    expect(text.split('\n').slice(0, 12)).toEqual([
      '100 |o',
      ' 90 | o',
      ' 80 |  o',
      ' 70 |   o',
      ' 60 |   ooo',
      ' 50 |',
      ' 40 |',
      ' 30 |',
      ' 20 |',
      ' 10 |',
      '  0 |------',
      '    +------',
    ]);
  });
});

describe('progress', () => {
  it('renders like the CDK bar: clamped to 10-60 columns, ending in (n/total)', () => {
    expect(renderProgress(5, 10, 40, 'CloudWatch')).toBe('CloudWatch [#######.......] 50% (5/10)');
    expect(renderProgress(0, 3, 5)).toBe('[..........] 0% (0/3)');
    expect(renderProgress(3, 3, 500)).toBe(`[${'#'.repeat(60)}] 100% (3/3)`);
  });

  it('draws in place on a terminal and clears the line when done', () => {
    let text = '';
    const p = terminalProgress((t) => (text += t), 40);
    p.start(2, 'CloudWatch');
    p.tick();
    p.tick();
    p.stop();
    const frames = text.split('\r').filter((f) => f !== '');
    expect(frames.slice(0, 3)).toEqual(['CloudWatch [................] 0% (0/2)', 'CloudWatch [########........] 50% (1/2)', 'CloudWatch [################] 100% (2/2)']);
    expect(frames[3]!.trim()).toBe('');
  });

  it('shows only on a terminal stderr, outside CI, not with --json, not on TERM=dumb', () => {
    const io = (over: object) => ({ err: () => undefined, ...over });
    expect(progressFor(io({ stderrIsTTY: true, env: {} }))).not.toBe(silentProgress);
    expect(progressFor(io({ isTTY: true, env: {} }))).not.toBe(silentProgress);
    expect(progressFor(io({ stderrIsTTY: false, isTTY: true, env: {} }))).toBe(silentProgress);
    expect(progressFor(io({ stderrIsTTY: true, env: { CI: 'true' } }))).toBe(silentProgress);
    expect(progressFor(io({ stderrIsTTY: true, env: { TERM: 'dumb' } }))).toBe(silentProgress);
    expect(progressFor(io({ stderrIsTTY: true, env: {} }), { json: true })).toBe(silentProgress);
    expect([inCi({ CI: '1' }), inCi({ CI: 'false' }), inCi({ CI: '' }), inCi({})]).toEqual([true, false, false, false]);
  });
});
