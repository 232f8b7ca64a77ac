/**
 * Per-call RTP/RTCP port pairs from a configured range, bound ahead of time.
 *
 * The SDP offer is written synchronously (the session hook's `offer()`), and the port it names
 * must already be bound, so binding cannot happen per call: `open(n)` binds n pairs up front
 * (even RTP port, RTCP on RTP + 1, RFC 3550 §11; one socket with rtcp-mux, RFC 5761), `take()`
 * hands one out synchronously or returns null when none is free (the caller counts
 * media_no_port), `release()` gives it back with its sockets still bound. Ports someone else
 * holds are skipped.
 *
 * A pair moves between calls, and the old call's far end may still be sending. So each socket
 * has one 'message' listener for its whole life, installed at bind, that hands packets to the
 * current holder's `onRtp`/`onRtcp`; a released pair has no holder and its packets are only
 * counted (`strayPackets`). Released pairs queue FIFO and stay out of use for `quarantineMs`, so
 * packets already in flight (or in the socket buffer) when a call ends drain as strays instead
 * of reaching the next call.
 */
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import { errors } from '../errors.js';

export interface PortRange {
  /** Lowest port (inclusive); an odd value starts at the next even one. */
  readonly min: number;
  /** Highest port (inclusive), RTCP ports included. */
  readonly max: number;
}

export interface PortPoolOptions {
  /** The local address every socket binds (an IPv4 or IPv6 literal), the one the SDP names. */
  address: string;
  range: PortRange;
  /** One socket per pair (RTP and RTCP multiplexed); RTP + 1 is left unbound. Default false. */
  rtcpMux?: boolean;
  /** SO_RCVBUF per socket (the kernel caps it at net.core.rmem_max and doubles it on Linux). Default: the system's. */
  recvBufferBytes?: number;
  /** SO_SNDBUF per socket. Default: the system's. */
  sendBufferBytes?: number;
  /** How long a released pair stays out of use. Default 1000 ms. */
  quarantineMs?: number;
  /**
   * When fewer than a quarter of this many pairs are free after a take(), bind this many more in
   * the background (binding is asynchronous, take() is not). Default 0: the pool never grows by itself.
   */
  growBy?: number;
  /** Clock for the quarantine, in ms. Default performance.now. */
  now?: () => number;
}

export type PacketHandler = (packet: Buffer, from: RemoteInfo) => void;

/**
 * One call's ports, from `take()` to `release()`. Set the handlers and send from the sockets; do not
 * close or connect() them: they outlive the call, and a connected socket would refuse the next call's peer.
 */
export interface PortPair {
  readonly address: string;
  readonly rtpPort: number;
  /** Where RTCP arrives: RTP + 1, or the RTP port itself in an rtcp-mux pool. */
  readonly rtcpPort: number;
  readonly rtp: Socket;
  /** null in an rtcp-mux pool: RTCP arrives on `rtp` and goes to `onRtp`. */
  readonly rtcp: Socket | null;
  onRtp: PacketHandler;
  onRtcp: PacketHandler;
}

export interface PortPoolStats {
  /** Pairs bound. */
  readonly pairs: number;
  /** Pairs not in use (quarantined ones included). */
  readonly free: number;
  readonly inUse: number;
  /** Candidate pairs skipped because a port was taken (EADDRINUSE) or not allowed (EACCES). */
  readonly skippedPorts: number;
  /** Packets that arrived on a pair nobody held. */
  readonly strayPackets: number;
  /** 'error' events of bound sockets. */
  readonly socketErrors: number;
  /** Why the last `open` stopped short of its count (range used up, or a resource limit), or null. */
  readonly shortfall: string | null;
}

const ignore: PacketHandler = () => {};

/** Bind this many pairs at once: binding is a syscall each, but waiting for each in turn is slow at thousands. */
const BIND_BATCH = 64;

/** Port taken, or below 1024 without privilege: try the next pair. */
const SKIP = new Set(['EADDRINUSE', 'EACCES']);
/** Out of descriptors or memory: more binds would fail too; keep what we have. */
const EXHAUSTED = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** The last address ipLookup classified: a worker's streams mostly go to one peer, and isIP is a regex per packet. */
let lastAddress = '';
let lastFamily = 0;

/** Sends to IP literals skip dns.lookup's deferred answer (our peers come from SDP c= lines, literals by then). */
function ipLookup(address: string, options: dns.LookupOneOptions, callback: LookupCallback): void {
  if (address !== lastAddress) {
    lastFamily = isIP(address);
    lastAddress = address;
  }
  if (lastFamily !== 0) callback(null, address, lastFamily);
  else dns.lookup(address, options, callback);
}

interface Slot {
  readonly rtpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket | null;
  holder: Lease | null;
  releasedAtMs: number;
}

