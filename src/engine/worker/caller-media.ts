/**
 * The caller leg's voice (scenario `call.media`): the session hook the UAC calls, filled with
 * media/. A call takes a port pair before its INVITE (none free: the call fails unsent,
 * `media_no_port`), offers PCMU or PCMA with telephone-event on it, negotiates the 2xx's answer
 * (no common codec or an unusable answer: the call is hung up at once and counted by cause),
 * then sends its source's frames on the worker's send schedule and measures what comes back,
 * until the call ends: its media summary goes into its calls.jsonl record, the pair back to the pool.
 *
 * The pool binds ahead and grows when it runs low, in the background: binding is asynchronous
 * and the offer is not.
 */
import { RtpPortPool, type PortPair } from '../../media/ports.js';
import { createOfferBuilder, PCMA, PCMU, type SdpOfferBuilder } from '../../media/sdp/offer.js';
import { negotiateAnswer } from '../../media/sdp/answer.js';
import { parseSdp } from '../../media/sdp/parse.js';
import { SendSchedule } from '../../media/send-schedule.js';
import { MediaStream, type MediaSummary } from '../../media/stream.js';
import { createSource, type PayloadSource } from '../../media/source.js';
import type { MediaSpec } from '../../media/schema.js';
import type { SessionHook } from '../../sip/ua/session.js';
import type { SipMessage } from '../../sip/message/message.js';
import type { Clock } from '../../load/clock.js';
import type { DriverCall } from './call-slot.js';
import { scoreStream } from '../../media/quality/assumptions.js';
import { hostRcvbufErrors, socketDrops, socketDropsAsync } from '../../metrics/udp-drops.js';
import type { Measures } from '../../metrics/measures.js';
import { MediaLiveMeter } from './media-live.js';
import type { MediaPortTotals } from '../protocol.js';

/** A call's media summary with its E-model scores. */
export type CallMediaSummary = MediaSummary & { mosCqe: number | null; mosLqe: number | null };

/** A call's media while it lasts, on its slot. */
export interface CallMedia {
  pair: PortPair;
  stream: MediaStream | null;
  /** Set when negotiation failed: the call's cause. */
  failure: 'media_no_codec' | 'media_no_stream' | 'media_bad_answer' | 'media_bad_sdp' | null;
  summary: CallMediaSummary | null;
}

export interface CallerMediaOptions {
  spec: MediaSpec & { codec: NonNullable<MediaSpec['codec']> };
  address: string;
  ports: { min: number; max: number };
  /** Pairs to bind before the run starts (the worker's expected peak of calls). */
  initialPairs: number;
  clock: Clock;
  random: () => number;
  /** Send slip samples (ms), one per 16 packets: the generator's media health. */
  onSlip(ms: number): void;
}

/** Pairs a pool binds at a time when it runs low. */
const GROW_STEP = 256;

export class CallerMedia implements SessionHook<DriverCall> {
  private readonly pool: RtpPortPool;
  private readonly offers: SdpOfferBuilder;
  private readonly source: PayloadSource;
  readonly schedule: SendSchedule<MediaStream>;
  private sessionId = 0;
  private dropsAtOpen = 0;
  /** Per-interval drops (rtp_socket_drops): the last reading, what came since the last interval, a read under way. */
  private dropsRead = 0;
  private dropsPending = 0;
  private dropsReading = false;
  /** The host's Udp RcvbufErrors at the last look: while it stands still no socket dropped, and the scan is skipped. */
  private hostDrops: number | null = null;
  private readonly live: MediaLiveMeter;

  constructor(private readonly o: CallerMediaOptions) {
    this.pool = new RtpPortPool({ address: o.address, range: o.ports, growBy: GROW_STEP });
    const codecs = o.spec.codec === 'pcmu' ? [PCMU, PCMA] : [PCMA, PCMU];
    this.offers = createOfferBuilder({ address: o.address, codecs });
    this.source = createSource(o.spec.source, o.spec.codec);
    this.live = new MediaLiveMeter(() => o.clock.now());
    this.schedule = new SendSchedule<MediaStream>({
      periodMs: 20,
      clock: o.clock,
      send: (s, n, due, now) => {
        s.sendPacket(n, due);
        if ((n & 15) === 0) o.onSlip(now - due);
      },
    });
  }

