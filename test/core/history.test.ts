import { describe, expect, it } from 'vitest';
import { parseHistoryCsv, parseTimestamp, sliceBuckets } from '../../functions/core/history.ts';
import { checkout } from '../support/contracts.ts';

const ratio = checkout().spec.objectives[0]!;
const bad = checkout({
  objectives: [{ name: 'errors', target: 99.9, sli: { ratio: { bad: { namespace: 'N', metric: 'Bad', dimensions: {}, stat: 'Sum' }, total: { namespace: 'N', metric: 'Total', dimensions: {}, stat: 'Sum' } } } }],
}).spec.objectives[0]!;
const canary = checkout({
  objectives: [{ name: 'up', target: 99, sli: { timeslice: { metric: { namespace: 'N', metric: 'SuccessPercent', dimensions: {}, stat: 'Average' }, good: '>= 99.5', period: '5m' } } }],
}).spec.objectives[0]!;

const T = Date.parse('2026-11-02T00:00:00Z');

describe('parseHistoryCsv', () => {
  it('reads ISO and epoch-second rows, skips comments and blank lines, handles CRLF and a BOM', () => {
    const r = parseHistoryCsv('\uFEFF# exported\r\ntimestamp,good,total\r\n2026-11-02T00:00:00Z,99,100\r\n\r\n1793577660, 98 , 100\r\n', ratio);
    expect(r).toEqual({
      ok: true,
      rows: 2,
      firstMs: T,
      endMs: T + 120_000,
      buckets: [
        { t: T, periodMs: 60_000, good: 99, total: 100 },
        { t: T + 60_000, periodMs: 60_000, good: 98, total: 100 },
      ],
    });
  });

  it('sorts rows given out of order, and still finds a minute given twice (naming its first line)', () => {
    const ok = parseHistoryCsv('timestamp,good,total\n2026-11-02T00:02:00Z,3,3\n2026-11-02T00:00:00Z,1,1\n2026-11-02T00:01:00Z,2,2\n', ratio);
    expect(ok.ok && ok.buckets.map((b) => b.good)).toEqual([1, 2, 3]);
    const dup = parseHistoryCsv('timestamp,good,total\n2026-11-02T00:02:00Z,3,3\n2026-11-02T00:00:00Z,1,1\n2026-11-02T00:02:00Z,2,2\n', ratio);
    expect(dup).toEqual({ ok: false, issues: [{ line: 4, message: 'a second row for 2026-11-02T00:02:00.000Z (first on line 2): one row per minute' }] });
  });

  it('a bad-count objective takes timestamp,bad,total (good = total - bad) or good,total', () => {
    const r = parseHistoryCsv('timestamp,bad,total\n2026-11-02T00:00:00Z,3,100\n', bad);
    expect(r.ok && r.buckets).toEqual([{ t: T, periodMs: 60_000, good: 97, total: 100 }]);
    expect(parseHistoryCsv('timestamp,good,total\n2026-11-02T00:00:00Z,97,100\n', bad).ok).toBe(true);
    expect(parseHistoryCsv('timestamp,bad,total\n', ratio)).toMatchObject({ ok: false, issues: [{ line: 1, message: expect.stringContaining('the header must be timestamp,good,total') }] });
  });

  it('timeslices: one verdict per row; a slice is good only when all its rows are (sliceBuckets per period)', () => {
    const r = parseHistoryCsv('timestamp,value\n2026-11-02T00:00:00Z,100\n2026-11-02T00:01:00Z,99\n2026-11-02T00:05:00Z,-1\n', canary);
    expect(r.ok && r.buckets.map((b) => [b.good, b.total])).toEqual([
      [1, 1],
      [0, 1],
      [0, 1],
    ]);
    expect(sliceBuckets(canary, [{ t: T, v: 100 }, { t: T + 60_000, v: 99 }, { t: T + 300_000, v: 99.5 }], 300_000)).toEqual([
      { t: T, periodMs: 300_000, good: 0, total: 1 },
      { t: T + 300_000, periodMs: 300_000, good: 1, total: 1 },
    ]);
  });

  it('stops after 20 problems', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `x${i},1,1`);
    const r = parseHistoryCsv(`timestamp,good,total\n${rows.join('\n')}\n`, ratio);
    expect(r.ok === false && r.issues.length).toBe(20);
  });

  it('timestamps: ISO with a zone or epoch seconds; a hint for milliseconds', () => {
    expect(parseTimestamp('2026-11-02T01:00+01:00')).toBe(T);
    expect(parseTimestamp('1793577600')).toBe(T);
    expect(parseTimestamp('2026-11-02T00:00:00')).toMatch(/not a timestamp/);
    expect(parseTimestamp('1793577600000')).toMatch(/looks like epoch milliseconds/);
  });
});
