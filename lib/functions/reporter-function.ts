/**
 * The weekly reporter: reads state and history, publishes the budget report, appends one audit entry.
 * Table and topic access are granted by SloStateTable (read, append history) and SloTopics (report topic).
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Contract } from '../../functions/core/contract.ts';
import { MIN_HISTORY_RETENTION_DAYS } from '../constants.ts';
import { SloFunction, type SloFunctionOptions } from './slo-function.ts';

export interface ReporterFunctionProps extends SloFunctionOptions {
  /** The validated contracts (defaults filled in). */
  readonly contracts: readonly Contract[];
  /** The same contracts as JSON, staged as contracts.json. @default JSON.stringify(contracts) */
  readonly contractsJson?: string;
  /** The state table (TABLE_NAME). */
  readonly table: dynamodb.ITable;
  /** Where the report is published (REPORT_TOPIC_ARN). */
  readonly reportTopic: sns.ITopic;
  /** Failed asynchronous invocations land here. */
  readonly failedInvocationsQueue: sqs.IQueue;
  /**
   * Longest run.
   *
   * @default Duration.minutes(2)
   */
  readonly timeout?: Duration;
  /** Days the history is kept (HISTORY_RETENTION_DAYS). @default 400 */
  readonly historyRetentionDays?: number;
}

export class ReporterFunction extends SloFunction {
  constructor(scope: Construct, id: string, props: ReporterFunctionProps) {
    super(scope, id, {
      ...props,
      handlerName: 'reporter',
      contractsJson: props.contractsJson ?? JSON.stringify(props.contracts),
      description: 'slo-contracts: publishes the weekly error-budget report',
      timeout: props.timeout ?? Duration.minutes(2),
      defaultMemorySize: 256,
      environment: {
        TABLE_NAME: props.table.tableName,
        REPORT_TOPIC_ARN: props.reportTopic.topicArn,
        HISTORY_RETENTION_DAYS: String(props.historyRetentionDays ?? MIN_HISTORY_RETENTION_DAYS),
      },
      // One retry: a second failure goes to the queue rather than risking a third copy of the report.
      retryAttempts: 1,
      maxEventAge: Duration.hours(6),
    });
  }
}
