/**
 * A client of rtpengine's ng control protocol (rtpengine's docs, "ng control protocol"): one UDP
 * datagram per message, `<cookie> <bencoded dictionary>`, the reply carrying the same cookie.
 * Commands callcert uses: `ping` → { result: "pong" }; `list` { limit } → { calls: [call-id, …] };
 * `query` { call-id } → { result: "ok", totals: { RTP: { packets, bytes, errors }, RTCP: {…} },
 * tags: { <tag>: { medias: [ { streams: [ { "local port", endpoint: { address, port }, flags,
 * stats: { packets, bytes, errors } } ] } ] } } }, or { result: "error", "error-reason":
 * "Unknown call-id" } once the call is gone. A stream's stats count what rtpengine *received* on
 * that local port (from the endpoint it learnt); it forwards that out of the peer side's port.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { bdecode, bencode, type Bencode } from './bencode.js';

export type NgDict = { [key: string]: Bencode };

/** One ng client on its own UDP socket: request/reply matched by cookie, each bounded in time. */
export class NgClient {
  private readonly sock: Socket;
  private readonly pending = new Map<string, (reply: NgDict | Error) => void>();
  private readonly prefix = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly ready: Promise<void>;
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    const v6 = isIPv6(host);
    this.sock = createSocket(v6 ? 'udp6' : 'udp4');
    this.sock.on('message', (msg) => {
      const sp = msg.indexOf(0x20);
      if (sp < 0) return;
      const cookie = msg.toString('latin1', 0, sp);
      const done = this.pending.get(cookie);
      if (done === undefined) return;
      this.pending.delete(cookie);
      try {
        const v = bdecode(msg.subarray(sp + 1));
        done(typeof v === 'object' && !Array.isArray(v) ? v : new Error(`ng reply is not a dictionary: ${JSON.stringify(v)}`));
      } catch (e) {
        done(e as Error);
      }
    });
    // An ICMP unreachable or a send error fails the requests in flight, never the process.
    this.sock.on('error', (e) => {
      for (const done of this.pending.values()) done(e);
      this.pending.clear();
    });
    this.ready = new Promise((resolve, reject) => {
      this.sock.once('error', reject);
      this.sock.bind(0, () => {
        this.sock.off('error', reject);
        resolve();
      });
    });
  }

  /** Send `{ command, ...args }`; resolves with the reply dictionary (any `result`), rejects after timeoutMs. */
  async command(command: string, args: NgDict = {}, timeoutMs = 2000): Promise<NgDict> {
    await this.ready;
    if (this.closed) throw new Error('ng client closed');
    const cookie = `${this.prefix}_${++this.seq}`;
    const msg = Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), bencode({ ...args, command })]);
    return new Promise<NgDict>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new Error(`ng ${command}: no reply from ${this.host}:${this.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(cookie, (r) => {
        clearTimeout(t);
        if (r instanceof Error) reject(r);
        else resolve(r);
      });
      this.sock.send(msg, this.port, this.host, (err) => {
        if (err === null || err === undefined) return;
        const done = this.pending.get(cookie);
        this.pending.delete(cookie);
        done?.(err);
      });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.sock.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}

/** One stream (one local port) of a call as rtpengine's `query` reports it. */
export interface RtpengineStream {
  tag: string;
  mediaIndex: number;
  localPort: number;
  /** Where rtpengine last received from on this port ('' before anything came). */
  endpoint: string;
  /** What rtpengine received on this local port. */
  packets: number;
  bytes: number;
  errors: number;
  /** true for an RTCP stream (rtpengine's flags list it). */
  rtcp: boolean;
}

const num = (v: Bencode | undefined): number => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0);
const dict = (v: Bencode | undefined): NgDict => (v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {});
const list = (v: Bencode | undefined): Bencode[] => (Array.isArray(v) ? v : []);

/** The streams of a `query` reply, flattened: every tag's medias' streams. */
export function queryStreams(reply: NgDict): RtpengineStream[] {
  const out: RtpengineStream[] = [];
  for (const [tag, t] of Object.entries(dict(reply.tags))) {
    for (const m of list(dict(t).medias)) {
      const md = dict(m);
      for (const s of list(md.streams)) {
        const sd = dict(s);
        const ep = dict(sd.endpoint);
        const stats = dict(sd.stats);
        const flags = list(sd.flags).filter((f): f is string => typeof f === 'string');
        out.push({
          tag,
          mediaIndex: num(md.index),
          localPort: num(sd['local port']),
          endpoint: typeof ep.address === 'string' ? `${ep.address}:${num(ep.port)}` : '',
          packets: num(stats.packets),
          bytes: num(stats.bytes),
          errors: num(stats.errors),
          rtcp: flags.includes('RTCP'),
        });
      }
    }
  }
  return out;
}

/** A `query` reply's totals: { RTP, RTCP } × { packets, bytes, errors }. */
export function queryTotals(reply: NgDict): { rtp: Traffic; rtcp: Traffic } {
  const t = dict(reply.totals);
  const of = (k: string): Traffic => {
    const x = dict(t[k]);
    return { packets: num(x.packets), bytes: num(x.bytes), errors: num(x.errors) };
  };
  return { rtp: of('RTP'), rtcp: of('RTCP') };
}

export interface Traffic {
  packets: number;
  bytes: number;
  errors: number;
}
