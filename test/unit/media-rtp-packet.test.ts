import { describe, expect, it } from 'vitest';
import {
  decodeRtp,
  describeRtcpStatus,
  describeRtpStatus,
  encodeRtp,
  isRtcp,
  parseRtcp,
  payloadTypeSet,
  rtcpCompoundBytes,
  rtcpIntervalMs,
  RtcpCompound,
  RtcpStatus,
  rtpHeaderBytes,
  rtpPayloadType,
  rtpSequenceNumber,
  rtpSsrc,
  RtpStatus,
  rtpTimestamp,
  RtpView,
  setRtpMarker,
  setRtpSequenceNumber,
  setRtpTimestamp,
  writeBye,
  writeReceiverReport,
  writeRtcpCompound,
  writeRtpHeader,
  writeSdesCname,
  writeSenderReport,
  type ReportBlock,
  type SenderInfo,
} from '../../src/media/rtp/packet.js';
import { mulberry32 } from '../../src/util/random.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RTP encode', () => {
  it('writes the 12-byte fixed header (RFC 3550 §5.1) at an offset', () => {
    const buf = Buffer.alloc(20, 0xee);
    expect(writeRtpHeader(buf, 4, 8, 0x1234, 0xdeadbeef, 0x01020304, true)).toBe(12);
    // 0x80 = V=2 P=0 X=0 CC=0; 0x88 = M=1 PT=8 (PCMA); seq; timestamp; SSRC. Bytes around untouched.
    expect(hex(buf)).toBe('eeeeeeee' + '8088' + '1234' + 'deadbeef' + '01020304' + 'eeeeeeee');
    writeRtpHeader(buf, 4, 0, 0x1ffff, 2 ** 32 + 5, -1); // masked to the field widths
    expect(hex(buf.subarray(4, 16))).toBe('8000' + 'ffff' + '00000005' + 'ffffffff');
  });

  it('rewrites sequence number, timestamp and marker of a prebuilt packet in place', () => {
    const buf = Buffer.alloc(12 + 160);
    encodeRtp(buf, 0, { payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 7 }, null, 160);
    setRtpSequenceNumber(buf, 0, 65535);
    setRtpTimestamp(buf, 0, 4294967295);
    setRtpMarker(buf, 0, true);
    expect(hex(buf.subarray(0, 12))).toBe('8080' + 'ffff' + 'ffffffff' + '00000007');
    setRtpMarker(buf, 0, false);
    expect(buf[1]).toBe(0x00);
    expect([rtpSequenceNumber(buf, 0), rtpTimestamp(buf, 0), rtpSsrc(buf, 0), rtpPayloadType(buf, 0)]).toEqual([65535, 4294967295, 7, 0]);
  });

  it('encodes CSRCs, a header extension, the payload and padding', () => {
    const buf = Buffer.alloc(64);
    const h = {
      payloadType: 96,
      sequenceNumber: 2,
      timestamp: 3,
      ssrc: 4,
      marker: true,
      csrcs: [0x0a0b0c0d, 0x01],
      extension: { profile: 0xbede, data: Uint8Array.from([1, 2, 3, 4]) },
      paddingBytes: 3,
    };
    expect(rtpHeaderBytes(h)).toBe(12 + 8 + 8);
    const n = encodeRtp(buf, 1, h, Uint8Array.from([0xaa, 0xbb]));
    expect(n).toBe(28 + 2 + 3);
    // 0xb2 = V=2 P=1 X=1 CC=2; 0xe0 = M=1 PT=96; then CSRCs, extension header (profile, 1 word), body,
    // payload, and padding 00 00 03 (the last octet counts itself).
    expect(hex(buf.subarray(1, 1 + n))).toBe(
      'b2e0' + '0002' + '00000003' + '00000004' + '0a0b0c0d' + '00000001' + 'bede0001' + '01020304' + 'aabb' + '000003',
    );
  });

  it('rejects what the fields cannot hold, and writes past no buffer', () => {
    const buf = Buffer.alloc(40);
    const base = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 };
    expect(() => encodeRtp(buf, 0, { ...base, payloadType: 128 }, null)).toThrow(RangeError);
    expect(() => encodeRtp(buf, 0, { ...base, sequenceNumber: 65536 }, null)).toThrow(RangeError);
    expect(() => encodeRtp(buf, 0, { ...base, csrcs: new Array(16).fill(1) }, null)).toThrow(/15 CSRCs/);
    expect(() => encodeRtp(buf, 0, { ...base, extension: { profile: 1, data: new Uint8Array(3) } }, null)).toThrow(/multiple of 4/);
    expect(() => encodeRtp(buf, 0, { ...base, paddingBytes: 256 }, null)).toThrow(RangeError);
    expect(() => encodeRtp(buf, 30, base, new Uint8Array(0))).toThrow(/do not fit/);
    expect(() => writeRtpHeader(buf, 29, 0, 0, 0, 0)).toThrow(/do not fit/);
    expect(() => encodeRtp(buf, 0, base, new Uint8Array(4), 5)).toThrow(/differs/);
  });
});

