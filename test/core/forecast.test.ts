import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../functions/core/duration.ts';
import { forecastExhaustion } from '../../functions/core/forecast.ts';

const now = Date.parse('2026-11-20T00:00:00Z');
const window = 30 * DAY_MS;

describe('forecastExhaustion', () => {
  it('burn 1 from a full budget runs out after one window', () => {
    expect(forecastExhaustion({ remainingPct: 100, burnRate: 1, windowLengthMs: window, nowMs: now })).toEqual({
      exhaustedAt: now + 30 * DAY_MS,
      alreadyExhausted: false,
    });
  });

  it('50 % left at burn 2 lasts 0.5 / 2 * 30 d = 7.5 days', () => {
    const f = forecastExhaustion({ remainingPct: 50, burnRate: 2, windowLengthMs: window, nowMs: now });
    expect(f.exhaustedAt).toBe(now + 7.5 * DAY_MS);
  });

  it('10 % left at burn 14.4 lasts 0.1 / 14.4 * 720 h = 5 hours', () => {
    const f = forecastExhaustion({ remainingPct: 10, burnRate: 14.4, windowLengthMs: window, nowMs: now });
    expect(f.exhaustedAt).toBe(now + 5 * HOUR_MS);
  });

  it('never runs out when nothing burns', () => {
    expect(forecastExhaustion({ remainingPct: 80, burnRate: 0, windowLengthMs: window, nowMs: now })).toEqual({ exhaustedAt: null, alreadyExhausted: false });
    expect(forecastExhaustion({ remainingPct: 80, burnRate: -1, windowLengthMs: window, nowMs: now }).exhaustedAt).toBeNull();
  });

  it('is already exhausted at 0 or below, whatever the burn', () => {
    expect(forecastExhaustion({ remainingPct: 0, burnRate: 0, windowLengthMs: window, nowMs: now })).toEqual({ exhaustedAt: now, alreadyExhausted: true });
    expect(forecastExhaustion({ remainingPct: -12, burnRate: 3, windowLengthMs: window, nowMs: now })).toEqual({ exhaustedAt: now, alreadyExhausted: true });
  });
});
