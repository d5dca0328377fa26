/**
 * Scheduled evaluator (EventBridge, every 5 minutes by default). Parses nothing from the event: the
 * contracts are in the bundle and the configuration in the environment. Builds the ports once per
 * container, runs the use case, reports the run. The Lambda context gives the run its deadline (gate work
 * stops in time to send and record before the function's timeout) and its claim id (the request id).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { evaluate, type EvaluationSummary } from '../usecases/evaluate.ts';
import { phaseOf } from './evaluate-event.ts';
import { awsPorts } from '../runtime/aws.ts';
import { bundledContracts, minutesEnv, evaluatorOptionsFromEnv } from '../runtime/config.ts';
import { PowertoolsTelemetry } from '../adapters/powertools.ts';

const logger = new Logger();
const metrics = new Metrics();
const telemetry = new PowertoolsTelemetry(metrics);
const contracts = bundledContracts();
const ports = awsPorts({ telemetry, logger });
const options = { overrideHonourMs: minutesEnv('OVERRIDE_HONOUR_MINUTES', 240), ...evaluatorOptionsFromEnv() };

/** The slice of the Lambda context the evaluator uses. */
export interface EvaluatorContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

export const handler = async (event?: unknown, context?: EvaluatorContext): Promise<Omit<EvaluationSummary, 'objectives'> & { objectives: number }> => {
  const run = phaseOf(event);
  const summary = await evaluate(ports, contracts, {
    ...options,
    run,
    ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
    ...(context?.awsRequestId ? { runId: context.awsRequestId } : {}),
    ...(process.env.AWS_REGION ? { homeRegion: process.env.AWS_REGION } : {}),
  });
  // The heartbeat comes from the run that completes it: the whole run, or the gates phase after the shards;
  // each shard publishes its own errors and GetMetricData use (the alarms sum them).
  if (run.phase === 'objectives') telemetry.shardCompleted(summary);
  else telemetry.runCompleted(summary);
  // Only what changed or failed: a line per objective would outgrow a log event (256 KB) at scale.
  const notable = summary.objectives.filter((o) => o.status !== 'ok' || o.tier !== o.previousTier);
  logger.info('evaluation complete', { ...summary, objectives: summary.objectives.length, notable: notable.slice(0, 100) });
  return { ...summary, objectives: summary.objectives.length };
};

