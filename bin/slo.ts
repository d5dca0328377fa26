/**
 * `slo`: the command line for contract authors.
 *
 *   slo validate [path]            check contracts (default contracts/); exit 0 valid, 1 invalid
 *   slo budget <target> [--window] allowed bad time for a target (percent) and its neighbours
 *   slo schema [--out file]        the contract JSON Schema, for editors
 *   slo override <contract> ...    lift a contract's freezes on the record (bin/override-command.ts)
 *   slo backtest <contract-file>   what each target would have cost over history (bin/backtest-command.ts)
 *   slo suggest <contract-file>    a target from 15 months of history (bin/suggest-command.ts)
 *   slo plan [path]                dry run against live CloudWatch before deploy (bin/plan-command.ts)
 *
 * Exit codes: 0 success, 1 the command ran and found a problem (invalid contracts), 2 usage error
 * (unknown command or option, bad argument). Run through bin/slo.mjs (`npx slo ...`) or `npx tsx bin/slo.ts`.
 *
 * Other commands register themselves in buildProgram, taking the same CliIo so tests can run them in memory.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { budgetPctOf, budgetTable, roundTo } from '../functions/core/budget.ts';
import { MINUTE_MS, tryParseDuration } from '../functions/core/duration.ts';
import { contractJsonSchemaText } from '../functions/contracts/json-schema.ts';
import { formatIssue, loadContracts } from '../functions/contracts/loader.ts';
import { addOverrideCommand, type OverridePorts } from './override-command.ts';
import { addBacktestCommand } from './backtest-command.ts';
import { addSuggestCommand } from './suggest-command.ts';
import { addPlanCommand } from './plan-command.ts';

/** Where commands write and what time they think it is: the real process in main, fakes in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Epoch ms. */
  nowMs(): number;
  writeFile(path: string, text: string): void;
  /** How `slo override` reaches the deployed stack; default: DynamoDB and SNS from the AWS environment. */
  overridePorts?(target: { table: string; topic: string }): OverridePorts;
  /** stdout is a terminal. */
  isTTY?: boolean;
  /** stderr is a terminal: progress bars go there (and only then, not in CI, not with --json). */
  stderrIsTTY?: boolean;
  /** Terminal width in columns, when known (charts fit it). */
  columns?: number;
  /** The environment the command sees (process.env in main; a plain object in tests). */
  env?: Readonly<Record<string, string | undefined>>;
}

export const EXIT_OK = 0;
/** The command ran and found a problem, e.g. invalid contracts. */
export const EXIT_FAILED = 1;
/** The command line itself is wrong: unknown command or option, bad argument. */
export const EXIT_USAGE = 2;

/** A bad argument: reported on stderr with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Ends a command with a non-zero exit code after it has printed its own output. */
export class CliExit extends Error {
  override name = 'CliExit';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    nowMs: () => Date.now(),
    writeFile: (path, text) => writeFileSync(path, text),
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
    env: process.env,
  };
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('slo')
    .description('SLO contracts: validate them, size error budgets, export the contract schema')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError('(run `slo --help` for usage)')
    .allowExcessArguments(false);

  addValidateCommand(program, io);
  addBudgetCommand(program, io);
  addSchemaCommand(program, io);
  addOverrideCommand(
    program,
    io,
    (code) => {
      throw new CliExit(code);
    },
    (message) => new UsageError(message),
  );
  addBacktestCommand(program, io);
  addSuggestCommand(program, io);
  addPlanCommand(program, io);
  return program;
}

function addValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check contract files: every error in every file, plus advice (warnings)')
    .argument('[path]', 'a contract file or a folder of *.yaml contracts', 'contracts/')
    .option('--json', 'print the result as JSON')
    .option('--as-of <date>', 'judge review dates as of this day (YYYY-MM-DD, UTC) instead of today')
    .action((path: string, opts: { json?: boolean; asOf?: string }) => {
      const nowMs = opts.asOf === undefined ? io.nowMs() : parseAsOf(opts.asOf);
      if (!existsSync(path)) {
        throw new UsageError(`${path}: no such file or folder; pass a contract file or a folder of them (default contracts/)`);
      }
      const result = loadContracts(path, { nowMs });
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
        for (const { file, contract } of result.contracts) {
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
    .addOption(new Option('--window <duration>', 'window length, e.g. 28d or 30d').default('30d'))
    .option('--json', 'print the table as JSON')
    .action((targetText: string, opts: { window: string; json?: boolean }) => {
      const targetPct = parseTarget(targetText);
      const windowMs = tryParseDuration(opts.window);
      if (windowMs === undefined) {
        throw new UsageError(`--window must be a positive duration such as 28d, 30d or 6h, got "${opts.window}"`);
      }
      const rows = budgetRows(targetPct, windowMs);
      // Echo the window as typed (28d stays 28d rather than becoming 4w).
      const window = opts.window.trim();
      if (opts.json) {
        io.out(`${JSON.stringify({ targetPct, window, windowMs, rows }, null, 2)}\n`);
      } else {
        io.out(`${formatBudgetRows(rows, window).join('\n')}\n`);
      }
    });
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
    const oneIn = 100 / r.badEventsPct;
    extra.push(Math.abs(oneIn - Math.round(oneIn)) < 1e-9 ? `1 in ${Math.round(oneIn)} events` : `${r.badEventsPct} % of events`);
    const mark = r.requested ? '  <- target' : '';
    return `${String(r.targetPct).padStart(width)} % over ${windowText}: ${minutes} minutes of bad time (${extra.join('; ')})${mark}`;
  });
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

/** Runs the CLI on `argv` (node-style: argv[0] node, argv[1] script) and returns the exit code. */
export async function main(argv: string[] = process.argv, io: CliIo = processIo()): Promise<number> {
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
      // Commander has already printed its message. Help and version requests are successes.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      return EXIT_USAGE;
    }
    throw err;
  }
}

// Run when executed directly (`tsx bin/slo.ts ...`); bin/slo.mjs imports this module and calls main itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
