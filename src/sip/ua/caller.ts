/**
 * The caller side (UAC) for many concurrent calls over one transport: the call model and what
 * the transaction user does with each response. The transactions themselves (INVITE client:
 * Timer A until a provisional, Timer B; non-INVITE client for BYE and CANCEL: Timers E/F) are
 * transaction/transactions.ts; the dialog a 2xx creates (tags, route set from Record-Route,
 * remote target, §12.1.2) is dialog/dialog.ts; bodies come from the session hook (session.ts).
 * Here: ACK for non-2xx inside the transaction and for 2xx (and its retransmissions) as a new
 * transaction, digest auth on 401/407 (digest.ts), CANCEL rules (§9.1), answering in-dialog
 * requests, stateless ACK of stray 2xx.
 *
 * No closure is created per call or per timer: timers get the Call as argument. A Call's
 * `slot` belongs to whoever started it (the engine's per-call state); the UAC never reads it.
 */
import type { SipMessage } from '../message/message.js';
import type { Peer, SipTransport } from '../transport/types.js';
import { MessageBuilder, REASONS, formatHostPort, type DialogIds } from '../message/builder.js';
import { IdGenerator } from '../message/ids.js';
import { getHeader, getHeaders, nameAddrUri } from '../message/headers.js';
import { CoarseTimer } from '../transaction/coarse-timer.js';
import { TxKind, Transactions, type TransactionUser } from '../transaction/transactions.js';
import { Dialog, establishAsCaller } from '../dialog/dialog.js';
import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from './digest.js';
import { Interner } from '../message/interner.js';
import { staticSdpSession, type SessionHook } from './session.js';

export const CallState = {
  Calling: 1,
  Proceeding: 2,
  Cancelling: 3,
  Established: 4,
  Terminating: 5,
  Ended: 6,
} as const;
export type CallState = (typeof CallState)[keyof typeof CallState];

export type EndCause =
  | 'completed' // we sent BYE, got 2xx
  | 'callee_hangup' // far end sent BYE
  | 'rejected' // final 3xx-6xx
  | 'timeout' // Timer B: no final response
  | 'ring_timeout' // our CANCEL after ringTimeout
  | 'auth_failed' // challenged again after sending credentials, or no credentials configured
  | 'bye_failed' // BYE got a non-2xx final
  | 'bye_timeout' // Timer F on BYE
  | 'aborted' // run stopped before the call was answered
  | 'drain_timeout' // answered, but its BYE was not answered before the run's drain bound
  | 'cut_at_end' // answered, and hung up by the end of the run (stage end, gracefulStop, Ctrl-C, abortOnFail) before its own hold elapsed
  | 'data_exhausted' // never sent: call.data with order unique had no row left for it (engine-owned)
  | 'media_no_port' // never sent: no free RTP port pair (engine-owned)
  | 'media_no_codec' // answered, but the answer has no codec we offered; hung up (engine-owned)
  | 'media_no_stream' // answered, but the answer rejected or disabled our audio stream; hung up (engine-owned)
  | 'media_bad_answer' // answered, but the SDP answer breaks RFC 3264 against our offer; hung up (engine-owned)
  | 'media_bad_sdp' // answered, but the 2xx's SDP does not parse; hung up (engine-owned)
  | 'transport_error';

/** Who calls whom, per call (engine/call-identity.ts); one shared object when every call is alike. */
export interface CallParty {
  /** User part of the From URI. */
  fromUser: string;
  /** Display name of the From header; null: none. */
  displayName: string | null;
  /** Request-URI of the INVITE (also the To URI). */
  requestUri: string;
  /** Digest credentials for 401/407; null: none (a challenge ends the call as auth_failed). */
  auth: { username: string; password: string } | null;
  /** Extra INVITE header lines, each ending in CRLF ('' for none). */
  headers: string;
}

/**
 * One outgoing call: its dialog and transaction slot (dialog/dialog.ts), its state and timestamps.
 * `S` is the starter's per-call state (`slot`), e.g. the load driver's hold timer and schedule.
 */
