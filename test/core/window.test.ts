import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../functions/core/duration.ts';
import { WindowError, clipExclusions, excludedMs, windowBounds } from '../../functions/core/window.ts';

const at = (iso: string) => Date.parse(iso);

describe('windowBounds', () => {
  it('rolling 30d is [now - 30d, now) with length 30d', () => {
    const now = at('2026-11-20T14:05:00Z');
    expect(windowBounds({ rolling: '30d' }, now)).toEqual({ startMs: now - 30 * DAY_MS, endMs: now, lengthMs: 2_592_000_000 });
  });

  it('rolling 28d has length 28 days', () => {
    const now = at('2026-11-20T00:00:00Z');
    const w = windowBounds({ rolling: '28d' }, now);
    expect(w.lengthMs).toBe(2_419_200_000);
    expect(w.startMs).toBe(at('2026-10-23T00:00:00Z'));
  });

  it('calendar month starts at the UTC first of the month and spans the full month', () => {
    const now = at('2026-11-20T14:05:00Z');
    expect(windowBounds({ calendar: 'month' }, now)).toEqual({ startMs: at('2026-11-01T00:00:00Z'), endMs: now, lengthMs: 30 * DAY_MS });
  });

  it('February of a leap year has 29 days, of a common year 28', () => {
    expect(windowBounds({ calendar: 'month' }, at('2028-02-29T23:00:00Z'))).toMatchObject({ startMs: at('2028-02-01T00:00:00Z'), lengthMs: 29 * DAY_MS });
    expect(windowBounds({ calendar: 'month' }, at('2027-02-10T00:00:00Z'))).toMatchObject({ startMs: at('2027-02-01T00:00:00Z'), lengthMs: 28 * DAY_MS });
  });

  it('December rolls over into the next year for its length', () => {
    expect(windowBounds({ calendar: 'month' }, at('2026-12-31T23:59:59.999Z'))).toMatchObject({ startMs: at('2026-12-01T00:00:00Z'), lengthMs: 31 * DAY_MS });
  });

  it('resets exactly at the UTC month boundary', () => {
    const before = windowBounds({ calendar: 'month' }, at('2026-11-30T23:59:59.999Z'));
    const after = windowBounds({ calendar: 'month' }, at('2026-12-01T00:00:00Z'));
    expect(before.startMs).toBe(at('2026-11-01T00:00:00Z'));
    expect(after.startMs).toBe(at('2026-12-01T00:00:00Z'));
    expect(after.endMs - after.startMs).toBe(0);
  });

  it('calendar quarter starts in Jan, Apr, Jul or Oct and spans the full quarter', () => {
    expect(windowBounds({ calendar: 'quarter' }, at('2026-05-20T10:00:00Z'))).toMatchObject({ startMs: at('2026-04-01T00:00:00Z'), lengthMs: 91 * DAY_MS });
    expect(windowBounds({ calendar: 'quarter' }, at('2026-08-01T00:00:00Z'))).toMatchObject({ startMs: at('2026-07-01T00:00:00Z'), lengthMs: 92 * DAY_MS });
    expect(windowBounds({ calendar: 'quarter' }, at('2026-12-31T23:59:59.999Z'))).toMatchObject({ startMs: at('2026-10-01T00:00:00Z'), lengthMs: 92 * DAY_MS });
  });

  it('Q1 is 90 days in a common year and 91 in a leap year', () => {
    expect(windowBounds({ calendar: 'quarter' }, at('2027-03-31T23:59:59.999Z'))).toMatchObject({ startMs: at('2027-01-01T00:00:00Z'), lengthMs: 90 * DAY_MS });
    expect(windowBounds({ calendar: 'quarter' }, at('2028-02-29T12:00:00Z'))).toMatchObject({ startMs: at('2028-01-01T00:00:00Z'), lengthMs: 91 * DAY_MS });
  });

  it('resets exactly at the UTC quarter boundary', () => {
    expect(windowBounds({ calendar: 'quarter' }, at('2026-03-31T23:59:59.999Z')).startMs).toBe(at('2026-01-01T00:00:00Z'));
    expect(windowBounds({ calendar: 'quarter' }, at('2026-04-01T00:00:00Z')).startMs).toBe(at('2026-04-01T00:00:00Z'));
  });

  it('rejects a non-finite now', () => {
    expect(() => windowBounds({ rolling: '30d' }, Number.NaN)).toThrow(WindowError);
  });
});

describe('clipExclusions', () => {
  const range = { startMs: at('2026-12-01T00:00:00Z'), endMs: at('2026-12-31T00:00:00Z') };

  it('parses, clips to the range, drops what falls outside, sorts and merges overlaps', () => {
    const got = clipExclusions(
      [
        { from: '2026-12-24T03:00:00Z', to: '2026-12-24T08:00:00Z' },
        { from: '2026-12-24T00:00:00Z', to: '2026-12-24T06:00:00Z' },
        { from: '2026-11-30T00:00:00Z', to: '2026-12-01T02:00:00Z' }, // clipped at the start
        { from: '2026-12-30T22:00:00Z', to: '2027-01-02T00:00:00Z' }, // clipped at the end
        { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' }, // entirely outside
      ],
      range,
    );
    expect(got).toEqual([
      { startMs: range.startMs, endMs: at('2026-12-01T02:00:00Z') },
      { startMs: at('2026-12-24T00:00:00Z'), endMs: at('2026-12-24T08:00:00Z') },
      { startMs: at('2026-12-30T22:00:00Z'), endMs: range.endMs },
    ]);
  });

  it('merges touching intervals and honours zone offsets', () => {
    const got = clipExclusions(
      [
        { from: '2026-12-10T01:00:00+01:00', to: '2026-12-10T02:00:00Z' }, // 00:00Z - 02:00Z
        { from: '2026-12-10T02:00:00Z', to: '2026-12-10T03:00:00Z' },
      ],
      range,
    );
    expect(got).toEqual([{ startMs: at('2026-12-10T00:00:00Z'), endMs: at('2026-12-10T03:00:00Z') }]);
  });

  it('says which instant is malformed', () => {
    expect(() => clipExclusions([{ from: 'yesterday', to: '2026-12-10T03:00:00Z' }], range)).toThrow(/"yesterday"/);
  });
});

describe('excludedMs', () => {
  it('counts the overlap with the range once even for overlapping intervals', () => {
    const range = { startMs: 10 * HOUR_MS, endMs: 20 * HOUR_MS };
    const intervals = [
      { startMs: 8 * HOUR_MS, endMs: 12 * HOUR_MS }, // 2 h inside
      { startMs: 11 * HOUR_MS, endMs: 13 * HOUR_MS }, // overlaps the first: adds 1 h
      { startMs: 19 * HOUR_MS, endMs: 30 * HOUR_MS }, // 1 h inside
      { startMs: 40 * HOUR_MS, endMs: 50 * HOUR_MS }, // outside
    ];
    expect(excludedMs(intervals, range)).toBe(4 * HOUR_MS);
  });

  it('is 0 with no intervals', () => {
    expect(excludedMs([], { startMs: 0, endMs: DAY_MS })).toBe(0);
  });
});
