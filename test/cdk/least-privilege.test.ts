/**
 * The DynamoDB grants against the calls the code really makes: the real use cases (evaluate, the weekly
 * report, `slo override`) run on dynalite through the real DynamoStore, every request is recorded with the
 * partition keys it touches, and each one is checked against the policy statements the construct gives that
 * principal (actions, and `dynamodb:LeadingKeys` conditions, evaluated as IAM does for ForAllValues).
 * Template-level exactness is in construct.test.ts; this ties those statements to the adapter's key layout.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamodb.ts';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier } from '../../functions/adapters/memory.ts';
import type { Ports } from '../../functions/ports.ts';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { recordOverride, revokeOverride } from '../../functions/usecases/override.ts';
import { sendWeeklyReport } from '../../functions/usecases/report.ts';
import { SloContracts } from '../../lib/index.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';
import { startDynalite, type Dynalite } from '../support/dynalite.ts';
import { Traffic } from '../support/traffic.ts';
import { LEADERSHIP, Scratch, actionsOf, appWithoutBundling, logicalId, policyStatements, type Statement } from './fixtures.ts';

interface Call {
  op: string;
  keys: string[];
}

const scratch = new Scratch();
let db: Dynalite;
let template: Template;
let policies: { evaluator: Statement[]; reporter: Statement[]; operator: Statement[]; viewer: Statement[] };

beforeAll(async () => {
  vi.stubEnv('CDK_VALIDATION', 'false');
  db = await startDynalite();
  const stack = new Stack(appWithoutBundling(scratch.outdir()), 'Grants');
  const slo = new SloContracts(stack, 'Slo', { contracts: [checkout()], audiences: LEADERSHIP, operatorEmails: ['ops@example.com'] });
  const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  slo.grantOverride(operator);
  const viewer = new iam.Role(stack, 'Viewer', { assumedBy: new iam.AccountRootPrincipal() });
  slo.grantReadState(viewer);
  template = Template.fromStack(stack);
  const of = (fragment: string) => policyStatements(template).filter((s) => s.policy === logicalId(template, 'AWS::IAM::Policy', fragment));
  policies = { evaluator: of('EvaluatorRole'), reporter: of('ReporterRole'), operator: of('Operator'), viewer: of('Viewer') };
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  scratch.remove();
  await db.stop();
});

/** A DynamoStore on a fresh table whose client records every request's operation and partition keys. */
async function recordingStore(): Promise<{ store: DynamoStore; calls: Call[] }> {
  const calls: Call[] = [];
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: db.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push({ op: String(context.commandName).replace(/Command$/, ''), keys: leadingKeys(args.input as Record<string, unknown>) });
      return next(args);
    },
    { step: 'serialize', name: 'recordLeadingKeys' },
  );
  return { store: new DynamoStore(DynamoDBDocumentClient.from(client), await db.createTable()), calls };
}

type Attr = { S?: string } | string | undefined;
const text = (a: Attr): string | undefined => (typeof a === 'string' ? a : a?.S);

