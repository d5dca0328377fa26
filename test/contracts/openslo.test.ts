/**
 * OpenSLO v1 in and out (issue 10 item 4): fixtures converted into contracts (golden files), placeholders that
 * fail validation until filled in, every document that cannot be converted with its message, and the round
 * trip contract -> OpenSLO -> contract.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadContracts, parseContractText, type LoadedContract } from '../../functions/contracts/loader.ts';
import {
  ANNOTATIONS,
  exportOpenslo,
  formatOpensloIssue,
  importOpenslo,
  parseOpensloText,
  type ImportResult,
  type OpensloDocument,
} from '../../functions/contracts/openslo.ts';

const DIR = 'test/contracts/fixtures/openslo';
const NOW = Date.parse('2026-11-26T00:00:00Z');

function documentsOf(...files: string[]): OpensloDocument[] {
  return files.flatMap((file) => {
    const { documents, issues } = parseOpensloText(readFileSync(file, 'utf8'), file);
    expect(issues).toEqual([]);
    return documents;
  });
}

function importFiles(...names: string[]): ImportResult {
  return importOpenslo(documentsOf(...names.map((n) => `${DIR}/${n}`)));
}

/** Fills the placeholders the way a user would, so the contract can be validated. */
function fillIn(text: string): string {
  return text
    .replace('signedOff: []', 'signedOff:\n    - { role: engineering, by: A, on: 2026-11-02 }\n    - { role: product, by: B, on: 2026-11-02 }\n    - { role: business, by: C, on: 2026-11-02 }')
    .replace(/reviewBy:\n/, 'reviewBy: 2027-02-01\n')
    .replace(/policy:\n/, 'policy: {}\n')
    .replace(/gates:\n/, 'gates: []\n')
    .replace(/notify:\n/, 'notify: {}\n')
    .replace(/journey:\n/, 'journey: User can search\n')
    .replace(/owner:\n/, 'owner: team-search\n');
}

