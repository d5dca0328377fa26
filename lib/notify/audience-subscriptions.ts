/**
 * Audience subscriptions: each audience (leadership, a team, chat) defined once for the stack, subscribed to the
 * alert topic with a filter on the `audience` message attribute, so it hears exactly the messages that name it:
 * a change into a tier whose `notify` lists it, and (leadership) a review date that has come. Leadership is also
 * subscribed to the report topic, where only the weekly roll-up carries `audience: leadership`.
 *
 * Destinations per audience: email addresses (each confirms by the link SNS mails it), an HTTPS endpoint held in
 * an SSM String parameter (resolved at deploy; the endpoint must confirm the subscription), and/or an existing
 * SNS topic, e.g. one a chat bridge subscribes to. SNS cannot subscribe a topic to a topic, so the Lambdas
 * publish a copy there themselves (AUDIENCE_TOPIC_ARNS) and get sns:Publish on it.
 *
 * See functions/core/audiences.ts for why audiences are defined per stack and not per contract.
 */
import { Annotations, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { Contract } from '../../functions/core/contract.ts';
import { AUDIENCE_NAME_PATTERN, LEADERSHIP_AUDIENCE, namedAudiences, undefinedAudiences } from '../../functions/core/audiences.ts';
import { AUDIENCE_TOPICS_ENV } from '../../functions/runtime/config.ts';

/** How one audience is reached. Give at least one destination. */
export interface AudienceDefinition {
  /**
   * Email addresses. Each receives a confirmation email from SNS at deploy and hears nothing until it confirms.
   *
   * @default - no email
   */
  readonly email?: readonly string[];
  /**
   * An existing SNS topic (ARN) that receives a copy of the audience's messages, e.g. one a team's chat bridge
   * (a function that posts to the channel) subscribes to. Subscribers get the same bodies as ours: text for
   * email, the JSON payload for HTTPS, Lambda and SQS. The evaluator and reporter get sns:Publish on it; a topic
   * encrypted with a customer-managed KMS key must also let them use the key.
   *
   * @default - no topic
   */
  readonly topicArn?: string;
  /**
   * Name of an SSM String parameter (not SecureString: CloudFormation cannot pass those) holding an HTTPS
   * endpoint, resolved at each deploy so the URL never enters the code. The endpoint receives the JSON payload
   * and must confirm the subscription (SNS posts a SubscriptionConfirmation with a SubscribeURL first).
   *
   * @default - no HTTPS endpoint
   */
  readonly httpsSsmParameter?: string;
}

/** Audience name -> how to reach it. */
export type AudienceDefinitions = Readonly<Record<string, AudienceDefinition>>;

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const SSM_PARAMETER = /^\/[A-Za-z0-9_.\-/]+$/;

/** The filter policy of an audience's subscriptions, as SNS stores it: the attribute holds the name. */
export function audienceFilterPolicyJson(audience: string): Record<string, string[]> {
  return { audience: [audience] };
}

function audienceFilterPolicy(audience: string): Record<string, sns.SubscriptionFilter> {
  return { audience: sns.SubscriptionFilter.stringFilter({ allowlist: audienceFilterPolicyJson(audience).audience }) };
}

/**
 * Every problem with the definitions and with the audiences the contracts name, one line each:
 * `contract checkout: spec.policy.tiers[1].notify[0]: audience "leadership" is not defined ...`.
 */
export function audienceProblems(contracts: readonly Contract[], audiences: AudienceDefinitions): string[] {
  const problems: string[] = [];
  for (const [name, def] of Object.entries(audiences)) {
    const at = `audiences.${name}`;
    if (!AUDIENCE_NAME_PATTERN.test(name)) problems.push(`${at}: an audience name is lower-case letters, digits and dashes (as tiers write it in notify)`);
    const emails = def.email ?? [];
    if (emails.length === 0 && def.topicArn === undefined && def.httpsSsmParameter === undefined) {
      problems.push(`${at}: give at least one destination: email, topicArn or httpsSsmParameter`);
    }
    emails.forEach((e, i) => {
      if (!Token.isUnresolved(e) && !EMAIL.test(e.trim())) problems.push(`${at}.email[${i}]: "${e}" is not an email address`);
    });
    if (def.topicArn !== undefined && !Token.isUnresolved(def.topicArn) && !TOPIC_ARN.test(def.topicArn)) {
      problems.push(`${at}.topicArn: "${def.topicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
    }
    if (def.httpsSsmParameter !== undefined && !SSM_PARAMETER.test(def.httpsSsmParameter)) {
      problems.push(`${at}.httpsSsmParameter: must be an SSM parameter name starting with /, e.g. /chat/leadership-webhook`);
    }
  }
  const defined = Object.keys(audiences);
  for (const c of contracts) for (const issue of undefinedAudiences(c, defined)) problems.push(`contract ${c.metadata.name}: ${issue.path}: ${issue.message}`);
  return problems;
}

/**
 * Subscribes every audience: to the alert topic filtered on its name, and leadership to the report topic too
 * (the roll-up). Construct ids derive from the audience and the address or parameter, so adding an audience
 * never replaces (and unconfirms) an existing subscription. Warns when an address is also a contract recipient
 * (it would receive such messages twice) and when an audience is defined that nothing names.
 */
export function subscribeAudiences(
  scope: Construct,
  props: { alertTopic: sns.ITopic; reportTopic: sns.ITopic; audiences: AudienceDefinitions; contracts: readonly Contract[]; deadLetterQueue?: sqs.IQueue },
): sns.Subscription[] {
  const subscriptions: sns.Subscription[] = [];
  const recipients = new Set(props.contracts.flatMap((c) => c.spec.notify.email.map((e) => e.trim().toLowerCase())));
  const named = new Set(namedAudiences(props.contracts));
  for (const [name, def] of Object.entries(props.audiences)) {
    if (!named.has(name) && name !== LEADERSHIP_AUDIENCE) {
      Annotations.of(scope).addWarningV2(`slo-contracts:audience-unused:${name}`, `audience "${name}" is defined but no tier names it: it will receive nothing`);
    }
    const topics = name === LEADERSHIP_AUDIENCE ? [['Alert', props.alertTopic] as const, ['Report', props.reportTopic] as const] : [['Alert', props.alertTopic] as const];
    for (const email of [...new Set((def.email ?? []).map((e) => e.trim().toLowerCase()))]) {
      if (recipients.has(email)) {
        Annotations.of(scope).addWarningV2(`slo-contracts:audience-duplicate:${name}:${email}`, `${email} is both a contract recipient and in audience "${name}": it receives messages for both twice`);
      }
      for (const [kind, topic] of topics) {
        subscriptions.push(
          new sns.Subscription(scope, `Audience${kind}-${name}-Email-${email}`, { topic, protocol: sns.SubscriptionProtocol.EMAIL, endpoint: email, filterPolicy: audienceFilterPolicy(name), ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}) }),
        );
      }
    }
    if (def.httpsSsmParameter !== undefined) {
      // One parameter lookup per audience, shared by its subscriptions.
      const endpoint = ssm.StringParameter.valueForStringParameter(scope, def.httpsSsmParameter);
      for (const [kind, topic] of topics) {
        subscriptions.push(
          new sns.Subscription(scope, `Audience${kind}-${name}-Https-${encodeURIComponent(def.httpsSsmParameter)}`, {
            topic,
            protocol: sns.SubscriptionProtocol.HTTPS,
            endpoint,
            filterPolicy: audienceFilterPolicy(name),
            ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
          }),
        );
      }
    }
  }
  return subscriptions;
}

/** The Lambdas' environment: audiences defined as an existing topic, as JSON (empty when there are none). */
export function audienceEnvironment(audiences: AudienceDefinitions): Record<string, string> {
  const topics = Object.fromEntries(Object.entries(audiences).flatMap(([name, def]) => (def.topicArn !== undefined ? [[name, def.topicArn]] : [])));
  return Object.keys(topics).length > 0 ? { [AUDIENCE_TOPICS_ENV]: JSON.stringify(topics) } : {};
}

/** sns:Publish on each audience topic for the functions that copy messages there. */
export function grantAudienceTopics(scope: Construct, audiences: AudienceDefinitions, grantees: readonly iam.IGrantable[]): void {
  const arns = [...new Set(Object.values(audiences).flatMap((d) => (d.topicArn !== undefined ? [d.topicArn] : [])))];
  arns.forEach((arn, i) => {
    const topic = sns.Topic.fromTopicArn(scope, `AudienceTopic${i}`, arn);
    for (const g of grantees) topic.grantPublish(g);
  });
}
