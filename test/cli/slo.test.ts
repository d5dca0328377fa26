import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../bin/slo.ts';

const SCHEMA_TEXT = readFileSync('contracts/slo-contract.schema.json', 'utf8');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real executable (bin/slo.mjs, as `npx slo` does) from the repository root. */
function slo(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/slo.mjs', ...args], { cwd: process.cwd(), env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI in this process with captured output: for the cheap cases. */
async function sloInProcess(...args: string[]): Promise<Run & { written: Record<string, string> }> {
  let stdout = '';
  let stderr = '';
  const written: Record<string, string> = {};
  const io: CliIo = {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    nowMs: () => Date.parse('2026-11-26T00:00:00Z'),
    writeFile: (p, t) => (written[p] = t),
    isTTY: false,
    env: {},
  };
  const code = await main(['node', 'slo', ...args], io);
  return { code, stdout, stderr, written };
}

describe('slo (the real binary)', () => {
  it('validate: exit 0, one line per contract, warnings prefixed, a summary', async () => {
    const r = await slo('validate', 'contracts/', '--as-of', '2027-02-10');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'contracts/canary.yaml: ok (storefront-canary, 1 objective)',
        'contracts/checkout.yaml: ok (checkout, 2 objectives)',
        'contracts/login.yaml: ok (login, 2 objectives)',
        'warning: contracts/checkout.yaml: spec.reviewBy: review overdue since 2027-02-01: renegotiate the contract with engineering, product and business, then set a new date',
        'valid: 3 contracts, 1 warning',
        '',
      ].join('\n'),
    );
  });

  it('validate: exit 1 and every error as file: path: message', async () => {
    const r = await slo('validate', 'test/contracts/fixtures/bad/many-errors.yaml');
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('test/contracts/fixtures/bad/many-errors.yaml: metadata.team: unknown key "team" (allowed here: name, journey, owner)');
    expect(lines[1]).toBe(
      'test/contracts/fixtures/bad/many-errors.yaml: spec.objectives[0].target: must be below 100: a 100 % target leaves no error budget',
    );
    expect(lines.at(-1)).toBe('invalid: 5 errors in 1 file');
    expect(lines).toHaveLength(6);
  });

  it('validate --json: valid flag, contracts, errors and warnings as data', async () => {
    const r = await slo('validate', 'test/contracts/fixtures/duplicates', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      contracts: { file: string; name: string; objectives: string[] }[];
      errors: { file: string; path: string; message: string; line?: number }[];
      warnings: unknown[];
    };
    expect(report.valid).toBe(false);
    expect(report.contracts).toEqual([
      { file: 'test/contracts/fixtures/duplicates/first.yaml', name: 'payments', objectives: ['availability', 'latency'] },
    ]);
    expect(report.errors.map((e) => [e.file, e.path, e.line])).toEqual([
      ['test/contracts/fixtures/duplicates/second.yaml', 'metadata.name', 5],
      ['test/contracts/fixtures/duplicates/third.yaml', 'metadata.name', 5],
      ['test/contracts/fixtures/duplicates/third.yaml', 'spec.objectives[0].target', 17],
    ]);
    expect(Array.isArray(report.warnings)).toBe(true);
  });

  it('budget: 99.9 % over 30 days is 43.2 minutes, with its neighbours', async () => {
    const r = await slo('budget', '99.9', '--window', '30d');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('99 % over 30d: 432 minutes of bad time (7.2 hours; 1 in 100 events)');
    expect(lines[2]).toBe(' 99.9 % over 30d: 43.2 minutes of bad time (1 in 1000 events)  <- target');
    expect(lines[3]).toContain('99.95 % over 30d: 21.6 minutes of bad time');
    expect(lines[4]).toContain('99.99 % over 30d: 4.32 minutes of bad time');
  });

  it('budget --json: the asked target among its neighbours, sorted', async () => {
    const r = await slo('budget', '99.7', '--window', '28d', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { targetPct: number; window: string; windowMs: number; rows: Record<string, unknown>[] };
    expect(out.window).toBe('28d');
    expect(out.windowMs).toBe(28 * 86_400_000);
    expect(out.rows.map((row) => row.targetPct)).toEqual([99, 99.5, 99.7, 99.9, 99.95, 99.99]);
    const asked = out.rows.find((row) => row.requested === true);
    // 0.3 % of 28 days = 0.003 * 40320 minutes = 120.96 minutes.
    expect(asked?.targetPct).toBe(99.7);
    expect(asked?.allowedBadMinutes as number).toBeCloseTo(120.96, 9);
  });

  it('usage errors exit 2 with a message on stderr: impossible target, unknown command', async () => {
    const [target, command] = await Promise.all([slo('budget', '100'), slo('frobnicate')]);
    expect(target.code).toBe(2);
    expect(target.stdout).toBe('');
    expect(target.stderr).toContain('target must be above 0 and below 100 percent');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'frobnicate'");
  });

  it('schema prints the committed JSON Schema', async () => {
    const r = await slo('schema');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(SCHEMA_TEXT);
  });
});

describe('slo (in process)', () => {
  it.each([
    [['budget', 'abc'], 'target must be a number in percent, e.g. 99.9, got "abc"'],
    [['budget', '0'], 'target must be above 0 and below 100 percent'],
    [['budget', '99.9', '--window', '5x'], '--window must be whole days up to 90d (e.g. 28d, 30d), month or quarter, as in a contract\'s spec.window; got "5x"'],
    [['budget', '99.9', '--window', '0d'], '--window must be whole days up to 90d'],
    // Refused like a contract's spec.window refuses them.
    [['budget', '99.9', '--window', '91d'], 'got "91d"'],
    [['budget', '99.9', '--window', '6h'], 'got "6h"'],
    [['budget', '99.9', '--window', '1.5d'], 'got "1.5d"'],
    [['budget', '99.9', '--window', 'week'], 'got "week"'],
    [['validate', 'contracts/', 'no/such.yaml'], 'no/such.yaml: no such file or folder'],
    [['budget', '99.9', '--bogus'], "unknown option '--bogus'"],
    [['validate', 'no/such/dir'], 'no/such/dir: no such file or folder'],
    [['validate', '--as-of', '26.11.2026'], '--as-of must be a day written YYYY-MM-DD'],
    [['budget'], "missing required argument 'target'"],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await sloInProcess(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('accepts a target written with a percent sign', async () => {
    const r = await sloInProcess('budget', '99.95%', '--window', '30d');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('99.95 % over 30d: 21.6 minutes of bad time (1 in 2000 events)  <- target');
  });

  it('shows seconds when the budget is under a minute', async () => {
    const r = await sloInProcess('budget', '99.99', '--window', '1d');
    // 0.01 % of 86 400 s = 8.64 s.
    expect(r.stdout).toContain('99.99 % over 1d: 0.14 minutes of bad time (8.64 seconds; 1 in 10000 events)  <- target');
  });

  it('schema --out writes the schema and says where', async () => {
    const r = await sloInProcess('schema', '--out', 'somewhere/schema.json');
    expect(r.code).toBe(0);
    expect(r.written).toEqual({ 'somewhere/schema.json': SCHEMA_TEXT });
    expect(r.stdout).toBe('wrote somewhere/schema.json\n');
  });

  it('--help exits 0', async () => {
    const r = await sloInProcess('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('validate [options] [paths...]');
  });
});
