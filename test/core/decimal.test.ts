import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thresholdInUnit, DecimalError } from '../../functions/core/decimal.ts';
import { parseDuration } from '../../functions/core/duration.ts';

describe('latency thresholds in the metric unit, in decimal', () => {
  it.each([
    ['2.01s', 'milliseconds', '2010'],
    ['300ms', 'seconds', '0.3'],
    ['300ms', 'milliseconds', '300'],
    ['1.5m', 'seconds', '90'],
    ['0.25s', 'seconds', '0.25'],
    ['1.234ms', 'seconds', '0.001234'],
    ['2h', 'milliseconds', '7200000'],
  ] as const)('%s on a %s metric is TC(:%s)', (duration, unit, want) => {
    expect(thresholdInUnit(duration, unit)).toBe(want);
  });

  it('binary floating point would have been wrong where decimal is exact (2.01 s = 2009.9999999999998 ms)', () => {
    expect(parseDuration('2.01s')).not.toBe(2010);
    expect(thresholdInUnit('2.01s', 'milliseconds')).toBe('2010');
  });

  it('no two- or three-decimal second threshold queries below its written value on a milliseconds metric (scan)', () => {
    let checked = 0;
    for (let whole = 0; whole <= 9; whole++) {
      for (let frac = 0; frac < 1000; frac++) {
        for (const text of [`${whole}.${String(frac).padStart(3, '0')}s`, `${whole}.${String(Math.floor(frac / 10)).padStart(2, '0')}s`]) {
          const ms = thresholdInUnit(text, 'milliseconds');
          // Exactly the written value: seconds x 1000, as integer arithmetic on the digits.
          const [w, f] = text.slice(0, -1).split('.') as [string, string];
          expect(ms).toBe(String(Number(w) * 1000 + Number(f.padEnd(3, '0'))));
          checked++;
        }
      }
    }
    expect(checked).toBe(20_000);
  });

  it('round trip: a whole number of milliseconds written in seconds comes back exactly (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (ms) => {
        const seconds = thresholdInUnit(`${ms}ms`, 'seconds');
        expect(thresholdInUnit(`${seconds}s`, 'milliseconds')).toBe(String(ms));
      }),
    );
  });

  it('refuses text that is not a duration', () => {
    expect(() => thresholdInUnit('fast', 'seconds')).toThrow(DecimalError);
  });
});
