/**
 * The evaluator Lambda bundle: size (raw and gzip) and module init time.
 *
 * Builds functions/handlers/evaluate.ts with esbuild's JS API in four variants:
 * - cjs, SDK external: exactly what deploys, HANDLER_BUNDLE_OPTIONS from lib/functions/handler-code.ts
 *   (the options `npm run build` and synth from source use): CommonJS, target node22, minified,
 *   `@aws-sdk/*` left to the Lambda runtime;
 * - esm, SDK external: the same as ESM with a createRequire banner (what the construct deployed before);
 * - esm / cjs with the SDK bundled in, for comparison.
 * The contracts are data, as deployed: `contracts.json` beside the bundle (the cjs handler reads it from
 * its own folder); the esm variants, which have no `__dirname`, get the same JSON in SLO_CONTRACTS_JSON.
 *
 * Init time: a fresh `node` per sample loads the bundle (require() for cjs, import() for esm) with dummy
 * TABLE_NAME / ALERT_TOPIC_ARN / AWS_REGION, timing only the load (contracts.json read included) with
 * performance.now() inside the child.
 * The bundles are written under .bench/ inside the repository so that `@aws-sdk/*` resolves from its
 * node_modules, as the Lambda runtime provides it; the folder is removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { loadContractsOrThrow } from '../functions/contracts/loader.ts';
import { CONTRACTS_FILE } from '../functions/runtime/contracts-file.ts';
import { HANDLER_BUNDLE_OPTIONS } from '../lib/functions/handler-code.ts';

export type BundleFormat = 'esm' | 'cjs';

export interface BundleVariant {
  id: string;
  label: string;
  format: BundleFormat;
  sdkExternal: boolean;
}

export const VARIANTS: BundleVariant[] = [
  { id: 'esm-external', label: 'ESM, @aws-sdk/* external', format: 'esm', sdkExternal: true },
  { id: 'cjs-external', label: 'CJS, @aws-sdk/* external (as the CDK construct deploys it)', format: 'cjs', sdkExternal: true },
  { id: 'esm-bundled', label: 'ESM, @aws-sdk/* bundled in', format: 'esm', sdkExternal: false },
  { id: 'cjs-bundled', label: 'CJS, @aws-sdk/* bundled in', format: 'cjs', sdkExternal: false },
];

/** Samples of init time per variant; the median is reported. */
export const INIT_SAMPLES = 5;
/** gzip level used for the compressed size (the Lambda zip uses deflate too). */
export const GZIP_LEVEL = 9;

export interface BundleResult {
  variant: BundleVariant;
  bytes: number;
  gzipBytes: number;
  /** Largest contributors to the output, by package (or `functions/` for our code), bytes in the output. */
  topInputs: { name: string; bytes: number }[];
  initMs: { median: number; samples: number[] };
}

export class BenchBundleError extends Error {
  override name = 'BenchBundleError';
}

/** esbuild options for one variant: HANDLER_BUNDLE_OPTIONS with the variant's format and SDK handling. */
export function buildOptions(root: string, variant: BundleVariant, outfile: string): BuildOptions {
  return {
    ...HANDLER_BUNDLE_OPTIONS,
    entryPoints: [path.join(root, 'functions', 'handlers', 'evaluate.ts')],
    outfile,
    format: variant.format,
    external: variant.sdkExternal ? [...HANDLER_BUNDLE_OPTIONS.external] : [],
    ...(variant.format === 'esm'
      ? {
          // ESM output: bundled CommonJS dependencies still need `require` for Node built-ins.
          banner: { js: "import { createRequire as __sloCreateRequire } from 'node:module'; const require = __sloCreateRequire(import.meta.url);" },
          mainFields: ['module', 'main'],
        }
      : {}),
    metafile: true,
    logLevel: 'silent',
  };
}

function packageOf(input: string): string {
  const i = input.lastIndexOf('node_modules/');
  if (i < 0) return input.split('/').slice(0, 1).join('/') + '/';
  const rest = input.slice(i + 'node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? input);
}

function topInputs(metafile: Metafile, outfile: string, root: string, limit = 6): { name: string; bytes: number }[] {
  const rel = path.relative(root, outfile).split(path.sep).join('/');
  const output = metafile.outputs[rel] ?? Object.values(metafile.outputs)[0];
  if (!output) return [];
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}

/** Runs in the child: loads the bundle and prints the load time (ms) as JSON. argv[1] is the bundle path. */
const INIT_CHILD = `
const { performance } = require('node:perf_hooks');
const { pathToFileURL } = require('node:url');
const file = process.argv[1];
const t0 = performance.now();
const load = file.endsWith('.cjs') ? Promise.resolve(require(file)) : import(pathToFileURL(file).href);
load.then((m) => {
  const ms = performance.now() - t0;
  if (typeof m.handler !== 'function') throw new Error('the bundle exports no handler function');
  process.stdout.write(JSON.stringify({ ms }));
});
`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function measureInit(file: string, cwd: string, samples: number, contractsJson: string): number[] {
  // Only what the construct sets plus what the process needs to start; dummy values, nothing is called.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    TABLE_NAME: 'slo-contracts-bench-table',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:slo-contracts-bench-alerts',
    AWS_REGION: 'us-east-1',
    OVERRIDE_HONOUR_MINUTES: '240',
    POWERTOOLS_SERVICE_NAME: 'slo-contracts',
    POWERTOOLS_METRICS_NAMESPACE: 'SloContracts',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // Read only by the esm variants (no __dirname); the cjs bundle reads contracts.json beside itself.
    SLO_CONTRACTS_JSON: contractsJson,
  };
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const r = spawnSync(process.execPath, ['-e', INIT_CHILD, file], { cwd, env, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new BenchBundleError(`loading ${path.basename(file)} failed (exit ${r.status}): ${r.stderr.trim().slice(0, 2000)}`);
    const parsed = JSON.parse(r.stdout) as { ms: number };
    out.push(parsed.ms);
  }
  return out;
}

export async function benchBundles(root: string, samples = INIT_SAMPLES): Promise<BundleResult[]> {
  const contractsJson = JSON.stringify(loadContractsOrThrow(path.join(root, 'contracts')).map((c) => c.contract));
  const benchDir = path.join(root, '.bench');
  mkdirSync(benchDir, { recursive: true });
  const dir = mkdtempSync(path.join(benchDir, 'bundle-'));
  try {
    writeFileSync(path.join(dir, CONTRACTS_FILE), contractsJson);
    const results: BundleResult[] = [];
    for (const variant of VARIANTS) {
      const outfile = path.join(dir, `evaluate-${variant.id}.${variant.format === 'esm' ? 'mjs' : 'cjs'}`);
      const built = await build(buildOptions(root, variant, outfile));
      if (built.errors.length > 0) throw new BenchBundleError(`esbuild failed for ${variant.id}: ${built.errors.map((e) => e.text).join('; ')}`);
      const code = readFileSync(outfile);
      const initSamples = measureInit(outfile, root, samples, contractsJson);
      results.push({
        variant,
        bytes: code.length,
        gzipBytes: gzipSync(code, { level: GZIP_LEVEL }).length,
        topInputs: built.metafile ? topInputs(built.metafile, outfile, root) : [],
        initMs: { median: median(initSamples), samples: initSamples },
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
