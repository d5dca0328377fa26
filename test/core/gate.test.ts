/**
 * The pure gate decision (functions/core/gate.ts): sentence-named cases with their whole decision kept as
 * golden JSON (test/core/golden/gate/), every combination of record x transition x holders x override in
 * one golden table, and properties that hold for any input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideGate, gateOutcome, GateDecisionError, isOurs, needsTransition, type GateDecision, type GateDecisionInput } from '../../functions/core/gate.ts';
import { REASON_PREFIX } from '../../functions/core/reason.ts';
import type { GateClaim, GateState, Override, TransitionState } from '../../functions/ports.ts';

const MIN = 60_000;
const NOW = Date.parse('2026-11-20T14:05:00Z');
const GATE = { pipeline: 'shop-web', stage: 'Production' };
const HOLDER = 'checkout#availability';
const OTHER = 'login#latency';
const OUR_REASON = `${REASON_PREFIX} - checkout availability budget frozen (20 pct) since 2026-11-20 13.00 UTC`;
const THIS_RUN = 'run-b';

const T = {
  enabled: { enabled: true, lastChangedBy: 'arn:aws:iam::1:user/vp-eng', lastChangedAt: NOW - 3 * MIN },
  ours: { enabled: false, disabledReason: OUR_REASON, lastChangedBy: 'arn:aws:sts::1:assumed-role/slo/evaluator', lastChangedAt: NOW - 10 * MIN },
  person: { enabled: false, disabledReason: 'release freeze for the holidays', lastChangedBy: 'arn:aws:iam::1:user/kim', lastChangedAt: NOW - 2 * MIN },
} satisfies Record<string, TransitionState>;

const claim = (over: Partial<GateClaim>): GateClaim => ({ id: 'run-a', effect: 'disable', reason: OUR_REASON, at: NOW - 5 * MIN, leaseUntil: NOW - 4 * MIN, ...over });

function record(over: Partial<GateState> = {}): GateState {
  return { ...GATE, holders: {}, disabledByUs: false, version: 3, outbox: {}, ...over };
}
const frozenByUs = (over: Partial<GateState> = {}) => record({ holders: { [HOLDER]: NOW - HOUR }, disabledByUs: true, disabledAt: NOW - HOUR, disabledReason: OUR_REASON, ...over });
const HOUR = 60 * MIN;

const GATE_OVERRIDE: Override = { id: 'cmd-1', scope: 'gate:shop-web/Production', by: 'VP Eng', reason: 'hotfix', createdAt: NOW - MIN, until: NOW + 2 * HOUR, source: 'command' };

function input(over: Partial<GateDecisionInput> = {}): GateDecisionInput {
  return {
    gate: GATE,
    record: record(),
    transition: undefined,
    wanted: {},
    uncertain: [],
    override: undefined,
    contracts: ['checkout'],
    holderInfo: { [HOLDER]: { tier: 'frozen', remainingPct: 20.4 } },
    now: NOW,
    overrideHonourMs: 4 * HOUR,
    claimId: THIS_RUN,
    claimLeaseMs: MIN,
    ...over,
  };
}
const wanted = { [HOLDER]: NOW - HOUR };

/** What people are told, compactly: `freeze shop-web/Production`. */
const told = (d: GateDecision) => d.messages.map((m) => `${m.attributes.event} ${String(m.json.pipeline ?? '')}/${String(m.json.stage ?? '')}`.replace(/ \/$/, ''));

interface Case {
  input: Partial<GateDecisionInput>;
  action: GateDecision['action'];
  effect?: 'disable' | 'enable';
  told?: string[];
  history?: string[];
  disabledByUs?: boolean;
  write?: boolean;
  /** The claim left on the record: this run's, another's, or none. */
  pending?: 'this run' | 'kept' | 'none';
}

