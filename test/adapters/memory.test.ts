import { describe, expect, it } from 'vitest';
import {
  InvalidTransitionReasonError,
  MEMORY_GATE_IDENTITY,
  ManualClock,
  MemoryGate,
  MemoryMetrics,
  MemoryNotifier,
  SimulatedFailure,
  toStorable,
} from '../../functions/adapters/memory.ts';
import { GateNotFoundError, type MetricQuery, type OutboundMessage } from '../../functions/ports.ts';

const message = (subject: string): OutboundMessage => ({
  subject,
  text: 'text',
  json: { n: 1 },
  attributes: { contract: 'checkout', objective: 'availability', tier: 'warning', previousTier: 'healthy', severity: 'info', event: 'tier-change' },
});

describe('ManualClock', () => {
  it('starts where told, then only moves on set and advance', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(300_000);
    expect(clock.now()).toBe(301_000);
    clock.set(5);
    expect(clock.now()).toBe(5);
    expect(new ManualClock().now()).toBe(0);
  });
});

describe('MemoryNotifier', () => {
  it('records copies of published messages in order', async () => {
    const n = new MemoryNotifier();
    const m = message('first');
    await n.publish(m);
    await n.publish(message('second'));
    m.subject = 'mutated';
    expect(n.published.map((p) => p.subject)).toEqual(['first', 'second']);
  });

  it('failNext(n) makes exactly the next n publishes throw, recording nothing for them', async () => {
    const n = new MemoryNotifier();
    n.failNext(2);
    await expect(n.publish(message('a'))).rejects.toThrow(SimulatedFailure);
    await expect(n.publish(message('b'))).rejects.toThrow(SimulatedFailure);
    await n.publish(message('c'));
    expect(n.published.map((p) => p.subject)).toEqual(['c']);
    expect(n.attempts).toBe(3);
    n.failNext(1, () => Object.assign(new Error('throttled'), { name: 'Throttling' }));
    await expect(n.publish(message('d'))).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('MemoryGate', () => {
  it('throws GateNotFoundError for an unregistered stage', async () => {
    const gate = new MemoryGate();
    await expect(gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production' })).rejects.toThrow(GateNotFoundError);
    await expect(gate.disableInbound({ pipeline: 'shop-web', stage: 'Production' }, 'ok reason')).rejects.toThrow(/shop-web.*Production/);
    expect(() => gate.setTransition('shop-web', 'Production', { enabled: true })).toThrow(GateNotFoundError);
  });

  it('disables and enables, recording calls in order', async () => {
    const gate = new MemoryGate().addStage('shop-web', 'Production');
    expect(await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production' })).toEqual({ enabled: true });
    await gate.disableInbound({ pipeline: 'shop-web', stage: 'Production' }, 'slo-contracts froze this stage');
    expect(await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production' })).toMatchObject({ enabled: false, disabledReason: 'slo-contracts froze this stage' });
    await gate.enableInbound({ pipeline: 'shop-web', stage: 'Production' });
    expect(gate.peek('shop-web', 'Production')?.enabled).toBe(true);
    expect(gate.calls).toEqual([
      { op: 'get', pipeline: 'shop-web', stage: 'Production' },
      { op: 'disable', pipeline: 'shop-web', stage: 'Production', reason: 'slo-contracts froze this stage' },
      { op: 'get', pipeline: 'shop-web', stage: 'Production' },
      { op: 'enable', pipeline: 'shop-web', stage: 'Production' },
    ]);
  });

  it('setTransition simulates a person in the console without recording a call', async () => {
    const gate = new MemoryGate().addStage('shop-web', 'Production', { enabled: false, disabledReason: 'ours' });
    gate.setTransition('shop-web', 'Production', { enabled: true, lastChangedBy: 'arn:aws:iam::1:user/ana', lastChangedAt: 42 });
    expect(gate.calls).toEqual([]);
    expect(await gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production' })).toEqual({ enabled: true, lastChangedBy: 'arn:aws:iam::1:user/ana', lastChangedAt: 42 });
  });

  it('failNext(n) fails the next n calls of any kind, flagged in calls, changing nothing', async () => {
    const gate = new MemoryGate().addStage('shop-web', 'Production');
    gate.failNext(2);
    await expect(gate.disableInbound({ pipeline: 'shop-web', stage: 'Production' }, 'frozen')).rejects.toThrow(SimulatedFailure);
    await expect(gate.getInboundTransition({ pipeline: 'shop-web', stage: 'Production' })).rejects.toThrow(SimulatedFailure);
    expect(gate.peek('shop-web', 'Production')).toEqual({ enabled: true });
    await gate.disableInbound({ pipeline: 'shop-web', stage: 'Production' }, 'frozen');
    expect(gate.calls.map((c) => [c.op, c.failed ?? false])).toEqual([
      ['disable', true],
      ['get', true],
      ['disable', false],
    ]);
  });

  it('with a clock, stamps its own changes with lastChangedAt and its identity', async () => {
    const clock = new ManualClock(1_000);
    const gate = new MemoryGate(clock).addStage('shop-web', 'Production');
    await gate.disableInbound({ pipeline: 'shop-web', stage: 'Production' }, 'frozen');
    expect(gate.peek('shop-web', 'Production')).toEqual({ enabled: false, disabledReason: 'frozen', lastChangedBy: MEMORY_GATE_IDENTITY, lastChangedAt: 1_000 });
    clock.advance(60_000);
    await gate.enableInbound({ pipeline: 'shop-web', stage: 'Production' });
    expect(gate.peek('shop-web', 'Production')).toEqual({ enabled: true, lastChangedBy: MEMORY_GATE_IDENTITY, lastChangedAt: 61_000 });
  });

  it('refuses a reason CodePipeline would refuse, like the real adapter', async () => {
    const gate = new MemoryGate().addStage('shop-web', 'Production');
    await expect(gate.disableInbound({ pipeline: 'shop-web', stage: 'Production' }, 'at 14:05, 5% left')).rejects.toThrow(InvalidTransitionReasonError);
    expect(gate.peek('shop-web', 'Production')?.enabled).toBe(true);
  });
});

describe('MemoryMetrics', () => {
  const q = (id: string, over: Partial<MetricQuery> = {}): MetricQuery => ({
    id,
    namespace: 'AWS/ApplicationELB',
    metricName: 'RequestCount',
    dimensions: {},
    stat: 'Sum',
    periodSeconds: 60,
    startMs: 120_000,
    endMs: 300_000,
    ...over,
  });

  it('serves the generator, keeps [start, end) sorted, and counts calls and metrics', async () => {
    const metrics = new MemoryMetrics((query) => {
      if (query.metricName === 'Broken') throw Object.assign(new Error('no such metric'), { name: 'ResourceNotFound' });
      return [240_000, 60_000, 120_000, 300_000, 180_000].map((t) => ({ t, v: t / 60_000 }));
    });
    const result = await metrics.fetch([q('a'), q('b', { metricName: 'Broken' })]);
    expect(result.get('a')).toEqual({
      ok: true,
      points: [
        { t: 120_000, v: 2 },
        { t: 180_000, v: 3 },
        { t: 240_000, v: 4 },
      ],
    });
    expect(result.get('b')).toEqual({ ok: false, error: { code: 'ResourceNotFound', message: 'no such metric' } });
    await metrics.fetch([q('c')]);
    expect(metrics.callCount).toBe(2);
    expect(metrics.metricsRequested).toBe(3);
    expect(metrics.requests.map((r) => r.map((x) => x.id))).toEqual([['a', 'b'], ['c']]);
  });
});

describe('toStorable', () => {
  it('drops undefined members, keeps null, nulls undefined array slots', () => {
    expect(toStorable({ a: undefined, b: null, c: [1, undefined], d: { e: undefined, f: 'x' } })).toEqual({ b: null, c: [1, null], d: { f: 'x' } });
  });
});
