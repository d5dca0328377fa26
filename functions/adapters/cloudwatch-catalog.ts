/**
 * Which metrics exist: CloudWatch ListMetrics, for `slo plan` (a typo in a dimension is an error before deploy,
 * not a silent "no data" after). ListMetrics lists a metric only if it received data in the past two weeks, and
 * matches metrics whose dimensions INCLUDE the filter's, so a metric exists for a contract only when a listed one
 * has exactly the contract's dimensions. When none does, the same namespace and name with other dimensions are
 * returned as near matches (the likely typo).
 *
 * Kept apart from ./cloudwatch.ts (GetMetricData, the evaluator's path): only the CLI reads the catalog.
 * Every call has a timeout; the client comes by injection (createCloudWatchCatalog builds one from the AWS
 * environment).
 */
import { CloudWatchClient, ListMetricsCommand, type CloudWatchClientConfig, type ListMetricsCommandInput } from '@aws-sdk/client-cloudwatch';

export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** A metric in another account (CloudWatch cross-account observability). */
  accountId?: string;
}

export interface CatalogAnswer {
  /** A metric with exactly these dimensions reported in the past two weeks. */
  exists: boolean;
  /** When it does not: the same namespace and name with other dimensions (at most `nearLimit`). */
  near: Record<string, string>[];
}

export interface MetricCatalogPort {
  lookup(ref: MetricRef): Promise<CatalogAnswer>;
}

export interface CatalogOptions {
  /** Milliseconds one ListMetrics call may take. @default 10000 */
  timeoutMs?: number;
  /** Pages read per question (500 metrics each). @default 5 */
  maxPages?: number;
  /** Near matches returned. @default 5 */
  nearLimit?: number;
}

const sameDimensions = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
};

export class CloudWatchCatalog implements MetricCatalogPort {
  /** ListMetrics requests sent. */
  callCount = 0;
  private readonly timeoutMs: number;
  private readonly maxPages: number;
  private readonly nearLimit: number;

  constructor(
    private readonly client: CloudWatchClient,
    opts: CatalogOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxPages = opts.maxPages ?? 5;
    this.nearLimit = opts.nearLimit ?? 5;
  }

  async lookup(ref: MetricRef): Promise<CatalogAnswer> {
    const account = ref.accountId ? { IncludeLinkedAccounts: true, OwningAccount: ref.accountId } : {};
    const filtered = await this.list({
      Namespace: ref.namespace,
      MetricName: ref.metricName,
      Dimensions: Object.entries(ref.dimensions).map(([Name, Value]) => ({ Name, Value })),
      ...account,
    }, (dims) => sameDimensions(dims, ref.dimensions));
    if (filtered.found) return { exists: true, near: [] };
    const near = await this.list({ Namespace: ref.namespace, MetricName: ref.metricName, ...account }, () => false, this.nearLimit);
    return { exists: false, near: near.seen };
  }

  /** Pages through ListMetrics until `match` holds for a metric's dimensions (or the pages run out). */
  private async list(input: ListMetricsCommandInput, match: (dims: Record<string, string>) => boolean, keep = 0): Promise<{ found: boolean; seen: Record<string, string>[] }> {
    const seen: Record<string, string>[] = [];
    let token: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      this.callCount++;
      const res = await this.client.send(new ListMetricsCommand({ ...input, ...(token ? { NextToken: token } : {}) }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      for (const m of res.Metrics ?? []) {
        const dims = Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
        if (match(dims)) return { found: true, seen };
        if (seen.length < keep) seen.push(dims);
      }
      token = res.NextToken;
      if (!token || (keep > 0 && seen.length >= keep)) break;
    }
    return { found: false, seen };
  }
}

/** A catalog on a client from the standard AWS environment (region, AWS_ENDPOINT_URL[_CLOUDWATCH], credentials). */
export function createCloudWatchCatalog(opts: CatalogOptions & { clientConfig?: CloudWatchClientConfig } = {}): CloudWatchCatalog {
  const { clientConfig, ...rest } = opts;
  return new CloudWatchCatalog(new CloudWatchClient(clientConfig ?? {}), rest);
}
