/**
 * Any number of contracts (issue 11 item 4): 1,000 generated contracts validate, synthesize (the define and
 * its size cap are gone: the contracts travel as contracts.json) and load in the evaluator, from the staged
 * asset. Times are measured by hand and reported in the README, never asserted here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock, MemoryGate, MemoryMetrics, MemoryNotifier, MemoryStore } from '../../functions/adapters/memory.ts';
import { loadContracts } from '../../functions/contracts/loader.ts';
import type { Contract } from '../../functions/core/contract.ts';
import { bundledContracts } from '../../functions/runtime/config.ts';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { SloContractsStack } from '../../lib/index.ts';
import { T0 } from '../support/contracts.ts';
import { writeGeneratedContracts } from '../support/generate-contracts.ts';
import { Traffic } from '../support/traffic.ts';
import { LEADERSHIP, REPO_ROOT, Scratch, testApp } from './fixtures.ts';

const COUNT = 1000;
const run = promisify(execFile);
const scratch = new Scratch();
const dir = mkdtempSync(path.join(tmpdir(), 'slo-1000-'));
let contracts: Contract[];
let outdir: string;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
let templateBytes: number;

beforeAll(() => {
  vi.stubEnv('CDK_VALIDATION', 'false');
  writeGeneratedContracts(dir, COUNT);
  const loaded = loadContracts(dir);
  expect(loaded.errors).toEqual([]);
  contracts = loaded.contracts.map((c) => c.contract);
  outdir = scratch.outdir();
  const app = testApp(outdir, { bundling: true });
  new SloContractsStack(app, 'Many', { contracts: dir, audiences: LEADERSHIP, operatorEmails: ['ops@example.com'] });
  app.synth();
  const text = readFileSync(path.join(outdir, 'Many.template.json'), 'utf8');
  templateBytes = Buffer.byteLength(text);
  template = JSON.parse(text) as typeof template;
}, 300_000);

afterAll(() => {
  vi.unstubAllEnvs();
  scratch.remove();
  rmSync(dir, { recursive: true, force: true });
});

const assetDirOf = (logicalIdPrefix: string): string => {
  const found = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(logicalIdPrefix));
  if (!found) throw new Error(`no function ${logicalIdPrefix} in the template`);
  return path.join(outdir, `asset.${(found[1].Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`);
};

describe(`${COUNT} contracts`, () => {
  it('validate', () => {
    expect(contracts).toHaveLength(COUNT);
    expect(new Set(contracts.map((c) => c.metadata.name)).size).toBe(COUNT);
  });

  it('synthesize within CloudFormation limits: under 500 resources and a template under 1 MB', () => {
    expect(Object.keys(template.Resources).length).toBeLessThan(500);
    expect(templateBytes).toBeLessThan(1_000_000);
    // Subscriptions grow with distinct addresses and pagers, not with contracts: 20 teams x 2 topics + 10 pagers + 1 operator.
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::SNS::Subscription')).toHaveLength(53); // 51 for the contracts' addresses and pagers, 2 for leadership (alerts and the roll-up)
  });

  it('travel as contracts.json beside each handler, all of them', () => {
    for (const fn of ['SloContractsEvaluator', 'SloContractsReporter']) {
      const asset = assetDirOf(fn);
      expect(readdirSync(asset).sort()).toEqual(['contracts.json', 'index.js']);
      expect(bundledContracts({}, asset).map((c) => c.metadata.name)).toEqual(contracts.map((c) => c.metadata.name));
    }
  });

  it('load in the evaluator bundle: it starts with contracts.json beside it', async () => {
    const asset = assetDirOf('SloContractsEvaluator');
    // A fresh node loads the bundle as Lambda does (require), with the runtime's SDK from this repository.
    const probe = `const m = require(${JSON.stringify(path.join(asset, 'index.js'))}); process.stdout.write(typeof m.handler);`;
    const { stdout } = await run(process.execPath, ['-e', probe], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
        AWS_REGION: 'us-east-1',
        TABLE_NAME: 'slo-many',
        ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:alerts',
        POWERTOOLS_SERVICE_NAME: 'slo-contracts',
        POWERTOOLS_METRICS_NAMESPACE: 'SloContracts',
      },
    });
    expect(stdout).toBe('function');
  }, 60_000);

  it('are all evaluated in one run from the staged contracts', async () => {
    const staged = bundledContracts({}, assetDirOf('SloContractsEvaluator'));
    const traffic = new Traffic();
    const ports = { clock: new ManualClock(T0), metrics: new MemoryMetrics(traffic.generate), store: new MemoryStore(), notifier: new MemoryNotifier(), gate: new MemoryGate() };
    const summary = await evaluate(ports, staged, { overrideHonourMs: 3_600_000 });
    const objectives = staged.reduce((n, c) => n + c.spec.objectives.length, 0);
    expect(summary.objectives).toHaveLength(objectives);
    expect(summary.errors).toBe(0);
  }, 120_000);
});
