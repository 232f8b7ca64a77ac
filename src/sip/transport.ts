import type { Socket } from 'node:net';
import type { SipMessage } from './message.js';
import type { SipParseError } from './message.js';

/** Where a message came from, and where its answer goes (RFC 3261 §18.2.2: same connection on TCP). */
export interface Peer {
  address: string;
  port: number;
  /** TCP only: the connection the message arrived on. */
  conn?: Socket;
}

export interface TransportEvents {
  message(msg: SipMessage, from: Peer): void;
  /** Bytes that did not parse: counted, never thrown (a hostile peer must not stop a run). */
  parseError(err: SipParseError, from: Peer): void;
  /** A socket-level failure, with the addresses involved. */
  transportError(err: Error & { code?: string }, peer: Peer | null): void;
}

export interface SipTransport {
  readonly protocol: 'udp' | 'tcp';
  readonly localAddress: string;
  readonly localPort: number;
  /** Reliable transports get no retransmissions (Timers A/E/G only run on UDP). */
  readonly reliable: boolean;
  send(data: string, to: Peer): void;
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
