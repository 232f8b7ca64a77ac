/**
 * rtpengine (Debian rtpengine-daemon, 10.x) as a real media relay in interop tests, and a
 * small client for its ng control protocol.
 *
 * How rtpengine runs here (startRtpengine)
 *   timeout -k 5 N rtpengine --config-file=none --foreground --log-stderr --table=-1 \
 *     --interface=127.0.0.1 --listen-ng=127.0.0.1:<ng port> --port-min=A --port-max=B \
 *     --pidfile=<dir>/rtpengine.pid --num-threads=2 --delete-delay=D [--recording-dir=... --recording-method=pcap]
 *   - `--table=-1`: no kernel forwarding table, media is relayed in userspace (no module, no
 *     capabilities needed; it runs as root here anyway).
 *   - `--config-file=none`: the package's /etc/rtpengine/rtpengine.conf is not read.
 *   - ready when the ng port answers a `ping` with `pong`.
 *   - `--delete-delay`: a call the proxy deleted stays queryable that long (rtpengine's
 *     default is 30 s), so a test can read rtpengine's own counts after the run.
 *
 * The ng protocol (rtpengine's docs, "ng control protocol"): one UDP datagram per message,
 * `<cookie> <bencoded dictionary>`; the reply carries the same cookie. Commands used here:
 * `ping` → { result: "pong" }, `list` → { calls: [call-id, …] }, `query` { call-id } →
 * { result: "ok", totals: { RTP: { packets, bytes, errors }, RTCP: {…} }, tags: { <tag>: {
 * medias: [ { streams: [ { "local port", endpoint: { address, port }, stats: { packets,
 * bytes, errors } } ] } ] } } }. A stream's stats count what rtpengine *received* on that
 * local port (from the endpoint it learnt); it forwards it out of the peer side's port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcap, type PcapUdp } from '../../src/media/pcap.js';
import { startKamailio, type KamailioHandle } from './kamailio.js';
import { freeUdpPort, requireCommand, spawnBounded, tailLines, type BoundedProcess } from './procs.js';

// ---- bencode ---------------------------------------------------------------------------

/** A bencode value: byte strings decode as latin1 strings (rtpengine's keys and values are ASCII). */
export type Bencode = string | number | Bencode[] | { [key: string]: Bencode };

/** Bencode `v` (BEP 3): dictionaries with their keys sorted as raw byte strings; integers only. */
export function bencode(v: Bencode): Buffer {
  const parts: Buffer[] = [];
  const walk = (x: Bencode): void => {
    if (typeof x === 'number') {
      if (!Number.isSafeInteger(x)) throw new Error(`bencode: ${x} is not an integer`);
      parts.push(Buffer.from(`i${x}e`, 'latin1'));
    } else if (typeof x === 'string') {
      const b = Buffer.from(x, 'latin1');
      parts.push(Buffer.from(`${b.length}:`, 'latin1'), b);
    } else if (Array.isArray(x)) {
      parts.push(Buffer.from('l', 'latin1'));
      for (const e of x) walk(e);
      parts.push(Buffer.from('e', 'latin1'));
    } else {
      parts.push(Buffer.from('d', 'latin1'));
      for (const k of Object.keys(x).sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')))) {
        walk(k);
        walk(x[k]!);
      }
      parts.push(Buffer.from('e', 'latin1'));
    }
  };
  walk(v);
  return Buffer.concat(parts);
}

