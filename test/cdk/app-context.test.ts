/** The app's context settings: strings from `-c`, lists and booleans from cdk.json, one-line errors. */
import { describe, expect, it } from 'vitest';
import { readAppSettings } from '../../bin/app-context.ts';
import { SloContractsConfigError } from '../../lib/errors.ts';

const read = (context: Record<string, unknown>) => readAppSettings((key) => context[key]);

describe('readAppSettings', () => {
  it('defaults: contracts/, stack SloContracts, no operators, no opt-out', () => {
    expect(read({})).toEqual({ contractsPath: 'contracts', stackName: 'SloContracts', operatorEmails: [], allowAlarmsWithoutOperators: false });
  });

  it('takes -c strings (comma-separated emails) and cdk.json values (a list, a boolean) alike', () => {
    const fromCli = read({
      contracts: 'slo/',
      stackName: 'Slo-Prod',
      operatorEmails: ' ops@example.com, sre@example.com ,',
      operationsTopicArn: 'arn:aws:sns:eu-west-1:111122223333:platform-ops',
      operationsPagerParameter: '/oncall/ops-pager-url',
      allowAlarmsWithoutOperators: 'false',
    });
    const fromCdkJson = read({
      contracts: 'slo/',
      stackName: 'Slo-Prod',
      operatorEmails: ['ops@example.com', 'sre@example.com'],
      operationsTopicArn: 'arn:aws:sns:eu-west-1:111122223333:platform-ops',
      operationsPagerParameter: '/oncall/ops-pager-url',
      allowAlarmsWithoutOperators: false,
    });
    expect(fromCli).toEqual(fromCdkJson);
    expect(fromCli.operatorEmails).toEqual(['ops@example.com', 'sre@example.com']);
    expect(read({ allowAlarmsWithoutOperators: true }).allowAlarmsWithoutOperators).toBe(true);
  });

  it.each([
    [{ stackName: 'my_stack' }, '-c stackName=my_stack: a stack name starts with a letter'],
    [{ stackName: 'x'.repeat(129) }, 'at most 128'],
    [{ operatorEmails: 'ops@example.com,oops' }, '-c operatorEmails: "oops" is not an email address'],
    [{ operatorEmails: ['ops@example.com', 42] }, '-c operatorEmails: every entry must be an email address, not 42'],
    [{ contracts: { dir: 'x' } }, '-c contracts: give text, not {"dir":"x"}'],
    [{ operationsTopicArn: 'arn:aws:sqs:eu-west-1:111122223333:q' }, '-c operationsTopicArn=arn:aws:sqs:eu-west-1:111122223333:q: give an SNS topic ARN'],
    [{ operationsPagerParameter: 'ops-pager' }, '-c operationsPagerParameter=ops-pager: give an SSM parameter name starting with /'],
    [{ allowAlarmsWithoutOperators: 'yes' }, '-c allowAlarmsWithoutOperators=yes: give true or false'],
  ])('%j is refused with a message naming the key', (context, message) => {
    expect(() => read(context)).toThrow(SloContractsConfigError);
    expect(() => read(context)).toThrow(message);
  });
});
