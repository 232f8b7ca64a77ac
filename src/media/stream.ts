/**
 * One call's RTP, both ways, on the port pair it holds: frames from a source sent on the
 * worker's send schedule (or, for an echo, each valid packet sent straight back), every packet
 * received validated (RFC 3550 A.1) and measured, and at the end one summary of the call's
 * media. Symmetric RTP: once valid RTP arrives from an address other than the SDP's, packets go
 * there (a NAT or a media relay that answers from elsewhere).
 *
 * Outgoing packets are built in a small ring of buffers per stream: dgram usually sends at once,
 * but may queue a send and keep its buffer, so a buffer is reused only a ring's worth of
 * packets (160 ms at 20 ms) later.
 */
import type { RemoteInfo } from 'node:dgram';
import type { PortPair } from './ports.js';
import type { NegotiatedMedia } from './sdp/answer.js';
import type { PayloadSource } from './source.js';
import { MARKER_BYTES, readMarker, writeMarker } from './source.js';
import type { Scheduled, SendSchedule } from './send-schedule.js';
import {
  RTP_HEADER_BYTES, RtcpCompound, RtcpStatus, RtpStatus, RtpView, decodeRtp, isRtcp, parseRtcp, payloadTypeSet, rtcpIntervalMs,
  writeRtcpCompound, writeRtpHeader, type ReportBlock, type SenderInfo,
} from './rtp/packet.js';
import { PacketVerdict, RtpReceiverStats, RtpSenderStats, ntpMiddle32FromUnixMs, rttMsFromReportBlock } from './quality/receiver.js';

const RING = 8;
/** RTCP bandwidth for the interval rule: 5 % of a G.711 session (RFC 3550 §6.2), and a typical compound's size. */
const RTCP_BYTES_PER_SEC = 400;
const RTCP_AVG_BYTES = 80;
const CNAME = Buffer.from('callcert', 'latin1');

export interface StreamOptions {
  pair: PortPair;
  media: NegotiatedMedia;
  /** Frames to send, or 'echo' to send back what arrives; null sends nothing. */
  send: PayloadSource | 'echo' | null;
  /** Our per-call marker tag, written into what we send (null: no marker). */
  markerTag: number | null;
  schedule: SendSchedule<MediaStream>;
  /** Monotonic ms (performance.now() scale). */
  now: () => number;
  /** Uniform [0, 1): SSRC, sequence and timestamp bases (RFC 3550 §5.1 wants them random). */
  random: () => number;
}

export interface MediaSummary {
  codec: string;
  packetsSent: number;
  packetsReceived: number;
  /** RFC 3550 A.3: expected, and distinct packets lost (duplicates cannot offset them). */
  expectedPackets: number;
  lostPackets: number;
  /** Distinct packets lost / expected (0–1); null when nothing was expected. */
  lossRatio: number | null;
  jitterMs: number;
  maxGapMs: number | null;
  /** From start() (the answer) to the first valid packet; null when none came. */
  firstMediaMs: number | null;
  /** Packets that failed RFC 3550 validation, and RTCP seen on the RTP port. */
  invalidPackets: number;
  /** Received payloads carrying our marker, another call's marker, or none. */
  markerOwn: number;
  markerOther: number;
  /** RTCP compounds sent and received (valid ones), and the last round trip they gave (RFC 3550 §6.4.1); null: none. */
  rtcpSent: number;
  rtcpReceived: number;
  rttMs: number | null;
  /** The peer's RTCP BYE for the stream we received arrived (RFC 3550 §6.3.7: it left). */
  rtcpByeReceived: boolean;
  /** Packets the schedule skipped after a stall (counted in packetsSent's numbering, never sent). */
  sendSkipped: number;
  /** Where RTP went at the end: the SDP's address, or the one the peer's RTP came from. */
  remote: string;
  latched: boolean;
}

