/**
 * The answering side (UAS) for many concurrent calls over one transport: what RFC 3261 makes
 * every UAS do, whatever it decides about a call. Its user (the embedded call centre,
 * simulator/call-centre.ts) decides only policy through `AnswererPolicy` and the methods
 * `ring`, `answer`, `reject`, `hangup`.
 *
 * - INVITE server transactions (transaction/transactions.ts): a retransmitted INVITE gets the
 *   last response again; a final response is retransmitted on UDP (Timer G) until the ACK, or
 *   Timer H gives up. The answerer's own BYE is a non-INVITE client transaction (Timers E/F).
 * - A completed BYE's 200 is kept for Timer J, so a retransmitted BYE is answered, not 481.
 * - The dialog (dialog/dialog.ts) from the INVITE: tags, route set, remote target.
 * - Malformed and unusable requests get the answer RFC 3261 gives them: a parsed request is
 *   validated first (message/request-check.ts, with the options the user chose), a request the
 *   parser rejected is answered from the header fields message/salvage.ts recovers (400 naming
 *   the fault, 505, 513). Those answers are stateless (§8.2.7: deterministic To tag, no
 *   retransmission, their ACK is absorbed). What cannot be answered is dropped and counted per
 *   cause in `counters.dropped`.
 *
 * No closure per call or per timer.
 */
import type { SipMessage, SipParseError } from '../message/message.js';
import type { Peer, SipTransport } from '../transport/types.js';
import { MessageBuilder, REASONS, formatHostPort, salvagedResponse } from '../message/builder.js';
import { IdGenerator, statelessTag } from '../message/ids.js';
import { getHeader } from '../message/headers.js';
import { RequestChecker, faultReason, type CheckOptions, type RequestFault } from '../message/request-check.js';
import { salvageRequest, type DropCause } from '../message/salvage.js';
import { CompletedRequests, TxKind, Transactions, type TransactionUser } from '../transaction/transactions.js';
import { Dialog, establishAsCallee, stripTag } from '../dialog/dialog.js';
import type { SessionHook } from './session.js';

export const AnswerState = {
  /** The INVITE is being considered (ringing or about to be rejected). */
  Ringing: 1,
  /** 200 sent, waiting for the ACK. */
  Answered: 2,
  Confirmed: 3,
  /** Our BYE sent. */
  Ending: 4,
  /** Non-2xx final sent, waiting for the ACK. */
  Rejected: 5,
} as const;
export type AnswerState = (typeof AnswerState)[keyof typeof AnswerState];

/** One incoming call: its dialog and transaction slot, and one timer its policy owns. */
export class IncomingCall extends Dialog {
  state: AnswerState = AnswerState.Ringing;
  /** The INVITE, until a final response to it has been sent. */
  invite: SipMessage | null;
  /** The policy's timer (ring delay, callee hang-up); the answerer clears it when the call ends. */
  policyTimer: NodeJS.Timeout | null = null;

  constructor(callId: string, localTag: string, invite: SipMessage, peer: Peer) {
    super(callId, localTag, stripTag(getHeader(invite, 'to') ?? ''), stripTag(getHeader(invite, 'from') ?? ''), peer);
    this.invite = invite;
    this.remoteTag = invite.fromTag;
  }
}

/** What the answerer reports to its policy; each method gets the call record, no closure per call. */
export interface AnswererPolicy {
  /** A new INVITE (not a retransmission, not a re-INVITE): `ring` and later `answer` or `reject` it, or `reject` it now. */
  incoming(call: IncomingCall, invite: SipMessage): void;
  /** CANCEL for a ringing call: the answerer sends 487 right after this returns. */
  cancelled(call: IncomingCall): void;
  /** The ACK to our 200 arrived. */
  confirmed(call: IncomingCall): void;
  /** An answered call is over: the caller's BYE, the final response to ours, or no ACK within Timer H. */
  answeredEnded(call: IncomingCall, how: 'bye' | 'bye-answered' | 'no-ack'): void;
}

/** What the answerer counts (the policy adds its own counters beside these). */
export interface AnswererCounters {
  invites: number;
  inviteRetransmissions: number;
  acks: number;
  byesReceived: number;
  byesSent: number;
  cancels: number;
  options: number;
  parseErrors: number;
  /** Requests answered with an error because they were malformed or unusable (parsed or salvaged). */
  invalidRequests: number;
  /** Messages that got no answer, per cause (responses, ACKs, requests that cannot be answered). */
  dropped: Partial<Record<DropCause, number>>;
  responsesSent: Record<string, number>;
}

