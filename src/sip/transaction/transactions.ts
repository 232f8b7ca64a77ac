/**
 * RFC 3261 §17 transactions over per-call records, for every leg (caller and answerer).
 *
 * A record carries the state of the one transaction that may retransmit on it at a time
 * (`TransactionSlot`, flat fields: no object per transaction): a caller's INVITE until a
 * provisional, then its CANCEL or BYE; an answerer's final response to the INVITE until the
 * ACK, then its own BYE. The kinds and their timers:
 *
 * - INVITE client (§17.1.1): Timer A retransmits the request on unreliable transports,
 *   doubling without bound, until a provisional (`proceeding`); Timer B (64·T1) ends it.
 * - non-INVITE client (§17.1.2): Timer E retransmits, doubling up to T2; Timer F (64·T1).
 * - INVITE server (§17.2.1): the last response is sent again for a retransmitted INVITE
 *   (`resendLast`); a final response is retransmitted by Timer G (doubling up to T2) on
 *   unreliable transports until the ACK; Timer H (64·T1) bounds the wait for it.
 * - non-INVITE server (§17.2.2): a completed request's final response is kept for Timer J
 *   (64·T1, unreliable transports only) and sent again to a retransmission (`CompletedRequests`).
 *
 * No closure per message or per timer: one bound retransmit handler and one coarse timer
 * (transaction/coarse-timer.ts) per `Transactions`, both taking the record as argument.
 */
import type { Peer, SipTransport } from '../transport/types.js';
import { CoarseTimer } from './coarse-timer.js';
import { T1, T2, TIMER_B, TIMER_F, TIMER_H, TIMER_J } from './timers.js';

export const TxKind = {
  None: 0,
  InviteClient: 1,
  NonInviteClient: 2,
  InviteServer: 3,
} as const;
export type TxKind = (typeof TxKind)[keyof typeof TxKind];

/** The transaction state of a per-call record; records extend it (dialog/dialog.ts `Dialog`). */
export class TransactionSlot {
  txKind: TxKind = TxKind.None;
  /** Branch of the client transaction in flight (§17.1.3 matching, CANCEL reuses the INVITE's). */
  branch = '';
  /** The message the transaction repeats (client: the request; server: the last response); '' for none. */
  txMessage = '';
  txRetransMs = T1;
  txTimer: NodeJS.Timeout | null = null;
  /** Slot of Timer B/F/H in the shared coarse timer, -1 when none is armed. */
  txSlot = -1;
}

/** A record the transactions act on: its slot, and where its transaction's messages go. */
export interface TransactionRecord extends TransactionSlot {
  /** Next hop: the target (caller) or the source of the INVITE (answerer). */
  readonly peer: Peer;
}

export interface TransactionUser<R> {
  /** Timer B, F or H fired for `rec` (its retransmission timer may still be armed: end it with `terminate`). */
  transactionTimeout(rec: R): void;
}

export class Transactions<R extends TransactionRecord> {
  /** Retransmissions sent (requests and responses). */
  retransmissions = 0;
  private readonly coarse: CoarseTimer<R>;
  private readonly onRetransmit: (rec: R) => void;

  constructor(
    private readonly transport: SipTransport,
    user: TransactionUser<R>,
    now: () => number,
  ) {
    this.coarse = new CoarseTimer<R>(100, (rec) => {
      rec.txSlot = -1;
      user.transactionTimeout(rec);
    }, now);
    this.onRetransmit = (rec) => this.retransmit(rec);
  }

  /** Client transaction: sends `data` to rec.peer, arms Timer A (INVITE) or E, and B or F. */
  request(rec: R, kind: typeof TxKind.InviteClient | typeof TxKind.NonInviteClient, data: string): void {
    rec.txKind = kind;
    rec.txMessage = data;
    this.transport.send(data, rec.peer);
    this.armRetransmit(rec);
    this.coarse.remove(rec, rec.txSlot);
    rec.txSlot = this.coarse.add(rec, kind === TxKind.InviteClient ? TIMER_B : TIMER_F);
  }

  /** INVITE client transaction: a provisional arrived (Proceeding) — no more retransmissions, no Timer B. */
  proceeding(rec: R): void {
    this.stopRetransmit(rec);
    rec.txMessage = '';
    this.coarse.remove(rec, rec.txSlot);
    rec.txSlot = -1;
  }

  /** INVITE server transaction: a provisional response, sent again if the INVITE is. */
  provisional(rec: R, data: string): void {
    rec.txKind = TxKind.InviteServer;
    rec.txMessage = data;
    this.transport.send(data, rec.peer);
  }

  /** INVITE server transaction: a final response; Timer G on unreliable transports, Timer H until the ACK. */
  final(rec: R, data: string): void {
    rec.txKind = TxKind.InviteServer;
    rec.txMessage = data;
    this.transport.send(data, rec.peer);
    this.coarse.remove(rec, rec.txSlot);
    rec.txSlot = this.coarse.add(rec, TIMER_H);
    this.armRetransmit(rec);
  }

  /** A retransmitted request: the last message sent again, to where the retransmission came from. */
  resendLast(rec: R, to: Peer): void {
    if (rec.txMessage !== '') this.transport.send(rec.txMessage, to);
  }

  /** Stops retransmitting (e.g. a CANCEL's 200) but keeps the timeout. */
  stopRetransmit(rec: R): void {
    if (rec.txTimer !== null) clearTimeout(rec.txTimer);
    rec.txTimer = null;
  }

  /** The transaction is over (final response, ACK, the call ended): every timer stopped, nothing to repeat. */
  terminate(rec: R): void {
    this.stopRetransmit(rec);
    this.coarse.remove(rec, rec.txSlot);
    rec.txSlot = -1;
    rec.txMessage = '';
  }

  private armRetransmit(rec: R): void {
    this.stopRetransmit(rec);
    if (this.transport.reliable) return;
    rec.txRetransMs = T1;
    rec.txTimer = setTimeout(this.onRetransmit, T1, rec);
  }

  private retransmit(rec: R): void {
    rec.txTimer = null;
    if (rec.txMessage === '') return;
    this.retransmissions++;
    this.transport.send(rec.txMessage, rec.peer);
    // Timer A doubles without bound (§17.1.1.2); E and G double up to T2 (§17.1.2.2, §17.2.1).
    rec.txRetransMs = rec.txKind === TxKind.InviteClient ? rec.txRetransMs * 2 : Math.min(rec.txRetransMs * 2, T2);
    rec.txTimer = setTimeout(this.onRetransmit, rec.txRetransMs, rec);
  }

  /** Stops every timer; records still open are left to their owner. */
  close(): void {
    this.coarse.stop();
  }
}

/**
 * Non-INVITE server transactions in the Completed state (§17.2.2): the final response to a
 * request, keyed by the owner (e.g. Call-ID for a BYE), kept for Timer J so a retransmission
 * gets it again instead of a 481. Unreliable transports only: over TCP nothing is retransmitted.
 */
export class CompletedRequests {
  private readonly responses = new Map<string, string>();
  private readonly expiry: CoarseTimer<string>;

  constructor(private readonly reliable: boolean, now: () => number) {
    this.expiry = new CoarseTimer<string>(1000, (key) => this.responses.delete(key), now);
  }

  complete(key: string, response: string): void {
    if (this.reliable) return;
    this.responses.set(key, response);
    this.expiry.add(key, TIMER_J);
  }

  /** The response a retransmission of the request `key` gets, if it is still kept. */
  get(key: string): string | undefined {
    return this.responses.get(key);
  }

  close(): void {
    this.expiry.stop();
    this.responses.clear();
  }
}
