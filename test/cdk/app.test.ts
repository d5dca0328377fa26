/**
 * The real app through the real CLI, as a platform engineer runs it: `cdk synth` offline, with no AWS
 * credentials, built-in CloudFormation validation and cdk-nag on. Plus the failure a reviewer must see
 * when a contract is broken: the file and the path inside it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContractsOrThrow } from '../../functions/contracts/loader.ts';
import { REPO_ROOT, Scratch, cdkJsonContext } from './fixtures.ts';

const run = promisify(execFile);
const scratch = new Scratch();
afterAll(() => scratch.remove());

const CDK = path.join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');

/**
 * A minimal environment: no AWS credentials or profile, a HOME without ~/.aws, and nothing that reaches
 * the network (no instance metadata lookups, no CLI telemetry, no notices, no version check).
 */
function offlineEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    CI: 'true',
  };
}

async function synth(args: string[]): Promise<{ code: number; stdout: string; stderr: string; outdir: string }> {
  const outdir = scratch.outdir();
  const home = scratch.outdir();
  try {
    const { stdout, stderr } = await run(process.execPath, [CDK, 'synth', '-q', '--no-notices', '-o', outdir, ...args], {
      cwd: REPO_ROOT,
      env: offlineEnv(home),
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr, outdir };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), outdir };
  }
}

describe('cdk synth (CLI)', () => {
  it(
    'synthesises the app from contracts/ offline, fully validated, with the contracts staged beside both handlers',
    async () => {
      const result = await synth(['-c', 'operatorEmails=ops@example.com']);
      expect(result.code, result.stderr).toBe(0);

      const report = JSON.parse(readFileSync(path.join(result.outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: unknown[] }[];
      };
      expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);

      const template = JSON.parse(readFileSync(path.join(result.outdir, 'SloContracts.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
        Outputs: Record<string, unknown>;
      };
      expect(Object.keys(template.Outputs).sort()).toEqual(['AlertTopicArn', 'EvaluatorRoleArn', 'OperationsTopicArn', 'ReportTopicArn', 'TableName']);
      // Environment-agnostic: no account or region literal anywhere.
      // No account id baked in (asset hashes are hex and may hold 12 digits in a row: those are not accounts).
      expect(JSON.stringify(template)).not.toMatch(/(?<![0-9a-f])\d{12}(?![0-9a-f])/);

      const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
      expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['SloContractsEvaluator', 'SloContractsReporter']);
      const contracts = loadContractsOrThrow(path.join(REPO_ROOT, 'contracts')).map((c) => c.contract);
      expect(contracts.length).toBeGreaterThan(0);
      for (const [id, fn] of functions) {
        const key = (fn.Properties.Code as { S3Key: string }).S3Key;
        const assetDir = path.join(result.outdir, `asset.${key.replace(/\.zip$/, '')}`);
        // The asset is the prebuilt-style handler plus the contracts as data, nothing else.
        expect(readdirSync(assetDir).sort(), id).toEqual(['contracts.json', 'index.js']);
        expect(fn.Properties.Handler, id).toBe('index.handler');
        const staged = JSON.parse(readFileSync(path.join(assetDir, 'contracts.json'), 'utf8')) as { metadata: { name: string } }[];
        expect(staged, id).toEqual(JSON.parse(JSON.stringify(contracts)));
        const bundle = readFileSync(path.join(assetDir, 'index.js'), 'utf8'); // CommonJS bundle
        // The contracts are data now, not compiled in: the same bundle serves any contracts.
        for (const c of contracts) expect(bundle, `${id} bundle must not hold contract ${c.metadata.name}`).not.toContain(c.metadata.journey);
        // The runtime's SDK is required, not bundled; and zod stays out (contracts were validated at synth).
        expect(bundle, id).toMatch(/require\("@aws-sdk\/client-[a-z-]+"\)/);
        expect(bundle, id).not.toMatch(/ZodError|zod\.dev/);
      }
    },
    120_000,
  );

  it(
    'a broken contract stops synth with the file and the path inside it',
    async () => {
      const dir = path.join(scratch.outdir(), 'contracts');
      mkdirSync(dir);
      const file = path.join(dir, 'broken.yaml');
      writeFileSync(
        file,
        [
          'apiVersion: slo-contracts/v1',
          'kind: SloContract',
          'metadata: { name: broken, journey: User can do a thing, owner: team-test }',
          'spec:',
          '  signedOff:',
          '    - { role: engineering, by: Ana Ortiz, on: 2026-11-02 }',
          '    - { role: product, by: Sam Lee, on: 2026-11-03 }',
          '    - { role: business, by: Kim Park, on: 2026-11-05 }',
          '  reviewBy: 2027-02-01',
          '  window: { rolling: 30d }',
          '  objectives:',
          '    - name: availability',
          '      target: 100',
          '      sli:',
          '        ratio:',
          '          good: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_2XX_Count }',
          '          total: { namespace: AWS/ApplicationELB, metric: RequestCount }',
          '  policy: {}',
          '',
        ].join('\n'),
      );
      const result = await synth(['-c', `contracts=${dir}`, '-c', 'operatorEmails=ops@example.com']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`${file}: spec.objectives[0].target: must be below 100`);
      expect(existsSync(path.join(result.outdir, 'SloContracts.template.json'))).toBe(false);
    },
    120_000,
  );

  it(
    'a tier naming an audience the stack does not define stops synth with the file and the path',
    async () => {
      const fixtures = 'test/contracts/fixtures/audiences';
      // cdk.json defines leadership and team-web: mobile's team-mobile is unknown.
      const team = await synth(['-c', `contracts=${fixtures}/mobile.yaml`]);
      expect(team.code).not.toBe(0);
      expect(team.stderr).toContain(
        `${fixtures}/mobile.yaml: spec.policy.tiers[1].notify[1]: audience "team-mobile" is not defined for this stack: define it once for all contracts ` +
          '(SloContracts prop `audiences`, or "audiences" in the cdk.json context), or take it out of tier "warning" (defined: leadership, team-web)',
      );
      // No audiences at all: the default policy's warning tier needs leadership.
      const none = await synth(['-c', `contracts=${fixtures}/default-policy.yaml`, '-c', 'audiences={}']);
      expect(none.code).not.toBe(0);
      expect(none.stderr).toContain(`${fixtures}/default-policy.yaml: spec.policy.tiers[1].notify[0]: audience "leadership" is not defined for this stack (the default policy's warning tier tells leadership)`);
      expect(existsSync(path.join(none.outdir, 'SloContracts.template.json'))).toBe(false);
    },
    120_000,
  );
});

/** Runs bin/app.ts the way the CDK CLI does (context in CDK_CONTEXT_JSON), without the CLI's own start-up. */
async function runApp(context: Record<string, unknown>): Promise<{ code: number; stderr: string }> {
  const outdir = scratch.outdir();
  try {
    await run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bin', 'app.ts')], {
      cwd: REPO_ROOT,
      // The audiences of cdk.json (the example contracts name them) unless the case gives its own.
      env: { ...offlineEnv(scratch.outdir()), CDK_CONTEXT_JSON: JSON.stringify({ audiences: cdkJsonContext().audiences, ...context }), CDK_OUTDIR: outdir },
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stderr: e.stderr ?? String(err) };
  }
}

