/**
 * The weekly report use case: read state, history a week back, gates and overrides; publish one message.
 */
import type { Contract } from '../core/contract.ts';
import type { Ports } from '../ports.ts';
import { buildReport, reportMessage, type Report } from '../core/report.ts';
import { objectiveKey } from '../core/model.ts';
import { DAY_MS } from '../core/duration.ts';
import { utcDay } from '../core/objective.ts';
import { activeOverrides } from './override.ts';

export async function sendWeeklyReport(ports: Pick<Ports, 'store' | 'notifier' | 'clock'>, contracts: Contract[]): Promise<Report> {
  const now = ports.clock.now();
  const keys = contracts.flatMap((c) => c.spec.objectives.map((o) => ({ contract: c.metadata.name, objective: o.name })));
  const gateRefs = contracts.flatMap((c) => c.spec.gates);
  const [states, contractGates, registered, overrides] = await Promise.all([
    ports.store.getObjectiveStates(keys),
    ports.store.getGates(gateRefs),
    ports.store.listGates(),
    ports.store.listOverrides(),
  ]);
  const gates = [...new Map([...contractGates, ...registered].map((g) => [`${g.pipeline}#${g.stage}`, g])).values()];
  // Remaining a week ago: the daily summary of the UTC day a week back (its last evaluation).
  const weekAgoDay = utcDay(now - 7 * DAY_MS);
  const weekAgo = new Map<string, number>();
  await Promise.all(
    keys.map(async (k) => {
      const [d] = await ports.store.queryDailySummaries(k.contract, k.objective, weekAgoDay, weekAgoDay);
      if (d && d.remainingPct !== null) weekAgo.set(objectiveKey(k.contract, k.objective), d.remainingPct);
    }),
  );
  const report = buildReport({
    nowMs: now,
    contracts,
    states: [...states.values()],
    weekAgoRemainingPct: weekAgo,
    gates,
    overrides: activeOverrides(overrides, now),
  });
  await ports.notifier.publish(reportMessage(report, now));
  await ports.store.appendHistory([{ subject: 'report:weekly', at: now, type: 'report', detail: { objectives: report.rows.length, freezes: report.freezes.length } }]);
  return report;
}
