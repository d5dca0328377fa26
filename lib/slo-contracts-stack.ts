/**
 * The deployable stack: one SloContracts construct plus the outputs operators need. Environment-agnostic
 * (no account or region baked in) unless `env` is given, so `cdk synth` runs offline without credentials.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { SloContracts, type SloContractsProps } from './slo-contracts.ts';

export interface SloContractsStackProps extends StackProps, SloContractsProps {
  /**
   * ARN of an existing topic for the alarms (imported into this stack); an alternative to operationsTopic
   * for apps that only have the ARN (e.g. from context).
   *
   * @default - operationsTopic, or a new topic
   */
  readonly operationsTopicArn?: string;
}

export class SloContractsStack extends Stack {
  public readonly sloContracts: SloContracts;

  constructor(scope: Construct, id: string, props: SloContractsStackProps) {
    super(scope, id, props);
    const operationsTopic =
      props.operationsTopic ?? (props.operationsTopicArn !== undefined ? sns.Topic.fromTopicArn(this, 'OperationsTopic', props.operationsTopicArn) : undefined);
    this.sloContracts = new SloContracts(this, 'SloContracts', { ...props, ...(operationsTopic ? { operationsTopic } : {}) });

    new CfnOutput(this, 'TableName', {
      value: this.sloContracts.table.tableName,
      description: 'DynamoDB table holding state and history (retained when the stack is deleted)',
    });
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.sloContracts.alertTopic.topicArn,
      description: 'SNS topic for tier changes, freezes and overrides',
    });
    new CfnOutput(this, 'ReportTopicArn', {
      value: this.sloContracts.reportTopic.topicArn,
      description: 'SNS topic for the weekly budget report',
    });
    new CfnOutput(this, 'OperationsTopicArn', {
      value: this.sloContracts.operationsTopic.topicArn,
      description: "SNS topic for slo-contracts' own alarms",
    });
    new CfnOutput(this, 'EvaluatorRoleArn', {
      value: this.sloContracts.evaluatorRole.roleArn,
      description: 'Role the pipeline accounts trust (SloGateAccess evaluatorRoleArn)',
    });
  }
}