export class MediaStream {
  readonly receiver: RtpReceiverStats;
  readonly sender: RtpSenderStats;
  private readonly view = new RtpView();
  private readonly pts: ReturnType<typeof payloadTypeSet>;
  private readonly ring: Buffer[];
  private readonly ssrc: number;
  private readonly seqBase: number;
  private readonly tsBase: number;
  private readonly samplesPerFrame: number;
  readonly ptimeMs: number;
  private entry: Scheduled<MediaStream> | null = null;
  private remoteAddress: string;
  private remotePort: number;
  private latched = false;
  private startedAt = Number.NaN;
  private firstMediaAt = Number.NaN;
  private invalid = 0;
  private markerOwn = 0;
  private markerOther = 0;
  // RTCP: reused parse and report records; where reports go (latched like RTP); when the next is due.
  private readonly rtcp = new RtcpCompound();
  private readonly block: ReportBlock = { ssrc: 0, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 };
  private readonly senderInfo: SenderInfo = { ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0 };
  private rtcpAddress: string;
  private rtcpPort: number;
  private nextRtcpAt = Number.NaN;
  private rtcpSent = 0;
  private rtcpReceived = 0;
  private rttMs: number | null = null;
  private byeReceived = false;
  private stopped = false;

  constructor(private readonly o: StreamOptions) {
    const { media } = o;
    this.receiver = new RtpReceiverStats({ clockRateHz: media.codec.clockRateHz });
    this.sender = new RtpSenderStats(media.codec.clockRateHz);
    const pts = [media.codec.pt];
    if (media.telephoneEventPt !== null) pts.push(media.telephoneEventPt);
    this.pts = payloadTypeSet(pts);
    this.remoteAddress = media.remoteAddress;
    this.remotePort = media.remoteRtpPort;
    this.ssrc = Math.floor(o.random() * 0x1_0000_0000) >>> 0;
    this.seqBase = Math.floor(o.random() * 0x10000);
    this.tsBase = Math.floor(o.random() * 0x1_0000_0000) >>> 0;
    const frameBytes = o.send !== null && o.send !== 'echo' ? o.send.frameBytes : 0;
    // What we send is the source's frames (G.711: a byte per sample), whatever a=ptime asked for.
    this.samplesPerFrame = frameBytes > 0 ? frameBytes : (media.codec.clockRateHz * media.ptimeMs) / 1000;
    this.ptimeMs = (this.samplesPerFrame * 1000) / media.codec.clockRateHz;
    this.ring = Array.from({ length: o.send === 'echo' ? 0 : RING }, () => Buffer.alloc(RTP_HEADER_BYTES + frameBytes));
    this.rtcpAddress = media.rtcpMux ? media.remoteAddress : media.remoteRtcpAddress;
    this.rtcpPort = media.rtcpMux ? media.remoteRtpPort : media.remoteRtcpPort;
    o.pair.onRtp = (packet, from) => this.receive(packet, from);
    o.pair.onRtcp = (packet, from) => this.receiveRtcp(packet, from);
  }

  /** The round trip of the last RTCP report that gave one (RFC 3550 §6.4.1), or null. */
  get lastRttMs(): number | null {
    return this.rttMs;
  }

  /** Starts sending (if this side sends) and times first media from now. */
  start(): void {
    this.startedAt = this.o.now();
    const sends = this.o.media.direction === 'sendrecv' || this.o.media.direction === 'sendonly';
    if (sends && this.o.send !== null && this.o.send !== 'echo' && this.entry === null) this.entry = this.o.schedule.add(this, this.startedAt);
    this.nextRtcpAt = this.startedAt + this.rtcpInterval(true);
  }

  private rtcpInterval(initial: boolean): number {
    return rtcpIntervalMs({
      members: 2, senders: 2, rtcpBandwidthBytesPerSec: RTCP_BYTES_PER_SEC, weSent: true, avgRtcpBytes: RTCP_AVG_BYTES,
      initial, random: this.o.random,
    });
  }

