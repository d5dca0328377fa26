/**
 * `slo override`: lift a contract's freezes on the record, revoke it, list what is in force.
 *
 *   slo override <contract> --by "VP Eng" --reason "..." --until 2026-12-01T00:00Z
 *   slo override revoke <id> --by "VP Eng"
 *   slo override list
 *
 * Talks to the deployed stack: the table and alert topic come from the stack outputs (--table, --topic, or
 * SLO_TABLE_NAME / SLO_ALERT_TOPIC_ARN) and the standard AWS environment (AWS_PROFILE, AWS_REGION...).
 */
import { Command } from 'commander';
import type { Ports } from '../functions/ports.ts';
import { activeOverrides, OverrideError, recordOverride, revokeOverride } from '../functions/usecases/override.ts';
import { loadContractsOrThrow } from '../functions/contracts/loader.ts';
import { createDynamoStore } from '../functions/adapters/dynamodb.ts';
import { createSnsNotifier } from '../functions/adapters/sns.ts';
import { formatUtc } from '../functions/core/reason.ts';

export type OverridePorts = Pick<Ports, 'store' | 'notifier' | 'clock'>;

export interface OverrideIo {
  out(text: string): void;
  err(text: string): void;
  nowMs(): number;
  /** How the command reaches the stack; tests pass in-memory or dynalite-backed ports. */
  overridePorts?(target: { table: string; topic: string }): OverridePorts;
}

interface Target {
  table?: string;
  topic?: string;
}

export class OverrideUsageError extends Error {
  override name = 'OverrideUsageError';
}

function portsFor(io: OverrideIo, t: Target, needTopic: boolean): OverridePorts {
  const table = t.table ?? process.env.SLO_TABLE_NAME;
  const topic = t.topic ?? process.env.SLO_ALERT_TOPIC_ARN;
  if (!table) throw new OverrideUsageError('give the state table: --table <name> or SLO_TABLE_NAME (the stack output TableName)');
  if (needTopic && !topic) throw new OverrideUsageError('give the alert topic: --topic <arn> or SLO_ALERT_TOPIC_ARN (the stack output AlertTopicArn)');
  if (io.overridePorts) return io.overridePorts({ table, topic: topic ?? '' });
  return { store: createDynamoStore(table), notifier: createSnsNotifier(topic ?? ''), clock: { now: () => io.nowMs() } };
}

/** `2026-12-01T00:00Z`, `2026-12-01T00:00:00Z` or `2026-12-01` (midnight UTC); a zone is required for times. */
export function parseUntil(text: string): number {
  const t = text.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(t) ? Date.parse(`${t}T00:00:00Z`) : /(Z|[+-]\d{2}:\d{2})$/.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms)) throw new OverrideUsageError(`--until must be an instant with a zone such as 2026-12-01T00:00Z (UTC), got "${text}"`);
  return ms;
}

/** Runs an action, turning a refused override into a printed error and exit code 1. */
async function onRecord(io: OverrideIo, fail: (code: number) => never, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof OverrideError) {
      io.err(`error: ${err.message}\n`);
      fail(1);
    }
    throw err;
  }
}

export function addOverrideCommand(program: Command, io: OverrideIo, fail: (code: number) => never, usage: (message: string) => Error): void {
  const wrapUsage = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof OverrideUsageError) throw usage(err.message);
      throw err;
    }
  };
  const override = program
    .command('override')
    .description('lift a contract\'s deployment freezes on the record (who, why, until when); revoke; list')
    .argument('[contract]', 'contract name (metadata.name)')
    .option('--by <who>', 'who takes the decision (recorded and announced)')
    .option('--reason <why>', 'why (recorded and announced)')
    .option('--until <instant>', 'when it ends by itself, e.g. 2026-12-01T00:00Z (at most 14 days away)')
    .option('--contracts <path>', 'contract file or folder, to check the name', 'contracts')
    .option('--table <name>', 'state table (stack output TableName; default $SLO_TABLE_NAME)')
    .option('--topic <arn>', 'alert topic (stack output AlertTopicArn; default $SLO_ALERT_TOPIC_ARN)')
    .action(async (contract: string | undefined, o: Target & { by?: string; reason?: string; until?: string; contracts: string }) => {
      const { ports, contracts, until, name } = wrapUsage(() => {
        if (!contract) throw new OverrideUsageError('name the contract to override, e.g. `slo override checkout --by ... --reason ... --until ...`');
        if (!o.by || !o.reason || !o.until) throw new OverrideUsageError('an override needs --by, --reason and --until: it is always on the record');
        return { name: contract, ports: portsFor(io, o, true), contracts: loadContractsOrThrow(o.contracts).map((c) => c.contract), until: parseUntil(o.until) };
      });
      await onRecord(io, fail, async () => {
        const rec = await recordOverride(ports, contracts, { contract: name, by: o.by ?? '', reason: o.reason ?? '', until });
        io.out(`override ${rec.id} recorded and announced: ${rec.scope} by ${rec.by} until ${formatUtc(rec.until)}\nfreezes held by ${name} lift at the next evaluation\n`);
      });
    });

  override
    .command('revoke')
    .description('end an override before it expires')
    .argument('<id>', 'override id (see `slo override list`)')
    .option('--by <who>', 'who revokes it (required)')
    .option('--table <name>', 'state table (default $SLO_TABLE_NAME)')
    .option('--topic <arn>', 'alert topic (default $SLO_ALERT_TOPIC_ARN)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      // The parent `override` declares --table/--topic/--by too: read them from wherever they were given.
      const o = cmd.optsWithGlobals<Target & { by?: string }>();
      const { ports, by } = wrapUsage(() => {
        if (!o.by) throw new OverrideUsageError('say who revokes it: --by <who> (revocations are on the record too)');
        return { ports: portsFor(io, o, true), by: o.by };
      });
      await onRecord(io, fail, async () => {
        const r = await revokeOverride(ports, id, by);
        io.out(`override ${r.id} revoked by ${r.revokedBy ?? by}; the policy's freezes return at the next evaluation\n`);
      });
    });

  override
    .command('list')
    .description('overrides in force (add --all for expired and revoked ones)')
    .option('--all', 'include expired and revoked overrides')
    .option('--json', 'print as JSON')
    .option('--table <name>', 'state table (default $SLO_TABLE_NAME)')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<Target & { all?: boolean; json?: boolean }>();
      const ports = wrapUsage(() => portsFor(io, o, false));
      const all = await ports.store.listOverrides();
      const shown = o.all ? all : activeOverrides(all, ports.clock.now());
      if (o.json) {
        io.out(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      if (shown.length === 0) io.out('no overrides in force\n');
      for (const x of shown) {
        const state = x.revokedAt !== undefined ? `revoked by ${x.revokedBy ?? '-'}` : x.until <= ports.clock.now() ? 'expired' : 'in force';
        io.out(`${x.id}  ${x.scope}  by ${x.by}  until ${formatUtc(x.until)}  [${state}, ${x.source}]  ${x.reason}\n`);
      }
    });
}
