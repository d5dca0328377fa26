/**
 * CDK app entry: `npx cdk synth|deploy|diff|destroy [-c contracts=PATH] [-c stackName=NAME]
 * [-c operatorEmails=a@x,b@y] [-c operationsTopicArn=ARN] [-c operationsPagerParameter=/ssm/name]
 * [-c allowAlarmsWithoutOperators=true]`, or the same keys under `context` in cdk.json so every command sees
 * the same values (bin/app-context.ts).
 *
 * Audiences (who a tier's `notify` names) are defined once for the stack in the `audiences` context (cdk.json,
 * or `-c audiences='{"leadership":{"email":["cto@example.com"]}}'`); a tier naming one not defined there stops
 * synth like an invalid contract, with the contract's file and path.
 *
 * Contracts are loaded and validated here, at synth: an invalid contract stops synth with one
 * `file: path: message` line per problem, so nothing unreviewed or broken reaches the account. Any other
 * configuration error (a context value, a construct prop) ends in one line naming what to fix, never a
 * stack trace. cdk-nag's AwsSolutions pack runs on the whole app; every acknowledgement carries its reason
 * in code.
 */
import { existsSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ContractValidationError, formatIssue, loadContractsOrThrow } from '../functions/contracts/loader.ts';
import { undefinedAudiences } from '../functions/core/audiences.ts';
import type { AudienceDefinitions } from '../lib/notify/audience-subscriptions.ts';
import { SloContractsConfigError } from '../lib/errors.ts';
import { SloContractsStack } from '../lib/slo-contracts-stack.ts';
import { readAppSettings } from './app-context.ts';

const app = new App();

/** The `audiences` context: an object (cdk.json) or its JSON text (`-c audiences=...`). */
function audiencesFromContext(value: unknown): AudienceDefinitions {
  if (value === undefined || value === '') return {};
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : value;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SloContractsConfigError(`-c audiences: give an object of audience name -> { email, topicArn, httpsSsmParameter }, e.g. -c audiences='{"leadership":{"email":["cto@example.com"]}}'`);
  }
  return parsed as AudienceDefinitions;
}

try {
  const settings = readAppSettings((key) => app.node.tryGetContext(key));
  if (!existsSync(settings.contractsPath)) {
    throw new SloContractsConfigError(
      `-c contracts=${settings.contractsPath}: no such file or folder (from ${process.cwd()}); give the folder of contract YAML files, e.g. -c contracts=contracts`,
    );
  }
  const audiences = audiencesFromContext(app.node.tryGetContext('audiences'));
  let contracts;
  try {
    const loaded = loadContractsOrThrow(settings.contractsPath);
    // A tier naming an audience the stack does not define: an error in the contract, with its file and path.
    const issues = loaded.flatMap(({ file, contract }) => undefinedAudiences(contract, Object.keys(audiences)).map((i) => ({ file, path: i.path, message: i.message })));
    if (issues.length > 0) throw new ContractValidationError(issues);
    contracts = loaded.map((c) => c.contract);
  } catch (err) {
    if (!(err instanceof ContractValidationError)) throw err;
    console.error(`slo-contracts: invalid contracts in ${settings.contractsPath}, nothing was synthesised. Fix these:\n${err.issues.map(formatIssue).join('\n')}`);
    process.exit(1);
  }
  new SloContractsStack(app, settings.stackName, {
    description: 'slo-contracts: SLO error budgets, burn-rate alerts and deployment freezes',
    contracts,
    audiences,
    operatorEmails: settings.operatorEmails,
    allowAlarmsWithoutOperators: settings.allowAlarmsWithoutOperators,
    ...(settings.operationsPagerParameter !== undefined ? { operationsPager: { ssmParameter: settings.operationsPagerParameter } } : {}),
    ...(settings.operationsTopicArn !== undefined ? { operationsTopicArn: settings.operationsTopicArn } : {}),
  });
} catch (err) {
  if (err instanceof SloContractsConfigError) {
    console.error(`slo-contracts: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