  /** The schedule's callback: packet n, due at dueAt. */
  sendPacket(n: number, dueAt: number): void {
    const src = this.o.send as PayloadSource;
    const buf = this.ring[n % RING];
    const ts = (this.tsBase + n * this.samplesPerFrame) >>> 0;
    // Sequence numbers count packets sent (a stall's skipped packets leave no gap, RFC 3550 §5.1:
    // only the timestamp jumps); timestamps follow the packet's due time.
    writeRtpHeader(buf, 0, this.o.media.codec.pt, this.seqBase + this.sender.packetCount, ts, this.ssrc, n === 0);
    src.write(n, buf, RTP_HEADER_BYTES);
    if (this.o.markerTag !== null) writeMarker(buf, RTP_HEADER_BYTES, this.o.markerTag);
    // No callback: with one, dgram queues a nextTick per packet; a failed send is the socket's error event (ports.ts counts it).
    this.o.pair.rtp.send(buf, this.remotePort, this.remoteAddress);
    this.sender.onSent(src.frameBytes, ts, dueAt);
    // RTCP rides on the send schedule: no timer of its own (RFC 3550 §6.3.1's randomised interval).
    if (dueAt >= this.nextRtcpAt) {
      this.sendReport(dueAt);
      this.nextRtcpAt = dueAt + this.rtcpInterval(false);
    }
  }

  /** A compound SR (we sent RTP) or RR, with a block about what we receive, and our CNAME. */
  private sendReport(now: number, bye = false): void {
    const socket = this.o.media.rtcpMux ? this.o.pair.rtp : this.o.pair.rtcp;
    if (socket === null || this.rtcpPort === 0) return;
    const hasBlock = this.receiver.fillReportBlock(this.block, now);
    const sent = this.sender.packetCount > 0;
    if (sent) this.sender.fillSenderInfo(this.senderInfo, now, Date.now());
    const spec = { ssrc: this.ssrc, sender: sent ? this.senderInfo : null, block: hasBlock ? this.block : null, cname: CNAME, bye };
    // Reports are rare (every ~5 s): a buffer per report, so a queued send never sees it change.
    const buf = Buffer.allocUnsafe(128);
    const len = writeRtcpCompound(buf, 0, spec);
    socket.send(buf.subarray(0, len), this.rtcpPort, this.rtcpAddress);
    this.rtcpSent++;
  }

  private receiveRtcp(packet: Buffer, from: RemoteInfo): void {
    const now = this.o.now();
    const rc = this.rtcp;
    if (parseRtcp(packet, 0, packet.length, rc) !== RtcpStatus.OK) {
      this.invalid++;
      return;
    }
    this.rtcpReceived++;
    if (!this.o.media.rtcpMux && (from.port !== this.rtcpPort || from.address !== this.rtcpAddress)) {
      this.rtcpAddress = from.address;
      this.rtcpPort = from.port;
    }
    if (rc.hasSenderReport) this.receiver.onSenderReport(rc.reporterSsrc, rc.ntpSeconds, rc.ntpFraction, now);
    for (let i = 0; i < rc.blockCount; i++) {
      const b = rc.blocks[i];
      if (b.ssrc !== this.ssrc) continue;
      const rtt = rttMsFromReportBlock(b.lsr, b.dlsr, ntpMiddle32FromUnixMs(Date.now()));
      if (Number.isFinite(rtt) && rtt >= 0) this.rttMs = rtt;
    }
    // An echo sends no RTP of its own schedule: it answers each SR with its report, so the far end gets its round trip.
    if (rc.bye && rc.byeSsrc === this.receiver.sourceSsrc) this.byeReceived = true;
    // A leaving peer's last report gets no answer: it would land on a released pair.
    if (this.o.send === 'echo' && rc.hasSenderReport && !rc.bye) this.sendReport(now);
  }