describe('RTP decode (RFC 3550 A.1 checks)', () => {
  it('reads back every field of what encodeRtp wrote', () => {
    const buf = Buffer.alloc(100);
    const payload = Uint8Array.from({ length: 20 }, (_, i) => i);
    const h = {
      payloadType: 0,
      sequenceNumber: 65000,
      timestamp: 4000000000,
      ssrc: 0x89abcdef,
      marker: true,
      csrcs: [5, 6, 7],
      extension: { profile: 0x1000, data: new Uint8Array(8).fill(9) },
      paddingBytes: 4,
    };
    const n = encodeRtp(buf, 10, h, payload);
    const v = new RtpView();
    expect(decodeRtp(buf, 10, n, v)).toBe(RtpStatus.OK);
    expect(v.marker).toBe(true);
    expect([v.payloadType, v.sequenceNumber, v.timestamp, v.ssrc]).toEqual([0, 65000, 4000000000, 0x89abcdef]);
    expect(v.csrcCount).toBe(3);
    expect([v.csrc(buf, 0), v.csrc(buf, 1), v.csrc(buf, 2), v.csrc(buf, 3)]).toEqual([5, 6, 7, 0]);
    expect(v.hasExtension).toBe(true);
    expect(v.extensionProfile).toBe(0x1000);
    expect([v.extensionOffset, v.extensionBytes]).toEqual([10 + 12 + 12 + 4, 8]);
    expect(v.headerBytes).toBe(12 + 12 + 12);
    expect([v.payloadOffset, v.payloadBytes, v.paddingBytes]).toEqual([10 + 36, 20, 4]);
    expect(hex(buf.subarray(v.payloadOffset, v.payloadOffset + v.payloadBytes))).toBe(hex(payload));
  });

  it('accepts a plain G.711 packet and only the negotiated payload types when given', () => {
    const buf = Buffer.alloc(172);
    const n = encodeRtp(buf, 0, { payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3 }, null, 160);
    const v = new RtpView();
    expect(decodeRtp(buf, 0, n, v, payloadTypeSet([0, 8]))).toBe(RtpStatus.OK);
    expect([v.headerBytes, v.payloadOffset, v.payloadBytes, v.paddingBytes, v.hasExtension]).toEqual([12, 12, 160, 0, false]);
    expect(decodeRtp(buf, 0, n, v, payloadTypeSet([0, 101]))).toBe(RtpStatus.UNEXPECTED_PAYLOAD_TYPE);
  });

  it('names the check each bad packet fails', () => {
    const v = new RtpView();
    const ok = Buffer.from('8000000100000002000000030102', 'hex'); // 12-byte header + 2 payload bytes
    expect(decodeRtp(ok, 0, ok.length, v)).toBe(RtpStatus.OK);
    expect(decodeRtp(ok, 0, ok.length + 1, v)).toBe(RtpStatus.BAD_RANGE);
    expect(decodeRtp(ok, -1, 4, v)).toBe(RtpStatus.BAD_RANGE);
    expect(decodeRtp(ok, 0.5, 4, v)).toBe(RtpStatus.BAD_RANGE);
    expect(decodeRtp(ok, 0, 11, v)).toBe(RtpStatus.TOO_SHORT);
    const mut = (i: number, b: number) => {
      const c = Buffer.from(ok);
      c[i] = b;
      return decodeRtp(c, 0, c.length, v);
    };
    expect(mut(0, 0x40)).toBe(RtpStatus.BAD_VERSION); // V=1
    expect(mut(0, 0xc0)).toBe(RtpStatus.BAD_VERSION); // V=3
    // SR (200) and RR (201) read through an RTP header are PT 72 / 73 with the marker set.
    expect(mut(1, 200)).toBe(RtpStatus.RTCP_PAYLOAD_TYPE);
    expect(mut(1, 201)).toBe(RtpStatus.RTCP_PAYLOAD_TYPE);
    expect(mut(1, 76)).toBe(RtpStatus.RTCP_PAYLOAD_TYPE);
    expect(mut(1, 77)).toBe(RtpStatus.OK);
    expect(mut(0, 0x81)).toBe(RtpStatus.CSRC_OVERRUN); // CC=1 needs 16 bytes, there are 14
    expect(mut(0, 0x90)).toBe(RtpStatus.EXTENSION_OVERRUN); // X=1: 4-byte extension header does not fit in 2
    expect(mut(0, 0xa0)).toBe(RtpStatus.OK); // P=1, count 2 = the whole payload: an empty payload
    const padTooLong = Buffer.from('a000000100000002000000030003', 'hex');
    expect(decodeRtp(padTooLong, 0, padTooLong.length, v)).toBe(RtpStatus.BAD_PADDING);
    const padZero = Buffer.from('a000000100000002000000030100', 'hex');
    expect(decodeRtp(padZero, 0, padZero.length, v)).toBe(RtpStatus.BAD_PADDING);
    // Extension whose length word claims 1 word (4 bytes) more than the packet holds.
    const extLong = Buffer.from('90000001000000020000000300000001', 'hex');
    expect(decodeRtp(extLong, 0, extLong.length, v)).toBe(RtpStatus.EXTENSION_OVERRUN);
    // The extension header fits the bytes, but the padding count claims them too.
    const extPad = Buffer.from('b0000001000000020000000300000000' + '05', 'hex');
    expect(decodeRtp(extPad, 0, extPad.length, v)).toBe(RtpStatus.EXTENSION_OVERRUN);
    expect(decodeRtp(extPad, 0, extPad.length - 1, v)).toBe(RtpStatus.BAD_PADDING); // count octet 0x00
    for (let s = 0; s <= 8; s++) expect(describeRtpStatus(s as RtpStatus).length).toBeGreaterThan(1);
  });

  it('tells RTCP from RTP on a shared port (RFC 5761 §4)', () => {
    const b = Buffer.alloc(8);
    const rr = writeReceiverReport(b, 0, 1, null);
    expect(isRtcp(b, 0, rr)).toBe(true);
    const rtp = Buffer.from('8008000100000002000000030102', 'hex');
    expect(isRtcp(rtp, 0, rtp.length)).toBe(false);
    expect(isRtcp(rtp, 13, 5)).toBe(false);
  });
});

