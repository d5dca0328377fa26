/**
 * The CLI a platform engineer uses every day (issue 9 item 5), tried as a new user would: many files to
 * validate, help and version, calendar budget windows, ratio-looking targets, a quiet start under Node < 22.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../bin/slo.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const PACKAGE_VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const GOOD = readFileSync('test/contracts/fixtures/good/payments.yaml', 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'slo-everyday-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real executable, with only the environment given (plus PATH), so nothing leaks in from the machine. */
function slo(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/slo.mjs', ...args],
      { cwd: process.cwd(), env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

async function inProcess(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    nowMs: () => Date.parse('2026-11-26T00:00:00Z'),
    writeFile: () => undefined,
    isTTY: false,
    env: {},
  };
  const code = await main(['node', 'slo', ...args], io);
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('slo validate with many paths (a pre-commit hook passes the staged files)', () => {
  it('validates every file given, in order, exit 0', async () => {
    const a = write('a.yaml', GOOD.replace('name: payments', 'name: alpha'));
    const b = write('b.yaml', GOOD.replace('name: payments', 'name: beta'));
    const r = await slo(['validate', a, b, '--as-of', '2026-11-26']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${a}: ok (alpha, 2 objectives)\n${b}: ok (beta, 2 objectives)\nvalid: 2 contracts\n`);
  });

  it('exit 1 when one of them is invalid, naming that file and path', async () => {
    const good = write('good.yaml', GOOD.replace('name: payments', 'name: good'));
    const bad = write('bad.yaml', GOOD.replace('name: payments', 'name: bad').replace('target: 99.9', 'target: 100'));
    const r = await inProcess('validate', good, bad, '--as-of', '2026-11-26');
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      `${good}: ok (good, 2 objectives)`,
      `${bad}: spec.objectives[0].target: must be below 100: a 100 % target leaves no error budget`,
      'invalid: 1 error in 1 file',
      '',
    ]);
  });

  it('reads a folder with its subfolders', async () => {
    const r = await inProcess('validate', 'test/contracts/fixtures/nested', '--as-of', '2026-11-26');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('test/contracts/fixtures/nested/team-a/deeper/deep.yml: ok (team-a-deep, 2 objectives)');
    expect(r.stdout).toContain('valid: 3 contracts');
  });

  it('warns when a target looks like a ratio', async () => {
    const file = write('ratio.yaml', GOOD.replace('target: 99.9', 'target: 0.999'));
    const r = await inProcess('validate', file, '--as-of', '2026-11-26');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `warning: ${file}: spec.objectives[0].target: target 0.999 is below 1 %: targets are percent, not ratios; did you mean 99.9 %? (write target: 99.9)`,
    );
  });

  it('a missing policy tells the user to write policy: {}', async () => {
    const file = write('no-policy.yaml', GOOD.replace(/ {2}policy:\n(?: {4}.*\n)+/, ''));
    const r = await inProcess('validate', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}: spec.policy: is required: every contract states its error-budget policy; write \`policy: {}\` to take the default tiers`);
  });

  it('5,000 nested brackets: one line and the summary, exit 1, nothing on stderr', async () => {
    const file = write('deep.yaml', `a: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`);
    const r = await slo(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `${file}: line 1, column 67: mappings and lists are nested more than 64 levels deep (a contract needs about 8): this is not a contract; check for runaway brackets or generated content\ninvalid: 1 error in 1 file\n`,
    );
  });
});

describe('help and version', () => {
  it('slo help and slo help <command> exit 0 and print the help on stdout', async () => {
    const [top, validate, budget] = await Promise.all([slo(['help']), slo(['help', 'validate']), inProcess('help', 'budget')]);
    for (const r of [top, validate, budget]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(top.stdout).toContain('Usage: slo [options] [command]');
    expect(top.stdout).toContain('help [command]');
    expect(validate.stdout).toContain('Usage: slo validate [options] [paths...]');
    expect(budget.stdout).toContain('--window <window>');
    expect(budget.stdout).toContain('month or quarter');
  });

  it('--version and -V print the package version', async () => {
    const [long, short] = await Promise.all([slo(['--version']), inProcess('-V')]);
    expect(long).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
    expect(short.stdout).toBe(`${PACKAGE_VERSION}\n`);
  });

  it('slo with no command prints the help on stderr and is a usage error', async () => {
    const r = await inProcess();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: slo [options] [command]');
  });
});

describe('slo budget over calendar windows', () => {
  it('--window month: the shortest (28 d) and longest (31 d) month, with a note on stderr', async () => {
    const r = await inProcess('budget', '99.9', '--window', 'month');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('note: calendar months are 28 to 31 days long (February 28, or 29 in leap years); each line gives the budget of the shortest and of the longest\n');
    // 0.1 % of 28 d = 0.001 * 40,320 min = 40.32 min; of 31 d = 0.001 * 44,640 min = 44.64 min.
    expect(r.stdout.split('\n')[2]).toBe(' 99.9 % over a calendar month (28-31 days): 40.32-44.64 minutes of bad time (1 in 1000 events)  <- target');
    // 1 % of 28 d = 403.2 min = 6.72 h; of 31 d = 446.4 min = 7.44 h.
    expect(r.stdout.split('\n')[0]).toBe('   99 % over a calendar month (28-31 days): 403.2-446.4 minutes of bad time (6.72-7.44 hours; 1 in 100 events)');
  });

  it('--window quarter --json: 90 to 92 days, both budgets per target', async () => {
    const r = await inProcess('budget', '99.95', '--window', 'quarter', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      window: string;
      windowDays: { shortest: number; longest: number };
      rows: { targetPct: number; requested: boolean; shortest: { allowedBadMinutes: number }; longest: { allowedBadMinutes: number } }[];
    };
    expect(out.window).toBe('quarter');
    expect(out.windowDays).toEqual({ shortest: 90, longest: 92 });
    const asked = out.rows.find((row) => row.requested);
    // 0.05 % of 129,600 min = 64.8 min; of 132,480 min = 66.24 min.
    expect(asked?.targetPct).toBe(99.95);
    expect(asked?.shortest.allowedBadMinutes).toBeCloseTo(64.8, 9);
    expect(asked?.longest.allowedBadMinutes).toBeCloseTo(66.24, 9);
  });

  it('--window 90d is the longest rolling window accepted', async () => {
    const r = await inProcess('budget', '99.9', '--window', '90d');
    expect(r.code).toBe(0);
    // 0.1 % of 129,600 min.
    expect(r.stdout).toContain(' 99.9 % over 90d: 129.6 minutes of bad time (2.16 hours; 1 in 1000 events)  <- target');
  });

  it('slo budget 0.999 warns on stderr that 99.9 % was probably meant, and still prints the table', async () => {
    const r = await slo(['budget', '0.999']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: target 0.999 is below 1 %: targets are percent, not ratios; did you mean 99.9 %? (write target: 99.9)\n');
    expect(r.stdout).toContain('0.999 % over 30d: 42768.43 minutes of bad time');
  });
});

describe('a quiet start', () => {
  let db: Dynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  const aws = () => ({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: db.endpoint,
  });

  it('a command that builds an AWS client prints no SDK Node-version warning (stderr stays empty)', async () => {
    const r = await slo(['override', 'list', '--table', db.tableName], aws());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no overrides in force\n');
  });

  it('an AWS failure is one line on stderr and exit 1, not a stack trace', async () => {
    const r = await slo(['override', 'list', '--table', 'no-such-table'], { ...aws(), AWS_MAX_ATTEMPTS: '1' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: ResourceNotFoundException: /);
    expect(lines[1]).toBe('(set SLO_DEBUG=1 to see where it happened)');
    expect(lines).toHaveLength(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