export class Call<S = unknown> extends Dialog {
  state: CallState = CallState.Calling;
  ringSlot = -1;
  /** performance.now() timestamps, ms; 0 = not reached. */
  sentAt = 0;
  provisionalAt = 0;
  answeredAt = 0;
  byeAt = 0;
  byeAnsweredAt = 0;
  endedAt = 0;
  finalCode = 0;
  cause: EndCause | '' = '';
  authTries = 0;
  challenge: DigestChallenge | null = null;
  challengeHeader = '';
  normalEnd = false;
  /** hangup() was asked before any provisional: CANCEL as soon as one arrives. */
  hangupRequested = false;
  /** Any response to the INVITE arrived (100 Trying included). */
  gotResponse = false;

  constructor(
    callId: string,
    localTag: string,
    localUri: string,
    remoteUri: string,
    peer: Peer,
    /** Request-URI of the INVITE, its CANCEL and non-2xx ACK. */
    readonly requestUri: string,
    readonly auth: CallParty['auth'],
    /** Extra INVITE header lines. */
    readonly headers: string,
    /** Owned by whoever started the call; the UAC never reads it. */
    readonly slot: S,
  ) {
    super(callId, localTag, localUri, remoteUri, peer);
  }
}

export interface UacListener<S = unknown> {
  /** 2xx received and ACK sent. */
  answered(call: Call<S>): void;
  /** The call is over (any outcome); it has been removed from the UAC. */
  ended(call: Call<S>): void;
}

export interface UacOptions<S = unknown> {
  transport: SipTransport;
  target: { uri: string; peer: Peer };
  auth: { username: string; password: string } | null;
  fromUser: string;
  /** The static SDP offer (and re-INVITE answer) when no `session` is given; '' for none. */
  sdpBody: string;
  /** The session hook (offer/answer); default: `sdpBody` for every call (session.ts staticSdpSession). */
  session?: SessionHook<Call<S>>;
  ringTimeoutMs: number;
  userAgent: string;
  listener: UacListener<S>;
  now: () => number;
}

const SDP = 'application/sdp';

export class Uac<S = unknown> implements TransactionUser<Call<S>> {
  readonly calls = new Map<string, Call<S>>();
  private readonly builder: MessageBuilder;
  private readonly ids: IdGenerator;
  private readonly localUri: string;
  private readonly remoteUri: string;
  private readonly tx: Transactions<Call<S>>;
  private readonly ring: CoarseTimer<Call<S>>;
  private readonly session: SessionHook<Call<S>>;
  /** Route sets and Contacts repeat across calls through one proxy: share the strings. */
  private readonly interner = new Interner(1024);
  private readonly counts = { strayResponses: 0, inDialogRequests: 0 };
  private readonly hostPort: string;
  /** The party of calls started without one (from the options), and the last party's From/To strings. */
  private readonly defaultParty: CallParty;
  private lastParty: CallParty | null = null;
  private lastLocalUri = '';
  private lastRemoteUri = '';

  constructor(private readonly o: UacOptions<S>) {
    const t = o.transport;
    const hostPort = formatHostPort(t.localAddress, t.localPort);
    this.hostPort = hostPort;
    this.builder = new MessageBuilder({ transport: t.protocol, hostPort, userAgent: o.userAgent }, o.fromUser);
    this.ids = new IdGenerator(t.localAddress);
    this.localUri = `<sip:${o.fromUser}@${hostPort}>`;
    this.remoteUri = `<${o.target.uri}>`;
    this.defaultParty = { fromUser: o.fromUser, displayName: null, requestUri: o.target.uri, auth: o.auth, headers: '' };
    this.tx = new Transactions<Call<S>>(t, this, o.now);
    this.ring = new CoarseTimer<Call<S>>(100, (c) => this.onRingTimeout(c), o.now);
    this.session = o.session ?? staticSdpSession<Call<S>>(o.sdpBody);
  }

  get active(): number {
    return this.calls.size;
  }

  /** Where this UAC's requests go. */
  get targetPeer(): Peer {
    return this.o.target.peer;
  }

  /** Retransmissions (from the transactions), stray responses, in-dialog requests answered. */
  get stats(): { retransmissions: number; strayResponses: number; inDialogRequests: number } {
    return {
      retransmissions: this.tx.retransmissions,
      strayResponses: this.counts.strayResponses,
      inDialogRequests: this.counts.inDialogRequests,
    };
  }