/** Decode one bencoded value that fills `buf` exactly; throws with the offset on malformed input. */
export function bdecode(buf: Buffer): Bencode {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`bdecode: ${why} at byte ${i}`);
  };
  const digitsUntil = (end: number): number => {
    const stop = buf.indexOf(end, i);
    if (stop < 0) fail('unterminated number');
    const text = buf.toString('latin1', i, stop);
    if (!/^(0|-?[1-9]\d*)$/.test(text)) fail(`bad number '${text}'`);
    i = stop + 1;
    return Number(text);
  };
  const value = (): Bencode => {
    if (i >= buf.length) fail('unexpected end');
    const c = buf[i]!;
    if (c === 0x69 /* i */) {
      i++;
      return digitsUntil(0x65 /* e */);
    }
    if (c === 0x6c /* l */) {
      i++;
      const out: Bencode[] = [];
      while (buf[i] !== 0x65) out.push(value());
      i++;
      return out;
    }
    if (c === 0x64 /* d */) {
      i++;
      const out: { [key: string]: Bencode } = {};
      while (buf[i] !== 0x65) {
        const k = value();
        if (typeof k !== 'string') fail('dictionary key is not a string');
        // defineProperty: a key named __proto__ is a key like any other, not the prototype.
        Object.defineProperty(out, k as string, { value: value(), enumerable: true, writable: true, configurable: true });
      }
      i++;
      return out;
    }
    if (c >= 0x30 && c <= 0x39) {
      const len = digitsUntil(0x3a /* : */);
      if (len < 0 || i + len > buf.length) fail('string runs past the end');
      const s = buf.toString('latin1', i, i + len);
      i += len;
      return s;
    }
    return fail(`unexpected byte 0x${c.toString(16)}`);
  };
  const v = value();
  if (i !== buf.length) fail('trailing bytes');
  return v;
}

// ---- ng client -------------------------------------------------------------------------

export type NgDict = { [key: string]: Bencode };

/** One ng client on its own UDP socket: request/reply matched by cookie, each bounded in time. */
export class NgClient {
  private readonly sock: Socket;
  private readonly pending = new Map<string, (reply: NgDict | Error) => void>();
  private seq = 0;
  private ready: Promise<void>;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.sock = createSocket('udp4');
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
    this.ready = new Promise((resolve, reject) => {
      this.sock.once('error', reject);
      this.sock.bind(0, '127.0.0.1', () => resolve());
    });
  }

  /** Send `{ command, ...args }`; resolves with the reply dictionary (any `result`), rejects after timeoutMs. */
  async command(command: string, args: NgDict = {}, timeoutMs = 2000): Promise<NgDict> {
    await this.ready;
    const cookie = `cc${process.pid}_${++this.seq}`;
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
      this.sock.send(msg, this.port, this.host);
    });
  }

  close(): Promise<void> {
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
  /** true for an RTCP stream (odd port; rtpengine's flags list it). */
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

// ---- the daemon ------------------------------------------------------------------------

export interface RtpengineOptions {
  /** RTP port range rtpengine allocates from. */
  portMin: number;
  portMax: number;
  /** Hard time budget for the process, seconds (default 120). */
  timeoutSec?: number;
  /** Work dir (pidfile, recordings); fresh temp dir when omitted. */
  workDir?: string;
  /** Seconds a deleted call stays queryable (default 60). */
  deleteDelaySec?: number;
  /** Record every call as pcap into this directory (--recording-method=pcap). */
  recordingDir?: string;
  /** More raw arguments. */
  extraArgs?: string[];
}

export interface RtpengineHandle {
  ngHost: '127.0.0.1';
  ngPort: number;
  workDir: string;
  args: readonly string[];
  proc: BoundedProcess;
  ng: NgClient;
  log(): string;
  /** Close the ng client, SIGTERM, wait, SIGKILL the group if needed. */
  stop(): Promise<void>;
}

/** The argument list startRtpengine runs with (exported so a test can report it). */
export function rtpengineArgs(o: RtpengineOptions & { ngPort: number; workDir: string }): string[] {
  const args = [
    '--config-file=none',
    '--foreground',
    '--log-stderr',
    '--log-level=6',
    '--table=-1',
    '--interface=127.0.0.1',
    `--listen-ng=127.0.0.1:${o.ngPort}`,
    `--port-min=${o.portMin}`,
    `--port-max=${o.portMax}`,
    `--pidfile=${join(o.workDir, 'rtpengine.pid')}`,
    '--num-threads=2',
    `--delete-delay=${o.deleteDelaySec ?? 60}`,
  ];
  if (o.recordingDir !== undefined) args.push(`--recording-dir=${o.recordingDir}`, '--recording-method=pcap');
  return args.concat(o.extraArgs ?? []);
}

/** Start rtpengine in userspace; resolves once its ng port answers `ping` (10 s at most). */
export async function startRtpengine(o: RtpengineOptions): Promise<RtpengineHandle> {
  const bin = requireCommand('rtpengine', 'apt-get install rtpengine-daemon');
  const workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'callcert-rtpengine-'));
  if (o.recordingDir !== undefined) mkdirSync(o.recordingDir, { recursive: true });
  const ngPort = await freeUdpPort();
  const args = rtpengineArgs({ ...o, ngPort, workDir });
  const proc = spawnBounded(bin, args, { timeoutSec: o.timeoutSec ?? 120, cwd: workDir });
  const ng = new NgClient('127.0.0.1', ngPort);
  const deadline = Date.now() + 10_000;
  let last = '';
  for (;;) {
    if (proc.done) {
      const r = await proc.exited;
      await ng.close();
      throw new Error(`rtpengine exited before answering ping (code ${r.code}, signal ${r.signal}): rtpengine ${args.join(' ')}\n${tailLines(r.stderr, 40)}`);
    }
    try {
      const r = await ng.command('ping', {}, 300);
      if (r.result === 'pong') break;
      last = JSON.stringify(r);
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) {
      await ng.close();
      await proc.kill(2000);
      throw new Error(`rtpengine did not answer ping on 127.0.0.1:${ngPort} within 10 s (${last})\n${tailLines(proc.stderrSoFar(), 40)}`);
    }
  }
  return {
    ngHost: '127.0.0.1',
    ngPort,
    workDir,
    args,
    proc,
    ng,
    log: () => proc.stderrSoFar(),
    async stop() {
      await ng.close();
      await proc.kill(5000);
    },
  };
}

