/**
 * Small text helpers the report and `slo status` share: budget bars, rates, ages. Pure.
 * Percentages are PERCENT OF ERROR BUDGET remaining unless said otherwise.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from './duration.ts';

/** Cells of a budget bar: 20, so one cell is 5 % of the budget. */
export const BAR_CELLS = 20;

/**
 * `[██████░░░░░░░░░░░░░░]` for 30 % left: one full cell per 5 % (rounded to the nearest cell, but never a full
 * bar below 100 % nor an empty one above 0 %). Overspent (negative) and exhausted budgets draw an empty bar
 * (the text next to it says OVERSPENT); null (nothing known) draws a frame of spaces.
 * `ascii` draws `#` and `.` for terminals that cannot show block characters.
 */
export function budgetBar(pct: number | null, opts: { cells?: number; ascii?: boolean } = {}): string {
  const cells = opts.cells ?? BAR_CELLS;
  const [full, empty] = opts.ascii ? ['#', '.'] : ['\u2588', '\u2591'];
  if (pct === null || !Number.isFinite(pct)) return `[${' '.repeat(cells)}]`;
  let n = Math.round((Math.min(Math.max(pct, 0), 100) / 100) * cells);
  if (pct > 0 && n === 0) n = 1;
  if (pct < 100 && n === cells) n = cells - 1;
  return `[${full.repeat(n)}${empty.repeat(cells - n)}]`;
}

/** `31.2 %`, `-12.0 %`: one decimal, always (columns line up). */
export function pct1(value: number): string {
  return `${value.toFixed(1)} %`;
}

/** `+4.5`, `-60.0`, `0.0`: percentage points with a sign. */
export function signedPts(points: number): string {
  const v = points.toFixed(1);
  return points > 0 ? `+${v}` : v === '-0.0' ? '0.0' : v;
}

/** A burn rate: `2.10` (1.0 spends the budget exactly by the end of the window). */
export function rate(value: number): string {
  return value.toFixed(2);
}

/** Hours with one decimal: `12.5 h`. */
export function hours(ms: number): string {
  return `${(ms / HOUR_MS).toFixed(1)} h`;
}

/** A readable age: `45 s`, `5 min`, `3 h 20 min`, `2 d 4 h`. Negative ages (clock skew) read as `0 s`. */
export function age(ms: number): string {
  const v = Math.max(0, ms);
  if (v < MINUTE_MS) return `${Math.floor(v / 1000)} s`;
  if (v < HOUR_MS) return `${Math.floor(v / MINUTE_MS)} min`;
  if (v < DAY_MS) {
    const h = Math.floor(v / HOUR_MS);
    const m = Math.floor((v % HOUR_MS) / MINUTE_MS);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(v / DAY_MS);
  const h = Math.floor((v % DAY_MS) / HOUR_MS);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** Pads to `width` (by code points, so block characters count as one). */
export function padEnd(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : text + ' '.repeat(width - length);
}

export function padStart(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : ' '.repeat(width - length) + text;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
