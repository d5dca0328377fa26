import { describe, expect, it } from 'vitest';
import { REASON_PATTERN, REASON_PREFIX, formatUtc, freezeReason, sanitizeReason, InstantError } from '../../functions/core/reason.ts';

const at = (iso: string) => Date.parse(iso);

describe('sanitizeReason', () => {
  it('rewrites the characters the API refuses', () => {
    expect(sanitizeReason('budget at 12%')).toBe('budget at 12 pct');
    expect(sanitizeReason('since 14:05')).toBe('since 14.05');
    expect(sanitizeReason('a,b')).toBe('a b');
    expect(sanitizeReason('shop_web/Production')).toBe('shop-web-Production');
  });

  it('turns any other character into a space and collapses spaces', () => {
    expect(sanitizeReason('  café\t\n— “quoted” 🚀 ok  ')).toBe('caf quoted ok');
    expect(sanitizeReason('keep !@ ().*?- as is')).toBe('keep !@ ().*?- as is');
  });

  it('never returns an empty reason', () => {
    expect(sanitizeReason('')).toBe('slo-contracts');
    expect(sanitizeReason('🚀 ✓ ')).toBe('slo-contracts');
  });

  it('cuts to 300 characters without a trailing space', () => {
    const long = `${'a'.repeat(299)} bbbb`;
    const out = sanitizeReason(long);
    expect(out).toBe('a'.repeat(299));
    expect(sanitizeReason('x'.repeat(1000))).toHaveLength(300);
  });
});

describe('formatUtc', () => {
  it('is a readable UTC minute', () => {
    expect(formatUtc(at('2026-11-20T14:05:59.999Z'))).toBe('2026-11-20 14:05 UTC');
    expect(formatUtc(0)).toBe('1970-01-01 00:00 UTC');
  });

  it('refuses what is not an instant', () => {
    expect(() => formatUtc(Number.NaN)).toThrow(InstantError);
  });
});

describe('freezeReason', () => {
  it('reads like the brief example and satisfies the API', () => {
    const reason = freezeReason({ contract: 'checkout', objective: 'availability', tier: 'exhausted', remainingPct: -12.4, sinceMs: at('2026-11-20T14:05:00Z') });
    expect(reason).toBe('slo-contracts froze this stage - checkout availability budget exhausted (-12 pct) since 2026-11-20 14.05 UTC');
    expect(reason.startsWith(REASON_PREFIX)).toBe(true);
    expect(reason).toMatch(REASON_PATTERN);
  });

  it('rounds the remaining budget to a whole percent, without -0', () => {
    const base = { contract: 'search', objective: 'latency', tier: 'frozen', sinceMs: at('2027-01-02T03:04:00Z') };
    expect(freezeReason({ ...base, remainingPct: 12.6 })).toContain('budget frozen (13 pct) since 2027-01-02 03.04 UTC');
    expect(freezeReason({ ...base, remainingPct: -0.2 })).toContain('(0 pct)');
  });

  it('stays valid for the longest names a contract allows', () => {
    const n = 'a'.repeat(40);
    const reason = freezeReason({ contract: n, objective: n, tier: n, remainingPct: -123456.7, sinceMs: at('2026-11-20T14:05:00Z') });
    expect(reason).toMatch(REASON_PATTERN);
    expect(reason).toContain('(-123457 pct)');
  });
});