describe('import: fixtures become contracts', () => {
  const result = importFiles('checkout-inline.yaml', 'canary-timeslices.yaml');

  it('groups SLOs by service (one window per contract) and names objectives without the service prefix', () => {
    expect(result.notConverted).toEqual([]);
    expect(result.contracts.map((c) => [c.name, (c.data.spec as { objectives: { name: string }[] }).objectives.map((o) => o.name)])).toEqual([
      ['checkout', ['availability', 'errors']],
      ['storefront', ['homepage-up']],
      ['search-latency-p99', ['search-latency-p99']],
    ]);
  });

  it.each(['checkout', 'storefront', 'search-latency-p99'])('%s matches its golden file', async (name) => {
    const contract = result.contracts.find((c) => c.name === name);
    await expect(contract?.text).toMatchFileSnapshot(`fixtures/openslo/expected/${name}.yaml`);
  });

  it('lists what each contract needs filled in', () => {
    const base = ['spec.signedOff', 'spec.reviewBy', 'spec.policy', 'spec.gates', 'spec.notify'];
    expect(Object.fromEntries(result.contracts.map((c) => [c.name, c.fillIn]))).toEqual({
      checkout: base,
      storefront: base,
      'search-latency-p99': ['metadata.journey', 'metadata.owner', ...base],
    });
  });

  it('the placeholders FAIL validation, each with a message saying what to write', () => {
    const checkout = result.contracts[0];
    const errors = parseContractText(checkout?.text ?? '', 'checkout.yaml').errors.map((e) => `${e.path}: ${e.message}`);
    expect(errors).toEqual([
      'spec.signedOff: missing sign-off by engineering: engineering, product and business must all sign',
      'spec.signedOff: missing sign-off by product: engineering, product and business must all sign',
      'spec.signedOff: missing sign-off by business: engineering, product and business must all sign',
      'spec.reviewBy: must be text, not empty',
      expect.stringMatching(/^spec\.policy: is required: .*write `policy: \{\}` to take the default tiers/),
      'spec.gates: must be a list, not empty',
      'spec.notify: must be a mapping (key: value lines), not empty',
    ]);
    // Each placeholder carries a FILL IN comment above it.
    expect(checkout?.text.match(/# FILL IN/g)).toHaveLength(5);
  });

  it('once filled in, the contracts validate and carry the OpenSLO targets, windows and metrics', () => {
    const parsed = Object.fromEntries(result.contracts.map((c) => [c.name, parseContractText(fillIn(c.text), `${c.name}.yaml`)]));
    for (const r of Object.values(parsed)) expect(r.errors).toEqual([]);
    const checkout = parsed.checkout?.contract;
    expect(checkout?.metadata).toEqual({ name: 'checkout', journey: 'User can complete a purchase', owner: 'team-payments' });
    expect(checkout?.spec.window).toEqual({ rolling: '4w' });
    const lb = { LoadBalancer: 'app/shop-alb/50dc6c495c0c9188' };
    expect(checkout?.spec.objectives.map((o) => [o.name, o.target, o.sli])).toEqual([
      [
        'availability',
        99.9, // target 0.999
        {
          ratio: {
            good: { namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_2XX_Count', dimensions: lb, stat: 'Sum' },
            total: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dimensions: lb, stat: 'Sum' },
          },
        },
      ],
      [
        'errors',
        99.5, // targetPercent 99.5
        {
          ratio: {
            bad: { namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_5XX_Count', dimensions: lb, stat: 'Sum' },
            total: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dimensions: lb, stat: 'Sum' },
          },
        },
      ],
    ]);
    const storefront = parsed.storefront?.contract;
    expect(storefront?.spec.window).toEqual({ calendar: 'month' });
    expect(storefront?.metadata.owner).toBe('team-web'); // first of the team labels
    expect(storefront?.spec.objectives[0]?.sli.timeslice).toEqual({
      metric: { namespace: 'CloudWatchSynthetics', metric: 'SuccessPercent', dimensions: { CanaryName: 'storefront-home' }, stat: 'Average' },
      good: '>= 100',
      period: '5m', // timeSliceWindow: 5 (minutes)
      noData: 'skip',
    });
    const search = parsed['search-latency-p99']?.contract;
    expect(search?.spec.window).toEqual({ calendar: 'quarter' });
    expect(search?.spec.objectives[0]?.target).toBe(99);
    expect(search?.spec.objectives[0]?.sli.timeslice).toMatchObject({ good: '<= 800', period: '1m', metric: { stat: 'p99' } });
  });

  it('lists exactly what the contracts do not carry', () => {
    const f1 = `${DIR}/checkout-inline.yaml`;
    const f2 = `${DIR}/canary-timeslices.yaml`;
    expect(result.dropped.map(formatOpensloIssue)).toEqual([
      `${f1}: document 2 (SLO checkout-availability): spec.alertPolicies: not converted: the contract policy tiers and burn-rate alerts take their place`,
      `${f1}: document 2 (SLO checkout-availability): spec.indicator.spec.ratioMetric.good.metricSource.spec.region: eu-west-1 not carried: the evaluator reads metrics in the stack's own account and region`,
      `${f1}: document 2 (SLO checkout-availability): spec.indicator.spec.ratioMetric.total.metricSource.spec.region: eu-west-1 not carried: the evaluator reads metrics in the stack's own account and region`,
      `${f1}: document 4 (SLI checkout-5xx): spec.ratioMetric.counter: ignored: CloudWatch counts are per period (Sum), not a monotonic counter`,
      `${f2}: document 2 (SLO homepage-up): spec.timeWindow[0].calendar.timeZone: Europe/Paris not carried: contract calendar windows reset at 00:00 UTC`,
      `${f2}: document 1 (SLI storefront-canary-success): spec.thresholdMetric.metricSource.spec.metricStat.period: 300 not carried: the evaluator reads 60-second periods`,
      `${f2}: document 2 (SLO homepage-up): spec.objectives[0].timeSliceTarget: 0.95 not carried: a contract period is good when the period's statistic (Average) meets the comparison, as with timeSliceTarget 1`,
      `${f2}: document 3 (SLO search-latency-p99): spec.budgetingMethod: Occurrences over a thresholdMetric counts data points: converted to a timeslice with 1-minute periods (one data point each); for request latency a \`latency\` SLI (share of requests under a threshold) is usually what you mean`,
      `${f2}: document 3 (SLO search-latency-p99): spec.timeWindow: differs from the window of homepage-up in service storefront: a contract has one window, so it becomes a contract of its own, search-latency-p99`,
    ]);
  });
});

describe('import: documents that cannot be converted, with their messages', () => {
  const result = importFiles('unconvertible.yaml');
  const f = `${DIR}/unconvertible.yaml`;

  /** [document, path, message fragment]. */
  const cases: [string, string, string][] = [
    ['document 1 (SLO prometheus-source)', 'spec.indicator.spec.ratioMetric.good.metricSource.type', 'a Prometheus metric cannot be converted: the evaluator reads CloudWatch'],
    ['document 2 (SLO ratio-timeslices)', 'spec.budgetingMethod', 'RatioTimeslices cannot be converted'],
    ['document 3 (SLO timeslices-over-ratio)', 'spec.budgetingMethod', 'Timeslices over a ratioMetric cannot be converted'],
    ['document 4 (SLO rolling-month)', 'spec.timeWindow[0].duration', 'a rolling 1M window cannot be converted: a contract\'s rolling window is whole days up to 90d'],
    ['document 5 (SLO rolling-too-long)', 'spec.timeWindow[0].duration', 'a rolling 13w window cannot be converted'],
    ['document 6 (SLO calendar-week)', 'spec.timeWindow[0].duration', 'a calendar 1w window cannot be converted: contracts have calendar windows of one month (1M) or one quarter (1Q)'],
    ['document 7 (SLO missing-sli)', 'spec.indicatorRef', 'no SLI named "no-such-sli" in the files given: pass the file that defines it too'],
    ['document 8 (SLO raw-ratio)', 'spec.indicator.spec.ratioMetric.raw', 'a precomputed ratio (raw) cannot be converted'],
    ['document 9 (SLO metrics-insights)', 'spec.indicator.spec.thresholdMetric.metricSource.spec.sql', 'a CloudWatch query (Metrics Insights SQL, metric math or a JSON query) cannot be converted'],
    ['document 10 (SLO threshold-without-op)', 'spec.objectives[0].op', 'a thresholdMetric objective needs op: lte, lt, gte or gt'],
    ['document 11 (SLO composite)', 'spec.objectives', 'a composite SLO (an indicator per objective) cannot be converted'],
    ['document 12 (SLO old-version)', 'apiVersion', 'only openslo/v1 documents are converted, not "openslo/v1alpha"'],
    ['document 13 (AlertPolicy page-on-fast-burn)', '', 'AlertPolicy is not converted'],
  ];

  it.each(cases)('%s: %s', (where, path, fragment) => {
    const hit = result.notConverted.filter((i) => i.file === f && i.where === where && i.path === path);
    expect(hit, result.notConverted.map(formatOpensloIssue).join('\n')).toHaveLength(1);
    expect(hit[0]?.message).toContain(fragment);
  });

  it('lists nothing else, and produces no contract', () => {
    expect(result.notConverted).toHaveLength(cases.length);
    expect(result.contracts).toEqual([]);
  });

  it('a YAML error, an alias bomb or deep nesting in an OpenSLO file is one issue, not a crash', () => {
    const bomb = `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n`;
    expect(parseOpensloText(bomb, 'b.yaml').issues.map(formatOpensloIssue)).toEqual([
      'b.yaml: document 1: aliases (*name) expand into more than 100 nodes from one anchor: refused as a YAML alias bomb; write the values out instead',
    ]);
    expect(parseOpensloText(`a: ${'['.repeat(5_000)}`, 'd.yaml').issues).toHaveLength(1);
    expect(parseOpensloText('a: [1\n', 's.yaml').issues[0]?.where).toBe('document 1');
  });
});

describe('export and the round trip', () => {
  const sets: [string, string[]][] = [
    ['the example contracts', ['contracts/']],
    ['the good fixtures (latency in seconds, a .yml file)', ['test/contracts/fixtures/good']],
    ['a latency SLI in milliseconds, a bad/total ratio, a timeslice with == and noData bad', [`${DIR}/round-trip-extra.yaml`]],
  ];

  function load(paths: string[]): LoadedContract[] {
    const loaded = loadContracts(paths, { nowMs: NOW });
    expect(loaded.errors).toEqual([]);
    return loaded.contracts;
  }

  function reimport(text: string): ImportResult {
    return importOpenslo(parseAllDocuments(text).map((d, i) => ({ file: 'exported.yaml', document: i + 1, data: d.toJS() as unknown })));
  }

  it.each(sets)('%s: contract -> OpenSLO -> contract gives the same contract', (_, paths) => {
    const contracts = load(paths);
    const exported = exportOpenslo(contracts);
    const back = reimport(exported.text);
    expect(back.notConverted).toEqual([]);
    expect(back.dropped).toEqual([]);
    expect(back.contracts.map((c) => c.fillIn)).toEqual(contracts.map(() => []));
    const reparsed = back.contracts.map((c) => parseContractText(c.text, `${c.name}.yaml`));
    for (const r of reparsed) expect(r.errors).toEqual([]);
    expect(reparsed.map((r) => r.contract)).toEqual(contracts.map((c) => c.contract));
  });

  it.each(sets)('%s: without our annotations (another tool\'s view) the objectives, windows, targets and metrics survive', (_, paths) => {
    const contracts = load(paths);
    const bare = exportOpenslo(contracts).text.replace(/^ {4}slo-contracts\.dev\/.*\n/gm, '');
    expect(bare).not.toContain('slo-contracts.dev');
    const back = reimport(bare);
    // A `==` comparison has no OpenSLO op: without its annotation that SLO cannot be read back (export lists it).
    const unreadable = contracts.flatMap((c) => c.contract.spec.objectives.filter((o) => o.sli.timeslice?.good.startsWith('==')).map((o) => `${c.contract.metadata.name}-${o.name}`));
    expect(back.notConverted.map((i) => [i.where.replace(/^document \d+ \(SLO (.*)\)$/, '$1'), i.path])).toEqual(unreadable.map((n) => [n, 'spec.objectives[0].op']));
    for (const original of contracts) {
      const c = back.contracts.find((x) => x.name === original.contract.metadata.name);
      const filled = parseContractText(fillIn(c?.text ?? ''), 'x.yaml');
      expect(filled.errors).toEqual([]);
      const got = filled.contract;
      const expected = original.contract.spec.objectives.filter((o) => !o.sli.timeslice?.good.startsWith('=='));
      expect(got?.spec.window).toEqual(original.contract.spec.window);
      expect(got?.metadata.journey).toBe(original.contract.metadata.journey);
      expect(got?.spec.objectives.map((o) => [o.name, o.target, o.description])).toEqual(expected.map((o) => [o.name, o.target, o.description]));
      expected.forEach((o, i) => {
        const sli = got?.spec.objectives[i]?.sli;
        if (o.sli.latency) {
          // Without the unit annotation, a latency SLI reads back as the ratio of the same statistics the evaluator queries.
          const m = o.sli.latency.metric;
          const base = { namespace: m.namespace, metric: m.metric, dimensions: m.dimensions };
          // e.g. 300ms on a metric in seconds -> TC(:0.3); 250ms in milliseconds -> TC(:250).
          const ms = Number(/^(\d+)ms$/.exec(o.sli.latency.threshold)?.[1]);
          const threshold = m.unit === 'seconds' ? ms / 1000 : ms;
          expect(sli).toEqual({ ratio: { good: { ...base, stat: `TC(:${threshold})` }, total: { ...base, stat: 'SampleCount' } } });
        } else if (o.sli.timeslice && o.sli.timeslice.noData !== 'skip') {
          // noData has no OpenSLO field: without the annotation the default (skip) comes back.
          expect(sli).toEqual({ timeslice: { ...o.sli.timeslice, noData: 'skip' } });
        } else {
          expect(sli).toEqual(o.sli);
        }
      });
    }
  });

  it('writes valid OpenSLO v1: names, references, targets as ratios, one time window, string annotations', () => {
    const contracts = load(['contracts/', `${DIR}/round-trip-extra.yaml`]);
    const docs = parseAllDocuments(exportOpenslo(contracts).text).map((d) => d.toJS() as Record<string, any>);
    const byKind = (k: string) => docs.filter((d) => d.kind === k);
    expect(docs.every((d) => d.apiVersion === 'openslo/v1')).toBe(true);
    expect(byKind('Service').map((d) => d.metadata.name)).toEqual(['storefront-canary', 'checkout', 'login', 'api']);
    const sliNames = new Set(byKind('SLI').map((d) => d.metadata.name));
    for (const d of docs) {
      expect(d.metadata.name).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
      for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
        expect(k).toMatch(/^slo-contracts\.dev\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(typeof v).toBe('string');
      }
    }
    for (const slo of byKind('SLO')) {
      expect(sliNames.has(slo.spec.indicatorRef)).toBe(true);
      expect(slo.spec.timeWindow).toHaveLength(1);
      expect(['Occurrences', 'Timeslices']).toContain(slo.spec.budgetingMethod);
      expect(typeof slo.spec.service).toBe('string');
      for (const o of slo.spec.objectives) {
        expect(o.target).toBeGreaterThan(0);
        expect(o.target).toBeLessThan(1);
      }
    }
    const checkoutAvailability = byKind('SLO').find((d) => d.metadata.name === 'checkout-availability');
    expect(checkoutAvailability?.spec.objectives).toEqual([{ displayName: 'availability', target: 0.999 }]);
    expect(checkoutAvailability?.spec.timeWindow).toEqual([{ duration: '30d', isRolling: true }]);
    const latency = byKind('SLI').find((d) => d.metadata.name === 'checkout-latency');
    // 300ms on a metric published in seconds: TC(:0.3) of SampleCount, as the evaluator reads it.
    expect(latency?.spec.ratioMetric.good.metricSource.spec.stat).toBe('TC(:0.3)');
    expect(latency?.spec.ratioMetric.total.metricSource.spec.stat).toBe('SampleCount');
    const canary = byKind('SLO').find((d) => d.metadata.name === 'storefront-canary-homepage-up');
    expect(canary?.spec.timeWindow).toEqual([{ duration: '1M', isRolling: false, calendar: { startTime: '2020-01-01 00:00:00', timeZone: 'UTC' } }]);
    expect(canary?.spec.objectives).toEqual([{ displayName: 'homepage-up', target: 0.995, timeSliceTarget: 1, timeSliceWindow: '5m', op: 'gte', value: 100 }]);
  });

  it('says what other tools will not read', () => {
    const { notes } = exportOpenslo(load([`${DIR}/round-trip-extra.yaml`]));
    expect(notes).toEqual([
      `${DIR}/round-trip-extra.yaml: owner, sign-offs, review date, policy, gates, notify, exclusions and minEvents have no OpenSLO field: carried in slo-contracts.dev annotations on Service api (other tools ignore them)`,
      `${DIR}/round-trip-extra.yaml: objective healthy: comparison "== 1" has no OpenSLO op (lte, lt, gte, gt): carried only in the ${ANNOTATIONS.good} annotation`,
      `${DIR}/round-trip-extra.yaml: objective healthy: noData: bad has no OpenSLO field: carried in the ${ANNOTATIONS.noData} annotation`,
    ]);
  });
});
