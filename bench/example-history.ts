/**
 * Writes the README's example history: a year (2026) of per-minute good/total counts for
 * contracts/checkout.yaml's availability objective, with five incidents, as the CSV `slo backtest
 * --metrics-file` reads. Deterministic (no randomness beyond a fixed hash), so the README's example output can
 * be reproduced:
 *
 *   npx tsx bench/example-history.ts .bench/checkout-availability-2026.csv
 *   npx slo backtest contracts/checkout.yaml --objective availability --metrics-file .bench/checkout-availability-2026.csv
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MIN = 60_000;
const FROM = Date.parse('2026-01-01T00:00:00Z');
const TO = Date.parse('2027-01-01T00:00:00Z');

/** The incidents: when, how long (minutes), the share of requests that fail, and a traffic multiplier. */
export const EXAMPLE_INCIDENTS = [
  { what: 'a bad deploy', at: '2026-02-12T14:00:00Z', minutes: 40, errorRatio: 0.2, traffic: 1 },
  ...[10, 11, 12, 13].map((d) => ({ what: 'a slow overnight leak', at: `2026-05-${d}T01:00:00Z`, minutes: 240, errorRatio: 0.01, traffic: 1 })),
  { what: 'the payment provider outage', at: '2026-07-21T10:00:00Z', minutes: 120, errorRatio: 0.3, traffic: 1 },
  { what: 'its aftershock', at: '2026-07-29T16:00:00Z', minutes: 45, errorRatio: 0.15, traffic: 1 },
  { what: 'Black Friday', at: '2026-11-27T12:00:00Z', minutes: 180, errorRatio: 0.03, traffic: 3 },
].map((i) => ({ ...i, fromMs: Date.parse(i.at), toMs: Date.parse(i.at) + i.minutes * MIN }));

function hash(n: number): number {
  let h = n >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The CSV text: 200 to 800 requests a minute by time of day, one bad request in about 5,000 outside incidents. */
export function exampleHistoryCsv(): string {
  const rows = ['timestamp,good,total'];
  for (let t = FROM; t < TO; t += MIN) {
    const hour = new Date(t).getUTCHours();
    const incident = EXAMPLE_INCIDENTS.find((i) => t >= i.fromMs && t < i.toMs);
    const base = 200 + 600 * Math.sin((Math.PI * hour) / 24) ** 2 + (hash(t / MIN) % 50);
    const total = Math.round(base * (incident?.traffic ?? 1));
    // One bad request a minute with probability total / 5,000: one bad request in 5,000 on average.
    const background = hash((t / MIN) ^ 0x5bd1e995) % 5000 < total ? 1 : 0;
    const bad = Math.min(total, background + Math.round(total * (incident?.errorRatio ?? 0)));
    rows.push(`${t / 1000},${total - bad},${total}`);
  }
  return `${rows.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? '.bench/checkout-availability-2026.csv';
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, exampleHistoryCsv());
  process.stdout.write(`wrote ${out} (${((TO - FROM) / MIN).toLocaleString('en-US')} minutes, ${EXAMPLE_INCIDENTS.length} incident periods)\n`);
}
