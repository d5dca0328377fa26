import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../bin/slo.ts';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryNotifier } from '../../functions/adapters/memory.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('slo override (against DynamoDB on dynalite)', () => {
  let db: Dynalite;
  let store: DynamoStore;
  const notifier = new MemoryNotifier();
  beforeAll(async () => {
    db = await startDynalite();
    store = new DynamoStore(db.doc, db.tableName);
  });
  afterAll(() => db.stop());

  async function slo(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const io: CliIo = {
      out: (t) => void (out += t),
      err: (t) => void (err += t),
      nowMs: () => NOW,
      writeFile: () => undefined,
      isTTY: false,
      env: {},
      overridePorts: ({ table }) => {
        expect(table).toBe('slo-table');
        return { store, notifier, clock: new ManualClock(NOW) };
      },
    };
    const code = await main(['node', 'slo', ...args], io);
    return { code, out, err };
  }

  it('records, lists and revokes an override, each on the record', async () => {
    const rec = await slo('override', 'checkout', '--by', 'VP Eng', '--reason', 'hotfix', '--until', '2026-11-27T00:00Z', '--table', 'slo-table', '--topic', 'arn:aws:sns:us-east-1:1:alerts');
    expect(rec.err).toBe('');
    expect(rec.code).toBe(0);
    expect(rec.out).toContain(`override cmd-checkout-${NOW} recorded and announced: contract:checkout by VP Eng until 2026-11-27 00:00 UTC`);
    expect(notifier.published.at(-1)?.attributes).toMatchObject({ contract: 'checkout', event: 'override', severity: 'ticket' });

    const list = await slo('override', 'list', '--table', 'slo-table');
    expect(list.out).toContain(`cmd-checkout-${NOW}  contract:checkout  by VP Eng`);
    expect(list.out).toContain('[in force, command]  hotfix');

    const revoke = await slo('override', 'revoke', `cmd-checkout-${NOW}`, '--by', 'CTO', '--table', 'slo-table', '--topic', 'arn:aws:sns:us-east-1:1:alerts');
    expect(revoke.code).toBe(0);
    expect((await store.listOverrides())[0]).toMatchObject({ revokedBy: 'CTO', revokedAt: NOW });
    expect((await slo('override', 'list', '--table', 'slo-table')).out).toBe('no overrides in force\n');
  });

  it('exits 2 on a missing --by/--reason/--until or an until without a zone, 1 on an unknown contract', async () => {
    const base = ['override', 'checkout', '--table', 'slo-table', '--topic', 'arn:aws:sns:us-east-1:1:alerts'];
    const missing = await slo(...base, '--by', 'VP Eng', '--until', '2026-11-27T00:00Z');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('needs --by, --reason and --until');
    const zoneless = await slo(...base, '--by', 'x', '--reason', 'y', '--until', '2026-11-27T00:00');
    expect(zoneless.code).toBe(2);
    expect(zoneless.err).toContain('with a zone');
    const unknown = await slo('override', 'nope', '--by', 'x', '--reason', 'y', '--until', '2026-11-27T00:00Z', '--table', 'slo-table', '--topic', 'arn:aws:sns:us-east-1:1:alerts');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no contract named "nope"');
    const noTable = await slo('override', 'list');
    expect(noTable.code).toBe(2);
    expect(noTable.err).toContain('SLO_TABLE_NAME');
  });
});