/** Exit 1 and exactly one line on stderr: the message, no stack trace. */
function oneLine(result: { code: number; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('configuration errors end in one line naming what to fix, never a stack trace', () => {
  it(
    'a bad -c stackName, through the real CLI',
    async () => {
      const result = await synth(['-c', 'stackName=1st_stack', '-c', 'operatorEmails=ops@example.com']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/^slo-contracts: -c stackName=1st_stack: a stack name starts with a letter and holds only letters, digits and dashes/m);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
    60_000,
  );

  it.each([
    [{ operatorEmails: 'not-an-email' }, /^slo-contracts: -c operatorEmails: "not-an-email" is not an email address; give addresses separated by commas/],
    [{ operatorEmails: 'ops@example.com', contracts: 'no/such/folder' }, /^slo-contracts: -c contracts=no\/such\/folder: no such file or folder .*give the folder of contract YAML files/],
    [{}, /^slo-contracts: no operator is named, so the alarms on slo-contracts itself would reach nobody: give operatorEmails/],
    [{ operatorEmails: 'ops@example.com', operationsTopicArn: 'platform-ops' }, /^slo-contracts: -c operationsTopicArn=platform-ops: give an SNS topic ARN/],
    [{ operatorEmails: 'ops@example.com', operationsPagerParameter: 'oncall/url' }, /^slo-contracts: -c operationsPagerParameter=oncall\/url: give an SSM parameter name starting with \//],
    [{ allowAlarmsWithoutOperators: 'yes' }, /^slo-contracts: -c allowAlarmsWithoutOperators=yes: give true or false$/],
  ])('context %j', async (context, message) => oneLine(await runApp(context), message), 60_000);
});