class Lease implements PortPair {
  onRtp: PacketHandler = ignore;
  onRtcp: PacketHandler = ignore;
  constructor(
    readonly pool: RtpPortPool,
    readonly slot: Slot,
    readonly address: string,
    readonly rtpPort: number,
    readonly rtcpPort: number,
    readonly rtp: Socket,
    readonly rtcp: Socket | null,
  ) {}
}

export class RtpPortPool {
  private readonly address: string;
  private readonly family: 'udp4' | 'udp6';
  private readonly rtcpMux: boolean;
  private readonly maxPort: number;
  private readonly quarantineMs: number;
  private readonly now: () => number;
  private readonly recvBufferBytes: number | undefined;
  private readonly sendBufferBytes: number | undefined;
  private readonly slots: Slot[] = [];
  /** Free slots, oldest release first; `head` is the next to hand out. */
  private free: (Slot | undefined)[] = [];
  private head = 0;
  private nextPort: number;
  private opening: Promise<unknown> = Promise.resolve();
  private closed = false;
  private skipped = 0;
  private stray = 0;
  private socketErrors = 0;
  private shortfall: string | null = null;
  private readonly growBy: number;
  private growing = false;

  constructor(o: PortPoolOptions) {
    const family = isIP(o.address);
    if (family === 0) throw errors.usage(`media ports: address ${JSON.stringify(o.address)} is not an IPv4 or IPv6 literal`);
    const { min, max } = o.range;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
      throw errors.usage(`media ports: range ${min}-${max} is not within 1-65535 with min <= max`);
    }
    const first = min % 2 === 0 ? min : min + 1;
    const rtcpMux = o.rtcpMux ?? false;
    if (first + (rtcpMux ? 0 : 1) > max) throw errors.usage(`media ports: range ${min}-${max} holds no even/odd port pair`);
    for (const [name, v] of [['recvBufferBytes', o.recvBufferBytes], ['sendBufferBytes', o.sendBufferBytes]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw errors.usage(`media ports: ${name} ${v} is not a positive integer`);
    }
    const quarantineMs = o.quarantineMs ?? 1000;
    if (!(quarantineMs >= 0)) throw errors.usage(`media ports: quarantineMs ${quarantineMs} is not >= 0`);
    this.address = o.address;
    this.family = family === 6 ? 'udp6' : 'udp4';
    this.rtcpMux = rtcpMux;
    this.maxPort = max;
    this.nextPort = first;
    this.quarantineMs = quarantineMs;
    this.growBy = o.growBy ?? 0;
    this.now = o.now ?? (() => performance.now());
    this.recvBufferBytes = o.recvBufferBytes;
    this.sendBufferBytes = o.sendBufferBytes;
  }

  /**
   * Binds pairs until the pool holds `count` (or the range runs out, or the system refuses more
   * descriptors: see `stats().shortfall`); resolves to the number held. Rejects (CC_ERR_CLI_USAGE)
   * when the address cannot be bound at all (not this host's, wrong family). Calls queue.
   */
  open(count: number): Promise<number> {
    const run = this.opening.then(() => this.grow(count));
    this.opening = run.catch(() => {});
    return run;
  }

  /** A free pair, synchronously, or null (none free, all quarantined, or closed). */
  take(): PortPair | null {
    const pair = this.takeFree();
    this.topUp();
    return pair;
  }

  private takeFree(): PortPair | null {
    if (this.closed || this.head === this.free.length) return null;
    const slot = this.free[this.head];
    if (slot === undefined || this.now() - slot.releasedAtMs < this.quarantineMs) return null; // FIFO: the oldest is still too fresh
    this.free[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.free.length) {
      this.free = this.free.slice(this.head);
      this.head = 0;
    }
    const rtcpPort = slot.rtcp === null ? slot.rtpPort : slot.rtpPort + 1;
    const lease = new Lease(this, slot, this.address, slot.rtpPort, rtcpPort, slot.rtp, slot.rtcp);
    slot.holder = lease;
    return lease;
  }

  /** Binds `growBy` more pairs in the background when few are free (see PortPoolOptions.growBy). */
  private topUp(): void {
    if (this.growBy <= 0 || this.growing || this.closed || this.shortfall !== null) return;
    if (this.free.length - this.head >= this.growBy / 4) return;
    this.growing = true;
    void this.open(this.slots.length + this.growBy).finally(() => (this.growing = false));
  }

  /** Gives a pair back; its packets stop reaching the old handlers at once. A second release is a no-op. */
  release(pair: PortPair): void {
    if (!(pair instanceof Lease) || pair.pool !== this || pair.slot.holder !== pair || this.closed) return;
    pair.slot.holder = null;
    pair.onRtp = ignore;
    pair.onRtcp = ignore;
    pair.slot.releasedAtMs = this.now();
    this.free.push(pair.slot);
  }

