/**
 * The deployable stack: one SloContracts construct plus the outputs operators need. Environment-agnostic
 * (no account or region baked in), so `cdk synth` runs offline without credentials.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SloContracts, type SloContractsProps } from './slo-contracts.ts';

export interface SloContractsStackProps extends StackProps, SloContractsProps {}

export class SloContractsStack extends Stack {
  public readonly sloContracts: SloContracts;

  constructor(scope: Construct, id: string, props: SloContractsStackProps) {
    super(scope, id, props);
    this.sloContracts = new SloContracts(this, 'SloContracts', props);

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
  }
}
