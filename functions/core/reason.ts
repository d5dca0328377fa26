/**
 * The reason CodePipeline shows on a disabled stage transition. DisableStageTransition accepts 1-300 characters
 * of [a-zA-Z0-9!@ ().*?-] only: no %, :, comma, _ or /.
 */

// The API documents the class as [a-zA-Z0-9!@ ()\.*?-]; inside a character class "." needs no escape.
export const REASON_PATTERN = /^[a-zA-Z0-9!@ ().*?-]{1,300}$/;
export const REASON_PREFIX = 'slo-contracts froze this stage';
export const REASON_MAX_LENGTH = 300;

const ALLOWED_CHAR = /^[a-zA-Z0-9!@ ().*?-]$/;

const REPLACEMENTS: Readonly<Record<string, string>> = {
  '%': ' pct',
  ':': '.',
  ',': ' ',
  _: '-',
  '/': '-',
};

export class InstantError extends Error {
  override name = 'InstantError';
}

/**
 * Rewrites any text into an acceptable reason: % -> " pct", : -> ".", comma -> space, _ and / -> "-", any other
 * disallowed character (tabs, newlines, unicode...) -> space; spaces collapsed, trimmed, cut to 300 characters.
 * Never empty: an empty result becomes "slo-contracts".
 */
export function sanitizeReason(text: string): string {
  let out = '';
  for (const ch of text) {
    out += REPLACEMENTS[ch] ?? (ALLOWED_CHAR.test(ch) ? ch : ' ');
  }
  const cleaned = out.replace(/ {2,}/g, ' ').trim().slice(0, REASON_MAX_LENGTH).trim();
  return cleaned === '' ? 'slo-contracts' : cleaned;
}

/** '2026-11-20 14:05 UTC': a readable UTC minute, for emails and reports. */
export function formatUtc(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new InstantError(`${ms} is not an epoch-millisecond instant Date can represent`);
  }
  const iso = new Date(ms).toISOString(); // 2026-11-20T14:05:33.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The console reason for a freeze, e.g.
 * `slo-contracts froze this stage - checkout availability budget exhausted (-12 pct) since 2026-11-20 14.05 UTC`.
 * `remainingPct` is percent of budget remaining, rounded to a whole number.
 */
export function freezeReason(input: { contract: string; objective: string; tier: string; remainingPct: number; sinceMs: number }): string {
  const remaining = Number.isFinite(input.remainingPct) ? String(Math.round(input.remainingPct) || 0) : 'unknown';
  return sanitizeReason(
    `${REASON_PREFIX} - ${input.contract} ${input.objective} budget ${input.tier} (${remaining}%) since ${formatUtc(input.sinceMs)}`,
  );
}
