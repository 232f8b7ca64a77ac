/**
 * The embedded call centre: a SIP UAS that stands in for a real platform on
 * loopback. It answers after a ring delay, refuses calls beyond its channel
 * capacity with 503, answers a configured share of calls (the rest get 486 or
 * 480), can hang up answered calls itself, and counts everything it did so
 * tests can compare both sides of a run.
 *
 * Server transactions follow RFC 3261 §17.2: a retransmitted INVITE gets the
 * last response again, final responses are retransmitted on UDP (Timer G) until
 * the ACK arrives or Timer H gives up, and a completed BYE's 200 is kept for
 * Timer J so a retransmitted BYE is answered, not rejected with 481.
 *
 * Malformed and unusable requests get the answer RFC 3261 gives them (RFC
 * 4475 lists it per torture message): a parsed request is validated first
 * (request-check.ts: 400/501/416/420/415/406/488), a request the parser
 * rejected is answered from the header fields salvage.ts recovers
 * (400 naming the fault, 505, 513). Those answers are stateless (§8.2.7:
 * deterministic To tag, no retransmission, their ACK is absorbed). What
 * cannot be answered (responses, ACKs, requests without Via/Call-ID/CSeq/
 * From/To) is dropped and counted per cause in `counters.dropped`.
 */
import type { SipMessage, SipParseError } from '../sip/message/message.js';
import type { Peer, SipTransport, TransportKind } from '../sip/transport/types.js';
import { openTransport } from '../sip/transport/registry.js';
import { MessageBuilder, REASONS, formatHostPort, g711Sdp, salvagedResponse, type DialogIds } from '../sip/message/builder.js';
import { IdGenerator, statelessTag } from '../sip/message/ids.js';
import { DEFAULT_CHECK_OPTIONS, RequestChecker, faultReason, type CheckOptions, type RequestFault } from '../sip/message/request-check.js';
import { salvageRequest, type DropCause } from '../sip/message/salvage.js';
import { getHeader, getHeaders, nameAddrUri } from '../sip/message/headers.js';
import { CoarseTimer } from '../sip/transaction/coarse-timer.js';
import { T1, T2, TIMER_H, TIMER_J } from '../sip/transaction/timers.js';
import type { EmbeddedTargetSpec } from '../scenario/types.js';

export interface CallCentreOptions extends EmbeddedTargetSpec {
  address: string;
  port: number;
  transport: TransportKind;
  /** Where parse and transport errors go (default: counted only). */
  onError?: (message: string) => void;
  /** Called for each new INVITE (not retransmissions) as it arrives: lets a run's own UAS match it to the HTTP flow that caused it. */
  onInvite?: (msg: SipMessage) => void;
  /**
   * What requests are checked against (request-check.ts DEFAULT_CHECK_OPTIONS: the five methods
   * implemented, no option tags supported, application/sdp bodies only); e.g. `supported: ['timer']`
   * to accept `Require: timer` from a platform.
   */
  requestCheck?: Partial<CheckOptions>;
}

export interface CallCentreCounters {
  invites: number;
  inviteRetransmissions: number;
  answered: number;
  acks: number;
  byesReceived: number;
  byesSent: number;
  cancels: number;
  completed: number;
  noAck: number;
  options: number;
  parseErrors: number;
  /** Requests answered with an error because they were malformed or unusable (parsed or salvaged). */
  invalidRequests: number;
  /** Messages that got no answer, per cause (responses, ACKs, requests that cannot be answered). */
  dropped: Partial<Record<DropCause, number>>;
  active: number;
  peakActive: number;
  responsesSent: Record<string, number>;
}

const Ringing = 1;
const Answered = 2; // 200 sent, waiting for ACK
const Confirmed = 3;
const Ending = 4; // our BYE sent
const Rejected = 5; // non-2xx final sent, waiting for ACK

class UasCall implements DialogIds {
  state = Ringing;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  invite: SipMessage | null;
  lastResponse = '';
  retransMs = T1;
  timer: NodeJS.Timeout | null = null;
  slot = -1;
  remoteTarget = '';
  routes: string[] | null = null;
  byeBranch = '';
  constructor(
    readonly callId: string,
    readonly localTag: string,
    invite: SipMessage,
    readonly peer: Peer,
  ) {
    this.invite = invite;
    this.remoteTag = invite.fromTag;
    const from = getHeader(invite, 'from') ?? '';
    const to = getHeader(invite, 'to') ?? '';
    this.remoteUri = stripTag(from);
    this.localUri = stripTag(to);
  }
}

