/** Weekly report (EventBridge cron, Monday 09:00 UTC by default): run the use case, log the outcome. */
import { Logger } from '@aws-lambda-powertools/logger';
import { sendWeeklyReport } from '../usecases/report.ts';
import { awsPorts } from '../runtime/aws.ts';
import { bundledContracts } from '../runtime/config.ts';

const logger = new Logger();
const contracts = bundledContracts();
const ports = awsPorts({ logger, topicEnv: 'REPORT_TOPIC_ARN' });

export const handler = async (): Promise<{ objectives: number; freezes: number; overrides: number; overdueReviews: number }> => {
  const report = await sendWeeklyReport(ports, contracts);
  const result = { objectives: report.rows.length, freezes: report.freezes.length, overrides: report.overrides.length, overdueReviews: report.overdueReviews.length };
  logger.info('weekly report sent', result);
  return result;
};
