/**
 * What the evaluator and the reporter share: Node.js 24 on arm64, a prebuilt handler staged with the
 * contracts, its own log group with a retention, an explicit role that writes only that log group, Powertools
 * configuration, and failed asynchronous invocations parked in a queue.
 */
import { Duration, PhysicalName, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../constants.ts';
import { SloContractsConfigError } from '../errors.ts';
import { handlerCode, type HandlerName } from './handler-code.ts';

export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Options both functions accept. */
export interface SloFunctionOptions {
  /**
   * More environment variables (e.g. AUDIENCE_TOPIC_ARNS), added to the function's own.
   *
   * @default - none
   */
  readonly extraEnvironment?: Readonly<Record<string, string>>;

  /**
   * Memory of the function, in MB (Lambda: 128 to 10,240).
   *
   * @default - 512 for the evaluator, 256 for the reporter
   */
  readonly memorySize?: number;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Log level (Powertools POWERTOOLS_LOG_LEVEL).
   *
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;

  /**
   * X-Ray tracing. ACTIVE adds `xray:PutTraceSegments` and `xray:PutTelemetryRecords` on `*` to the role
   * (X-Ray has no resource-level permissions).
   *
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;
}

/** @internal What SloFunction needs beyond the options. */
export interface SloFunctionProps extends SloFunctionOptions {
  readonly handlerName: HandlerName;
  /** The validated contracts as JSON, staged as contracts.json beside index.js. */
  readonly contractsJson: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly defaultMemorySize: number;
  readonly environment: Record<string, string>;
  readonly failedInvocationsQueue: sqs.IQueue;
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  readonly reservedConcurrentExecutions?: number;
  /** Physical role name: a literal, PhysicalName.GENERATE_IF_NEEDED, or none (CloudFormation names it). */
  readonly roleName?: string;
}

/** The base of EvaluatorFunction and ReporterFunction. */
export abstract class SloFunction extends lambda.Function {
  /** The execution role (explicit, no managed policy). */
  declare public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: SloFunctionProps) {
    const memorySize = props.memorySize ?? props.defaultMemorySize;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new SloContractsConfigError(`${id} memorySize is ${memorySize}: use a whole number of MB from 128 to 10240`);
    }
    // Siblings, created before the function so it can be given them (logical ids EvaluatorLogs, EvaluatorRole).
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Logs are diagnostics; the audit trail lives in the table.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: writes to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `slo-contracts ${id.toLowerCase()} execution role`,
      ...(props.roleName !== undefined ? { roleName: props.roleName } : {}),
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      code: handlerCode(props.handlerName, props.contractsJson),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      tracing: props.tracing ?? lambda.Tracing.DISABLED,
      environment: {
        ...props.extraEnvironment,
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      onFailure: new destinations.SqsDestination(props.failedInvocationsQueue),
    });
    if ((props.tracing ?? lambda.Tracing.DISABLED) !== lambda.Tracing.DISABLED) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Tracing is on: Lambda adds xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level ' +
          'permissions, so "*" is the only resource IAM accepts for them.',
      });
    }
  }
}

/** Lambda and EventBridge accept an event age of 60 s to 6 h. */
export function clampEventAge(d: Duration): Duration {
  return Duration.seconds(Math.min(Math.max(d.toSeconds(), 60), 6 * 3600));
}

/** A role name for the evaluator when pipeline accounts must trust it by ARN. */
export const GENERATED_ROLE_NAME = PhysicalName.GENERATE_IF_NEEDED;
