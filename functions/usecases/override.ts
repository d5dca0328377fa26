/**
 * Overrides by command, always on the record: who, why, until when. An override on a contract lifts the
 * freezes that contract's objectives hold (the next evaluation enables what no one else holds); it expires
 * by itself, can be revoked, is announced on SNS, and is listed in every report.
 */
import type { Contract } from '../core/contract.ts';
import type { Override, Ports } from '../ports.ts';
import { overrideMessage } from '../core/messages.ts';
import { DAY_MS } from '../core/duration.ts';
import { formatUtc } from '../core/reason.ts';
import { gateId } from '../core/model.ts';

/** Longest override one command may record: a freeze lifted for longer is a renegotiation, not an override. */
export const MAX_OVERRIDE_MS = 14 * DAY_MS;

export class OverrideError extends Error {
  override name = 'OverrideError';
}

export interface OverrideRequest {
  contract: string;
  by: string;
  reason: string;
  /** Epoch ms. */
  until: number;
}

type OverridePorts = Pick<Ports, 'store' | 'notifier' | 'clock'>;

export async function recordOverride(ports: OverridePorts, contracts: Contract[], req: OverrideRequest): Promise<Override> {
  const now = ports.clock.now();
  const contract = contracts.find((c) => c.metadata.name === req.contract);
  if (!contract) {
    throw new OverrideError(`no contract named "${req.contract}": choose one of ${contracts.map((c) => c.metadata.name).join(', ') || '(none loaded)'}`);
  }
  if (!req.by.trim()) throw new OverrideError('say who overrides (--by): overrides are on the record');
  if (!req.reason.trim()) throw new OverrideError('say why (--reason): overrides are on the record');
  if (!(req.until > now)) throw new OverrideError(`--until must be in the future (it is ${formatUtc(req.until)}, now is ${formatUtc(now)})`);
  if (req.until - now > MAX_OVERRIDE_MS) {
    throw new OverrideError(`--until is more than ${MAX_OVERRIDE_MS / DAY_MS} days away: renegotiate the contract instead, or override again later`);
  }
  const override: Override = {
    id: `cmd-${contract.metadata.name}-${now}`,
    scope: `contract:${contract.metadata.name}`,
    by: req.by.trim(),
    reason: req.reason.trim(),
    createdAt: now,
    until: req.until,
    source: 'command',
  };
  await ports.store.putOverride(override);
  await ports.store.appendHistory([{ subject: `override:${override.id}`, at: now, type: 'override', detail: { ...override } }]);
  const gates = contract.spec.gates.map((g) => gateId(g));
  await ports.notifier.publish(
    overrideMessage(override, now, gates.length
        ? `Freezes held by ${contract.metadata.name} on ${gates.join(', ')} lift at the next evaluation, except on a gate another contract still holds.`
        : `${contract.metadata.name} has no gates.`),
  );
  return override;
}

export async function revokeOverride(ports: OverridePorts, id: string, by: string): Promise<Override> {
  const now = ports.clock.now();
  if (!by.trim()) throw new OverrideError('say who revokes (--by)');
  const existing = (await ports.store.listOverrides()).find((o) => o.id === id);
  if (!existing) throw new OverrideError(`no override with id "${id}": run \`slo override list\` to see them`);
  if (!(await ports.store.revokeOverride(id, by.trim(), now))) throw new OverrideError(`override "${id}" was already revoked`);
  const revoked: Override = { ...existing, revokedAt: now, revokedBy: by.trim() };
  await ports.store.appendHistory([{ subject: `override:${id}`, at: now, type: 'override-revoked', detail: { by: by.trim() } }]);
  await ports.notifier.publish(overrideMessage(revoked, now, `Revoked by ${by.trim()} at ${formatUtc(now)}: freezes the policy calls for return at the next evaluation.`));
  return revoked;
}

/** Overrides in force at `now`: not revoked, not expired. */
export function activeOverrides(all: Override[], now: number): Override[] {
  return all.filter((o) => o.revokedAt === undefined && o.until > now);
}
