/**
 * Rules both an in-memory twin (./memory.ts) and its AWS adapter enforce, kept in one place so the two
 * cannot drift: storable values, the version step, the transition-reason guard. Imports no AWS SDK.
 */
import { REASON_PATTERN } from '../core/reason.ts';

/** CodePipeline's rule for DisableStageTransition `reason`: 1-300 characters of this set (core/reason.ts). */
export const TRANSITION_REASON_PATTERN = REASON_PATTERN;

export class InvalidTransitionReasonError extends Error {
  override name = 'InvalidTransitionReasonError';
}

/** Last guard before CodePipeline: the core's reason sanitizer (core/reason.ts) should already have cleaned it. */
export function assertTransitionReason(reason: string): void {
  if (!TRANSITION_REASON_PATTERN.test(reason)) {
    throw new InvalidTransitionReasonError(
      `transition reason must be 1-300 characters of letters, digits, space and !@().*?- ` +
        `(no % : , _ /), got ${reason.length} characters: ${JSON.stringify(reason.slice(0, 80))}; sanitize it with core/reason.ts first`,
    );
  }
}

export class StoreValueError extends Error {
  override name = 'StoreValueError';
}

/** A put whose `next.version` is not `expectedVersion + 1`: a bug in the caller, not a lost race. */
export class VersionStepError extends Error {
  override name = 'VersionStepError';
}

export function assertVersionStep(what: string, nextVersion: number, expectedVersion: number): void {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0 || nextVersion !== expectedVersion + 1) {
    throw new VersionStepError(
      `${what}: next.version must be expectedVersion + 1 (expected ${expectedVersion}, so ${expectedVersion + 1}), got ${nextVersion}`,
    );
  }
}

/**
 * Returns a deep copy fit for DynamoDB: `undefined` members dropped (DynamoDB has no undefined), and
 * NaN / Infinity refused (DynamoDB numbers must be finite) with the path that held them.
 */
export function toStorable<T>(value: T, path = '$'): T {
  return strip(value, path) as T;
}

function strip(value: unknown, path: string): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StoreValueError(`${path} is ${value}: the store keeps finite numbers only`);
    return value;
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new StoreValueError(`${path} is a ${typeof value}: the store keeps JSON-like data only`);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => (v === undefined ? null : strip(v, `${path}[${i}]`)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = strip(v, `${path}.${k}`);
  }
  return out;
}

/** Error messages kept on a released notification are cut to this many characters (item size). */
export const MAX_LAST_ERROR_CHARS = 1000;

/** Instants the history sort key can hold as a fixed-width ISO string (years 1970-9999). */
export const MAX_HISTORY_INSTANT_MS = 253_402_300_799_999;

export function assertHistoryInstant(at: number): void {
  if (!Number.isInteger(at) || at < 0 || at > MAX_HISTORY_INSTANT_MS) {
    throw new StoreValueError(`history instant ${at} is not an epoch-millisecond integer between 1970 and 9999`);
  }
}
