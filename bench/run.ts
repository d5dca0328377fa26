/**
 * `npm run bench`: evaluation speed, quota use and DynamoDB use at 10, 100, 1,000 and 10,000 objectives against
 * the quota-enforcing fake CloudWatch, DynamoDB capacity on dynalite at 10 to 1,000, table growth over 400
 * days, the evaluator bundle's size and init time, and the monthly cost model. Prints a markdown summary and writes every figure to
 * .bench/results.json. A measurement, not a test: nothing here asserts a time.
 *
 * Each N runs in its own child process (node --expose-gc --import tsx bench/evaluate-one.ts N) so its
 * peak memory is its own.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX, type EvaluateBenchResult } from './protocol.ts';
import { benchBundles, type BundleResult } from './bundle.ts';
import { costLine, markdown, TARGETS } from './report.ts';
import { DYNAMO_PREFIX, type DynamoBenchResult } from './dynamo-one.ts';
import { benchGrowth } from './growth.ts';
import { benchHistory } from './backtest.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SIZES = [10, 100, 1000, 10000] as const;
/** Sizes measured on dynalite as well (seeding a local table for 10,000 objectives would take minutes). */
export const DYNAMO_SIZES = [10, 100, 1000] as const;
/** A child taking longer than this is stuck (ms). */
const CHILD_TIMEOUT_MS = 600_000;

export class BenchRunError extends Error {
  override name = 'BenchRunError';
}

function runChild<T>(script: string, prefix: string, objectives: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'bench', script), String(objectives)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(prefix));
      if (code !== 0 || !line) {
        reject(new BenchRunError(`${script} for ${objectives} objectives failed (exit ${code ?? signal}): ${stderr.trim().slice(-2000) || 'no result line'}`));
        return;
      }
      resolve(JSON.parse(line.slice(prefix.length)) as T);
    });
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const meta = { node: process.versions.node, cpus: os.availableParallelism(), loadAvg: os.loadavg(), at: new Date().toISOString() };
  process.stderr.write(`bench: Node ${meta.node}, ${meta.cpus} CPUs, load ${meta.loadAvg.map((l) => l.toFixed(2)).join(' ')}\n`);

  const evals: EvaluateBenchResult[] = [];
  for (const n of SIZES) {
    process.stderr.write(`bench: evaluate ${n} objectives (fresh process)...\n`);
    const r = await runChild<EvaluateBenchResult>('evaluate-one.ts', RESULT_PREFIX, n);
    process.stderr.write(
      `  ${r.metricsPerObjective.toFixed(3)} metrics/objective, ${r.getMetricDataCalls} calls, ${r.throttled} throttled, wall ${(r.wallMs / 1000).toFixed(2)} s, cpu ${(r.cpuMs / 1000).toFixed(2)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB\n`,
    );
    evals.push(r);
  }
  const dynamo: DynamoBenchResult[] = [];
  for (const n of DYNAMO_SIZES) {
    process.stderr.write(`bench: DynamoDB on dynalite, ${n} objectives...\n`);
    const d = await runChild<DynamoBenchResult>('dynamo-one.ts', DYNAMO_PREFIX, n);
    process.stderr.write(`  RRU/WRU dynalite ${d.dynalite.readUnits}/${d.dynalite.writeUnits}, meter ${d.meter.readUnits}/${d.meter.writeUnits}\n`);
    dynamo.push(d);
  }
  process.stderr.write('bench: 400 days of one objective (table growth)...\n');
  const growth = await benchGrowth();
  process.stderr.write(`  ${growth.items} items, ${(growth.bytes / 1000).toFixed(0)} kB\n`);

  process.stderr.write('bench: bundling the evaluator and timing its init...\n');
  const bundles: BundleResult[] = await benchBundles(ROOT);
  for (const b of bundles) {
    process.stderr.write(`  ${b.variant.id}: ${b.bytes} bytes, gzip ${b.gzipBytes}, init median ${b.initMs.median.toFixed(0)} ms\n`);
  }

  process.stderr.write('bench: backtest and suggest (history commands)...\n');
  const history = benchHistory();
  const table = `${markdown(evals, dynamo, growth, bundles, meta)}\n\n${history.markdown}`;
  const results = {
    meta: { ...meta, benchSeconds: (performance.now() - started) / 1000 },
    targets: TARGETS,
    evaluate: evals,
    dynamo,
    growth,
    cost: evals.map((r) => costLine(r, growth.bytes / growth.objectives)),
    bundles,
    history: history.rows,
    markdown: table,
  };
  mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
  writeFileSync(path.join(ROOT, '.bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${table}\n\nWritten to .bench/results.json (bench took ${results.meta.benchSeconds.toFixed(0)} s).\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