const CASES: Record<string, Case> = {
  'an open gate nobody wants frozen is left alone without reading CodePipeline': {
    input: { record: record() },
    action: 'none',
    write: false,
    pending: 'none',
  },
  'a gate never stored is recorded open on its first run': {
    input: { record: undefined },
    action: 'none',
    write: true,
    disabledByUs: false,
  },
  'an open gate wanted frozen is claimed for a disable with the first holder in the reason': {
    input: { wanted, transition: T.enabled },
    action: 'freeze',
    effect: 'disable',
    told: [],
    disabledByUs: false,
    pending: 'this run',
  },
  'our own disable, just made, is adopted: recorded and announced once': {
    input: { wanted, record: record({ holders: wanted, pending: claim({ id: THIS_RUN, at: NOW, leaseUntil: NOW + MIN }) }), transition: { enabled: false, disabledReason: OUR_REASON } },
    action: 'adopt',
    told: ['freeze shop-web/Production'],
    history: ['freeze'],
    disabledByUs: true,
    pending: 'none',
  },
  'a freeze with our reason that no run recorded (a crash or an overlap) is adopted and announced, not taken silently': {
    input: { wanted, transition: T.ours },
    action: 'adopt',
    told: ['freeze shop-web/Production'],
    history: ['freeze'],
    disabledByUs: true,
  },
  'a claim of another run still within its lease is left to that run, without reading CodePipeline': {
    input: { wanted, record: record({ pending: claim({ leaseUntil: NOW + MIN }) }) },
    action: 'wait',
    write: false,
    pending: 'kept',
  },
  'an expired disable claim whose call took effect (the run died after calling) is adopted and announced': {
    input: { wanted, record: record({ holders: wanted, pending: claim({}) }), transition: T.ours },
    action: 'adopt',
    told: ['freeze shop-web/Production'],
    history: ['freeze'],
    disabledByUs: true,
    pending: 'none',
  },
  'an expired disable claim whose call never happened (the run died before calling) is retried': {
    input: { wanted, record: record({ holders: wanted, pending: claim({}) }), transition: T.enabled },
    action: 'freeze',
    effect: 'disable',
    pending: 'this run',
  },
  'an expired disable claim that never happened, with nobody wanting the freeze any more, is dropped in silence': {
    input: { record: record({ holders: wanted, pending: claim({}) }), transition: T.enabled },
    action: 'drop-claim',
    told: [],
    write: true,
    pending: 'none',
  },
  'a gate frozen by us and still wanted stays as it is': {
    input: { wanted, record: frozenByUs(), transition: T.ours },
    action: 'none',
    write: false,
  },
  'a gate frozen by us that nobody wants is claimed for an enable': {
    input: { record: frozenByUs(), transition: T.ours },
    action: 'unfreeze',
    effect: 'enable',
    told: [],
    disabledByUs: true,
    pending: 'this run',
  },
  'our own enable, just made, is recorded and announced once': {
    input: { record: frozenByUs({ pending: claim({ id: THIS_RUN, effect: 'enable', at: NOW, leaseUntil: NOW + MIN }) }), transition: { enabled: true } },
    action: 'record-unfreeze',
    told: ['unfreeze shop-web/Production'],
    history: ['unfreeze'],
    disabledByUs: false,
    pending: 'none',
  },
  'an expired enable claim whose call took effect is recorded and announced': {
    input: { record: frozenByUs({ pending: claim({ effect: 'enable' }) }), transition: { enabled: true } },
    action: 'record-unfreeze',
    told: ['unfreeze shop-web/Production'],
    history: ['unfreeze'],
    disabledByUs: false,
  },
  'an expired enable claim that never happened is retried while nobody wants the freeze': {
    input: { record: frozenByUs({ pending: claim({ effect: 'enable' }) }), transition: T.ours },
    action: 'unfreeze',
    effect: 'enable',
    pending: 'this run',
  },
  'an expired enable claim that never happened, wanted frozen again, keeps the freeze in silence': {
    input: { wanted, record: frozenByUs({ pending: claim({ effect: 'enable' }) }), transition: T.ours },
    action: 'drop-claim',
    told: [],
    disabledByUs: true,
    pending: 'none',
  },
  'a gate override in force lifts our freeze': {
    input: { wanted, override: GATE_OVERRIDE, record: frozenByUs(), transition: T.ours },
    action: 'unfreeze',
    effect: 'enable',
  },
  'a transition a person re-enabled while we held it, still wanted frozen, becomes their announced override': {
    input: { wanted, record: frozenByUs(), transition: T.enabled },
    action: 'record-override',
    told: ['override'],
    history: ['override'],
    disabledByUs: false,
  },
  'a transition a person re-enabled after nobody needed the freeze is announced as unfrozen, by them': {
    input: { record: frozenByUs(), transition: T.enabled },
    action: 'record-unfreeze',
    told: ['unfreeze shop-web/Production'],
    history: ['unfreeze'],
    disabledByUs: false,
  },
  'a transition a person disabled with their own reason is never taken over': {
    input: { wanted, transition: T.person },
    action: 'held-by-person',
    told: [],
    disabledByUs: false,
  },
  'our freeze a person re-disabled with their own reason is theirs now, on the record': {
    input: { wanted, record: frozenByUs(), transition: T.person },
    action: 'held-by-person',
    history: ['released-to-person'],
    disabledByUs: false,
  },
  'when nobody needs our freeze and a person re-disabled it, it is released to them and never enabled': {
    input: { record: frozenByUs(), transition: T.person },
    action: 'release-to-person',
    told: [],
    history: ['released-to-person'],
    disabledByUs: false,
  },
  'a holder whose state is uncertain this run keeps our freeze': {
    input: { uncertain: [HOLDER], record: frozenByUs(), transition: T.ours },
    action: 'none',
    write: false,
    disabledByUs: true,
  },
  'a freeze held by two objectives stays while one of them still wants it': {
    input: { wanted: { [OTHER]: NOW }, record: frozenByUs({ holders: { [HOLDER]: NOW - HOUR, [OTHER]: NOW } }), transition: T.ours },
    action: 'none',
    write: true,
    disabledByUs: true,
  },
  'a run that recorded a console override and died before the gate write is finished by the next run': {
    input: {
      record: frozenByUs(),
      override: { ...GATE_OVERRIDE, id: `console-shop-web-Production-${NOW - HOUR}`, source: 'console', by: 'arn:aws:iam::1:user/vp-eng' },
      transition: T.enabled,
    },
    action: 'record-override',
    history: ['override'],
    disabledByUs: false,
  },
  'a gate in another account is named with its account and region': {
    input: { gate: { ...GATE, account: '111122223333', region: 'eu-west-1' }, record: undefined, wanted, transition: T.ours },
    action: 'adopt',
    told: ['freeze shop-web/Production'],
    history: ['freeze'],
    disabledByUs: true,
  },
};

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

