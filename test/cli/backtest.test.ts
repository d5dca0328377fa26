/**
 * `slo backtest` on files: the hand-worked incident (test/core/backtest.test.ts) through the command, its text
 * report as golden text, --json, and bad files refused with their line numbers (never a stack trace).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../bin/slo.ts';
import type { HistoryIo } from '../../bin/backtest-command.ts';
import { contractYamlHead } from '../support/contracts.ts';

const FROM = Date.parse('2026-11-02T00:00:00Z');
const TO = Date.parse('2026-11-04T00:00:00Z');
const INCIDENT = Date.parse('2026-11-03T06:00:00Z');
const MIN = 60_000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'slo-backtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const CONTRACT = `${contractYamlHead({ name: 'checkout', journey: 'User can complete a purchase', owner: 'team-payments' })}  objectives:
    - name: availability
      target: 99.5
      sli:
        ratio:
          good: { namespace: Test/Shop, metric: Good, dimensions: { Service: shop } }
          total: { namespace: Test/Shop, metric: Total, dimensions: { Service: shop } }
    - name: latency
      target: 99
      sli:
        latency:
          metric: { namespace: Test/Shop, metric: Latency, unit: milliseconds, dimensions: { Service: shop } }
          threshold: 300ms
  policy: {}
  gates:
    - { pipeline: shop-web, stage: Production, critical: false }
    - { pipeline: shop-payments, stage: Production, critical: true }
`;

/** The incident history: ISO timestamps for the first day, epoch seconds for the second (both are accepted). */
function incidentCsv(): string {
  const lines = ['timestamp,good,total'];
  for (let t = FROM; t < TO; t += MIN) {
    const bad = t >= INCIDENT && t < INCIDENT + 10 * MIN ? 50 : 0;
    lines.push(`${t < FROM + 86_400_000 ? new Date(t).toISOString() : String(t / 1000)},${100 - bad},100`);
  }
  return `${lines.join('\n')}\n`;
}

const contractFile = file('checkout.yaml', CONTRACT);
const historyFile = file('history.csv', incidentCsv());

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo & HistoryIo = {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    nowMs: () => Date.parse('2026-11-26T00:00:00Z'),
    writeFile: () => undefined,
    isTTY: false,
    columns: 80,
    env: {},
    metrics: () => {
      throw new Error('a file-based backtest must not reach CloudWatch');
    },
  };
  const code = await main(['node', 'slo', ...args], io);
  return { code, stdout, stderr };
}