  /** Closes every socket, held or free; later `take()` returns null. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opening;
    const closing: Promise<void>[] = [];
    for (const s of this.slots) {
      s.holder = null;
      closing.push(closeSocket(s.rtp));
      if (s.rtcp !== null) closing.push(closeSocket(s.rtcp));
    }
    this.slots.length = 0;
    this.free = [];
    this.head = 0;
    await Promise.all(closing);
  }

  /** Every local port the pool has bound (RTP and RTCP): to read their kernel drop counts. */
  boundPorts(): Set<number> {
    const out = new Set<number>();
    for (const s of this.slots) {
      out.add(s.rtpPort);
      if (s.rtcp !== null) out.add(s.rtpPort + 1);
    }
    return out;
  }

  stats(): PortPoolStats {
    const free = this.free.length - this.head;
    return {
      pairs: this.slots.length,
      free,
      inUse: this.slots.length - free,
      skippedPorts: this.skipped,
      strayPackets: this.stray,
      socketErrors: this.socketErrors,
      shortfall: this.shortfall,
    };
  }

  private async grow(count: number): Promise<number> {
    this.shortfall = null;
    const span = this.rtcpMux ? 0 : 1;
    while (!this.closed && this.slots.length < count) {
      const batch: number[] = [];
      while (batch.length < Math.min(BIND_BATCH, count - this.slots.length) && this.nextPort + span <= this.maxPort) {
        batch.push(this.nextPort);
        this.nextPort += 2;
      }
      if (batch.length === 0) {
        this.shortfall = `the range ends at ${this.maxPort}: ${this.slots.length} of ${count} pairs bound (${this.skipped} skipped as in use)`;
        break;
      }
      const results = await Promise.all(batch.map((port) => this.bindPair(port)));
      let fatal: string | null = null;
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if ('holder' in r) {
          if (this.closed) {
            void closeSocket(r.rtp);
            if (r.rtcp !== null) void closeSocket(r.rtcp);
          } else this.add(r);
        } else if (SKIP.has(r.code)) this.skipped++;
        else if (EXHAUSTED.has(r.code)) this.shortfall ??= `${r.code} at port ${batch[i]}: ${this.slots.length} of ${count} pairs bound`;
        else fatal ??= `${r.code} binding ${this.address} port ${batch[i]}`;
      }
      if (fatal !== null) throw errors.usage(`media ports: cannot bind RTP ports: ${fatal}`, { address: this.address });
      if (this.shortfall !== null) break;
    }
    return this.slots.length;
  }

  private add(slot: Slot): void {
    // The one listener each socket ever gets: it reads the holder at delivery time.
    slot.rtp.on('message', (packet, from) => {
      const h = slot.holder;
      if (h === null) this.stray++;
      else h.onRtp(packet, from);
    });
    slot.rtcp?.on('message', (packet, from) => {
      const h = slot.holder;
      if (h === null) this.stray++;
      else h.onRtcp(packet, from);
    });
    this.slots.push(slot);
    this.free.push(slot);
  }

  /** RTP on `port`, then RTCP on port + 1 (unless rtcp-mux); either busy frees the other. */
  private async bindPair(port: number): Promise<Slot | { readonly code: string }> {
    const rtp = await this.bindSocket(port);
    if (!(rtp instanceof dgram.Socket)) return rtp;
    let rtcp: Socket | null = null;
    if (!this.rtcpMux) {
      const r = await this.bindSocket(port + 1);
      if (!(r instanceof dgram.Socket)) {
        await closeSocket(rtp);
        return r;
      }
      rtcp = r;
    }
    return { rtpPort: port, rtp, rtcp, holder: null, releasedAtMs: -Infinity };
  }

  private bindSocket(port: number): Promise<Socket | { readonly code: string }> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket({ type: this.family, lookup: ipLookup });
      const onError = (err: NodeJS.ErrnoException): void => {
        socket.close();
        resolve({ code: err.code ?? err.message });
      };
      socket.once('error', onError);
      // exclusive: never share the handle with a cluster primary; each call needs its own port.
      socket.bind({ port, address: this.address, exclusive: true }, () => {
        socket.off('error', onError);
        // An unhandled 'error' event would crash the process; on a bound UDP socket it is only counted.
        socket.on('error', () => this.socketErrors++);
        try {
          if (this.recvBufferBytes !== undefined) socket.setRecvBufferSize(this.recvBufferBytes);
          if (this.sendBufferBytes !== undefined) socket.setSendBufferSize(this.sendBufferBytes);
        } catch {
          // Above the kernel's cap Linux clamps rather than fails; elsewhere a smaller buffer still works.
        }
        // A pool of idle sockets must not keep a process alive on its own.
        socket.unref();
        resolve(socket);
      });
    });
  }
}

function closeSocket(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