export interface AnswererOptions {
  transport: SipTransport;
  userAgent: string;
  /** User part of our Contact. */
  contactUser: string;
  /** What requests are checked against (message/request-check.ts). */
  check: CheckOptions;
  session: SessionHook<IncomingCall>;
  policy: AnswererPolicy;
  /** Counted into (the policy's counters object, which extends these). */
  counters: AnswererCounters;
  now: () => number;
}

export class Answerer implements TransactionUser<IncomingCall> {
  private readonly calls = new Map<string, IncomingCall>();
  private readonly tx: Transactions<IncomingCall>;
  /** Recently answered BYEs (Timer J): Call-ID → the 200 we sent. */
  private readonly closedByes: CompletedRequests;
  private readonly checker: RequestChecker;
  private readonly ids: IdGenerator;
  private readonly builder: MessageBuilder;
  private readonly counters: AnswererCounters;

  constructor(private readonly o: AnswererOptions) {
    const t = o.transport;
    this.ids = new IdGenerator(t.localAddress);
    this.checker = new RequestChecker(o.check);
    this.builder = new MessageBuilder(
      { transport: t.protocol, hostPort: formatHostPort(t.localAddress, t.localPort), userAgent: o.userAgent },
      o.contactUser,
    );
    this.tx = new Transactions<IncomingCall>(t, this, o.now);
    this.closedByes = new CompletedRequests(t.reliable, o.now);
    this.counters = o.counters;
  }

  private count(status: number): void {
    const k = String(status);
    this.counters.responsesSent[k] = (this.counters.responsesSent[k] ?? 0) + 1;
  }

  private response(req: SipMessage, status: number, toTag: string, body: string): string {
    this.count(status);
    return this.builder.response(req, status, REASONS[status] ?? 'Unknown', toTag, '', body, 'application/sdp');
  }

  /** A response outside any transaction state we keep (OPTIONS, 481, 501, CANCEL's and BYE's 200). */
  private respond(req: SipMessage, to: Peer, status: number, toTag: string, body = ''): string {
    const data = this.response(req, status, toTag, body);
    this.o.transport.send(data, to);
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
    this.o.transport.send(this.builder.response(msg, f.status, f.reason, tag, extra, '', ''), to);
    this.count(f.status);
    this.counters.invalidRequests++;
  }

  /** Bytes the parser rejected: answer from the salvaged header fields, or drop and count why not. */
  onUnparseable(err: SipParseError, from: Peer, raw: Buffer | undefined): void {
    this.counters.parseErrors++;
    if (raw === undefined) return this.drop('framing');
    const req = salvageRequest(raw);
    if (typeof req === 'string') return this.drop(req);
    const tag = statelessTag(req.callId, req.from, req.vias[0], req.cseq);
    this.o.transport.send(salvagedResponse(req, err.status, faultReason(err.status, err.status === 400 ? err.reason : ''), tag, this.o.userAgent, ''), from);
    this.count(err.status);
    this.counters.invalidRequests++;
  }

