import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../functions/core/duration.ts';
import { ResolutionError, alignDown, choosePeriodSeconds, minPeriodSeconds } from '../../functions/core/resolution.ts';

const now = Date.parse('2026-11-20T14:05:00Z');

describe('minPeriodSeconds', () => {
  it('is 60 s within 15 days, 300 s up to 63 days, 3600 s beyond', () => {
    expect(minPeriodSeconds(now - HOUR_MS, now)).toBe(60);
    expect(minPeriodSeconds(now - 15 * DAY_MS + 1, now)).toBe(60);
    expect(minPeriodSeconds(now - 15 * DAY_MS, now)).toBe(300);
    expect(minPeriodSeconds(now - 30 * DAY_MS, now)).toBe(300);
    expect(minPeriodSeconds(now - 63 * DAY_MS + 1, now)).toBe(300);
    expect(minPeriodSeconds(now - 63 * DAY_MS, now)).toBe(3600);
    expect(minPeriodSeconds(now - 180 * DAY_MS, now)).toBe(3600);
  });
});

describe('choosePeriodSeconds', () => {
  it('keeps a whole-minute period for recent data', () => {
    expect(choosePeriodSeconds(60, now - DAY_MS, now)).toBe(60);
    expect(choosePeriodSeconds(420, now - DAY_MS, now)).toBe(420);
  });

  it('rounds a sub-minute wish up to 60 s', () => {
    expect(choosePeriodSeconds(10, now - HOUR_MS, now)).toBe(60);
  });

  it('rounds up to a multiple of 300 s for a 30-day window', () => {
    expect(choosePeriodSeconds(60, now - 30 * DAY_MS, now)).toBe(300);
    expect(choosePeriodSeconds(420, now - 30 * DAY_MS, now)).toBe(600);
    expect(choosePeriodSeconds(900, now - 30 * DAY_MS, now)).toBe(900);
  });

  it('rounds up to a multiple of 3600 s for six months back', () => {
    expect(choosePeriodSeconds(300, now - 180 * DAY_MS, now)).toBe(3600);
    expect(choosePeriodSeconds(3601, now - 180 * DAY_MS, now)).toBe(7200);
  });

  it('rejects a non-positive wish', () => {
    expect(() => choosePeriodSeconds(0, now, now)).toThrow(ResolutionError);
  });
});

describe('alignDown', () => {
  it('floors to the period start', () => {
    expect(alignDown(now + 59_999, MINUTE_MS)).toBe(now);
    expect(alignDown(7 * MINUTE_MS + 1, 5 * MINUTE_MS)).toBe(5 * MINUTE_MS);
    expect(alignDown(10 * MINUTE_MS, 5 * MINUTE_MS)).toBe(10 * MINUTE_MS);
    expect(alignDown(-1, MINUTE_MS)).toBe(-MINUTE_MS);
  });

  it('rejects a non-positive period', () => {
    expect(() => alignDown(5, 0)).toThrow(ResolutionError);
  });
});