const SENDER: SenderInfo = { ntpSeconds: 0xb44db705, ntpFraction: 0x20000000, rtpTimestamp: 1600, packetCount: 10, octetCount: 1600 };
const BLOCK: ReportBlock = {
  ssrc: 0xaabbccdd,
  fractionLost: 0x40,
  cumulativeLost: -1,
  extendedHighestSeq: 0x00010005,
  jitter: 0x20,
  lsr: 0xb7052000,
  dlsr: 0x00054000,
};

describe('RTCP build (RFC 3550 §6.4–6.6)', () => {
  it('writes an SR with one report block', () => {
    const buf = Buffer.alloc(52);
    expect(writeSenderReport(buf, 0, 0x11223344, SENDER, BLOCK)).toBe(52);
    // 0x81 V=2 RC=1, PT 200, length 52/4 − 1 = 12 words; SSRC; NTP MSW, LSW; RTP ts; packets; octets;
    // block: SSRC_1, fraction 0x40 and cumulative −1 as 24-bit two's complement, ext seq, jitter, LSR, DLSR.
    expect(hex(buf)).toBe(
      '81c8000c' + '11223344' + 'b44db705' + '20000000' + '00000640' + '0000000a' + '00000640' +
        'aabbccdd' + '40ffffff' + '00010005' + '00000020' + 'b7052000' + '00054000',
    );
  });

  it('writes an empty RR and an RR with a block, clamping cumulative loss to 24 bits (A.3)', () => {
    const buf = Buffer.alloc(32);
    expect(writeReceiverReport(buf, 0, 5, null)).toBe(8);
    expect(hex(buf.subarray(0, 8))).toBe('80c90001' + '00000005');
    expect(writeReceiverReport(buf, 0, 5, { ...BLOCK, cumulativeLost: 9_000_000, fractionLost: 0 })).toBe(32);
    expect(hex(buf.subarray(0, 16))).toBe('81c90007' + '00000005' + 'aabbccdd' + '007fffff');
    writeReceiverReport(buf, 0, 5, { ...BLOCK, cumulativeLost: -9_000_000 });
    expect(hex(buf.subarray(12, 16))).toBe('40800000');
  });

  it('pads an SDES CNAME chunk with null octets to a 32-bit boundary, always ending the item list', () => {
    const buf = Buffer.alloc(40);
    // CNAME "ab": header 4 + SSRC 4 + type/len 2 + 2 text + END 1 = 13 → 16 bytes, length 3 words.
    expect(writeSdesCname(buf, 0, 9, 'ab')).toBe(16);
    expect(hex(buf.subarray(0, 16))).toBe('81ca0003' + '00000009' + '0102' + '6162' + '00000000');
    // "abcd" − 2 + 4 + 1 = 7 after the SSRC → 8: 16 bytes; "abcdef": 2 + 6 = 8, the END needs a new word → 20.
    expect(writeSdesCname(buf, 0, 9, 'abcd')).toBe(16);
    expect(writeSdesCname(buf, 0, 9, Buffer.from('abcdef'))).toBe(20);
    expect(hex(buf.subarray(0, 20))).toBe('81ca0004' + '00000009' + '0106' + '616263646566' + '00000000');
    expect(() => writeSdesCname(Buffer.alloc(300), 0, 1, 'x'.repeat(256))).toThrow(/255/);
  });

  it('writes a BYE with and without a reason', () => {
    const buf = Buffer.alloc(16);
    expect(writeBye(buf, 0, 0x0a, null)).toBe(8);
    expect(hex(buf.subarray(0, 8))).toBe('81cb0001' + '0000000a');
    // reason "bye": length octet + 3 = 4 bytes, exactly one word.
    expect(writeBye(buf, 0, 0x0a, 'bye')).toBe(12);
    expect(hex(buf.subarray(0, 12))).toBe('81cb0002' + '0000000a' + '03627965');
  });

  it('lays out a compound packet as §6.1 requires: report first, SDES, BYE last', () => {
    const spec = { ssrc: 0x11223344, sender: SENDER, block: BLOCK, cname: 'cc@host', bye: true, byeReason: 'done' };
    const n = rtcpCompoundBytes(spec);
    expect(n).toBe(52 + 20 + 16); // SR+block; SDES 8 + (2 + 7 + 1 → 12); BYE 8 + (1 + 4 → 8)
    const buf = Buffer.alloc(n);
    expect(writeRtcpCompound(buf, 0, spec)).toBe(n);
    expect([buf[1], buf[53], buf[73]]).toEqual([200, 202, 203]);
    const rrOnly = { ssrc: 1, cname: 'x' };
    expect(rtcpCompoundBytes(rrOnly)).toBe(8 + 12);
    expect(() => writeRtcpCompound(Buffer.alloc(19), 0, rrOnly)).toThrow(/do not fit/);
  });
});

