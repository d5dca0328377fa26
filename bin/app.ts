/**
 * CDK app entry: `npx cdk synth|deploy [-c contracts=PATH] [-c stackName=NAME] [-c operatorEmails=a@x,b@y]`.
 *
 * Contracts are loaded and validated here, at synth: an invalid contract stops synth with one
 * `file: path: message` line per problem, so nothing unreviewed or broken reaches the account.
 * Audiences (who a tier's `notify` names) are defined once for the stack in the `audiences` context (cdk.json,
 * or `-c audiences='{"leadership":{"email":["cto@example.com"]}}'`); a tier naming one not defined there stops
 * synth the same way, with the contract's file and path.
 * cdk-nag's AwsSolutions pack runs on the whole app; every acknowledgement carries its reason in code.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ContractValidationError, formatIssue, loadContractsOrThrow } from '../functions/contracts/loader.ts';
import { undefinedAudiences } from '../functions/core/audiences.ts';
import { SloContractsStack } from '../lib/slo-contracts-stack.ts';
import type { AudienceDefinitions } from '../lib/notify/audience-subscriptions.ts';

const app = new App();

const contractsPath = String(app.node.tryGetContext('contracts') ?? 'contracts');
const stackName = String(app.node.tryGetContext('stackName') ?? 'SloContracts');
const operatorEmails = String(app.node.tryGetContext('operatorEmails') ?? '')
  .split(',')
  .map((e) => e.trim())
  .filter((e) => e !== '');

/** The `audiences` context: an object (cdk.json) or its JSON text (`-c audiences=...`). */
function audiencesFromContext(value: unknown): AudienceDefinitions {
  if (value === undefined || value === '') return {};
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    console.error('slo-contracts: the "audiences" context must be an object of audience name -> { email, topicArn, httpsSsmParameter }');
    process.exit(1);
  }
  return parsed as AudienceDefinitions;
}

const audiences = audiencesFromContext(app.node.tryGetContext('audiences'));

let contracts;
try {
  const loaded = loadContractsOrThrow(contractsPath);
  const issues = loaded.flatMap(({ file, contract }) => undefinedAudiences(contract, Object.keys(audiences)).map((i) => ({ file, path: i.path, message: i.message })));
  if (issues.length > 0) throw new ContractValidationError(issues);
  contracts = loaded.map((c) => c.contract);
} catch (err) {
  if (err instanceof ContractValidationError) {
    console.error(`slo-contracts: invalid contracts in ${contractsPath}, nothing was synthesised. Fix these:\n${err.issues.map(formatIssue).join('\n')}`);
    process.exit(1);
  }
  throw err;
}

new SloContractsStack(app, stackName, {
  description: 'slo-contracts: SLO error budgets, burn-rate alerts and deployment freezes',
  contracts,
  operatorEmails,
  audiences,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
