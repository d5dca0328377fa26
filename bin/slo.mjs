#!/usr/bin/env node
// Executable for `npx slo ...` (package.json "bin"). In a clone the TypeScript CLI runs straight from source
// through tsx (no build step); the installed package has no bin/slo.ts and runs the compiled dist/bin/slo.js,
// so neither tsx nor TypeScript is needed there.
import { existsSync } from 'node:fs';

const source = new URL('./slo.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/bin/slo.js'));
}
process.exitCode = await main(process.argv);
