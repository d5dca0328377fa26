/**
 * CDK app entry: `npx cdk synth|deploy [-c contracts=PATH] [-c stackName=NAME] [-c operatorEmails=a@x,b@y]`.
 *
 * Contracts are loaded and validated here, at synth: an invalid contract stops synth with one
 * `file: path: message` line per problem, so nothing unreviewed or broken reaches the account.
 * cdk-nag's AwsSolutions pack runs on the whole app; every acknowledgement carries its reason in code.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ContractValidationError, loadContractsOrThrow } from '../functions/contracts/loader.ts';
import { SloContractsStack } from '../lib/slo-contracts-stack.ts';

const app = new App();

const contractsPath = String(app.node.tryGetContext('contracts') ?? 'contracts');
const stackName = String(app.node.tryGetContext('stackName') ?? 'SloContracts');
const operatorEmails = String(app.node.tryGetContext('operatorEmails') ?? '')
  .split(',')
  .map((e) => e.trim())
  .filter((e) => e !== '');

let contracts;
try {
  contracts = loadContractsOrThrow(contractsPath).map((c) => c.contract);
} catch (err) {
  if (err instanceof ContractValidationError) {
    console.error(`slo-contracts: invalid contracts in ${contractsPath}, nothing was synthesised. Fix these:\n${err.message}`);
    process.exit(1);
  }
  throw err;
}

new SloContractsStack(app, stackName, {
  description: 'slo-contracts: SLO error budgets, burn-rate alerts and deployment freezes',
  contracts,
  operatorEmails,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
