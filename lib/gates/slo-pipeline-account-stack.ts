/**
 * A stack to deploy in one pipeline account: the SloGateAccess role for the gates the contracts place in
 * that account, trusted by the evaluator's role in the monitoring account.
 */
import { CfnOutput, Stack, Token, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Contract } from '../../functions/core/contract.ts';
import { resolveContracts, type ContractsSource } from '../contracts.ts';
import { SloContractsConfigError } from '../errors.ts';
import { gatesInAccount } from './gate-targets.ts';
import { SloGateAccess } from './slo-gate-access.ts';

export interface SloPipelineAccountStackProps extends StackProps {
  /** The same contracts the SloContracts stack enforces (a folder of YAML, or loaded contracts). */
  readonly contracts: ContractsSource;

  /** ARN of the evaluator's role (`SloContracts.evaluatorRole.roleArn`, or built from `evaluatorRoleName`). */
  readonly evaluatorRoleArn: string;

  /**
   * This account's ID: the gates whose `account` is this one are allowed.
   *
   * @default - `env.account`, which must then be a literal
   */
  readonly pipelineAccount?: string;

  /**
   * Name of the gate role (SloContracts `gateRoleName`).
   *
   * @default 'slo-contracts-gate'
   */
  readonly gateRoleName?: string;
}

export class SloPipelineAccountStack extends Stack {
  public readonly gateAccess: SloGateAccess;
  /** The contracts, validated. */
  public readonly contracts: readonly Contract[];

  constructor(scope: Construct, id: string, props: SloPipelineAccountStackProps) {
    super(scope, id, props);
    const account = props.pipelineAccount ?? props.env?.account;
    if (account === undefined || Token.isUnresolved(account) || !/^\d{12}$/.test(account)) {
      throw new SloContractsConfigError(
        `${id}: give the pipeline account's 12-digit ID as pipelineAccount or env.account (got ${account === undefined ? 'none' : `"${account}"`})`,
      );
    }
    this.contracts = resolveContracts(props.contracts);
    const gates = gatesInAccount(this.contracts, account);
    if (gates.length === 0) {
      throw new SloContractsConfigError(`${id}: no gate in the contracts names account ${account}: there is nothing to allow here`);
    }
    this.gateAccess = new SloGateAccess(this, 'GateAccess', {
      evaluatorRoleArn: props.evaluatorRoleArn,
      gates,
      ...(props.gateRoleName !== undefined ? { roleName: props.gateRoleName } : {}),
    });
    new CfnOutput(this, 'GateRoleArn', { value: this.gateAccess.role.roleArn, description: 'Role the slo-contracts evaluator assumes for the gates of this account' });
  }
}
