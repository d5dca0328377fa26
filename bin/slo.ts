/**
 * `slo`: the command line for contract authors.
 *
 *   slo validate [paths...]        check contracts (default contracts/); exit 0 valid, 1 invalid
 *   slo budget <target> [--window] allowed bad time for a target (percent) and its neighbours
 *   slo schema [--out file]        the contract JSON Schema, for editors
 *   slo override <contract> ...    lift a contract's freezes on the record (bin/override-command.ts)
 *   slo import|export openslo      OpenSLO v1 in and out (bin/openslo-command.ts)
 *   slo status [contract]          where the deployed objectives stand (bin/status-command.ts)
 *   slo report [contract]          the weekly report from the deployed table (bin/report-command.ts)
 *   slo backtest <contract-file>   what each target would have cost over history (bin/backtest-command.ts)
 *   slo suggest <contract-file>    a target from 15 months of history (bin/suggest-command.ts)
 *   slo plan [path]                dry run against live CloudWatch before deploy (bin/plan-command.ts)
 *   slo help [command], slo --version
 *
 * Exit codes: 0 success, 1 the command ran and found a problem (invalid contracts, an unreadable table) or
 * failed (e.g. AWS unreachable), 2 usage error (unknown command or option, bad argument), 3 `slo status`
 * found something frozen. Data goes to stdout, notes and
 * warnings to stderr. Run through bin/slo.mjs (`npx slo ...`) or `npx tsx bin/slo.ts`.
 *
 * Other commands register themselves in buildProgram with one line, taking the same CliIo so tests can run
 * them in memory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { budgetPctOf, budgetTable, roundTo } from '../functions/core/budget.ts';
import { WindowSchema } from '../functions/core/contract.ts';
import { undefinedAudiences } from '../functions/core/audiences.ts';
import { DAY_MS, MINUTE_MS, tryParseDuration } from '../functions/core/duration.ts';
import { contractJsonSchemaText } from '../functions/contracts/json-schema.ts';
import { formatIssue, loadContracts, ratioTargetAdvice } from '../functions/contracts/loader.ts';
import { CliExit, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './cli.ts';
import { addOpensloCommands } from './openslo-command.ts';
import { addOverrideCommand } from './override-command.ts';
import { addStatusCommand } from './status-command.ts';
import { addReportCommand } from './report-command.ts';
import { addBacktestCommand } from './backtest-command.ts';
import { addSuggestCommand } from './suggest-command.ts';
import { addPlanCommand } from './plan-command.ts';

export { CliExit, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './cli.ts';

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    nowMs: () => clockFromEnv(process.env.SLO_NOW) ?? Date.now(),
    writeFile: (path, text) => writeFileSync(path, text),
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    env: process.env,
  };
}

/**
 * SLO_NOW pins the CLI's clock to an ISO instant with a zone (`2026-12-07T09:00:00Z`), for reproducible output
 * (tests, documentation); unset means the system clock.
 */
export function clockFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`SLO_NOW must be an ISO instant with a zone such as 2026-12-07T09:00:00Z, got "${value}"`);
  return ms;
}

/** The package version, from the package.json above this file (bin/ from a clone, dist/bin/ when built). */
export function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'slo-contracts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: try one level up
    }
  }
  return 'unknown';
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('slo')
    .description('SLO contracts: validate them, size error budgets, export the contract schema, OpenSLO in and out')
    .version(packageVersion(), '-V, --version', 'print the version of slo-contracts')
    .helpCommand('help [command]', 'show help for a command')
    // Help wraps to the terminal, or 80 columns when not a terminal (stable output for tests and pipes).
    .configureOutput({ writeOut: io.out, writeErr: io.err, getOutHelpWidth: () => io.columns ?? 80, getErrHelpWidth: () => io.columns ?? 80 })
    .exitOverride()
    .showHelpAfterError('(run `slo --help` for usage)')
    .allowExcessArguments(false);

  addValidateCommand(program, io);
  addBudgetCommand(program, io);
  addSchemaCommand(program, io);
  addOpensloCommands(program, io);
  addOverrideCommand(
    program,
    io,
    (code) => {
      throw new CliExit(code);
    },
    (message) => new UsageError(message),
  );
  addStatusCommand(program, io, exitWith, (message) => new UsageError(message));
  addReportCommand(program, io, exitWith, (message) => new UsageError(message));
  addBacktestCommand(program, io);
  addSuggestCommand(program, io);
  addPlanCommand(program, io);
  return program;
}

