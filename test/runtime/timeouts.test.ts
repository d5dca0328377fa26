/**
 * Every SDK client the runtime builds has connect and request timeouts (a hanging peer would otherwise hold
 * a run until the Lambda's own timeout), and a request timeout throws rather than only warning.
 * Each client makes one call to a closed port (refused at once, one attempt), which resolves its handler's
 * configuration, then the configuration is read back.
 */
import { describe, expect, it } from 'vitest';
import { createDynamoStore, DYNAMODB_TIMEOUTS } from '../../functions/adapters/dynamodb.ts';
import { createSnsNotifier, SNS_TIMEOUTS } from '../../functions/adapters/sns.ts';
import { createStsRoleCredentials, RoleArnTemplateError, STS_TIMEOUTS } from '../../functions/adapters/sts.ts';
import { awsPorts } from '../../functions/runtime/aws.ts';

const CLOSED = { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 };

type WithHandler = { config: { requestHandler: unknown } };
const handlerConfig = (client: WithHandler) => (client.config.requestHandler as { httpHandlerConfigs(): Record<string, unknown> }).httpHandlerConfigs();

describe('client deadlines', () => {
  it('DynamoDB: connect 1 s, request 3 s', async () => {
    const store = createDynamoStore('t', { clientConfig: CLOSED });
    await expect(store.getGate('shop-web', 'Production')).rejects.toThrow();
    expect(handlerConfig((store as unknown as { doc: WithHandler }).doc)).toMatchObject({ connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true });
    expect(DYNAMODB_TIMEOUTS).toEqual({ connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true });
  });

  it('SNS: connect 2 s, request 5 s', async () => {
    const notifier = createSnsNotifier('arn:aws:sns:us-east-1:123456789012:t', { clientConfig: CLOSED });
    await expect(notifier.publish({ subject: 's', text: 't', json: {}, attributes: { contract: 'c', objective: '-', tier: '-', previousTier: '-', severity: 'info', event: 'x' } })).rejects.toThrow();
    expect(handlerConfig((notifier as unknown as { client: WithHandler }).client)).toMatchObject(SNS_TIMEOUTS);
  });

  it('STS: connect 2 s, request 5 s', async () => {
    const roles = createStsRoleCredentials({ clientConfig: CLOSED });
    await expect(roles.credentialsFor('111111111111')).rejects.toThrow(/could not assume arn:aws:iam::111111111111:role\/slo-contracts-gate/);
    expect(handlerConfig((roles as unknown as { client: WithHandler }).client)).toMatchObject(STS_TIMEOUTS);
  });

  it('the runtime refuses a gate role template without {account} when it starts, naming the variable', () => {
    const env = { TABLE_NAME: 't', ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t', AWS_REGION: 'us-east-1', GATE_ROLE_ARN_TEMPLATE: 'arn:aws:iam::111111111111:role/gate' };
    expect(() => awsPorts({ env })).toThrow(RoleArnTemplateError);
    expect(() => awsPorts({ env })).toThrow(/GATE_ROLE_ARN_TEMPLATE/);
  });
});
