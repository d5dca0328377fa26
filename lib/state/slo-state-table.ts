/**
 * The state table: current state per objective and gate, overrides, and the append-only history, one
 * DynamoDB table keyed `pk`/`sk` (layout in functions/adapters/dynamodb.ts). Point-in-time recovery,
 * deletion protection, TTL on `expiresAt`, RETAIN: the history is the audit trail.
 *
 * Grants say exactly which calls they allow. The store never Scans and never deletes (items expire by TTL),
 * so no grant includes Scan or DeleteItem.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** Every read the store makes: key lookups and Queries. */
export const READ_STATE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
/** Every write the store makes: conditional puts, updates of one item, batched puts. */
export const WRITE_STATE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'] as const;
/** Appending history entries: batched and single puts. */
export const APPEND_HISTORY_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'] as const;
/** Partition keys of history items (`HIST#<subject>`), as the store writes them. */
export const HISTORY_KEY_PATTERN = 'HIST#*';
/** Partition key of override items. */
export const OVERRIDE_PARTITION = 'OVERRIDE';
/** What recording, listing and revoking an override calls on its partition. */
export const MANAGE_OVERRIDES_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/** The state table itself, with grants that name the calls they allow. */
export class SloStateTable extends dynamodb.Table {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Epoch SECONDS (DynamoDB TTL ignores milliseconds values as being far in the future).
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The history is the audit trail: it must survive `cdk destroy` and resource replacement.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Read any item: `dynamodb:GetItem`, `dynamodb:BatchGetItem`, `dynamodb:Query` on the table. What the
   * evaluator, the reporter and `slo status` read. No Scan.
   */
  public grantReadState(grantee: iam.IGrantable): iam.Grant {
    return this.grants.actions(grantee, ...READ_STATE_ACTIONS);
  }

  /**
   * Write any item: `dynamodb:PutItem`, `dynamodb:UpdateItem`, `dynamodb:BatchWriteItem` on the table. What
   * the evaluator writes (state, gates, outboxes, history, aggregates). No DeleteItem: items expire by TTL.
   */
  public grantWriteState(grantee: iam.IGrantable): iam.Grant {
    return this.grants.actions(grantee, ...WRITE_STATE_ACTIONS);
  }

  /**
   * Append history entries only: `dynamodb:BatchWriteItem` and `dynamodb:PutItem` on the table, on items
   * whose partition key matches `HIST#*` (condition `ForAllValues:StringLike` on `dynamodb:LeadingKeys`), so
   * the grantee can never overwrite state, gates or overrides. What the reporter writes.
   */
  public grantAppendHistory(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...APPEND_HISTORY_ACTIONS],
      resourceArns: [this.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [HISTORY_KEY_PATTERN] } },
    });
  }

  /**
   * Record, list and revoke overrides: `dynamodb:GetItem`, `dynamodb:Query`, `dynamodb:PutItem`,
   * `dynamodb:UpdateItem` on the `OVERRIDE` partition only (condition `ForAllValues:StringEquals` on
   * `dynamodb:LeadingKeys`), plus grantAppendHistory for the override's history entry.
   */
  public grantManageOverrides(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...MANAGE_OVERRIDES_ACTIONS],
      resourceArns: [this.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [OVERRIDE_PARTITION] } },
    }).combine(this.grantAppendHistory(grantee));
  }
}