describe('RTCP parse (RFC 3550 A.2 checks)', () => {
  it('reads back a compound SR + SDES + BYE', () => {
    const spec = { ssrc: 0x11223344, sender: SENDER, block: BLOCK, cname: 'cc@192.0.2.1', bye: true };
    const buf = Buffer.alloc(rtcpCompoundBytes(spec) + 8);
    const n = writeRtcpCompound(buf, 4, spec);
    const out = new RtcpCompound();
    expect(parseRtcp(buf, 4, n, out)).toBe(RtcpStatus.OK);
    expect(out.packets).toBe(3);
    expect(out.hasSenderReport).toBe(true);
    expect(out.reporterSsrc).toBe(0x11223344);
    expect([out.ntpSeconds, out.ntpFraction, out.rtpTimestamp, out.packetCount, out.octetCount]).toEqual([
      0xb44db705, 0x20000000, 1600, 10, 1600,
    ]);
    expect(out.blockCount).toBe(1);
    const b = out.findBlock(0xaabbccdd);
    expect(b).not.toBeNull();
    expect({ ...b }).toEqual({ reporterSsrc: 0x11223344, ...BLOCK });
    expect(out.findBlock(1)).toBeNull();
    expect(out.cnameSsrc).toBe(0x11223344);
    expect(out.cname(buf)).toBe('cc@192.0.2.1');
    expect([out.bye, out.byeSsrc, out.byeSsrcCount]).toEqual([true, 0x11223344, 1]);
    expect([out.unknownPackets, out.malformedPackets, out.blocksDropped]).toEqual([0, 0, 0]);
  });

  it('reads an RR, skips unknown packet types by their length, and honours padding on the last packet', () => {
    // RR (1 block) + APP (PT 204, 12 bytes) + SDES padded with P=1: 4 padding bytes counted in its length.
    const buf = Buffer.alloc(32 + 12 + 20);
    writeReceiverReport(buf, 0, 0x77, { ...BLOCK, cumulativeLost: 5 });
    buf.set(Buffer.from('80cc0002' + '00000077' + '74657374', 'hex'), 32); // APP "test"
    const sdes = Buffer.alloc(16);
    writeSdesCname(sdes, 0, 0x77, 'ab');
    buf.set(sdes, 44);
    buf[44] |= 0x20; // P
    buf[47] = 4; // length 4 words: 16 bytes of SDES + 4 of padding
    buf[63] = 4;
    const out = new RtcpCompound();
    expect(parseRtcp(buf, 0, buf.length, out)).toBe(RtcpStatus.OK);
    expect([out.packets, out.unknownPackets, out.hasSenderReport, out.reporterSsrc]).toEqual([3, 1, false, 0x77]);
    expect(out.blocks[0].cumulativeLost).toBe(5);
    expect(out.cname(buf)).toBe('ab');
  });

  it('rejects compounds that break A.2, naming the rule', () => {
    const out = new RtcpCompound();
    const good = Buffer.alloc(rtcpCompoundBytes({ ssrc: 1, cname: 'a' }));
    writeRtcpCompound(good, 0, { ssrc: 1, cname: 'a' });
    expect(parseRtcp(good, 0, good.length, out)).toBe(RtcpStatus.OK);
    const mut = (f: (b: Buffer) => void, len = good.length) => {
      const c = Buffer.from(good);
      f(c);
      return parseRtcp(c, 0, len, out);
    };
    expect(parseRtcp(good, 1, good.length, out)).toBe(RtcpStatus.BAD_RANGE);
    expect(parseRtcp(good, 0, 4, out)).toBe(RtcpStatus.TOO_SHORT);
    expect(parseRtcp(good, 0, 10, out)).toBe(RtcpStatus.BAD_LENGTH);
    expect(mut((c) => (c[0] = 0x40))).toBe(RtcpStatus.BAD_VERSION);
    expect(mut((c) => (c[8] = 0x41))).toBe(RtcpStatus.BAD_VERSION); // the SDES's version
    expect(mut((c) => (c[1] = 202))).toBe(RtcpStatus.NOT_REPORT_FIRST); // SDES first
    expect(mut((c) => (c[0] |= 0x20))).toBe(RtcpStatus.NOT_REPORT_FIRST); // padded first packet
    expect(mut((c) => (c[3] = 2))).toBe(RtcpStatus.BAD_VERSION); // RR claims 12 bytes: the next "packet" starts mid-SDES
    expect(mut((c) => (c[3] = 10))).toBe(RtcpStatus.LENGTH_MISMATCH); // RR claims 44 bytes of 20
    expect(mut((c) => (c[11] = 9))).toBe(RtcpStatus.LENGTH_MISMATCH); // SDES runs past the end
    expect(mut((c) => (c[0] = 0x81))).toBe(RtcpStatus.MALFORMED_REPORT); // RC=1 in an 8-byte RR
    expect(mut((c) => (c[8] |= 0x20), good.length)).toBe(RtcpStatus.BAD_PADDING); // P on the last packet, count 0
    const twoPads = Buffer.alloc(8 + 12 + 8);
    writeReceiverReport(twoPads, 0, 1, null);
    writeSdesCname(twoPads, 8, 1, 'a');
    writeBye(twoPads, 20, 1);
    twoPads[8] |= 0x20; // padding on a packet that is not the last
    expect(parseRtcp(twoPads, 0, twoPads.length, out)).toBe(RtcpStatus.BAD_PADDING);
    for (let s = 0; s <= 8; s++) expect(describeRtcpStatus(s as RtcpStatus).length).toBeGreaterThan(1);
  });

  it('keeps the reports when an SDES or BYE inside is inconsistent', () => {
    const buf = Buffer.alloc(8 + 12 + 8);
    writeReceiverReport(buf, 0, 1, null);
    writeSdesCname(buf, 8, 1, 'a');
    writeBye(buf, 20, 1);
    buf[17] = 0x61; // the CNAME item's length octet: 97 bytes, past the SDES packet
    buf[20] = 0x83; // BYE claims 3 SSRCs in a 1-SSRC packet
    const out = new RtcpCompound();
    expect(parseRtcp(buf, 0, buf.length, out)).toBe(RtcpStatus.OK);
    expect([out.malformedPackets, out.cnameOffset, out.bye]).toEqual([2, -1, false]);
  });

  it('keeps 31 report blocks and counts the rest', () => {
    // SR with 31 blocks followed by an RR with 2 more.
    const buf = Buffer.alloc(28 + 31 * 24 + 8 + 2 * 24);
    buf[0] = 0x80 | 31;
    buf[1] = 200;
    buf.writeUInt16BE((28 + 31 * 24) / 4 - 1, 2);
    for (let i = 0; i < 31; i++) buf.writeUInt32BE(i + 1, 28 + 24 * i);
    const rr = 28 + 31 * 24;
    buf[rr] = 0x82;
    buf[rr + 1] = 201;
    buf.writeUInt16BE((8 + 48) / 4 - 1, rr + 2);
    const out = new RtcpCompound();
    expect(parseRtcp(buf, 0, buf.length, out)).toBe(RtcpStatus.OK);
    expect([out.blockCount, out.blocksDropped, out.blocks[30].ssrc]).toEqual([31, 2, 31]);
  });
});

