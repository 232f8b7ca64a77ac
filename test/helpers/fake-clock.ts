/** A Clock on fake time: timers fire when the test advances the time (late ones at the jump's end). */
import type { Clock } from '../../src/load/clock.js';

export class FakeClock implements Clock {
  t = 1000;
  timers: Array<{ at: number; fn: () => void; id: number }> = [];
  armed = 0;
  private seq = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    this.armed++;
    return id;
  }
  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): unknown {
    return this.setTimeout(() => fn(arg), ms);
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /** Moves time to `to`, firing due timers in order (a timer may fire late: at the jump's end). */
  advance(to: number, late = false): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > to) break;
      this.timers.shift();
      this.t = late ? to : next.at;
      next.fn();
    }
    this.t = to;
  }
}
