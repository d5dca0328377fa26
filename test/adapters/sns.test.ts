import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { MessageTooLargeError, SnsNotifier, createSnsNotifier, sanitizeSubject, toMessageAttributes } from '../../functions/adapters/sns.ts';
import type { OutboundMessage } from '../../functions/ports.ts';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:slo-contracts';
const client = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const sns = mockClient(client);

function msg(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    subject: 'checkout availability: healthy -> warning',
    text: 'checkout availability is now warning.\nBudget remaining: 42.5 %',
    json: { contract: 'checkout', remainingPct: 42.5, tier: 'warning' },
    attributes: { contract: 'checkout', objective: 'availability', tier: 'warning', previousTier: 'healthy', severity: 'info', event: 'tier-change' },
    ...over,
  };
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('SnsNotifier', () => {
  it('publishes the exact input: json structure, per-protocol bodies, String attributes', async () => {
    await new SnsNotifier(client, TOPIC).publish(msg());
    const json = '{"contract":"checkout","remainingPct":42.5,"tier":"warning"}';
    const text = 'checkout availability is now warning.\nBudget remaining: 42.5 %';
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toEqual({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: 'checkout availability: healthy -> warning',
      Message: JSON.stringify({ default: text, email: text, 'email-json': json, https: json, http: json, lambda: json, sqs: json }),
      MessageAttributes: {
        contract: { DataType: 'String', StringValue: 'checkout' },
        objective: { DataType: 'String', StringValue: 'availability' },
        tier: { DataType: 'String', StringValue: 'warning' },
        previousTier: { DataType: 'String', StringValue: 'healthy' },
        severity: { DataType: 'String', StringValue: 'info' },
        event: { DataType: 'String', StringValue: 'tier-change' },
      },
    });
    // What an HTTPS subscriber receives parses back to the payload.
    expect(JSON.parse(JSON.parse(input.Message!).https)).toEqual(msg().json);
  });

  it('sends empty attribute values as "-" (SNS rejects empty strings)', async () => {
    await new SnsNotifier(client, TOPIC).publish(
      msg({ attributes: { contract: 'checkout', objective: '', tier: 'exhausted', previousTier: '', severity: 'page', event: 'tier-change' } }),
    );
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({
        objective: { DataType: 'String', StringValue: '-' },
        previousTier: { DataType: 'String', StringValue: '-' },
        severity: { DataType: 'String', StringValue: 'page' },
      }),
    });
  });

  it('sanitizes the subject on the wire', async () => {
    await new SnsNotifier(client, TOPIC).publish(msg({ subject: 'Paiement évalué\n-12 %\tépuisé' }));
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { Subject: 'Paiement evalue -12 % epuise' });
  });

  it('refuses a message over 256 KiB (5 JSON copies of 60 kB) before calling SNS', async () => {
    await expect(new SnsNotifier(client, TOPIC).publish(msg({ json: { blob: 'x'.repeat(60_000) } }))).rejects.toThrow(MessageTooLargeError);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('lets a Publish failure through so the caller keeps the notification pending', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    await expect(new SnsNotifier(client, TOPIC).publish(msg())).rejects.toThrow('Topic does not exist');
  });
});

describe('sanitizeSubject', () => {
  it('keeps a clean subject as is', () => {
    expect(sanitizeSubject('[page] checkout budget exhausted (-12 pct)')).toBe('[page] checkout budget exhausted (-12 pct)');
  });

  it('removes line breaks and control characters, collapses spaces, trims', () => {
    expect(sanitizeSubject('  a\r\nb\u0007c   d  ')).toBe('a b?c d');
  });

  it('folds accents and replaces other non-ASCII characters with ?', () => {
    expect(sanitizeSubject('Zürich → café 🔥')).toBe('Zurich ? cafe ??');
  });

  it('cuts to 100 characters with an ellipsis', () => {
    const long = 'checkout availability budget '.repeat(10);
    const out = sanitizeSubject(long);
    expect(out).toHaveLength(100);
    expect(out.endsWith('...')).toBe(true);
    expect(out.startsWith('checkout availability budget checkout')).toBe(true);
    expect(sanitizeSubject('x'.repeat(100))).toBe('x'.repeat(100));
    expect(sanitizeSubject('x'.repeat(101))).toBe(`${'x'.repeat(97)}...`);
  });

  it('never returns an empty subject', () => {
    expect(sanitizeSubject('')).toBe('slo-contracts notification');
    expect(sanitizeSubject(' \n\t ')).toBe('slo-contracts notification');
  });
});

describe('createSnsNotifier', () => {
  it('builds a notifier on its own client (no network until called)', () => {
    expect(createSnsNotifier(TOPIC, { clientConfig: { region: 'eu-west-1' } })).toBeInstanceOf(SnsNotifier);
  });
});

describe('toMessageAttributes', () => {
  it('sends a list of contracts as a String.Array, so a per-contract filter policy matches any of them', () => {
    const attrs = toMessageAttributes({ contract: ['checkout', 'storefront-canary'], objective: '-', tier: '', previousTier: '-', severity: 'ticket', event: 'freeze' });
    expect(attrs.contract).toEqual({ DataType: 'String.Array', StringValue: '["checkout","storefront-canary"]' });
    expect(attrs.tier).toEqual({ DataType: 'String', StringValue: '-' });
    expect(toMessageAttributes({ contract: [], objective: 'o', tier: 't', previousTier: 'p', severity: 'info', event: 'unfreeze' }).contract).toEqual({
      DataType: 'String.Array',
      StringValue: '["-"]',
    });
  });
});

describe('audiences', () => {
  const CHAT = 'arn:aws:sns:us-east-1:123456789012:team-chat';
  const withAudience = (audience: string[]) => msg({ attributes: { ...msg().attributes, audience } });

  it('sends audience as a String.Array only when it names someone', () => {
    expect(toMessageAttributes(withAudience(['leadership', 'team-web']).attributes).audience).toEqual({ DataType: 'String.Array', StringValue: '["leadership","team-web"]' });
    expect(toMessageAttributes(withAudience([]).attributes).audience).toBeUndefined();
    expect(toMessageAttributes(msg().attributes).audience).toBeUndefined();
  });

  it('copies a message to the topic of each audience defined as one, same body and attributes, after the main topic', async () => {
    await new SnsNotifier(client, TOPIC, { chat: CHAT, other: 'arn:aws:sns:us-east-1:123456789012:other' }).publish(withAudience(['leadership', 'chat']));
    const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.TopicArn)).toEqual([TOPIC, CHAT]);
    expect(calls[1]).toEqual({ ...calls[0], TopicArn: CHAT });
    // No audience named: the main topic only.
    sns.resetHistory();
    await new SnsNotifier(client, TOPIC, { chat: CHAT }).publish(msg());
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.TopicArn)).toEqual([TOPIC]);
  });

  it('a failed copy fails the publish, so the notification stays pending', async () => {
    sns.on(PublishCommand, { TopicArn: CHAT }).rejects(Object.assign(new Error('AuthorizationError'), { name: 'AuthorizationErrorException' }));
    await expect(new SnsNotifier(client, TOPIC, { chat: CHAT }).publish(withAudience(['chat']))).rejects.toThrow('AuthorizationError');
  });
});
