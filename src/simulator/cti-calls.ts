/**
 * The CTI API's calls: a registry of originated calls (live ones, plus the last
 * `maxEnded` ended ones, oldest evicted first) and the SIP originator that
 * places each call for real through the UAC (src/sip/ua/caller.ts) over one UDP
 * socket per address family (IPv4, and IPv6 when the machine has ::1).
 *
 * The registry owns the records; an OriginateFn fills them in as the call
 * progresses and calls `onEnd` exactly once when it is over.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { openTransport } from '../sip/transport/registry.js';
import type { Peer, SipTransport } from '../sip/transport/types.js';
import type { SipMessage } from '../sip/message/message.js';
import { parseSipUri } from '../sip/message/uri.js';
import { Uac, type Call } from '../sip/ua/caller.js';

export type CtiCallState = 'dialing' | 'ringing' | 'answered' | 'ended' | 'failed';

export interface CtiCall {
  readonly id: string;
  readonly to: string;
  /** The agent (or user) the call is placed for; null when not given. */
  readonly from: string | null;
  readonly holdMs: number;
  state: CtiCallState;
  /** Final SIP status of the INVITE (200 when answered); null while none. */
  finalCode: number | null;
  /** Wall-clock epoch ms; null until reached. */
  createdAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** Why the call ended (the UAC's EndCause, e.g. completed, rejected, timeout); null while live. */
  cause: string | null;
  /** Set by the originator: refreshes state that has no event of its own (e.g. ringing). */
  sync: (() => void) | null;
}

/** Raised by an OriginateFn when the request cannot be placed; `field` names the offending input. */
export class OriginateError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 503,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'OriginateError';
  }
}

/** Places `call` (state "dialing"); must call `onEnd` once when the call is over (state ended/failed). */
export type OriginateFn = (call: CtiCall, onEnd: () => void) => void;

export interface Agent {
  id: string;
  state: 'available' | 'busy';
}

export class CallRegistry {
  private readonly live = new Map<string, CtiCall>();
  /** Insertion-ordered: the first key is the oldest ended call. */
  private readonly ended = new Map<string, CtiCall>();

  constructor(private readonly maxEnded = 100_000) {}

  get liveCount(): number {
    return this.live.size;
  }
  get endedCount(): number {
    return this.ended.size;
  }

  /** Creates the record and hands it to `originate`; an OriginateError leaves nothing registered. */
  create(req: { to: string; from: string | null; holdMs: number }, originate: OriginateFn): CtiCall {
    const call: CtiCall = {
      id: randomUUID(), to: req.to, from: req.from, holdMs: req.holdMs, state: 'dialing', finalCode: null,
      createdAt: Date.now(), answeredAt: null, endedAt: null, cause: null, sync: null,
    };
    this.live.set(call.id, call);
    let done = false;
    try {
      originate(call, () => {
        if (done) return;
        done = true;
        this.retire(call);
      });
    } catch (e) {
      if (!done) this.live.delete(call.id);
      throw e;
    }
    return call;
  }

  get(id: string): CtiCall | undefined {
    const call = this.live.get(id) ?? this.ended.get(id);
    call?.sync?.();
    return call;
  }

  /** Agents with a live call placed for them. */
  busyAgents(): Set<string> {
    const busy = new Set<string>();
    for (const c of this.live.values()) if (c.from !== null) busy.add(c.from);
    return busy;
  }

  private retire(call: CtiCall): void {
    this.live.delete(call.id);
    call.sync = null;
    this.ended.set(call.id, call);
    if (this.ended.size > this.maxEnded) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }
}

/** A static pool "agent-1".."agent-n": busy while a live call was placed `from` it. */
export function staticAgentPool(n: number, busy: () => ReadonlySet<string>, prefix = 'agent-'): () => Agent[] {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  return () => {
    const b = busy();
    return ids.map((id) => ({ id, state: b.has(id) ? 'busy' : 'available' }));
  };
}

export interface SipOriginatorOptions {
  /** Local address for the IPv4 UDP socket (default 127.0.0.1). */
  address?: string;
  /** Local address for the IPv6 UDP socket (default ::1); calls to IPv6 targets fail with 400 when it cannot be bound. */
  address6?: string;
  /** CANCEL calls still ringing after this long (default 60 s). */
  ringTimeoutMs?: number;
  /** Accept targets outside 127.0.0.0/8 (default false: the API must not be a way to call anywhere). */
  allowRemoteTargets?: boolean;
  /** At most this many calls at once; more get 503 (default 1000). */
  maxLive?: number;
}

