/**
 * Every gate of a run: who holds each one (the objectives whose tier freezes it, less contracts under an
 * override), then reconcile each (./reconcile-gate.ts), a few at a time, until done or until the deadline
 * aborts `signal`. Gates left over from earlier contracts are reconciled too, so a freeze we set is lifted.
 */
import type { Contract } from '../core/contract.ts';
import type { GateRef, GateState, ObjectiveState, Override, Ports } from '../ports.ts';
import { gateFrozenBy } from '../core/policy.ts';
import { gateId, gateRefOf, objectiveKey } from '../core/model.ts';
import { tierByName } from '../core/objective.ts';
import { gatePendingOutcome, type GateOutcome, type HolderInfo } from '../core/gate.ts';
import { activeOverrides } from './override.ts';
import { reconcileGate } from './reconcile-gate.ts';
import { errorText, forEachLimit } from './common.ts';

interface GateSpec {
  gate: GateRef;
  /** Per contract that lists the gate: is it critical for that contract? */
  criticalFor: Map<string, boolean>;
}

export interface GatesOptions {
  now: number;
  overrideHonourMs: number;
  /** The stack's region: a gate in another account without a region is in this one. */
  homeRegion?: string;
  claimId: string;
  claimLeaseMs: number;
  maxAttempts: number;
  /** Aborted at the run's gate deadline: gates not finished by then are pending. */
  signal: AbortSignal;
}

export interface GatesRun {
  /** Every gate's outcome, and its record where the run has one (for its outbox); resolves once all are settled. */
  done: Promise<{ outcomes: GateOutcome[]; states: GateState[]; errors: number }>;
  /** A gate's outcome so far: pending while it is being worked on; undefined when this run does not reconcile it. */
  outcomeOf(gate: GateRef): GateOutcome | undefined;
}

export function reconcileGates(
  ports: Ports,
  contracts: Contract[],
  states: Map<string, ObjectiveState>,
  /** Objectives whose state this run could not establish: their hold on gates stays as recorded. */
  uncertain: Set<string>,
  opts: GatesOptions,
): GatesRun {
  const log = ports.log ?? (() => undefined);
  const outcomes = new Map<string, GateOutcome>();
  const specs = gateSpecs(contracts, opts.homeRegion);
  const done = (async () => {
    let overrides: Override[];
    try {
      overrides = activeOverrides(await ports.store.listOverrides(), opts.now);
    } catch (err) {
      // Without overrides we cannot know what a person allowed: skip gate changes this run rather than guess.
      log('error', 'overrides could not be read; gates left as they are this run', { error: errorText(err) });
      specs.clear();
      return { outcomes: [], states: [], errors: 1 };
    }
    let errors = 0;
    try {
      // Gates no longer in any contract still get reconciled, so a freeze we set is lifted.
      const registered = await ports.store.listGates();
      // Gates frozen or held before the registry existed (a table from 0.1.0) register as they are met.
      const known = new Set(registered.map((g) => gateId(gateRefOf(g))));
      const unregistered = (await ports.store.getGates([...specs.values()].map((s) => s.gate))).filter(
        (g) => (g.disabledByUs || Object.keys(g.holders).length > 0) && !known.has(gateId(gateRefOf(g))),
      );
      if (unregistered.length > 0) await ports.store.registerGates(unregistered.map((g) => gateRefOf(g)));
      for (const g of registered) {
        const gate = gateRefOf(g);
        if (!specs.has(gateId(gate)) && (g.disabledByUs || g.pending !== undefined || Object.keys(g.holders).length > 0)) {
          specs.set(gateId(gate), { gate, criticalFor: new Map() });
        }
      }
    } catch (err) {
      errors++;
      log('error', 'gates could not be listed', { error: errorText(err) });
    }
    const list = [...specs.values()];
    const results: { outcome: GateOutcome; state?: GateState }[] = new Array(list.length);
    // Gates are independent of each other: a few at a time, outcomes kept in order.
    await forEachLimit(list, 4, async (spec, i) => {
      const wanted = desiredHolders(spec, contracts, states, overrides);
      if (opts.signal.aborted) {
        results[i] = { outcome: gatePendingOutcome(spec.gate, Object.keys(wanted)) };
      } else {
        const id = gateId(spec.gate);
        results[i] = await reconcileGate(
          ports,
          {
            gate: spec.gate,
            wanted,
            uncertain: [...uncertain],
            override: overrides.find((o) => o.scope === `gate:${id}`),
            // Everyone whose contract lists the gate, and the holders' contracts (a gate dropped from the contracts).
            contracts: [...new Set([...spec.criticalFor.keys(), ...Object.keys(wanted).map((k) => k.split('#')[0] ?? '')])].filter(Boolean).sort(),
            holderInfo: holderInfo(wanted, states),
          },
          { overrideHonourMs: opts.overrideHonourMs, claimId: opts.claimId, claimLeaseMs: opts.claimLeaseMs, maxAttempts: opts.maxAttempts, signal: opts.signal },
        );
      }
      outcomes.set(gateId(spec.gate), results[i].outcome);
    });
    for (const r of results) if (r.outcome.action === 'error') errors++;
    return { outcomes: results.map((r) => r.outcome), states: results.flatMap((r) => (r.state ? [r.state] : [])), errors };
  })();
  return {
    done,
    outcomeOf: (gate) => {
      const id = gateId(gateRefOf(gate, opts.homeRegion));
      return outcomes.get(id) ?? (specs.has(id) ? gatePendingOutcome(gate, []) : undefined);
    },
  };
}

function gateSpecs(contracts: Contract[], homeRegion: string | undefined): Map<string, GateSpec> {
  const specs = new Map<string, GateSpec>();
  for (const c of contracts) {
    for (const g of c.spec.gates) {
      const gate = gateRefOf(g, homeRegion);
      const spec = specs.get(gateId(gate)) ?? { gate, criticalFor: new Map<string, boolean>() };
      spec.criticalFor.set(c.metadata.name, g.critical);
      specs.set(gateId(gate), spec);
    }
  }
  return specs;
}

/** Objectives whose tier freezes this gate, minus contracts under an active override: key -> since (ms). */
function desiredHolders(spec: GateSpec, contracts: Contract[], states: Map<string, ObjectiveState>, overrides: Override[]): Record<string, number> {
  const holders: Record<string, number> = {};
  for (const c of contracts) {
    const critical = spec.criticalFor.get(c.metadata.name);
    if (critical === undefined) continue;
    if (overrides.some((o) => o.scope === `contract:${c.metadata.name}`)) continue;
    for (const o of c.spec.objectives) {
      const key = objectiveKey(c.metadata.name, o.name);
      const state = states.get(key);
      const tier = tierByName(c.spec.policy.tiers, state?.tier ?? null);
      if (state && tier && gateFrozenBy(tier, { critical })) holders[key] = state.tierSince;
    }
  }
  return holders;
}

function holderInfo(wanted: Record<string, number>, states: Map<string, ObjectiveState>): Record<string, HolderInfo> {
  const out: Record<string, HolderInfo> = {};
  for (const key of Object.keys(wanted)) {
    const s = states.get(key);
    out[key] = { tier: s?.tier ?? null, remainingPct: s?.remainingPct ?? null };
  }
  return out;
}
