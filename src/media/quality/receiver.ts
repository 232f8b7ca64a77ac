/**
 * Per-stream RTP reception statistics (RFC 3550 Appendix A), the sender's counters for SRs,
 * and the NTP-time arithmetic behind LSR/DLSR and round-trip time (§4, §6.4.1).
 *
 * One RtpReceiverStats per received stream (one per call leg): onPacket is O(1) and allocates
 * nothing; its state is numbers and one small bitmap allocated in the constructor.
 *
 * Algorithms, as the RFC gives them:
 * - A.1 source validation: a source counts once MIN_SEQUENTIAL packets arrived in sequence
 *   (probation); a jump of MAX_DROPOUT or more is accepted only when the next packet follows it
 *   (resync, "the other side restarted"); up to MAX_MISORDER behind is a late or duplicate packet.
 * - A.3 expected = extended highest − base + 1, cumulative lost = expected − received, where
 *   received includes duplicates (so lost may be negative), fraction lost per report interval.
 * - A.8 interarrival jitter J += (|D| − J)/16 in timestamp units, over every packet A.1 accepts,
 *   in order of arrival (§6.4.1: "not necessarily in sequence").
 *
 * Beyond the RFC, for a load test's verdict: duplicates and reordered packets told apart by a
 * bitmap of recently seen sequence numbers; loss of distinct packets (lostPackets, which
 * duplicates cannot hide); the largest gap between arrivals; first and last arrival times; and
 * per-call totals that survive an SSRC change or a resync (each closes an "epoch" whose counts are
 * kept, while the RFC's per-source state — what RR blocks carry — starts again, as §6.4.1 asks:
 * "Receivers SHOULD NOT carry over statistics when a source changes its SSRC identifier").
 */
import { clampCumulativeLost, type ReportBlock, type SenderInfo } from '../rtp/packet.js';

const RTP_SEQ_MOD = 0x10000;

export interface ReceiverOptions {
  /** RTP clock of the payload format, e.g. 8000 for G.711 (RFC 3551). */
  clockRateHz: number;
  /** A.1 MIN_SEQUENTIAL: in-sequence packets before a source counts (default 2; 0 and 1 both accept at once). */
  minSequential?: number;
  /** A.1 MAX_DROPOUT: the largest forward jump taken as loss rather than a restart (default 3000). */
  maxDropout?: number;
  /** A.1 MAX_MISORDER: how far behind a packet may be and still count as late (default 100). */
  maxMisorder?: number;
}

/** What onPacket did with a packet. The first three are counted in A.3's `received`. */
export const PacketVerdict = {
  /** In sequence or after a gap: counted. */
  ACCEPTED: 0,
  /** A sequence number already received (RFC 3550 counts it: lost goes down by one). */
  DUPLICATE: 1,
  /** Arrived after a higher sequence number, first copy: counted, not lost after all. */
  REORDERED: 2,
  /** The source is not valid yet (A.1 probation): not counted. */
  PROBATION: 3,
  /** A jump ≥ MAX_DROPOUT not (yet) confirmed by its successor: not counted. */
  BAD_SEQUENCE: 4,
  /** From another SSRC still on probation: not counted (it replaces the source once it passes). */
  OTHER_SSRC: 5,
} as const;
export type PacketVerdict = (typeof PacketVerdict)[keyof typeof PacketVerdict];

/** One interval of a stream (a second of the run's timeline), from snapshot(). Reuse one instance. */
export class ReceiverInterval {
  /** Every packet handed to onPacket, counted or not, and their payload bytes. */
  packetsReceived = 0;
  payloadBytesReceived = 0;
  /** A.3 expected and received (duplicates included) over the interval, across SSRC epochs. */
  expected = 0;
  packetsAccepted = 0;
  duplicates = 0;
  reordered = 0;
  /**
   * Change of the distinct-loss count (expected − distinct packets received) over the interval.
   * Negative when late packets filled gaps counted as lost before; intervals sum to the call's
   * lostPackets.
   */
  lost = 0;
  /** max(0, lost) / expected × 100; 0 when nothing was expected. */
  lossPercent = 0;
  /** A.8 jitter at the end of the interval, and the highest value it reached during it. */
  jitterMs = 0;
  jitterMaxMs = 0;
  /** Largest gap between consecutive arrivals that ended in the interval (0 if none did). */
  maxGapMs = 0;
  /** Time from the last arrival to the snapshot; NaN before the first packet. */
  sinceLastPacketMs = Number.NaN;
}