  async open(): Promise<void> {
    await this.pool.open(this.o.initialPairs);
    // A port another process used before may carry its old count: drops are counted from here.
    this.dropsAtOpen = socketDrops(this.pool.boundPorts()) ?? 0;
    this.hostDrops = hostRcvbufErrors();
    this.dropsRead = this.dropsAtOpen;
  }

  /** A pair for a call about to be sent, or null: the call fails unsent with `media_no_port`. */
  take(): CallMedia | null {
    const pair = this.pool.take();
    return pair === null ? null : { pair, stream: null, failure: null, summary: null };
  }

  offer(call: DriverCall): string {
    const m = call.slot.media;
    return m === null ? '' : this.offers.build(m.pair.rtpPort, ++this.sessionId, 1);
  }

  answer(): string {
    return ''; // the caller never answers an offer
  }

  onAnswer(call: DriverCall, response: SipMessage): void {
    const m = call.slot.media;
    if (m === null || m.stream !== null) return;
    const parsed = parseSdp(response.body.toString('latin1'));
    if (!parsed.ok) {
      m.failure = 'media_bad_sdp';
      return;
    }
    const neg = negotiateAnswer(this.offers.offered, parsed.sdp);
    if (!neg.ok) {
      m.failure = neg.cause;
      return;
    }
    // The far end may answer in the other G.711 law: send that law's frames.
    const law = neg.media.codec.encodingName.toUpperCase() === 'PCMA' ? 'pcma' : 'pcmu';
    const source = law === this.o.spec.codec ? this.source : createSource(this.o.spec.source, law);
    m.stream = new MediaStream({
      pair: m.pair, media: neg.media, send: source, markerTag: this.o.spec.marker ? call.slot.index >>> 0 : null,
      schedule: this.schedule, now: () => this.o.clock.now(), random: this.o.random,
    });
    m.stream.start();
    this.live.add(m.stream);
  }

  end(call: DriverCall): void {
    const m = call.slot.media;
    if (m === null) return;
    if (m.stream !== null && m.summary === null) {
      this.live.end(m.stream);
      m.summary = scored(m.stream.stop(), m.stream.ptimeMs);
    }
    this.pool.release(m.pair);
  }

  /** The live streams' media over this interval (rtp_live_* series, mos_cqe_live), into `d`. */
  takeInterval(d: Measures): void {
    // A capacity search judges its generator per step, so drops are placed in time: each interval
    // carries what the previous read found (about a second late; the end-of-run total comes from
    // socketDrops()). The per-socket table costs the kernel ~9 ms of CPU to build with 4,000 sockets
    // on the host: it is read only when the host-wide counter (/proc/net/snmp, 40 µs) moved.
    this.live.put(d, this.dropsPending);
    this.dropsPending = 0;
    if (this.dropsReading) return;
    const host = hostRcvbufErrors();
    if (host !== null && host === this.hostDrops) return;
    this.hostDrops = host;
    this.dropsReading = true;
    void socketDropsAsync(this.pool.boundPorts()).then((now) => {
      this.dropsReading = false;
      if (now === null) return;
      // A port newly bound may bring an earlier socket's count: never a negative delta.
      if (now > this.dropsRead) this.dropsPending += now - this.dropsRead;
      this.dropsRead = now;
    }, () => { this.dropsReading = false; });
  }

  /** Datagrams the kernel dropped on this pool's sockets since they were bound (null off Linux). */
  socketDrops(): number | null {
    const now = socketDrops(this.pool.boundPorts());
    return now === null ? null : now - this.dropsAtOpen;
  }

  /** The pool's figures for summary.media.ports. */
  portTotals(): MediaPortTotals {
    const p = this.pool.stats();
    return {
      pairs: p.pairs, skippedPorts: p.skippedPorts, strayPackets: p.strayPackets, socketErrors: p.socketErrors,
      shortfalls: p.shortfall === null ? [] : [p.shortfall],
    };
  }

  async close(): Promise<void> {
    this.schedule.stop();
    await this.pool.close();
  }

}

/** MOS-CQE and MOS-LQE of a call that received media (null for one without). */
function scored(s: MediaSummary, ptimeMs: number): CallMediaSummary {
  if (s.lossRatio === null) return { ...s, mosCqe: null, mosLqe: null };
  // The round trip RTCP measured for this call, else the assumed one (printed with the result).
  const e = scoreStream(s.lossRatio * 100, s.rttMs, ptimeMs);
  return { ...s, mosCqe: e.mosCqe, mosLqe: e.mosLqe };
}
