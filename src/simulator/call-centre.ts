/**
 * The embedded call centre: a SIP UAS that stands in for a real platform on
 * loopback. It answers after a ring delay, refuses calls beyond its channel
 * capacity with 503, answers a configured share of calls (the rest get 486 or
 * 480), can hang up answered calls itself, and counts everything it did so
 * tests can compare both sides of a run.
 *
 * Only that policy lives here. What RFC 3261 makes every UAS do — server
 * transactions and their timers, the dialog, BYE and CANCEL handling, and the
 * answers to malformed or unusable requests (request-check, salvage) — is the
 * SIP stack's answerer (sip/ua/answerer.ts); this module chooses which
 * request checks apply and decides, per call, ring, answer or reject.
 */
import type { SipMessage } from '../sip/message/message.js';
import type { SipTransport, TransportKind } from '../sip/transport/types.js';
import { openTransport } from '../sip/transport/registry.js';
import { formatHostPort, g711Sdp } from '../sip/message/builder.js';
import { DEFAULT_CHECK_OPTIONS, type CheckOptions } from '../sip/message/request-check.js';
import { AnswerState, Answerer, type AnswererCounters, type AnswererPolicy, type IncomingCall } from '../sip/ua/answerer.js';
import { staticSdpSession } from '../sip/ua/session.js';
import type { EmbeddedTargetSpec } from '../scenario/types.js';
import { MediaEcho, type MediaEchoCounters, type MediaEchoOptions } from './media-echo.js';
import { CallRecorder, type RecorderOptions } from './recorder.js';

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
  /** Voice: each answered call echoes its RTP on ports of its own (media-echo.ts); null or absent: a static SDP answer. */
  media?: Omit<MediaEchoOptions, 'address' | 'recorder' | 'noOfferSdp'> | null;
  /** Record every answered call into a directory (recorder.ts); needs `media`. null or absent: no recording. */
  recordings?: RecorderOptions | null;
}

export interface CallCentreCounters extends AnswererCounters {
  answered: number;
  completed: number;
  noAck: number;
  active: number;
  peakActive: number;
}

export class CallCentre implements AnswererPolicy {
  readonly counters: CallCentreCounters = {
    invites: 0, inviteRetransmissions: 0, answered: 0, acks: 0, byesReceived: 0, byesSent: 0, cancels: 0,
    completed: 0, noAck: 0, options: 0, parseErrors: 0, invalidRequests: 0, dropped: {}, active: 0, peakActive: 0,
    responsesSent: {},
  };
  private answerer!: Answerer;
  private answerSeq = 0;
  private readonly onRingDone = (c: IncomingCall) => this.ringDone(c);
  private readonly onCalleeHangup = (c: IncomingCall) => this.calleeHangup(c);

  private constructor(
    private readonly o: CallCentreOptions,
    private transport: SipTransport,
    private readonly echo: MediaEcho | null,
    /** The call recorder (null: not recording): the CTI API serves its files. */
    readonly recorder: CallRecorder | null,
  ) {}

  /** The echo's counts; null without media. */
  get mediaCounters(): MediaEchoCounters | null {
    return this.echo?.counters ?? null;
  }

  static async start(o: CallCentreOptions): Promise<CallCentre> {
    let cc: CallCentre | null = null;
    const transport = await openTransport(o.transport, {
      address: o.address,
      port: o.port,
      events: {
        message: (msg, from) => cc?.answerer.onMessage(msg, from),
        parseError: (err, from, raw) => {
          cc?.answerer.onUnparseable(err, from, raw);
          o.onError?.(`unparseable SIP message: ${err.reason} at byte ${err.offset}`);
        },
        transportError: (err, peer) => o.onError?.(`transport error${peer ? ` with ${formatHostPort(peer.address, peer.port)}` : ''}: ${err.message}`),
      },
    });
    let recorder: CallRecorder | null = null;
    let echo: MediaEcho | null = null;
    try {
      if (o.recordings && !o.media) throw new RangeError('recordings need media: the call centre records the RTP its echo receives');
      recorder = o.recordings ? await CallRecorder.open(o.recordings) : null;
      const noOfferSdp = g711Sdp(transport.localAddress, 40000, 1);
      echo = o.media ? new MediaEcho({ ...o.media, address: transport.localAddress, recorder, noOfferSdp }) : null;
      await echo?.open();
    } catch (e) {
      await recorder?.close();
      await transport.close();
      throw e;
    }
    const self = new CallCentre(o, transport, echo, recorder);
    self.answerer = new Answerer({
      transport,
      userAgent: 'callcert-callcentre',
      contactUser: 'ivr',
      check: { ...DEFAULT_CHECK_OPTIONS, ...o.requestCheck },
      session: echo ?? staticSdpSession(g711Sdp(transport.localAddress, 40000, 1)),
      policy: self,
      counters: self.counters,
      now: () => performance.now(),
    });
    cc = self;
    return self;
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

  // ---- policy (AnswererPolicy) ------------------------------------------------

  incoming(call: IncomingCall, invite: SipMessage): void {
    this.o.onInvite?.(invite);
    const c = this.counters;
    if (c.active >= this.o.capacity) return this.answerer.reject(call, 503);
    const refuse = this.echo?.check(call, invite) ?? null;
    if (refuse !== null) return this.answerer.reject(call, refuse);
    c.active++;
    if (c.active > c.peakActive) c.peakActive = c.active;
    // Always ring first, as a real platform does: without a provisional, PDD would equal setup.
    this.answerer.ring(call);
    if (this.o.ringMs > 0) call.policyTimer = setTimeout(this.onRingDone, this.o.ringMs, call);
    else this.ringDone(call);
  }

  /** Deterministic answer mix: exactly round(n·ratio) of n calls are answered. */
  private shouldAnswer(): boolean {
    const n = this.answerSeq++;
    const r = this.o.answerRatio;
    return Math.floor((n + 1) * r) > Math.floor(n * r);
  }

  private ringDone(call: IncomingCall): void {
    call.policyTimer = null;
    if (call.invite === null || call.state !== AnswerState.Ringing) return;
    if (!this.shouldAnswer()) {
      this.counters.active--;
      // Alternate busy and no-answer so both codes show up in a mix.
      this.answerer.reject(call, this.answerSeq % 2 === 0 ? 486 : 480);
      return;
    }
    if (this.echo !== null && !this.echo.reserve(call)) {
      // Out of media ports: a platform out of media resources refuses the call.
      this.counters.active--;
      this.answerer.reject(call, 503);
      return;
    }
    if (this.answerer.answer(call)) this.counters.answered++;
  }

  cancelled(): void {
    this.counters.active--;
  }

  confirmed(call: IncomingCall): void {
    if (this.o.calleeHangupMs !== null) call.policyTimer = setTimeout(this.onCalleeHangup, this.o.calleeHangupMs, call);
  }

  answeredEnded(_call: IncomingCall, how: 'bye' | 'bye-answered' | 'no-ack'): void {
    this.counters.active--;
    if (how === 'no-ack') this.counters.noAck++;
    else this.counters.completed++;
  }

  /** The platform hangs up (calleeHangup). */
  private calleeHangup(call: IncomingCall): void {
    call.policyTimer = null;
    this.answerer.hangup(call);
  }

  /** BYE every confirmed call now (a run's own UAS when the run stops); returns how many. */
  hangupAll(): number {
    return this.answerer.hangupAll();
  }

  async close(): Promise<void> {
    this.answerer.close();
    await this.transport.close();
    await this.echo?.close();
    // After the echo: the calls it ended on closing are written too.
    await this.recorder?.close();
  }
}