describe('slo backtest on a file', () => {
  it('the hand-worked incident: known freeze minutes, pages and tickets per target (--json)', async () => {
    const r = await run('backtest', contractFile, '--objective', 'availability', '--metrics-file', historyFile, '--targets', '99.9,99,99.6,99.5', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      replay: { first: string; last: string; evaluations: number; cadenceMinutes: number };
      source: string;
      targets: { targetPct: number; contractTarget: boolean; pages: number; tickets: number; frozenNonCritical: { minutes: number }; frozenAll: { minutes: number }; timeline: { at: string; to: string }[] }[];
    };
    expect(doc.replay).toMatchObject({ first: '2026-11-03T00:00:00.000Z', last: '2026-11-04T00:00:00.000Z', evaluations: 289, cadenceMinutes: 5 });
    expect(doc.source).toMatch(/history\.csv \(2,880 rows\)$/);
    expect(doc.targets.map((t) => [t.targetPct, t.contractTarget, t.frozenNonCritical.minutes, t.frozenAll.minutes, t.pages, t.tickets])).toEqual([
      [99, false, 0, 0, 1, 0],
      [99.5, true, 0, 0, 1, 0],
      [99.6, false, 1070, 0, 1, 1],
      [99.9, false, 1075, 1075, 2, 2],
    ]);
    expect(doc.targets[3]!.timeline).toEqual([
      { at: '2026-11-03T00:00:00.000Z', from: null, to: 'healthy', remainingPct: 100, freeze: 'none' },
      { at: '2026-11-03T06:05:00.000Z', from: 'healthy', to: 'exhausted', remainingPct: expect.closeTo(-73.6111111, 6), freeze: 'all' },
    ]);
  });

  it('the text report, with its chart (golden)', async () => {
    const r = await run('backtest', contractFile, '--objective', 'availability', '--metrics-file', historyFile, '--targets', '99,99.6,99.9');
    expect(r.code).toBe(0);
    await expect(r.stdout.replaceAll(dir, '<tmp>')).toMatchFileSnapshot('golden/backtest-incident.txt');
  });

  it('--from/--to narrow the file; a range without a full window is refused in one line', async () => {
    const r = await run('backtest', contractFile, '--objective', 'availability', '--metrics-file', historyFile, '--from', '2026-11-02T12:00Z', '--to', '2026-11-03T06:00Z');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: the history from 2026-11-02T12:00:00.000Z to 2026-11-03T06:00:00.000Z holds no full rolling 1d window: give a longer history/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('usage errors: several objectives without --objective, an unknown objective, bad targets or cadence (exit 2)', async () => {
    expect(await run('backtest', contractFile, '--metrics-file', historyFile)).toMatchObject({ code: 2, stderr: expect.stringContaining('has 2 objectives: name one with --objective (availability, latency)') });
    expect(await run('backtest', contractFile, '--objective', 'speed', '--metrics-file', historyFile)).toMatchObject({ code: 2, stderr: expect.stringContaining('has no objective "speed"') });
    expect(await run('backtest', contractFile, '--objective', 'availability', '--metrics-file', historyFile, '--targets', '99.9,100')).toMatchObject({ code: 2, stderr: expect.stringContaining('target must be above 0 and below 100') });
    expect(await run('backtest', contractFile, '--objective', 'availability', '--metrics-file', historyFile, '--cadence', '90s')).toMatchObject({ code: 2, stderr: expect.stringContaining('--cadence must be whole minutes') });
    expect(await run('backtest', contractFile, '--objective', 'availability')).toMatchObject({ code: 2, stderr: expect.stringContaining('give the start of the history: --from') });
  });
});

describe('bad history files are refused with the line and what is wrong', () => {
  const cases: [string, string, string[]][] = [
    ['an empty file', '', ['history.csv:1: the file is empty: the first line must be the header timestamp,good,total']],
    ['the wrong header for the SLI', 'timestamp,value\n2026-11-02T00:00:00Z,100\n', ['history.csv:1: header "timestamp,value": objective availability has a ratio SLI, so the header must be timestamp,good,total']],
    [
      'a bad timestamp, a second row for one minute, a row off the minute',
      'timestamp,good,total\n2026-11-02T00:00:00Z,99,100\nyesterday,99,100\n2026-11-02T00:00:00Z,98,100\n2026-11-02T00:01:30Z,1,1\n',
      [
        'history.csv:3: "yesterday" is not a timestamp: write an ISO 8601 instant with a zone (2026-11-02T14:05:00Z) or epoch seconds',
        'history.csv:4: a second row for 2026-11-02T00:00:00.000Z (first on line 2): one row per minute',
        'history.csv:5: 2026-11-02T00:01:30Z is not on a whole minute: rows are one per minute, stamped at the minute\'s start',
      ],
    ],
    [
      'epoch milliseconds, a missing value, good above total, a negative count, a number that is not one',
      '# exported from the ALB\ntimestamp,good,total\n1793577600000,1,1\n1793577660,5\n1793577720,101,100\n1793577780,-1,3\n1793577840,ten,10\n',
      [
        'history.csv:3: "1793577600000" looks like epoch milliseconds: give epoch seconds (1793577600) or an ISO 8601 instant',
        'history.csv:4: expected 3 values (timestamp,good,total), found 2',
        'history.csv:5: good (101) is more than total (100)',
        'history.csv:6: good -1 is negative: counts are 0 or more',
        'history.csv:7: good "ten" is not a number',
      ],
    ],
    ['a header and no rows', 'timestamp,good,total\n\n', ['history.csv: no data rows after the header']],
  ];
  for (const [name, text, expected] of cases) {
    it(name, async () => {
      const bad = file('history.csv', text);
      const r = await run('backtest', contractFile, '--objective', 'availability', '--metrics-file', bad);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.map((l) => l.replace(/^error: /, '').replace(`${dir}${path.sep}`, ''))).toEqual(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('a timeslice objective wants timestamp,value; a missing file is named', async () => {
    const canary = file(
      'canary.yaml',
      CONTRACT.replace(/ {4}- name: latency[\s\S]*?threshold: 300ms\n/, '').replace(
        /ratio:\n\s+good: .*\n\s+total: .*\n/,
        'timeslice:\n          metric: { namespace: Test/Canary, metric: SuccessPercent, dimensions: { Canary: home }, stat: Minimum }\n          good: ">= 100"\n',
      ),
    );
    const r = await run('backtest', canary, '--metrics-file', historyFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/history\.csv:1: header "timestamp,good,total": objective availability has a timeslice SLI, so the header must be timestamp,value/);
    const missing = await run('backtest', canary, '--metrics-file', path.join(dir, 'nope.csv'));
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('nope.csv: no such file') });
  });

  it('the real binary prints one error line per problem and exits 1 (no stack trace)', async () => {
    const bad = file('bad-binary.csv', 'timestamp,good,total\n2026-11-02T00:00:00Z,oops,100\n');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['bin/slo.mjs', 'backtest', contractFile, '--objective', 'availability', '--metrics-file', bad], { env: { ...process.env, NO_COLOR: '1' } }, (err, _out, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stderr }),
      );
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${bad}:2: good "oops" is not a number\n`);
  });
});
