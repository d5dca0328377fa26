/**
 * StackOutputsPort on CloudFormation DescribeStacks (the only importer of the CloudFormation SDK): how
 * `slo status --stack NAME` and `slo report --stack NAME` find the deployed table from the stack's outputs.
 * Read-only. The client is injected; `createStackOutputs` builds one from the standard AWS environment with
 * a timeout on every call.
 */
import { CloudFormationClient, DescribeStacksCommand, type CloudFormationClientConfig } from '@aws-sdk/client-cloudformation';
import { StackNotFoundError, type StackOutputsPort } from '../ports.ts';

/** Milliseconds to open a connection and to receive a response, per attempt (the SDK retries on its own). */
export const CONNECTION_TIMEOUT_MS = 3_000;
export const REQUEST_TIMEOUT_MS = 10_000;

export class CloudFormationStackOutputs implements StackOutputsPort {
  constructor(private readonly client: CloudFormationClient) {}

  async outputs(stackName: string): Promise<Record<string, string>> {
    let stacks;
    try {
      ({ Stacks: stacks } = await this.client.send(new DescribeStacksCommand({ StackName: stackName })));
    } catch (err) {
      // CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist".
      if (err instanceof Error && err.name === 'ValidationError' && /does not exist/.test(err.message)) {
        throw new StackNotFoundError(`stack "${stackName}" does not exist in this account and region: give the name \`cdk deploy\` printed (default SloContracts), and check AWS_REGION / AWS_PROFILE`);
      }
      throw err;
    }
    const stack = stacks?.[0];
    if (!stack) throw new StackNotFoundError(`stack "${stackName}" was not found: give the name \`cdk deploy\` printed (default SloContracts)`);
    const out: Record<string, string> = {};
    for (const o of stack.Outputs ?? []) if (o.OutputKey && o.OutputValue !== undefined) out[o.OutputKey] = o.OutputValue;
    return out;
  }
}

/** An adapter on a client from the standard AWS environment (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL...), with timeouts. */
export function createStackOutputs(opts: { clientConfig?: CloudFormationClientConfig } = {}): CloudFormationStackOutputs {
  return new CloudFormationStackOutputs(
    new CloudFormationClient({
      requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
      ...opts.clientConfig,
    }),
  );
}
