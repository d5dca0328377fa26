import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudFormationStackOutputs } from '../../functions/adapters/cloudformation.ts';
import { StackNotFoundError } from '../../functions/ports.ts';

const client = new CloudFormationClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const cfn = mockClient(client);

beforeEach(() => cfn.reset());

describe('CloudFormationStackOutputs', () => {
  it('asks DescribeStacks for the one stack and returns its outputs by key', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'SloContracts',
          CreationTime: new Date(0),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'TableName', OutputValue: 'SloContracts-Table-1ABC' },
            { OutputKey: 'AlertTopicArn', OutputValue: 'arn:aws:sns:us-east-1:123456789012:alerts' },
          ],
        },
      ],
    });
    const out = await new CloudFormationStackOutputs(client).outputs('SloContracts');
    expect(cfn).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: 'SloContracts' });
    expect(out).toEqual({ TableName: 'SloContracts-Table-1ABC', AlertTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts' });
  });

  it('a stack that does not exist is a StackNotFoundError saying what to give', async () => {
    const err = Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' });
    cfn.on(DescribeStacksCommand).rejects(err);
    const p = new CloudFormationStackOutputs(client).outputs('Nope');
    await expect(p).rejects.toBeInstanceOf(StackNotFoundError);
    await expect(p).rejects.toThrow('stack "Nope" does not exist in this account and region: give the name `cdk deploy` printed (default SloContracts)');
  });

  it('other failures pass through unchanged (access denied, throttling)', async () => {
    const err = Object.assign(new Error('not authorized to perform cloudformation:DescribeStacks'), { name: 'AccessDenied' });
    cfn.on(DescribeStacksCommand).rejects(err);
    await expect(new CloudFormationStackOutputs(client).outputs('SloContracts')).rejects.toBe(err);
  });
});
