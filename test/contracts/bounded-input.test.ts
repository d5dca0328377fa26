/**
 * Bad input is bounded (issue 8 item 7): size refused before parsing, linear work, deep nesting and alias bombs
 * end in one `file: message` line. Work is measured by the loader's WorkMeter (tokens, nodes, lookups), never by
 * wall time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue, loadContracts, MAX_INPUT_BYTES, MAX_NESTING_DEPTH, parseContractText } from '../../functions/contracts/loader.ts';
import { MAX_ANCHORS_AND_ALIASES } from '../../functions/contracts/yaml-input.ts';

const NOW = Date.parse('2026-11-26T00:00:00Z');
const GOOD = readFileSync('test/contracts/fixtures/good/payments.yaml', 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'slo-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(name: string, text: string) {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return { file, ...loadContracts(file, { nowMs: NOW }) };
}

/** Work units the loader counts while reading `text`. */
function workFor(text: string): { work: number; issues: number } {
  let work = 0;
  const result = parseContractText(text, 'x.yaml', { add: (n) => void (work += n) });
  return { work, issues: result.errors.length };
}

describe('size', () => {
  it('refuses a file above 1 MiB before parsing it, naming the file and the limit', () => {
    // Not YAML at all: a parser would report a syntax error, the size check answers first.
    const { file, contracts, errors } = load('huge.yaml', `{${'x'.repeat(MAX_INPUT_BYTES)}`);
    expect(contracts).toEqual([]);
    expect(errors.map(formatIssue)).toEqual([
      `${file}: is 1.0 MB (1,048,577 bytes), above the 1 MB limit for a contract file: a contract is a few kilobytes; split the file or remove generated content`,
    ]);
  });

  it('reads a valid contract padded to exactly 1 MiB', () => {
    const padding = MAX_INPUT_BYTES - Buffer.byteLength(GOOD) - 1;
    const text = `${GOOD}#${'-'.repeat(padding)}`;
    expect(Buffer.byteLength(text)).toBe(MAX_INPUT_BYTES);
    const { contracts, errors } = load('padded.yaml', text);
    expect(errors).toEqual([]);
    expect(contracts.map((c) => c.contract.metadata.name)).toEqual(['payments']);
  });

  it('counts bytes, not characters: 1 MiB of two-byte characters is refused', () => {
    const text = `# ${'é'.repeat(MAX_INPUT_BYTES / 2)}\n`;
    const result = parseContractText(text, 'accents.yaml');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toMatch(/^is 1\.0 MB \(1,048,579 bytes\), above the 1 MB limit/);
  });
});

describe('linear work', () => {
  const sizes = [2_000, 4_000, 8_000, 16_000];

  /** Work per unit of input stays within 10 % across an 8-fold growth: linear, not quadratic. */
  function expectLinear(make: (n: number) => string, issuesPer: (n: number) => number, ns: number[] = sizes): void {
    const perUnit = ns.map((n) => {
      const { work, issues } = workFor(make(n));
      expect(issues).toBe(issuesPer(n));
      return work / n;
    });
    const [first] = perUnit as [number];
    for (const p of perUnit) expect(p / first).toBeGreaterThan(0.9);
    for (const p of perUnit) expect(p / first).toBeLessThan(1.1);
  }

  it('unknown top-level keys: one issue each, located, in linear work', () => {
    const make = (n: number) => `${GOOD}${Array.from({ length: n }, (_, i) => `extra${i}: ${i}`).join('\n')}\n`;
    expectLinear(make, (n) => n);
    // Each issue still carries its own line (the good contract has 44 lines).
    const goodLines = GOOD.split('\n').length - 1;
    const last = parseContractText(make(2_000), 'x.yaml').errors.at(-1);
    expect(last).toMatchObject({ path: 'extra1999', line: goodLines + 2_000 });
  });

  it('unknown keys in a flow mapping on one line', () => {
    const make = (n: number) => GOOD.replace('metadata:\n', `metadata:\n  x-extra: {${Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join(', ')}}\n`);
    // One issue: the unknown key x-extra (its value is never examined key by key).
    expectLinear(make, () => 1);
  });

  it('many invalid list items: one issue each, located', () => {
    const objective = '    - { name: o, target: 100, sli: { ratio: { good: { namespace: N, metric: M }, total: { namespace: N, metric: T } } } }\n';
    const make = (n: number) => GOOD.replace(/ {2}objectives:\n[\s\S]*? {2}policy:/, `  objectives:\n${objective.repeat(n)}  policy:`);
    // Each item: target 100 is refused; names repeat from the second item on.
    // About 120 bytes per item: 8,000 items stay under the 1 MiB limit.
    expectLinear(make, (n) => n + (n - 1), [1_000, 2_000, 4_000, 8_000]);
  });

  it('many dimensions in one metric', () => {
    const make = (n: number) =>
      GOOD.replace('metric: RequestCount, stat: Sum }', `metric: RequestCount, stat: Sum, dimensions: {${Array.from({ length: n }, (_, i) => `D${i}: v`).join(', ')}} }`);
    expectLinear(make, () => 1); // "CloudWatch allows at most 30 dimensions"
  });
});

