import { describe, expect, it } from 'vitest';
import {
  ntpFractionFromUnixMs,
  ntpMiddle32,
  ntpMiddle32FromUnixMs,
  ntpSecondsFromUnixMs,
  PacketVerdict,
  ReceiverInterval,
  rttMsFromReportBlock,
  RtpReceiverStats,
  RtpSenderStats,
  unixMsFromNtp,
} from '../../src/media/quality/receiver.js';
import { ReportBlockView, type SenderInfo } from '../../src/media/rtp/packet.js';
import { mulberry32 } from '../../src/util/random.js';

/** G.711/20 ms: 8 kHz clock, 160 samples (and bytes) per packet, one packet every 20 ms. */
const CLOCK = 8000;
const STEP_TS = 160;
const PTIME = 20;

function stats(options: { minSequential?: number } = {}): RtpReceiverStats {
  return new RtpReceiverStats({ clockRateHz: CLOCK, ...options });
}

/** Packet n of a stream that starts at sequence number `seq0`: timestamp and nominal send time follow n. */
function send(s: RtpReceiverStats, seq0: number, n: number, ssrc = 0x1234, delayMs = 0, ts0 = 0): PacketVerdict {
  return s.onPacket((seq0 + n) & 0xffff, (ts0 + n * STEP_TS) >>> 0, ssrc, n * PTIME + delayMs, 160);
}

function block(s: RtpReceiverStats, nowMs = 0): ReportBlockView {
  const b = new ReportBlockView();
  expect(s.fillReportBlock(b, nowMs)).toBe(true);
  return b;
}

