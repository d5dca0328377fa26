/**
 * The loader must never throw on file content: whatever is in the file, the result says what is wrong.
 * Property: for one file, exactly one of (a contract, some errors); every error names that file and says something.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadContracts } from '../../functions/contracts/loader.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'slo-fuzz-'));
const file = path.join(dir, 'contract.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-11-26T00:00:00Z');
const GOOD = parse(readFileSync('test/contracts/fixtures/good/payments.yaml', 'utf8')) as unknown;

function loadText(text: string) {
  writeFileSync(file, text);
  return loadContracts(file, { nowMs: NOW });
}

function checkInvariants(text: string): void {
  const result = loadText(text);
  expect(result.contracts.length === 1).toBe(result.errors.length === 0);
  expect(result.contracts.length + (result.errors.length > 0 ? 1 : 0)).toBe(1);
  for (const e of result.errors) {
    expect(e.file).toBe(file);
    expect(typeof e.path).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
  }
}

/** Every path (keys and indexes) to a node of a JSON-like value. */
function allPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...allPaths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...allPaths(v, [...prefix, k]));
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at[at.length - 1] as string | number] = value;
  return copy;
}

const GOOD_PATHS = allPaths(GOOD);

/** Bits of YAML syntax, so random text reaches the parser's corners rather than only plain scalars. */
const yamlToken = fc.constantFrom(
  'apiVersion: slo-contracts/v1\n', 'kind: SloContract\n', 'spec:\n', '  objectives:\n', '    - name: a\n', 'target: 100\n',
  ': ', '- ', '\n', '  ', '\t', '{', '}', '[', ']', ',', '&a ', '*a', '*b', '!!str ', '!!binary ', '!foo ', '---\n', '...\n',
  '"', "'", '#', '|', '>', '? ', '%YAML 1.2\n', '<<: *a\n', '~', 'null', '1e999', '-0', '0x1F', '2026-11-02', '\u0000', '\uFEFF',
);

describe('loadContracts never throws on file content', () => {
  it('random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => checkInvariants(text)), { numRuns: 150 });
  });

  it('random YAML-ish token soup', () => {
    fc.assert(fc.property(fc.array(yamlToken, { maxLength: 60 }).map((t) => t.join('')), (text) => checkInvariants(text)), { numRuns: 200 });
  });

  it('random YAML values (any shape, any type)', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => checkInvariants(stringify(value))), { numRuns: 150 });
  });

  it('a valid contract with one node replaced by a random value', () => {
    const mutation = fc.record({
      at: fc.constantFrom(...GOOD_PATHS),
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('', '-5m', '0d', '100', 'NaN', '__proto__', 'constructor')),
    });
    fc.assert(
      fc.property(mutation, ({ at, value }) => checkInvariants(stringify(setAt(GOOD, at, value)))),
      { numRuns: 300 },
    );
  });

  it('keys that are dangerous in JavaScript objects are reported as unknown keys, not obeyed', () => {
    const result = loadText(`${stringify(GOOD)}__proto__: { polluted: true }\nconstructor: x\n`);
    expect(result.contracts).toEqual([]);
    expect(result.errors.map((e) => e.path).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an alias bomb is refused, not expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const result = loadText(`${bomb.join('\n')}\n`);
    expect(result.contracts).toEqual([]);
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(/alias/i);
  });
});
