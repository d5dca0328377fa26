/**
 * `slo status [contract] [--json]`: where every deployed objective stands, read from the deployed table (never
 * written): tier and since when, budget left (bar and percent), burn 1 h / 6 h / 3 d, the exhaustion forecast,
 * data-through time and last evaluation, the status when not ok; freezes in force with their holders; overrides
 * in force; contracts due for review.
 *
 *   slo status                  every deployed contract
 *   slo status checkout         one contract (its gates and overrides)
 *   slo status --json           the same, as JSON for scripts
 *
 * The table: --table NAME, SLO_TABLE_NAME, or --stack NAME (its TableName output). Exit codes: 0 nothing frozen,
 * 3 something shown is frozen, 1 the table could not be read (message on stderr), 2 usage error.
 * Colour only on a terminal, and never with NO_COLOR set or with --json.
 */
import type { Command } from 'commander';
import { formatUtc } from '../functions/core/reason.ts';
import { age, budgetBar, padEnd, padStart, pct1, plural, rate } from '../functions/core/text.ts';
import { STATUS_BURN_LOOKBACKS, type ObjectiveStatusRow, type StatusView } from '../functions/core/status.ts';
import { readStatus } from '../functions/usecases/status.ts';
import { explainReadError, resolveTable, tableReader, type DeployedIo, type TableOptions } from './deployed-table.ts';

export const EXIT_FROZEN = 3;

export interface StatusIo extends DeployedIo {
  out(text: string): void;
  err(text: string): void;
  nowMs(): number;
  isTTY?: boolean;
}

export interface FormatOptions {
  /** ANSI colours (a terminal without NO_COLOR). @default false */
  color?: boolean;
  /** Where the data came from, shown in the heading (e.g. `table slo-contracts-Table-1X2Y`). */
  source?: string;
}

const ANSI = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
type Paint = (style: keyof typeof ANSI, text: string) => string;

