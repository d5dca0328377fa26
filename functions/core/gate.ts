/**
 * The gate decision, pure: what a run should do about one gate, given what it recorded, what CodePipeline
 * shows (when read), who wants the gate frozen now, and any override. No I/O, no clock, no throws for
 * expected states: functions/usecases/reconcile-gate.ts executes what this returns.
 *
 * Exactly once. A freeze is announced and recorded by the one conditional write that turns the record's
 * `disabledByUs` on (`adopt`), an unfreeze by the one that turns it off (`record-unfreeze`), whichever run
 * or crash made the CodePipeline call. A run calls CodePipeline only after claiming the gate with a
 * conditional write (`freeze` / `unfreeze` carry the claim in `next.pending`), so of overlapping runs one
 * calls. A claim is resolved by the transition it finds: by the claimant right after its call, or by any
 * run once the lease has passed (the claimant died): ours -> adopt and announce, not done -> decide afresh.
 *
 * Never clobber people: only a transition disabled with our reason prefix is ever enabled; one that a
 * person re-enabled while we held it is their override (recorded, announced, honoured for a while).
 */
import type { GateClaim, GateRef, GateState, HistoryEntry, OutboundMessage, Override, TransitionState } from '../ports.ts';
import { freezeMessage, overrideMessage, unfreezeMessage } from './messages.ts';
import { gateId, gateRefOf } from './model.ts';
import { formatUtc, freezeReason, REASON_PREFIX } from './reason.ts';

/** What the policy's holders looked like this run: the freeze reason quotes the first holder's tier and budget. */
export interface HolderInfo {
  tier: string | null;
  /** Percent of error budget remaining; null when never computed. */
  remainingPct: number | null;
}

export interface GateDecisionInput {
  gate: GateRef;
  /** What the store holds for the gate; undefined when never stored. */
  record: GateState | undefined;
  /** The Inbound transition as CodePipeline shows it now; undefined when not read (see needsTransition). */
  transition: TransitionState | undefined;
  /** Objectives whose tier freezes the gate now (contracts under an override left out): key -> since (epoch ms). */
  wanted: Readonly<Record<string, number>>;
  /** Objective keys whose state this run could not establish: their recorded hold on the gate stays. */
  uncertain: readonly string[];
  /** A gate-scoped override in force (command or console), if any. */
  override: Override | undefined;
  /** Every contract that hears of this gate (it lists the gate, or holds it). */
  contracts: readonly string[];
  /** Tier and budget per wanted holder, for the console reason. */
  holderInfo: Readonly<Record<string, HolderInfo>>;
  /** Epoch ms. */
  now: number;
  /** How long a transition a person re-enabled in the console is honoured before freezing again (ms). */
  overrideHonourMs: number;
  /** This run's claim id: a pending claim with this id is the one this run made. */
  claimId: string;
  /** How long a claim keeps other runs away while its claimant calls CodePipeline (ms). */
  claimLeaseMs: number;
}

export type GateAction =
  /** Nothing to do (the record may still be written: holders changed, or the gate was never stored). */
  | 'none'
  /** Another run holds a live claim: leave the gate to it. */
  | 'wait'
  /** Claim, then DisableStageTransition. */
  | 'freeze'
  /** Claim, then EnableStageTransition. */
  | 'unfreeze'
  /** The transition is disabled with our reason: record it as our freeze and announce it. */
  | 'adopt'
  /** The transition is open again after we held it: record the unfreeze and announce it. */
  | 'record-unfreeze'
  /** A person re-enabled a transition we held while it is still wanted frozen: their override. */
  | 'record-override'
  /** We held it, nobody needs it now, and a person disabled it with a reason of their own: theirs now. */
  | 'release-to-person'
  /** Wanted frozen, but a person disabled it with a reason of their own: leave it, take no credit. */
  | 'held-by-person'
  /** A claim whose call did not take effect, and nothing to do now: clear it. */
  | 'drop-claim';

