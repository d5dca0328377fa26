/**
 * The composition root for Lambda and local runs against emulators: builds every port from the standard
 * AWS environment (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, credentials chain). The SDK
 * clients themselves are constructed inside their adapters' factories, each with connect and request
 * timeouts and the SDK's own retry (DYNAMODB_TIMEOUTS, SNS_TIMEOUTS, CODEPIPELINE_TIMEOUTS, STS_TIMEOUTS;
 * CloudWatch's are set in adapters/cloudwatch.ts). Gates in other accounts are reached through the role
 * named by GATE_ROLE_ARN_TEMPLATE (`{account}` placeholder; default arn:aws:iam::{account}:role/slo-contracts-gate).
 */
import type { Clock, Ports, TelemetryPort } from '../ports.ts';
import { createCloudWatchMetrics } from '../adapters/cloudwatch.ts';
import { createDynamoStore } from '../adapters/dynamodb.ts';
import { createSnsNotifier } from '../adapters/sns.ts';
import { createCodePipelineGate } from '../adapters/codepipeline.ts';
import { createStsRoleCredentials, DEFAULT_GATE_ROLE_ARN_TEMPLATE } from '../adapters/sts.ts';
import { audienceTopicsFromEnv, daysEnv, requireEnv } from './config.ts';

export const systemClock: Clock = { now: () => Date.now() };

type LogFn = (message: string, detail: Record<string, unknown>) => void;
/** The slice of the Powertools Logger the ports use (structured JSON: message plus one detail object). */
export interface LoggerLike {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export function awsPorts(opts: { telemetry?: TelemetryPort; logger?: LoggerLike; env?: NodeJS.ProcessEnv; topicEnv?: string } = {}): Ports {
  const env = opts.env ?? process.env;
  const logger = opts.logger;
  return {
    // QUOTA_SHARE: this invocation's share of the account's GetMetricData quotas (shards split the default half).
    metrics: createCloudWatchMetrics(env.QUOTA_SHARE ? { quotaShare: Number(env.QUOTA_SHARE) } : {}),
    store: createDynamoStore(requireEnv('TABLE_NAME', env), { historyRetentionDays: daysEnv('HISTORY_RETENTION_DAYS', 400, env) }),
    notifier: createSnsNotifier(requireEnv(opts.topicEnv ?? 'ALERT_TOPIC_ARN', env), { audienceTopics: audienceTopicsFromEnv(env) }),
    gate: createCodePipelineGate({ roles: createStsRoleCredentials({ roleArnTemplate: env.GATE_ROLE_ARN_TEMPLATE || DEFAULT_GATE_ROLE_ARN_TEMPLATE }) }),
    clock: systemClock,
    ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
    ...(logger ? { log: (level, message, detail) => logger[level](message, detail ?? {}) } : {}),
  };
}