  /** Entry point for every message the transport delivers. */
  onMessage(msg: SipMessage, from: Peer): void {
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
        this.respond(msg, from, 200, existing.localTag, this.o.session.answer(existing, msg));
        return;
      }
      this.counters.inviteRetransmissions++;
      this.tx.resendLast(existing, from);
      return;
    }
    if (msg.toTag !== '') {
      this.respond(msg, from, 481, '');
      return;
    }
    this.counters.invites++;
    const call = new IncomingCall(msg.callId, this.ids.tag(), msg, from);
    this.calls.set(call.callId, call);
    this.o.policy.incoming(call, msg);
  }

  /** 100 Trying, then 180 Ringing (sent again for a retransmitted INVITE). */
  ring(call: IncomingCall): void {
    const invite = call.invite;
    if (invite === null) return;
    this.respond(invite, call.peer, 100, '');
    this.tx.provisional(call, this.response(invite, 180, call.localTag, ''));
  }

  /** 200 with the session's answer; false when the call is no longer ringing. */
  answer(call: IncomingCall): boolean {
    const invite = call.invite;
    if (invite === null || call.state !== AnswerState.Ringing) return false;
    establishAsCallee(call, invite);
    this.tx.final(call, this.response(invite, 200, call.localTag, this.o.session.answer(call, invite)));
    call.invite = null;
    call.state = AnswerState.Answered;
    return true;
  }

  /** A non-2xx final response to the INVITE. */
  reject(call: IncomingCall, status: number): void {
    const invite = call.invite;
    if (invite === null) return;
    this.tx.final(call, this.response(invite, status, call.localTag, ''));
    call.invite = null;
    call.state = AnswerState.Rejected;
  }

  /** We hang up a confirmed call: BYE towards the caller along the route set (§12.2.1.1). */
  hangup(call: IncomingCall): void {
    if (call.state !== AnswerState.Confirmed) return;
    call.state = AnswerState.Ending;
    call.branch = this.ids.branch();
    this.tx.request(call, TxKind.NonInviteClient, this.builder.request('BYE', call.remoteTarget, call.branch, call, call.cseq, call.routes, '', '', ''));
    this.counters.byesSent++;
  }

  /** BYE every confirmed call now (e.g. a run's own UAS when the run stops); returns how many. */
  hangupAll(): number {
    let n = 0;
    for (const call of this.calls.values()) {
      if (call.state !== AnswerState.Confirmed) continue;
      this.clearPolicyTimer(call);
      this.hangup(call);
      n++;
    }
    return n;
  }

  /** Timer H (no ACK) or Timer F (no answer to our BYE). */
  transactionTimeout(call: IncomingCall): void {
    if (call.state === AnswerState.Answered) {
      this.forget(call);
      this.o.policy.answeredEnded(call, 'no-ack');
    } else if (call.state === AnswerState.Rejected || call.state === AnswerState.Ending) this.forget(call);
  }

  private clearPolicyTimer(call: IncomingCall): void {
    if (call.policyTimer !== null) clearTimeout(call.policyTimer);
    call.policyTimer = null;
  }

  private forget(call: IncomingCall): void {
    this.tx.terminate(call);
    this.clearPolicyTimer(call);
    this.calls.delete(call.callId);
    this.o.session.end(call);
  }

  private onAck(msg: SipMessage): void {
    const call = this.calls.get(msg.callId);
    if (call === undefined) {
      // A proxy with several UDP children can deliver the caller's BYE before its ACK; the ACK still arrived.
      if (this.closedByes.get(msg.callId) !== undefined) this.counters.acks++;
      return;
    }
    this.counters.acks++;
    if (call.state === AnswerState.Answered) {
      this.tx.terminate(call);
      call.state = AnswerState.Confirmed;
      this.o.policy.confirmed(call);
    } else if (call.state === AnswerState.Rejected) {
      this.forget(call);
    }
  }

  private onBye(msg: SipMessage, from: Peer): void {
    const call = this.calls.get(msg.callId);
    if (call === undefined) {
      const previous = this.closedByes.get(msg.callId);
      if (previous !== undefined) this.o.transport.send(previous, from);
      else this.respond(msg, from, 481, '');
      return;
    }
    this.counters.byesReceived++;
    const ok = this.respond(msg, from, 200, '');
    const wasAnswered = call.state === AnswerState.Answered || call.state === AnswerState.Confirmed || call.state === AnswerState.Ending;
    this.forget(call);
    if (wasAnswered) this.o.policy.answeredEnded(call, 'bye');
    this.closedByes.complete(msg.callId, ok);
  }

  private onCancel(msg: SipMessage, from: Peer): void {
    this.counters.cancels++;
    const call = this.calls.get(msg.callId);
    if (call === undefined) {
      this.respond(msg, from, 481, '');
      return;
    }
    this.respond(msg, from, 200, call.localTag);
    if (call.state === AnswerState.Ringing) {
      this.tx.terminate(call);
      this.clearPolicyTimer(call);
      this.o.policy.cancelled(call);
      this.reject(call, 487);
    }
  }

  private onResponse(msg: SipMessage): void {
    const call = msg.cseqMethod === 'BYE' ? this.calls.get(msg.callId) : undefined;
    if (call === undefined || call.state !== AnswerState.Ending) return this.drop('unmatched-response');
    if (msg.status < 200) return;
    this.forget(call);
    this.o.policy.answeredEnded(call, 'bye-answered');
  }

  /** Stops every timer and forgets every call. */
  close(): void {
    for (const call of this.calls.values()) {
      this.tx.terminate(call);
      this.clearPolicyTimer(call);
    }
    this.calls.clear();
    this.closedByes.close();
    this.tx.close();
  }
}
