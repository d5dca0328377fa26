#!/usr/bin/env node
// Executable for `npx slo ...` (package.json "bin"): registers tsx so the TypeScript CLI runs straight from a
// clone, no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./slo.ts');
process.exitCode = await main(process.argv);