function exitWith(code: number): never {
  throw new CliExit(code);
}

function addValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check contract files: every error in every file, plus advice (warnings)')
    .argument(
      '[paths...]',
      'contract files and folders (default contracts/); a folder is read with its subfolders, skipping folders named .* or _*',
      ['contracts/'],
    )
    .option('--json', 'print the result as JSON')
    .option('--as-of <date>', 'judge review dates as of this day (YYYY-MM-DD, UTC) instead of today')
    .option('--audiences <names>', 'audiences the stack defines, comma-separated (default: the "audiences" in ./cdk.json, when it has them); a tier naming another is an error')
    .action((paths: string[], opts: { json?: boolean; asOf?: string; audiences?: string }) => {
      const nowMs = opts.asOf === undefined ? io.nowMs() : parseAsOf(opts.asOf);
      const missing = paths.filter((p) => !existsSync(p));
      if (missing.length > 0) {
        throw new UsageError(`${missing.join(', ')}: no such file or folder; pass contract files or folders of them (default contracts/)`);
      }
      const result = loadContracts(paths, { nowMs });
      // The audience check cdk synth makes, when the stack's audiences are known here.
      const defined = opts.audiences !== undefined ? opts.audiences.split(',').map((a) => a.trim()).filter(Boolean) : audiencesInCdkJson();
      if (defined) {
        for (const { file, contract } of result.contracts) {
          result.errors.push(...undefinedAudiences(contract, defined).map((i) => ({ file, path: i.path, message: i.message })));
        }
      }
      const valid = result.errors.length === 0;
      if (opts.json) {
        const report = {
          valid,
          contracts: result.contracts.map(({ file, contract }) => ({
            file,
            name: contract.metadata.name,
            objectives: contract.spec.objectives.map((o) => o.name),
          })),
          errors: result.errors,
          warnings: result.warnings,
        };
        io.out(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const lines: string[] = [];
        const failed = new Set(result.errors.map((e) => e.file));
        for (const { file, contract } of result.contracts) {
          if (failed.has(file)) continue;
          const n = contract.spec.objectives.length;
          lines.push(`${file}: ok (${contract.metadata.name}, ${n} objective${n === 1 ? '' : 's'})`);
        }
        for (const e of result.errors) lines.push(formatIssue(e));
        for (const w of result.warnings) lines.push(`warning: ${formatIssue(w)}`);
        const w = result.warnings.length;
        const warned = w > 0 ? `, ${w} warning${w === 1 ? '' : 's'}` : '';
        if (valid) {
          const c = result.contracts.length;
          lines.push(`valid: ${c} contract${c === 1 ? '' : 's'}${warned}`);
        } else {
          const e = result.errors.length;
          const files = new Set(result.errors.map((x) => x.file)).size;
          lines.push(`invalid: ${e} error${e === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}${warned}`);
        }
        io.out(`${lines.join('\n')}\n`);
      }
      if (!valid) throw new CliExit(EXIT_FAILED);
    });
}

/** The audience names `cdk.json` in the working directory defines (its `context.audiences`), if it defines any. */
function audiencesInCdkJson(file = 'cdk.json'): string[] | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON (${(err as Error).message}); fix it or give --audiences`);
  }
  const audiences = (parsed as { context?: { audiences?: unknown } } | null)?.context?.audiences;
  return audiences !== null && typeof audiences === 'object' && !Array.isArray(audiences) ? Object.keys(audiences) : undefined;
}

function parseAsOf(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--as-of must be a day written YYYY-MM-DD (UTC), got "${text}"`);
  return ms;
}

function addBudgetCommand(program: Command, io: CliIo): void {
  program
    .command('budget')
    .description('how much bad time a target allows over a window, next to the usual targets')
    .argument('<target>', 'target in percent, e.g. 99.9 (above 0, below 100)')
    .addOption(new Option('--window <window>', 'as in a contract: whole days up to 90d (e.g. 28d, 30d), month or quarter').default('30d'))
    .option('--json', 'print the table as JSON')
    .action((targetText: string, opts: { window: string; json?: boolean }) => {
      const targetPct = parseTarget(targetText);
      const window = parseBudgetWindow(opts.window);
      const advice = ratioTargetAdvice(targetPct);
      if (advice !== undefined) io.err(`warning: ${advice}\n`);
      if (window.kind === 'rolling') {
        const rows = budgetRows(targetPct, window.ms);
        if (opts.json) {
          io.out(`${JSON.stringify({ targetPct, window: window.text, windowMs: window.ms, rows }, null, 2)}\n`);
        } else {
          io.out(`${formatBudgetRows(rows, window.text).join('\n')}\n`);
        }
        return;
      }
      const { shortestDays, longestDays } = CALENDAR_DAYS[window.calendar];
      const rows = calendarBudgetRows(targetPct, window.calendar);
      if (opts.json) {
        io.out(`${JSON.stringify({ targetPct, window: window.calendar, windowDays: { shortest: shortestDays, longest: longestDays }, rows }, null, 2)}\n`);
      } else {
        io.err(`note: ${CALENDAR_DAYS[window.calendar].note}; each line gives the budget of the shortest and of the longest\n`);
        io.out(`${formatCalendarBudgetRows(rows, window.calendar).join('\n')}\n`);
      }
    });
}

