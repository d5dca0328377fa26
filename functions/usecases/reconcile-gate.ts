/**
 * One gate, executed: read the record, read CodePipeline when the decision needs it, decide (core/gate.ts),
 * then do what the decision says: write it (conditionally on the version), and only after a claim is
 * written call CodePipeline; the next decision records what the call did. A lost race re-reads everything.
 * Errors never unfreeze: the gate keeps its record, the error is in the history, the next run tries again.
 * Cut short by the deadline (`signal`), the gate is pending: a claim it wrote is resolved after its lease.
 */
import type { GateRef, GateState, Override, Ports, TransitionState } from '../ports.ts';
import { GateNotFoundError } from '../ports.ts';
import { decideGate, gateErrorOutcome, gateOutcome, gatePendingOutcome, gateSubject, needsTransition, type GateDecision, type GateOutcome, type HolderInfo } from '../core/gate.ts';
import { gateId } from '../core/model.ts';
import { appendHistorySafely } from './outbox.ts';
import { ConcurrentUpdateError, errorText } from './common.ts';

export interface GateTask {
  gate: GateRef;
  wanted: Record<string, number>;
  uncertain: string[];
  override: Override | undefined;
  contracts: string[];
  holderInfo: Record<string, HolderInfo>;
}

export interface GateRunOptions {
  overrideHonourMs: number;
  claimId: string;
  claimLeaseMs: number;
  /** Conditional writes lost to other runs before giving up on the gate for this run. */
  maxAttempts: number;
  /** Aborted when the run's gate deadline passes. */
  signal?: AbortSignal;
}

export async function reconcileGate(ports: Pick<Ports, 'store' | 'gate' | 'clock' | 'log'>, task: GateTask, opts: GateRunOptions): Promise<{ outcome: GateOutcome; state?: GateState }> {
  const { store, gate: codepipeline } = ports;
  const ref = task.gate;
  const read = () => store.getGate(ref.pipeline, ref.stage, ref.account !== undefined ? { account: ref.account, region: ref.region } : undefined);
  const call = { ...(opts.signal ? { signal: opts.signal } : {}) };
  const now = ports.clock.now();
  const done: GateDecision[] = [];
  let record: GateState | undefined;
  let holders = Object.keys(task.wanted);
  let override = task.override;
  try {
    record = await read();
    let observed: TransitionState | undefined;
    // Each pass writes one decision (a claim, its outcome, ...) or settles; a freeze takes three passes.
    for (let lost = 0, pass = 0; lost < opts.maxAttempts && pass < opts.maxAttempts + 8; pass++) {
      const input = { ...task, override, record, transition: observed, now, overrideHonourMs: opts.overrideHonourMs, claimId: opts.claimId, claimLeaseMs: opts.claimLeaseMs };
      if (observed === undefined && needsTransition(input)) observed = input.transition = await codepipeline.getInboundTransition(ref, call);
      const d = decideGate(input);
      holders = d.holders;
      if (!d.write) return { outcome: gateOutcome(ref, [...done, d], override), ...(record ? { state: record } : {}) };
      // The override first: a run that dies before the gate write leaves it for the next run to finish.
      if (d.action === 'record-override') {
        await store.putOverride(d.override);
        override = d.override;
      }
      if (!(await store.putGate(d.next, record?.version ?? 0))) {
        lost++;
        record = await read();
        observed = undefined; // the winner may have changed the transition too
        continue;
      }
      record = d.next;
      done.push(d);
      if (d.history.length) await appendHistorySafely(ports, d.history);
      // Claimed: now, and only now, call CodePipeline. The next decision records what the call did.
      if (d.action === 'freeze') {
        await codepipeline.disableInbound(ref, d.effect.reason, call);
        observed = { enabled: false, disabledReason: d.effect.reason };
      } else if (d.action === 'unfreeze') {
        await codepipeline.enableInbound(ref, call);
        observed = { enabled: true };
      }
    }
    throw new ConcurrentUpdateError(`gate ${gateId(ref)} kept changing under ${opts.maxAttempts} attempts; it is retried next run`);
  } catch (err) {
    const state = record && record.version > 0 ? { state: record } : {};
    if (opts.signal?.aborted) {
      ports.log?.('warn', 'gate cut short by the run deadline; retried next run', { gate: gateId(ref), error: errorText(err) });
      return { outcome: gatePendingOutcome(ref, holders), ...state };
    }
    const notFound = err instanceof GateNotFoundError;
    const detail = notFound ? `${errorText(err)}: check the gate in the contracts` : errorText(err);
    ports.log?.('error', 'gate action failed; state left as it was, retried next run', { gate: gateId(ref), error: detail });
    await appendHistorySafely(ports, [{ subject: gateSubject(ref), at: now, type: 'error', detail: { error: detail } }]);
    return { outcome: gateErrorOutcome(ref, holders, detail, notFound), ...state };
  }
}