const MAX_UACS = 64;
const wall = (perfMs: number) => Math.round(performance.timeOrigin + perfMs);

const TO_EXPECTED = 'to must be a SIP URI with an IP address host, e.g. sip:ivr@127.0.0.1:5060 or sip:ivr@[::1]:5060';

/**
 * Parses a `to` URI (sip/message/uri.ts) into the UDP peer to send to; throws OriginateError naming
 * `to`. The host must be an IP literal on purpose: no DNS from the call centre.
 */
export function parseTarget(to: string, allowRemote: boolean): Peer {
  const uri = parseSipUri(to);
  if ('error' in uri) throw new OriginateError(uri.hint === undefined ? TO_EXPECTED : `${TO_EXPECTED} (${uri.hint})`, 400, 'to');
  const address = uri.host;
  const family = isIP(address);
  if (family === 0 || (uri.user !== null && hasUnsafeUserChar(uri.user))) throw new OriginateError(TO_EXPECTED, 400, 'to');
  if (uri.transportParam !== null && uri.transportParam !== 'udp') {
    throw new OriginateError(`to: only UDP targets are supported, not transport=${uri.transportParam}`, 400, 'to');
  }
  if (!allowRemote && !(family === 6 ? address === '::1' : address.startsWith('127.'))) {
    throw new OriginateError(`to: only loopback targets (127.0.0.0/8, ::1) are allowed, not ${address}`, 400, 'to');
  }
  return { address, port: uri.port };
}

/** Characters a user part must not carry into a From/To line (whitespace, angle brackets). */
function hasUnsafeUserChar(user: string): boolean {
  for (let i = 0; i < user.length; i++) {
    const c = user.charCodeAt(i);
    if (c <= 0x20 || c === 0x3c || c === 0x3e) return true;
  }
  return false;
}

interface Placed {
  rec: CtiCall;
  uac: Uac;
  onEnd: () => void;
  /** Hangs the call up after rec.holdMs once answered. */
  holdTimer: NodeJS.Timeout | null;
}

/**
 * Places CTI calls over SIP: one UDP transport, one UAC per (target, from user)
 * pair since a UAC is bound to one target and one From identity; idle UACs are
 * dropped beyond 64. Incoming messages go to the UAC that owns the Call-ID.
 */
export class SipOriginator {
  readonly stats = { parseErrors: 0, transportErrors: 0, strays: 0 };
  private readonly uacs = new Map<string, Uac>();
  private readonly byCallId = new Map<string, Placed>();
  private readonly byCall = new Map<Call, Placed>();
  private closed = false;

  private constructor(
    private readonly transport: SipTransport,
    /** null: the IPv6 address could not be bound (no IPv6 on this machine). */
    private readonly transport6: SipTransport | null,
    private readonly o: Required<SipOriginatorOptions>,
  ) {}

  static async open(opts: SipOriginatorOptions = {}): Promise<SipOriginator> {
    const o: Required<SipOriginatorOptions> = {
      address: '127.0.0.1', address6: '::1', ringTimeoutMs: 60_000, allowRemoteTargets: false, maxLive: 1000, ...opts,
    };
    let self: SipOriginator | null = null;
    const events = {
      message: (msg: SipMessage, from: Peer) => self?.dispatch(msg, from),
      parseError: () => { if (self) self.stats.parseErrors++; },
      transportError: () => { if (self) self.stats.transportErrors++; },
    };
    const transport = await openTransport('udp', { address: o.address, port: 0, events });
    let transport6: SipTransport | null = null;
    try {
      transport6 = await openTransport('udp', { address: o.address6, port: 0, events });
    } catch {
      // No IPv6 here: IPv4 calls still work; an IPv6 `to` gets a 400 saying why.
    }
    self = new SipOriginator(transport, transport6, o);
    return self;
  }

  /** The IPv4 socket's port. */
  get port(): number {
    return this.transport.localPort;
  }

  /** The IPv6 socket's port, or null without one. */
  get port6(): number | null {
    return this.transport6?.localPort ?? null;
  }