  /** Retransmissions so far (read every interval: no object). */
  get retransmissions(): number {
    return this.tx.retransmissions;
  }

  /**
   * Starts a call now; `slot` is the starter's own state for it (kept on `call.slot`);
   * `party` says who calls whom (default: the options' From user, target and credentials).
   */
  start(slot: S, party: CallParty = this.defaultParty): Call<S> {
    if (party !== this.lastParty) {
      this.lastParty = party;
      const name = party.displayName === null ? '' : `"${quoteDisplayName(party.displayName)}" `;
      this.lastLocalUri = party === this.defaultParty ? this.localUri : `${name}<sip:${party.fromUser}@${this.hostPort}>`;
      this.lastRemoteUri = party.requestUri === this.o.target.uri ? this.remoteUri : `<${party.requestUri}>`;
    }
    const call = new Call<S>(
      this.ids.callId(), this.ids.tag(), this.lastLocalUri, this.lastRemoteUri, this.o.target.peer,
      party.requestUri, party.auth, party.headers, slot,
    );
    this.calls.set(call.callId, call);
    call.sentAt = this.o.now();
    this.sendInvite(call, '');
    if (this.o.ringTimeoutMs > 0) call.ringSlot = this.ring.add(call, this.o.ringTimeoutMs);
    return call;
  }

  private sendInvite(call: Call<S>, authLine: string): void {
    call.branch = this.ids.branch();
    const data = this.builder.request('INVITE', call.requestUri, call.branch, call, call.cseq, null, authLine + call.headers, this.session.offer(call), SDP);
    this.tx.request(call, TxKind.InviteClient, data);
  }

  /** Hang up an established call (BYE), or stop one still ringing (CANCEL). */
  hangup(call: Call<S>): void {
    if (call.state === CallState.Established) {
      call.state = CallState.Terminating;
      call.byeAt = this.o.now();
      this.sendBye(call, '');
    } else if (call.state === CallState.Proceeding) {
      this.cancel(call, 'aborted');
    } else if (call.state === CallState.Calling) {
      // No provisional yet: RFC 3261 §9.1 forbids CANCEL; send it once one arrives.
      call.hangupRequested = true;
    }
  }

  private sendBye(call: Call<S>, authLine: string): void {
    call.cseq++;
    call.branch = this.ids.branch();
    this.tx.request(call, TxKind.NonInviteClient, this.builder.request('BYE', call.remoteTarget, call.branch, call, call.cseq, call.routes, authLine, '', ''));
  }

  private cancel(call: Call<S>, cause: EndCause): void {
    call.state = CallState.Cancelling;
    call.cause = cause;
    // CANCEL reuses the INVITE's branch and CSeq number (§9.1).
    const data = this.builder.request('CANCEL', call.requestUri, call.branch, { ...dialogOf(call), remoteTag: '' }, call.cseq, null, '', '', '');
    this.tx.request(call, TxKind.NonInviteClient, data);
  }

  private send(data: string): void {
    this.o.transport.send(data, this.o.target.peer);
  }

  /** Timer B (INVITE) or F (CANCEL, BYE) fired. */
  transactionTimeout(call: Call<S>): void {
    if (call.state === CallState.Calling) this.finish(call, 0, call.hangupRequested ? 'aborted' : 'timeout', false);
    else if (call.state === CallState.Cancelling) this.finish(call, 0, call.cause === '' ? 'timeout' : call.cause, false);
    else if (call.state === CallState.Terminating) this.finish(call, call.finalCode, 'bye_timeout', false);
  }

  private onRingTimeout(call: Call<S>): void {
    call.ringSlot = -1;
    if (call.state === CallState.Proceeding) this.cancel(call, 'ring_timeout');
    // In Calling, Timer B decides (no CANCEL before a provisional, §9.1).
  }

  /** Entry point for every message the transport delivers. */
  onMessage(msg: SipMessage, from: Peer): void {
    if (!msg.isRequest) {
      const call = this.calls.get(msg.callId);
      if (call === undefined) return this.onStrayResponse(msg);
      if (msg.cseqMethod === 'INVITE') this.onInviteResponse(call, msg);
      else if (msg.cseqMethod === 'BYE') this.onByeResponse(call, msg);
      // CANCEL's 200 needs nothing: the 487 for the INVITE ends the call.
      else if (msg.cseqMethod === 'CANCEL' && msg.status >= 200) this.tx.stopRetransmit(call);
      return;
    }
    this.onRequest(msg, from);
  }

