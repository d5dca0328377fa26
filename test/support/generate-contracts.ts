/**
 * Many valid contracts as YAML files, the way a large platform would write them: every SLI kind, one or two
 * objectives, 20 teams' addresses, 10 pager parameters (100 contracts each: an SNS filter policy holds at
 * most 150 values), and a gate on one contract in 20 (one in four of those in another account).
 * Deterministic: contract i is the same on every run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const TEAMS = 20;
const PAGERS = 10;

/** The YAML of contract number `i`. */
export function generatedContract(i: number): string {
  const name = `journey-${String(i).padStart(4, '0')}`;
  const lb = `app/${name}/${(i * 7919).toString(16)}`;
  const ratio = [
    '    - name: availability',
    `      target: ${[99, 99.5, 99.9, 99.95][i % 4]}`,
    '      sli:',
    '        ratio:',
    `          good: { namespace: AWS/ApplicationELB, metric: HTTPCode_Target_2XX_Count, dimensions: { LoadBalancer: ${lb} } }`,
    `          total: { namespace: AWS/ApplicationELB, metric: RequestCount, dimensions: { LoadBalancer: ${lb} } }`,
  ];
  const latency = [
    '    - name: latency',
    '      target: 99',
    '      sli:',
    '        latency:',
    `          metric: { namespace: AWS/ApplicationELB, metric: TargetResponseTime, unit: seconds, dimensions: { LoadBalancer: ${lb} } }`,
    `          threshold: ${[200, 300, 500][i % 3]}ms`,
  ];
  const timeslice = [
    '    - name: canary',
    '      target: 99.5',
    '      sli:',
    '        timeslice:',
    `          metric: { namespace: CloudWatchSynthetics, metric: SuccessPercent, dimensions: { CanaryName: ${name} }, stat: Average }`,
    '          good: ">= 100"',
    '          period: 1m',
  ];
  const objectives = [ratio, ratio.concat(latency), timeslice][i % 3] as string[];
  const gate = i % 20 === 0 ? `  gates:\n    - { pipeline: pipeline-${i % 200}, stage: Prod-${i}${i % 80 === 0 ? ', account: "222222222222"' : ''} }\n` : '';
  return [
    'apiVersion: slo-contracts/v1',
    'kind: SloContract',
    'metadata:',
    `  name: ${name}`,
    `  journey: User can complete journey ${i}`,
    `  owner: team-${i % TEAMS}`,
    'spec:',
    '  signedOff:',
    '    - { role: engineering, by: Ana Ortiz, on: 2026-11-02 }',
    '    - { role: product, by: Sam Lee, on: 2026-11-03 }',
    '    - { role: business, by: Kim Park, on: 2026-11-05 }',
    '  reviewBy: 2027-02-01',
    `  window: ${i % 2 === 0 ? '{ rolling: 30d }' : '{ calendar: month }'}`,
    '  objectives:',
    ...objectives,
    '  policy: {}',
    gate.trimEnd(),
    '  notify:',
    `    email: [team-${i % TEAMS}@example.com]`,
    `    pager: { ssmParameter: /oncall/pager-${i % PAGERS} }`,
    '',
  ]
    .filter((line, n, all) => line !== '' || n === all.length - 1)
    .join('\n');
}

/** Writes contracts 0..count-1 into `dir` (one file each) and returns the folder. */
export function writeGeneratedContracts(dir: string, count: number): string {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(path.join(dir, `journey-${String(i).padStart(4, '0')}.yaml`), generatedContract(i));
  return dir;
}
