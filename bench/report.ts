/**
 * Turning bench results into the cost model and a markdown summary (pasteable into the README).
 */
import type { EvaluateBenchResult } from './protocol.ts';
import type { BundleResult } from './bundle.ts';

/** CloudWatch GetMetricData price: USD per 1,000 metrics requested (us-east-1 list price). */
export const USD_PER_1000_METRICS = 0.01;
/** CloudWatch custom metric price: USD per metric per month (first 10,000 metrics, us-east-1 list price). */
export const USD_PER_CUSTOM_METRIC_MONTH = 0.3;
/** A 5-minute cadence. */
export const EVALUATIONS_PER_HOUR = 12;
/** Hours in the month the AWS price pages use. */
export const HOURS_PER_MONTH = 730;

export const TARGETS = {
  metricsPerObjective: 2,
  wallMsAt1000: 30_000,
  bundleBytes: 300_000,
  initMs: 150,
} as const;

export interface CostLine {
  objectives: number;
  metricsPerEvaluation: number;
  metricsPerMonth: number;
  getMetricDataUsdPerMonth: number;
  customMetrics: number;
  customMetricsUsdPerMonth: number;
}

/** metrics requested per evaluation x 12 evaluations/hour x 730 h/month x $0.01 per 1,000. */
export function costLine(r: EvaluateBenchResult): CostLine {
  const metricsPerMonth = r.metricsRequested * EVALUATIONS_PER_HOUR * HOURS_PER_MONTH;
  return {
    objectives: r.objectives,
    metricsPerEvaluation: r.metricsRequested,
    metricsPerMonth,
    getMetricDataUsdPerMonth: (metricsPerMonth / 1000) * USD_PER_1000_METRICS,
    customMetrics: r.telemetry.customMetrics,
    customMetricsUsdPerMonth: r.telemetry.customMetrics * USD_PER_CUSTOM_METRIC_MONTH,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (ms: number) => (ms < 10_000 ? `${fixed(ms / 1000, 2)} s` : `${fixed(ms / 1000, 1)} s`);
const usd = (n: number) => `$${fixed(n, 2)}`;
const kb = (bytes: number) => `${fixed(bytes / 1000, 1)} kB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

function storeCalls(r: EvaluateBenchResult, prefix: string): number {
  return Object.entries(r.portCalls)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((sum, [, n]) => sum + n, 0);
}

export function markdown(evals: EvaluateBenchResult[], bundles: BundleResult[], meta: { node: string; cpus: number; loadAvg: number[] }): string {
  const lines: string[] = [];
  const head = ['Measure', ...evals.map((r) => `${int(r.objectives)} objectives`), 'Target'];
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const big = evals.find((r) => r.objectives === 1000);
  const maxPerObjective = Math.max(...evals.map((r) => r.metricsPerObjective));

  lines.push('### Evaluation (real `evaluate()` + `CloudWatchMetrics`, fake CloudWatch at 100 ms per call)', '');
  row(head);
  row(head.map(() => '---'));
  row(['Metrics requested per objective-evaluation', ...evals.map((r) => fixed(r.metricsPerObjective, 2)), `<= ${TARGETS.metricsPerObjective}: ${verdict(maxPerObjective <= TARGETS.metricsPerObjective)}`]);
  row(['GetMetricData calls (max queries / datapoints per call)', ...evals.map((r) => `${int(r.getMetricDataCalls)} (${r.maxQueriesPerCall} / ${int(r.maxDatapointsPerCall)})`), '']);
  row([
    'Wall time',
    ...evals.map((r) => seconds(r.wallMs)),
    big ? `1,000 < ${TARGETS.wallMsAt1000 / 1000} s: ${verdict(big.wallMs < TARGETS.wallMsAt1000)}` : '',
  ]);
  row(['CPU time, user + system (of which the fake CloudWatch)', ...evals.map((r) => `${seconds(r.cpuMs)} (${seconds(r.fakeCloudWatchMs)})`), '']);
  row(['Peak RSS, `resourceUsage().maxRSS`, whole process', ...evals.map((r) => `${int(r.peakRssMb)} MB`), '']);
  row(['Peak heap used during the run, `memoryUsage().heapUsed` sampled / 5 ms', ...evals.map((r) => `${int(r.peakHeapUsedMb)} MB`), '']);
  row(['Tier changes / notifications sent', ...evals.map((r) => `${int(r.summary.tierChanges)} / ${int(r.summary.notificationsSent)}`), '']);
  row(['Store / gate / SNS calls (round trips on AWS)', ...evals.map((r) => `${int(storeCalls(r, 'store.'))} / ${int(storeCalls(r, 'gate.'))} / ${int(storeCalls(r, 'notifier.'))}`), '']);
  const costs = evals.map(costLine);
  row(['GetMetricData cost, 5-min cadence', ...costs.map((c) => `${usd(c.getMetricDataUsdPerMonth)}/month`), '']);
  row(['Custom metrics the telemetry publishes (cost)', ...costs.map((c) => `${int(c.customMetrics)} (${usd(c.customMetricsUsdPerMonth)}/month)`), '']);
  lines.push('');
  lines.push(
    `Cost model: metrics requested per evaluation x ${EVALUATIONS_PER_HOUR} evaluations/hour x ${HOURS_PER_MONTH} h/month x ` +
      `$${USD_PER_1000_METRICS} per 1,000 metrics requested; custom metrics at $${USD_PER_CUSTOM_METRIC_MONTH} per metric-month. ` +
      'Each run is preceded, in the same process, by the previous scheduled run (5 minutes earlier, untimed), which seeds the state and warms the JIT. ' +
      'Wall and CPU time include the fake CloudWatch building its answers (Date and number arrays, shown in brackets), work the SDK deserializer does for real; ' +
      'store, gate and SNS are in-memory twins, so their round trips are counted, not timed.',
  );
  lines.push('');
  for (const c of costs) {
    lines.push(
      `- ${int(c.objectives)} objectives: ${int(c.metricsPerEvaluation)} metrics/evaluation x ${EVALUATIONS_PER_HOUR} x ${HOURS_PER_MONTH} = ` +
        `${int(c.metricsPerMonth)} metrics/month -> ${usd(c.getMetricDataUsdPerMonth)}/month`,
    );
  }
  lines.push('');

  lines.push('### Evaluator bundle (`functions/handlers/evaluate.ts`, esbuild, node22, minified)', '');
  row(['Bundle', 'Size', 'gzip -9', 'Init: load the bundle, median of 5 (min)', 'Targets: < 300 kB, < 150 ms']);
  row(['---', '---', '---', '---', '---']);
  for (const b of bundles) {
    const deployed = b.variant.id === 'cjs-external';
    row([
      b.variant.label,
      kb(b.bytes),
      kb(b.gzipBytes),
      `${int(b.initMs.median)} ms (${int(Math.min(...b.initMs.samples))} ms)`,
      b.variant.sdkExternal ? `size ${verdict(b.bytes < TARGETS.bundleBytes)}, init ${verdict(b.initMs.median < TARGETS.initMs)}${deployed ? ' (deployed)' : ''}` : 'comparison',
    ]);
  }
  lines.push('');
  const deployed = bundles.find((b) => b.variant.id === 'cjs-external');
  if (deployed) {
    lines.push(`Largest parts of the deployed bundle: ${deployed.topInputs.map((t) => `${t.name} ${kb(t.bytes)}`).join(', ')}.`, '');
  }
  lines.push(
    `Measured on Node ${meta.node}, ${meta.cpus} CPUs, load average ${meta.loadAvg.map((l) => fixed(l, 2)).join(' / ')} at the start. ` +
      'Init is the time to require()/import() the bundle in a fresh node with the SDK resolved from node_modules; Lambda adds its runtime start.',
  );
  return lines.join('\n');
}
