/**
 * Evaluation windows and exclusions. Instants are epoch milliseconds UTC; ranges are half-open [startMs, endMs).
 * Calendar windows reset at the UTC boundary (first instant of the month or quarter).
 */
import type { ContractWindow } from './contract.ts';
import { parseDuration } from './duration.ts';

/** A half-open interval [startMs, endMs) in epoch ms. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

export class WindowError extends Error {
  override name = 'WindowError';
}

/**
 * The window that counts at `nowMs`.
 * - rolling (e.g. 30d): [now - 30d, now), lengthMs = 30d.
 * - calendar month / quarter: [UTC start of the current month / quarter (Jan, Apr, Jul, Oct), now);
 *   lengthMs is the FULL length of that month / quarter (timeslice budgets and burn scaling use it).
 */
export function windowBounds(window: ContractWindow, nowMs: number): { startMs: number; endMs: number; lengthMs: number } {
  if (!Number.isFinite(nowMs)) throw new WindowError(`nowMs must be a finite epoch millisecond value, got ${nowMs}`);
  if ('rolling' in window) {
    const lengthMs = parseDuration(window.rolling);
    return { startMs: nowMs - lengthMs, endMs: nowMs, lengthMs };
  }
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth(); // 0 = January
  // Date.UTC normalises month overflow (month 12 -> January of the next year).
  const firstMonth = window.calendar === 'month' ? month : Math.floor(month / 3) * 3;
  const months = window.calendar === 'month' ? 1 : 3;
  const startMs = Date.UTC(year, firstMonth, 1);
  const nextStartMs = Date.UTC(year, firstMonth + months, 1);
  return { startMs, endMs: nowMs, lengthMs: nextStartMs - startMs };
}

function parseInstant(text: string, what: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new WindowError(`exclusion ${what} "${text}" is not an ISO 8601 instant: write e.g. 2026-12-24T00:00:00Z`);
  }
  return ms;
}

/** Sorts intervals by start and merges overlapping or touching ones. Empty intervals are dropped. */
export function mergeRanges(intervals: readonly TimeRange[]): TimeRange[] {
  const sorted = intervals.filter((i) => i.endMs > i.startMs).sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const merged: TimeRange[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last && interval.startMs <= last.endMs) {
      last.endMs = Math.max(last.endMs, interval.endMs);
    } else {
      merged.push({ startMs: interval.startMs, endMs: interval.endMs });
    }
  }
  return merged;
}

/**
 * Exclusions (ISO instants) as epoch-ms intervals clipped to `range`, empty ones dropped, sorted by start,
 * overlapping (and touching) ones merged.
 */
export function clipExclusions(exclusions: { from: string; to: string }[], range: TimeRange): TimeRange[] {
  const clipped = exclusions.map((e) => ({
    startMs: Math.max(parseInstant(e.from, '"from"'), range.startMs),
    endMs: Math.min(parseInstant(e.to, '"to"'), range.endMs),
  }));
  return mergeRanges(clipped);
}

/** Milliseconds of `range` covered by `intervals` (overlapping intervals are counted once). */
export function excludedMs(intervals: TimeRange[], range: TimeRange): number {
  const clipped = intervals.map((i) => ({ startMs: Math.max(i.startMs, range.startMs), endMs: Math.min(i.endMs, range.endMs) }));
  return mergeRanges(clipped).reduce((sum, i) => sum + (i.endMs - i.startMs), 0);
}