  /** The OriginateFn for startCtiApi. */
  readonly originate: OriginateFn = (rec, onEnd) => {
    if (this.closed) throw new OriginateError('the call centre is shutting down', 503);
    if (this.byCallId.size >= this.o.maxLive) throw new OriginateError(`${this.o.maxLive} calls are already in progress`, 503);
    const peer = parseTarget(rec.to, this.o.allowRemoteTargets);
    const transport = isIP(peer.address) === 6 ? this.transport6 : this.transport;
    if (transport === null) throw new OriginateError(`to: cannot call the IPv6 address ${peer.address}: no IPv6 socket (${this.o.address6} could not be bound)`, 400, 'to');
    const uac = this.uacFor(rec.to, peer, rec.from ?? 'cti', transport);
    const call = uac.start(null);
    const placed: Placed = { rec, uac, onEnd, holdTimer: null };
    this.byCallId.set(call.callId, placed);
    this.byCall.set(call, placed);
    rec.sync = () => {
      if (rec.state === 'dialing' && call.provisionalAt > 0) rec.state = 'ringing';
    };
  };

  private uacFor(uri: string, peer: Peer, fromUser: string, transport: SipTransport): Uac {
    const key = `${uri}\n${fromUser}`;
    let uac = this.uacs.get(key);
    if (uac !== undefined) return uac;
    if (this.uacs.size >= MAX_UACS) {
      for (const [k, u] of this.uacs) {
        if (u.active === 0) {
          u.close();
          this.uacs.delete(k);
        }
      }
    }
    uac = new Uac({
      transport, target: { uri, peer }, auth: null, fromUser, sdpBody: '',
      ringTimeoutMs: this.o.ringTimeoutMs, userAgent: 'callcert-cti', now: () => performance.now(),
      listener: { answered: (c) => this.answered(c), ended: (c) => this.ended(c) },
    });
    this.uacs.set(key, uac);
    return uac;
  }

  private dispatch(msg: SipMessage, from: Peer): void {
    const placed = this.byCallId.get(msg.callId);
    if (placed !== undefined) return placed.uac.onMessage(msg, from);
    // Not a live call (e.g. a 200 retransmitted after we ended): any UAC of the sender's family answers statelessly.
    this.stats.strays++;
    const v6 = isIP(from.address) === 6;
    for (const u of this.uacs.values()) {
      if ((isIP(u.targetPeer.address) === 6) === v6) return u.onMessage(msg, from);
    }
  }

  private answered(call: Call): void {
    const placed = this.byCall.get(call);
    if (placed === undefined) return;
    const { rec, uac } = placed;
    rec.state = 'answered';
    rec.finalCode = call.finalCode;
    rec.answeredAt = wall(call.answeredAt);
    // Cleared in ended() if the call ends first (callee hang-up).
    placed.holdTimer = setTimeout(() => {
      placed.holdTimer = null;
      uac.hangup(call);
    }, rec.holdMs);
  }

  private ended(call: Call): void {
    const placed = this.byCall.get(call);
    if (placed === undefined) return;
    this.byCall.delete(call);
    this.byCallId.delete(call.callId);
    if (placed.holdTimer !== null) clearTimeout(placed.holdTimer);
    placed.holdTimer = null;
    const { rec } = placed;
    rec.state = call.answeredAt > 0 ? 'ended' : 'failed';
    rec.finalCode = call.finalCode === 0 ? null : call.finalCode;
    if (call.answeredAt > 0) rec.answeredAt = wall(call.answeredAt);
    rec.endedAt = wall(call.endedAt);
    rec.cause = call.cause === '' ? null : call.cause;
    placed.onEnd();
  }

  /** Hangs up (BYE/CANCEL, best effort) what is still live, marks it ended/failed with cause "aborted", closes the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const now = Date.now();
    for (const [call, placed] of this.byCall) {
      if (placed.holdTimer !== null) clearTimeout(placed.holdTimer);
      placed.holdTimer = null;
      placed.uac.hangup(call);
      const { rec } = placed;
      rec.state = call.answeredAt > 0 ? 'ended' : 'failed';
      rec.endedAt = now;
      rec.cause = 'aborted';
      placed.onEnd();
    }
    this.byCall.clear();
    this.byCallId.clear();
    for (const u of this.uacs.values()) u.close();
    this.uacs.clear();
    await this.transport.close();
    await this.transport6?.close();
  }
}