  private onInviteResponse(call: Call<S>, msg: SipMessage): void {
    const status = msg.status;
    const now = this.o.now();
    call.gotResponse = true;
    if (status < 200) {
      if (call.state === CallState.Calling) {
        call.state = CallState.Proceeding;
        this.tx.proceeding(call);
      }
      if (status > 100 && call.provisionalAt === 0) call.provisionalAt = now;
      if (call.hangupRequested && call.state === CallState.Proceeding) this.cancel(call, 'aborted');
      return;
    }
    if (status < 300) {
      if (call.state <= CallState.Cancelling) {
        // No provisional before the 200: PDD stays absent for this call (0), it is not the setup time.
        call.answeredAt = now;
        call.finalCode = status;
        establishAsCaller(call, msg, this.interner, call.requestUri);
        this.clearTimers(call);
        const wasCancelling = call.state === CallState.Cancelling;
        call.state = CallState.Established;
        this.sendAck(call);
        this.session.onAnswer(call, msg);
        this.o.listener.answered(call);
        // 200 crossed our CANCEL: the call exists now, so it must be ended with BYE.
        if (wasCancelling && call.state === CallState.Established) this.hangup(call);
      } else if (call.state === CallState.Established || call.state === CallState.Terminating) {
        // Retransmitted 2xx: our ACK was lost (§13.2.2.4).
        this.tx.retransmissions++;
        this.sendAck(call);
      }
      return;
    }
    // Non-2xx final: ACK within the transaction (same branch, §17.1.1.3), even for an older INVITE's.
    this.sendNon2xxAck(call, msg);
    if (msg.viaBranch !== call.branch) return;
    if (call.state > CallState.Cancelling) return; // retransmission of a final we already handled
    this.clearTimers(call);
    if ((status === 401 || status === 407) && call.auth !== null && call.authTries === 0) {
      const header = getHeader(msg, status === 401 ? 'www-authenticate' : 'proxy-authenticate');
      const ch = header !== undefined ? parseDigestChallenge(header) : null;
      if (ch !== null) {
        call.authTries++;
        call.challenge = ch;
        call.challengeHeader = status === 401 ? 'Authorization' : 'Proxy-Authorization';
        call.cseq++;
        call.state = CallState.Calling;
        call.provisionalAt = 0;
        this.sendInvite(call, this.authLine(call, 'INVITE', call.requestUri));
        return;
      }
    }
    call.finalCode = status;
    let cause: EndCause = 'rejected';
    if (call.state === CallState.Cancelling) cause = call.cause === '' ? 'ring_timeout' : (call.cause as EndCause);
    else if (status === 401 || status === 407) cause = 'auth_failed';
    this.finish(call, status, cause, false);
  }

  private authLine(call: Call<S>, method: string, uri: string): string {
    const auth = call.auth;
    if (auth === null || call.challenge === null) return '';
    const value = digestAuthorization(call.challenge, {
      method, uri, username: auth.username, password: auth.password, nc: call.authTries, cnonce: this.ids.cnonce(),
    });
    return `${call.challengeHeader}: ${value}\r\n`;
  }

  private sendAck(call: Call<S>): void {
    // ACK for 2xx is its own transaction: new branch, same CSeq number (§13.2.2.4).
    const ack = this.builder.request('ACK', call.remoteTarget, this.ids.branch(), call, call.cseq, call.routes, '', '', '');
    this.send(ack);
  }

  private sendNon2xxAck(call: Call<S>, msg: SipMessage): void {
    const d: DialogIds = { ...dialogOf(call), remoteTag: msg.toTag };
    this.send(this.builder.request('ACK', call.requestUri, msg.viaBranch, d, msg.cseq, null, '', '', ''));
  }

