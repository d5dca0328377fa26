/**
 * `slo status` and `slo report` as the real binary (bin/slo.mjs, NO_COLOR=1) against dynalite (AWS_ENDPOINT_URL),
 * on state the REAL evaluator wrote over a scripted week (test/support/scripted-week.ts), with the CLI's clock
 * pinned by SLO_NOW: golden text and JSON, exit codes, and a table that is byte-for-byte the same afterwards.
 */
import { execFile } from 'node:child_process';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { main, type CliIo } from '../../bin/slo.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { runScriptedWeek, WEEK_END } from '../support/scripted-week.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let db: Dynalite;
let table: string;

/** Every item of the table, sorted: to show that the commands never write. (A test-only Scan.) */
async function dump(): Promise<string> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  return JSON.stringify(items.map((i) => JSON.stringify(i)).sort());
}

/** The real executable, talking to dynalite through the standard AWS environment. */
function slo(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('AWS_') || k === 'SLO_TABLE_NAME') delete base[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/slo.mjs', ...args],
      {
        cwd: process.cwd(),
        env: {
          ...base,
          NO_COLOR: '1',
          SLO_NOW: new Date(WEEK_END).toISOString(),
          AWS_ENDPOINT_URL: db.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          ...env,
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

let before: string;

beforeAll(async () => {
  db = await startDynalite();
  table = db.tableName;
  await runScriptedWeek(new DynamoStore(db.doc, table, { now: () => WEEK_END }));
  before = await dump();
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

/** The CLI in this process, on the same table (dynalite store injected): for the cases that are not about the binary. */
async function sloHere(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    isTTY: false,
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    nowMs: () => WEEK_END,
    writeFile: () => undefined,
    env,
    tableReader: (name) => new DynamoStore(db.doc, name),
  };
  const code = await main(['node', 'slo', ...args], io);
  return { code, stdout, stderr };
}

describe('slo status (the real binary on the scripted week)', () => {
  it('prints every objective, the freeze and its holder, the review due; exit 3 because shop-web is frozen', async () => {
    const r = await slo(['status', '--table', table]);
    expect(r.code).toBe(3);
    await expect(r.stdout.replaceAll(table, '<table>')).toMatchFileSnapshot('golden/status.txt');
    // No colour codes when NO_COLOR is set (and stdout is not a terminal anyway).
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('--json: the same for scripts, instants in ISO 8601, and the exit code in the document', async () => {
    const r = await slo(['status', '--json'], { SLO_TABLE_NAME: table });
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as { frozen: boolean; exitCode: number; source: string };
    expect(doc).toMatchObject({ frozen: true, exitCode: 3, source: `table ${table}, from SLO_TABLE_NAME` });
    await expect(`${JSON.stringify({ ...doc, source: '<table>' }, null, 2)}\n`).toMatchFileSnapshot('golden/status.json');
  });

  it('a missing table is exit 1, saying what to check', async () => {
    const missing = await slo(['status', '--table', 'no-such-table']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('error: table "no-such-table" does not exist in this account and region: check --table / SLO_TABLE_NAME (the stack output TableName) and AWS_REGION');
  });

  it('one contract: its objectives, gates and review only; exit 0 when none of its gates is frozen', async () => {
    const r = await sloHere(['status', 'login', '--table', table]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('login: User can sign in (owner team-identity, rolling 28d)');
    expect(r.stdout).not.toContain('checkout');
    expect(r.stdout).toContain('Freezes in force: none');
    expect(r.stdout).toContain('login: review due in 11 days (by 2026-11-20)');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Nothing frozen.');
  });

  it('usage and lookup errors: exit 2 without a table, exit 1 for an unknown contract', async () => {
    const none = await sloHere(['status']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: give the deployed state table: --table NAME, SLO_TABLE_NAME, or --stack NAME (the stack `cdk deploy` created)\n');
    const unknown = await sloHere(['status', 'nosuch'], { SLO_TABLE_NAME: table });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: no deployed contract named "nosuch": deployed are checkout, login, search\n');
  });
});

describe('slo report (the real binary on the scripted week)', () => {
  it('prints leadership\'s roll-up: one line per objective, the lists, then every contract', async () => {
    const r = await slo(['report', '--table', table]);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('golden/report.txt');
  });

  it('--json: what HTTPS subscribers receive', async () => {
    const r = await slo(['report', '--json', '--table', table]);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('golden/report.json');
  });

  it('one contract: the report its recipients get', async () => {
    const r = await sloHere(['report', 'login', '--table', table]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('SLO budget report: login, week to 2026-11-09 09:00 UTC (2026-11-02 09:00 UTC onwards)');
    expect(r.stdout).not.toContain('checkout');
    // The 14-day reminder went out on 11-06: the one notification about login this week.
    expect(r.stdout).toContain('  told          1 notification sent this week about login (its objectives and gates)');
  });

  it('--as-of a past day: figures from that day\'s summaries, the override then in force, the hours frozen up to then', async () => {
    const r = await sloHere(['report', 'checkout', '--as-of', '2026-11-06', '--table', table]);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toContain('SLO budget report: checkout, week to 2026-11-06 00:00 UTC (2026-10-30 00:00 UTC onwards)');
    // 9,000 bad of 10,080 allowed: 10.7 % left at the end of 11-05; the week-ago day (10-29) precedes deployment.
    expect(text).toContain('  budget left   [██░░░░░░░░░░░░░░░░░░]  10.7 % (end of 2026-11-05)');
    expect(text).toContain('  7 days ago    unknown: no summary for 2026-10-29: objective deployed 5 days ago (first evaluated 2026-11-01)');
    // Frozen 11-04 16:00 -> 11-05 10:00 (the override): 18 h, and open at 11-06 00:00.
    expect(text).toContain('shop-web/Production: open; frozen 18.0 h this week, 18.0 h this quarter');
    expect(text).toContain('in force: contract:checkout by VP Eng until 2026-11-06 10:00 UTC: hotfix for the basket bug');
    // In force from 11-05 10:00 to 11-06 00:00 within the quarter so far: 14 h.
    expect(text).toContain('this quarter (2026-Q4): 1 override, 14.0 h in force');
  });

  it('usage: a malformed --as-of is exit 2', async () => {
    const r = await sloHere(['report', '--as-of', 'last monday', '--table', table]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --as-of must be a day (YYYY-MM-DD, meaning 00:00 UTC) or an instant with a zone');
  });
});

describe('read-only', () => {
  it('the table holds exactly what it held before the commands ran', async () => {
    expect(await dump()).toBe(before);
  });
});

describe('--stack NAME', () => {
  it('reads the table name from the stack\'s TableName output', async () => {
    let stdout = '';
    let stderr = '';
    const asked: string[] = [];
    const io: CliIo = {
      isTTY: false,
      out: (t) => (stdout += t),
      err: (t) => (stderr += t),
      nowMs: () => WEEK_END,
      writeFile: () => undefined,
      env: {},
      stackOutputs: () => ({
        outputs: async (name) => {
          asked.push(name);
          return { TableName: table, AlertTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts' };
        },
      }),
      tableReader: (name) => new DynamoStore(db.doc, name),
    };
    const code = await main(['node', 'slo', 'status', 'checkout', '--stack', 'SloContracts'], io);
    expect(stderr).toBe('');
    expect(asked).toEqual(['SloContracts']);
    expect(code).toBe(3);
    expect(stdout.split('\n')[0]).toBe(`SLO status at 2026-11-09 09:00 UTC (table ${table}, from stack SloContracts)`);
  });
});