describe('RtpReceiverStats: RFC 3550 A.1 / A.3 / A.8 on deterministic streams', () => {
  it('a perfect stream: nothing lost, no jitter', () => {
    const s = stats();
    const verdicts = new Set<number>();
    for (let n = 0; n < 100; n++) verdicts.add(send(s, 1000, n));
    expect(verdicts).toEqual(new Set([PacketVerdict.PROBATION, PacketVerdict.ACCEPTED]));
    const sum = s.summary();
    // The first packet is probation (A.1 MIN_SEQUENTIAL = 2): the source counts from seq 1001,
    // so expected = 1099 − 1001 + 1 = 99 and received = 99.
    expect(sum).toMatchObject({
      ssrc: 0x1234,
      packetsReceived: 100,
      payloadBytesReceived: 100 * 160,
      packetsAccepted: 99,
      probationPackets: 1,
      expected: 99,
      cumulativeLost: 0,
      lostPackets: 0,
      lossPercent: 0,
      duplicates: 0,
      reordered: 0,
      jitterMs: 0,
      jitterMaxMs: 0,
      maxGapMs: 20,
      firstArrivalMs: 0,
      lastArrivalMs: 99 * 20,
      extendedHighestSeq: 1099,
      ssrcChanges: 0,
      resyncs: 0,
    });
    const b = block(s);
    expect({ ...b }).toMatchObject({ ssrc: 0x1234, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 1099, jitter: 0 });
    expect([b.lsr, b.dlsr]).toEqual([0, 0]);
  });

  it('loss of k packets: counted in expected, cumulative lost, the fraction and the gap', () => {
    const s = stats();
    const dropped = new Set([10, 11, 12, 50]);
    for (let n = 0; n < 100; n++) if (!dropped.has(n)) send(s, 0, n);
    const sum = s.summary();
    // Base 1 (seq 0 was probation), highest 99: expected 99; 96 sent − 1 on probation = 95 received.
    expect([sum.expected, sum.packetsAccepted, sum.cumulativeLost, sum.lostPackets]).toEqual([99, 95, 4, 4]);
    expect(sum.lossPercent).toBeCloseTo((4 / 99) * 100, 12); // 4.0404 %
    // seq 9 at 180 ms, next is seq 13 at 260 ms.
    expect(sum.maxGapMs).toBe(80);
    // A.3: fraction = (lost_interval << 8) / expected_interval = 4 × 256 / 99 = 10.34 → 10.
    expect(s.receivedSinceReport).toBe(95);
    const b = block(s);
    expect([b.fractionLost, b.cumulativeLost]).toEqual([10, 4]);
    // The next report covers only what came since: nothing, so fraction 0, cumulative still 4.
    expect(s.receivedSinceReport).toBe(0);
    const b2 = block(s);
    expect([b2.fractionLost, b2.cumulativeLost]).toEqual([0, 4]);
  });

  it('duplicates: RFC loss goes negative, distinct loss stays 0', () => {
    const s = stats();
    for (let n = 0; n < 10; n++) send(s, 0, n);
    expect(s.onPacket(9, 9 * STEP_TS, 0x1234, 200, 160)).toBe(PacketVerdict.DUPLICATE); // the highest again
    expect(s.onPacket(5, 5 * STEP_TS, 0x1234, 210, 160)).toBe(PacketVerdict.DUPLICATE); // an older one
    const sum = s.summary();
    // expected 9 (1..9), received 9 + 2 duplicates = 11: cumulative lost = 9 − 11 = −2 (§6.4.1).
    expect([sum.expected, sum.packetsAccepted, sum.cumulativeLost, sum.lostPackets, sum.duplicates]).toEqual([9, 11, -2, 0, 2]);
    const b = block(s);
    expect([b.fractionLost, b.cumulativeLost]).toEqual([0, -2]); // "If the loss is negative … set to zero"
  });

  it('reordering: a late packet is received, not lost; interval losses sum to the total', () => {
    const s = stats();
    const iv = new ReceiverInterval();
    for (const n of [0, 1, 2, 4]) send(s, 0, n);
    s.snapshot(iv, 80);
    // Seen 1, 2, 4 (0 on probation): expected 4 (1..4), 3 distinct → 1 lost so far.
    expect([iv.expected, iv.packetsAccepted, iv.lost]).toEqual([4, 3, 1]);
    expect(iv.lossPercent).toBe(25);
    expect(s.onPacket(3, 3 * STEP_TS, 0x1234, 85, 160)).toBe(PacketVerdict.REORDERED);
    send(s, 0, 5);
    s.snapshot(iv, 120);
    // seq 3 filled the gap: this interval expected 1 more (5), received 2 → lost −1, no negative percentage.
    expect([iv.expected, iv.packetsAccepted, iv.lost, iv.lossPercent, iv.reordered]).toEqual([1, 2, -1, 0, 1]);
    const sum = s.summary();
    expect([sum.expected, sum.packetsAccepted, sum.cumulativeLost, sum.lostPackets]).toEqual([5, 5, 0, 0]);
    expect([sum.reordered, sum.duplicates]).toEqual([1, 0]);
    // A second copy of the late packet is a duplicate.
    expect(s.onPacket(3, 3 * STEP_TS, 0x1234, 125, 160)).toBe(PacketVerdict.DUPLICATE);
  });

  it('wraps the sequence number at 65535 (A.1 cycles) and the timestamp at 2^32', () => {
    const s = stats();
    const ts0 = 2 ** 32 - 5 * STEP_TS;
    for (let n = 0; n < 20; n++) expect(send(s, 65530, n, 0x1234, 0, ts0)).not.toBe(PacketVerdict.BAD_SEQUENCE);
    const sum = s.summary();
    // 65530 + 19 = 65549 = one cycle (65536) + 13: ext highest 65549; base 65531 → expected 19.
    expect([sum.extendedHighestSeq, sum.expected, sum.packetsAccepted, sum.cumulativeLost]).toEqual([65549, 19, 19, 0]);
    expect(sum.jitterMs).toBe(0); // the timestamp wrapped without a jump in D
    expect(block(s).extendedHighestSeq).toBe(0x0001000d);
  });

  it('jitter: the A.8 recurrence J += (|D| − J)/16, by hand', () => {
    const s = stats();
    // Packet n sent at 20n ms, delayed by these ms: D(i−1, i) = Δdelay × 8 timestamp units.
    const delayMs = [0, 0, 0, 5, 0, 10, 0];
    for (let n = 0; n < delayMs.length; n++) send(s, 0, n, 0x1234, delayMs[n]);
    // n=0 probation; n=1 first of the source: transit baseline, J = 0.
    // n=2: D = 0                        → J = 0
    // n=3: D = 5 × 8 = 40               → J = 0 + (40 − 0)/16 = 2.5
    // n=4: D = |0 − 5| × 8 = 40         → J = 2.5 + (40 − 2.5)/16 = 2.5 + 2.34375 = 4.84375
    // n=5: D = 10 × 8 = 80              → J = 4.84375 + (80 − 4.84375)/16 = 4.84375 + 4.697265625 = 9.541015625
    // n=6: D = |0 − 10| × 8 = 80        → J = 9.541015625 + (80 − 9.541015625)/16
    //                                       = 9.541015625 + 4.4036865234375 = 13.9447021484375
    const j = 13.9447021484375;
    expect(s.jitterMs).toBe(j / 8); // 1.7430877685546875 ms at 8 kHz
    const sum = s.summary();
    expect(sum.jitterMs).toBe(j / 8);
    expect(sum.jitterMaxMs).toBe(j / 8);
    expect(block(s).jitter).toBe(13); // the RR carries the integer part, in timestamp units
    // Gaps: n=4 at 80 after n=3 at 65: 15 ms; n=5 at 110 after 80: 30 ms (the largest); n=6 at 120: 10.
    expect(sum.maxGapMs).toBe(30);
  });

  it('jitter counts packets in order of arrival, not of sequence (§6.4.1)', () => {
    const s = stats();
    for (const n of [0, 1, 3]) send(s, 0, n); // 3 arrives at 60 ms, on time
    s.onPacket(2, 2 * STEP_TS, 0x1234, 61, 160); // 2 arrives 21 ms late, after 3
    // n=3 vs n=1: D = (60 − 20) × 8 − (480 − 160) = 320 − 320 = 0 → J = 0.
    // n=2 vs n=3: D = (61 − 60) × 8 − (320 − 480) = 8 + 160 = 168 → J = 168/16 = 10.5.
    expect(s.jitterMs).toBe(10.5 / 8);
  });

  it('probation (A.1): out-of-sequence packets restart it; MIN_SEQUENTIAL is configurable', () => {
    const s = stats();
    expect(s.onPacket(100, 0, 9, 0, 160)).toBe(PacketVerdict.PROBATION);
    expect(s.onPacket(102, 320, 9, 20, 160)).toBe(PacketVerdict.PROBATION); // not 101: probation restarts at 102
    expect(s.onPacket(103, 480, 9, 40, 160)).toBe(PacketVerdict.ACCEPTED);
    expect(s.summary()).toMatchObject({ probationPackets: 2, packetsAccepted: 1, expected: 1, extendedHighestSeq: 103, ssrc: 9 });
    expect(s.fillReportBlock(new ReportBlockView(), 0)).toBe(true);

    const none = stats();
    expect(none.fillReportBlock(new ReportBlockView(), 0)).toBe(false); // no valid source, no block
    expect(none.summary()).toMatchObject({ ssrc: null, expected: 0, lossPercent: null, maxGapMs: null, firstArrivalMs: null });

    const at1 = stats({ minSequential: 1 });
    expect(at1.onPacket(7, 0, 1, 0, 160)).toBe(PacketVerdict.ACCEPTED);
    const at3 = stats({ minSequential: 3 });
    expect([0, 1, 2].map((n) => send(at3, 0, n))).toEqual([PacketVerdict.PROBATION, PacketVerdict.PROBATION, PacketVerdict.ACCEPTED]);
  });

  it('a new SSRC takes over once it passes probation; the old epoch stays in the totals', () => {
    const s = stats();
    for (let n = 0; n < 10; n++) send(s, 0, n, 0xa, n === 5 ? 5 : 0); // A: seq 0..9, one packet 5 ms late
    expect(s.jitterMs).toBeGreaterThan(0);
    // A stray packet of C in the middle does not switch.
    expect(s.onPacket(777, 0, 0xc, 195, 160)).toBe(PacketVerdict.OTHER_SSRC);
    expect(s.sourceSsrc).toBe(0xa);
    // B: seq 5000.., its own timestamps; the first is on probation, the second switches.
    expect(s.onPacket(5000, 90000, 0xb, 200, 160)).toBe(PacketVerdict.OTHER_SSRC);
    expect(s.onPacket(5001, 90160, 0xb, 220, 160)).toBe(PacketVerdict.ACCEPTED);
    for (let n = 2; n < 10; n++) expect(s.onPacket(5000 + n, 90000 + n * STEP_TS, 0xb, 200 + 20 * n, 160)).toBe(PacketVerdict.ACCEPTED);
    expect(s.onPacket(9, 9 * STEP_TS, 0xa, 400, 160)).toBe(PacketVerdict.OTHER_SSRC); // A is no longer the source
    const sum = s.summary();
    // A: expected 9 (1..9) received 9; B: 5001..5009 expected 9 received 9.
    expect(sum).toMatchObject({ ssrc: 0xb, ssrcChanges: 1, expected: 18, packetsAccepted: 18, cumulativeLost: 0, lostPackets: 0 });
    expect(sum).toMatchObject({ probationPackets: 1, otherSsrcPackets: 3, packetsReceived: 22 }); // A 10 + C 1 + B 10 + A 1
    expect(sum.packetsReceived).toBe(sum.packetsAccepted + sum.probationPackets + sum.badSequencePackets + sum.otherSsrcPackets);
    // B's own statistics: the RR block is about B alone and its jitter restarted at 0 (B is on time).
    const b = block(s);
    expect([b.ssrc, b.extendedHighestSeq, b.cumulativeLost, b.fractionLost, b.jitter]).toEqual([0xb, 5009, 0, 0, 0]);
    expect(sum.jitterMs).toBe(0);
    expect(sum.jitterMaxMs).toBeGreaterThan(0); // A's
  });

  it('resync (A.1): a large jump counts only when its successor confirms it', () => {
    const s = stats();
    for (let n = 0; n < 10; n++) send(s, 0, n);
    // A lone stray jump is dropped and the stream goes on.
    expect(s.onPacket(20000, 0, 0x1234, 195, 160)).toBe(PacketVerdict.BAD_SEQUENCE);
    expect(send(s, 0, 10)).toBe(PacketVerdict.ACCEPTED);
    // A jump followed by its successor: the other side restarted.
    expect(s.onPacket(40000, 7777, 0x1234, 220, 160)).toBe(PacketVerdict.BAD_SEQUENCE);
    expect(s.onPacket(40001, 7777 + 160, 0x1234, 240, 160)).toBe(PacketVerdict.ACCEPTED);
    for (let k = 2; k <= 5; k++) expect(s.onPacket(40000 + k, 7777 + 160 * k, 0x1234, 220 + 20 * k, 160)).toBe(PacketVerdict.ACCEPTED);
    const sum = s.summary();
    // Epoch 1: 1..10, expected 10 received 10. Epoch 2 (A.1 init_seq at 40001): 40001..40005, 5 and 5.
    expect(sum).toMatchObject({ resyncs: 1, badSequencePackets: 2, expected: 15, packetsAccepted: 15, cumulativeLost: 0 });
    expect(sum.extendedHighestSeq).toBe(40005);
    // No D across the restart: the timestamps jumped with it, jitter stays 0.
    expect(sum.jitterMs).toBe(0);
    // The RFC resets the loss statistics: the RR block is about the new epoch only.
    const b = block(s);
    expect([b.extendedHighestSeq, b.cumulativeLost]).toEqual([40005, 0]);
  });

  it('a jump below MAX_DROPOUT is loss, not a restart', () => {
    const s = stats();
    for (let n = 0; n < 10; n++) send(s, 0, n);
    expect(s.onPacket(9 + 2000, (9 + 2000) * STEP_TS, 0x1234, 200, 160)).toBe(PacketVerdict.ACCEPTED);
    const sum = s.summary();
    // expected 1..2009 = 2009, received 10: lost 1999.
    expect([sum.expected, sum.packetsAccepted, sum.cumulativeLost, sum.lostPackets]).toEqual([2009, 10, 1999, 1999]);
    // 1999 × 256 / 2009 = 254.7 → 254.
    expect(block(s).fractionLost).toBe(254);
  });

  it('per-interval snapshots: packets, loss, jitter and gaps of each interval only', () => {
    const s = stats();
    const iv = new ReceiverInterval();
    expect(Number.isNaN(s.snapshot(iv, 0).sinceLastPacketMs)).toBe(true);
    // Second 1: packets 0..49, packet 30 lost. Second 2: 50..99, none lost, then silence.
    for (let n = 0; n < 50; n++) if (n !== 30) send(s, 0, n);
    s.snapshot(iv, 1000);
    // 49 packets arrived; base 1, highest 49: expected 49, accepted 48 (0 on probation), 1 lost.
    expect([iv.packetsReceived, iv.payloadBytesReceived, iv.expected, iv.packetsAccepted, iv.lost]).toEqual([49, 49 * 160, 49, 48, 1]);
    expect(iv.lossPercent).toBeCloseTo(100 / 49, 12);
    expect([iv.maxGapMs, iv.sinceLastPacketMs]).toEqual([40, 1000 - 49 * 20]);
    for (let n = 50; n < 100; n++) send(s, 0, n);
    s.snapshot(iv, 2500);
    expect([iv.packetsReceived, iv.expected, iv.packetsAccepted, iv.lost, iv.lossPercent]).toEqual([50, 50, 50, 0, 0]);
    expect([iv.maxGapMs, iv.sinceLastPacketMs]).toEqual([20, 2500 - 99 * 20]);
    s.snapshot(iv, 3000);
    expect([iv.packetsReceived, iv.expected, iv.maxGapMs]).toEqual([0, 0, 0]);
    // Snapshots do not disturb the RR's own interval: its fraction still covers everything since the start.
    expect(block(s).fractionLost).toBe(Math.floor(256 / 99)); // 1 of 99 → 2
  });

  it('matches a brute-force count on a long seeded stream with loss, duplicates and reordering', () => {
    const rng = mulberry32(42);
    const s = stats();
    const base = 65000; // crosses the 16-bit wrap
    // Sent order n = 0..N−1; drop 2 %, duplicate 1 %, and hold 2 % back by up to 40 positions.
    const N = 20000;
    const order: number[] = [];
    const held: Array<{ n: number; at: number }> = [];
    for (let n = 0; n < N; n++) {
      if (n >= 3 && rng() < 0.02) continue;
      if (n >= 3 && rng() < 0.02) held.push({ n, at: order.length + 1 + Math.floor(rng() * 40) });
      else order.push(n);
      if (n >= 3 && rng() < 0.01) order.push(n);
      for (let i = held.length - 1; i >= 0; i--) {
        if (held[i].at <= order.length) {
          order.push(held[i].n);
          held.splice(i, 1);
        }
      }
    }
    for (const h of held) order.push(h.n);
    const seen = new Set<number>();
    let dup = 0;
    let late = 0;
    let maxN = -1;
    order.forEach((n, i) => {
      const v = s.onPacket((base + n) & 0xffff, n * STEP_TS, 7, i * PTIME, 160);
      if (i === 0) return; // probation
      if (seen.has(n)) {
        dup++;
        expect(v).toBe(PacketVerdict.DUPLICATE);
      } else if (n < maxN) {
        late++;
        expect(v).toBe(PacketVerdict.REORDERED);
      } else expect(v).toBe(PacketVerdict.ACCEPTED);
      seen.add(n);
      maxN = Math.max(maxN, n);
    });
    // Reference: the source starts at n = 1 (n = 0 was on probation); expected = maxN − 1 + 1.
    const sum = s.summary();
    expect(sum.expected).toBe(maxN);
    expect(sum.packetsAccepted).toBe(order.length - 1);
    expect(sum.duplicates).toBe(dup);
    expect(sum.reordered).toBe(late);
    expect(sum.lostPackets).toBe(maxN - seen.size);
    expect(sum.cumulativeLost).toBe(maxN - (order.length - 1));
    expect(sum.extendedHighestSeq).toBe(base + maxN);
    expect(dup).toBeGreaterThan(100);
    expect(late).toBeGreaterThan(100);
  });

  it('rejects impossible options', () => {
    expect(() => new RtpReceiverStats({ clockRateHz: 0 })).toThrow(RangeError);
    expect(() => new RtpReceiverStats({ clockRateHz: 8000, maxDropout: 65536 })).toThrow(RangeError);
    expect(() => new RtpReceiverStats({ clockRateHz: 8000, maxMisorder: 0 })).toThrow(RangeError);
    // A misorder window above 128 still tells duplicates from late packets.
    const wide = new RtpReceiverStats({ clockRateHz: 8000, maxMisorder: 300, minSequential: 1 });
    for (let n = 0; n <= 400; n++) if (n !== 150) wide.onPacket(n, n * 160, 1, n * 20, 160);
    expect(wide.onPacket(150, 150 * 160, 1, 9000, 160)).toBe(PacketVerdict.REORDERED); // 250 behind
    expect(wide.onPacket(151, 151 * 160, 1, 9020, 160)).toBe(PacketVerdict.DUPLICATE);
  });
});

