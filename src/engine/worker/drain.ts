/**
 * How a worker stops its calls: established calls get their BYE at once, paced; calls still
 * being set up get a short grace to be answered (then BYE) before they are CANCELled; after
 * the drain bound whatever is left is given up (the driver records it). Time comes from the
 * host's clock, so the pacing and bounds run on fake time in tests.
 */
import type { CallSlot } from './call-slot.js';

/** Established calls are hung up in batches: 10,000 BYEs a second. */
export const STOP_BYE_BATCH = 100;
export const STOP_BYE_INTERVAL_MS = 10;
/** Calls still being set up may be answered this long before they are CANCELled. */
export const STOP_SETUP_GRACE_MS = 2000;

export interface DrainCall {
  readonly slot: Pick<CallSlot, 'holdTimer' | 'cutAtEnd'>;
}

export interface DrainHost<C extends DrainCall> {
  /** Calls in progress, in start order. */
  calls(): Iterable<C>;
  isEstablished(call: C): boolean;
  /** BYE for an established call, CANCEL (or BYE once answered) for one being set up. */
  hangup(call: C): void;
  clearTimer(handle: unknown): void;
  now(): number;
  at(when: number, fn: () => void): void;
  /** The drain bound is over: record what is left and close. */
  giveUp(): void;
}

/** Starts the stop: paced BYEs now, the setup grace, and the drain bound `drainMs`. */
export function drainCalls<C extends DrainCall>(host: DrainHost<C>, drainMs: number): void {
  hangupEstablished(host);
  const now = host.now();
  // A CANCEL racing an immediate 200 leaves some UASs (SIPp's built-in one) with a dead
  // dialog that never answers our BYE: calls being set up get a grace to be answered first.
  host.at(now + Math.min(STOP_SETUP_GRACE_MS, drainMs / 2), () => {
    for (const call of [...host.calls()]) host.hangup(call);
  });
  host.at(now + drainMs, () => host.giveUp());
}

/**
 * BYE every established call, at most STOP_BYE_BATCH per STOP_BYE_INTERVAL_MS: 10,000
 * BYEs in one burst overflowed the far end's socket buffer (≈ 3,300 retransmissions,
 * measured against SIPp); 10,000 BYEs a second did not. A call whose own hold had not
 * elapsed is marked cut at end.
 */
function hangupEstablished<C extends DrainCall>(host: DrainHost<C>): void {
  let n = 0;
  for (const call of host.calls()) {
    if (!host.isEstablished(call)) continue;
    const slot = call.slot;
    if (slot.holdTimer !== null) {
      slot.cutAtEnd = true;
      host.clearTimer(slot.holdTimer);
      slot.holdTimer = null;
    }
    host.hangup(call);
    if (++n === STOP_BYE_BATCH) {
      host.at(host.now() + STOP_BYE_INTERVAL_MS, () => hangupEstablished(host));
      return;
    }
  }
}
