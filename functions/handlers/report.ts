/**
 * Weekly report (EventBridge cron, Monday 09:00 UTC by default): run the use case, log the outcome. Publishes one
 * message per contract and leadership's roll-up on the report topic.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { sendWeeklyReport } from '../usecases/report.ts';
import { awsPorts } from '../runtime/aws.ts';
import { bundledContracts } from '../runtime/config.ts';

const logger = new Logger();
const contracts = bundledContracts();
const ports = awsPorts({ logger, topicEnv: 'REPORT_TOPIC_ARN' });

export const handler = async (): Promise<{ contracts: number; objectives: number; frozenGates: number; overridesInForce: number; reviewsDue: number }> => {
  const report = await sendWeeklyReport(ports, contracts);
  const result = {
    contracts: report.contracts.length,
    objectives: report.contracts.reduce((n, c) => n + c.objectives.length, 0),
    frozenGates: new Set(report.contracts.flatMap((c) => c.gates.filter((g) => g.frozenNow).map((g) => g.gate))).size,
    overridesInForce: new Set(report.contracts.flatMap((c) => c.overridesInForce.map((o) => o.id))).size,
    reviewsDue: report.contracts.filter((c) => c.review.state !== 'ok').length,
  };
  logger.info('weekly report sent', result);
  return result;
};
