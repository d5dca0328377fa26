/**
 * `slo backtest`: what each target would have cost over a stretch of history, by the contract's own policy.
 *
 *   slo backtest contracts/checkout.yaml --objective availability --from 2026-01-01 --to 2027-01-01
 *   slo backtest contracts/checkout.yaml --metrics-file history.csv --targets 99.5,99.9,99.95 --json
 *
 * History comes from CloudWatch (the current AWS profile and region; the finest period CloudWatch keeps for each
 * part of the range) or from a CSV file. The replay is functions/core/backtest.ts: the evaluator's windows,
 * formulas and tier decision, every 5 minutes (--cadence), data lag 0, from the first full window.
 * Data (the table, the chart, --json) goes to stdout; progress and notes to stderr.
 */
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import type { Contract, Objective } from '../functions/core/contract.ts';
import { backtest, BacktestError, neighbourTargets, type BacktestResult, type BacktestTarget } from '../functions/core/backtest.ts';
import { HistoryError } from '../functions/core/history.ts';
import { DEFAULT_DATA_LAG_MS } from '../functions/core/assess.ts';
import { HOURLY_RETENTION_MS } from '../functions/core/suggest.ts';
import { MINUTE_MS, tryParseDuration } from '../functions/core/duration.ts';
import { alignDown } from '../functions/core/resolution.ts';
import { formatIssue, loadContracts } from '../functions/contracts/loader.ts';
import type { MetricsPort } from '../functions/ports.ts';
import { CliExit, EXIT_FAILED, UsageError, type CliIo } from './cli.ts';
import { parseTarget } from './slo.ts';
import { HistoryFetchError, HistoryFileError, historyFromCloudWatch, historyFromFile, type LoadedHistory } from './history.ts';
import { renderBudgetChart } from './render/chart.ts';
import { progressFor } from './render/progress.ts';

// ---------------------------------------------------------------------------------------------
// Arguments shared with `slo suggest`

/**
 * An instant on the command line: `now`, a day `2026-11-02` (00:00 UTC), an ISO 8601 instant with a zone, or a
 * duration ago (`90d`, `12h`).
 */
export function parseInstantArg(text: string, nowMs: number, what: string): number {
  const t = text.trim();
  if (t === 'now') return nowMs;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00Z`);
    if (!Number.isNaN(ms) && new Date(ms).toISOString().startsWith(t)) return ms;
  } else if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  } else {
    const ago = tryParseDuration(t);
    if (ago !== undefined) return nowMs - ago;
  }
  throw new UsageError(`${what} must be a day (2026-11-02, UTC), an instant with a zone (2026-11-02T14:00Z), a duration ago (90d) or now, got "${text}"`);
}

/** `99.5,99.9,99.95` -> ascending unique targets (percent). */
/** `--cadence`: whole minutes (5m, 1h), the time between replayed evaluations (ms). */
export function parseCadence(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined || ms % MINUTE_MS !== 0) throw new UsageError(`--cadence must be whole minutes such as 5m or 1h, got "${text}"`);
  return ms;
}

export function parseTargets(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new UsageError(`--targets must list targets in percent, e.g. 99.5,99.9,99.95, got "${text}"`);
  if (parts.length > 10) throw new UsageError(`--targets takes at most 10 targets (one chart), got ${parts.length}`);
  return [...new Set(parts.map(parseTarget))].sort((a, b) => a - b);
}

export interface ChosenObjective {
  file: string;
  contract: Contract;
  objective: Objective;
  index: number;
}

/** Loads one contract file and picks the objective; invalid contracts are printed and end the command (exit 1). */
export function loadObjective(io: Pick<CliIo, 'err' | 'nowMs'>, file: string, objectiveName: string | undefined): ChosenObjective {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file; pass one contract file, e.g. contracts/checkout.yaml`);
  if (statSync(file).isDirectory()) throw new UsageError(`${file} is a folder: pass one contract file, e.g. ${file.replace(/\/$/, '')}/checkout.yaml`);
  const loaded = loadContracts(file, { nowMs: io.nowMs() });
  if (loaded.errors.length > 0 || loaded.contracts.length !== 1) {
    for (const e of loaded.errors) io.err(`${formatIssue(e)}\n`);
    io.err(`error: ${file} is not a valid contract; fix it first (slo validate ${file})\n`);
    throw new CliExit(EXIT_FAILED);
  }
  const { contract } = loaded.contracts[0]!;
  const names = contract.spec.objectives.map((o) => o.name);
  if (objectiveName === undefined) {
    if (names.length > 1) throw new UsageError(`${file} has ${names.length} objectives: name one with --objective (${names.join(', ')})`);
    return { file, contract, objective: contract.spec.objectives[0]!, index: 0 };
  }
  const index = names.indexOf(objectiveName);
  if (index === -1) throw new UsageError(`${file} has no objective "${objectiveName}": its objectives are ${names.join(', ')}`);
  return { file, contract, objective: contract.spec.objectives[index]!, index };
}

