/**
 * A terminal chart of remaining error budget over time, several series on one chart, in plain ASCII: each
 * series has its own marker, so the chart reads the same without colour (NO_COLOR, pipes, golden files).
 * asciichart (the usual choice) draws every series with the same line characters and tells them apart only by
 * ANSI colour, hence this small renderer. Pure: returns the text.
 *
 *   100 |oooooooooxxxxxxxxxxxx
 *    50 |         o   x
 *     0 |----------ooo-xxx----    <- budget exhausted below this line
 *   -50 |               xx
 *       +---------------------
 *        2026-01-31   2027-01-01
 *       o 99.5 %   x 99.9 %
 */

export interface BudgetSeries {
  /** Legend text, e.g. `99.9 %`. */
  name: string;
  /** Percent of budget remaining, one value per step (oldest first); NaN or null where not judged. */
  values: ArrayLike<number | null>;
}

export interface ChartOptions {
  /** Most text rows for the plot itself (axis and legend come on top). @default 12 */
  height?: number;
  /** Total width in columns, labels included. @default 80 */
  width?: number;
  /** Instants of the first and last value (epoch ms), for the time axis. */
  startMs?: number;
  endMs?: number;
  /** Values below this (percent) are drawn on the bottom line, so one deep overspend does not flatten the rest. @default -100 */
  floorPct?: number;
}

/** Markers in series order. */
export const MARKERS = ['o', 'x', '+', '*', '#', '@', '%', '&', '=', '~'] as const;
const STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];

/** Downsamples to `columns` points: each the lowest judged value of its share of the steps (NaN when none). */
export function downsample(values: ArrayLike<number | null>, columns: number): number[] {
  const n = values.length;
  const cols = Math.max(0, Math.min(columns, n));
  const out: number[] = [];
  for (let c = 0; c < cols; c++) {
    const from = Math.floor((c * n) / cols);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / cols));
    let min = Number.NaN;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v === null || v === undefined || Number.isNaN(v)) continue;
      if (Number.isNaN(min) || v < min) min = v;
    }
    out.push(min);
  }
  return out;
}

function day(ms: number, withTime: boolean): string {
  const iso = new Date(ms).toISOString();
  return withTime ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** Renders the series as text lines joined by newlines (no trailing newline). */
export function renderBudgetChart(series: readonly BudgetSeries[], opts: ChartOptions = {}): string {
  const maxRows = Math.max(3, Math.floor(opts.height ?? 12));
  const width = Math.max(20, Math.floor(opts.width ?? 80));
  const floorPct = opts.floorPct ?? -100;
  const steps = Math.max(0, ...series.map((s) => s.values.length));

  // Y range: 100 at the top (remaining never exceeds it), down to the lowest value (at most floorPct), in nice steps.
  let lowest = 0;
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (v !== null && v !== undefined && !Number.isNaN(v)) lowest = Math.min(lowest, v);
    }
  }
  const clipped = lowest < floorPct;
  const top = 100;
  const bottomWanted = Math.max(lowest, floorPct);
  const step = STEPS.find((st) => Math.ceil((top - bottomWanted) / st) + 1 <= maxRows) ?? STEPS[STEPS.length - 1]!;
  const bottom = top - Math.ceil((top - bottomWanted) / step) * step;
  const rows = Math.round((top - bottom) / step) + 1;
  const labels = Array.from({ length: rows }, (_, r) => String(top - r * step));
  const gutter = Math.max(...labels.map((l) => l.length)) + 2;
  const plotWidth = Math.max(1, width - gutter);
  const columns = Math.min(plotWidth, steps);

  const grid: string[][] = Array.from({ length: rows }, () => new Array<string>(columns).fill(' '));
  const zeroRow = Math.round(top / step);
  if (zeroRow >= 0 && zeroRow < rows) grid[zeroRow]!.fill('-');
  const rowOf = (v: number) => Math.min(rows - 1, Math.max(0, Math.round((top - v) / step)));
  series.forEach((s, k) => {
    const marker = MARKERS[k % MARKERS.length]!;
    const points = downsample(s.values, columns);
    let prevRow: number | undefined;
    points.forEach((v, c) => {
      if (Number.isNaN(v)) {
        prevRow = undefined;
        return;
      }
      const row = rowOf(v);
      // A drop or a climb between two columns is drawn as a vertical run, so the line stays connected.
      const from = prevRow === undefined ? row : prevRow < row ? prevRow + 1 : prevRow > row ? prevRow - 1 : row;
      for (let r = Math.min(from, row); r <= Math.max(from, row); r++) grid[r]![c] = marker;
      prevRow = row;
    });
  });

  const lines = grid.map((cells, r) => `${labels[r]!.padStart(gutter - 2)} |${cells.join('')}`.trimEnd());
  lines.push(`${' '.repeat(gutter - 1)}+${'-'.repeat(columns)}`);
  if (opts.startMs !== undefined && opts.endMs !== undefined) {
    const withTime = opts.endMs - opts.startMs < 3 * 86_400_000;
    const left = day(opts.startMs, withTime);
    const right = day(opts.endMs, withTime);
    const room = columns - left.length - right.length;
    lines.push(`${' '.repeat(gutter)}${room >= 1 ? `${left}${' '.repeat(room)}${right}` : left}`);
  }
  const legend = series.map((s, k) => `${MARKERS[k % MARKERS.length]} ${s.name}`).join('   ');
  lines.push(`${' '.repeat(gutter)}${legend}`);
  const notes = ['% of error budget left, each column the lowest of its span', "'-' marks 0: budget exhausted"];
  if (series.length > 1) notes.push('where lines meet, the later one shows');
  if (clipped) notes.push(`values below ${floorPct} are drawn on the bottom line`);
  // Notes wrapped to the width, a few per line.
  let line = '';
  for (const note of notes) {
    const next = line === '' ? note : `${line}; ${note}`;
    if (line !== '' && gutter + next.length > width) {
      lines.push(`${' '.repeat(gutter)}${line}`);
      line = note;
    } else line = next;
  }
  if (line !== '') lines.push(`${' '.repeat(gutter)}${line}`);
  return lines.join('\n');
}
