/**
 * The Lambda code: a prebuilt handler bundle plus the validated contracts as data, staged together.
 *
 * `npm run build` bundles each handler (functions/handlers/*.ts) once into `assets/<name>/index.js`, which
 * the package ships: a consumer needs neither esbuild nor this repository's lock file. At synth the
 * construct stages `index.js` and `contracts.json` into one asset directory per function; the handler
 * reads `contracts.json` from beside itself (functions/runtime/config.ts). The asset hash covers both
 * files, so a contract change is a new asset and a new deployment of the function.
 *
 * From TypeScript source (this repository's app and tests) the handler is bundled on the fly with the
 * same options, once per process, so what is tested is always the current code, never a stale build.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CONTRACTS_FILE } from '../../functions/runtime/contracts-file.ts';
import { SloContractsConfigError } from '../errors.ts';

export { CONTRACTS_FILE };

/** The Lambda handlers the package ships, by asset name. */
export const HANDLERS = {
  evaluator: 'functions/handlers/evaluate.ts',
  reporter: 'functions/handlers/report.ts',
} as const;
export type HandlerName = keyof typeof HANDLERS;

/**
 * esbuild options of every handler bundle: the build step, synth from source and `npm run bench` all use
 * these, so what is measured and tested is what deploys. CommonJS: the runtime's SDK then loads through
 * require(), about half the cold-start time of ESM-to-CommonJS interop (npm run bench measures both).
 * `@aws-sdk/*` is external: the Node.js runtime provides AWS SDK v3.
 */
export const HANDLER_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
} as const;

/** Lambda's limit on a function's unzipped code, in bytes (250 MB). */
export const MAX_UNZIPPED_CODE_BYTES = 250 * 1024 * 1024;

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** True when this module runs as TypeScript (tsx, vitest), false from the compiled package (dist/). */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The package root: the nearest folder above this module holding package.json (from lib/ or dist/lib/). */
export function packageRoot(from: string = HERE): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new SloContractsConfigError(`cannot find the slo-contracts package root above ${from}: reinstall the package`);
    dir = up;
  }
  return dir;
}

/** Where the package ships the prebuilt bundle of a handler. */
export function prebuiltHandlerDir(name: HandlerName, root: string = packageRoot()): string {
  return path.join(root, 'assets', name);
}

/**
 * Bundles one handler from source into `outfile` with HANDLER_BUNDLE_OPTIONS. Needs esbuild (a development
 * dependency): only the build step and runs from source call it.
 */
export function bundleHandler(name: HandlerName, outfile: string, root: string = packageRoot()): void {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as { buildSync(options: Record<string, unknown>): { errors: { text: string }[] } };
  const result = esbuild.buildSync({ ...HANDLER_BUNDLE_OPTIONS, external: [...HANDLER_BUNDLE_OPTIONS.external], entryPoints: [path.join(root, HANDLERS[name])], outfile });
  if (result.errors.length > 0) throw new Error(`esbuild failed for ${name}: ${result.errors.map((e) => e.text).join('; ')}`);
}

const builtFromSource = new Map<HandlerName, string>();

/**
 * From source: bundle once per process into `node_modules/.cache/slo-contracts/handlers/<name>/` (ignored by
 * git, shared by processes, never stale: each process rebuilds before its first use). The bundle is written
 * beside its final name and renamed into place, so parallel test workers never read a half-written file.
 */
function handlerDirFromSource(name: HandlerName): string {
  const cached = builtFromSource.get(name);
  if (cached !== undefined) return cached;
  const root = packageRoot();
  const dir = path.join(root, 'node_modules', '.cache', 'slo-contracts', 'handlers', name);
  mkdirSync(dir, { recursive: true });
  const partial = path.join(dir, `index.js.${process.pid}.${Date.now()}.partial`);
  try {
    bundleHandler(name, partial, root);
    renameSync(partial, path.join(dir, 'index.js'));
  } finally {
    rmSync(partial, { force: true });
  }
  builtFromSource.set(name, dir);
  return dir;
}

/** The folder holding the handler's `index.js`: the prebuilt asset when installed, a fresh bundle from source. */
export function handlerDir(name: HandlerName): string {
  if (FROM_SOURCE) return handlerDirFromSource(name);
  const dir = prebuiltHandlerDir(name);
  if (!existsSync(path.join(dir, 'index.js'))) {
    throw new SloContractsConfigError(
      `the prebuilt ${name} handler is missing (${path.join(dir, 'index.js')}): the slo-contracts package was not built; reinstall it, or run \`npm run build\` in a clone`,
    );
  }
  return dir;
}

/**
 * The function's code: `index.js` of the handler plus `contracts.json` (the validated contracts, as given),
 * staged into one asset directory at synth by a local copy (no Docker, no esbuild when installed). The
 * asset hash is the SHA-256 of both files, so it changes exactly when the code or a contract changes, and
 * it is meaningful even when a stack's bundling is skipped.
 */
export function handlerCode(name: HandlerName, contractsJson: string): lambda.Code {
  const dir = handlerDir(name);
  const indexFile = path.join(dir, 'index.js');
  const codeBytes = statSync(indexFile).size + Buffer.byteLength(contractsJson, 'utf8');
  if (codeBytes > MAX_UNZIPPED_CODE_BYTES) {
    throw new SloContractsConfigError(
      `the ${name} code with the contracts is ${codeBytes} bytes, more than Lambda's ${MAX_UNZIPPED_CODE_BYTES} bytes of unzipped code: split the contracts across stacks`,
    );
  }
  const hash = createHash('sha256').update(readFileSync(indexFile)).update('\0').update(contractsJson).digest('hex');
  return lambda.Code.fromAsset(dir, {
    assetHashType: AssetHashType.CUSTOM,
    assetHash: hash,
    bundling: {
      // Never pulled: the local step below always succeeds (it only copies two files).
      image: DockerImage.fromRegistry('slo-contracts-stages-locally'),
      local: {
        tryBundle(outputDir: string): boolean {
          copyFileSync(indexFile, path.join(outputDir, 'index.js'));
          writeFileSync(path.join(outputDir, CONTRACTS_FILE), contractsJson);
          return true;
        },
      },
    },
  });
}
