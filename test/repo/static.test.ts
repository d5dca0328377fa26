/**
 * The repository's static checks run with the tests, so CI enforces them: the lint rule that keeps
 * functions/core pure, and the strict typecheck.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const oxlint = join(root, 'node_modules', '.bin', 'oxlint');

async function lint(cwd: string, paths: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(oxlint, ['-c', '.oxlintrc.json', ...paths], { cwd });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? 1, out: e.stdout ?? '' };
  }
}

describe('static checks', () => {
  it('the whole tree passes the lint rules', async () => {
    const r = await lint(root, ['bin', 'lib', 'functions', 'test', 'bench']);
    expect(r.out).toContain('0 errors');
    expect(r.code).toBe(0);
  });

  it('the purity rule rejects AWS imports, the environment and the wall clock inside functions/core', async () => {
    // Outside the repository: oxlint honours .gitignore, and scratch folders are ignored there.
    const dir = mkdtempSync(join(tmpdir(), 'slo-lint-'));
    try {
      cpSync(join(root, '.oxlintrc.json'), join(dir, '.oxlintrc.json'));
      mkdirSync(join(dir, 'functions', 'core'), { recursive: true });
      mkdirSync(join(dir, 'functions', 'adapters'), { recursive: true });
      const impure = [
        "import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';",
        "import { Stack } from 'aws-cdk-lib';",
        "import { readFileSync } from 'node:fs';",
        'export const a = [CloudWatchClient, Stack, readFileSync];',
        'export const b = process.env.TABLE_NAME;',
        'export const c = Date.now();',
      ].join('\n');
      writeFileSync(join(dir, 'functions', 'core', 'impure.ts'), impure);
      // The same code is fine in an adapter.
      writeFileSync(join(dir, 'functions', 'adapters', 'fine.ts'), impure);
      const r = await lint(dir, ['functions']);
      expect(r.code).not.toBe(0);
      for (const rule of ['no-restricted-imports', 'no-restricted-globals', 'no-restricted-properties']) expect(r.out).toContain(rule);
      expect(r.out).toContain('impure.ts');
      expect(r.out).not.toContain('fine.ts');
      expect(r.out).toContain('5 errors');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the strict typecheck passes', async () => {
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const r = await run(tsc, ['--noEmit', '-p', 'tsconfig.json'], { cwd: root }).then(
      () => ({ code: 0, out: '' }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, out: err.stdout ?? '' }),
    );
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);
});
