/**
 * Messages that tell the truth: subjects that keep the new tier however long the names, tier changes whose
 * gate lines say what actually happened in the run that sends them, gate messages naming the account.
 */
import { describe, expect, it } from 'vitest';
import type { Assessment } from '../../functions/core/assess.ts';
import { fitSubject, freezeMessage, GATE_LINES_PLACEHOLDER, overrideMessage, tierChangeMessage, unfreezeMessage, withGateLines, type GateLine } from '../../functions/core/messages.ts';
import type { GateRef } from '../../functions/ports.ts';
import { checkout, T0 } from '../support/contracts.ts';

type Ok = Extract<Assessment, { status: 'ok' }>;
const ASSESSMENT: Ok = {
  status: 'ok',
  remainingPct: -66.7,
  events: 18_000,
  badEvents: 300,
  allowedBad: 180,
  burnRates: { '5m': 60, '1h': 5 },
  firing: [],
  forecast24h: { exhaustedAt: T0, alreadyExhausted: true, burnRate: 1.67 },
  forecast6h: { exhaustedAt: T0, alreadyExhausted: true, burnRate: 1.67 },
};

const WEB: GateRef = { pipeline: 'shop-web', stage: 'Production' };
const PAYMENTS: GateRef = { pipeline: 'shop-payments', stage: 'Production' };
const REMOTE: GateRef = { pipeline: 'shop-web', stage: 'Production', account: '111122223333', region: 'eu-west-1' };

function tierChange(contractName = 'checkout', objectiveName = 'availability', to = 'exhausted') {
  const base = checkout({}, contractName);
  const contract = { ...base, spec: { ...base.spec, objectives: base.spec.objectives.map((o) => ({ ...o, name: objectiveName })) } };
  const tiers = contract.spec.policy.tiers;
  const toTier = tiers.find((t) => t.name === to)!;
  return tierChangeMessage(
    {
      contract,
      objective: contract.spec.objectives[0]!,
      from: tiers[0]!,
      to: toTier,
      assessment: ASSESSMENT,
      atMs: T0,
      gates: [
        { gate: WEB, frozenByTier: toTier.freeze !== 'none' },
        { gate: PAYMENTS, frozenByTier: toTier.freeze === 'all' },
      ],
    },
    'page',
  );
}

describe('fitSubject', () => {
  it('leaves a subject of 100 characters or fewer as it is', () => {
    expect(fitSubject(['[SLO page] ', { name: 'checkout' }, ' -> exhausted'])).toBe('[SLO page] checkout -> exhausted');
  });

  it('shortens the longest names first, each with an ellipsis, and keeps the rest whole', () => {
    const subject = fitSubject(['[SLO page] ', { name: 'c'.repeat(40) }, '/', { name: 'o'.repeat(80) }, ': healthy -> exhausted (-67 % budget left)']);
    expect(subject).toHaveLength(100);
    // 100 - 54 fixed characters leaves 46 for the two names: 23 each, 20 characters and `...`.
    expect(subject).toBe(`[SLO page] ${'c'.repeat(20)}.../${'o'.repeat(20)}...: healthy -> exhausted (-67 % budget left)`);
  });

  it('keeps the new tier of a tier change within 100 characters with names at their longest', () => {
    const m = tierChange('c'.repeat(40), 'an-objective-name-far-longer-than-anybody-would-write-in-a-contract-file');
    expect(m.subject.length).toBeLessThanOrEqual(100);
    expect(m.subject.endsWith(': healthy -> exhausted (-67 % budget left)')).toBe(true);
    expect(m.subject).toMatch(/^\[SLO page\] c+\.\.\.\/an-objective-name-f.*\.\.\.: /);
  });

  it('shortens a long gate name in a freeze subject, not the event', () => {
    const m = freezeMessage({ pipeline: 'p'.repeat(100), stage: 's'.repeat(100), contracts: ['checkout'], holders: ['checkout#availability'], atMs: T0 });
    expect(m.subject.length).toBeLessThanOrEqual(100);
    expect(m.subject.startsWith('[SLO ticket] deployments frozen: ppp')).toBe(true);
    expect(m.subject.endsWith('...')).toBe(true);
  });
});

