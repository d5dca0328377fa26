/**
 * `slo suggest` on a file: 20 days of minutes at 10,000 requests, all good except one day (2026-10-11) with 9 bad
 * a minute (99.91 %). Rolling 1d windows (14,400,000 requests): the worst span is that day (12,960 bad). The
 * rule (keep more than 50 % of the budget) needs 100 - T > 2 x 0.09, so 99.5 is recommended; 99.9 allows 14,400
 * and keeps 10 % (supported); the contract's 99.95 allows 7,200 and overspends in every span holding 14 hours or
 * more of that day (540 bad an hour): above history, with the loader's advice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../bin/slo.ts';
import { contractYamlHead } from '../support/contracts.ts';

const FROM = Date.parse('2026-10-01T00:00:00Z');
const BAD_DAY = Date.parse('2026-10-11T00:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'slo-suggest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const contractFile = path.join(dir, 'checkout.yaml');
writeFileSync(
  contractFile,
  `${contractYamlHead({ name: 'checkout', journey: 'User can complete a purchase', owner: 'team-payments' })}  objectives:
    - name: availability
      target: 99.95
      sli:
        ratio:
          bad: { namespace: Test/Shop, metric: Bad, dimensions: { Service: shop } }
          total: { namespace: Test/Shop, metric: Total, dimensions: { Service: shop } }
  policy: {}
  gates:
    - { pipeline: shop-web, stage: Production, critical: false }
`,
);
const historyFile = path.join(dir, 'history.csv');
const rows = ['timestamp,bad,total'];
for (let t = FROM; t < FROM + 20 * DAY; t += MIN) rows.push(`${t / 1000},${t >= BAD_DAY && t < BAD_DAY + DAY ? 9 : 0},10000`);
writeFileSync(historyFile, `${rows.join('\n')}\n`);

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), nowMs: () => Date.parse('2026-11-26T00:00:00Z'), writeFile: () => undefined, isTTY: false, env: {} };
  const code = await main(['node', 'slo', ...args], io);
  return { code, stdout: stdout.replaceAll(dir, '<tmp>'), stderr: stderr.replaceAll(dir, '<tmp>') };
}

describe('slo suggest on a file', () => {
  it('recommends 99.5, says plainly that 99.95 is above history, and gives the loader\'s warning (golden)', async () => {
    const r = await run('suggest', contractFile, '--metrics-file', historyFile);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Recommended target: 99.5 %');
    expect(r.stdout).toContain("The contract's target 99.95 % is ABOVE what this history supports");
    expect(r.stdout).toContain("warning: <tmp>/checkout.yaml: spec.objectives[0].target: 99.95 % is above the journey's history");
    await expect(r.stdout).toMatchFileSnapshot('golden/suggest-bad-day.txt');
  });

  it('--json: the figures, the rule, the costs and the warning', async () => {
    const r = await run('suggest', contractFile, '--metrics-file', historyFile, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      spans: number;
      attainment: { worst: { from: string; attainmentPct: number } };
      recommendedPct: number;
      supportedPct: number;
      verdict: string;
      fits: { targetPct: number; worstRemainingPct: number; exhaustedSpans: number }[];
      costs: { targets: { targetPct: number; frozenNonCriticalDays: number }[] };
      warnings: { path: string }[];
    };
    // Spans of 24 hours starting on each whole hour of 20 days: 19 * 24 + 1.
    expect(doc.spans).toBe(457);
    expect(doc.attainment.worst).toMatchObject({ from: '2026-10-11T00:00:00.000Z', attainmentPct: expect.closeTo(99.91, 9) });
    expect([doc.recommendedPct, doc.supportedPct, doc.verdict]).toEqual([99.5, 99.9, 'above-history']);
    expect(doc.fits.find((f) => f.targetPct === 99.9)!.worstRemainingPct).toBeCloseTo(10, 9);
    // Overspent at 99.95 %: 540 h >= 7,200 for h >= 14 hours of the bad day, i.e. spans starting 10 hours either side.
    expect(doc.fits.find((f) => f.targetPct === 99.95)!.exhaustedSpans).toBe(21);
    expect(doc.costs.targets.map((t) => t.targetPct)).toEqual([99, 99.5, 99.9, 99.95]);
    expect(doc.costs.targets[0]!.frozenNonCriticalDays).toBe(0);
    expect(doc.costs.targets[3]!.frozenNonCriticalDays).toBeGreaterThan(0);
    expect(doc.warnings.map((w) => w.path)).toEqual(['spec.objectives[0].target']);
  });

  it('a history shorter than one window is refused in one line', async () => {
    const r = await run('suggest', contractFile, '--metrics-file', historyFile, '--to', '2026-10-01T20:00Z');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no rolling 1d span of the history (2026-10-01T00:00:00.000Z to 2026-10-01T20:00:00.000Z) has events: a suggestion needs at least one whole window with traffic\n');
  });
});