describe('RTCP interval (§6.3.1)', () => {
  // Two-party call: members 2, senders 2 (> 25 % of members, so both share the whole RTCP
  // bandwidth), 500 B/s of RTCP, 100-byte compounds: n·C = 2 × 100 / 500 = 0.4 s < Tmin = 5 s.
  const call = { members: 2, senders: 2, rtcpBandwidthBytesPerSec: 500, weSent: true, avgRtcpBytes: 100, initial: false };
  it('randomises Tmin over [0.5, 1.5] and divides by e − 3/2', () => {
    // 5000 × (0.5 + 0.5) / 1.2182818 = 4104.1 ms; random 0 → 2052.1; random → 1 gives 1.5 × → 6156.2.
    expect(rtcpIntervalMs({ ...call, random: () => 0.5 })).toBeCloseTo(5000 / (Math.E - 1.5), 6);
    expect(rtcpIntervalMs({ ...call, random: () => 0.5 })).toBeCloseTo(4104.1, 1);
    expect(rtcpIntervalMs({ ...call, random: () => 0 })).toBeCloseTo(2052.1, 1);
    expect(rtcpIntervalMs({ ...call, random: () => 0.999999 })).toBeCloseTo(6156.2, 0);
    // The first report waits half the minimum: 2500 / 1.2182818 = 2052.1 at random 0.5.
    expect(rtcpIntervalMs({ ...call, initial: true, random: () => 0.5 })).toBeCloseTo(2052.1, 1);
    const rng = mulberry32(7);
    for (let i = 0; i < 1000; i++) {
      const t = rtcpIntervalMs({ ...call, random: rng });
      expect(t).toBeGreaterThanOrEqual(2052.1);
      expect(t).toBeLessThan(6156.3);
    }
  });

  it('scales with the receivers when senders are few', () => {
    // 1000 members, 2 senders (≤ 25 %): a receiver gets 75 % of 500 B/s = 375 B/s shared by 998:
    // 100 × 998 / 375 = 266.13 s, randomised at 0.5 → × 1 / 1.2182818 = 218.45 s.
    const t = rtcpIntervalMs({ ...call, members: 1000, senders: 2, weSent: false, random: () => 0.5 });
    expect(t / 1000).toBeCloseTo((100 * 998) / 375 / (Math.E - 1.5), 6);
    expect(t / 1000).toBeCloseTo(218.45, 2);
    // A sender among them: 25 % of 500 = 125 B/s shared by 2 senders: 1.6 s < 5 s → Tmin.
    expect(rtcpIntervalMs({ ...call, members: 1000, senders: 2, weSent: true, random: () => 0.5 })).toBeCloseTo(4104.1, 1);
  });
});

