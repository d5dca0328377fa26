/**
 * NotifierPort on one SNS topic (the only importer of the SNS SDK). One Publish per message with
 * MessageStructure 'json': email gets readable text, machine subscribers (HTTP/S, Lambda, SQS,
 * email-json) get the JSON payload. Message attributes let subscriptions filter (the pager subscribes
 * with a filter policy on severity=page).
 */
import { PublishCommand, SNSClient, type MessageAttributeValue, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { MessageAttributes, NotifierPort, OutboundMessage } from '../ports.ts';

/** SNS limits an email subject to 100 characters. */
export const MAX_SUBJECT_CHARS = 100;
/** SNS limits a message (body plus attributes) to 256 KiB. */
export const MAX_MESSAGE_BYTES = 262_144;
const FALLBACK_SUBJECT = 'slo-contracts notification';

export class MessageTooLargeError extends Error {
  override name = 'MessageTooLargeError';
}

/**
 * Makes a subject SNS accepts: printable ASCII only (accents folded, e.g. é -> e; anything else -> ?),
 * no line breaks or control characters, whitespace collapsed, at most 100 characters (cut with `...`),
 * never empty.
 */
export function sanitizeSubject(subject: string): string {
  const folded = subject.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const printable = folded
    .replace(/[\r\n\t\f\v\u2028\u2029]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (printable.length === 0) return FALLBACK_SUBJECT;
  if (printable.length <= MAX_SUBJECT_CHARS) return printable;
  return `${printable.slice(0, MAX_SUBJECT_CHARS - 3).trimEnd()}...`;
}

/**
 * SNS rejects empty String attribute values: an empty one is sent as `-`. A list is sent as String.Array
 * (filter policies match when any element matches); an empty list as `["-"]`. `audience` is sent only when it
 * names someone, so an audience subscription never matches a message that is not for it.
 */
export function toMessageAttributes(attributes: MessageAttributes): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const name of ['contract', 'objective', 'tier', 'previousTier', 'severity', 'event', 'audience'] as const) {
    if (name === 'audience') {
      const names = (attributes.audience ?? []).filter((v) => v !== '');
      if (names.length > 0) out[name] = { DataType: 'String.Array', StringValue: JSON.stringify(names) };
      continue;
    }
    const value = attributes[name];
    if (Array.isArray(value)) {
      const items = value.filter((v) => v !== '');
      out[name] = { DataType: 'String.Array', StringValue: JSON.stringify(items.length ? items : ['-']) };
    } else {
      out[name] = { DataType: 'String', StringValue: value === undefined || value === '' ? '-' : value };
    }
  }
  return out;
}

/** The per-protocol body of a MessageStructure 'json' publish. */
export function messageBody(message: OutboundMessage): string {
  const json = JSON.stringify(message.json);
  return JSON.stringify({
    default: message.text,
    email: message.text,
    'email-json': json,
    https: json,
    http: json,
    lambda: json,
    sqs: json,
  });
}

export class SnsNotifier implements NotifierPort {
  /**
   * @param audienceTopics audiences defined as an existing SNS topic (e.g. one a team's chat bridge subscribes
   *   to), by name -> topic ARN. SNS cannot subscribe a topic to a topic, so a message naming such an audience
   *   is published to that topic as well, with the same body and attributes.
   */
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly audienceTopics: Readonly<Record<string, string>> = {},
  ) {}

  /**
   * Publishes to the topic, then to the topic of every audience the message names that is defined as one.
   * A failure anywhere throws, so the caller keeps the message pending and retries it: delivery is at least
   * once (a retry after a partial failure can repeat the copies that had gone out).
   */
  async publish(message: OutboundMessage): Promise<void> {
    const targets = [this.topicArn];
    for (const name of message.attributes.audience ?? []) {
      const arn = this.audienceTopics[name];
      if (arn !== undefined && !targets.includes(arn)) targets.push(arn);
    }
    for (const topicArn of targets) await this.publishTo(topicArn, message);
  }

  private async publishTo(topicArn: string, message: OutboundMessage): Promise<void> {
    const body = messageBody(message);
    const attributes = toMessageAttributes(message.attributes);
    const size =
      Buffer.byteLength(body, 'utf8') +
      Object.entries(attributes).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? ''), 0);
    if (size > MAX_MESSAGE_BYTES) {
      throw new MessageTooLargeError(
        `SNS message for ${message.attributes.contract}/${message.attributes.objective} (${message.attributes.event}) is ${size} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit: shorten text or json`,
      );
    }
    await this.client.send(
      new PublishCommand({
        TopicArn: topicArn,
        MessageStructure: 'json',
        Subject: sanitizeSubject(message.subject),
        Message: body,
        MessageAttributes: attributes,
      }),
    );
  }
}

/**
 * Deadlines of every SNS Publish (ms), per attempt; the SDK's own retry (standard mode, 3 attempts) stays on.
 * Connect 2 s: an in-region endpoint answers a handshake in milliseconds. Request 5 s: a Publish of up to
 * 256 KiB is acknowledged in tens of ms; a page waits at most about 3 x (2 + 5) s before it is left for the
 * next run, well inside the Lambda's time.
 */
export const SNS_TIMEOUTS = { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true } as const;

/**
 * Composition helper for the runtime: an SnsNotifier on a client built from the standard AWS environment
 * (region, AWS_ENDPOINT_URL[_SNS], credentials chain, the SDK's own retry settings), with connect and
 * request timeouts (SNS_TIMEOUTS) unless `clientConfig.requestHandler` says otherwise.
 */
export function createSnsNotifier(topicArn: string, opts: { clientConfig?: SNSClientConfig; audienceTopics?: Readonly<Record<string, string>> } = {}): SnsNotifier {
  return new SnsNotifier(new SNSClient({ requestHandler: { ...SNS_TIMEOUTS }, ...opts.clientConfig }), topicArn, opts.audienceTopics ?? {});
}
