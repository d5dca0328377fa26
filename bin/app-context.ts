/**
 * The CDK app's settings, read from context (`-c key=value` on the command line, or `context` in cdk.json)
 * and checked before anything is built: each bad value is one line naming the key and what to give.
 *
 *   contracts                    folder (or file) of contract YAML                 default: contracts
 *   stackName                    CloudFormation stack name                         default: SloContracts
 *   operatorEmails               comma-separated addresses (or a JSON list in cdk.json)
 *   operationsTopicArn           an existing SNS topic for the alarms
 *   operationsPagerParameter     SSM String parameter holding the operations pager's HTTPS URL
 *   allowAlarmsWithoutOperators  true to deploy alarms that reach nobody
 */
import { SloContractsConfigError } from '../lib/errors.ts';

export interface AppSettings {
  contractsPath: string;
  stackName: string;
  operatorEmails: string[];
  operationsTopicArn?: string;
  operationsPagerParameter?: string;
  allowAlarmsWithoutOperators: boolean;
}

/** The context keys the app reads. */
export const CONTEXT_KEYS = ['contracts', 'stackName', 'operatorEmails', 'operationsTopicArn', 'operationsPagerParameter', 'allowAlarmsWithoutOperators'] as const;

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const SSM_PARAMETER = /^\/[A-Za-z0-9_.\-/]+$/;

const bad = (message: string) => new SloContractsConfigError(message);

function text(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw bad(`-c ${key}: give text, not ${JSON.stringify(value)}`);
}

/** Reads and checks the settings; `get` is `app.node.tryGetContext`. */
export function readAppSettings(get: (key: string) => unknown): AppSettings {
  const contractsPath = text('contracts', get('contracts')) ?? 'contracts';

  const stackName = text('stackName', get('stackName')) ?? 'SloContracts';
  if (!STACK_NAME.test(stackName)) {
    throw bad(`-c stackName=${stackName}: a stack name starts with a letter and holds only letters, digits and dashes (at most 128), e.g. SloContracts`);
  }

  const rawEmails = get('operatorEmails');
  let emails: string[];
  if (Array.isArray(rawEmails)) {
    emails = rawEmails.map((e) => {
      if (typeof e !== 'string') throw bad(`-c operatorEmails: every entry must be an email address, not ${JSON.stringify(e)}`);
      return e.trim();
    });
  } else {
    emails = (text('operatorEmails', rawEmails) ?? '').split(',').map((e) => e.trim());
  }
  emails = emails.filter((e) => e !== '');
  for (const e of emails) {
    if (!EMAIL.test(e)) throw bad(`-c operatorEmails: "${e}" is not an email address; give addresses separated by commas, e.g. -c operatorEmails=ops@example.com,sre@example.com`);
  }

  const operationsTopicArn = text('operationsTopicArn', get('operationsTopicArn'));
  if (operationsTopicArn !== undefined && !TOPIC_ARN.test(operationsTopicArn)) {
    throw bad(`-c operationsTopicArn=${operationsTopicArn}: give an SNS topic ARN, e.g. arn:aws:sns:eu-west-1:111122223333:platform-ops`);
  }

  const operationsPagerParameter = text('operationsPagerParameter', get('operationsPagerParameter'));
  if (operationsPagerParameter !== undefined && !SSM_PARAMETER.test(operationsPagerParameter)) {
    throw bad(`-c operationsPagerParameter=${operationsPagerParameter}: give an SSM parameter name starting with /, e.g. /oncall/ops-pager-url`);
  }

  const allow = text('allowAlarmsWithoutOperators', get('allowAlarmsWithoutOperators')) ?? 'false';
  if (allow !== 'true' && allow !== 'false') throw bad(`-c allowAlarmsWithoutOperators=${allow}: give true or false`);

  return {
    contractsPath,
    stackName,
    operatorEmails: emails,
    ...(operationsTopicArn !== undefined ? { operationsTopicArn } : {}),
    ...(operationsPagerParameter !== undefined ? { operationsPagerParameter } : {}),
    allowAlarmsWithoutOperators: allow === 'true',
  };
}
