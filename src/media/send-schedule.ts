/**
 * One send schedule per worker for every RTP stream it sends: a stream's packets are due every
 * `periodMs` (the ptime, 20 ms), and each stream is given a phase — one of periodMs / slotMs
 * slots, the least loaded when it joins — so 1,000 streams go out as ~50 packets per
 * millisecond, not as 1,000-packet bursts every 20 ms. One timer, re-armed for the next slot
 * that holds a stream; no closure or timer per stream or packet.
 *
 * A packet is sent at or after its due time and is handed over with that due time, so the
 * caller can stamp RTP timestamps from the packet's number (not from the clock) and record
 * the send slip (now − due). A late tick catches up: each stream sends every packet it owes,
 * up to `maxCatchUp` per stream per tick; beyond that the rest are skipped and counted — the
 * generator was stalled, and the slip already says so.
 */
import type { Clock } from '../load/clock.js';

export interface SendScheduleOptions<S> {
  periodMs: number;
  /** Phase resolution (default 1 ms): periodMs / slotMs slots. */
  slotMs?: number;
  /** Packets one stream may catch up in one tick (default 5: 100 ms at 20 ms). */
  maxCatchUp?: number;
  clock: Clock;
  /** Send packet `n` (0-based) of `stream`, due at `dueAt`; `now` >= dueAt. */
  send(stream: S, n: number, dueAt: number, now: number): void;
}

/** A stream in the schedule (the handle `add` returns). */
export interface Scheduled<S> {
  readonly stream: S;
  /** Packets handed over so far (the next one's number). */
  sent: number;
  /** Packets skipped after a stall. */
  skipped: number;
  nextDueAt: number;
  /** Its slot, and its place in it (−1 once removed). */
  slot: number;
  pos: number;
}

export class SendSchedule<S> {
  private readonly slotMs: number;
  private readonly slots: Array<Array<Scheduled<S>>>;
  private readonly maxCatchUp: number;
  /** Clock time of slot 0's first occurrence: slot k is due at origin + k·slotMs + m·periodMs. */
  private readonly origin: number;
  /** The next slot occurrence to process, counted from origin. */
  private cursor = 0;
  private timer: unknown = null;
  private armedFor = Infinity;
  private count = 0;
  private readonly onTimer = () => this.tick();

  constructor(private readonly o: SendScheduleOptions<S>) {
    this.slotMs = o.slotMs ?? 1;
    const n = Math.round(o.periodMs / this.slotMs);
    if (!(n >= 1) || Math.abs(n * this.slotMs - o.periodMs) > 1e-9) throw new RangeError(`periodMs ${o.periodMs} is not a multiple of slotMs ${this.slotMs}`);
    this.slots = Array.from({ length: n }, () => []);
    this.maxCatchUp = o.maxCatchUp ?? 5;
    this.origin = Math.ceil(o.clock.now());
  }

  /** Streams in the schedule. */
  get size(): number {
    return this.count;
  }

  /** Schedules `stream` from its first due time at or after `notBefore`, in the least loaded slot. */
  add(stream: S, notBefore: number): Scheduled<S> {
    let slot = 0;
    for (let k = 1; k < this.slots.length; k++) if (this.slots[k].length < this.slots[slot].length) slot = k;
    const base = this.origin + slot * this.slotMs;
    const periods = Math.max(0, Math.ceil((notBefore - base) / this.o.periodMs));
    const nextDueAt = base + periods * this.o.periodMs;
    const entry: Scheduled<S> = { stream, sent: 0, skipped: 0, nextDueAt, slot, pos: this.slots[slot].length };
    this.slots[slot].push(entry);
    this.count++;
    this.arm(entry.nextDueAt);
    return entry;
  }

  /** Takes the stream out; nothing more is sent for it. */
  remove(entry: Scheduled<S>): void {
    if (entry.pos < 0) return;
    const list = this.slots[entry.slot];
    const last = list.pop()!;
    if (last !== entry) {
      list[entry.pos] = last;
      last.pos = entry.pos;
    }
    entry.pos = -1;
    this.count--;
    if (this.count === 0) this.disarm();
  }

  /** Stops the timer and forgets every stream. */
  stop(): void {
    for (const list of this.slots) {
      for (const e of list) e.pos = -1;
      list.length = 0;
    }
    this.count = 0;
    this.disarm();
  }

  private slotTime(occurrence: number): number {
    return this.origin + occurrence * this.slotMs;
  }

  private tick(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.o.clock.now();
    const n = this.slots.length;
    // Every slot occurrence that is due, at most one period's worth: a stream's catch-up is per entry.
    const last = Math.floor((now - this.origin) / this.slotMs);
    const first = Math.max(this.cursor, last - n + 1);
    for (let occ = first; occ <= last; occ++) {
      const list = this.slots[((occ % n) + n) % n];
      for (let i = 0; i < list.length; i++) this.due(list[i], now);
    }
    this.cursor = Math.max(this.cursor, last + 1);
    if (this.count > 0) this.arm(this.nextOccupied());
  }

  private due(e: Scheduled<S>, now: number): void {
    let k = 0;
    while (e.nextDueAt <= now && e.pos >= 0) {
      if (k === this.maxCatchUp) {
        // Skip what is still owed: the stream resumes with its next due packet after now.
        const owed = Math.floor((now - e.nextDueAt) / this.o.periodMs) + 1;
        e.skipped += owed;
        e.sent += owed;
        e.nextDueAt += owed * this.o.periodMs;
        return;
      }
      const due = e.nextDueAt;
      const n = e.sent++;
      e.nextDueAt += this.o.periodMs;
      k++;
      this.o.send(e.stream, n, due, now);
    }
  }

  /** Clock time of the next slot occurrence (from the cursor) that holds a stream. */
  private nextOccupied(): number {
    const n = this.slots.length;
    for (let d = 0; d < n; d++) {
      const occ = this.cursor + d;
      if (this.slots[((occ % n) + n) % n].length > 0) return this.slotTime(occ);
    }
    return this.slotTime(this.cursor);
  }

  private arm(at: number): void {
    if (at >= this.armedFor) return;
    this.disarm();
    this.armedFor = at;
    this.timer = this.o.clock.setTimeout(this.onTimer, Math.max(0, at - this.o.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }
}