describe('decoders on arbitrary bytes (seeded fuzz)', () => {
  const RUNS = Number(process.env.FUZZ_RUNS ?? 10000);

  /** Valid packets to mutate: RTP of every shape encodeRtp makes, and RTCP compounds. */
  function corpus(rng: () => number): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const cc = Math.floor(rng() * 4);
      const ext = rng() < 0.5 ? { profile: 0xbede, data: new Uint8Array(4 * Math.floor(rng() * 3)) } : null;
      const h = {
        payloadType: Math.floor(rng() * 72),
        sequenceNumber: Math.floor(rng() * 65536),
        timestamp: Math.floor(rng() * 2 ** 32),
        ssrc: Math.floor(rng() * 2 ** 32),
        marker: rng() < 0.5,
        csrcs: Array.from({ length: cc }, () => Math.floor(rng() * 2 ** 32)),
        extension: ext,
        paddingBytes: rng() < 0.3 ? 1 + Math.floor(rng() * 8) : 0,
      };
      const payload = new Uint8Array(Math.floor(rng() * 40));
      const b = Buffer.alloc(rtpHeaderBytes(h) + payload.length + h.paddingBytes);
      encodeRtp(b, 0, h, payload);
      out.push(b);
    }
    for (let i = 0; i < 20; i++) {
      const spec = {
        ssrc: Math.floor(rng() * 2 ** 32),
        sender: rng() < 0.5 ? SENDER : null,
        block: rng() < 0.7 ? BLOCK : null,
        cname: 'x'.repeat(Math.floor(rng() * 20)),
        bye: rng() < 0.3,
        byeReason: rng() < 0.5 ? 'r'.repeat(Math.floor(rng() * 6)) : null,
      };
      const b = Buffer.alloc(rtcpCompoundBytes(spec));
      writeRtcpCompound(b, 0, spec);
      out.push(b);
    }
    return out;
  }

  function mutate(rng: () => number, src: Buffer): Buffer {
    let b: Buffer = Buffer.from(src);
    const edits = 1 + Math.floor(rng() * 4);
    for (let e = 0; e < edits; e++) {
      const kind = rng();
      if (kind < 0.5 && b.length > 0) b[Math.floor(rng() * b.length)] = Math.floor(rng() * 256);
      else if (kind < 0.7 && b.length > 0) b[Math.floor(rng() * b.length)] ^= 1 << Math.floor(rng() * 8);
      else if (kind < 0.85) b = b.subarray(0, Math.floor(rng() * (b.length + 1)));
      else b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 8) }, () => Math.floor(rng() * 256)))]);
    }
    return b;
  }

  /** decodeRtp's contract: a status; on OK, header, payload and padding tile the range exactly. */
  function checkRtp(buf: Buffer, off: number, len: number, v: RtpView): void {
    const s = decodeRtp(buf, off, len, v);
    expect(s >= 0 && s <= 8).toBe(true);
    if (s !== RtpStatus.OK) return;
    expect(v.payloadOffset).toBe(off + v.headerBytes);
    expect(v.headerBytes + v.payloadBytes + v.paddingBytes).toBe(len);
    expect(v.payloadBytes).toBeGreaterThanOrEqual(0);
    expect(v.headerBytes).toBe(12 + 4 * v.csrcCount + (v.hasExtension ? 4 + v.extensionBytes : 0));
    expect(v.payloadType < 72 || v.payloadType > 76).toBe(true);
    expect(Number.isInteger(v.timestamp) && v.timestamp >= 0 && v.timestamp < 2 ** 32).toBe(true);
    expect(Number.isInteger(v.ssrc) && v.ssrc >= 0 && v.ssrc < 2 ** 32).toBe(true);
  }

  /** parseRtcp's contract: a status; on OK, what it points at lies inside the range. */
  function checkRtcp(buf: Buffer, off: number, len: number, out: RtcpCompound): void {
    const s = parseRtcp(buf, off, len, out);
    expect(s >= 0 && s <= 8).toBe(true);
    if (s !== RtcpStatus.OK) return;
    expect(out.packets).toBeGreaterThanOrEqual(1);
    expect(out.blockCount).toBeLessThanOrEqual(31);
    if (out.cnameOffset >= 0) {
      expect(out.cnameOffset).toBeGreaterThanOrEqual(off);
      expect(out.cnameOffset + out.cnameBytes).toBeLessThanOrEqual(off + len);
      expect(typeof out.cname(buf)).toBe('string');
    }
    for (let i = 0; i < out.blockCount; i++) {
      const b = out.blocks[i];
      expect(b.cumulativeLost).toBeGreaterThanOrEqual(-0x800000);
      expect(b.cumulativeLost).toBeLessThanOrEqual(0x7fffff);
      expect(b.fractionLost).toBeLessThanOrEqual(255);
    }
  }

  it('random bytes: every call returns a status and never throws', () => {
    const rng = mulberry32(0x5eed);
    const v = new RtpView();
    const out = new RtcpCompound();
    for (let i = 0; i < RUNS; i++) {
      const len = Math.floor(rng() * 80);
      const buf = Buffer.from(Array.from({ length: len }, () => Math.floor(rng() * 256)));
      // Bias the first two octets towards plausible headers so the checks past them get exercised.
      if (len > 1 && rng() < 0.7) buf[0] = (buf[0] & 0x3f) | 0x80;
      if (len > 1 && rng() < 0.3) buf[1] = 200 + Math.floor(rng() * 5);
      const off = rng() < 0.8 ? 0 : Math.floor(rng() * (len + 2)) - 1;
      const sub = rng() < 0.8 ? len - Math.max(0, off) : Math.floor(rng() * (len + 4)) - 2;
      checkRtp(buf, off, sub, v);
      checkRtcp(buf, off, sub, out);
      isRtcp(buf, off, sub);
    }
  });

  it('mutated valid packets: never throws, and what passes is self-consistent', () => {
    const rng = mulberry32(0xc0ffee);
    const base = corpus(rng);
    const v = new RtpView();
    const out = new RtcpCompound();
    let rtpOk = 0;
    let rtcpOk = 0;
    for (let i = 0; i < RUNS; i++) {
      const b = mutate(rng, base[Math.floor(rng() * base.length)]);
      checkRtp(b, 0, b.length, v);
      checkRtcp(b, 0, b.length, out);
      if (decodeRtp(b, 0, b.length, v) === RtpStatus.OK) rtpOk++;
      if (parseRtcp(b, 0, b.length, out) === RtcpStatus.OK) rtcpOk++;
    }
    // The mutations leave a fair share valid, so the OK-path invariants above were really checked.
    expect(rtpOk).toBeGreaterThan(RUNS / 20);
    expect(rtcpOk).toBeGreaterThan(RUNS / 100);
  });

  it('the unmutated corpus decodes', () => {
    const rng = mulberry32(0xc0ffee);
    const v = new RtpView();
    const out = new RtcpCompound();
    for (const b of corpus(rng)) {
      const ok = decodeRtp(b, 0, b.length, v) === RtpStatus.OK || parseRtcp(b, 0, b.length, out) === RtcpStatus.OK;
      expect(ok).toBe(true);
    }
  });
});
