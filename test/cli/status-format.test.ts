/** formatStatus and the colour rule, pure: hand-built views. */
import { describe, expect, it } from 'vitest';
import { formatStatus, statusJson, useColor } from '../../bin/status-command.ts';
import { buildStatus, deployedContracts } from '../../functions/core/status.ts';
import type { CatalogEntry, GateState, ObjectiveState } from '../../functions/ports.ts';
import { checkout, DAY, HOUR, MIN, T0 } from '../support/contracts.ts';

const entry = (name: string, updatedAt = T0): CatalogEntry => ({ contract: name, hash: 'h', updatedAt, definition: checkout({ window: { rolling: '30d' } }, name) });
const state = (over: Partial<ObjectiveState>): ObjectiveState => ({
  contract: 'checkout',
  objective: 'availability',
  tier: 'frozen',
  tierSince: T0 - 2 * HOUR,
  remainingPct: 12.5,
  burnRates: { '1h': 2, '6h': 1.5, '3d': 0.75, '1d': 1 },
  activeAlerts: [],
  status: 'ok',
  lastEvaluatedAt: T0 - 5 * MIN,
  dataThrough: T0 - 8 * MIN,
  version: 3,
  outbox: {},
  ...over,
});
const frozenGate: GateState = { pipeline: 'shop-web', stage: 'Production', holders: { 'checkout#availability': T0 - 2 * HOUR }, disabledByUs: true, disabledAt: T0 - 2 * HOUR, version: 2, outbox: {} };

describe('formatStatus', () => {
  const view = buildStatus({ now: T0, contracts: [{ entry: entry('checkout') }], states: new Map([['checkout#availability', state({})]]), gates: [frozenGate], overrides: [], all: true });

  it('one block per objective: tier and since, bar and percent, burn 1h/6h/3d, forecast at the 24 h rate, data and evaluation times', () => {
    // 12.5 % of a 30-day budget at 1.0x: 3.75 days.
    expect(formatStatus(view)).toEqual([
      'SLO status at 2026-11-02 00:00 UTC',
      '',
      'checkout: User can complete a purchase (owner team-payments, rolling 30d)',
      '  availability  target 99 %   frozen since 2026-11-01 22:00 UTC (2 h)',
      '    budget left  [███░░░░░░░░░░░░░░░░░]   12.5 %',
      '    burn rate    1h 2.00  6h 1.50  3d 0.75',
      '    forecast     exhausted 2026-11-05 18:00 UTC (in 3 d 18 h) at the 24 h burn rate',
      '    data         through 2026-11-01 23:52 UTC; evaluated 2026-11-01 23:55 UTC (5 min ago)',
      '',
      'Freezes in force: 1',
      '  FROZEN shop-web/Production since 2026-11-01 22:00 UTC (gate of checkout)',
      '    held by checkout#availability since 2026-11-01 22:00 UTC',
      '',
      'Overrides in force: none',
      '',
      'Due for review: none',
      '',
      '1 gate frozen (exit code 3)',
    ]);
  });

  it('colour marks the tier, the bar and the freeze, and nothing else changes', () => {
    const coloured = formatStatus(view, { color: true });
    expect(coloured[3]).toBe('  availability  target 99 %   \x1b[31mfrozen\x1b[0m since 2026-11-01 22:00 UTC (2 h)');
    expect(coloured[10]).toBe('  \x1b[31mFROZEN\x1b[0m shop-web/Production since 2026-11-01 22:00 UTC (gate of checkout)');
    // eslint-disable-next-line no-control-regex
    expect(coloured.map((l) => l.replace(/\x1b\[\d+m/g, ''))).toEqual(formatStatus(view));
  });

  it('an objective never evaluated, and one that reports nothing, say so; its zero burn rates are not shown', () => {
    const v = buildStatus({
      now: T0,
      contracts: [{ entry: entry('checkout') }],
      states: new Map([['checkout#availability', state({ tier: null, remainingPct: null, status: 'no-data', statusDetail: 'no datapoints ever', burnRates: { '1h': 0, '1d': 0 } })]]),
      gates: [],
      overrides: [],
      all: true,
    });
    const lines = formatStatus(v);
    expect(lines).toContain('  availability  target 99 %   no tier yet');
    expect(lines).toContain('    burn rate    1h -  6h -  3d -');
    expect(lines).toContain('    status       no-data: no datapoints ever (the tier holds)');
    const never = formatStatus(buildStatus({ now: T0, contracts: [{ entry: entry('checkout') }], states: new Map(), gates: [], overrides: [], all: true }));
    expect(never).toContain('    data         never evaluated: the evaluator has not judged this objective yet');
    expect(never.at(-1)).toBe('Nothing frozen.');
  });

  it('JSON carries ISO instants and the exit code', () => {
    expect(statusJson(view)).toMatchObject({ at: '2026-11-02T00:00:00.000Z', frozen: true, exitCode: 3, freezes: [{ gate: 'shop-web/Production', since: '2026-11-01T22:00:00.000Z' }] });
  });
});

describe('colour only on a terminal, never with NO_COLOR or --json', () => {
  it.each([
    [{ isTTY: true, env: {} }, false, true],
    [{ isTTY: false, env: {} }, false, false],
    [{ isTTY: true, env: { NO_COLOR: '1' } }, false, false],
    [{ isTTY: true, env: { TERM: 'dumb' } }, false, false],
    [{ isTTY: true, env: {} }, true, false],
  ])('%j json=%s -> %s', (io, json, expected) => {
    expect(useColor(io, json)).toBe(expected);
  });
});

describe('deployed contracts', () => {
  it('leaves out catalog entries more than 8 days older than the newest (a contract removed from the stack)', () => {
    const names = deployedContracts([entry('search', T0 - 9 * DAY), entry('login', T0 - 7 * DAY), entry('checkout', T0)]).map((e) => e.contract);
    expect(names).toEqual(['checkout', 'login']);
  });
});