// ---- the pcap spool (--recording-method=pcap) ----------------------------------------------

/**
 * Where rtpengine 10.5 (`--recording-dir=D --recording-method=pcap`, a call offered with
 * `record-call=on`) puts a call, measured here: `D/pcaps/<call-id, URL-encoded>-<16 hex>.pcap`
 * from the offer on, written through a buffer; `D/tmp/rtpengine-meta-<same>.tmp` while the call
 * lives, moved to `D/metadata/rtpengine-meta-<same>.txt` (the pcap path, each SDP, start and end) when the call is
 * deleted for good — at once with `--delete-delay=0`, else that many seconds after the delete.
 */
export function recordingName(callId: string): string {
  return encodeURIComponent(callId);
}

/** The UDP datagrams of a pcap file (the one reader, media/pcap.ts); throws on a file it cannot read. */
export function readPcapUdp(file: Buffer): PcapUdp[] {
  const r = readPcap(file);
  if ('error' in r) throw new Error(r.error);
  return r.datagrams;
}

// ---- Kamailio in front of a UAS, with rtpengine relaying the media -------------------------

/** The Kamailio fixture that hands every INVITE's and 2xx's SDP to rtpengine (kamailio-rtpengine.cfg). */
export const KAMAILIO_RTPENGINE_CFG = resolve(fileURLToPath(new URL('../fixtures/kamailio/kamailio-rtpengine.cfg', import.meta.url)));

export interface KamailioRtpengineOptions {
  rtpengine: RtpengineHandle;
  /** The UAS Kamailio routes every INVITE to (127.0.0.1). */
  uasPort: number;
  /** Add `record-call=on` to rtpengine_offer (needs rtpengine's recordingDir). */
  recordCalls?: boolean;
  timeoutSec?: number;
  workDir?: string;
}

/** Kamailio (kamailio-rtpengine.cfg) with its rtpengine module talking to `rtpengine`'s ng port. */
export function startKamailioWithRtpengine(o: KamailioRtpengineOptions): Promise<KamailioHandle> {
  const flags = `replace-origin replace-session-connection${o.recordCalls === true ? ' record-call=on' : ''}`;
  return startKamailio({
    uasPort: o.uasPort,
    timeoutSec: o.timeoutSec ?? 120,
    cfgTemplate: KAMAILIO_RTPENGINE_CFG,
    ...(o.workDir !== undefined ? { workDir: o.workDir } : {}),
    placeholders: { __RTPENGINE_SOCK__: `udp:${o.rtpengine.ngHost}:${o.rtpengine.ngPort}`, __RTPENGINE_OFFER_FLAGS__: flags },
  });
}