function stripTag(nameAddr: string): string {
  const i = nameAddr.search(/;\s*tag=/i);
  return i >= 0 ? nameAddr.slice(0, i) : nameAddr;
}

export class CallCentre {
  readonly counters: CallCentreCounters = {
    invites: 0, inviteRetransmissions: 0, answered: 0, acks: 0, byesReceived: 0, byesSent: 0, cancels: 0,
    completed: 0, noAck: 0, options: 0, parseErrors: 0, invalidRequests: 0, dropped: {}, active: 0, peakActive: 0,
    responsesSent: {},
  };
  private readonly checker: RequestChecker;
  private readonly calls = new Map<string, UasCall>();
  /** Recently answered BYEs (Timer J): callId → the 200 we sent. */
  private readonly closedByes = new Map<string, string>();
  private readonly closedTimer: CoarseTimer<string>;
  private readonly hTimer: CoarseTimer<UasCall>;
  private readonly ids: IdGenerator;
  private builder!: MessageBuilder;
  private sdp = '';
  private answerSeq = 0;
  private readonly onRingDone = (c: UasCall) => this.ringDone(c);
  private readonly onRetransmit = (c: UasCall) => this.retransmit(c);
  private readonly onCalleeHangup = (c: UasCall) => this.calleeHangup(c);

  private constructor(private readonly o: CallCentreOptions, private transport: SipTransport) {
    this.ids = new IdGenerator(o.address);
    this.checker = new RequestChecker({ ...DEFAULT_CHECK_OPTIONS, ...o.requestCheck });
    const now = () => performance.now();
    this.closedTimer = new CoarseTimer<string>(1000, (id) => this.closedByes.delete(id), now);
    this.hTimer = new CoarseTimer<UasCall>(100, (c) => this.timerH(c), now);
  }

  static async start(o: CallCentreOptions): Promise<CallCentre> {
    let cc: CallCentre | null = null;
    const transport = await openTransport(o.transport, {
      address: o.address,
      port: o.port,
      events: {
        message: (msg, from) => cc?.onMessage(msg, from),
        parseError: (err, from, raw) => {
          cc?.onUnparseable(err, from, raw);
          o.onError?.(`unparseable SIP message: ${err.reason} at byte ${err.offset}`);
        },
        transportError: (err, peer) => o.onError?.(`transport error${peer ? ` with ${formatHostPort(peer.address, peer.port)}` : ''}: ${err.message}`),
      },
    });
    cc = new CallCentre(o, transport);
    const hostPort = formatHostPort(transport.localAddress, transport.localPort);
    cc.builder = new MessageBuilder({ transport: o.transport, hostPort, userAgent: 'callcert-callcentre' }, 'ivr');
    cc.sdp = g711Sdp(transport.localAddress, 40000, 1);
    return cc;
  }

  get port(): number {
    return this.transport.localPort;
  }
  get address(): string {
    return this.transport.localAddress;
  }
  get uri(): string {
    const suffix = this.o.transport === 'tcp' ? ';transport=tcp' : '';
    return `sip:ivr@${formatHostPort(this.address, this.port)}${suffix}`;
  }

  private count(status: number): void {
    const k = String(status);
    this.counters.responsesSent[k] = (this.counters.responsesSent[k] ?? 0) + 1;
  }

  private respond(req: SipMessage, to: Peer, status: number, toTag: string, body = ''): string {
    const data = this.builder.response(req, status, REASONS[status] ?? 'Unknown', toTag, '', body, 'application/sdp');
    this.transport.send(data, to);
    this.count(status);
    return data;
  }

  private drop(cause: DropCause): void {
    this.counters.dropped[cause] = (this.counters.dropped[cause] ?? 0) + 1;
  }

  /** A stateless error answer to a parsed request that failed validation (RFC 3261 §8.2.7). */
  private answerFault(msg: SipMessage, to: Peer, f: RequestFault): void {
    if (msg.method === 'ACK') return this.drop('invalid-ack');
    const tag = statelessTag(msg.callId, msg.fromTag, msg.viaBranch, String(msg.cseq));
    const extra = f.extraHeaders.length === 0 ? '' : f.extraHeaders.join('\r\n') + '\r\n';
    this.transport.send(this.builder.response(msg, f.status, f.reason, tag, extra, '', ''), to);
    this.count(f.status);
    this.counters.invalidRequests++;
  }

