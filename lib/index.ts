/**
 * slo-contracts as a construct library: `new SloContracts(this, 'Slo', { contracts: 'contracts', operatorEmails: [...] })`
 * in any CDK app, SloGateAccess (or SloPipelineAccountStack) in each pipeline account, and the contract
 * loader and types for apps that build or check contracts in code.
 */
export { SloContracts, type ISloContracts, type SloContractsProps } from './slo-contracts.ts';
export { SloContractsStack, type SloContractsStackProps } from './slo-contracts-stack.ts';
export { SloContractsConfigError } from './errors.ts';
export { resolveContracts, type ContractsSource } from './contracts.ts';
export {
  BURN_RATE_WINDOWS,
  DEFAULT_GATE_ROLE_NAME,
  GATE_ROLE_ARN_TEMPLATE_ENV,
  METRICS_NAMESPACE,
  MIN_HISTORY_RETENTION_DAYS,
  SERVICE_NAME,
} from './constants.ts';

// The parts SloContracts wires together, for apps that compose their own.
export {
  SloStateTable,
  READ_STATE_ACTIONS,
  WRITE_STATE_ACTIONS,
  APPEND_HISTORY_ACTIONS,
  MANAGE_OVERRIDES_ACTIONS,
  HISTORY_KEY_PATTERN,
  OVERRIDE_PARTITION,
} from './state/slo-state-table.ts';
export { SloTopics, type SloTopicsProps, type PagerEndpoint } from './notify/slo-topics.ts';
export { EvaluatorFunction, type EvaluatorFunctionProps } from './functions/evaluator-function.ts';
export { ReporterFunction, type ReporterFunctionProps } from './functions/reporter-function.ts';
export { SloFunction, type SloFunctionOptions, type PowertoolsLogLevel } from './functions/slo-function.ts';
export { HANDLERS, CONTRACTS_FILE, type HandlerName } from './functions/handler-code.ts';
export { SloSelfMonitoring, type SloSelfMonitoringProps, HEARTBEAT_PERIODS, NEAR_TIMEOUT_RATIO } from './monitoring/slo-self-monitoring.ts';
export { SloDashboard, type SloDashboardProps, DETAILED_DASHBOARD_MAX_OBJECTIVES } from './monitoring/slo-dashboard.ts';

// Many accounts.
export { SloGateAccess, type SloGateAccessProps } from './gates/slo-gate-access.ts';
export { SloPipelineAccountStack, type SloPipelineAccountStackProps } from './gates/slo-pipeline-account-stack.ts';
export { gatesByHome, gatesInAccount, type GateTarget, type GatesByHome } from './gates/gate-targets.ts';
export { READ_GATE_ACTIONS, FREEZE_GATE_ACTIONS } from './gates/pipeline-permissions.ts';

// Contracts: the loader (files, YAML, validation with file and path) and the types.
export {
  loadContracts,
  loadContractsOrThrow,
  formatIssue,
  ContractValidationError,
  type ContractIssue,
  type LoadedContract,
  type LoadResult,
  type LoadOptions,
} from '../functions/contracts/loader.ts';
export {
  ContractSchema,
  API_VERSION,
  KIND,
  gateKey,
  type Contract,
  type ContractInput,
  type Objective,
  type Tier,
  type Policy,
  type Gate,
  type ContractWindow,
  type MetricStat,
  type Exclusion,
  type Sli,
  type FreezeLevel,
  type Severity,
} from '../functions/core/contract.ts';
export { audienceFilterPolicyJson, type AudienceDefinition, type AudienceDefinitions } from './notify/audience-subscriptions.ts';
