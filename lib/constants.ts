/** Names shared by the constructs, the Lambdas and the tests. */
import { PUBLISHED_BURN_LOOKBACKS } from '../functions/core/burn.ts';

/** CloudWatch namespace of the EMF metrics the Lambdas emit (Powertools POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'SloContracts';
/** Powertools service name; Powertools adds it to every metric as the `service` dimension. */
export const SERVICE_NAME = 'slo-contracts';
/** Burn-rate windows on the dashboard: exactly those the evaluator publishes as the `Window` dimension of `BurnRate`. */
export const BURN_RATE_WINDOWS = PUBLISHED_BURN_LOOKBACKS;
/** The history must outlive a year of quarterly reviews plus a month: the design asks for at least 400 days. */
export const MIN_HISTORY_RETENTION_DAYS = 400;
/** Name of the role SloGateAccess creates in each pipeline account, and that the evaluator assumes there. */
export const DEFAULT_GATE_ROLE_NAME = 'slo-contracts-gate';
/**
 * The evaluator's environment variable naming the role to assume for a gate in another account:
 * `arn:<partition>:iam::{account}:role/<gate role name>`, `{account}` replaced by the gate's account.
 */
export const GATE_ROLE_ARN_TEMPLATE_ENV = 'GATE_ROLE_ARN_TEMPLATE';
/** The evaluator's default share of the account's GetMetricData quotas (functions/adapters/cloudwatch.ts DEFAULT_QUOTA_SHARE). */
export const DEFAULT_QUOTA_SHARE = 0.5;
