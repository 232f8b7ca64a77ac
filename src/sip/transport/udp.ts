import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import { parseMessage } from '../message/parser.js';
import { SipParseError } from '../message/message.js';
import type { Peer, SipTransport, TransportOptions } from './types.js';
import { errors } from '../../errors.js';
import { formatHostPort } from '../message/builder.js';

const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram passes the address of every send() through `lookup` (default dns.lookup, which
 * answers even an IP literal through process.nextTick: a closure, a tick and a deferred
 * send per message). Our peers are IP literals (the target is resolved once in preflight,
 * answers go to a datagram's source address), so those are answered synchronously.
 */
function ipLookup(address: string, options: dns.LookupOneOptions, callback: LookupCallback): void {
  const family = isIP(address);
  if (family !== 0) callback(null, address, family);
  else dns.lookup(address, options, callback);
}

export class UdpTransport implements SipTransport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  localAddress = '';
  localPort = 0;
  private constructor(private readonly socket: dgram.Socket) {}

  static async open(opts: TransportOptions): Promise<UdpTransport> {
    // The socket's family is the local address's: an IPv4 socket cannot send to an IPv6 peer.
    const socket = dgram.createSocket({ type: isIP(opts.address) === 6 ? 'udp6' : 'udp4', lookup: ipLookup });
    const t = new UdpTransport(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err: Error & { code?: string }) => {
        if (err.code === 'EADDRINUSE') {
          reject(errors.portInUse(`UDP ${formatHostPort(opts.address, opts.port)} is already in use`, { address: opts.address, port: opts.port }));
        } else reject(err);
      });
      socket.bind(opts.port, opts.address, () => resolve());
    });
    const size = opts.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    try {
      socket.setRecvBufferSize(size);
      socket.setSendBufferSize(size);
    } catch {
      // The kernel caps these (net.core.rmem_max); a smaller buffer still works, only drops earlier.
    }
    const addr = socket.address();
    t.localAddress = addr.address;
    t.localPort = addr.port;
    const { events } = opts;
    socket.on('message', (buf, rinfo) => {
      const peer: Peer = { address: rinfo.address, port: rinfo.port };
      // RFC 5626 keep-alives (CRLF) on UDP are not messages.
      if (buf.length <= 4 && (buf[0] === 13 || buf[0] === 10)) return;
      const msg = parseMessage(buf);
      if (msg instanceof SipParseError) events.parseError(msg, peer, buf);
      else events.message(msg, peer);
    });
    socket.on('error', (err) => events.transportError(err, null));
    return t;
  }

  send(data: string, to: Peer): void {
    // Messages are ASCII: latin1 encoding skips the UTF-8 scan dgram would do on a string.
    this.socket.send(Buffer.from(data, 'latin1'), to.port, to.address);
  }

  /** Connectionless: nothing to set up. */
  connect(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
