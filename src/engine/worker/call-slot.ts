/**
 * The driver's own state for one call, kept on the SIP record's `slot` (the UAC never reads it):
 * who the call is in the schedule, its hold, and the run's bookkeeping.
 */
import type { Call } from '../../sip/ua/caller.js';
import type { CallMedia } from './caller-media.js';

export class CallSlot {
  holdTimer: unknown = null;
  /** Closed model, make-before-break: the established call this one replaces once answered. */
  replaces: DriverCall | null = null;
  /** Closed model: this call's channel slot was handed to a replacement or released. */
  released = false;
  /** The run's end hung this call up before its hold elapsed. */
  cutAtEnd = false;
  /** Its voice (scenario call.media), null for a signalling-only call. */
  media: CallMedia | null = null;
  constructor(
    /** Call index in the whole run's schedule (striped across workers). */
    readonly index: number,
    /** When the schedule meant the call to start (clock ms). */
    readonly intendedAt: number,
    readonly holdMs: number,
  ) {}
}

export type DriverCall = Call<CallSlot>;

/**
 * Where a call's latencies are measured from: the earlier of its intended start and its actual
 * send. A late send is timed from the intended start, so the generator's delay counts against
 * the figure (no coordinated omission); an early send (Node timers fire on whole milliseconds,
 * up to ~1 ms before their time) is timed from the wire, so no latency is shorter than what the
 * wire saw, and none is negative.
 */
export function timedFrom(call: Pick<DriverCall, 'sentAt' | 'slot'>): number {
  const intended = call.slot.intendedAt;
  return call.sentAt < intended ? call.sentAt : intended;
}