/** A stream's totals at the end of a call: plain data, JSON-ready (null where there is none). */
export interface ReceiverSummary {
  clockRateHz: number;
  /** The source at the end, or null if none ever passed probation. */
  ssrc: number | null;
  /** Times another SSRC passed probation and replaced the source. */
  ssrcChanges: number;
  /** A.1 resyncs: a confirmed jump ≥ MAX_DROPOUT (the RFC resets loss statistics there; totals here keep the epochs). */
  resyncs: number;
  packetsReceived: number;
  payloadBytesReceived: number;
  /** Counted by A.3 (duplicates included) … */
  packetsAccepted: number;
  /** … and not counted: probation, unconfirmed jumps, another SSRC on probation. */
  probationPackets: number;
  badSequencePackets: number;
  otherSsrcPackets: number;
  /** A.3 over all epochs: expected, and expected − received (negative with duplicates). */
  expected: number;
  cumulativeLost: number;
  /** Expected − distinct packets received (≥ 0): the loss duplicates cannot offset. */
  lostPackets: number;
  /** lostPackets / expected × 100, null when nothing was expected. */
  lossPercent: number | null;
  duplicates: number;
  reordered: number;
  /** A.8 jitter at the end (current source) and its maximum over the call, in ms. */
  jitterMs: number;
  jitterMaxMs: number;
  /** Largest gap between consecutive arrivals; null with fewer than two packets. */
  maxGapMs: number | null;
  /** performance.now()-scale times of the first and last packet (first media after answer). */
  firstArrivalMs: number | null;
  lastArrivalMs: number | null;
  /** Extended highest sequence number of the current source (what an RR would carry). */
  extendedHighestSeq: number | null;
}

