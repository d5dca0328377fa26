/**
 * Turning bench results into the monthly cost model and a markdown summary (pasteable into the README).
 * Prices: us-east-1 list prices (CloudWatch, DynamoDB on-demand, Lambda arm64), as of 2026-11.
 */
import type { EvaluateBenchResult } from './protocol.ts';
import type { BundleResult } from './bundle.ts';
import type { DynamoBenchResult } from './dynamo-one.ts';
import type { GrowthResult } from './growth.ts';

export const PRICES = {
  /** CloudWatch GetMetricData: USD per 1,000 metrics requested. */
  getMetricDataPer1000Metrics: 0.01,
  /** CloudWatch custom metric: USD per metric-month (first 10,000 metrics). */
  customMetricMonth: 0.3,
  /** CloudWatch Logs ingestion: USD per GB (the EMF documents the Lambdas print). */
  logsIngestPerGb: 0.5,
  /** DynamoDB on-demand: USD per million read / write request units. */
  dynamoPerMillionRru: 0.125,
  dynamoPerMillionWru: 0.625,
  /** DynamoDB storage and point-in-time recovery: USD per GB-month. */
  dynamoStorageGbMonth: 0.25,
  dynamoPitrGbMonth: 0.2,
  /** Lambda arm64: USD per GB-second and per million requests. */
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
} as const;

/** A 5-minute cadence: 12 runs an hour, 730 hours a month (the AWS price pages' month). */
export const RUNS_PER_MONTH = 12 * 730;
/** About the size of one EMF document the evaluator prints (a single metric with two dimensions), bytes. */
export const EMF_DOCUMENT_BYTES = 420;

export const TARGETS = {
  metricsPerObjective: 2,
  wallMsAt1000: 10_000,
  wallMsAt10000: 60_000,
  peakRssMbAt10000: 1024,
  bundleBytes: 300_000,
  initMs: 150,
} as const;

export interface CostLine {
  objectives: number;
  getMetricData: number;
  customMetrics: number;
  logs: number;
  dynamoRequests: number;
  dynamoStorage: number;
  lambda: number;
  total: number;
  /** Figures behind the lines, per month. */
  metricsRequestedPerMonth: number;
  customMetricCount: number;
  rruPerMonth: number;
  wruPerMonth: number;
  storageGb: number;
  lambdaGbSeconds: number;
  lambdaMemoryMb: number;
}

/** Lambda memory for a run: the construct's 512 MB while the measured peak fits, else the next GB. */
export function lambdaMemoryMb(peakRssMb: number): number {
  return peakRssMb * 1.25 <= 512 ? 512 : Math.ceil((peakRssMb * 1.25) / 1024) * 1024;
}

/**
 * Monthly cost of one deployment evaluating `r.objectives` objectives every 5 minutes, from what the measured
 * run asked for: metrics requested, custom metrics, EMF log bytes, DynamoDB request units (the bench meter),
 * table storage after a year (the growth simulation's bytes per objective), Lambda GB-seconds at the measured
 * wall time. Leaves out SNS (a few messages a day) and the weekly reporter (one run a week).
 */