  private receive(packet: Buffer, from: RemoteInfo): void {
    if (this.o.media.rtcpMux && isRtcp(packet, 0, packet.length)) return this.receiveRtcp(packet, from);
    const now = this.o.now();
    if (decodeRtp(packet, 0, packet.length, this.view, this.pts) !== RtpStatus.OK) {
      this.invalid++;
      return;
    }
    const v = this.view;
    const verdict = this.receiver.onPacket(v.sequenceNumber, v.timestamp, v.ssrc, now, v.payloadBytes);
    if (Number.isNaN(this.firstMediaAt)) this.firstMediaAt = now;
    // Symmetric RTP follows the validated source (A.1: past probation, next in sequence), not any
    // datagram that parses: one stray or spoofed packet of another SSRC, or a copy of one already
    // received, would otherwise take the call's media away to its sender.
    if (verdict === PacketVerdict.ACCEPTED && (from.port !== this.remotePort || from.address !== this.remoteAddress)) {
      this.remoteAddress = from.address;
      this.remotePort = from.port;
      this.latched = true;
    }
    if (v.payloadBytes >= MARKER_BYTES) {
      const tag = readMarker(packet, v.payloadOffset, v.payloadBytes);
      if (tag >= 0) {
        if (tag === this.o.markerTag) this.markerOwn++;
        else this.markerOther++;
      }
    }
    if (this.o.send === 'echo' && this.o.media.direction !== 'recvonly' && this.o.media.direction !== 'inactive') this.echo(packet, now);
  }

  /**
   * Sends a received packet back bit-exact but for its SSRC (ours): sequence numbers and
   * timestamps are the caller's, so what the caller measures is the round trip — a packet lost
   * on the way in shows as lost as surely as one lost on the way back. The datagram's buffer is
   * ours alone (dgram allocates one per message): it is reused in place.
   */
  private echo(packet: Buffer, now: number): void {
    packet.writeUInt32BE(this.ssrc, 8);
    this.o.pair.rtp.send(packet, this.remotePort, this.remoteAddress);
    this.sender.onSent(this.view.payloadBytes, this.view.timestamp, now);
  }

  private firstMediaMs(): number | null {
    if (Number.isNaN(this.firstMediaAt) || Number.isNaN(this.startedAt)) return null;
    return Math.max(0, this.firstMediaAt - this.startedAt);
  }

  /** Stops sending and receiving; the pair may be released after this. */
  stop(): MediaSummary {
    if (this.entry !== null) this.o.schedule.remove(this.entry);
    // RFC 3550 §6.3.7: a participant leaving sends a BYE (with its last report) — once, and only if it got going.
    if (!this.stopped && !Number.isNaN(this.startedAt)) this.sendReport(this.o.now(), true);
    this.stopped = true;
    this.o.pair.onRtp = () => {};
    this.o.pair.onRtcp = () => {};
    const r = this.receiver.summary();
    const skipped = this.entry?.skipped ?? 0;
    this.entry = null;
    const expected = r.expected;
    return {
      codec: this.o.media.codec.encodingName,
      packetsSent: this.sender.packetCount,
      packetsReceived: r.packetsReceived,
      expectedPackets: expected,
      lostPackets: r.lostPackets,
      lossRatio: expected > 0 ? r.lostPackets / expected : null,
      jitterMs: r.jitterMs,
      maxGapMs: r.maxGapMs,
      firstMediaMs: this.firstMediaMs(),
      invalidPackets: this.invalid,
      markerOwn: this.markerOwn,
      markerOther: this.markerOther,
      rtcpSent: this.rtcpSent,
      rtcpReceived: this.rtcpReceived,
      rttMs: this.rttMs,
      rtcpByeReceived: this.byeReceived,
      sendSkipped: skipped,
      remote: `${this.remoteAddress}:${this.remotePort}`,
      latched: this.latched,
    };
  }
}
