/**
 * dynalite (in-process DynamoDB) for tests and the local demo: listens on 127.0.0.1 on a port the OS picks, with the
 * slo-contracts table layout (TABLE_KEYS). Start in beforeAll, stop in afterAll:
 *
 *   let db: Dynalite;
 *   beforeAll(async () => { db = await startDynalite(); });
 *   afterAll(() => db.stop());
 *   const store = new DynamoStore(db.doc, db.tableName);
 *
 * `createTable()` makes a fresh, empty table so tests can stay independent of each other.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { stateTableInput } from '../../functions/adapters/dynamodb.ts';

/** dynalite ships no types: the factory returns a plain node:http server. */
type DynaliteFactory = (options?: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number; path?: string }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

export interface Dynalite {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** The table created at start. */
  tableName: string;
  /** Creates another empty table with the same layout and returns its name. */
  createTable(name?: string): Promise<string>;
  stop(): Promise<void>;
}

let tableCounter = 0;

export async function startDynalite(opts: { tableName?: string } = {}): Promise<Dynalite> {
  // Tables become ACTIVE at once instead of after dynalite's default 500 ms.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // Explicit region, endpoint and dummy credentials: nothing is read from the environment or sent elsewhere.
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const doc = DynamoDBDocumentClient.from(client);

  const createTable = async (name = `slo-test-${process.pid}-${++tableCounter}`): Promise<string> => {
    await client.send(new CreateTableCommand(stateTableInput(name)));
    for (let i = 0; i < 100; i++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === 'ACTIVE') return name;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`dynalite table ${name} did not become ACTIVE`);
  };

  const tableName = await createTable(opts.tableName);
  return {
    endpoint,
    client,
    doc,
    tableName,
    createTable,
    stop: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
