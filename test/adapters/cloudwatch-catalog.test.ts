import { CloudWatchClient, ListMetricsCommand, type ListMetricsCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchCatalog } from '../../functions/adapters/cloudwatch-catalog.ts';

const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const cw = mockClient(client);
const metric = (dims: Record<string, string>) => ({ Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })) });

beforeEach(() => cw.reset());

describe('CloudWatchCatalog (ListMetrics)', () => {
  it('exists only with exactly the contract dimensions, found on a later page; the request names every dimension', async () => {
    cw.on(ListMetricsCommand)
      .resolvesOnce({ Metrics: [metric({ LoadBalancer: 'app/shop', TargetGroup: 'tg/a' })], NextToken: 'p2' })
      .resolvesOnce({ Metrics: [metric({ LoadBalancer: 'app/shop' })] });
    const catalog = new CloudWatchCatalog(client);
    await expect(catalog.lookup({ namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: { LoadBalancer: 'app/shop' } })).resolves.toEqual({ exists: true, near: [] });
    const calls = cw.commandCalls(ListMetricsCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop' }] },
      { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop' }], NextToken: 'p2' },
    ]);
    // Every call carries an abort signal: it has a timeout.
    for (const c of calls) expect(((c.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it('a superset of the dimensions is not the metric; the near matches come from the name alone', async () => {
    cw.on(ListMetricsCommand).callsFake((input: ListMetricsCommandInput) =>
      input.Dimensions ? { Metrics: [metric({ LoadBalancer: 'app/shop', TargetGroup: 'tg/a' })] } : { Metrics: [metric({ LoadBalancer: 'app/shop', TargetGroup: 'tg/a' }), metric({ LoadBalancer: 'app/shop' })] },
    );
    const answer = await new CloudWatchCatalog(client).lookup({ namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: { LoadBalancer: 'app/shop', TargetGroup: 'tg/b' } });
    expect(answer).toEqual({ exists: false, near: [{ LoadBalancer: 'app/shop', TargetGroup: 'tg/a' }, { LoadBalancer: 'app/shop' }] });
  });

  it('a metric in another account asks the monitoring account with OwningAccount', async () => {
    cw.on(ListMetricsCommand).resolves({ Metrics: [] });
    await new CloudWatchCatalog(client).lookup({ namespace: 'N', metricName: 'M', dimensions: {}, accountId: '111122223333' });
    expect(cw).toHaveReceivedCommandWith(ListMetricsCommand, { Namespace: 'N', MetricName: 'M', IncludeLinkedAccounts: true, OwningAccount: '111122223333' });
  });

  it('a call that hangs is aborted after the timeout', async () => {
    cw.on(ListMetricsCommand).callsFake((_input: unknown, _getClient: unknown) => new Promise(() => undefined));
    // aws-sdk-client-mock does not pass the abort signal into callsFake; check it fires instead.
    const catalog = new CloudWatchCatalog(client, { timeoutMs: 50 });
    const pending = catalog.lookup({ namespace: 'N', metricName: 'M', dimensions: {} });
    await new Promise((r) => setTimeout(r, 120));
    const signal = ((cw.commandCalls(ListMetricsCommand)[0]!.args as unknown[])[1] as { abortSignal: AbortSignal }).abortSignal;
    expect(signal.aborted).toBe(true);
    void pending.catch(() => undefined);
  });
});