export type BudgetWindow = { kind: 'rolling'; ms: number; text: string } | { kind: 'calendar'; calendar: 'month' | 'quarter' };

/** Calendar window lengths in whole days (UTC calendar). */
export const CALENDAR_DAYS = {
  month: { shortestDays: 28, longestDays: 31, note: 'calendar months are 28 to 31 days long (February 28, or 29 in leap years)' },
  quarter: { shortestDays: 90, longestDays: 92, note: 'calendar quarters are 90 to 92 days long (Q1 90, or 91 in leap years; Q2 91; Q3 and Q4 92)' },
} as const;

/**
 * `--window` as a contract's `spec.window` accepts it: `month`, `quarter`, or a rolling window of whole days up to
 * 90d (checked by the contract's own WindowSchema). Anything else is a UsageError.
 */
export function parseBudgetWindow(text: string): BudgetWindow {
  const t = text.trim();
  if (t === 'month' || t === 'quarter') return { kind: 'calendar', calendar: t };
  const ms = tryParseDuration(t);
  if (ms === undefined || !WindowSchema.safeParse({ rolling: t }).success) {
    throw new UsageError(`--window must be whole days up to 90d (e.g. 28d, 30d), month or quarter, as in a contract's spec.window; got "${text}"`);
  }
  return { kind: 'rolling', ms, text: t };
}

/** `99.9`, `99.9%` -> 99.9; anything else, or a target outside (0, 100), is a UsageError. */
export function parseTarget(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%?\s*$/.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!Number.isFinite(value)) throw new UsageError(`target must be a number in percent, e.g. 99.9, got "${text}"`);
  if (value <= 0 || value >= 100) {
    throw new UsageError(`target must be above 0 and below 100 percent (100 % leaves no error budget), got ${value}`);
  }
  return value;
}

export interface BudgetRow {
  /** Target, PERCENT. */
  targetPct: number;
  /** Allowed bad time over the window, milliseconds. */
  allowedBadMs: number;
  /** The same in minutes. */
  allowedBadMinutes: number;
  /** Share of events that may fail, PERCENT (100 - target). */
  badEventsPct: number;
  /** True for the target that was asked about (the others are the usual neighbours). */
  requested: boolean;
}

export function budgetRows(targetPct: number, windowMs: number): BudgetRow[] {
  return budgetTable(targetPct, windowMs).map((r) => ({
    ...r,
    badEventsPct: budgetPctOf(r.targetPct),
    requested: r.targetPct === roundTo(targetPct),
  }));
}

/** One line per target: `99.9 % over 30d: 43.2 minutes of bad time (1 in 1000 events)`, the asked target marked. */
export function formatBudgetRows(rows: BudgetRow[], windowText: string): string[] {
  const width = Math.max(...rows.map((r) => String(r.targetPct).length));
  return rows.map((r) => {
    const minutes = roundTo(r.allowedBadMs / MINUTE_MS, 2);
    const extra: string[] = [];
    const hours = r.allowedBadMs / (60 * MINUTE_MS);
    if (hours >= 2) extra.push(`${roundTo(hours, 2)} hours`);
    if (r.allowedBadMs < MINUTE_MS) extra.push(`${roundTo(r.allowedBadMs / 1000, 2)} seconds`);
    extra.push(eventsShare(r.badEventsPct));
    const mark = r.requested ? '  <- target' : '';
    return `${String(r.targetPct).padStart(width)} % over ${windowText}: ${minutes} minutes of bad time (${extra.join('; ')})${mark}`;
  });
}