/** The partition keys a request touches, as IAM sees them for dynamodb:LeadingKeys. */
function leadingKeys(input: Record<string, unknown>): string[] {
  const out: string[] = [];
  const key = input.Key as Record<string, Attr> | undefined;
  const item = input.Item as Record<string, Attr> | undefined;
  if (key) out.push(text(key.pk) ?? '?');
  if (item) out.push(text(item.pk) ?? '?');
  const requests = input.RequestItems as Record<string, unknown> | undefined;
  for (const r of Object.values(requests ?? {})) {
    if (Array.isArray(r)) {
      for (const w of r as { PutRequest?: { Item: Record<string, Attr> }; DeleteRequest?: { Key: Record<string, Attr> } }[]) {
        out.push(text(w.PutRequest?.Item.pk) ?? text(w.DeleteRequest?.Key.pk) ?? '?');
      }
    } else {
      for (const k of (r as { Keys: Record<string, Attr>[] }).Keys) out.push(text(k.pk) ?? '?');
    }
  }
  if (typeof input.KeyConditionExpression === 'string') {
    // `pk = :v` or `#pk = :v`: the value bound to the partition key.
    const m = /(#?\w+)\s*=\s*(:\w+)/.exec(input.KeyConditionExpression);
    const values = input.ExpressionAttributeValues as Record<string, Attr> | undefined;
    if (m?.[2]) out.push(text(values?.[m[2]]) ?? '?');
  }
  return out;
}

const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/** Whether an Allow statement grants `dynamodb:<op>` on these partition keys. */
function allowed(statements: Statement[], call: Call): boolean {
  return statements.some((s) => {
    if (s.Effect !== 'Allow' || !actionsOf(s).includes(`dynamodb:${call.op}`)) return false;
    if (s.Condition === undefined) return true;
    return Object.entries(s.Condition as Record<string, Record<string, string[] | string>>).every(([operator, body]) => {
      const patterns = [body['dynamodb:LeadingKeys'] ?? []].flat();
      if (operator === 'ForAllValues:StringLike') return call.keys.every((k) => patterns.some((p) => glob(p).test(k)));
      if (operator === 'ForAllValues:StringEquals') return call.keys.every((k) => patterns.includes(k));
      return false;
    });
  });
}

/** Calls the policy does not allow, as `Op keys`. */
function refused(statements: Statement[], calls: Call[]): string[] {
  return [...new Set(calls.filter((c) => !allowed(statements, c)).map((c) => `${c.op} ${c.keys.join(',')}`))];
}

/** The store's two list methods still Scan on this branch; the lead's store replaces them with Queries. */
const notScan = (c: Call) => c.op !== 'Scan';

async function evaluatorScenario(): Promise<Call[]> {
  const { store, calls } = await recordingStore();
  const clock = new ManualClock(T0);
  const traffic = new Traffic();
  const gate = new MemoryGate().addStage('shop-web', 'Production').addStage('shop-payments', 'Production');
  const ports: Ports = { store, clock, notifier: new MemoryNotifier(), gate, metrics: new MemoryMetrics(traffic.generate) };
  const contract = checkout();
  await evaluate(ports, [contract], { overrideHonourMs: HOUR });
  // Healthy -> frozen (a freeze, a tier change, a burn alert), then recovery a day later (an unfreeze).
  traffic.burst(T0 + 10 * MIN, 1100);
  clock.set(T0 + HOUR);
  await evaluate(ports, [contract], { overrideHonourMs: HOUR });
  clock.set(T0 + 2 * DAY);
  await evaluate(ports, [contract], { overrideHonourMs: HOUR });
  return calls;
}

describe('grants for people', () => {
  const table = () => ({ 'Fn::GetAtt': [logicalId(template, 'AWS::DynamoDB::Table', 'Table'), 'Arn'] });
  const shape = (statements: Statement[]) =>
    statements.map((s) => ({ actions: [...actionsOf(s)].sort(), resource: s.Resource, condition: s.Condition })).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

  it('grantReadState: GetItem, BatchGetItem, Query on the table, nothing else', () => {
    expect(shape(policies.viewer)).toEqual([{ actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'], resource: table(), condition: undefined }]);
  });

  it('grantOverride: the OVERRIDE partition, HIST# items, and publishing to the alert topic with its key', () => {
    const alert = { Ref: logicalId(template, 'AWS::SNS::Topic', 'AlertTopic') };
    const key = { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'TopicKey'), 'Arn'] };
    expect(shape(policies.operator)).toEqual(
      shape([
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: table(), Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['OVERRIDE'] } } },
        { Effect: 'Allow', Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], Resource: table(), Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HIST#*'] } } },
        { Effect: 'Allow', Action: 'sns:Publish', Resource: alert },
        { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: key },
      ]),
    );
  });
});

describe('every DynamoDB call of the real code is allowed by the grant the construct gives', () => {
  it('evaluator: every call is allowed, and the scenario writes state, gates and history', async () => {
    const calls = await evaluatorScenario();
    expect(calls.map((c) => c.op)).toEqual(expect.arrayContaining(['PutItem', 'BatchWriteItem']));
    expect(refused(policies.evaluator, calls.filter(notScan))).toEqual([]);
  });

  it('reporter: reads, and writes only history items (HIST#...)', async () => {
    const { store, calls } = await recordingStore();
    const ports: Ports = { store, clock: new ManualClock(T0 + 7 * DAY), notifier: new MemoryNotifier(), gate: new MemoryGate(), metrics: new MemoryMetrics(() => []) };
    await sendWeeklyReport(ports, [checkout()]);
    const writes = calls.filter((c) => ['PutItem', 'BatchWriteItem', 'UpdateItem'].includes(c.op));
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) for (const k of w.keys) expect(k).toMatch(/^HIST#/);
    expect(refused(policies.reporter, calls.filter(notScan))).toEqual([]);
    // And the condition bites: the same grant refuses a write of live state.
    expect(refused(policies.reporter, [{ op: 'PutItem', keys: ['OBJ#checkout#availability'] }])).toHaveLength(1);
  });

  it('slo override (grantOverride): record, list and revoke touch only OVERRIDE and HIST# items, all allowed', async () => {
    const { store, calls } = await recordingStore();
    const ports = { store, notifier: new MemoryNotifier(), clock: new ManualClock(T0) };
    const o = await recordOverride(ports, [checkout()], { contract: 'checkout', by: 'VP Eng', reason: 'hotfix for the outage', until: T0 + DAY });
    await store.listOverrides();
    await revokeOverride(ports, o.id, 'VP Eng');
    expect(new Set(calls.map((c) => c.op))).toEqual(new Set(['PutItem', 'BatchWriteItem', 'Query', 'UpdateItem']));
    expect(refused(policies.operator, calls)).toEqual([]);
    expect(refused(policies.operator, [{ op: 'PutItem', keys: ['GATE#shop-web#Production'] }])).toHaveLength(1);
  });

  // The store reads by key and Query only: a Scan would be refused by every grant the construct gives.
  it('no path the evaluator or reporter runs Scans (the grants allow none)', async () => {
    const calls = await evaluatorScenario();
    expect(calls.filter((c) => c.op === 'Scan')).toEqual([]);
  });
});
