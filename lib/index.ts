export {
  SloContracts,
  SloContractsConfigError,
  METRICS_NAMESPACE,
  SERVICE_NAME,
  BURN_RATE_WINDOWS,
  MIN_HISTORY_RETENTION_DAYS,
  CONTRACTS_DEFINE,
  type SloContractsProps,
  type PowertoolsLogLevel,
} from './slo-contracts.ts';
export { SloContractsStack, type SloContractsStackProps } from './slo-contracts-stack.ts';
export { audienceFilterPolicyJson, type AudienceDefinition, type AudienceDefinitions } from './notify/audience-subscriptions.ts';