/** How the history commands reach CloudWatch; tests inject a fake or a mocked client. */
export interface HistoryIo {
  metrics?(): MetricsPort;
}

/** The command's errors that are the user's to fix: printed as one line each, exit 1, never a stack trace. */
export function isRefusal(err: unknown): err is Error {
  return err instanceof HistoryFileError || err instanceof HistoryFetchError || err instanceof BacktestError || err instanceof HistoryError;
}

// ---------------------------------------------------------------------------------------------
// Output

function utc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function pct(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '-';
  return `${v.toFixed(1)} %`;
}

function days(ms: number): string {
  return `${(ms / 86_400_000).toFixed(2)} d`;
}

function cadenceText(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / MINUTE_MS}m`;
}

function policyLine(contract: Contract): string {
  const tiers = contract.spec.policy.tiers.map((t) => `${t.name}${t.above !== undefined ? ` > ${t.above} %` : ''}${t.freeze !== 'none' ? ` (freezes ${t.freeze === 'all' ? 'all gates' : 'non-critical gates'})` : ''}`);
  return `Policy: ${tiers.join(', ')}; recovery margin ${contract.spec.policy.recoveryMargin} points`;
}

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

export interface FormatOptions {
  /** Terminal width for the chart. @default 80 */
  width?: number;
  /** Chart rows. @default 12 */
  height?: number;
  /** Where the history came from (shown in the header). */
  source: string;
  /** The contract's own target, marked in the table. */
  contractTargetPct: number;
}

/** The per-target summary rows. */
export function summaryTable(result: BacktestResult, contractTargetPct: number): string[] {
  const rows = [['target', 'tier changes', 'pages', 'tickets', 'frozen non-critical', 'frozen all', 'worst budget', 'worst at', 'final budget', 'final tier']];
  for (const t of result.targets) {
    rows.push([
      `${t.targetPct} %${t.targetPct === contractTargetPct ? ' (contract)' : ''}`,
      String(t.timeline.filter((c) => c.from !== null).length),
      String(t.pages),
      String(t.tickets),
      days(t.frozenNonCriticalMs),
      days(t.frozenAllMs),
      pct(t.worst?.remainingPct ?? null),
      t.worst ? utc(t.worst.at) : '-',
      pct(t.final.remainingPct),
      t.final.tier ?? '-',
    ]);
  }
  return table(rows, [false, true, true, true, true, true, true, false, true, false]);
}

function timelineLines(t: BacktestTarget): string[] {
  const lines = [`Tier changes at ${t.targetPct} %:`];
  const changes = t.timeline;
  if (changes.length === 0) lines.push('  none (never judged: no data in any window)');
  for (const c of changes) {
    const freeze = c.freeze === 'all' ? '  freezes all gates' : c.freeze === 'non-critical' ? '  freezes non-critical gates' : '';
    const from = c.from ?? 'start';
    lines.push(`  ${utc(c.at)}  ${from} -> ${c.to}  (${pct(c.remainingPct)} left)${freeze}`);
  }
  return lines;
}

/** The whole text report (without trailing newline). Pure. */
export function formatBacktest(result: BacktestResult, contract: Contract, opts: FormatOptions): string {
  const w = contract.spec.window;
  const window = 'rolling' in w ? `rolling ${w.rolling}` : `calendar ${w.calendar} (UTC)`;
  const lines = [
    `${result.contract} / ${result.objective}: backtest of ${result.targets.length} target${result.targets.length === 1 ? '' : 's'} over ${window} windows`,
    `History: ${utc(result.fromMs)} to ${utc(result.toMs)} UTC from ${opts.source}`,
    `Replayed: every ${cadenceText(result.cadenceMs)} from ${utc(result.firstStepMs)} (the first full window) to ${utc(result.lastStepMs)} UTC, ${result.steps.toLocaleString('en-US')} evaluations, data lag 0`,
    policyLine(contract),
  ];
  if (result.approximateBefore !== undefined) {
    lines.push(`Note: before ${utc(result.approximateBefore)} the history came at coarser periods (CloudWatch keeps 5-minute data for 63 days, hourly data beyond); look-backs shorter than a period see its average`);
  }
  lines.push('', ...summaryTable(result, opts.contractTargetPct), '(pages and tickets: messages the evaluator would have sent with that severity: tier changes, burn alerts, gate freezes)');
  for (const t of result.targets) lines.push('', ...timelineLines(t));
  lines.push(
    '',
    'Error budget remaining over time:',
    renderBudgetChart(
      result.targets.map((t) => ({ name: `${t.targetPct} %`, values: t.remaining })),
      { width: opts.width ?? 80, height: opts.height ?? 12, startMs: result.firstStepMs, endMs: result.lastStepMs },
    ),
  );
  return lines.join('\n');
}

/** The JSON document: every figure and the full timeline, instants as ISO 8601 UTC. */
export function backtestJson(result: BacktestResult, contract: Contract, source: string, contractTargetPct: number): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const w = contract.spec.window;
  return {
    contract: result.contract,
    objective: result.objective,
    window: 'rolling' in w ? { rolling: w.rolling } : { calendar: w.calendar },
    source,
    history: { from: iso(result.fromMs), to: iso(result.toMs) },
    replay: { first: iso(result.firstStepMs), last: iso(result.lastStepMs), cadenceMinutes: result.cadenceMs / MINUTE_MS, evaluations: result.steps, dataLagMs: 0 },
    ...(result.approximateBefore !== undefined ? { approximateBefore: iso(result.approximateBefore) } : {}),
    targets: result.targets.map((t) => ({
      targetPct: t.targetPct,
      contractTarget: t.targetPct === contractTargetPct,
      tierChanges: t.timeline.filter((c) => c.from !== null).length,
      pages: t.pages,
      tickets: t.tickets,
      alertsStarted: t.alertsStarted,
      frozenNonCritical: { minutes: t.frozenNonCriticalMs / MINUTE_MS, days: t.frozenNonCriticalMs / 86_400_000 },
      frozenAll: { minutes: t.frozenAllMs / MINUTE_MS, days: t.frozenAllMs / 86_400_000 },
      worst: t.worst ? { remainingPct: t.worst.remainingPct, at: iso(t.worst.at) } : null,
      final: t.final,
      timeline: t.timeline.map((c) => ({ at: iso(c.at), from: c.from, to: c.to, remainingPct: c.remainingPct, freeze: c.freeze })),
      announcements: t.announcements.map((a) => ({ at: iso(a.at), event: a.event, severity: a.severity, about: a.about, subject: a.subject })),
      days: t.days.map((d) => ({ day: d.day, remainingPct: d.remainingPct, minRemainingPct: d.minRemainingPct, tier: d.tier, status: d.status, tierChanges: d.tierChanges, alertsStarted: d.alertsStarted })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The command

interface BacktestOpts {
  objective?: string;
  from?: string;
  to?: string;
  targets?: string;
  metricsFile?: string;
  cadence: string;
  json?: boolean;
}

/** Loads the history the options ask for: the file's range by default, CloudWatch up to now. */
export async function loadHistory(
  io: CliIo & HistoryIo,
  chosen: ChosenObjective,
  o: { from?: string; to?: string; metricsFile?: string; json?: boolean },
  pull: { periodMs?: number; defaultFromMs?: number } = {},
): Promise<LoadedHistory> {
  const nowMs = io.nowMs();
  const fromMs = o.from !== undefined ? parseInstantArg(o.from, nowMs, '--from') : undefined;
  const toMs = o.to !== undefined ? parseInstantArg(o.to, nowMs, '--to') : undefined;
  if (o.metricsFile !== undefined) return historyFromFile(o.metricsFile, chosen.objective, { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) });
  const from = fromMs ?? pull.defaultFromMs;
  if (from === undefined) throw new UsageError('give the start of the history: --from 2026-01-01 (or 90d for 90 days ago), or a CSV file with --metrics-file');
  // CloudWatch has nothing newer than now (and the newest minutes may not be complete: the evaluator's data lag)
  // and keeps nothing older than 15 months.
  const end = alignDown(Math.min(toMs ?? nowMs, nowMs - DEFAULT_DATA_LAG_MS), MINUTE_MS);
  const oldest = nowMs - HOURLY_RETENTION_MS;
  const start = Math.max(from, -alignDown(-oldest, 3_600_000));
  if (start > from) io.err(`note: CloudWatch keeps 15 months of data; the history starts at ${new Date(start).toISOString()}\n`);
  if (!(end > start)) throw new UsageError(`--to (${new Date(end).toISOString()}) must be after --from (${new Date(start).toISOString()})`);
  // The SDK loads only when a command reads CloudWatch (a file-based backtest never needs it).
  const metrics = io.metrics ? io.metrics() : (await import('../functions/adapters/cloudwatch.ts')).createCloudWatchMetrics();
  return historyFromCloudWatch(metrics, chosen.objective, { fromMs: start, toMs: end, nowMs }, progressFor(io, { json: o.json === true }), pull.periodMs !== undefined ? { periodMs: pull.periodMs } : {});
}

export function addBacktestCommand(program: Command, io: CliIo & HistoryIo): void {
  program
    .command('backtest')
    .description("replay a contract's policy over history: what each target would have cost in freezes, pages and tier changes")
    .argument('<contract-file>', 'one contract (YAML)')
    .option('--objective <name>', 'the objective (required when the contract has several)')
    .option('--from <date>', 'start of the history: a day (UTC), an instant, a duration ago (90d); with a file, default its first row')
    .option('--to <date>', 'end of the history (exclusive): as --from, or now; default the file\'s end, or now (less the 3 minutes CloudWatch may still be filling)')
    .option('--targets <list>', "targets in percent, e.g. 99.5,99.9,99.95 (default: the contract's and its neighbours)")
    .option('--metrics-file <file>', 'history from a CSV file instead of CloudWatch: timestamp,good,total (timeslices: timestamp,value), one row per minute')
    .option('--cadence <duration>', 'time between evaluations, as the deployed schedule', '5m')
    .option('--json', 'print every figure and the full timeline as JSON')
    .action(async (file: string, o: BacktestOpts) => {
      const cadenceMs = parseCadence(o.cadence);
      const chosen = loadObjective(io, file, o.objective);
      const targets = o.targets !== undefined ? parseTargets(o.targets) : neighbourTargets(chosen.objective.target);
      try {
        const history = await loadHistory(io, chosen, o);
        const result = backtest(chosen.contract, chosen.objective, history.buckets, targets, { fromMs: history.fromMs, toMs: history.toMs, cadenceMs });
        if (o.json) io.out(`${JSON.stringify(backtestJson(result, chosen.contract, history.source, chosen.objective.target), null, 2)}\n`);
        else io.out(`${formatBacktest(result, chosen.contract, { source: history.source, contractTargetPct: chosen.objective.target, width: io.columns ?? 80 })}\n`);
      } catch (err) {
        if (!isRefusal(err)) throw err;
        for (const line of err.message.split('\n')) io.err(`error: ${line}\n`);
        throw new CliExit(EXIT_FAILED);
      }
    });
}
