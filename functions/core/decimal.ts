/**
 * Exact decimal conversion of a written duration into a metric's unit, for CloudWatch's TC(:threshold)
 * statistic. Binary floating point turns `2.01s` into 2009.9999999999998 ms, which would count a request at
 * exactly 2,010 ms as slow; here the digits are shifted as text, so `2.01s` on a milliseconds metric is `2010`
 * and `300ms` on a seconds metric is `0.3`.
 */
import { DURATION_PATTERN } from './duration.ts';

export class DecimalError extends Error {
  override name = 'DecimalError';
}

/** Milliseconds per unit of a written duration, as integers. */
const UNIT_MS: Readonly<Record<string, bigint>> = { ms: 1n, s: 1_000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n, w: 604_800_000n };

/** `mantissa / 10^scale` as the shortest decimal text (no exponent, no trailing zeros). */
function toText(mantissa: bigint, scale: number): string {
  const digits = mantissa.toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/**
 * A duration as written in a contract (`300ms`, `2.01s`, `1.5m`) in the metric's unit, as exact decimal text:
 * `thresholdInUnit('2.01s', 'milliseconds')` is `'2010'`, `thresholdInUnit('300ms', 'seconds')` is `'0.3'`.
 */
export function thresholdInUnit(duration: string, unit: 'seconds' | 'milliseconds'): string {
  const match = DURATION_PATTERN.exec(duration.trim());
  if (!match) throw new DecimalError(`"${duration}" is not a duration: write e.g. 300ms, 1.5s or 2m`);
  const [whole = '0', fraction = ''] = (match[1] as string).split('.');
  const perUnit = UNIT_MS[match[2] as string] as bigint;
  // value = (whole.fraction) * perUnit ms = mantissa * perUnit / 10^len(fraction) ms.
  const ms = BigInt(whole + fraction) * perUnit;
  return unit === 'milliseconds' ? toText(ms, fraction.length) : toText(ms, fraction.length + 3);
}
