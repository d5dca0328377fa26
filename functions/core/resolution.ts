/**
 * CloudWatch GetMetricData retention rules: the older the start of a query, the coarser its period must be.
 * Periods here are SECONDS (as the API takes them); instants are epoch ms.
 */
import { DAY_MS } from './duration.ts';

export class ResolutionError extends Error {
  override name = 'ResolutionError';
}

/** Ages beyond which CloudWatch only keeps 5-minute / 1-hour data (ms). */
export const FIVE_MINUTE_DATA_AFTER_MS = 15 * DAY_MS;
export const HOURLY_DATA_AFTER_MS = 63 * DAY_MS;

/**
 * Smallest period (seconds) CloudWatch accepts for a query starting at `startMs`: 60 within 15 days of now,
 * 300 when older than 15 days (up to 63), 3600 when older than 63 days. Exactly 15 (63) days counts as older:
 * the request reaches CloudWatch a moment after it was built.
 */
export function minPeriodSeconds(startMs: number, nowMs: number): number {
  const ageMs = nowMs - startMs;
  if (ageMs >= HOURLY_DATA_AFTER_MS) return 3600;
  if (ageMs >= FIVE_MINUTE_DATA_AFTER_MS) return 300;
  return 60;
}

/** Smallest period (seconds) >= desiredSeconds that is a multiple of minPeriodSeconds (hence of 60). */
export function choosePeriodSeconds(desiredSeconds: number, startMs: number, nowMs: number): number {
  if (!Number.isFinite(desiredSeconds) || desiredSeconds <= 0) {
    throw new ResolutionError(`desired period must be a positive number of seconds, got ${desiredSeconds}`);
  }
  const min = minPeriodSeconds(startMs, nowMs);
  return Math.ceil(desiredSeconds / min) * min;
}

/** The start of the period (of periodMs) containing `ms`: the largest multiple of periodMs <= ms. */
export function alignDown(ms: number, periodMs: number): number {
  if (!Number.isFinite(periodMs) || periodMs <= 0) throw new ResolutionError(`periodMs must be positive, got ${periodMs}`);
  return Math.floor(ms / periodMs) * periodMs;
}
