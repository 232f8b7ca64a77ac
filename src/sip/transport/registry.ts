/**
 * Transport kind → how to open one. The only place that knows which file implements which
 * kind: a new kind (TLS, WebSocket) is one file behind SipTransport (types.ts), one entry in
 * TRANSPORT_KINDS and one here. Each implementation is imported when first opened, so a UDP-only
 * process never loads net/tls code.
 */
import type { SipTransport, TransportKind, TransportOptions } from './types.js';

type Opener = (opts: TransportOptions) => Promise<SipTransport>;

const OPENERS: Record<TransportKind, Opener> = {
  udp: async (opts) => (await import('./udp.js')).UdpTransport.open(opts),
  tcp: async (opts) => (await import('./tcp.js')).TcpTransport.open(opts),
};

/** Opens a transport of `kind` bound to opts.address:opts.port. */
export function openTransport(kind: TransportKind, opts: TransportOptions): Promise<SipTransport> {
  return OPENERS[kind](opts);
}
