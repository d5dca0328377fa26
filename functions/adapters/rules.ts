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

/**
 * An item's size as DynamoDB bills it (bytes): attribute names plus values, where a string is its UTF-8 length,
 * a number about (significant digits / 2) + 1, true/false/null 1, a list or map 3 plus 1 per element plus its
 * contents, a set the sum of its members. Used to meter items and capacity units.
 */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length || 1;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Set) return [...value].reduce((n: number, v) => n + valueSize(v), 0);
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueSize(v), 0);
  if (typeof value === 'object') return 3 + Object.entries(value as Record<string, unknown>).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k, 'utf8') + valueSize(v), 0);
  return 0;
}

/** Lifetimes every store applies (DynamoDB TTL; the memory twin models them for the retention simulation). */
export const LIFETIME_DAYS = {
  /** Live state (objectives, gates, the catalog): this long after its last write, so only what no run touches expires. */
  state: 400,
  /** Ledger hour chunks serve the burn look-backs (3-4 days) and the daily seal. */
  hourChunk: 5,
  /** Ledger day chunks serve the budget window (a calendar quarter is at most 92 days). */
  dayChunk: 100,
} as const;

const DAY_S = 86_400;

/** Epoch SECONDS at which a ledger chunk may be deleted. */
export function chunkExpiresAt(chunk: { id: string; startMs: number }): number {
  return Math.floor(chunk.startMs / 1000) + (chunk.id.startsWith('H') ? LIFETIME_DAYS.hourChunk : LIFETIME_DAYS.dayChunk) * DAY_S;
}

/** Epoch SECONDS at which live state written at `nowMs` may be deleted. */
export function stateExpiresAt(nowMs: number): number {
  return Math.floor(nowMs / 1000) + LIFETIME_DAYS.state * DAY_S;
}

/** Epoch SECONDS at which a record of instant `atMs` kept `retentionDays` may be deleted (history, daily summaries, ended overrides). */
export function retainedUntil(atMs: number, retentionDays: number): number {
  return Math.floor(atMs / 1000) + retentionDays * DAY_S;
}