  /** Bytes the parser rejected: answer from the salvaged header fields, or drop and count why not. */
  private onUnparseable(err: SipParseError, from: Peer, raw: Buffer | undefined): void {
    this.counters.parseErrors++;
    if (raw === undefined) return this.drop('framing');
    const req = salvageRequest(raw);
    if (typeof req === 'string') return this.drop(req);
    const tag = statelessTag(req.callId, req.from, req.vias[0], req.cseq);
    this.transport.send(salvagedResponse(req, err.status, faultReason(err.status, err.status === 400 ? err.reason : ''), tag, 'callcert-callcentre', ''), from);
    this.count(err.status);
    this.counters.invalidRequests++;
  }

  private onMessage(msg: SipMessage, from: Peer): void {
    if (!msg.isRequest) return this.onResponse(msg);
    const fault = this.checker.check(msg);
    if (fault !== null) return this.answerFault(msg, from, fault);
    switch (msg.method) {
      case 'INVITE': return this.onInvite(msg, from);
      case 'ACK': return this.onAck(msg);
      case 'BYE': return this.onBye(msg, from);
      case 'CANCEL': return this.onCancel(msg, from);
      case 'OPTIONS':
        this.counters.options++;
        this.respond(msg, from, 200, this.ids.tag());
        return;
      default:
        this.respond(msg, from, 501, this.ids.tag());
    }
  }

  private onInvite(msg: SipMessage, from: Peer): void {
    const existing = this.calls.get(msg.callId);
    if (existing !== undefined) {
      if (msg.toTag !== '') {
        // re-INVITE (session refresh): accept with the same answer.
        this.respond(msg, from, 200, existing.localTag, this.sdp);
        return;
      }
      this.counters.inviteRetransmissions++;
      if (existing.lastResponse !== '') this.transport.send(existing.lastResponse, from);
      return;
    }
    if (msg.toTag !== '') {
      this.respond(msg, from, 481, '');
      return;
    }
    this.counters.invites++;
    this.o.onInvite?.(msg);
    const call = new UasCall(msg.callId, this.ids.tag(), msg, from);
    this.calls.set(call.callId, call);
    if (this.counters.active >= this.o.capacity) {
      this.reject(call, 503);
      return;
    }
    this.counters.active++;
    if (this.counters.active > this.counters.peakActive) this.counters.peakActive = this.counters.active;
    this.respond(msg, from, 100, '');
    // Always ring first, as a real platform does: without a provisional, PDD would equal setup.
    call.lastResponse = this.respond(msg, from, 180, call.localTag);
    if (this.o.ringMs > 0) {
      call.timer = setTimeout(this.onRingDone, this.o.ringMs, call);
    } else {
      this.ringDone(call);
    }
  }

  /** Deterministic answer mix: exactly round(n·ratio) of n calls are answered. */
  private shouldAnswer(): boolean {
    const n = this.answerSeq++;
    const r = this.o.answerRatio;
    return Math.floor((n + 1) * r) > Math.floor(n * r);
  }

  private ringDone(call: UasCall): void {
    call.timer = null;
    const invite = call.invite;
    if (invite === null || call.state !== Ringing) return;
    if (!this.shouldAnswer()) {
      this.counters.active--;
      // Alternate busy and no-answer so both codes show up in a mix.
      this.reject(call, this.answerSeq % 2 === 0 ? 486 : 480);
      return;
    }
    const rr = getHeaders(invite, 'record-route');
    call.routes = rr.length > 0 ? rr : null;
    const contact = getHeader(invite, 'contact');
    call.remoteTarget = contact !== undefined ? nameAddrUri(contact) : invite.requestUri;
    call.lastResponse = this.respond(invite, call.peer, 200, call.localTag, this.sdp);
    call.invite = null;
    call.state = Answered;
    this.counters.answered++;
    this.armRetransmit(call);
  }

  private reject(call: UasCall, status: number): void {
    const invite = call.invite;
    if (invite === null) return;
    call.lastResponse = this.respond(invite, call.peer, status, call.localTag);
    call.invite = null;
    call.state = Rejected;
    this.armRetransmit(call);
  }