export type GateEffect = { kind: 'disable'; reason: string } | { kind: 'enable' };

interface DecisionBase {
  /** The record to write, version + 1 (conditional on the record's version). */
  next: GateState;
  /** False when the record stays as it is (nothing to write). */
  write: boolean;
  /** Objective keys holding the gate after this decision. */
  holders: string[];
  history: HistoryEntry[];
  /** Already placed in `next.outbox` (recorded with the change); listed here for tests and logs. */
  messages: OutboundMessage[];
  /** Why, in a few words (logs and golden files). */
  why: string;
  /** held-by-person, release-to-person: the reason the person gave in the console. */
  personReason?: string;
}

export type GateDecision =
  | (DecisionBase & { action: Exclude<GateAction, 'freeze' | 'unfreeze' | 'record-override'> })
  | (DecisionBase & { action: 'freeze'; effect: { kind: 'disable'; reason: string } })
  | (DecisionBase & { action: 'unfreeze'; effect: { kind: 'enable' } })
  | (DecisionBase & { action: 'record-override'; override: Override });

/** decideGate was asked to decide without the transition it needs (a bug in the caller, not a gate state). */
export class GateDecisionError extends Error {
  override name = 'GateDecisionError';
}

export const gateSubject = (gate: GateRef) => `gate:${gateId(gate)}`;

/** Disabled, with the reason this system gives: ours. */
export function isOurs(t: TransitionState): boolean {
  return !t.enabled && (t.disabledReason ?? '').startsWith(REASON_PREFIX);
}

/** The id of the override a console re-enable of this freeze becomes (stable, so recording it twice is harmless). */
export function consoleOverrideId(gate: GateRef, disabledAt: number | undefined): string {
  return `console-${gateId(gate).replaceAll('/', '-')}-${disabledAt ?? 0}`;
}

function claimLive(claim: GateClaim, input: { claimId: string; now: number }): boolean {
  return claim.id !== input.claimId && claim.leaseUntil > input.now;
}

/** The holders after this run: the wanted ones (keeping when they started), plus recorded ones we cannot judge. */
function holdersOf(input: Pick<GateDecisionInput, 'wanted' | 'uncertain'>, rec: GateState | undefined): Record<string, number> {
  const holders: Record<string, number> = {};
  for (const [key, since] of Object.entries(input.wanted)) holders[key] = rec?.holders[key] ?? since;
  for (const [key, since] of Object.entries(rec?.holders ?? {})) if (input.uncertain.includes(key)) holders[key] = since;
  return holders;
}

function wantsFrozen(input: Pick<GateDecisionInput, 'wanted' | 'uncertain' | 'override'>, rec: GateState | undefined): boolean {
  return input.override === undefined && Object.keys(holdersOf(input, rec)).length > 0;
}

/**
 * Whether the decision needs the transition read from CodePipeline: to resolve a claim of ours or an
 * expired one, or when the gate is wanted frozen or recorded as frozen by us. A live claim of another run,
 * and an open gate nobody wants frozen, need no call.
 */
export function needsTransition(input: Omit<GateDecisionInput, 'transition'>): boolean {
  const rec = input.record;
  if (rec?.pending) return !claimLive(rec.pending, input);
  return wantsFrozen(input, rec) || (rec?.disabledByUs ?? false);
}