describe('LSR / DLSR and round-trip time (RFC 3550 §6.4.1, Figure 2)', () => {
  // Figure 2: the SR left at 10 Nov 1995 11:33:25.125 UTC, NTP 0xb44db705:20000000 → LSR 0xb705:2000;
  // the receiver held it 5.250 s (DLSR 0x0005:4000); the RR arrived at A = 0xb710:8000: RTT 6.125 s.
  it('fills LSR and DLSR from the last SR of the current source', () => {
    const s = stats();
    for (let n = 0; n < 3; n++) send(s, 0, n);
    s.onSenderReport(0x1234, 0xb44db705, 0x20000000, 1000);
    const b = block(s, 1000 + 5250);
    expect(b.lsr).toBe(0xb7052000);
    expect(b.dlsr).toBe(0x00054000); // 5.25 s × 65536 = 344064
    // An SR from another SSRC is not this source's.
    s.onSenderReport(0x9999, 0xb44db705, 0x20000000, 2000);
    expect([block(s, 3000).lsr, block(s, 3000).dlsr]).toEqual([0, 0]);
  });

  it('computes RTT = A − LSR − DLSR in NTP short format', () => {
    expect(rttMsFromReportBlock(0xb7052000, 0x00054000, 0xb7108000)).toBe(6125);
    expect(Number.isNaN(rttMsFromReportBlock(0, 0, 0xb7108000))).toBe(true); // no SR echoed yet
    // Across the 16-bit seconds wrap of the middle word: LSR 0xffff:8000, A 0x0001:0000, DLSR 0 → 1.5 s.
    expect(rttMsFromReportBlock(0xffff8000, 0, 0x00010000)).toBe(1500);
    // DLSR rounding can overshoot a loopback RTT by a unit: read as 0, not as 18 hours.
    expect(rttMsFromReportBlock(0x10000000, 0x00000002, 0x10000001)).toBe(0);
    // 1 unit = 1/65536 s = 0.0152587890625 ms.
    expect(rttMsFromReportBlock(0x10000000, 0, 0x10000001)).toBe(1000 / 65536);
  });

  it('converts wall-clock time to NTP and back', () => {
    // Unix 816003205.125 s = NTP 816003205 + 2208988800 = 3024992005 = 0xb44db705 s, fraction 0.125 × 2^32.
    const unixMs = 816003205125;
    expect(ntpSecondsFromUnixMs(unixMs)).toBe(0xb44db705);
    expect(ntpFractionFromUnixMs(unixMs)).toBe(0x20000000);
    expect(ntpMiddle32FromUnixMs(unixMs)).toBe(0xb7052000);
    expect(ntpMiddle32FromUnixMs(816003216500)).toBe(0xb7108000); // A of Figure 2, 11:33:36.5
    expect(ntpMiddle32(0xb44db705, 0x20000000)).toBe(0xb7052000);
    expect(unixMsFromNtp(0xb44db705, 0x20000000)).toBe(unixMs);
    // 2040-01-01 is past 2036-02-07 06:28:16 UTC, where NTP's 32-bit seconds wrap (era 1).
    const y2040 = Date.UTC(2040, 0, 1);
    const sec = ntpSecondsFromUnixMs(y2040);
    expect(sec).toBe((y2040 / 1000 + 2208988800) % 2 ** 32);
    expect(unixMsFromNtp(sec, 0)).toBe(y2040);
    expect(ntpFractionFromUnixMs(999.999)).toBeLessThanOrEqual(0xffffffff);
  });
});

describe('RtpSenderStats', () => {
  it('counts packets and payload octets and extrapolates the SR timestamp (§6.4.1)', () => {
    const tx = new RtpSenderStats(CLOCK);
    for (let n = 0; n < 3; n++) tx.onSent(160, 1000 + n * STEP_TS, n * PTIME);
    const info: SenderInfo = { ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0 };
    tx.fillSenderInfo(info, 50, 816003205125);
    // Last packet ts 1320 at 40 ms; the SR at 50 ms is 10 ms later = 80 units at 8 kHz → 1400.
    expect(info).toEqual({ ntpSeconds: 0xb44db705, ntpFraction: 0x20000000, rtpTimestamp: 1400, packetCount: 3, octetCount: 480 });
    tx.reset();
    tx.fillSenderInfo(info, 60, 816003205125);
    expect([info.packetCount, info.octetCount, info.rtpTimestamp]).toEqual([0, 0, 0]);
    // Counts wrap modulo 2^32 on the wire.
    tx.packetCount = 2 ** 32 + 1;
    tx.fillSenderInfo(info, 60, 0);
    expect(info.packetCount).toBe(1);
    expect(() => new RtpSenderStats(0)).toThrow(RangeError);
  });
});