/** Colour on a terminal only, and not when NO_COLOR is set (https://no-color.org: any non-empty value). */
export function useColor(io: { isTTY?: boolean; env?: NodeJS.ProcessEnv }, json: boolean): boolean {
  const env = io.env ?? process.env;
  return !json && io.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

function tierStyle(row: ObjectiveStatusRow): keyof typeof ANSI {
  if (row.tierIndex === 0) return 'green';
  if (row.tierFreezes || (row.remainingPct !== null && row.remainingPct <= 0)) return 'red';
  return 'yellow';
}

function objectiveLines(row: ObjectiveStatusRow, now: number, paint: Paint): string[] {
  const L = (label: string, text: string) => `    ${padEnd(label, 13)}${text}`;
  const tier =
    row.tier === null
      ? paint('dim', 'no tier yet')
      : `${paint(tierStyle(row), row.tier)} since ${row.tierSince === null ? '-' : `${formatUtc(row.tierSince)} (${age(now - row.tierSince)})`}`;
  const out = [`  ${padEnd(row.objective, 14)}target ${row.targetPct} %   ${tier}`];
  const left =
    row.remainingPct === null
      ? paint('dim', 'unknown (no budget figure yet)')
      : `${paint(tierStyle(row), budgetBar(row.remainingPct))} ${padStart(pct1(row.remainingPct), 8)}${row.remainingPct < 0 ? ` ${paint('red', 'OVERSPENT')}` : ''}`;
  const burns = STATUS_BURN_LOOKBACKS.map((lb) => `${lb} ${row.burnRates[lb] === undefined ? '-' : rate(row.burnRates[lb] as number)}`).join('  ');
  out.push(L('budget left', left), L('burn rate', burns));
  const forecast = row.alreadyExhausted
    ? paint('red', 'budget exhausted')
    : row.forecastAt !== null
      ? `exhausted ${formatUtc(row.forecastAt)} (in ${age(row.forecastAt - now)}) ${row.forecastNote}`
      : row.forecastNote;
  out.push(L('forecast', forecast));
  if (row.lastEvaluatedAt === null) out.push(L('data', paint('yellow', 'never evaluated: the evaluator has not judged this objective yet')));
  else {
    const through = row.dataThrough === null ? 'no data judged yet' : `through ${formatUtc(row.dataThrough)}`;
    out.push(L('data', `${through}; evaluated ${formatUtc(row.lastEvaluatedAt)} (${age(now - row.lastEvaluatedAt)} ago)`));
  }
  if (row.status !== 'ok' && row.status !== 'never-evaluated') {
    out.push(L('status', `${paint(row.status === 'error' ? 'red' : 'yellow', row.status)}${row.statusDetail ? `: ${row.statusDetail}` : ''} (the tier holds)`));
  }
  return out;
}

/** The status as text lines (pure): one block per contract, then freezes, overrides and reviews due. */
export function formatStatus(view: StatusView, opts: FormatOptions = {}): string[] {
  const paint: Paint = opts.color ? (style, text) => `\x1b[${ANSI[style]}m${text}\x1b[0m` : (_style, text) => text;
  const out = [paint('bold', `SLO status at ${formatUtc(view.now)}${opts.source ? ` (${opts.source})` : ''}`)];
  for (const c of view.contracts) {
    out.push('', `${paint('bold', c.contract)}: ${c.journey} (owner ${c.owner}, ${c.window})`);
    for (const row of c.objectives) out.push(...objectiveLines(row, view.now, paint));
  }
  out.push('', paint('bold', `Freezes in force: ${view.freezes.length === 0 ? 'none' : view.freezes.length}`));
  for (const f of view.freezes) {
    out.push(`  ${paint('red', 'FROZEN')} ${f.gate} since ${f.since === null ? '-' : formatUtc(f.since)}${f.contracts.length ? ` (gate of ${f.contracts.join(', ')})` : ' (no contract lists it any more)'}`);
    if (f.holders.length === 0) out.push('    held by no objective: lifts at the next evaluation unless an override or person keeps it');
    for (const h of f.holders) out.push(`    held by ${h.key} since ${formatUtc(h.since)}`);
  }
  out.push('', paint('bold', `Overrides in force: ${view.overrides.length === 0 ? 'none' : view.overrides.length}`));
  for (const o of view.overrides) out.push(`  ${o.scope} by ${o.by} until ${formatUtc(o.until)} (${age(o.until - view.now)} left, ${o.source}): ${o.reason}`);
  out.push('', paint('bold', `Due for review: ${view.reviewsDue.length === 0 ? 'none' : view.reviewsDue.length}`));
  for (const r of view.reviewsDue) out.push(`  ${r.contract}: ${paint(r.state === 'due-soon' ? 'yellow' : 'red', r.note)}`);
  out.push('', view.frozen ? paint('red', `${plural(view.freezes.length, 'gate')} frozen (exit code ${EXIT_FROZEN})`) : 'Nothing frozen.');
  return out;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** The status as JSON for scripts: instants ISO 8601 UTC, percentages of budget, and the exit code. */
export function statusJson(view: StatusView, source?: string): Record<string, unknown> {
  return {
    at: iso(view.now),
    ...(source ? { source } : {}),
    frozen: view.frozen,
    exitCode: view.frozen ? EXIT_FROZEN : 0,
    contracts: view.contracts.map((c) => ({
      ...c,
      catalogUpdatedAt: iso(c.catalogUpdatedAt),
      objectives: c.objectives.map((o) => ({
        ...o,
        tierSince: iso(o.tierSince),
        forecastAt: iso(o.forecastAt),
        dataThrough: iso(o.dataThrough),
        lastEvaluatedAt: iso(o.lastEvaluatedAt),
      })),
      review: { ...c.review, flagged: c.review.state !== 'ok' },
    })),
    freezes: view.freezes.map((f) => ({ ...f, since: iso(f.since), holders: f.holders.map((h) => ({ key: h.key, since: iso(h.since) })) })),
    overrides: view.overrides.map((o) => ({ ...o, createdAt: iso(o.createdAt), until: iso(o.until) })),
    reviewsDue: view.reviewsDue,
  };
}

export function addStatusCommand(program: Command, io: StatusIo, fail: (code: number) => never, usage: (message: string) => Error): void {
  program
    .command('status')
    .description('where every deployed objective stands: tier, budget, burn, forecast; freezes, overrides, reviews due (exit 3 when something is frozen)')
    .argument('[contract]', 'only this contract (metadata.name)')
    .option('--json', 'print as JSON (for scripts)')
    .option('--table <name>', 'the deployed state table (stack output TableName; default $SLO_TABLE_NAME)')
    .option('--stack <name>', 'find the table from this stack\'s outputs (CloudFormation)')
    .action(async (contract: string | undefined, o: TableOptions & { json?: boolean }) => {
      let table: string | undefined;
      let view: StatusView;
      let where: string;
      try {
        ({ table, where } = await resolveTable(io, o, usage));
        view = await readStatus(tableReader(io, table), io.nowMs(), { ...(contract !== undefined ? { contract } : {}), where });
      } catch (err) {
        const why = explainReadError(err, table);
        if (why === null) throw err;
        io.err(`error: ${why}\n`);
        return fail(1);
      }
      if (o.json) io.out(`${JSON.stringify(statusJson(view, where), null, 2)}\n`);
      else io.out(`${formatStatus(view, { color: useColor(io, false), source: where }).join('\n')}\n`);
      if (view.frozen) fail(EXIT_FROZEN);
    });
}
