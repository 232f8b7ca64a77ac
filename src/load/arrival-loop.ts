/**
 * The one arrival loop: SIP call arrivals (open model), HTTP flow arrivals and fixed-rate HTTP
 * requests all go through it. Each timer tick hands over every arrival that is due — a late
 * tick catches up with its backlog at once, each arrival keeping its intended time, so the
 * lateness shows in the latencies (no coordinated omission) — then arms one timer for the
 * next: a single re-armed timer, no closure per arrival.
 */
import type { Arrival, ArrivalIterator } from './models/types.js';
import { realClock, type Clock } from './clock.js';

export interface ArrivalLoopOptions {
  /** Clock time of the schedule's 0 (arrivals' atMs are relative to it). */
  startAt: number;
  /** Called for each arrival, in order, with its intended clock time (≤ now). */
  onArrival(index: number, intendedAt: number): void;
  /** Called once when the schedule has no arrival left (not after stop()). */
  onExhausted?(): void;
  clock?: Clock;
}

export class ArrivalLoop {
  private next: Arrival | null;
  private timer: unknown = null;
  private stopped = false;
  private readonly clock: Clock;
  private readonly onTimer = () => this.due();

  constructor(private readonly iter: ArrivalIterator, private readonly o: ArrivalLoopOptions) {
    this.clock = o.clock ?? realClock;
    this.next = iter.next();
  }

  start(): void {
    this.due();
  }

  /** No arrival is handed over after this, not even one already due. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private due(): void {
    this.timer = null;
    const now = this.clock.now();
    for (let a = this.next; a !== null; a = this.next) {
      if (this.stopped) return;
      const intended = this.o.startAt + a.atMs;
      if (intended > now) {
        this.timer = this.clock.setTimeout(this.onTimer, intended - now);
        return;
      }
      this.next = this.iter.next();
      this.o.onArrival(a.index, intended);
    }
    if (!this.stopped) this.o.onExhausted?.();
  }
}

/** `total` arrivals at fixed intervals of 1000 / ratePerSec ms from 0 (arrival k at k·1000/rate). */
export function fixedRateArrivals(ratePerSec: number, total: number): ArrivalIterator {
  let k = 0;
  return {
    next() {
      if (k >= total) return null;
      const a = { index: k, atMs: (k * 1000) / ratePerSec };
      k++;
      return a;
    },
  };
}