describe('deep nesting', () => {
  const deep: [string, string][] = [
    ['5,000 nested brackets', `a: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`],
    ['5,000 nested flow mappings', `${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}\n`],
    ['5,000 nested block lists on one line', `${'- '.repeat(5_000)}x\n`],
    ['200,000 unclosed brackets', `a: ${'['.repeat(200_000)}\n`],
  ];

  it.each(deep)('%s: one line naming the file, no stack overflow', (_, text) => {
    const { file, contracts, errors } = load('deep.yaml', text);
    expect(contracts).toEqual([]);
    expect(errors).toHaveLength(1);
    const line = formatIssue(errors[0] as never);
    expect(line.startsWith(`${file}: line 1, column `)).toBe(true);
    expect(line).toContain(`nested more than ${MAX_NESTING_DEPTH} levels deep`);
    expect(line).not.toContain('\n');
    expect(line).not.toMatch(/call stack/i);
  });

  it('accepts 64 levels and refuses 65', () => {
    // The root mapping is level 1; `a:` holds the brackets. The 65th level opens at column 67 (3 + 63 + 1).
    const nested = (levels: number) => `a: ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}\n`;
    const at64 = parseContractText(nested(64), 'x.yaml').errors.map((e) => e.message);
    const at65 = parseContractText(nested(65), 'x.yaml').errors.map((e) => e.message);
    expect(at64.some((m) => m.includes('nested more than'))).toBe(false);
    expect(at64).toContain('must be slo-contracts/v1'); // it went on to validation
    expect(at65).toEqual([expect.stringContaining('line 1, column 67: mappings and lists are nested more than 64 levels deep')]);
  });
});

describe('aliases', () => {
  /** The classic "billion laughs": each level repeats the previous one nine times. */
  const bomb = [
    'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  ].join('\n');

  it('refuses a billion-laughs alias bomb in one line', () => {
    const { file, errors } = load('bomb.yaml', `${bomb}\n`);
    expect(errors.map(formatIssue)).toEqual([
      `${file}: aliases (*name) expand into more than 100 nodes from one anchor: refused as a YAML alias bomb; write the values out instead`,
    ]);
  });

  it('refuses more than 1,000 anchors and aliases (each alias is resolved by a scan over the earlier ones)', () => {
    const many = `x:\n${Array.from({ length: 501 }, (_, i) => `  - &a${i} v\n  - *a${i}`).join('\n')}\n`;
    const result = parseContractText(many, 'x.yaml');
    expect(result.errors.map((e) => e.message)).toEqual([
      `1,002 YAML anchors (&name) and aliases (*name), more than the ${MAX_ANCHORS_AND_ALIASES.toLocaleString('en-US')} allowed: write the values out instead`,
    ]);
  });

  it('still accepts ordinary reuse of a dimensions block', () => {
    const text = GOOD.replace('2XX_Count, stat: Sum }', '2XX_Count, stat: Sum, dimensions: &lb { LoadBalancer: app/shop/1 } }').replace(
      'RequestCount, stat: Sum }',
      'RequestCount, stat: Sum, dimensions: *lb }',
    );
    expect(text).toContain('*lb');
    const result = parseContractText(text, 'x.yaml');
    expect(result.errors).toEqual([]);
  });

  it('an alias used before its anchor is a one-line error', () => {
    const result = parseContractText('a: *nope\nb: &nope 1\n', 'x.yaml');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain('an alias (*name) is used before its anchor (&name) is set');
  });
});
