/**
 * Who hears what: a rotating KMS key, SSL-only topics (alerts, the weekly report, operations, and an optional
 * operations page topic), the subscriptions the contracts and the operators name, and one dead-letter queue
 * that every subscription redrives failed deliveries to (alarmed by SloSelfMonitoring).
 *
 * Email subscriptions on the alert topic are filtered to the contracts that list the address; pager
 * subscriptions (HTTPS, endpoint from SSM at deploy) receive only severity=page of their contracts.
 */
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';
import type { Contract } from '../../functions/core/contract.ts';
import { SloContractsConfigError } from '../errors.ts';
import { keepLogicalId } from '../private/logical-id.ts';

/** An HTTPS endpoint (a pager integration URL) kept in SSM Parameter Store, never in code. */
export interface PagerEndpoint {
  /**
   * Name of a String parameter holding the HTTPS URL, resolved by CloudFormation at each deploy (a
   * SecureString cannot be passed to an SNS subscription).
   */
  readonly ssmParameter: string;
}

export interface SloTopicsProps {
  /** The validated contracts: their `notify` blocks become subscriptions. */
  readonly contracts: readonly Contract[];

  /**
   * Topic the system's own alarms publish to. An imported topic must allow CloudWatch to publish to it (and
   * to use its key), and be in the stack's region (its subscriptions redrive to a queue here).
   *
   * @default - a new topic encrypted with the key
   */
  readonly operationsTopic?: sns.ITopic;

  /**
   * Email addresses subscribed to the operations topic.
   *
   * @default - none
   */
  readonly operatorEmails?: readonly string[];

  /**
   * A pager for the alarms that must wake someone (the evaluator has stopped running): a topic of its own
   * with an HTTPS subscription to this endpoint.
   *
   * @default - no operations page topic
   */
  readonly operationsPager?: PagerEndpoint;
}

/** SNS filter policies allow at most 150 value combinations. */
const MAX_FILTER_VALUES = 150;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SSM_PARAMETER = /^\/[A-Za-z0-9_.\-/]+$/;

export class SloTopics extends Construct {
  /** The rotating KMS key encrypting the topics this construct creates. */
  public readonly key: kms.IKey;
  /** Tier changes, freezes, overrides; message attributes `contract`, `objective`, `tier`, `severity`, `audience`. */
  public readonly alertTopic: sns.ITopic;
  /** The weekly budget report. */
  public readonly reportTopic: sns.ITopic;
  /** Where the system's own alarms go. */
  public readonly operationsTopic: sns.ITopic;
  /** Alarms that page (the evaluator stopped running), when an operations pager is given. */
  public readonly operationsPageTopic?: sns.ITopic;
  /** Deliveries that failed after SNS's retries, from every subscription made here. */
  public readonly deliveryFailuresQueue: sqs.IQueue;
  /** Every topic with subscriptions: their failed notifications are alarmed. */
  public readonly topics: readonly sns.ITopic[];
  private readonly alerts: sns.Topic;
  private readonly reports: sns.Topic;