export function costLine(r: EvaluateBenchResult, bytesPerObjective: number): CostLine {
  const metricsRequestedPerMonth = r.metricsRequested * RUNS_PER_MONTH;
  const rruPerMonth = r.store.readUnits * RUNS_PER_MONTH;
  const wruPerMonth = r.store.writeUnits * RUNS_PER_MONTH;
  const storageGb = (bytesPerObjective * r.objectives) / 1e9;
  const memory = lambdaMemoryMb(r.peakRssMb);
  const lambdaGbSeconds = (memory / 1024) * (r.wallMs / 1000) * RUNS_PER_MONTH;
  const line = {
    objectives: r.objectives,
    getMetricData: (metricsRequestedPerMonth / 1000) * PRICES.getMetricDataPer1000Metrics,
    customMetrics: r.telemetry.customMetrics * PRICES.customMetricMonth,
    logs: ((r.telemetry.emfDocuments * EMF_DOCUMENT_BYTES * RUNS_PER_MONTH) / 1e9) * PRICES.logsIngestPerGb,
    dynamoRequests: (rruPerMonth / 1e6) * PRICES.dynamoPerMillionRru + (wruPerMonth / 1e6) * PRICES.dynamoPerMillionWru,
    dynamoStorage: storageGb * (PRICES.dynamoStorageGbMonth + PRICES.dynamoPitrGbMonth),
    lambda: lambdaGbSeconds * PRICES.lambdaGbSecond + (RUNS_PER_MONTH / 1e6) * PRICES.lambdaPerMillionRequests,
    metricsRequestedPerMonth,
    customMetricCount: r.telemetry.customMetrics,
    rruPerMonth,
    wruPerMonth,
    storageGb,
    lambdaGbSeconds,
    lambdaMemoryMb: memory,
  };
  return { ...line, total: line.getMetricData + line.customMetrics + line.logs + line.dynamoRequests + line.dynamoStorage + line.lambda };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (ms: number) => (ms < 10_000 ? `${fixed(ms / 1000, 2)} s` : `${fixed(ms / 1000, 1)} s`);
const usd = (n: number) => `$${fixed(n, 2)}`;
const kb = (bytes: number) => `${fixed(bytes / 1000, 1)} kB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

export function markdown(
  evals: EvaluateBenchResult[],
  dynamo: DynamoBenchResult[],
  growth: GrowthResult,
  bundles: BundleResult[],
  meta: { node: string; cpus: number; loadAvg: number[] },
  extra: string[] = [],
): string {
  const lines: string[] = [];
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const head = ['Measure', ...evals.map((r) => `${int(r.objectives)} objectives`), 'Target'];
  const at = (n: number) => evals.find((r) => r.objectives === n);
  const maxPerObjective = Math.max(...evals.map((r) => r.metricsPerObjective));

  lines.push('#### Evaluation (real `evaluate()` + quota-pacing `CloudWatchMetrics`, quota-enforcing fake CloudWatch at 100 ms per call)', '');
  row(head);
  row(head.map(() => '---'));
  row(['Metrics requested per objective-evaluation', ...evals.map((r) => fixed(r.metricsPerObjective, 3)), `<= ${TARGETS.metricsPerObjective} per refresh; max ${fixed(maxPerObjective, 3)} with that run's reconciliations`]);
  row(['GetMetricData calls / datapoints (recent + older tier)', ...evals.map((r) => `${int(r.getMetricDataCalls)} / ${int(r.datapoints.recent ?? 0)} + ${int(r.datapoints.older ?? 0)}`), '']);
  row(['Busiest second: calls, datapoints recent / older (quota 50, 180,000 / 90,000)', ...evals.map((r) => `${r.peakPerSecond.calls}, ${int(r.peakPerSecond.recent)} / ${int(r.peakPerSecond.older)}`), 'half the quota (default share)']);
  row(['Calls throttled by the fake', ...evals.map((r) => int(r.throttled)), '0']);
  const w1 = at(1000);
  const w10 = at(10000);
  row(['Wall time', ...evals.map((r) => seconds(r.wallMs)), `1,000 < 10 s: ${w1 ? verdict(w1.wallMs < TARGETS.wallMsAt1000) : '-'}; 10,000 < 60 s: ${w10 ? verdict(w10.wallMs < TARGETS.wallMsAt10000) : '-'}`]);
  row([
    'CPU, user + system (of which generating the fake\'s data); evaluator CPU per objective-evaluation',
    ...evals.map((r) => `${seconds(r.cpuMs)} (${seconds(r.fakeCloudWatchMs)}); ${fixed((r.cpuMs - r.fakeCloudWatchMs) / r.objectives, 2)} ms`),
    '',
  ]);
  row(['Peak RSS, whole process (bench store and fake included)', ...evals.map((r) => `${int(r.peakRssMb)} MB`), `10,000 < 1 GB: ${w10 ? verdict(w10.peakRssMb < TARGETS.peakRssMbAt10000) : '-'}`]);
  row(['Tier changes / notifications sent / freezes', ...evals.map((r) => `${int(r.summary.tierChanges)} / ${int(r.summary.notificationsSent)} / ${int(r.summary.gateActions.froze ?? 0)}`), '']);
  row(['Ledger: chunks read / written; reconciliations (deferred)', ...evals.map((r) => {
    const l = r.ledger as { chunksRead: number; chunksWritten: number; reconciled: number; deferredReconciliations: number };
    return `${int(l.chunksRead)} / ${int(l.chunksWritten)}; ${l.reconciled} (${l.deferredReconciliations})`;
  }), '']);
  row(['DynamoDB items read / written per run', ...evals.map((r) => `${int(r.store.itemsRead)} / ${int(r.store.itemsWritten)}`), '']);
  row(['DynamoDB kB read / written per run', ...evals.map((r) => `${int(r.store.bytesRead / 1000)} / ${int(r.store.bytesWritten / 1000)}`), '']);
  row(['DynamoDB read / write request units per run', ...evals.map((r) => `${int(r.store.readUnits)} / ${int(r.store.writeUnits)}`), '']);
  row(['Custom metrics published', ...evals.map((r) => int(r.telemetry.customMetrics)), '1 per objective + 4 per stack']);
  lines.push('');

  const perObjective = growth.bytes / growth.objectives;
  const costs = evals.map((r) => costLine(r, perObjective));
  lines.push('#### Monthly cost (5-minute cadence, us-east-1 list prices)', '');
  const ch = ['Item', ...costs.map((c) => `${int(c.objectives)} objectives`)];
  row(ch);
  row(ch.map(() => '---'));
  row(['GetMetricData ($0.01 per 1,000 metrics requested)', ...costs.map((c) => usd(c.getMetricData))]);
  row(['Custom metrics ($0.30 per metric-month)', ...costs.map((c) => usd(c.customMetrics))]);
  row(['CloudWatch Logs for the EMF documents ($0.50 per GB)', ...costs.map((c) => usd(c.logs))]);
  row(['DynamoDB requests ($0.125 / $0.625 per million RRU / WRU)', ...costs.map((c) => usd(c.dynamoRequests))]);
  row(['DynamoDB storage + PITR after a year ($0.45 per GB-month)', ...costs.map((c) => usd(c.dynamoStorage))]);
  row(['Lambda arm64 (memory x measured wall time)', ...costs.map((c) => `${usd(c.lambda)} (${c.lambdaMemoryMb} MB)`)]);
  row(['**Total**', ...costs.map((c) => `**${usd(c.total)}**`)]);
  lines.push('');
  lines.push(
    `Per month: ${RUNS_PER_MONTH.toLocaleString('en-US')} runs. DynamoDB request units are the bench meter's (the same sizing rules as ` +
      'DynamoStore, checked against what dynalite reports below); storage uses the growth simulation\'s bytes per objective. ' +
      'The first release published 4 custom metrics per objective ($1,201/month at 1,000 objectives); burn-rate metrics are now opt-in ' +
      '(`burnRateMetrics: true` per contract, or the `publishBurnRates` prop for the stack: 3 more per objective).',
    '',
  );

  if (dynamo.length > 0) {
    lines.push('#### DynamoDB on dynalite (DynamoStore, capacity as dynalite reports it) against the bench meter', '');
    const dh = ['Measured run', ...dynamo.map((d) => `${int(d.objectives)} objectives`)];
    row(dh);
    row(dh.map(() => '---'));
    row(['Items read / written (dynalite)', ...dynamo.map((d) => `${int(d.dynalite.itemsRead)} / ${int(d.dynalite.itemsWritten)}`)]);
    row(['Read / write units reported by dynalite', ...dynamo.map((d) => `${int(d.dynalite.readUnits)} / ${int(d.dynalite.writeUnits)}`)]);
    row(['Read / write units, bench meter (same run)', ...dynamo.map((d) => `${int(d.meter.readUnits)} / ${int(d.meter.writeUnits)}`)]);
    row(['Calls by API (dynalite)', ...dynamo.map((d) => Object.entries(d.dynalite.calls).map(([k, v]) => `${k} ${v}`).join(', '))]);
    row(['Wall time with dynalite on 127.0.0.1', ...dynamo.map((d) => seconds(d.wallMs))]);
    lines.push('');
  }

  lines.push('#### Table growth per objective (400 days simulated, TTL-aware)', '');
  lines.push(
    `One objective (30-day window, an incident a month) evaluated for ${growth.days} days: ${int(growth.items)} live items, ${kb(growth.bytes)} ` +
      `(${Object.entries(growth.census)
        .filter(([k]) => k !== 'bytes')
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}). The first release kept one history item per run: 115,200 items a year per objective at a 5-minute cadence.`,
    '',
  );

  lines.push('#### Evaluator bundle (`functions/handlers/evaluate.ts`, esbuild, node22, minified)', '');
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
  if (deployed) lines.push(`Largest parts of the deployed bundle: ${deployed.topInputs.map((t) => `${t.name} ${kb(t.bytes)}`).join(', ')}.`, '');
  lines.push(...extra);
  lines.push(
    `Measured on Node ${meta.node}, ${meta.cpus} CPUs, load average ${meta.loadAvg.map((l) => fixed(l, 2)).join(' / ')} at the start.`,
  );
  return lines.join('\n');
}
