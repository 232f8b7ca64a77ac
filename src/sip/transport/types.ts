import type { Socket } from 'node:net';
import type { SipMessage, SipParseError } from '../message/message.js';

/** Where a message came from, and where its answer goes (RFC 3261 §18.2.2: same connection on TCP). */
export interface Peer {
  address: string;
  port: number;
  /** TCP only: the connection the message arrived on. */
  conn?: Socket;
}

export interface TransportEvents {
  message(msg: SipMessage, from: Peer): void;
  /**
   * Bytes that did not parse: counted, never thrown (a hostile peer must not stop a run).
   * `raw` is the datagram (UDP), the framed message or its header section (TCP), when
   * known: a UAS salvages Via/Call-ID/CSeq/From/To from it to answer 400/505/513
   * (src/sip/salvage.ts). Handlers must not keep it past the call.
   */
  parseError(err: SipParseError, from: Peer, raw?: Buffer): void;
  /** A socket-level failure, with the addresses involved. */
  transportError(err: Error & { code?: string }, peer: Peer | null): void;
}

import type { TransportKind } from './kinds.js';

export { TRANSPORT_KINDS, isTransportKind, type TransportKind } from './kinds.js';

export interface SipTransport {
  readonly protocol: TransportKind;
  readonly localAddress: string;
  readonly localPort: number;
  /** Reliable transports get no retransmissions (Timers A/E/G only run on UDP). */
  readonly reliable: boolean;
  send(data: string, to: Peer): void;
  /**
   * Resolves once `to` can be sent to, rejects with a CC_ERR_TARGET_UNREACHABLE error otherwise:
   * a connection-oriented kind opens (or reuses) its connection; a connectionless one resolves at once.
   */
  connect(to: Peer, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface TransportOptions {
  address: string;
  /** 0 for any free port. */
  port: number;
  events: TransportEvents;
  /** Socket buffer size for UDP; SIPp needs 4 MiB above ~2,500 CPS (measured, see BRIEF §5). */
  bufferBytes?: number;
}