describe('tier changes say what happened to each gate in the run that sends them', () => {
  const lines: Record<string, GateLine> = {
    'shop-web/Production': { action: 'froze', status: 'frozen now (held by checkout#availability)' },
    'shop-payments/Production': { action: 'pending', status: 'pending: CodePipeline did not answer in time; retried next run' },
  };
  const lineOf = (g: GateRef) => lines[`${g.pipeline}/${g.stage}`];

  it('is recorded with a placeholder and the gates, and rendered per gate when sent', () => {
    const recorded = tierChange();
    expect(recorded.text).toContain(GATE_LINES_PLACEHOLDER);
    expect(recorded.gateReport?.gates).toHaveLength(2);
    const sent = withGateLines(recorded, lineOf);
    expect(sent.gateReport).toBeUndefined();
    expect(sent.text).not.toContain(GATE_LINES_PLACEHOLDER);
    expect(sent.text.split('\n').slice(-3)).toEqual([
      'Deployments:',
      '- shop-web/Production: frozen now (held by checkout#availability)',
      '- shop-payments/Production: pending: CodePipeline did not answer in time; retried next run',
    ]);
    expect(sent.json.gates).toEqual([
      { gate: 'shop-web/Production', frozenByTier: true, action: 'froze', status: 'frozen now (held by checkout#availability)' },
      { gate: 'shop-payments/Production', frozenByTier: true, action: 'pending', status: 'pending: CodePipeline did not answer in time; retried next run' },
    ]);
    // What the policy freezes stays in the JSON as before.
    expect(sent.json.freezes).toEqual(['shop-web/Production', 'shop-payments/Production']);
  });

  it('names a held-by-person, failed or missing gate as such, never as frozen', () => {
    const sent = withGateLines(tierChange(), (g) =>
      g.pipeline === 'shop-web'
        ? { action: 'held-by-person', status: 'held by a person in the console, not by slo-contracts (their reason: release freeze)' }
        : { action: 'error', status: 'not found: check the pipeline and stage names in the contract' },
    );
    expect(sent.text).toContain('- shop-web/Production: held by a person in the console, not by slo-contracts (their reason: release freeze)');
    expect(sent.text).toContain('- shop-payments/Production: not found: check the pipeline and stage names in the contract');
    expect(sent.text).not.toMatch(/Deployments frozen/);
  });

  it('says a gate was not reconciled when the run did not reach it', () => {
    const sent = withGateLines(tierChange(), () => undefined);
    expect(sent.text).toContain('- shop-web/Production: not reconciled in this run (see the evaluator logs); retried next run');
  });

  it('on a tier that freezes nothing lists only the gates where something happened', () => {
    const recovered = tierChange('checkout', 'availability', 'warning');
    const sent = withGateLines(recovered, (g) => (g.pipeline === 'shop-web' ? { action: 'unfroze', status: 'unfrozen now' } : { action: 'none', status: 'open' }));
    expect(sent.text.split('\n').slice(-2)).toEqual(['Deployments:', '- shop-web/Production: unfrozen now']);
    const quiet = withGateLines(recovered, () => ({ action: 'none', status: 'open' }));
    expect(quiet.text.split('\n').at(-1)).toBe('Deployments: no freeze in tier warning');
  });

  it('leaves messages without gates untouched', () => {
    const m = freezeMessage({ ...WEB, contracts: ['checkout'], holders: [], atMs: T0 });
    expect(withGateLines(m, () => undefined)).toBe(m);
  });
});

describe('gate messages', () => {
  it('name a gate in another account by account and region, in text, subject and JSON', () => {
    const m = freezeMessage({ ...REMOTE, contracts: ['checkout'], holders: ['checkout#availability'], atMs: T0, reason: 'slo-contracts froze this stage' });
    expect(m.subject).toBe('[SLO ticket] deployments frozen: 111122223333/eu-west-1/shop-web/Production');
    expect(m.text).toContain('Deployments into shop-web/Production in account 111122223333 (eu-west-1) are frozen');
    expect(m.json).toMatchObject({ pipeline: 'shop-web', stage: 'Production', account: '111122223333', region: 'eu-west-1', gate: '111122223333/eu-west-1/shop-web/Production' });
    const u = unfreezeMessage({ ...REMOTE, contracts: ['checkout'], holders: [], atMs: T0 });
    expect(u.subject).toBe('[SLO info] deployments unfrozen: 111122223333/eu-west-1/shop-web/Production');
  });

  it('keep the stack-account gate JSON as it was', () => {
    const m = freezeMessage({ ...WEB, contracts: ['checkout'], holders: ['checkout#availability'], atMs: T0 });
    expect(m.json).toEqual({ event: 'freeze', pipeline: 'shop-web', stage: 'Production', holders: ['checkout#availability'], at: new Date(T0).toISOString(), reason: null });
  });

  it('an override subject shortens the scope and the person, not what happened', () => {
    const m = overrideMessage(
      { id: 'x', scope: `gate:${'p'.repeat(100)}/${'s'.repeat(100)}`, by: 'arn:aws:iam::123456789012:user/a-very-long-user-name', reason: 'r', createdAt: T0, until: T0 + 1, source: 'console' },
      T0,
      'note',
    );
    expect(m.subject.length).toBeLessThanOrEqual(100);
    expect(m.subject.startsWith('[SLO ticket] freeze override on gate:ppp')).toBe(true);
    expect(m.subject).toContain(' by arn:aws:iam::');
  });
});
