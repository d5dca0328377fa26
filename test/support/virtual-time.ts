/**
 * Virtual time for tests of code that paces itself with an injected clock and sleep: nothing really waits.
 * `sleep(ms)` parks the caller on a timer; `run(work)` lets every runnable promise chain settle, then jumps
 * the clock to the earliest timer and wakes it (timers due at the same instant wake in the order they were
 * set), until `work` settles. Only promise-based work is seen as runnable: real I/O would look idle.
 *
 *   const time = new VirtualTime(Date.UTC(2026, 10, 20));
 *   const result = await time.run(() => adapter.fetch(queries));   // adapter built with time.clock, time.sleep
 */
import type { Clock } from '../../functions/ports.ts';

/** Event-loop turns without any virtual timer before the work is declared stalled. */
const IDLE_TURNS = 50;

export class VirtualTimeError extends Error {
  override name = 'VirtualTimeError';
}

export class VirtualTime {
  private nowMs: number;
  private seq = 0;
  private readonly timers: { at: number; seq: number; wake: () => void }[] = [];
  /** Every sleep asked for (ms), in order: what the code under test chose to wait. */
  readonly sleeps: number[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  readonly clock: Clock = { now: () => this.nowMs };

  readonly sleep = (ms: number): Promise<void> => {
    if (!(ms >= 0)) throw new VirtualTimeError(`sleep needs a duration >= 0 ms, got ${ms}`);
    this.sleeps.push(ms);
    return new Promise<void>((wake) => {
      this.timers.push({ at: this.nowMs + ms, seq: this.seq++, wake });
    });
  };

  now(): number {
    return this.nowMs;
  }

  /** Moves the clock forward by `ms` without waking anything (for setting a scene between runs). */
  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** Runs `work` to completion in virtual time; fails if it stalls with no timer left to wake. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    let settled = false;
    const promise = work().finally(() => {
      settled = true;
    });
    // Keep the rejection observed until it is returned below.
    promise.catch(() => undefined);
    let idleTurns = 0;
    for (;;) {
      // A macrotask turn: every microtask (promise continuation) queued so far has run by then.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled) return promise;
      if (this.timers.length === 0) {
        // Work may be parked on a macrotask of its own (a mock answering after setImmediate): give it turns.
        if (++idleTurns < IDLE_TURNS) continue;
        throw new VirtualTimeError(`the work is waiting on something other than a virtual timer (real I/O or a promise that never settles) for ${IDLE_TURNS} turns`);
      }
      idleTurns = 0;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const first = this.timers.shift()!;
      this.nowMs = Math.max(this.nowMs, first.at);
      first.wake();
    }
  }
}
