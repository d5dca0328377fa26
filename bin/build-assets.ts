/**
 * `npm run build` (after tsc): bundles each Lambda handler once into `assets/<name>/index.js` with the
 * options every deployed bundle uses (HANDLER_BUNDLE_OPTIONS: CommonJS, node22, minified, `@aws-sdk/*`
 * external). The package ships these, so a consumer's synth needs neither esbuild nor this lock file; the
 * contracts are staged beside each bundle at synth (lib/functions/handler-code.ts).
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { HANDLERS, bundleHandler, packageRoot, prebuiltHandlerDir, type HandlerName } from '../lib/functions/handler-code.ts';

const root = packageRoot();
rmSync(path.join(root, 'assets'), { recursive: true, force: true });
for (const name of Object.keys(HANDLERS) as HandlerName[]) {
  const dir = prebuiltHandlerDir(name, root);
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, 'index.js');
  bundleHandler(name, outfile, root);
  // stderr: `npm pack --json` prints its JSON on stdout, after the prepack output.
  process.stderr.write(`${path.relative(root, outfile)}  ${statSync(outfile).size} bytes\n`);
}
