/**
 * Lambda configuration: environment variables set by the CDK construct, and the contracts that were
 * validated at synth and staged as `contracts.json` beside the handler's `index.js` in the same asset (so
 * what runs is what was reviewed, and a contract change is a new asset).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Contract } from '../core/contract.ts';
import { CONTRACTS_FILE } from './contracts-file.ts';

export { CONTRACTS_FILE };

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set: deploy with the SloContracts construct, or set it for local runs`);
  return value;
}

/** Minutes from the environment, as milliseconds. */
export function minutesEnv(name: string, fallbackMinutes: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackMinutes * 60_000;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new ConfigurationError(`${name} must be a positive number of minutes, got "${raw}"`);
  return minutes * 60_000;
}

/** Whole days from the environment (e.g. history retention). */
export function daysEnv(name: string, fallbackDays: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackDays;
  const days = Number(raw);
  if (!Number.isInteger(days) || days <= 0) throw new ConfigurationError(`${name} must be a whole number of days, got "${raw}"`);
  return days;
}

/**
 * Where the running bundle lives: `__dirname` of the CommonJS bundle (the asset directory, /var/task on
 * Lambda); undefined when running from TypeScript source as an ES module (tests, local runs).
 */
function bundleDir(): string | undefined {
  return typeof __dirname === 'string' ? __dirname : undefined;
}

/**
 * The contracts validated at synth: `contracts.json` beside the bundle; outside a bundle (tests, local
 * runs) SLO_CONTRACTS_JSON may carry the same JSON. The file wins when both exist: a deployed function runs
 * the contracts of its own asset. They were validated by the zod schema at synth; here they are only read
 * (zod stays out of the bundle).
 */
export function bundledContracts(env: NodeJS.ProcessEnv = process.env, dir: string | undefined = bundleDir()): Contract[] {
  const file = dir === undefined ? undefined : path.join(dir, CONTRACTS_FILE);
  let raw: string | undefined;
  let source: string;
  if (file !== undefined && existsSync(file)) {
    raw = readFileSync(file, 'utf8');
    source = file;
  } else {
    raw = env.SLO_CONTRACTS_JSON;
    source = 'SLO_CONTRACTS_JSON';
  }
  if (!raw) {
    throw new ConfigurationError(
      `no contracts: ${CONTRACTS_FILE} is not beside the handler${file !== undefined ? ` (${file})` : ''}: synthesize with the SloContracts construct, or set SLO_CONTRACTS_JSON for local runs`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ConfigurationError(`the contracts in ${source} are not JSON (${(err as Error).message}): synthesize again with the SloContracts construct`);
  }
  if (!Array.isArray(parsed)) throw new ConfigurationError(`the contracts in ${source} must be a JSON array of validated contracts`);
  return parsed as Contract[];
}

/**
 * Evaluator tuning from the environment the construct sets: PUBLISH_BURN_RATES=true publishes burn rates for
 * every objective (3 more custom metrics each); REBUILD_DATAPOINTS caps what one run may read to rebuild and
 * reconcile ledgers; REREAD_MARGIN_MINUTES is the re-read margin for late data.
 */
export function evaluatorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): { publishBurnRates?: boolean; rebuildDatapoints?: number; rereadMarginMs?: number } {
  const out: { publishBurnRates?: boolean; rebuildDatapoints?: number; rereadMarginMs?: number } = {};
  const publish = env.PUBLISH_BURN_RATES;
  if (publish !== undefined && publish !== '') {
    if (publish !== 'true' && publish !== 'false') throw new ConfigurationError(`PUBLISH_BURN_RATES must be true or false, got "${publish}"`);
    out.publishBurnRates = publish === 'true';
  }
  const budget = env.REBUILD_DATAPOINTS;
  if (budget !== undefined && budget !== '') {
    const n = Number(budget);
    if (!Number.isInteger(n) || n < 0) throw new ConfigurationError(`REBUILD_DATAPOINTS must be a whole number of datapoints, got "${budget}"`);
    out.rebuildDatapoints = n;
  }
  if (env.REREAD_MARGIN_MINUTES !== undefined && env.REREAD_MARGIN_MINUTES !== '') out.rereadMarginMs = minutesEnv('REREAD_MARGIN_MINUTES', 15, env);
  return out;
}

/** The environment variable through which the construct tells the Lambdas which audiences are SNS topics. */
export const AUDIENCE_TOPICS_ENV = 'AUDIENCE_TOPIC_ARNS';

/**
 * Audiences defined as an existing SNS topic, from AUDIENCE_TOPIC_ARNS: a JSON object of audience name -> topic
 * ARN, e.g. `{"chat":"arn:aws:sns:eu-west-1:123456789012:team-chat"}`. Unset or empty: none.
 */
export function audienceTopicsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw = env[AUDIENCE_TOPICS_ENV];
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`${AUDIENCE_TOPICS_ENV} must be a JSON object of audience name -> SNS topic ARN, got "${raw.slice(0, 80)}"`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(`${AUDIENCE_TOPICS_ENV} must be a JSON object of audience name -> SNS topic ARN`);
  }
  const out: Record<string, string> = {};
  for (const [name, arn] of Object.entries(parsed)) {
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) throw new ConfigurationError(`${AUDIENCE_TOPICS_ENV}: audience "${name}" must map to an SNS topic ARN, got ${JSON.stringify(arn)}`);
    out[name] = arn;
  }
  return out;
}
