/**
 * The simulator's voice: each answered call gets its own RTP port pair and echoes what it
 * receives, bit-exact but for SSRC and sequence numbers, so the caller measures the round trip
 * through a media path that is really there — a platform whose media collapses shows loss,
 * one-way audio or no port, not a fixed SDP that nothing listens on.
 *
 * The offer is negotiated when the INVITE arrives (none we can answer: 488, before any port is
 * taken); the port pair is taken when the call is answered (none free: the policy answers 503).
 */
import { RtpPortPool, type PortPair } from '../media/ports.js';
import { createAnswerer, type AnswerPlan, type SdpAnswerer } from '../media/sdp/answer.js';
import { parseSdp } from '../media/sdp/parse.js';
import { SendSchedule } from '../media/send-schedule.js';
import { MediaStream, type MediaSummary } from '../media/stream.js';
import { realClock } from '../load/clock.js';
import { mulberry32 } from '../util/random.js';
import type { SessionHook } from '../sip/ua/session.js';
import type { IncomingCall } from '../sip/ua/answerer.js';
import type { SipMessage } from '../sip/message/message.js';
import type { ActiveRecording, CallRecorder } from './recorder.js';

export interface MediaEchoOptions {
  address: string;
  /**
   * The 2xx body for an INVITE that made no offer (a delayed-offer caller such as the CTI API's own UAC):
   * the call centre's static SDP, as without media — the echo answers offers, it does not make them.
   */
  noOfferSdp?: string;
  ports: { min: number; max: number };
  /** Pairs bound before the first call; the pool grows when it runs low. */
  initialPairs: number;
  /** Records every answered call (recorder.ts); null or absent: no recording. */
  recorder?: CallRecorder | null;
}

export interface MediaEchoCounters {
  /** Calls answered with an echo, offers refused (488), answers refused for want of a port (503). */
  echoed: number;
  refusedOffers: number;
  noPort: number;
  packetsReceived: number;
  packetsSent: number;
}

interface EchoCall {
  plan: AnswerPlan;
  pair: PortPair | null;
  stream: MediaStream | null;
  recording: ActiveRecording | null;
}

/** Pairs a pool binds at a time when it runs low. */
const GROW_STEP = 256;

export class MediaEcho implements SessionHook<IncomingCall> {
  readonly counters: MediaEchoCounters = { echoed: 0, refusedOffers: 0, noPort: 0, packetsReceived: 0, packetsSent: 0 };
  private readonly pool: RtpPortPool;
  private readonly answerer: SdpAnswerer;
  private readonly calls = new Map<IncomingCall, EchoCall>();
  // An echo sends on receipt: the schedule only satisfies MediaStream's options and never runs.
  private readonly schedule = new SendSchedule<MediaStream>({ periodMs: 20, clock: realClock, send: () => {} });
  private readonly random = mulberry32(0x5eed);
  private sessionId = 0;

  constructor(private readonly o: MediaEchoOptions) {
    this.pool = new RtpPortPool({ address: o.address, range: o.ports, growBy: GROW_STEP });
    this.answerer = createAnswerer({ address: o.address });
  }

  async open(): Promise<void> {
    await this.pool.open(this.o.initialPairs);
  }

  /** When the INVITE arrives: null when its offer can be answered, else the status to reject it with (488). */
  check(call: IncomingCall, invite: SipMessage): number | null {
    // No offer (RFC 3264 delayed offer): nothing to refuse; answer() gives the static SDP.
    if (invite.body.length === 0) return null;
    const parsed = parseSdp(invite.body.toString('latin1'));
    const plan = parsed.ok ? this.answerer.negotiate(parsed.sdp) : null;
    if (plan === null || !plan.ok) {
      this.counters.refusedOffers++;
      return 488;
    }
    this.calls.set(call, { plan, pair: null, stream: null, recording: null });
    return null;
  }

  /** Before answering: false when no port pair is free (the policy answers 503 instead). */
  reserve(call: IncomingCall): boolean {
    const c = this.calls.get(call);
    if (c === undefined) return true; // no SDP offer to answer: nothing to reserve
    c.pair = this.pool.take();
    if (c.pair === null) {
      this.counters.noPort++;
      return false;
    }
    return true;
  }

  offer(): string {
    return ''; // the simulator never offers
  }

  answer(call: IncomingCall): string {
    const c = this.calls.get(call);
    if (c === undefined) return this.o.noOfferSdp ?? '';
    if (c.pair === null) return '';
    if (c.stream === null) {
      c.stream = new MediaStream({
        pair: c.pair, media: c.plan.media, send: 'echo', markerTag: null, schedule: this.schedule, now: () => performance.now(), random: this.random,
      });
      c.stream.start();
      c.recording = this.o.recorder?.attach(call.callId, c.pair, c.plan.media) ?? null;
      this.counters.echoed++;
    }
    return this.answerer.render(c.plan, c.pair.rtpPort, ++this.sessionId, 1);
  }

  onAnswer(): void {}

  end(call: IncomingCall): void {
    const c = this.calls.get(call);
    if (c === undefined) return;
    this.calls.delete(call);
    if (c.stream !== null) {
      this.count(c.stream.stop());
      if (c.recording !== null) this.o.recorder?.finish(c.recording, c.stream.receiver.summary());
    }
    if (c.pair !== null) this.pool.release(c.pair);
  }

  async close(): Promise<void> {
    for (const call of [...this.calls.keys()]) this.end(call);
    await this.pool.close();
  }

  private count(s: MediaSummary): void {
    this.counters.packetsReceived += s.packetsReceived;
    this.counters.packetsSent += s.packetsSent;
  }

}