  private onByeResponse(call: Call<S>, msg: SipMessage): void {
    if (msg.status < 200 || call.state !== CallState.Terminating) return;
    if (msg.cseq !== call.cseq) return;
    if ((msg.status === 401 || msg.status === 407) && call.auth !== null && call.authTries < 2) {
      const header = getHeader(msg, msg.status === 401 ? 'www-authenticate' : 'proxy-authenticate');
      const ch = header !== undefined ? parseDigestChallenge(header) : null;
      if (ch !== null) {
        call.authTries++;
        call.challenge = ch;
        call.challengeHeader = msg.status === 401 ? 'Authorization' : 'Proxy-Authorization';
        this.sendBye(call, this.authLine(call, 'BYE', call.remoteTarget));
        return;
      }
    }
    call.byeAnsweredAt = this.o.now();
    if (msg.status < 300) this.finish(call, call.finalCode, 'completed', true);
    else this.finish(call, call.finalCode, 'bye_failed', false);
  }

  private onRequest(msg: SipMessage, from: Peer): void {
    const method = msg.method;
    if (method === 'ACK') return;
    this.counts.inDialogRequests++;
    const call = this.calls.get(msg.callId);
    if (method === 'OPTIONS') return this.reply(msg, from, 200, '');
    if (call === undefined) return this.reply(msg, from, 481, '');
    if (method === 'BYE') {
      this.reply(msg, from, 200, '');
      if (call.state === CallState.Established || call.state === CallState.Terminating) {
        call.byeAt = this.o.now();
        this.finish(call, call.finalCode, 'callee_hangup', true);
      }
      return;
    }
    if (method === 'INVITE' || method === 'UPDATE') {
      // Session refresh / re-INVITE: accept with the same offer.
      return this.reply(msg, from, 200, method === 'INVITE' ? this.session.answer(call, msg) : '');
    }
    this.reply(msg, from, method === 'INFO' || method === 'NOTIFY' ? 200 : 501, '');
  }

  private reply(req: SipMessage, to: Peer, status: number, body: string): void {
    const data = this.builder.response(req, status, REASONS[status] ?? 'Not Implemented', '', '', body, SDP);
    this.o.transport.send(data, to);
  }

  /** A response for a call we no longer know (e.g. a 200 retransmitted after we ended): ACK it statelessly. */
  private onStrayResponse(msg: SipMessage): void {
    this.counts.strayResponses++;
    if (msg.cseqMethod !== 'INVITE' || msg.status < 200) return;
    const from = getHeader(msg, 'from') ?? '';
    const semi = from.indexOf(';tag=');
    const d: DialogIds = {
      callId: msg.callId, localTag: msg.fromTag, remoteTag: msg.toTag,
      localUri: semi >= 0 ? from.slice(0, semi) : from, remoteUri: this.remoteUri,
    };
    let uri = this.o.target.uri;
    let branch = msg.viaBranch;
    let routes: string[] | null = null;
    if (msg.status < 300) {
      const contact = getHeader(msg, 'contact');
      if (contact !== undefined) uri = nameAddrUri(contact);
      branch = this.ids.branch();
      const rr = getHeaders(msg, 'record-route');
      if (rr.length > 0) routes = rr.reverse();
    }
    this.send(this.builder.request('ACK', uri, branch, d, msg.cseq, routes, '', '', ''));
  }

  private clearTimers(call: Call<S>): void {
    this.tx.terminate(call);
    this.ring.remove(call, call.ringSlot);
    call.ringSlot = -1;
  }

  private finish(call: Call<S>, code: number, cause: EndCause, normal: boolean): void {
    if (call.state === CallState.Ended) return;
    this.clearTimers(call);
    call.finalCode = code;
    call.cause = cause;
    call.normalEnd = normal;
    call.state = CallState.Ended;
    call.endedAt = this.o.now();
    this.calls.delete(call.callId);
    this.session.end(call);
    this.o.listener.ended(call);
  }

  /** Stops timers; calls still open are left to the caller to account for. */
  close(): void {
    for (const call of this.calls.values()) this.clearTimers(call);
    this.tx.close();
    this.ring.stop();
  }
}

/** quoted-string content of a display name: '"' and '\\' escaped (RFC 3261 §25.1). */
function quoteDisplayName(v: string): string {
  return v.replace(/["\\]/g, '\\$&');
}

function dialogOf(call: Call<unknown>): DialogIds {
  return { callId: call.callId, localTag: call.localTag, remoteTag: call.remoteTag, localUri: call.localUri, remoteUri: call.remoteUri };
}
