/**
 * `slo import openslo` and `slo export openslo`: OpenSLO v1 in and out.
 *
 *   slo import openslo FILE... [--out DIR] [--force]   OpenSLO documents -> contracts (stdout, or DIR/<name>.yaml)
 *   slo export openslo [paths...] [--out FILE]         contracts -> OpenSLO v1 (SLI + SLO documents)
 *
 * Contracts and OpenSLO documents go to stdout (or the files asked for); what could not be converted, what a
 * contract does not carry and what to fill in go to stderr. Exit codes: import 0 when every SLO was converted
 * (placeholders still to fill in), 1 when any document could not be; export 0, or 1 when the contracts are
 * invalid; 2 usage errors. The conversion itself is pure: functions/contracts/openslo.ts.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { formatIssue, loadContracts, parseContractText } from '../functions/contracts/loader.ts';
import { exportOpenslo, formatOpensloIssue, importOpenslo, parseOpensloText, type OpensloDocument, type OpensloIssue } from '../functions/contracts/openslo.ts';
import { MAX_INPUT_BYTES, tooLargeMessage } from '../functions/contracts/yaml-input.ts';
import { CliExit, EXIT_FAILED, UsageError, type CliIo } from './cli.ts';

const OPENSLO_FILE = 'an OpenSLO file';

export function addOpensloCommands(program: Command, io: CliIo): void {
  program
    .command('import')
    .description('convert SLO definitions from another format into contracts')
    .command('openslo')
    .description('OpenSLO v1 documents (SLO with inline or referenced SLI, CloudWatch metrics) -> contracts, with placeholders to fill in')
    .argument('<files...>', 'OpenSLO YAML files (give the SLI and DataSource files that SLOs refer to as well)')
    .option('--out <dir>', 'write each contract to <dir>/<name>.yaml instead of stdout')
    .option('--force', 'overwrite contract files that already exist in --out')
    .action((files: string[], opts: { out?: string; force?: boolean }) => {
      const missing = files.filter((f) => !existsSync(f) || !statSync(f).isFile());
      if (missing.length > 0) throw new UsageError(`${missing.join(', ')}: no such file; pass OpenSLO YAML files`);

      const unreadable: OpensloIssue[] = [];
      const documents = files.flatMap((f) => readOpensloFile(f, unreadable));
      const result = importOpenslo(documents);
      const notConverted = [...unreadable, ...result.notConverted];

      const targets = result.contracts.map((c) => ({ contract: c, file: opts.out === undefined ? `${c.name}.yaml` : path.join(opts.out, `${c.name}.yaml`) }));
      if (opts.out !== undefined && !opts.force) {
        const existing = targets.filter((t) => existsSync(t.file)).map((t) => t.file);
        if (existing.length > 0) {
          io.err(`error: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}: nothing written; pass --force to overwrite\n`);
          throw new CliExit(EXIT_FAILED);
        }
      }

      const report: string[] = [];
      for (const { contract, file } of targets) {
        const n = (contract.data.spec as { objectives: unknown[] }).objectives.length;
        const label = opts.out === undefined ? `contract ${contract.name}` : `${file}: contract ${contract.name}`;
        report.push(`${label} (${n} objective${n === 1 ? '' : 's'}) from ${contract.from.join('; ')}`);
        if (contract.fillIn.length > 0) report.push(`  fill in (not in OpenSLO; slo validate fails until you do): ${contract.fillIn.join(', ')}`);
        // Anything else the contract schema refuses (a 100 % target, an unknown statistic) is listed too.
        const others = parseContractText(contract.text, file).errors.filter((e) => !contract.fillIn.some((p) => e.path === p || e.path.startsWith(`${p}.`) || e.path.startsWith(`${p}[`)));
        for (const e of others) report.push(`  fix: ${formatIssue(e)}`);
      }
      if (result.dropped.length > 0) report.push('not carried (a contract has no place for these):', ...result.dropped.map((d) => `  ${formatOpensloIssue(d)}`));
      if (notConverted.length > 0) report.push('not converted:', ...notConverted.map((d) => `  ${formatOpensloIssue(d)}`));
      if (targets.length === 0) report.push('no contract was produced: no SLO document could be converted');

      if (opts.out === undefined) {
        io.out(targets.map((t) => t.contract.text).join('---\n'));
      } else {
        mkdirSync(opts.out, { recursive: true });
        for (const t of targets) io.writeFile(t.file, t.contract.text);
      }
      io.err(`${report.join('\n')}\n`);
      if (notConverted.length > 0 || targets.length === 0) throw new CliExit(EXIT_FAILED);
    });

  program
    .command('export')
    .description('write contracts in another format')
    .command('openslo')
    .description('contracts -> OpenSLO v1 (a Service, and an SLI and an SLO per objective); the rest in slo-contracts.dev annotations')
    .argument('[paths...]', 'contract files and folders', ['contracts/'])
    .option('--out <file>', 'write the OpenSLO documents to this file instead of stdout')
    .action((paths: string[], opts: { out?: string }) => {
      const missing = paths.filter((p) => !existsSync(p));
      if (missing.length > 0) throw new UsageError(`${missing.join(', ')}: no such file or folder; pass contract files or folders of them (default contracts/)`);
      const loaded = loadContracts(paths, { nowMs: io.nowMs() });
      if (loaded.errors.length > 0) {
        io.err(`${['cannot export: the contracts are invalid; fix these first (slo validate):', ...loaded.errors.map((e) => `  ${formatIssue(e)}`)].join('\n')}\n`);
        throw new CliExit(EXIT_FAILED);
      }
      const { text, notes } = exportOpenslo(loaded.contracts);
      if (opts.out === undefined) io.out(text);
      else io.writeFile(opts.out, text);
      const n = loaded.contracts.length;
      io.err(`${[...notes, `${opts.out === undefined ? 'exported' : `wrote ${opts.out}:`} ${n} contract${n === 1 ? '' : 's'} as OpenSLO v1`].join('\n')}\n`);
    });
}

/** The YAML documents of one file; a file over the size limit is refused before it is read. */
function readOpensloFile(file: string, issues: OpensloIssue[]): OpensloDocument[] {
  const size = statSync(file).size;
  if (size > MAX_INPUT_BYTES) {
    issues.push({ file, where: 'file', path: '', message: tooLargeMessage(size, OPENSLO_FILE) });
    return [];
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    issues.push({ file, where: 'file', path: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
    return [];
  }
  const parsed = parseOpensloText(text, file);
  issues.push(...parsed.issues);
  return parsed.documents;
}
