/** What a bench child (bench/evaluate-one.ts) reports to bench/run.ts: one stdout line, prefix + JSON. */
import type { LedgerRunStats } from '../functions/usecases/evaluate-objectives.ts';

export const RESULT_PREFIX = 'BENCH_RESULT ';

export interface EvaluateBenchResult {
  objectives: number;
  contracts: number;
  /** Queries the adapter sent, over objectives evaluated: the CloudWatch billing unit per objective. */
  metricsPerObjective: number;
  metricsRequested: number;
  getMetricDataCalls: number;
  /** Datapoints asked for, by quota tier (recent: StartTime within 3 h). */
  datapoints: Record<string, number>;
  /** Calls the quota-enforcing fake throttled (0 when the adapter paces itself right). */
  throttled: number;
  /** Time the adapter waited for quota tokens, summed over its calls (ms). */
  waitMs: number;
  /** The busiest second the fake saw: calls and datapoints by tier. */
  peakPerSecond: { calls: number; recent: number; older: number };
  simulatedLatencyMs: number;
  wallMs: number;
  /** process.cpuUsage() user + system over the measured run (ms). */
  cpuMs: number;
  /** Of cpuMs, the fake CloudWatch generating the raw synthetic values it answers from (ms). */
  fakeCloudWatchMs: number;
  /** process.resourceUsage().maxRSS: peak resident set of the whole process, MB (includes tsx and the seed run). */
  peakRssMb: number;
  /** process.memoryUsage().rss just before the measured run, MB. */
  rssBeforeMb: number;
  /** Peak of process.memoryUsage().heapUsed sampled every 5 ms during the measured run, MB. */
  peakHeapUsedMb: number;
  heapUsedBeforeMb: number;
  summary: {
    tierChanges: number;
    notificationsSent: number;
    errors: number;
    byTier: Record<string, number>;
    byStatus: Record<string, number>;
    gateActions: Record<string, number>;
  };
  /** Custom metrics (distinct name + dimensions) the Powertools telemetry publishes per run, and EMF documents printed. */
  telemetry: { customMetrics: number; data: number; emfDocuments: number };
  /** What the run did to the ledgers (refreshes, rebuild stages, reconciliations, chunks read and written). */
  ledger: LedgerRunStats | undefined;
  /** DynamoDB the measured run would consume: items, bytes, capacity units and calls (bench/bench-store.ts). */
  store: { itemsRead: number; bytesRead: number; readUnits: number; itemsWritten: number; bytesWritten: number; writeUnits: number; calls: Record<string, number> };
  /** Calls the measured run made on each port method: each is one round trip against AWS. */
  portCalls: Record<string, number>;
  previousRun: { tierChanges: number; notificationsSent: number; wallMs: number };
}
