/**
 * `slo import openslo` and `slo export openslo` as a user runs them: contracts on stdout or in a folder, the
 * report on stderr, exit codes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../bin/slo.ts';
import { loadContracts } from '../../functions/contracts/loader.ts';

const FIX = 'test/contracts/fixtures/openslo';
const dir = mkdtempSync(path.join(tmpdir(), 'slo-openslo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  written: Record<string, string>;
}

function slo(...args: string[]): Promise<Omit<Run, 'written'>> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/slo.mjs', ...args], { cwd: process.cwd(), env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

async function inProcess(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const written: Record<string, string> = {};
  const io: CliIo = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    nowMs: () => Date.parse('2026-11-26T00:00:00Z'),
    writeFile: (p, t) => {
      written[p] = t;
      writeFileSync(p, t);
    },
    isTTY: false,
    env: {},
  };
  const code = await main(['node', 'slo', ...args], io);
  return { code, stdout, stderr, written };
}

describe('slo import openslo', () => {
  it('prints the contracts on stdout, the report on stderr, exit 0 when every SLO converted', async () => {
    const r = await slo('import', 'openslo', `${FIX}/checkout-inline.yaml`, `${FIX}/canary-timeslices.yaml`);
    expect(r.code).toBe(0);
    const golden = ['checkout', 'storefront', 'search-latency-p99'].map((n) => readFileSync(`${FIX}/expected/${n}.yaml`, 'utf8'));
    expect(r.stdout).toBe(golden.join('---\n'));
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `contract checkout (2 objectives) from ${FIX}/checkout-inline.yaml: document 2 (SLO checkout-availability); ${FIX}/checkout-inline.yaml: document 3 (SLO checkout-errors)`,
    );
    expect(lines[1]).toBe('  fill in (not in OpenSLO; slo validate fails until you do): spec.signedOff, spec.reviewBy, spec.policy, spec.gates, spec.notify');
    expect(lines).toContain('not carried (a contract has no place for these):');
    expect(lines).not.toContain('not converted:');
  });

  it('--out writes one file per contract, which slo validate then names for what to fill in; refuses to overwrite without --force', async () => {
    const out = path.join(dir, 'imported');
    const first = await inProcess('import', 'openslo', `${FIX}/checkout-inline.yaml`, '--out', out);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    expect(Object.keys(first.written)).toEqual([path.join(out, 'checkout.yaml')]);
    expect(first.stderr).toContain(`${path.join(out, 'checkout.yaml')}: contract checkout (2 objectives)`);

    const validated = loadContracts(out, { nowMs: Date.parse('2026-11-26T00:00:00Z') });
    expect([...new Set(validated.errors.map((e) => e.path))]).toEqual(['spec.signedOff', 'spec.reviewBy', 'spec.policy', 'spec.gates', 'spec.notify']);

    const again = await inProcess('import', 'openslo', `${FIX}/checkout-inline.yaml`, '--out', out);
    expect(again.code).toBe(1);
    expect(again.written).toEqual({});
    expect(again.stderr).toBe(`error: ${path.join(out, 'checkout.yaml')} already exists: nothing written; pass --force to overwrite\n`);

    const forced = await inProcess('import', 'openslo', `${FIX}/checkout-inline.yaml`, '--out', out, '--force');
    expect(forced.code).toBe(0);
    expect(Object.keys(forced.written)).toEqual([path.join(out, 'checkout.yaml')]);
  });

  it('exit 1 and every document that could not be converted, when some could not', async () => {
    const r = await inProcess('import', 'openslo', `${FIX}/unconvertible.yaml`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('not converted:');
    expect(lines.filter((l) => l.startsWith(`  ${FIX}/unconvertible.yaml: document `))).toHaveLength(13);
    expect(lines.at(-1)).toBe('no contract was produced: no SLO document could be converted');
  });

  it('a missing file is a usage error', async () => {
    const r = await inProcess('import', 'openslo', 'no/such.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: no/such.yaml: no such file; pass OpenSLO YAML files\n');
  });

  it('a file above 1 MiB is refused before it is read', async () => {
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, `#${'x'.repeat(1_048_576)}`);
    const r = await inProcess('import', 'openslo', big);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`  ${big}: file: is 1.0 MB (1,048,577 bytes), above the 1 MB limit for an OpenSLO file`);
  });
});

describe('slo export openslo', () => {
  it('writes the example contracts as OpenSLO on stdout, notes on stderr, and import reads them back unchanged', async () => {
    const r = await slo('export', 'openslo', 'contracts/');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^apiVersion: openslo\/v1\nkind: Service\n/);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('exported 3 contracts as OpenSLO v1');

    const exported = path.join(dir, 'exported.yaml');
    writeFileSync(exported, r.stdout);
    const out = path.join(dir, 'round-trip');
    const back = await inProcess('import', 'openslo', exported, '--out', out);
    expect(back.code).toBe(0);
    const original = loadContracts('contracts/', { nowMs: Date.parse('2026-11-26T00:00:00Z') });
    const reread = loadContracts(out, { nowMs: Date.parse('2026-11-26T00:00:00Z') });
    expect(reread.errors).toEqual([]);
    const byName = (l: typeof original) => Object.fromEntries(l.contracts.map((c) => [c.contract.metadata.name, c.contract]));
    expect(byName(reread)).toEqual(byName(original));
  });

  it('--out writes the file', async () => {
    const file = path.join(dir, 'openslo.yaml');
    const r = await inProcess('export', 'openslo', 'test/contracts/fixtures/good', '--out', file);
    expect(r.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`wrote ${file}: 2 contracts as OpenSLO v1`);
  });

  it('refuses invalid contracts with exit 1, listing what to fix', async () => {
    const r = await inProcess('export', 'openslo', 'test/contracts/fixtures/bad/target-100.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('cannot export: the contracts are invalid; fix these first (slo validate):\n  test/contracts/fixtures/bad/target-100.yaml: spec.objectives[0].target: must be below 100');
  });

  it('help lists both commands', async () => {
    const r = await inProcess('help', 'import');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('openslo [options] <files...>');
  });
});
