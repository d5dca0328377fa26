/**
 * What every `slo` command shares: the CliIo port, exit codes, and the two errors that end a command.
 * Commands live in `bin/<name>-command.ts`, export `add<Name>Command(program, io)` and import from here;
 * bin/slo.ts registers each with one line in buildProgram.
 */
import type { OverridePorts } from './override-command.ts';
import type { StackOutputsPort } from '../functions/ports.ts';
import type { TableReader } from './deployed-table.ts';

/** Where commands write and what time they think it is: the real process in main, fakes in tests. */
export interface CliIo {
  /** Data: tables, documents, --json. */
  out(text: string): void;
  /** Notes, warnings, progress and errors. */
  err(text: string): void;
  /** Epoch ms. */
  nowMs(): number;
  writeFile(path: string, text: string): void;
  /** stdout is a terminal: colour and progress bars only then (and not in CI, not with --json). */
  isTTY: boolean;
  /** stderr is a terminal: progress bars go there (and only then, not in CI, not with --json). */
  stderrIsTTY?: boolean;
  /** Terminal width in columns, when stdout is a terminal. */
  columns?: number;
  /** The environment the command sees (process.env in main; a plain object in tests). */
  env: Readonly<Record<string, string | undefined>>;
  /** How `slo override` reaches the deployed stack; default: DynamoDB and SNS from the AWS environment. */
  overridePorts?(target: { table: string; topic: string }): OverridePorts;
  /** How `slo status` and `slo report` read a deployed table; default: DynamoDB from the AWS environment. */
  tableReader?(table: string): TableReader;
  /** How `--stack NAME` reads the stack's outputs; default: CloudFormation from the AWS environment. */
  stackOutputs?(): StackOutputsPort;
}

export const EXIT_OK = 0;
/** The command ran and found a problem, e.g. invalid contracts. */
export const EXIT_FAILED = 1;
/** The command line itself is wrong: unknown command or option, bad argument. */
export const EXIT_USAGE = 2;
/** `slo status`: something shown is frozen. */
export const EXIT_FROZEN = 3;

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
