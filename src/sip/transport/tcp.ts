import net from 'node:net';
import { parseMessage } from '../message/parser.js';
import { StreamFramer } from '../message/framer.js';
import { SipParseError } from '../message/message.js';
import type { Peer, SipTransport, TransportOptions, TransportEvents } from './types.js';
import { errors } from '../../errors.js';
import { formatHostPort } from '../message/builder.js';

/**
 * SIP over TCP (RFC 3261 §18.3). Listens for inbound connections and opens at
 * most one outbound connection per destination, reused for every call (as SIPp
 * does with -t t1): a load generator must not open a socket per call.
 */
export class TcpTransport implements SipTransport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  localAddress = '';
  localPort = 0;
  private readonly outbound = new Map<string, net.Socket>();
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly events: TransportEvents,
  ) {}

  static async open(opts: TransportOptions): Promise<TcpTransport> {
    const server = net.createServer();
    const t = new TcpTransport(server, opts.events);
    server.on('connection', (sock) => t.attach(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: Error & { code?: string }) => {
        if (err.code === 'EADDRINUSE') {
          reject(errors.portInUse(`TCP ${formatHostPort(opts.address, opts.port)} is already in use`, { address: opts.address, port: opts.port }));
        } else reject(err);
      });
      server.listen(opts.port, opts.address, () => resolve());
    });
    const addr = server.address() as net.AddressInfo;
    t.localAddress = addr.address;
    t.localPort = addr.port;
    return t;
  }

  private attach(sock: net.Socket): void {
    sock.setNoDelay(true);
    this.sockets.add(sock);
    const peer: Peer = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0, conn: sock };
    let desynced = false;
    const framer = new StreamFramer(
      (buf) => {
        const msg = parseMessage(buf);
        if (msg instanceof SipParseError) this.events.parseError(msg, peer, buf);
        else this.events.message(msg, peer);
      },
      (err, raw, fatal) => {
        // The handler may still answer on this connection (a 400 naming the framing fault)...
        this.events.parseError(err, peer, raw);
        if (fatal) {
          // ...but the stream cannot be resynced: close once that answer is flushed (RFC 4475 §3.1.2.3).
          desynced = true;
          sock.destroySoon();
        }
      },
    );
    sock.on('data', (chunk) => {
      if (!desynced) framer.push(chunk);
    });
    sock.on('error', (err) => this.events.transportError(err, peer));
    sock.on('close', () => {
      this.sockets.delete(sock);
      for (const [k, s] of this.outbound) if (s === sock) this.outbound.delete(k);
    });
  }

  send(data: string, to: Peer): void {
    let sock = to.conn;
    if (sock === undefined || sock.destroyed || sock.writableEnded) {
      const key = `${to.address}:${to.port}`;
      sock = this.outbound.get(key);
      if (sock === undefined || sock.destroyed || sock.writableEnded) {
        sock = net.connect({ host: to.address, port: to.port, localAddress: this.localAddress });
        this.outbound.set(key, sock);
        this.attach(sock);
      }
    }
    sock.write(data, 'latin1');
  }

  /** Resolves once the outbound connection to `to` is up, rejects with a clear error otherwise. */
  connect(to: Peer, timeoutMs: number): Promise<void> {
    const key = `${to.address}:${to.port}`;
    const where = formatHostPort(to.address, to.port);
    let sock = this.outbound.get(key);
    if (sock === undefined || sock.destroyed) {
      sock = net.connect({ host: to.address, port: to.port, localAddress: this.localAddress });
      this.outbound.set(key, sock);
      this.attach(sock);
    }
    if (!sock.connecting) return Promise.resolve();
    const s = sock;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        s.destroy();
        reject(errors.targetUnreachable(`TCP connection to ${where} timed out after ${timeoutMs} ms`, { address: to.address, port: to.port }));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      s.once('error', (err: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(errors.targetUnreachable(`cannot connect to ${where} over TCP: ${err.code ?? err.message}`, { address: to.address, port: to.port }));
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