  /** Timer G for final responses on UDP; Timer H bounds the wait for ACK on any transport. */
  private armRetransmit(call: UasCall): void {
    call.slot = this.hTimer.add(call, TIMER_H);
    if (this.transport.reliable) return;
    call.retransMs = T1;
    call.timer = setTimeout(this.onRetransmit, T1, call);
  }

  private retransmit(call: UasCall): void {
    call.timer = null;
    if (call.state !== Answered && call.state !== Rejected && call.state !== Ending) return;
    this.transport.send(call.lastResponse, call.peer);
    call.retransMs = Math.min(call.retransMs * 2, T2);
    call.timer = setTimeout(this.onRetransmit, call.retransMs, call);
  }

  private clear(call: UasCall): void {
    if (call.timer !== null) clearTimeout(call.timer);
    call.timer = null;
    this.hTimer.remove(call, call.slot);
    call.slot = -1;
  }

  private timerH(call: UasCall): void {
    call.slot = -1;
    if (call.state === Answered) {
      this.counters.noAck++;
      this.counters.active--;
    }
    if (call.state === Answered || call.state === Rejected || call.state === Ending) this.forget(call);
  }

  private forget(call: UasCall): void {
    this.clear(call);
    this.calls.delete(call.callId);
  }

  private onAck(msg: SipMessage): void {
    const call = this.calls.get(msg.callId);
    if (call === undefined) return;
    this.counters.acks++;
    if (call.state === Answered) {
      this.clear(call);
      call.state = Confirmed;
      call.lastResponse = '';
      if (this.o.calleeHangupMs !== null) call.timer = setTimeout(this.onCalleeHangup, this.o.calleeHangupMs, call);
    } else if (call.state === Rejected) {
      this.forget(call);
    }
  }

  private onBye(msg: SipMessage, from: Peer): void {
    const call = this.calls.get(msg.callId);
    if (call === undefined) {
      const previous = this.closedByes.get(msg.callId);
      if (previous !== undefined) this.transport.send(previous, from);
      else this.respond(msg, from, 481, '');
      return;
    }
    this.counters.byesReceived++;
    const ok = this.respond(msg, from, 200, '');
    if (call.state === Answered || call.state === Confirmed || call.state === Ending) {
      this.counters.active--;
      this.counters.completed++;
    }
    this.forget(call);
    if (!this.transport.reliable) {
      this.closedByes.set(msg.callId, ok);
      this.closedTimer.add(msg.callId, TIMER_J);
    }
  }

  private onCancel(msg: SipMessage, from: Peer): void {
    this.counters.cancels++;
    const call = this.calls.get(msg.callId);
    if (call === undefined) {
      this.respond(msg, from, 481, '');
      return;
    }
    this.respond(msg, from, 200, call.localTag);
    if (call.state === Ringing) {
      this.clear(call);
      this.counters.active--;
      this.reject(call, 487);
    }
  }

  /** BYE every confirmed call now (a run's own UAS when the run stops); returns how many. */
  hangupAll(): number {
    let n = 0;
    for (const call of this.calls.values()) {
      if (call.state !== Confirmed) continue;
      if (call.timer !== null) clearTimeout(call.timer);
      this.calleeHangup(call);
      n++;
    }
    return n;
  }

  /** The platform hangs up: BYE towards the caller along the route set (§12.2.1.1). */
  private calleeHangup(call: UasCall): void {
    call.timer = null;
    if (call.state !== Confirmed) return;
    call.state = Ending;
    call.byeBranch = this.ids.branch();
    const data = this.builder.request('BYE', call.remoteTarget, call.byeBranch, call, 1, call.routes, '', '', '');
    call.lastResponse = data; // retransmitted by Timer E like a final response
    this.transport.send(data, call.peer);
    this.counters.byesSent++;
    this.armRetransmit(call);
  }

  private onResponse(msg: SipMessage): void {
    const call = msg.cseqMethod === 'BYE' ? this.calls.get(msg.callId) : undefined;
    if (call === undefined || call.state !== Ending) return this.drop('unmatched-response');
    if (msg.status < 200) return;
    this.counters.active--;
    this.counters.completed++;
    this.forget(call);
  }

  async close(): Promise<void> {
    for (const call of this.calls.values()) this.clear(call);
    this.calls.clear();
    this.closedTimer.stop();
    this.hTimer.stop();
    await this.transport.close();
  }
}
