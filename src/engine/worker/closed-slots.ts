/**
 * The closed model's channel slots for one worker segment: keep the segment's share of the
 * target concurrency committed, make before break (when a call's hold expires its replacement
 * starts first and the old call gets its BYE once the replacement is answered), release calls
 * on a ramp down, redial a failed slot only after a pause, and stop refilling once the last
 * stage is over. Time comes from the host's clock, so these rules run on fake time in tests.
 */
import type { Stage } from '../../load/types.js';
import { nthIndex, type Segment } from '../../load/segments.js';
import { nextChangeMs, segmentTargetAt } from '../../load/models/closed.js';
import type { CallSlot } from './call-slot.js';

/** Closed model: pause before a slot whose call failed is dialled again. */
export const FAILED_SLOT_RETRY_MS = 1000;

/** The part of a call the slot rules read: is it up, and its slot. */
export interface SlotCall {
  readonly slot: Pick<CallSlot, 'replaces' | 'released'>;
}

/** What the slots need from the worker driver. */
export interface SlotHost<C extends SlotCall> {
  /** The run is stopping: no call starts. */
  isStopping(): boolean;
  /** The last stage is over: no slot is refilled. */
  isDraining(): boolean;
  /** Starts call `index` (counted as attempted) intended at `intendedAt`; `replaces`: the call it takes over from. */
  launch(index: number, intendedAt: number, replaces: C | null): C;
  /** One more call offered by the schedule. */
  offer(): void;
  hangup(call: C): void;
  /** Calls in progress, in start order. */
  calls(): Iterable<C>;
  isEstablished(call: C): boolean;
  now(): number;
  /** One-shot timer at an absolute clock time, cleared when the driver stops. */
  at(when: number, fn: () => void): void;
}

export class ClosedSlots<C extends SlotCall> {
  /** Call slots held (calls in progress not yet replaced). */
  committed = 0;
  /** How many call indexes this segment has taken: the next is its nthIndex. */
  private taken = 0;

  constructor(
    private readonly o: { stages: readonly Stage[]; segment: Segment; startAt: number; endAt: number },
    private readonly host: SlotHost<C>,
  ) {
  }

  /** Follows the stages from `at`: tops up now and again at each change of the segment's target. */
  run(at: number): void {
    if (this.host.isStopping()) return;
    this.topUp(at);
    const next = nextChangeMs(this.o.stages, at - this.o.startAt, this.o.segment);
    if (next !== null && this.o.startAt + next < this.o.endAt) {
      const when = this.o.startAt + next;
      this.host.at(when, () => this.run(when));
    }
  }

  /** An established call's hold is over (not while stopping): replace it, or let it end. */
  holdExpired(call: C): void {
    const h = this.host;
    if (h.isDraining()) {
      // After the last stage a slot is not refilled: the call just ends.
      if (!call.slot.released) {
        call.slot.released = true;
        this.committed--;
      }
      return h.hangup(call);
    }
    if (!call.slot.released) {
      call.slot.released = true;
      if (this.committed <= this.targetNow()) {
        // Make before break: the slot passes to the replacement; BYE once it is up.
        h.launch(this.takeIndex(), h.now(), call);
        h.offer();
        return;
      }
      this.committed--;
    }
    h.hangup(call);
  }

  /** A call ended: its slot is freed and refilled, or (a failed attempt) redialled after a pause. */
  ended(call: C, answered: boolean): void {
    if (call.slot.released) return;
    const h = this.host;
    if (answered || h.isStopping() || h.isDraining()) {
      this.committed--;
      if (!h.isStopping() && !h.isDraining()) this.topUp(h.now());
      return;
    }
    // A failed attempt's slot stays reserved and is redialled after a pause: refilling at
    // once would turn a platform that rejects everything (503 at capacity) into a retry
    // storm limited only by the round-trip time.
    const when = h.now() + FAILED_SLOT_RETRY_MS;
    h.at(when, () => {
      this.committed--;
      this.topUp(when);
    });
  }

  /** Start calls until the committed slots reach the target; on a ramp down release the extra ones. */
  private topUp(intended: number): void {
    const h = this.host;
    if (h.isDraining()) return;
    const target = this.targetNow(intended);
    while (!h.isStopping() && this.committed < target) {
      this.committed++;
      h.offer();
      h.launch(this.takeIndex(), intended, null);
    }
    if (this.committed > target) {
      for (const call of h.calls()) {
        if (this.committed <= target) break;
        if (h.isEstablished(call) && call.slot.replaces === null && !call.slot.released) {
          this.committed--;
          call.slot.released = true;
          h.hangup(call);
        }
      }
    }
  }

  /**
   * The segment's target at `at` or now, whichever is later: timers may fire up to ~1 ms
   * early, and reading the clock alone would then see the previous step's target and leave
   * the slot empty until the next change (for the last ramp step: forever).
   */
  private targetNow(at = 0): number {
    const t = Math.min(Math.max(this.host.now(), at), this.o.endAt - 1) - this.o.startAt;
    return segmentTargetAt(this.o.stages, Math.max(0, t), this.o.segment);
  }

  /** Closed-model call indexes are striped like open-model ones, so they are unique across segments. */
  private takeIndex(): number {
    return nthIndex(this.taken++, this.o.segment);
  }
}
