/**
 * The package as a platform team installs it: `npm pack` (prepack builds dist/ and the prebuilt handlers),
 * the tarball installed into a fresh CDK app in a temporary folder from the local npm cache (no network but
 * the registry, and only for what the cache lacks), type-checked against the shipped .d.ts, synthesized with
 * the app's own contracts and cdk-nag, and `npx slo validate` run from the installed package.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractYamlHead } from '../support/contracts.ts';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '..', '..');
const TSC = path.join(REPO, 'node_modules', '.bin', 'tsc');
const CDK = path.join(REPO, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const work = mkdtempSync(path.join(tmpdir(), 'slo-pack-'));
const consumer = path.join(work, 'consumer');

/** Offline for everything but npm's registry; no update checks, no telemetry, a HOME without AWS config. */
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: path.join(work, 'home'),
  npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? '/root', '.npm'),
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: '1',
  CI: 'true',
  NO_COLOR: '1',
};

async function sh(file: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

const CONTRACT = (name: string, target: string, gates: string) => `${contractYamlHead({ name, journey: `Shopper can browse the ${name}`, owner: `team-${name}`, window: '{ rolling: 30d }' })}  objectives:
    - name: availability
      target: ${target}
      sli:
        ratio:
          good: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_2XX_Count, dimensions: { LoadBalancer: app/${name}/1 } }
          total: { namespace: AWS/ApplicationELB, metric: RequestCount, dimensions: { LoadBalancer: app/${name}/1 } }
  policy: {}
  gates: ${gates}
  notify: { email: [${name}@example.com] }
`;

/** A platform team's app: the construct in its own stack, a pipeline-account stack, grants for on-call, cdk-nag. */
const APP = `import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SloContracts, SloPipelineAccountStack, type ISloContracts } from 'slo-contracts';

const app = new App();
const platform = new Stack(app, 'Platform');
const slo: ISloContracts = new SloContracts(platform, 'Slo', {
  contracts: 'slo',
  operatorEmails: ['platform-oncall@example.com'],
  audiences: { leadership: { email: ['cto@example.com'] } }, // the default policy's warning tier tells leadership
  evaluatorRoleName: 'platform-slo-evaluator',
});
const oncall = new iam.Role(platform, 'Oncall', { assumedBy: new iam.AccountRootPrincipal() });
slo.grantOverride(oncall);
slo.grantReadState(oncall);
Validations.of(oncall).acknowledge({
  id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
  reason: 'grantOverride publishes to the KMS-encrypted alert topic: GenerateDataKey* on that one key only.',
});
new SloPipelineAccountStack(app, 'Pipelines', {
  env: { account: '222222222222', region: 'eu-west-1' },
  contracts: 'slo',
  evaluatorRoleArn: 'arn:aws:iam::111111111111:role/platform-slo-evaluator',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
`;

let tarball = '';
let packedFiles: string[] = [];

beforeAll(async () => {
  const packed = await sh('npm', ['pack', '--pack-destination', work, '--json'], REPO);
  expect(packed.code, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, info?.filename ?? '');
  packedFiles = (info?.files ?? []).map((f) => f.path);

  mkdirSync(path.join(consumer, 'slo'), { recursive: true });
  mkdirSync(env.HOME as string, { recursive: true });
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'platform-app', private: true, type: 'module' }));
  writeFileSync(path.join(consumer, 'slo', 'storefront.yaml'), CONTRACT('storefront', '99.5', '[{ pipeline: storefront, stage: Prod }, { pipeline: storefront-api, stage: Prod, account: "222222222222" }]'));
  writeFileSync(path.join(consumer, 'slo', 'search.yaml'), CONTRACT('search', '99.9', '[]'));
  writeFileSync(path.join(consumer, 'app.ts'), APP);
  writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: '.', types: ['node'], lib: ['ES2022', 'esnext.disposable'], skipLibCheck: false },
      files: ['app.ts'],
    }),
  );
  const installed = await sh(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'aws-cdk-lib@2.276.0', 'constructs@10.5.1', 'cdk-nag@3.0.2', '@types/node@20'],
    consumer,
  );
  expect(installed.code, installed.stderr).toBe(0);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed library', () => {
  it('ships the build, the prebuilt handlers, the CLI launcher and the schema; no sources, tests or lock file', () => {
    for (const f of ['package.json', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/bin/slo.js', 'assets/evaluator/index.js', 'assets/reporter/index.js', 'bin/slo.mjs', 'contracts/slo-contract.schema.json']) {
      expect(packedFiles, f).toContain(f);
    }
    const unexpected = packedFiles.filter((f) => !/^(dist\/.*\.(js|d\.ts)|assets\/(evaluator|reporter)\/index\.js|bin\/slo\.mjs|contracts\/slo-contract\.schema\.json|package\.json|README\.md)$/.test(f));
    expect(unexpected).toEqual([]);
    expect(packedFiles.some((f) => f.startsWith('test/') || f === 'package-lock.json' || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toBe(false);
  });

  it('declares aws-cdk-lib and constructs as peers, and needs neither tsx nor esbuild at run time', () => {
    const pkg = JSON.parse(readFileSync(path.join(consumer, 'node_modules', 'slo-contracts', 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.peerDependencies).toEqual({ 'aws-cdk-lib': '^2.276.0', constructs: '^10.5.1' });
    for (const dep of ['aws-cdk-lib', 'constructs', 'esbuild', 'tsx', 'typescript', 'cdk-nag']) expect(Object.keys(pkg.dependencies ?? {})).not.toContain(dep);
    for (const absent of ['tsx', 'esbuild', 'typescript']) expect(existsSync(path.join(consumer, 'node_modules', absent)), absent).toBe(false);
  });
});

describe('a fresh CDK app using it', () => {
  it(
    'type-checks against the shipped declarations, synthesizes with its own contracts and the prebuilt handlers, cdk-nag clean',
    async () => {
      const tsc = await sh(TSC, ['-p', 'tsconfig.json'], consumer);
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.code).toBe(0);

      const synth = await sh(process.execPath, [CDK, 'synth', '-q', '--no-notices', '--app', 'node app.js', '-o', 'cdk.out'], consumer);
      expect(synth.code, synth.stderr).toBe(0);
      const out = path.join(consumer, 'cdk.out');
      const report = JSON.parse(readFileSync(path.join(out, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
      expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);

      const template = JSON.parse(readFileSync(path.join(out, 'Platform.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
      const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
      expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['SloEvaluator', 'SloReporter']);
      for (const [id, fn] of functions) {
        const name = id.startsWith('SloEvaluator') ? 'evaluator' : 'reporter';
        const asset = path.join(out, `asset.${(fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`);
        expect(readdirSync(asset).sort()).toEqual(['contracts.json', 'index.js']);
        // The prebuilt bundle from the package, byte for byte: nothing was bundled in the consumer.
        expect(readFileSync(path.join(asset, 'index.js'))).toEqual(readFileSync(path.join(consumer, 'node_modules', 'slo-contracts', 'assets', name, 'index.js')));
        const staged = JSON.parse(readFileSync(path.join(asset, 'contracts.json'), 'utf8')) as { metadata: { name: string } }[];
        expect(staged.map((c) => c.metadata.name).sort()).toEqual(['search', 'storefront']);
      }
      // The storefront-api gate lives in 222222222222: the evaluator may assume the gate role there.
      expect(JSON.stringify(template)).toContain(':iam::222222222222:role/slo-contracts-gate');

      const pipelines = readFileSync(path.join(out, 'Pipelines.template.json'), 'utf8');
      expect(pipelines).toContain('arn:aws:iam::111111111111:role/platform-slo-evaluator');
      expect(pipelines).toContain(':codepipeline:eu-west-1:222222222222:storefront-api/Prod');
      expect(pipelines).not.toContain('storefront/Prod');
    },
    300_000,
  );

  it(
    'runs `npx slo validate` from the installed package: its contracts pass, a broken one names file and path',
    async () => {
      const ok = await sh('npx', ['--no-install', 'slo', 'validate', 'slo/'], consumer);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('slo/storefront.yaml: ok (storefront, 1 objective)');
      expect(ok.stdout).toContain('valid: 2 contracts');

      writeFileSync(path.join(consumer, 'slo', 'broken.yaml'), CONTRACT('broken', '100', '[]'));
      const bad = await sh('npx', ['--no-install', 'slo', 'validate', 'slo/'], consumer);
      expect(bad.code).toBe(1);
      expect(bad.stdout + bad.stderr).toContain('slo/broken.yaml: spec.objectives[0].target: must be below 100');
      rmSync(path.join(consumer, 'slo', 'broken.yaml'));
    },
    120_000,
  );
});
