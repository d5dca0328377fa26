/**
 * Deploy in each account whose pipelines a contract gates (a gate with `account`): the role the evaluator
 * assumes there, trusted only by the evaluator's role, allowed exactly GetPipelineState on the gated
 * pipelines and Disable/EnableStageTransition on the gated stages of this account.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_GATE_ROLE_NAME } from '../constants.ts';
import { SloContractsConfigError } from '../errors.ts';
import type { GateTarget } from './gate-targets.ts';
import { pipelineStatements } from './pipeline-permissions.ts';

export interface SloGateAccessProps {
  /**
   * ARN of the evaluator's execution role (`SloContracts.evaluatorRole.roleArn` in the same CDK app, or the
   * ARN of a role named with `evaluatorRoleName`). The only principal the gate role trusts.
   */
  readonly evaluatorRoleArn: string;

  /**
   * The gates in this account (`gatesInAccount(contracts, account)`): pipelines and stages the evaluator
   * may read and freeze. A gate without `region` is in this stack's region.
   */
  readonly gates: readonly GateTarget[];

  /**
   * Name of the role; the evaluator assumes `arn:<partition>:iam::<this account>:role/<name>`, so it must
   * match SloContracts `gateRoleName`.
   *
   * @default 'slo-contracts-gate'
   */
  readonly roleName?: string;
}

export class SloGateAccess extends Construct {
  /** The role the evaluator assumes for this account's gates. */
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: SloGateAccessProps) {
    super(scope, id);
    if (props.gates.length === 0) {
      throw new SloContractsConfigError(
        'SloGateAccess has no gates: give the gates of this account, e.g. gatesInAccount(contracts, account), or do not deploy it here',
      );
    }
    if (!Token.isUnresolved(props.evaluatorRoleArn) && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(props.evaluatorRoleArn)) {
      throw new SloContractsConfigError(
        `evaluatorRoleArn is "${props.evaluatorRoleArn}": give the ARN of the evaluator's role, e.g. arn:aws:iam::111122223333:role/slo-contracts-evaluator`,
      );
    }
    const roleName = props.roleName ?? DEFAULT_GATE_ROLE_NAME;
    const role = new iam.Role(this, 'Role', {
      roleName,
      description: 'slo-contracts: the evaluator freezes and unfreezes the gated stages of this account through this role',
      // Trusted by exactly one role, by ARN: no account root, no wildcard.
      assumedBy: new iam.ArnPrincipal(props.evaluatorRoleArn),
      // Sessions are short: the evaluator re-assumes when its credentials expire.
      maxSessionDuration: Duration.hours(1),
    });
    for (const statement of pipelineStatements(Stack.of(this), props.gates)) role.addToPrincipalPolicy(statement);
    this.role = role;
  }
}
