/**
 * Progress for long CloudWatch pulls, on stderr, only where a person watches: a terminal, not CI, not TERM=dumb,
 * not with --json. Elsewhere a silent Progress (scripts and logs get no carriage returns). The bar follows the
 * AWS CDK CLI's: a pure function of done, total and width, the bar clamped to 10-60 columns, ending in (n/total).
 */

export interface Progress {
  start(total: number, label: string): void;
  tick(n?: number): void;
  stop(): void;
}

/** `label [#####.....] 50% (5/10)`, the bar part clamped to 10-60 columns. */
export function renderProgress(done: number, total: number, width: number, label = ''): string {
  const safeTotal = Math.max(1, total);
  const ratio = Math.min(1, Math.max(0, done / safeTotal));
  const tail = ` ${Math.floor(ratio * 100)}% (${Math.min(done, total)}/${total})`;
  const head = label ? `${label} ` : '';
  // Sized for the widest tail (100%, total/total), so the bar keeps its length as the counts grow.
  const widest = ` 100% (${total}/${total})`.length;
  const bar = Math.min(60, Math.max(10, width - head.length - widest - 2));
  const filled = Math.round(ratio * bar);
  return `${head}[${'#'.repeat(filled)}${'.'.repeat(bar - filled)}]${tail}`;
}

export const silentProgress: Progress = { start: () => undefined, tick: () => undefined, stop: () => undefined };

/** A bar redrawn in place on a terminal (carriage return, then the line), cleared on stop. */
export function terminalProgress(write: (text: string) => void, width: number): Progress {
  let total = 0;
  let done = 0;
  let label = '';
  let shown = 0;
  const draw = () => {
    const line = renderProgress(done, total, width, label);
    write(`\r${line}${' '.repeat(Math.max(0, shown - line.length))}`);
    shown = line.length;
  };
  return {
    start(t, l) {
      total = t;
      done = 0;
      label = l;
      draw();
    },
    tick(n = 1) {
      done += n;
      draw();
    },
    stop() {
      if (shown > 0) write(`\r${' '.repeat(shown)}\r`);
      shown = 0;
    },
  };
}

export interface ProgressIo {
  err(text: string): void;
  /** stdout is a terminal. */
  isTTY?: boolean;
  /** stderr is a terminal (where the bar goes); falls back to isTTY when unknown. */
  stderrIsTTY?: boolean;
  columns?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Whether CI is set the way CI systems set it (any value but empty, 0 or false). */
export function inCi(env: Readonly<Record<string, string | undefined>> | undefined): boolean {
  const v = env?.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function progressFor(io: ProgressIo, opts: { json?: boolean } = {}): Progress {
  const tty = io.stderrIsTTY ?? io.isTTY ?? false;
  if (!tty || opts.json || inCi(io.env) || io.env?.TERM === 'dumb') return silentProgress;
  return terminalProgress((t) => io.err(t), Math.min(100, io.columns ?? 80));
}
