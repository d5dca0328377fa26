/** Contract builders for tests: a valid checkout contract, overridable piece by piece. */
import { ContractSchema, type Contract, type ContractInput } from '../../functions/core/contract.ts';

export const T0 = Date.parse('2026-11-02T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

type Spec = ContractInput['spec'];

/** The three sign-offs every contract needs (engineering, product, business). */
export const SIGN_OFFS: Spec['signedOff'] = [
  { role: 'engineering', by: 'Ana Ortiz', on: '2026-11-02' },
  { role: 'product', by: 'Sam Lee', on: '2026-11-03' },
  { role: 'business', by: 'Kim Park', on: '2026-11-05' },
];

/** A policy whose tiers name audiences: warning tells leadership and team-web, frozen tells chat. */
export const AUDIENCE_POLICY = {
  tiers: [
    { name: 'healthy', above: 50 },
    { name: 'warning', above: 20, notify: ['leadership', 'team-web'] },
    { name: 'frozen', above: 0, freeze: 'non-critical' as const, notify: ['chat'] },
    { name: 'exhausted', freeze: 'all' as const },
  ],
};

export function checkoutInput(spec: Partial<Spec> = {}, name = 'checkout'): ContractInput {
  return {
    apiVersion: 'slo-contracts/v1',
    kind: 'SloContract',
    metadata: { name, journey: 'User can complete a purchase', owner: 'team-payments' },
    spec: {
      signedOff: SIGN_OFFS,
      reviewBy: '2027-02-01',
      window: { rolling: '1d' },
      objectives: [
        {
          name: 'availability',
          target: 99,
          sli: {
            ratio: {
              good: { namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_2XX_Count', dimensions: { LoadBalancer: `app/${name}` }, stat: 'Sum' },
              total: { namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dimensions: { LoadBalancer: `app/${name}` }, stat: 'Sum' },
            },
          },
        },
      ],
      policy: {},
      gates: [
        { pipeline: 'shop-web', stage: 'Production', critical: false },
        { pipeline: 'shop-payments', stage: 'Production', critical: true },
      ],
      notify: { email: ['sre@example.com'] },
      ...spec,
    },
  };
}

export function checkout(spec: Partial<Spec> = {}, name = 'checkout'): Contract {
  return ContractSchema.parse(checkoutInput(spec, name));
}

/**
 * A contract's YAML through `spec.window` (metadata, the three sign-offs, the review date, the window), ending
 * in a newline: CLI and end-to-end tests append their objectives, policy and gates as text.
 */
export function contractYamlHead(o: { name: string; journey?: string; owner?: string; reviewBy?: string; window?: string }): string {
  const signed = SIGN_OFFS.map((s) => `    - { role: ${s.role}, by: ${s.by}, on: ${s.on} }`).join('\n');
  return `apiVersion: slo-contracts/v1
kind: SloContract
metadata: { name: ${o.name}, journey: ${o.journey ?? 'User can do things'}, owner: ${o.owner ?? 'team-shop'} }
spec:
  signedOff:
${signed}
  reviewBy: ${o.reviewBy ?? '2027-02-01'}
  window: ${o.window ?? '{ rolling: 1d }'}
`;
}