function optionInt(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min || x > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${x}`);
  return x;
}

export class RtpReceiverStats {
  readonly clockRateHz: number;
  private readonly tsPerMs: number;
  private readonly minSequential: number;
  private readonly maxDropout: number;
  private readonly maxMisorder: number;

  // The current source's A.1/A.3 state (names as in the RFC's `source` struct).
  private hasSource = false;
  private ssrc = 0;
  private maxSeq = 0;
  /** Shifted count of sequence-number cycles (a multiple of 65536). */
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private received = 0;
  // A.3 priors of the RTCP report interval (fillReportBlock).
  private expectedPrior = 0;
  private receivedPrior = 0;

  // A.8 state of the current source, in timestamp units.
  private hasTransit = false;
  private prevArrivalTs = 0;
  private prevTimestamp = 0;
  private jitter = 0;
  private jitterMax = 0;
  private intervalJitterMax = 0;

  // Probation of a would-be source (the first one, or another SSRC).
  private candidateActive = false;
  private candidateSsrc = 0;
  private candidateNextSeq = 0;
  private candidateCount = 0;

  /** Seen-bits for the last `window` sequence numbers, indexed by seq & windowMask. */
  private readonly seen: Uint32Array;
  private readonly windowMask: number;

  // Epochs closed by an SSRC change or a resync.
  private closedExpected = 0;
  private closedReceived = 0;

  // Counters over the whole stream.
  private packets = 0;
  private payloadBytes = 0;
  private duplicates = 0;
  private reordered = 0;
  private probationPackets = 0;
  private badSequencePackets = 0;
  private otherSsrcPackets = 0;
  private ssrcChanges = 0;
  private resyncs = 0;
  private firstArrivalMs = Number.NaN;
  private lastArrivalMs = Number.NaN;
  private maxGapMs = 0;
  private intervalMaxGapMs = 0;

  // Baseline of the last snapshot().
  private snapPackets = 0;
  private snapBytes = 0;
  private snapExpected = 0;
  private snapAccepted = 0;
  private snapDuplicates = 0;
  private snapReordered = 0;
  private snapLost = 0;

  // The last SR from the current source (LSR/DLSR, §6.4.1).
  private srSsrc = 0;
  private lsr = 0;
  private srArrivalMs = Number.NaN;

  constructor(options: ReceiverOptions) {
    if (!Number.isFinite(options.clockRateHz) || options.clockRateHz <= 0) {
      throw new RangeError(`clockRateHz must be > 0, got ${options.clockRateHz}`);
    }
    this.clockRateHz = options.clockRateHz;
    this.tsPerMs = options.clockRateHz / 1000;
    this.minSequential = Math.max(1, optionInt('minSequential', options.minSequential, 2, 0, 1000));
    this.maxMisorder = optionInt('maxMisorder', options.maxMisorder, 100, 1, 0x8000);
    this.maxDropout = optionInt('maxDropout', options.maxDropout, 3000, 1, RTP_SEQ_MOD - this.maxMisorder - 1);
    // A power of two ≥ MAX_MISORDER that divides 65536, so seq & mask is stable across the wrap.
    let window = 128;
    while (window < this.maxMisorder) window *= 2;
    this.windowMask = window - 1;
    this.seen = new Uint32Array(window / 32);
  }

  /**
   * One received RTP packet: its sequence number, timestamp and SSRC as decoded, its arrival time
   * on a monotonic ms clock (performance.now()), and its payload length. O(1), no allocation.
   */
  onPacket(seq: number, timestamp: number, ssrc: number, arrivalMs: number, payloadBytes: number): PacketVerdict {
    seq &= 0xffff;
    ssrc >>>= 0;
    this.packets++;
    this.payloadBytes += payloadBytes;
    if (this.packets === 1) this.firstArrivalMs = arrivalMs;
    else {
      const gap = arrivalMs - this.lastArrivalMs;
      if (gap > this.maxGapMs) this.maxGapMs = gap;
      if (gap > this.intervalMaxGapMs) this.intervalMaxGapMs = gap;
    }
    this.lastArrivalMs = arrivalMs;

    if (!this.hasSource || ssrc !== this.ssrc) {
      if (!this.passesProbation(seq, ssrc)) {
        if (this.hasSource) this.otherSsrcPackets++;
        else this.probationPackets++;
        return this.hasSource ? PacketVerdict.OTHER_SSRC : PacketVerdict.PROBATION;
      }
      this.adopt(seq, ssrc);
      this.updateJitter(timestamp, arrivalMs);
      return PacketVerdict.ACCEPTED;
    }

    let verdict: PacketVerdict = PacketVerdict.ACCEPTED;
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (udelta < this.maxDropout) {
      if (udelta === 0) {
        verdict = PacketVerdict.DUPLICATE; // the highest sequence number again
        this.duplicates++;
      } else {
        if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped: another 64K cycle
        this.advanceWindow(udelta);
        this.maxSeq = seq;
      }
    } else if (udelta <= RTP_SEQ_MOD - this.maxMisorder) {
      // A very large jump: a restart if the next packet follows it, else a stray.
      if (seq !== this.badSeq) {
        this.badSeq = (seq + 1) & 0xffff;
        this.badSequencePackets++;
        return PacketVerdict.BAD_SEQUENCE;
      }
      this.closeEpoch();
      this.initSeq(seq);
      this.resyncs++;
      this.hasTransit = false; // the timestamps restarted too: no D across the jump
    } else {
      // Up to MAX_MISORDER behind: a duplicate if its bit is set, else late.
      const word = (seq & this.windowMask) >>> 5;
      const bit = 1 << (seq & 31);
      if ((this.seen[word] & bit) !== 0) {
        verdict = PacketVerdict.DUPLICATE;
        this.duplicates++;
      } else {
        this.seen[word] |= bit;
        verdict = PacketVerdict.REORDERED;
        this.reordered++;
      }
    }
    this.received++;
    this.updateJitter(timestamp, arrivalMs);
    return verdict;
  }

  /** A.1 probation for a packet not from the current source; true when it completes. */
  private passesProbation(seq: number, ssrc: number): boolean {
    if (this.candidateActive && ssrc === this.candidateSsrc && seq === this.candidateNextSeq) this.candidateCount++;
    else {
      // Out of sequence restarts probation with this packet as the first (A.1 `probation = MIN_SEQUENTIAL - 1`).
      this.candidateActive = true;
      this.candidateSsrc = ssrc;
      this.candidateCount = 1;
    }
    this.candidateNextSeq = (seq + 1) & 0xffff;
    if (this.candidateCount < this.minSequential) return false;
    this.candidateActive = false;
    return true;
  }

  /** The candidate passed: it becomes the source, starting at this packet (A.1: init_seq, received = 1). */
  private adopt(seq: number, ssrc: number): void {
    if (this.hasSource) {
      this.closeEpoch();
      this.ssrcChanges++;
    }
    this.hasSource = true;
    this.ssrc = ssrc;
    this.initSeq(seq);
    this.received = 1;
    // A new source: new A.8 state; its SRs are not the old source's.
    this.hasTransit = false;
    this.jitter = 0;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1; // so seq === badSeq is false
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
    this.seen.fill(0);
    this.seen[(seq & this.windowMask) >>> 5] |= 1 << (seq & 31);
  }

  /** maxSeq moves ahead by udelta: forget the slots it reuses, mark the new highest seen. */
  private advanceWindow(udelta: number): void {
    const seen = this.seen;
    const mask = this.windowMask;
    if (udelta > mask) seen.fill(0);
    else {
      for (let k = 1; k < udelta; k++) {
        const s = (this.maxSeq + k) & mask;
        seen[s >>> 5] &= ~(1 << (s & 31));
      }
    }
    const s = (this.maxSeq + udelta) & mask;
    seen[s >>> 5] |= 1 << (s & 31);
  }

  private closeEpoch(): void {
    this.closedExpected += this.sourceExpected();
    this.closedReceived += this.received;
  }

  /** A.8, with the timestamp difference taken modulo 2^32 so the RTP timestamp may wrap. */
  private updateJitter(timestamp: number, arrivalMs: number): void {
    const arrivalTs = arrivalMs * this.tsPerMs;
    if (this.hasTransit) {
      let d = arrivalTs - this.prevArrivalTs - ((timestamp - this.prevTimestamp) | 0);
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
      if (this.jitter > this.jitterMax) this.jitterMax = this.jitter;
      if (this.jitter > this.intervalJitterMax) this.intervalJitterMax = this.jitter;
    }
    this.hasTransit = true;
    this.prevArrivalTs = arrivalTs;
    this.prevTimestamp = timestamp >>> 0;
  }

  /** A.3 expected of the current source (0 before one is valid). */
  private sourceExpected(): number {
    return this.hasSource ? this.cycles + this.maxSeq - this.baseSeq + 1 : 0;
  }

  private totalExpected(): number {
    return this.closedExpected + this.sourceExpected();
  }

  private totalReceived(): number {
    return this.closedReceived + this.received;
  }

  /** Expected − distinct packets received, over all epochs (duplicates never offset a loss here). */
  private lostDistinct(): number {
    return Math.max(0, this.totalExpected() - (this.totalReceived() - this.duplicates));
  }

  /** Current A.8 jitter in ms (0 before two packets of the source). */
  get jitterMs(): number {
    return this.jitter / this.tsPerMs;
  }

  /** A.3 cumulative lost over all epochs (may be negative with duplicates). */
  get cumulativeLost(): number {
    return this.totalExpected() - this.totalReceived();
  }

  /**
   * Packets of the current source counted since the last fillReportBlock: §6.4.1 issues no block
   * for a source nothing was received from during the interval.
   */
  get receivedSinceReport(): number {
    return this.hasSource ? this.received - this.receivedPrior : 0;
  }

  /** The current source's SSRC, or null. */
  get sourceSsrc(): number | null {
    return this.hasSource ? this.ssrc : null;
  }

  /**
   * An SR arrived (§6.4.1): remember the middle 32 bits of its NTP timestamp and when it came,
   * for the LSR and DLSR of our next report block. `arrivalMs` is on onPacket's clock.
   */
  onSenderReport(ssrc: number, ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.srSsrc = ssrc >>> 0;
    this.lsr = ntpMiddle32(ntpSeconds, ntpFraction);
    this.srArrivalMs = arrivalMs;
  }

  /**
   * The reception report block for the current source, as of `nowMs` (when the report is sent):
   * A.3 fraction lost since the previous call (which starts the next report interval), cumulative
   * lost clamped to 24 bits, extended highest sequence number, jitter in timestamp units, and
   * LSR/DLSR when an SR from this source was received. False (and `out` untouched) with no source.
   */
  fillReportBlock(out: ReportBlock, nowMs: number): boolean {
    if (!this.hasSource) return false;
    const expected = this.sourceExpected();
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    out.ssrc = this.ssrc;
    out.fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    out.cumulativeLost = clampCumulativeLost(expected - this.received);
    out.extendedHighestSeq = (this.cycles + this.maxSeq) >>> 0;
    out.jitter = Math.min(0xffffffff, Math.floor(this.jitter));
    if (this.srSsrc === this.ssrc && this.lsr !== 0 && !Number.isNaN(this.srArrivalMs)) {
      out.lsr = this.lsr;
      out.dlsr = Math.min(0xffffffff, Math.max(0, Math.round((nowMs - this.srArrivalMs) * 65.536))); // 1/65536 s
    } else {
      out.lsr = 0;
      out.dlsr = 0;
    }
    return true;
  }

  /** The interval since the previous snapshot (independent of fillReportBlock's), into `out`. */
  snapshot(out: ReceiverInterval, nowMs: number): ReceiverInterval {
    const expected = this.totalExpected();
    const accepted = this.totalReceived();
    const lost = this.lostDistinct();
    out.packetsReceived = this.packets - this.snapPackets;
    out.payloadBytesReceived = this.payloadBytes - this.snapBytes;
    out.expected = expected - this.snapExpected;
    out.packetsAccepted = accepted - this.snapAccepted;
    out.duplicates = this.duplicates - this.snapDuplicates;
    out.reordered = this.reordered - this.snapReordered;
    out.lost = lost - this.snapLost;
    out.lossPercent = out.expected > 0 ? (Math.max(0, out.lost) / out.expected) * 100 : 0;
    out.jitterMs = this.jitter / this.tsPerMs;
    out.jitterMaxMs = this.intervalJitterMax / this.tsPerMs;
    out.maxGapMs = this.intervalMaxGapMs;
    out.sinceLastPacketMs = this.packets > 0 ? nowMs - this.lastArrivalMs : Number.NaN;
    this.snapPackets = this.packets;
    this.snapBytes = this.payloadBytes;
    this.snapExpected = expected;
    this.snapAccepted = accepted;
    this.snapDuplicates = this.duplicates;
    this.snapReordered = this.reordered;
    this.snapLost = lost;
    this.intervalJitterMax = this.jitter;
    this.intervalMaxGapMs = 0;
    return out;
  }

  summary(): ReceiverSummary {
    const expected = this.totalExpected();
    const lost = this.lostDistinct();
    return {
      clockRateHz: this.clockRateHz,
      ssrc: this.hasSource ? this.ssrc : null,
      ssrcChanges: this.ssrcChanges,
      resyncs: this.resyncs,
      packetsReceived: this.packets,
      payloadBytesReceived: this.payloadBytes,
      packetsAccepted: this.totalReceived(),
      probationPackets: this.probationPackets,
      badSequencePackets: this.badSequencePackets,
      otherSsrcPackets: this.otherSsrcPackets,
      expected,
      cumulativeLost: expected - this.totalReceived(),
      lostPackets: lost,
      lossPercent: expected > 0 ? (lost / expected) * 100 : null,
      duplicates: this.duplicates,
      reordered: this.reordered,
      jitterMs: this.jitter / this.tsPerMs,
      jitterMaxMs: this.jitterMax / this.tsPerMs,
      maxGapMs: this.packets >= 2 ? this.maxGapMs : null,
      firstArrivalMs: this.packets > 0 ? this.firstArrivalMs : null,
      lastArrivalMs: this.packets > 0 ? this.lastArrivalMs : null,
      extendedHighestSeq: this.hasSource ? (this.cycles + this.maxSeq) >>> 0 : null,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Sender side

/** What an SR's sender-information section needs (§6.4.1): counts since the SSRC started. */
export class RtpSenderStats {
  readonly clockRateHz: number;
  /** RTP packets and payload octets sent (header and padding excluded), mod 2^32 on the wire. */
  packetCount = 0;
  octetCount = 0;
  /** RTP timestamp of the last packet sent and when (onPacket's monotonic ms clock). */
  lastRtpTimestamp = 0;
  lastSentMs = Number.NaN;

  constructor(clockRateHz: number) {
    if (!Number.isFinite(clockRateHz) || clockRateHz <= 0) throw new RangeError(`clockRateHz must be > 0, got ${clockRateHz}`);
    this.clockRateHz = clockRateHz;
  }

  onSent(payloadBytes: number, rtpTimestamp: number, sentMs: number): void {
    this.packetCount++;
    this.octetCount += payloadBytes;
    this.lastRtpTimestamp = rtpTimestamp >>> 0;
    this.lastSentMs = sentMs;
  }

  /** §6.4.1: "The count SHOULD be reset if the sender changes its SSRC identifier." */
  reset(): void {
    this.packetCount = 0;
    this.octetCount = 0;
    this.lastRtpTimestamp = 0;
    this.lastSentMs = Number.NaN;
  }

  /**
   * Sender info for an SR sent now: NTP time from `wallClockMs` (Unix epoch ms), and the RTP
   * timestamp of the same instant, extrapolated from the last packet sent at the clock rate
   * (§6.4.1: not the last packet's timestamp, but "the same time as the NTP timestamp").
   */
  fillSenderInfo(out: SenderInfo, nowMs: number, wallClockMs: number): SenderInfo {
    out.ntpSeconds = ntpSecondsFromUnixMs(wallClockMs);
    out.ntpFraction = ntpFractionFromUnixMs(wallClockMs);
    const elapsedTs = Number.isNaN(this.lastSentMs) ? 0 : Math.round(((nowMs - this.lastSentMs) * this.clockRateHz) / 1000);
    out.rtpTimestamp = (this.lastRtpTimestamp + elapsedTs) >>> 0;
    out.packetCount = this.packetCount >>> 0;
    out.octetCount = this.octetCount >>> 0;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// NTP time (§4) and round-trip time (§6.4.1)

/** Seconds from 1900-01-01 (NTP's epoch) to 1970-01-01 (Unix's). */
export const NTP_UNIX_EPOCH_OFFSET_S = 2208988800;

/** Seconds part of the 64-bit NTP timestamp for a Unix-epoch time in ms (mod 2^32: era 0 until 2036). */
export function ntpSecondsFromUnixMs(unixMs: number): number {
  return (Math.floor(unixMs / 1000) + NTP_UNIX_EPOCH_OFFSET_S) >>> 0;
}

/** Fraction part of the 64-bit NTP timestamp: the sub-second remainder in units of 2^-32 s. */
export function ntpFractionFromUnixMs(unixMs: number): number {
  const remMs = unixMs - Math.floor(unixMs / 1000) * 1000;
  return Math.min(0xffffffff, Math.floor(remMs * 4294967.296)); // 2^32 / 1000
}

/** The middle 32 bits of a 64-bit NTP timestamp (16.16 fixed point seconds): LSR, and RTT's A. */
export function ntpMiddle32(ntpSeconds: number, ntpFraction: number): number {
  return (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
}

export function ntpMiddle32FromUnixMs(unixMs: number): number {
  return ntpMiddle32(ntpSecondsFromUnixMs(unixMs), ntpFractionFromUnixMs(unixMs));
}

/** Unix-epoch ms of a 64-bit NTP timestamp; seconds below 2^31 are read as era 1 (after 2036, RFC 5905 §6). */
export function unixMsFromNtp(ntpSeconds: number, ntpFraction: number): number {
  const s = ntpSeconds >>> 0;
  const eraSeconds = s < 0x80000000 ? s + 0x100000000 : s;
  return (eraSeconds - NTP_UNIX_EPOCH_OFFSET_S) * 1000 + (ntpFraction >>> 0) / 4294967.296;
}

/**
 * Round-trip time from a report block about our stream (§6.4.1): A − LSR − DLSR, all in NTP
 * short format (1/65536 s) modulo 2^32, A being the block's arrival time. NaN when LSR is 0 (the
 * peer has no SR of ours yet). Clock quantisation can make a sub-millisecond RTT come out a unit
 * or two below zero: negative results read as 0.
 */
export function rttMsFromReportBlock(lsr: number, dlsr: number, arrivalNtpMiddle32: number): number {
  if (lsr >>> 0 === 0) return Number.NaN;
  const units = (arrivalNtpMiddle32 - lsr - dlsr) | 0; // signed 32-bit difference
  return units <= 0 ? 0 : units / 65.536;
}