  constructor(scope: Construct, id: string, props: SloTopicsProps) {
    super(scope, id);
    // 0.1.0 created these directly under the parent: keep their logical IDs (see private/logical-id.ts).
    const legacy = scope;

    const key = new kms.Key(this, 'TopicKey', {
      description: 'slo-contracts: encrypts the alert, report and operations SNS topics',
      enableKeyRotation: true,
      // Topics hold messages only in flight: nothing outlives the stack that this key protects.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    keepLogicalId(key, legacy, 'TopicKey', 'Resource');
    // CloudWatch alarms publish to the encrypted operations topics; without this the alarm notification is
    // dropped silently. Scoped to alarms of this account (confused deputy).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    // SNS may use the key for this account's topics; aws:SourceAccount keeps other accounts' resources from
    // using it through SNS (confused deputy). Publishers get their key rights from the grants below.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSnsToUseTheKey',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.key = key;

    this.deliveryFailuresQueue = new sqs.Queue(this, 'DeliveryFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deliveryFailuresQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS the dead-letter queue of every SNS subscription (email, pager, operators): it holds deliveries ' +
        'that failed after SNS retries; an alarm fires on each new message.',
    });

    this.alerts = this.topic('AlertTopic', 'SLO contracts alerts', legacy);
    this.alertTopic = this.alerts;
    this.reports = this.topic('ReportTopic', 'SLO contracts weekly report', legacy);
    this.reportTopic = this.reports;
    this.operationsTopic = props.operationsTopic ?? this.topic('OperationsTopic', 'SLO contracts operations', legacy, { alarmsPublish: true });

    this.subscribeContracts(props.contracts, legacy);

    for (const raw of props.operatorEmails ?? []) {
      if (!EMAIL.test(raw.trim())) {
        throw new SloContractsConfigError(`operatorEmails: "${raw}" is not an email address: give addresses such as ops@example.com`);
      }
    }
    for (const email of distinct((props.operatorEmails ?? []).map((e) => e.trim().toLowerCase()))) {
      this.subscribe(`Operator-${email}`, legacy, this.operationsTopic, sns.SubscriptionProtocol.EMAIL, email);
    }

    if (props.operationsPager) {
      const parameter = props.operationsPager.ssmParameter;
      if (!SSM_PARAMETER.test(parameter)) {
        throw new SloContractsConfigError(
          `operationsPager.ssmParameter is "${parameter}": give the name of a String parameter starting with /, e.g. /oncall/ops-pager-url`,
        );
      }
      const page = this.topic('OperationsPageTopic', 'SLO contracts operations pages', undefined, { alarmsPublish: true });
      this.subscribe('OperationsPager', undefined, page, sns.SubscriptionProtocol.HTTPS, ssm.StringParameter.valueForStringParameter(this, parameter));
      this.operationsPageTopic = page;
    }

    this.topics = [this.alertTopic, this.reportTopic, this.operationsTopic, ...(this.operationsPageTopic ? [this.operationsPageTopic] : [])];
  }

  /**
   * Publish alerts: `sns:Publish` on the alert topic, and `kms:Decrypt` plus `kms:GenerateDataKey*` on the
   * topic key (SNS encrypts each message with a data key). What the evaluator and `slo override` call.
   */
  public grantPublishAlerts(grantee: iam.IGrantable): iam.Grant {
    return this.alerts.grants.publish(grantee);
  }

  /** Publish the report: `sns:Publish` on the report topic, and `kms:Decrypt` plus `kms:GenerateDataKey*` on the key. */
  public grantPublishReport(grantee: iam.IGrantable): iam.Grant {
    return this.reports.grants.publish(grantee);
  }

  private topic(id: string, displayName: string, legacy: IConstruct | undefined, opts: { alarmsPublish?: boolean } = {}): sns.Topic {
    const topic = new sns.Topic(this, id, { displayName, masterKey: this.key, enforceSSL: true });
    if (opts.alarmsPublish) {
      // enforceSSL writes a topic policy, which replaces SNS's default owner policy: let this account's
      // CloudWatch alarms publish explicitly.
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
            ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
          },
        }),
      );
    }
    if (legacy) {
      keepLogicalId(topic, legacy, id, 'Resource');
      const policy = topic.node.tryFindChild('Policy');
      // A replaced TopicPolicy would delete the topic's policy after the new one was applied.
      if (policy) keepLogicalId(policy, legacy, id, 'Policy', 'Resource');
    }
    return topic;
  }

  private subscribe(
    id: string,
    legacy: IConstruct | undefined,
    topic: sns.ITopic,
    protocol: sns.SubscriptionProtocol,
    endpoint: string,
    filterPolicy?: Record<string, sns.SubscriptionFilter>,
  ): sns.Subscription {
    const sub = new sns.Subscription(this, id, {
      topic,
      protocol,
      endpoint,
      deadLetterQueue: this.deliveryFailuresQueue,
      ...(filterPolicy ? { filterPolicy } : {}),
    });
    if (legacy) keepLogicalId(sub, legacy, id, 'Resource');
    return sub;
  }

  /**
   * Email: one subscription per distinct address on the alert topic, filtered to the contracts that list
   * it, and one unfiltered on the report topic. Pager: one HTTPS subscription per distinct SSM parameter,
   * endpoint resolved by CloudFormation at deploy time, only severity=page of the contracts that name it.
   * An address or parameter named by every contract gets no contract filter (the same messages, and no
   * filter-size limit). Construct ids derive from the address / parameter so adding a contract never
   * replaces (and unconfirms) an existing subscription.
   */
  private subscribeContracts(contracts: readonly Contract[], legacy: IConstruct): void {
    const contractsByEmail = new Map<string, string[]>();
    const contractsByPager = new Map<string, string[]>();
    for (const c of contracts) {
      for (const email of c.spec.notify.email) pushDistinct(contractsByEmail, email.trim().toLowerCase(), c.metadata.name);
      if (c.spec.notify.pager) pushDistinct(contractsByPager, c.spec.notify.pager.ssmParameter, c.metadata.name);
    }
    const contractFilter = (what: string, names: string[]): Record<string, sns.SubscriptionFilter> => {
      if (names.length === contracts.length) return {};
      if (names.length > MAX_FILTER_VALUES) {
        throw new SloContractsConfigError(
          `${what} is named by ${names.length} contracts: an SNS filter policy holds at most ${MAX_FILTER_VALUES} values; ` +
            'name it in every contract (no filter is needed then) or in fewer',
        );
      }
      return { contract: sns.SubscriptionFilter.stringFilter({ allowlist: names }) };
    };

    for (const [email, names] of contractsByEmail) {
      const filter = contractFilter(`the email address ${email}`, names);
      this.subscribe(`AlertEmail-${email}`, legacy, this.alertTopic, sns.SubscriptionProtocol.EMAIL, email, Object.keys(filter).length ? filter : undefined);
      // One report per contract: an address hears the reports of the contracts that list it (not the roll-up).
      this.subscribe(`ReportEmail-${email}`, legacy, this.reportTopic, sns.SubscriptionProtocol.EMAIL, email, Object.keys(filter).length ? filter : undefined);
    }

    for (const [parameterName, names] of contractsByPager) {
      // encodeURIComponent keeps '/' (not allowed in construct ids) distinct from '_' and '-'.
      const id = `Pager-${encodeURIComponent(parameterName)}`;
      this.subscribe(
        id,
        legacy,
        this.alertTopic,
        sns.SubscriptionProtocol.HTTPS,
        // A CloudFormation parameter of type AWS::SSM::Parameter::Value<String>, resolved at each deploy: the
        // URL (it embeds the integration key) never enters the contract, the repository or the template.
        // It must be a String parameter: CloudFormation cannot pass a SecureString to this property.
        ssm.StringParameter.valueForStringParameter(this, parameterName),
        {
          severity: sns.SubscriptionFilter.stringFilter({ allowlist: ['page'] }),
          ...contractFilter(`the pager parameter ${parameterName}`, names),
        },
      );
    }
  }
}

function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function pushDistinct(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(value)) list.push(value);
  map.set(key, list);
}
