/** What a bench child (bench/evaluate-one.ts) reports to bench/run.ts: one stdout line, prefix + JSON. */

export const RESULT_PREFIX = 'BENCH_RESULT ';

export interface EvaluateBenchResult {
  objectives: number;
  contracts: number;
  /** Queries the adapter sent, over objectives evaluated: the CloudWatch billing unit per objective. */
  metricsPerObjective: number;
  metricsRequested: number;
  getMetricDataCalls: number;
  maxQueriesPerCall: number;
  maxDatapointsPerCall: number;
  datapointsReturned: number;
  simulatedLatencyMs: number;
  wallMs: number;
  /** process.cpuUsage() user + system over the measured run (ms). */
  cpuMs: number;
  /** Of cpuMs, the fake CloudWatch building its answers (Date and number arrays, as the SDK deserializer would) (ms). */
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
  /** Answers the fake had to generate during the measured run (0 when preparation foresaw every query). */
  unpreparedAnswers: number;
  /** Calls the measured run made on each port method: each is one round trip against AWS. */
  portCalls: Record<string, number>;
  previousRun: { tierChanges: number; notificationsSent: number; wallMs: number };
}