export function decideGate(input: GateDecisionInput): GateDecision {
  const gate = gateRefOf(input.gate);
  const rec: GateState = input.record ?? { ...gate, holders: {}, disabledByUs: false, version: 0, outbox: {} };
  const holders = holdersOf(input, input.record);
  const holderKeys = Object.keys(holders);
  const id = gateId(gate);
  const subject = gateSubject(gate);
  const { now } = input;

  const claim = rec.pending;
  if (claim && claimLive(claim, input)) {
    return { action: 'wait', next: rec, write: false, holders: Object.keys(rec.holders), history: [], messages: [], why: `run ${claim.id} is ${claim.effect === 'disable' ? 'freezing' : 'unfreezing'} it until ${claim.leaseUntil}` };
  }
  const t = input.transition;
  if (needsTransition(input) && t === undefined) {
    throw new GateDecisionError(`gate ${id}: the decision needs the transition read from CodePipeline (check needsTransition first)`);
  }

  const next: GateState = { ...rec, ...gate, holders, version: rec.version + 1, outbox: { ...rec.outbox } };
  delete next.pending; // every write resolves the claim it found (or replaces it with a new one)
  const history: HistoryEntry[] = [];
  const messages: OutboundMessage[] = [];
  const notify = (message: OutboundMessage) => {
    const n = `v${next.version}-${Object.keys(next.outbox).length}`;
    next.outbox[n] = { id: n, createdAt: now, message, attempts: 0 };
    messages.push(message);
  };
  const open = () => {
    next.disabledByUs = false;
    delete next.disabledAt;
    delete next.disabledReason;
  };
  const made = <A extends GateAction>(action: A, why: string) => ({ action, next, write: true, holders: holderKeys, history, messages, why });
  const contracts = [...input.contracts];
  // The contracts that held it last hear of a release too (the gate may have left the contracts).
  const told = () => [...new Set([...contracts, ...Object.keys(rec.holders).map((k) => k.split('#')[0] ?? '')])].filter(Boolean).sort();

  const adopt = (transition: TransitionState, sinceMs: number, adopted: boolean): GateDecision => {
    const reason = transition.disabledReason ?? '';
    // Announced with who held it when frozen (a claim records them), even if nobody needs it any more.
    const heldBy = holderKeys.length ? holderKeys : Object.keys(rec.holders);
    next.disabledByUs = true;
    next.disabledAt = sinceMs;
    next.disabledReason = reason;
    notify(freezeMessage({ ...gate, contracts: told(), holders: heldBy, atMs: sinceMs, reason }));
    history.push({ subject, at: now, type: 'freeze', detail: { holders: heldBy, reason, ...(adopted ? { adopted: true } : {}) } });
    return made('adopt', adopted ? 'disabled with our reason by a run that did not record it: ours, announced now' : 'our DisableStageTransition took effect');
  };
  const recordUnfreeze = (byPerson: string | undefined): GateDecision => {
    const why = input.override
      ? `override by ${input.override.by} until ${formatUtc(input.override.until)}`
      : 'no contract needs the freeze any more';
    const reason = byPerson === undefined ? why : `re-enabled in the console by ${byPerson}, and ${why}`;
    open();
    notify(unfreezeMessage({ ...gate, contracts: told(), holders: [], atMs: now, reason }));
    history.push({ subject, at: now, type: 'unfreeze', detail: { reason, ...(byPerson !== undefined ? { by: byPerson } : {}) } });
    return made('record-unfreeze', byPerson === undefined ? 'the transition is open again' : 'a person re-enabled it and nobody needs the freeze');
  };
  const recordOverride = (override: Override): GateDecision => {
    open();
    notify(overrideMessage(override, now, `slo-contracts will not freeze ${id} again before the override ends, and only if the budget is still spent then.`, contracts));
    history.push({ subject, at: now, type: 'override', detail: { ...override } });
    return { ...made('record-override', 'a person re-enabled it in the console while it was frozen'), action: 'record-override', override };
  };
  const person = (tr: TransitionState) => (tr.disabledReason !== undefined ? { personReason: tr.disabledReason } : {});
  const claimFor = (effect: 'disable' | 'enable', reason?: string): GateClaim => ({
    id: input.claimId,
    effect,
    ...(reason !== undefined ? { reason } : {}),
    at: now,
    leaseUntil: now + input.claimLeaseMs,
  });

  // 1. A claim of ours (the call just returned) or of a run that died: the transition says whether it happened.
  if (claim && t) {
    // (A record already in the state the claim aimed at has nothing to announce: decided afresh below.)
    if (claim.effect === 'disable' && isOurs(t) && !rec.disabledByUs) return adopt(t, claim.at, claim.id !== input.claimId);
    if (claim.effect === 'enable' && t.enabled && rec.disabledByUs) return recordUnfreeze(undefined);
    // The call did not take effect (the claimant died before it, or it failed): decide afresh below.
  }

  // 2. Afresh.
  const decided = ((): GateDecision => {
    const wantFrozen = holderKeys.length > 0 && input.override === undefined;
    if (!wantFrozen && !rec.disabledByUs) {
      return { ...made('none', 'open, and nobody needs it frozen'), write: !sameKeys(holders, rec.holders) || rec.version === 0 };
    }
    const tr = t as TransitionState; // needsTransition guaranteed it above
    if (wantFrozen) {
      if (tr.enabled && rec.disabledByUs) {
        return recordOverride({
          id: consoleOverrideId(gate, rec.disabledAt),
          scope: subject,
          by: tr.lastChangedBy ?? 'unknown (CodePipeline console)',
          reason: 'Inbound transition re-enabled in the console while frozen by slo-contracts',
          createdAt: tr.lastChangedAt ?? now,
          until: now + input.overrideHonourMs,
          source: 'console',
        });
      }
      if (tr.enabled) {
        const first = holderKeys[0] ?? '';
        const [contract = '', objective = ''] = first.split('#');
        const info = input.holderInfo[first];
        const reason = freezeReason({ contract, objective, tier: info?.tier ?? 'spent', remainingPct: info?.remainingPct ?? 0, sinceMs: holders[first] ?? now });
        next.pending = claimFor('disable', reason);
        return { ...made('freeze', `wanted frozen by ${holderKeys.join(', ')}`), action: 'freeze', effect: { kind: 'disable', reason } };
      }
      if (isOurs(tr)) {
        if (!rec.disabledByUs) return adopt(tr, tr.lastChangedAt ?? now, true);
        return { ...made('none', 'frozen by us, as wanted'), write: !sameKeys(holders, rec.holders) };
      }
      // A person disabled it for reasons of their own: leave it, and never take the credit.
      if (rec.disabledByUs) history.push({ subject, at: now, type: 'released-to-person', detail: { reason: tr.disabledReason ?? null } });
      const wasOurs = rec.disabledByUs;
      open();
      return { ...made('held-by-person', 'disabled by a person with a reason of their own'), write: wasOurs || !sameKeys(holders, rec.holders), ...person(tr) };
    }
    // Recorded as frozen by us, and nothing (or an override) wants it frozen.
    if (isOurs(tr)) {
      next.pending = claimFor('enable');
      return { ...made('unfreeze', input.override ? `override ${input.override.id} in force` : 'nobody needs it frozen'), action: 'unfreeze', effect: { kind: 'enable' } };
    }
    if (!tr.enabled) {
      // Someone re-disabled it with their own reason: theirs now; we do not enable it.
      history.push({ subject, at: now, type: 'released-to-person', detail: { reason: tr.disabledReason ?? null } });
      open();
      return { ...made('release-to-person', 'a person disabled it with a reason of their own'), ...person(tr) };
    }
    // Open already. A run that recorded this very console override died before recording the gate: finish it.
    if (input.override?.id === consoleOverrideId(gate, rec.disabledAt)) return recordOverride(input.override);
    return recordUnfreeze(tr.lastChangedBy ?? 'someone');
  })();
  if (!claim) return decided;
  // The claim found is resolved by this write, whatever else it says.
  if (decided.action === 'none') return { ...decided, action: 'drop-claim', write: true, why: `claim ${claim.id} (${claim.effect}) did not take effect; ${decided.why}` };
  return { ...decided, write: true };
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

// ---------------------------------------------------------------------------------------------
// What a run did to a gate, in one line for people (tier-change messages quote it) and for the summary.

export type GateOutcomeAction = 'none' | 'froze' | 'unfroze' | 'override' | 'held-by-person' | 'pending' | 'error';

export interface GateOutcome {
  pipeline: string;
  stage: string;
  account?: string;
  region?: string;
  /** core/model.ts gateId. */
  id: string;
  action: GateOutcomeAction;
  /** Objective keys holding the gate after the run. */
  holders: string[];
  detail?: string;
  /** What is true of the gate now, in words: `frozen now (held by checkout#availability)`, `pending: ...`. */
  status: string;
}

const OUTCOME_OF: Record<GateAction, GateOutcomeAction | undefined> = {
  none: undefined,
  wait: 'pending',
  freeze: undefined,
  unfreeze: undefined,
  adopt: 'froze',
  'record-unfreeze': 'unfroze',
  'record-override': 'override',
  'release-to-person': 'held-by-person',
  'held-by-person': 'held-by-person',
  'drop-claim': undefined,
};

const heldBy = (holders: string[]) => (holders.length ? ` (held by ${holders.join(', ')})` : '');

/**
 * The outcome of the decisions a run carried out on one gate, in order (the last one that recorded
 * something tells the story), and the record they left.
 */
export function gateOutcome(gate: GateRef, decisions: readonly GateDecision[], override: Override | undefined): GateOutcome {
  const last = decisions.at(-1);
  const holders = last?.holders ?? [];
  const base = { ...gateRefOf(gate), id: gateId(gate), holders };
  const action = [...decisions].reverse().map((d) => OUTCOME_OF[d.action]).find((a) => a !== undefined) ?? 'none';
  const record = last?.next;
  switch (action) {
    case 'froze':
      return { ...base, action, status: `frozen now${heldBy(holders)}` };
    case 'unfroze':
      return { ...base, action, status: 'unfrozen now' };
    case 'override': {
      const o = decisions.flatMap((d) => (d.action === 'record-override' ? [d.override] : [])).at(-1);
      return { ...base, action, status: `open: re-enabled in the console by ${o?.by ?? 'a person'}, honoured until ${o ? formatUtc(o.until) : '-'}` };
    }
    case 'held-by-person': {
      const reason = decisions.map((d) => d.personReason).filter((r) => r !== undefined).at(-1);
      return { ...base, action, ...(reason ? { detail: reason } : {}), status: `held by a person in the console, not by slo-contracts${reason ? ` (their reason: ${reason})` : ''}` };
    }
    case 'pending':
      return { ...base, action, status: 'being changed by an overlapping run' };
    default:
      break;
  }
  if (record?.disabledByUs) return { ...base, action: 'none', status: `already frozen${heldBy(holders)}` };
  if (override && holders.length) return { ...base, action: 'none', status: `open: override by ${override.by} until ${formatUtc(override.until)}` };
  return { ...base, action: 'none', status: 'open' };
}

/** A run that could not finish a gate: CodePipeline failed, or the gate does not exist. */
export function gateErrorOutcome(gate: GateRef, holders: string[], detail: string, notFound: boolean): GateOutcome {
  return {
    ...gateRefOf(gate),
    id: gateId(gate),
    action: 'error',
    holders,
    detail,
    status: notFound ? 'not found: check the pipeline and stage names in the contract' : `failed (${detail}); retried next run`,
  };
}

/** A gate the run's deadline cut short (CodePipeline too slow) or never reached: its claim or work waits for the next run. */
export function gatePendingOutcome(gate: GateRef, holders: string[]): GateOutcome {
  return {
    ...gateRefOf(gate),
    id: gateId(gate),
    action: 'pending',
    holders,
    detail: 'gate deadline passed',
    status: 'pending: CodePipeline did not answer in time; retried next run',
  };
}
