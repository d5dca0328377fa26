/**
 * Human durations as written in contracts: `300ms`, `1.5s`, `5m`, `6h`, `30d`, `2w`.
 * Everything inside the core works in milliseconds (epoch ms for instants); these helpers are the
 * only place where the text form is read.
 */

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

export type DurationUnit = keyof typeof UNIT_MS;

export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

export const MINUTE_MS = UNIT_MS.m;
export const HOUR_MS = UNIT_MS.h;
export const DAY_MS = UNIT_MS.d;

export class DurationError extends Error {
  override name = 'DurationError';
}

/** Parses `30d` into milliseconds, or returns undefined when the text is not a positive duration. */
export function tryParseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] as DurationUnit;
  const ms = value * UNIT_MS[unit];
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return ms;
}

/** Parses `30d` into milliseconds; throws a DurationError that says what a valid duration looks like. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new DurationError(
      `"${text}" is not a duration: write a positive number followed by ms, s, m, h, d or w (e.g. 300ms, 5m, 30d)`,
    );
  }
  return ms;
}

/** Formats milliseconds with the largest unit that divides them exactly (`2592000000` -> `30d`). */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