describe('decideGate', () => {
  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const i = input(c.input);
    const d = decideGate(i);
    expect(d.action).toBe(c.action);
    const effect = 'effect' in d ? d.effect.kind : undefined;
    expect(effect).toBe(c.effect);
    if (c.told) expect(told(d)).toEqual(c.told);
    if (c.history) expect(d.history.map((h) => h.type)).toEqual(c.history);
    if (c.disabledByUs !== undefined) expect(d.next.disabledByUs).toBe(c.disabledByUs);
    if (c.write !== undefined) expect(d.write).toBe(c.write);
    if (c.pending === 'this run') expect(d.next.pending).toMatchObject({ id: THIS_RUN, at: NOW, leaseUntil: NOW + MIN, effect: c.effect });
    if (c.pending === 'none') expect(d.next.pending).toBeUndefined();
    if (c.pending === 'kept') expect(d.next.pending).toEqual(i.record?.pending);
    // Whatever is announced rides in the record's outbox, written with the change.
    expect(Object.values(d.next.outbox).map((n) => n.message)).toEqual(d.messages);
    if (d.write) expect(d.next.version).toBe((i.record?.version ?? 0) + 1);
    await expect(`${JSON.stringify({ input: i, decision: d }, null, 2)}\n`).toMatchFileSnapshot(`golden/gate/${slug(name)}.json`);
  });

  it('names the first holder, its tier and budget in the console reason', () => {
    const d = decideGate(input({ wanted, transition: T.enabled }));
    expect(d.action === 'freeze' && d.effect.reason).toBe(`${REASON_PREFIX} - checkout availability budget frozen (20 pct) since 2026-11-20 13.05 UTC`);
  });

  it('gives a console override a stable id and the honour time from now', () => {
    const d = decideGate(input({ wanted, record: frozenByUs(), transition: T.enabled }));
    expect(d.action === 'record-override' && d.override).toEqual({
      id: `console-shop-web-Production-${NOW - HOUR}`,
      scope: 'gate:shop-web/Production',
      by: 'arn:aws:iam::1:user/vp-eng',
      reason: 'Inbound transition re-enabled in the console while frozen by slo-contracts',
      createdAt: NOW - 3 * MIN,
      until: NOW + 4 * HOUR,
      source: 'console',
    });
  });

  it('announces an adopted freeze to every contract of the gate, with the holders and the reason CodePipeline shows', () => {
    const d = decideGate(input({ wanted, contracts: ['checkout', 'search'], transition: T.ours }));
    const [m] = d.messages;
    expect(m?.attributes).toMatchObject({ event: 'freeze', contract: ['checkout', 'search'] });
    expect(m?.json).toMatchObject({ holders: [HOLDER], reason: OUR_REASON });
    expect(d.history[0]?.detail).toMatchObject({ adopted: true });
  });

  it('refuses to decide without a transition it needs (a caller bug, not a gate state)', () => {
    expect(() => decideGate(input({ wanted }))).toThrow(GateDecisionError);
  });
});

