/**
 * How the read-only commands (`slo status`, `slo report`) find the deployed state table: `--table NAME`, else
 * `SLO_TABLE_NAME`, else `--stack NAME` (the stack's `TableName` output, read through CloudFormation). They
 * read it with the standard AWS environment (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL...).
 */
import type { StackOutputsPort } from '../functions/ports.ts';
import { StackNotFoundError } from '../functions/ports.ts';
import { createDynamoStore } from '../functions/adapters/dynamodb.ts';
import { createStackOutputs } from '../functions/adapters/cloudformation.ts';
import { EmptyCatalogError, UnknownContractError, type StatusReader } from '../functions/usecases/status.ts';
import type { ReportReader } from '../functions/usecases/report.ts';

/** The output of the slo-contracts stack that names its table (lib/slo-contracts-stack.ts). */
export const TABLE_OUTPUT = 'TableName';

export type TableReader = StatusReader & ReportReader;

/** What the read-only commands need from the outside; tests pass dynalite-backed or in-memory ones. */
export interface DeployedIo {
  env?: NodeJS.ProcessEnv;
  /** The store on a table; default: DynamoDB from the AWS environment. */
  tableReader?(table: string): TableReader;
  /** Stack outputs; default: CloudFormation from the AWS environment. */
  stackOutputs?(): StackOutputsPort;
}

export interface TableOptions {
  table?: string;
  stack?: string;
}

/** A problem finding or reading the table that the user can fix: printed as `error: ...`, exit code 1. */
export class DeployedTableError extends Error {
  override name = 'DeployedTableError';
}

/** The table name, from the options, the environment or the stack's outputs. Throws `usage` for a missing target. */
export async function resolveTable(io: DeployedIo, o: TableOptions, usage: (message: string) => Error): Promise<{ table: string; where: string }> {
  if (o.table) return { table: o.table, where: `table ${o.table}` };
  const env = io.env ?? process.env;
  if (!o.stack && env.SLO_TABLE_NAME) return { table: env.SLO_TABLE_NAME, where: `table ${env.SLO_TABLE_NAME}, from SLO_TABLE_NAME` };
  if (!o.stack) throw usage('give the deployed state table: --table NAME, SLO_TABLE_NAME, or --stack NAME (the stack `cdk deploy` created)');
  const outputs = await (io.stackOutputs?.() ?? createStackOutputs()).outputs(o.stack);
  const table = outputs[TABLE_OUTPUT];
  if (!table) throw new DeployedTableError(`stack "${o.stack}" has no ${TABLE_OUTPUT} output: is it the slo-contracts stack? (outputs: ${Object.keys(outputs).join(', ') || 'none'})`);
  return { table, where: `table ${table}, from stack ${o.stack}` };
}

export function tableReader(io: DeployedIo, table: string): TableReader {
  return io.tableReader?.(table) ?? createDynamoStore(table);
}

/** A failure reading the deployment, in words that say what to fix; null for errors that are bugs (rethrown). */
export function explainReadError(err: unknown, table: string | undefined): string | null {
  if (err instanceof DeployedTableError || err instanceof StackNotFoundError || err instanceof EmptyCatalogError || err instanceof UnknownContractError) return err.message;
  if (!(err instanceof Error)) return null;
  if (err.name === 'ResourceNotFoundException') {
    return `table "${table ?? '?'}" does not exist in this account and region: check --table / SLO_TABLE_NAME (the stack output ${TABLE_OUTPUT}) and AWS_REGION`;
  }
  if (err.name === 'CredentialsProviderError' || /credential/i.test(err.message)) return `no usable AWS credentials (${err.message}): set AWS_PROFILE or sign in, then retry`;
  if (err.name === 'AccessDeniedException' || err.name === 'AccessDenied') return `access denied reading the deployment: ${err.message}`;
  if (err.name === 'TimeoutError' || err.name === 'RequestTimeout') return `AWS did not answer in time (${err.message}): check the network and AWS_REGION, then retry`;
  if ('$metadata' in err) return `${err.name}: ${err.message}`;
  return null;
}
