/**
 * `slo report [contract] [--json] [--as-of DATE]`: the weekly budget report, rendered locally from the deployed
 * table (never written) with the same code the reporter Lambda runs. Without a contract it prints leadership's
 * roll-up (every contract); with one, the report that contract's recipients get.
 *
 *   --as-of 2026-12-07             the report as of 00:00 UTC that day (the 7 whole days before it)
 *   --as-of 2026-12-07T09:00Z      as of an instant
 *
 * The table: --table NAME, SLO_TABLE_NAME, or --stack NAME. Exit codes: 0 printed, 1 the table could not be
 * read, 2 usage error. The contracts are those the evaluator recorded in the table's catalog.
 */
import type { Command } from 'commander';
import { contractReportText, reportJson, rollupText } from '../functions/core/report.ts';
import { buildWeeklyReport } from '../functions/usecases/report.ts';
import { readDeployedContracts, UnknownContractError } from '../functions/usecases/status.ts';
import { explainReadError, resolveTable, tableReader, type DeployedIo, type TableOptions } from './deployed-table.ts';

export interface ReportIo extends DeployedIo {
  out(text: string): void;
  err(text: string): void;
  nowMs(): number;
}

/** `2026-12-07` (00:00 UTC) or an ISO instant with a zone (`2026-12-07T09:00Z`). */
export function parseReportAsOf(text: string, usage: (message: string) => Error): number {
  const t = text.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(t) ? Date.parse(`${t}T00:00:00Z`) : /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms)) throw usage(`--as-of must be a day (YYYY-MM-DD, meaning 00:00 UTC) or an instant with a zone such as 2026-12-07T09:00Z, got "${text}"`);
  return ms;
}

export function addReportCommand(program: Command, io: ReportIo, fail: (code: number) => never, usage: (message: string) => Error): void {
  program
    .command('report')
    .description('the weekly budget report from the deployed table: the roll-up of every contract, or one contract\'s')
    .argument('[contract]', 'only this contract (the report its recipients get)')
    .option('--json', 'print the report as JSON (what HTTPS subscribers receive)')
    .option('--as-of <date>', 'the report as of this day (00:00 UTC) or instant, instead of now')
    .option('--table <name>', 'the deployed state table (stack output TableName; default $SLO_TABLE_NAME)')
    .option('--stack <name>', 'find the table from this stack\'s outputs (CloudFormation)')
    .action(async (contract: string | undefined, o: TableOptions & { json?: boolean; asOf?: string }) => {
      const asOf = o.asOf === undefined ? io.nowMs() : parseReportAsOf(o.asOf, usage);
      let table: string | undefined;
      let text: string;
      try {
        const found = await resolveTable(io, o, usage);
        table = found.table;
        const store = tableReader(io, found.table);
        const deployed = await readDeployedContracts(store, found.where);
        const chosen = contract === undefined ? deployed : deployed.filter((e) => e.contract === contract);
        if (chosen.length === 0) throw new UnknownContractError(`no deployed contract named "${contract}": deployed are ${deployed.map((e) => e.contract).join(', ')}`);
        const report = await buildWeeklyReport(store, chosen.map((e) => e.definition), asOf);
        const only = report.contracts[0];
        text = o.json ? JSON.stringify(reportJson(report), null, 2) : contract !== undefined && only ? contractReportText(report, only) : rollupText(report);
      } catch (err) {
        const why = explainReadError(err, table);
        if (why === null) throw err;
        io.err(`error: ${why}\n`);
        return fail(1);
      }
      io.out(`${text}\n`);
    });
}