export interface CalendarBudgetRow {
  /** Target, PERCENT. */
  targetPct: number;
  /** Share of events that may fail, PERCENT (100 - target). */
  badEventsPct: number;
  requested: boolean;
  /** Allowed bad time over the shortest and the longest period (milliseconds, minutes). */
  shortest: { allowedBadMs: number; allowedBadMinutes: number };
  longest: { allowedBadMs: number; allowedBadMinutes: number };
}

export function calendarBudgetRows(targetPct: number, calendar: 'month' | 'quarter'): CalendarBudgetRow[] {
  const { shortestDays, longestDays } = CALENDAR_DAYS[calendar];
  const shortest = budgetTable(targetPct, shortestDays * DAY_MS);
  const longest = budgetTable(targetPct, longestDays * DAY_MS);
  return shortest.map((s, i) => {
    const l = longest[i] as (typeof longest)[number];
    return {
      targetPct: s.targetPct,
      badEventsPct: budgetPctOf(s.targetPct),
      requested: s.targetPct === roundTo(targetPct),
      shortest: { allowedBadMs: s.allowedBadMs, allowedBadMinutes: s.allowedBadMinutes },
      longest: { allowedBadMs: l.allowedBadMs, allowedBadMinutes: l.allowedBadMinutes },
    };
  });
}

/** `99.9 % over a calendar month (28-31 days): 40.32-44.64 minutes of bad time (1 in 1000 events)`. */
export function formatCalendarBudgetRows(rows: CalendarBudgetRow[], calendar: 'month' | 'quarter'): string[] {
  const { shortestDays, longestDays } = CALENDAR_DAYS[calendar];
  const width = Math.max(...rows.map((r) => String(r.targetPct).length));
  return rows.map((r) => {
    const range = (f: (ms: number) => number) => `${f(r.shortest.allowedBadMs)}-${f(r.longest.allowedBadMs)}`;
    const extra: string[] = [];
    if (r.shortest.allowedBadMs / (60 * MINUTE_MS) >= 2) extra.push(`${range((ms) => roundTo(ms / (60 * MINUTE_MS), 2))} hours`);
    if (r.longest.allowedBadMs < MINUTE_MS) extra.push(`${range((ms) => roundTo(ms / 1000, 2))} seconds`);
    extra.push(eventsShare(r.badEventsPct));
    const mark = r.requested ? '  <- target' : '';
    return `${String(r.targetPct).padStart(width)} % over a calendar ${calendar} (${shortestDays}-${longestDays} days): ${range((ms) => roundTo(ms / MINUTE_MS, 2))} minutes of bad time (${extra.join('; ')})${mark}`;
  });
}

/** `1 in 1000 events`, or `0.3 % of events` when the share is not one in a whole number. */
function eventsShare(badEventsPct: number): string {
  const oneIn = 100 / badEventsPct;
  return Math.abs(oneIn - Math.round(oneIn)) < 1e-9 ? `1 in ${Math.round(oneIn)} events` : `${badEventsPct} % of events`;
}

function addSchemaCommand(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the contract JSON Schema (editors use it to check contracts as you type)')
    .option('--out <file>', 'write it to this file instead, e.g. contracts/slo-contract.schema.json')
    .action((opts: { out?: string }) => {
      const text = contractJsonSchemaText();
      if (opts.out === undefined) {
        io.out(text);
        return;
      }
      io.writeFile(opts.out, text);
      io.out(`wrote ${opts.out}\n`);
    });
}

/**
 * The AWS SDK warns on every run under Node.js < 22 (NodeVersionSupportWarning). Its documented switch
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true silences that one warning; set unless the user set it.
 */
export function quietSdkNodeVersionWarning(env: Record<string, string | undefined> = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Runs the CLI on `argv` (node-style: argv[0] node, argv[1] script) and returns the exit code. */
export async function main(argv: string[] = process.argv, io: CliIo = processIo()): Promise<number> {
  quietSdkNodeVersionWarning();
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CommanderError) {
      // Commander has already printed its message. Help (`slo help`, `--help`) and `--version` are successes;
      // `slo` alone prints the help on stderr and is a usage error.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    // Anything else (AWS unreachable, a file that cannot be written): one line, the stack only on request.
    const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
    io.err(`error: ${message}\n`);
    if (io.env.SLO_DEBUG && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    else io.err('(set SLO_DEBUG=1 to see where it happened)\n');
    return EXIT_FAILED;
  }
}

// Run when executed directly (`tsx bin/slo.ts ...`); bin/slo.mjs imports this module and calls main itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