describe('needsTransition', () => {
  it.each([
    ['an open gate nobody wants frozen', input(), false],
    ['a gate wanted frozen', input({ wanted }), true],
    ['a gate frozen by us', input({ record: frozenByUs() }), true],
    ['a gate under a live claim of another run', input({ wanted, record: record({ pending: claim({ leaseUntil: NOW + 1 }) }) }), false],
    ['a gate under a claim whose lease ended exactly now', input({ record: record({ pending: claim({ leaseUntil: NOW }) }) }), true],
    ['a gate under our own claim', input({ record: record({ pending: claim({ id: THIS_RUN, leaseUntil: NOW + MIN }) }) }), true],
    ['a gate wanted frozen under a gate override, open', input({ wanted, override: GATE_OVERRIDE }), false],
  ])('%s: %s', (_name, i, expected) => {
    expect(needsTransition(i)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Every combination, in one golden table.

const RECORDS: Record<string, GateState | undefined> = {
  'never stored': undefined,
  open: record(),
  'frozen by us': frozenByUs(),
  'our disable claim': record({ holders: wanted, pending: claim({ id: THIS_RUN, at: NOW, leaseUntil: NOW + MIN }) }),
  'our enable claim': frozenByUs({ pending: claim({ id: THIS_RUN, effect: 'enable', at: NOW, leaseUntil: NOW + MIN }) }),
  "another run's live claim": record({ pending: claim({ leaseUntil: NOW + MIN }) }),
  'expired disable claim': record({ holders: wanted, pending: claim({}) }),
  'expired enable claim': frozenByUs({ pending: claim({ effect: 'enable' }) }),
};
const TRANSITIONS: Record<string, TransitionState> = { enabled: T.enabled, 'disabled with our reason': T.ours, 'disabled by a person': T.person };
const HOLDERS: Record<string, Pick<GateDecisionInput, 'wanted' | 'uncertain'>> = {
  wanted: { wanted, uncertain: [] },
  'not wanted': { wanted: {}, uncertain: [] },
  'recorded holder uncertain': { wanted: {}, uncertain: [HOLDER] },
};
const OVERRIDES: Record<string, Override | undefined> = { 'no override': undefined, 'gate override': GATE_OVERRIDE };

describe('decideGate over every combination', () => {
  it('matches the golden table (record x transition x holders x override)', async () => {
    const rows: string[] = [];
    for (const [r, rec] of Object.entries(RECORDS)) {
      for (const [h, holders] of Object.entries(HOLDERS)) {
        for (const [o, override] of Object.entries(OVERRIDES)) {
          const base = input({ record: rec, override, ...holders });
          // A transition only where the decision reads one; otherwise CodePipeline is not called at all.
          const transitions = needsTransition(base) ? Object.entries(TRANSITIONS) : [['not read', undefined] as const];
          for (const [t, transition] of transitions) {
            const d = decideGate({ ...base, transition });
            const effect = 'effect' in d ? ` ${d.effect.kind}` : '';
            const said = told(d).length ? ` told [${told(d).join(', ')}]` : '';
            const history = d.history.length ? ` history [${d.history.map((x) => x.type).join(', ')}]` : '';
            rows.push(`${r} | ${t} | ${h} | ${o} => ${d.action}${effect}${said}${history}${d.write ? ' (write)' : ''}`);
          }
        }
      }
    }
    expect(rows.length).toBeGreaterThan(100);
    await expect(`${rows.join('\n')}\n`).toMatchFileSnapshot('golden/gate/every-combination.txt');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties.

const KEYS = [HOLDER, OTHER, 'search#availability'];
const arbHolders = fc.subarray(KEYS).map((keys) => Object.fromEntries(keys.map((k, i) => [k, NOW - (i + 1) * HOUR])));
const arbTransition: fc.Arbitrary<TransitionState> = fc.constantFrom<TransitionState>(T.enabled, T.ours, T.person, { enabled: true }, { enabled: false, disabledReason: OUR_REASON });
const arbClaim: fc.Arbitrary<GateClaim | undefined> = fc.option(
  fc.record({
    id: fc.constantFrom('run-a', THIS_RUN),
    effect: fc.constantFrom<'disable' | 'enable'>('disable', 'enable'),
    at: fc.constant(NOW - 5 * MIN),
    leaseUntil: fc.integer({ min: NOW - 5 * MIN, max: NOW + 5 * MIN }),
  }),
  { nil: undefined },
);
const arbRecord: fc.Arbitrary<GateState | undefined> = fc.option(
  fc.record({ holders: arbHolders, disabledByUs: fc.boolean(), pending: arbClaim, version: fc.integer({ min: 1, max: 1000 }) }).map(({ pending, disabledByUs, ...r }) =>
    record({ ...r, disabledByUs, ...(disabledByUs ? { disabledAt: NOW - HOUR, disabledReason: OUR_REASON } : {}), ...(pending ? { pending } : {}) }),
  ),
  { nil: undefined },
);
const arbInput: fc.Arbitrary<GateDecisionInput> = fc
  .record({
    record: arbRecord,
    transition: arbTransition,
    wanted: arbHolders,
    uncertain: fc.subarray(KEYS),
    override: fc.option(fc.constant(GATE_OVERRIDE), { nil: undefined }),
  })
  .map(({ transition, ...rest }) => {
    const i = input(rest);
    return { ...i, transition: needsTransition(i) ? transition : undefined };
  });

describe('decideGate, for any input', () => {
  it('never unfreezes while a recorded holder is uncertain (without an override)', () => {
    fc.assert(
      fc.property(arbInput, (i) => {
        const uncertainHolder = Object.keys(i.record?.holders ?? {}).some((k) => i.uncertain.includes(k));
        fc.pre(uncertainHolder && i.override === undefined);
        const d = decideGate(i);
        expect(d.action).not.toBe('unfreeze');
        expect('effect' in d && d.effect.kind === 'enable').toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('never enables a transition whose reason is not ours', () => {
    fc.assert(
      fc.property(arbInput, (i) => {
        const d = decideGate(i);
        if ('effect' in d && d.effect.kind === 'enable') expect(i.transition && isOurs(i.transition)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('calls CodePipeline only under a claim of this run, written first', () => {
    fc.assert(
      fc.property(arbInput, (i) => {
        const d = decideGate(i);
        if ('effect' in d) {
          expect(d.write).toBe(true);
          expect(d.next.pending).toMatchObject({ id: THIS_RUN, effect: d.effect.kind, leaseUntil: NOW + MIN });
        } else {
          expect(d.next.pending === undefined || d.action === 'wait').toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('announces a freeze exactly when the record turns frozen-by-us on, an unfreeze exactly when it turns it off with the gate open', () => {
    fc.assert(
      fc.property(arbInput, (i) => {
        const d = decideGate(i);
        const was = i.record?.disabledByUs ?? false;
        const events = d.messages.map((m) => m.attributes.event);
        expect(events.includes('freeze')).toBe(!was && d.next.disabledByUs);
        expect(events.includes('unfreeze')).toBe(d.action === 'record-unfreeze');
        if (d.action === 'record-unfreeze') expect(was && !d.next.disabledByUs && i.transition?.enabled).toBe(true);
        if (d.messages.length) expect(d.write).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves a live claim of another run alone, and only that', () => {
    fc.assert(
      fc.property(arbInput, (i) => {
        const c = i.record?.pending;
        const live = c !== undefined && c.id !== THIS_RUN && c.leaseUntil > NOW;
        expect(decideGate(i).action === 'wait').toBe(live);
      }),
      { numRuns: 500 },
    );
  });
});

describe('gateOutcome', () => {
  it('says what happened in one line, the last recorded action telling the story', () => {
    const freeze = decideGate(input({ wanted, transition: T.enabled }));
    const adopt = decideGate(input({ wanted, record: freeze.next, transition: { enabled: false, disabledReason: OUR_REASON } }));
    const settle = decideGate(input({ wanted, record: adopt.next, transition: { enabled: false, disabledReason: OUR_REASON } }));
    expect(gateOutcome(GATE, [freeze, adopt, settle], undefined)).toMatchObject({ id: 'shop-web/Production', action: 'froze', status: `frozen now (held by ${HOLDER})` });
    expect(gateOutcome(GATE, [settle], undefined)).toMatchObject({ action: 'none', status: `already frozen (held by ${HOLDER})` });
    const person = decideGate(input({ wanted, transition: T.person }));
    expect(gateOutcome(GATE, [person], undefined).status).toBe('held by a person in the console, not by slo-contracts (their reason: release freeze for the holidays)');
    const waiting = decideGate(input({ wanted, record: record({ pending: claim({ leaseUntil: NOW + MIN }) }) }));
    expect(gateOutcome(GATE, [waiting], undefined)).toMatchObject({ action: 'pending', status: 'being changed by an overlapping run' });
    const open = decideGate(input({ wanted, override: GATE_OVERRIDE }));
    expect(gateOutcome(GATE, [open], GATE_OVERRIDE).status).toBe('open: override by VP Eng until 2026-11-20 16:05 UTC');
  });
});
