/**
 * `slo plan` with fakes: a catalog of existing metrics, CloudWatch as scripted traffic, and a deployed table as a
 * MemoryStore behind a spy. Missing metrics are errors naming file and path (with the near match), a `bad`
 * count that never happened only a warning, a listed metric without datapoints an error; what the evaluator
 * would do is printed; the deployed state is read and never written.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../bin/slo.ts';
import type { PlanIo } from '../../bin/plan-command.ts';
import { readOnly } from '../../bin/plan-command.ts';
import { MemoryMetrics, MemoryStore } from '../../functions/adapters/memory.ts';
import type { CatalogAnswer, MetricRef } from '../../functions/adapters/cloudwatch-catalog.ts';
import type { StorePort } from '../../functions/ports.ts';
import { Traffic } from '../support/traffic.ts';
import { contractYamlHead } from '../support/contracts.ts';

const NOW = Date.parse('2026-11-26T12:00:30Z');
const MIN = 60_000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'slo-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function contractYaml(name: string, sli: string, gates = '[{ pipeline: shop-web, stage: Production, critical: false }]'): string {
  return `${contractYamlHead({ name })}  objectives:
    - name: availability
      target: 99
      sli:
${sli}
  policy: {}
  gates: ${gates}
`;
}

const ALB = `        ratio:
          good: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_2XX_Count, dimensions: { LoadBalancer: app/shop } }
          total: { namespace: AWS/ApplicationELB, metric: RequestCount, dimensions: { LoadBalancer: app/shop } }`;
const TYPO = ALB.replaceAll('app/shop', 'app/shpo');
const BAD_COUNT = `        ratio:
          bad: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_5XX_Count, dimensions: { LoadBalancer: app/shop } }
          total: { namespace: AWS/ApplicationELB, metric: RequestCount, dimensions: { LoadBalancer: app/shop } }`;
const QUIET = `        ratio:
          good: { namespace: Shop/Quiet, metric: Good, dimensions: {} }
          total: { namespace: Shop/Quiet, metric: Total, dimensions: {} }`;

function folder(name: string, files: Record<string, string>): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(d, f), text);
  return d;
}

/** ListMetrics as a set: what has reported in the past two weeks. */
const LISTED: MetricRef[] = [
  { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_2XX_Count', dimensions: { LoadBalancer: 'app/shop' } },
  { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: { LoadBalancer: 'app/shop' } },
  { namespace: 'Shop/Quiet', metricName: 'Good', dimensions: {} },
  { namespace: 'Shop/Quiet', metricName: 'Total', dimensions: {} },
];
const catalog = {
  asked: [] as MetricRef[],
  async lookup(ref: MetricRef): Promise<CatalogAnswer> {
    this.asked.push(ref);
    const same = LISTED.filter((m) => m.namespace === ref.namespace && m.metricName === ref.metricName);
    const exists = same.some((m) => JSON.stringify(m.dimensions) === JSON.stringify(ref.dimensions));
    return { exists, near: exists ? [] : same.map((m) => m.dimensions) };
  },
};

/** Counts every call on the deployed table by method. */
function spied(store: StorePort): { store: StorePort; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

async function plan(args: string[], extra: Partial<PlanIo> = {}) {
  const traffic = new Traffic();
  // The ALB: 100 requests a minute; 60 of them failed in each of the 10 minutes before the window's end
  // (11:55, the last whole 5 minutes before now minus the 3-minute data lag).
  for (let m = 1; m <= 10; m++) traffic.burst(Math.floor((NOW - 3 * MIN) / (5 * MIN)) * 5 * MIN - m * MIN, 60);
  const quiet = new Traffic();
  quiet.silent = true;
  let stdout = '';
  let stderr = '';
  const io: CliIo & PlanIo = {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    nowMs: () => NOW,
    writeFile: () => undefined,
    isTTY: false,
    env: {},
    catalog: () => catalog,
    metrics: () => new MemoryMetrics((q) => (q.namespace === 'Shop/Quiet' ? quiet.generate(q) : traffic.generate(q))),
    ...extra,
  };
  const code = await main(['node', 'slo', 'plan', ...args], io);
  return { code, stdout: stdout.replaceAll(dir, '<tmp>'), stderr };
}

describe('slo plan', () => {
  it('a typo in a dimension: an error naming file and path, with the metric that does exist', async () => {
    const d = folder('typo', { 'checkout.yaml': contractYaml('checkout', ALB), 'search.yaml': contractYaml('search', TYPO) });
    const r = await plan([d]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'error: <tmp>/typo/search.yaml: spec.objectives[0].sli.ratio.good: AWS/ApplicationELB HTTPCode_Target_2XX_Count {LoadBalancer=app/shpo} does not exist in CloudWatch for this account and region (nothing with exactly these dimensions reported in the past two weeks); it exists with {LoadBalancer=app/shop}: check the dimensions',
    );
    expect(r.stdout).toContain('error: <tmp>/typo/search.yaml: spec.objectives[0].sli.ratio.total: AWS/ApplicationELB RequestCount {LoadBalancer=app/shpo} does not exist');
    expect(r.stdout).toMatch(/2 errors, 0 warnings: fix the contracts before deploying\n$/);
    // The one with a typo is not reported twice (no-data after the missing-metric error).
    expect(r.stdout.match(/search\.yaml/g)).toHaveLength(2);
  });

  it('prints what the evaluator would do: tiers, messages, freezes', async () => {
    const d = folder('ok', { 'checkout.yaml': contractYaml('checkout', ALB) });
    const r = await plan([d]);
    expect(r.code).toBe(0);
    // 1d window at 100 a minute with 600 bad in the last 10 minutes: 1 % of 144,000 allows 1,440 bad.
    expect(r.stdout).toContain('checkout/availability  ok  tier none -> healthy  budget 58.3 %');
    expect(r.stdout).toContain('alerts page-fast, page-slow, ticket');
    expect(r.stdout).toContain('[SLO page] checkout/availability: burn rate 10.0x over 1h');
    expect(r.stdout).toContain('shop-web/Production  no change');
    expect(r.stdout).toMatch(/ok: every metric reads\n$/);
  });

  it('a bad count that never happened is a warning; a listed metric without datapoints is an error', async () => {
    const d = folder('mixed', { 'errors.yaml': contractYaml('errors', BAD_COUNT), 'quiet.yaml': contractYaml('quiet', QUIET) });
    const r = await plan([d]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'warning: <tmp>/mixed/errors.yaml: spec.objectives[0].sli.ratio.bad: AWS/ApplicationELB HTTPCode_Target_5XX_Count {LoadBalancer=app/shop} has not reported in the past two weeks: fine if those events never happened (no errors)',
    );
    expect(r.stdout).toContain('error: <tmp>/mixed/quiet.yaml: spec.objectives[0].sli: returned no datapoints for its window: no datapoints ever for Shop/Quiet/Good and Shop/Quiet/Total');
  });

  it('--table: starts from the deployed state, read only: an exhausted objective that recovered would unfreeze', async () => {
    const d = folder('table', { 'checkout.yaml': contractYaml('checkout', ALB) });
    const deployed = new MemoryStore(() => NOW);
    await deployed.putObjectiveState({ contract: 'checkout', objective: 'availability', tier: 'exhausted', tierSince: NOW - 86_400_000, remainingPct: -20, burnRates: {}, activeAlerts: [], status: 'ok', lastEvaluatedAt: NOW - 300_000, version: 1, outbox: {} }, 0);
    await deployed.putGate({ pipeline: 'shop-web', stage: 'Production', holders: { 'checkout#availability': NOW - 86_400_000 }, disabledByUs: true, disabledAt: NOW - 86_400_000, disabledReason: 'slo-contracts froze this stage - checkout availability budget exhausted (-20 pct) since 2026-11-25 12.00 UTC', version: 1, outbox: {} }, 0);
    const { store, calls } = spied(deployed);
    const r = await plan([d, '--table', 'slo-state'], { stateStore: (table) => (table === 'slo-state' ? store : deployed) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('State: from table slo-state, read only: 1 objective state, 1 gate frozen, 0 overrides');
    // The budget is at 58.3 %, above healthy's 50 plus the 5-point recovery margin: straight back to healthy.
    expect(r.stdout).toContain('checkout/availability  ok  tier exhausted -> healthy  budget 58.3 %');
    expect(r.stdout).toContain('[SLO info] checkout/availability: exhausted -> healthy');
    expect(r.stdout).toContain('[SLO info] deployments unfrozen: shop-web/Production');
    expect(r.stdout).toContain('shop-web/Production  would unfreeze');
    expect(new Set(calls)).toEqual(new Set(['getObjectiveStates', 'getGates', 'listGates', 'listOverrides']));
    // And the deployed table is as it was.
    expect((await deployed.getGate('shop-web', 'Production'))?.disabledByUs).toBe(true);
  });

  it('the read-only wrapper refuses every write', async () => {
    const ro = readOnly(new MemoryStore());
    await expect(ro.putGate({ pipeline: 'p', stage: 's', holders: {}, disabledByUs: false, version: 1, outbox: {} }, 0)).rejects.toThrow(/dry run: it never calls putGate/);
    await expect(ro.appendHistory([])).rejects.toThrow(/appendHistory/);
    await expect(ro.listOverrides()).resolves.toEqual([]);
  });
});
