/**
 * When does the budget run out at the current burn rate? Burning at rate b spends b * 100 % of the budget per
 * window length, so from `remainingPct` percent left, zero is reached after remainingPct/100 / b window lengths.
 */

export function forecastExhaustion(input: { remainingPct: number; burnRate: number; windowLengthMs: number; nowMs: number }): {
  /** Epoch ms at which remaining reaches 0; null when the budget is not being spent (burn rate <= 0). */
  exhaustedAt: number | null;
  alreadyExhausted: boolean;
} {
  const { remainingPct, burnRate, windowLengthMs, nowMs } = input;
  if (remainingPct <= 0) return { exhaustedAt: nowMs, alreadyExhausted: true };
  if (!(burnRate > 0) || !Number.isFinite(burnRate) || !(windowLengthMs > 0)) return { exhaustedAt: null, alreadyExhausted: false };
  const msToZero = ((remainingPct / 100) * windowLengthMs) / burnRate;
  return { exhaustedAt: nowMs + Math.round(msToZero), alreadyExhausted: false };
}
