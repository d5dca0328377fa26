/**
 * Audience routing end to end on moto: the subscriptions the CDK construct synthesizes (topic, protocol and the
 * exact FilterPolicy, copied from the template) are recreated on moto with an SQS queue in place of each email
 * address or HTTPS endpoint; the real evaluator, reminders and weekly report publish through the real SNS
 * adapter; each queue then holds exactly what that subscriber would receive.
 *
 * Contracts: checkout (default policy: warning tells leadership; review due today) and web (warning tells
 * leadership and team-web, frozen tells chat, an existing topic). Both read the same scripted traffic, so both
 * fall to warning, then to frozen.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSnsNotifier } from '../../functions/adapters/sns.ts';
import { ContractSchema, type Contract } from '../../functions/core/contract.ts';
import { evaluate } from '../../functions/usecases/evaluate.ts';
import { sendWeeklyReport } from '../../functions/usecases/report.ts';
import type { AudienceDefinitions } from '../../lib/notify/audience-subscriptions.ts';
import { Scratch, logicalId, synthStack } from '../cdk/fixtures.ts';
import { checkout, HOUR, MIN, T0, AUDIENCE_POLICY } from '../support/contracts.ts';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailable, startMoto, drainEnvelopes, type Moto, type SnsEnvelope } from '../support/moto.ts';
import { world } from '../support/world.ts';

const available = motoAvailable();
if (!available.ok) console.warn(`${available.why}: audience routing suite skipped`);

const REGION = MOTO_REGION;
const CREDENTIALS = MOTO_CREDENTIALS;

const CHECKOUT = checkout({ reviewBy: '2026-11-02' }); // due on T0's day: the reminder tells leadership
const base = checkout({ notify: { email: ['web@example.com'] } }, 'web');
const WEB: Contract = ContractSchema.parse({
  ...base,
  spec: {
    ...base.spec,
    policy: AUDIENCE_POLICY,
  },
});

interface TemplateSub {
  Protocol: string;
  Endpoint: unknown;
  TopicArn: { Ref: string };
  FilterPolicy?: Record<string, unknown>;
}

describe.skipIf(!available.ok)('audience routing on moto, with the filter policies the construct deploys', () => {
  let moto: Moto | undefined;
  let sqs: SQSClient;
  const scratch = new Scratch();
  /** Queue URL per subscriber: `alert:email:cto@example.com`, `report:https:/chat/leadership-webhook`, `chat`. */
  const queues = new Map<string, string>();

  const drain = (url: string) => drainEnvelopes(sqs, url);

  /** What one subscriber received: `event tier contract` per message, in order. */
  const received: Record<string, string[]> = {};
  const summary = (e: SnsEnvelope) => {
    const a = e.MessageAttributes ?? {};
    const kind = a.event?.Value === 'report' ? `report ${(JSON.parse(e.Message) as { kind?: string }).kind ?? ''}` : (a.event?.Value ?? '?');
    return `${kind} ${a.tier?.Value ?? '-'} ${a.contract?.Value ?? '-'}`.replace(/\s+/g, ' ').trim();
  };

  beforeAll(async () => {
    vi.stubEnv('CDK_VALIDATION', 'false');
    moto = await startMoto();
    const config = { region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS };
    const sns = new SNSClient(config);
    sqs = new SQSClient(config);
    const topic = async (name: string) => (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
    const alertArn = await topic('slo-alerts');
    const reportArn = await topic('slo-reports');
    const chatArn = await topic('team-chat');
    const audiences: AudienceDefinitions = {
      leadership: { email: ['cto@example.com', 'vp-eng@example.com'], httpsSsmParameter: '/chat/leadership-webhook' },
      'team-web': { email: ['web-leads@example.com'] },
      chat: { topicArn: chatArn },
    };

    // The construct's subscriptions, from the synthesized template.
    const { template } = synthStack(scratch, { contracts: [CHECKOUT, WEB], audiences });
    const alert = logicalId(template, 'AWS::SNS::Topic', 'AlertTopic');
    const report = logicalId(template, 'AWS::SNS::Topic', 'ReportTopic');
    const params = template.toJSON().Parameters as Record<string, { Default: string }>;
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: TemplateSub }).Properties);
    const subscribe = async (key: string, topicArn: string, filterPolicy?: Record<string, unknown>) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: `q-${queues.size}` }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      const attributes: Record<string, string> = { RawMessageDelivery: 'false', ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}) };
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: arn, Attributes: attributes }));
      queues.set(key, url);
    };
    for (const s of subscriptions) {
      const topicArn = s.TopicArn.Ref === alert ? alertArn : s.TopicArn.Ref === report ? reportArn : undefined;
      if (!topicArn) continue; // the operations topic's
      const endpoint = typeof s.Endpoint === 'string' ? s.Endpoint : (params[(s.Endpoint as { Ref: string }).Ref]?.Default ?? '?');
      await subscribe(`${topicArn === alertArn ? 'alert' : 'report'}:${s.Protocol}:${endpoint}`, topicArn, s.FilterPolicy);
    }
    await subscribe('chat', chatArn);

    // The scripted incident, published through the real adapter (alert topic; audience topics copied).
    const clientConfig = config;
    const w = world();
    const ports = { ...w.ports, notifier: createSnsNotifier(alertArn, { clientConfig, audienceTopics: { chat: chatArn } }) };
    await evaluate(ports, [CHECKOUT, WEB], { overrideHonourMs: HOUR }); // healthy; checkout's review is due today
    // 900 bad of 1,440 allowed (1 d at 99 %): 37.5 % left: warning for both.
    w.traffic.burst(T0 + 10 * MIN, 900);
    w.clock.set(T0 + HOUR);
    await evaluate(ports, [CHECKOUT, WEB], { overrideHonourMs: HOUR });
    // 500 more: 2.8 % left: frozen for both.
    w.traffic.burst(T0 + HOUR + 10 * MIN, 500);
    w.clock.set(T0 + 2 * HOUR);
    await evaluate(ports, [CHECKOUT, WEB], { overrideHonourMs: HOUR });
    await sendWeeklyReport({ store: w.store, clock: w.clock, notifier: createSnsNotifier(reportArn, { clientConfig, audienceTopics: { chat: chatArn } }) }, [CHECKOUT, WEB]);

    for (const [key, url] of queues) received[key] = (await drain(url)).map(summary);
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    scratch.remove();
    await moto?.stop();
  });

  it('the construct deployed one subscription per leadership address and endpoint on both topics, one for the web team, none for chat', () => {
    expect([...queues.keys()].filter((k) => !k.includes('sre@') && !k.includes('web@')).sort()).toEqual([
      'alert:email:cto@example.com',
      'alert:email:vp-eng@example.com',
      'alert:email:web-leads@example.com',
      'alert:https:/chat/leadership-webhook',
      'chat',
      'report:email:cto@example.com',
      'report:email:vp-eng@example.com',
      'report:https:/chat/leadership-webhook',
    ]);
  });

  it('leadership hears the passed review date and the changes into warning, nothing else', () => {
    for (const key of ['alert:email:cto@example.com', 'alert:email:vp-eng@example.com', 'alert:https:/chat/leadership-webhook']) {
      expect(received[key], key).toEqual(['review-reminder - checkout', 'tier-change warning checkout', 'tier-change warning web']);
    }
  });

  it('the web team hears only web\'s change into warning; chat only web\'s change into frozen', () => {
    expect(received['alert:email:web-leads@example.com']).toEqual(['tier-change warning web']);
    expect(received.chat).toEqual(['tier-change frozen web']);
  });

  it('leadership gets the roll-up on the report topic; each contract\'s recipients get their contract\'s report only', () => {
    for (const key of ['report:email:cto@example.com', 'report:email:vp-eng@example.com', 'report:https:/chat/leadership-webhook']) {
      expect(received[key], key).toEqual(['report roll-up - -']);
    }
    expect(received['report:email:sre@example.com']).toEqual(['report contract - checkout']);
    expect(received['report:email:web@example.com']).toEqual(['report contract - web']);
  });

  it('contract recipients still hear everything about their contract, audience or not', () => {
    const sre = received['alert:email:sre@example.com'] ?? [];
    expect(sre).toEqual(expect.arrayContaining(['review-reminder - checkout', 'tier-change warning checkout', 'tier-change frozen checkout']));
    expect(sre.some((m) => m.startsWith('burn-alert'))).toBe(true);
    expect(sre.some((m) => m.endsWith(' web'))).toBe(false);
  });
});
