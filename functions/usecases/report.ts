/**
 * The weekly report use case: read state, history a week back, gates and overrides; publish one message.
 */
import type { Contract } from '../core/contract.ts';
import type { Ports } from '../ports.ts';
import { buildReport, reportMessage, type Report } from '../core/report.ts';
import { objectiveKey } from '../core/model.ts';
import { DAY_MS, HOUR_MS } from '../core/duration.ts';
import { activeOverrides } from './override.ts';

/** How far before "a week ago" to look for the evaluation that stands for it (runs every few minutes). */
const WEEK_AGO_SLACK_MS = 6 * HOUR_MS;

export async function sendWeeklyReport(ports: Pick<Ports, 'store' | 'notifier' | 'clock'>, contracts: Contract[]): Promise<Report> {
  const now = ports.clock.now();
  const [states, gates, overrides] = await Promise.all([ports.store.listObjectiveStates(), ports.store.listGates(), ports.store.listOverrides()]);
  const weekAgo = new Map<string, number>();
  const weekAgoMs = now - 7 * DAY_MS;
  for (const c of contracts) {
    for (const o of c.spec.objectives) {
      const key = objectiveKey(c.metadata.name, o.name);
      const entries = await ports.store.queryHistory(`objective:${key}`, weekAgoMs - WEEK_AGO_SLACK_MS, weekAgoMs + 1);
      const last = entries.filter((e) => e.type === 'evaluation' && typeof e.detail.remainingPct === 'number').at(-1);
      if (last) weekAgo.set(key, last.detail.remainingPct as number);
    }
  }
  const report = buildReport({
    nowMs: now,
    contracts,
    states,
    weekAgoRemainingPct: weekAgo,
    gates,
    overrides: activeOverrides(overrides, now),
  });
  await ports.notifier.publish(reportMessage(report, now));
  await ports.store.appendHistory([{ subject: 'report:weekly', at: now, type: 'report', detail: { objectives: report.rows.length, freezes: report.freezes.length } }]);
  return report;
}
