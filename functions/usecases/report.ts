/**
 * The weekly report use case: read what the report needs (key lookups and Queries only), build it (core/report),
 * and publish one message per contract plus leadership's roll-up. `slo report` builds the same report from the
 * deployed table with `buildWeeklyReport` and prints it instead.
 *
 * Reads per report: the objective states (one BatchGet), per objective its daily summaries (~15 items) and its
 * history since the quarter began (events only: tier changes, alerts, notifications), the gates' states and
 * history since the quarter began, and the overrides (one Query).
 */
import type { Contract } from '../core/contract.ts';
import type { DailySummary, GateState, HistoryEntry, Ports, StorePort } from '../ports.ts';
import { buildReport, contractReportMessage, reportPeriods, rollupMessage, type Report } from '../core/report.ts';
import { objectiveKey } from '../core/model.ts';
import { forEachLimit } from './common.ts';

/** The store reads a report needs: nothing here writes. */
export type ReportReader = Pick<StorePort, 'getObjectiveStates' | 'getGates' | 'listGates' | 'queryDailySummaries' | 'queryHistory' | 'listOverrides'>;

/** Builds the report as of `asOf` (epoch ms) from the table. */
export async function buildWeeklyReport(store: ReportReader, contracts: Contract[], asOf: number): Promise<Report> {
  const p = reportPeriods(asOf);
  const keys = contracts.flatMap((c) => c.spec.objectives.map((o) => ({ contract: c.metadata.name, objective: o.name })));
  const gateRefs = [...new Map(contracts.flatMap((c) => c.spec.gates).map((g) => [`${g.pipeline}/${g.stage}`, { pipeline: g.pipeline, stage: g.stage }])).values()];
  const [states, gateStates, overrides] = await Promise.all([store.getObjectiveStates(keys), store.getGates(gateRefs), store.listOverrides()]);
  const summaries = new Map<string, DailySummary[]>();
  const objectiveHistory = new Map<string, HistoryEntry[]>();
  await forEachLimit(keys, 8, async (k) => {
    const key = objectiveKey(k.contract, k.objective);
    const [days, history] = await Promise.all([
      store.queryDailySummaries(k.contract, k.objective, p.summaryFromDay, p.summaryToDay),
      store.queryHistory(`objective:${key}`, p.historyFrom, asOf),
    ]);
    summaries.set(key, days);
    objectiveHistory.set(key, history);
  });
  const gateHistory = new Map<string, HistoryEntry[]>();
  await forEachLimit(gateRefs, 8, async (g) => {
    const id = `${g.pipeline}/${g.stage}`;
    gateHistory.set(id, await store.queryHistory(`gate:${id}`, p.historyFrom, asOf));
  });
  return buildReport({
    asOf,
    contracts,
    states,
    summaries,
    objectiveHistory,
    gates: new Map(gateStates.map((g: GateState) => [`${g.pipeline}/${g.stage}`, g])),
    gateHistory,
    overrides,
  });
}

/**
 * Builds the report as of now and publishes it: one message per contract (its recipients' subscriptions filter
 * on `contract`), then leadership's roll-up (`audience` leadership). A failed publish throws, so the Lambda's
 * retry sends the report again (at least once).
 */
export async function sendWeeklyReport(ports: Pick<Ports, 'store' | 'notifier' | 'clock'>, contracts: Contract[]): Promise<Report> {
  const now = ports.clock.now();
  const report = await buildWeeklyReport(ports.store, contracts, now);
  for (const c of report.contracts) await ports.notifier.publish(contractReportMessage(report, c));
  await ports.notifier.publish(rollupMessage(report));
  await ports.store.appendHistory([
    {
      subject: 'report:weekly',
      at: now,
      type: 'report',
      detail: { contracts: report.contracts.length, objectives: report.contracts.reduce((n, c) => n + c.objectives.length, 0), messages: report.contracts.length + 1 },
    },
  ]);
  return report;
}
