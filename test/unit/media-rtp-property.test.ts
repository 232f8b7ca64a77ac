/**
 * Property tests (fast-check, fixed seeds) of the RTP/RTCP codec in src/media/rtp/packet.ts:
 * decode ∘ encode is the identity for every RTP header and RTCP compound callcert can write;
 * decodeRtp, parseRtcp and isRtcp never throw on any bytes at any (offset, length), and what they
 * accept is self-consistent. The seeded mulberry32 fuzz in media-rtp-packet.test.ts covers
 * random and mutated bytes in bulk; this file states the same contract as properties that
 * shrink to a minimal counter-example when broken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRtp, encodeRtp, isRtcp, parseRtcp, rtcpCompoundBytes, RtcpCompound, RtcpStatus, rtpHeaderBytes, RtpStatus, RtpView,
  writeRtcpCompound, type RtcpCompoundSpec, type RtpHeader,
} from '../../src/media/rtp/packet.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });

/** Extension data: whole 32-bit words. */
const words = fc.uint8Array({ maxLength: 12 }).map((d) => d.subarray(0, d.length - (d.length % 4)));

const rtpHeader: fc.Arbitrary<RtpHeader> = fc.record({
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequenceNumber: u16,
  timestamp: u32,
  ssrc: u32,
  marker: fc.boolean(),
  csrcs: fc.array(u32, { maxLength: 15 }),
  extension: fc.option(fc.record({ profile: u16, data: words })),
  paddingBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
});

const reportBlock = fc.record({
  ssrc: u32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  extendedHighestSeq: u32,
  jitter: u32,
  lsr: u32,
  dlsr: u32,
});

const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });

const rtcpSpec: fc.Arbitrary<RtcpCompoundSpec> = fc.record({
  ssrc: u32,
  sender: fc.option(fc.record({ ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32 })),
  block: fc.option(reportBlock),
  cname: ascii,
  bye: fc.boolean(),
  byeReason: fc.option(ascii),
});

/** A mutation of a datagram: bit flips, byte overwrites, truncation, extension — as a wire or a peer might deliver it. */
const mutation = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  ),
  { minLength: 1, maxLength: 4 },
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Buffer, edits: Mutation): Buffer {
  let b = Buffer.from(src);
  for (const e of edits) {
    if (e.kind === 'extend') b = Buffer.concat([b, Buffer.from(e.bytes)]);
    else if (b.length === 0) continue;
    else if (e.kind === 'flip') b[e.at % b.length]! ^= 1 << e.bit;
    else if (e.kind === 'set') b[e.at % b.length] = e.value;
    else b = b.subarray(0, e.at % (b.length + 1));
  }
  return b;
}

function encode(h: RtpHeader, payload: Uint8Array): Buffer {
  const buf = Buffer.alloc(rtpHeaderBytes(h) + payload.length + (h.paddingBytes ?? 0));
  expect(encodeRtp(buf, 0, h, payload)).toBe(buf.length);
  return buf;
}

function writeCompound(spec: RtcpCompoundSpec): Buffer {
  const buf = Buffer.alloc(rtcpCompoundBytes(spec));
  expect(writeRtcpCompound(buf, 0, spec)).toBe(buf.length);
  return buf;
}

/** decodeRtp's contract on any input: a known status; on OK, header, payload and padding tile the range. */
function checkRtp(buf: Uint8Array, off: number, len: number, v: RtpView): RtpStatus {
  const s = decodeRtp(buf, off, len, v);
  expect(Object.values(RtpStatus)).toContain(s);
  if (s === RtpStatus.OK) {
    expect(v.headerBytes + v.payloadBytes + v.paddingBytes).toBe(len);
    expect(v.payloadOffset).toBe(off + v.headerBytes);
    expect(v.payloadBytes).toBeGreaterThanOrEqual(0);
    expect(v.payloadType < 72 || v.payloadType > 76).toBe(true);
  }
  return s;
}

/** parseRtcp's contract on any input: a known status; on OK, everything it points at is inside the range. */
function checkRtcp(buf: Uint8Array, off: number, len: number, out: RtcpCompound): RtcpStatus {
  const s = parseRtcp(buf, off, len, out);
  expect(Object.values(RtcpStatus)).toContain(s);
  if (s === RtcpStatus.OK) {
    expect(out.packets).toBeGreaterThanOrEqual(1);
    expect(out.blockCount).toBeLessThanOrEqual(31);
    if (out.cnameOffset >= 0) {
      expect(out.cnameOffset).toBeGreaterThanOrEqual(off);
      expect(out.cnameOffset + out.cnameBytes).toBeLessThanOrEqual(off + len);
    }
  }
  return s;
}

describe('RTP: decode ∘ encode (property)', () => {
  it('every header encodeRtp writes decodes to the same fields, payload and padding; PT 72–76 is named RTCP', () => {
    const v = new RtpView();
    fc.assert(fc.property(rtpHeader, fc.uint8Array({ maxLength: 200 }), (h, payload) => {
      const buf = encode(h, payload);
      const s = decodeRtp(buf, 0, buf.length, v);
      if (h.payloadType >= 72 && h.payloadType <= 76) {
        expect(s).toBe(RtpStatus.RTCP_PAYLOAD_TYPE);
        return;
      }
      expect(s).toBe(RtpStatus.OK);
      expect([v.payloadType, v.sequenceNumber, v.timestamp, v.ssrc, v.marker])
        .toEqual([h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc, h.marker]);
      expect(Array.from({ length: v.csrcCount }, (_, i) => v.csrc(buf, i))).toEqual(h.csrcs);
      expect(v.hasExtension).toBe(h.extension !== null);
      if (h.extension) {
        expect(v.extensionProfile).toBe(h.extension.profile);
        expect(Buffer.from(buf.subarray(v.extensionOffset, v.extensionOffset + v.extensionBytes))).toEqual(Buffer.from(h.extension.data));
      }
      expect(v.paddingBytes).toBe(h.paddingBytes);
      expect(Buffer.from(buf.subarray(v.payloadOffset, v.payloadOffset + v.payloadBytes))).toEqual(Buffer.from(payload));
      // The same packet inside a larger buffer, at an offset, decodes the same.
      const big = Buffer.concat([Buffer.alloc(7, 0xff), buf, Buffer.alloc(5, 0xee)]);
      expect(decodeRtp(big, 7, buf.length, v)).toBe(RtpStatus.OK);
      expect(v.payloadOffset).toBe(7 + v.headerBytes);
    }), { numRuns: 1000, seed: 0x11 });
  });
});

describe('RTCP: parse ∘ write (property)', () => {
  it('every compound writeRtcpCompound writes parses back: SR/RR, sender info, block, CNAME, BYE', () => {
    const out = new RtcpCompound();
    fc.assert(fc.property(rtcpSpec, (spec) => {
      const buf = writeCompound(spec);
      expect(parseRtcp(buf, 0, buf.length, out)).toBe(RtcpStatus.OK);
      expect(out.packets).toBe(2 + (spec.bye ? 1 : 0));
      expect(out.hasSenderReport).toBe(spec.sender !== null);
      expect(out.reporterSsrc).toBe(spec.ssrc);
      if (spec.sender) {
        expect([out.ntpSeconds, out.ntpFraction, out.rtpTimestamp, out.packetCount, out.octetCount]).toEqual([
          spec.sender.ntpSeconds, spec.sender.ntpFraction, spec.sender.rtpTimestamp, spec.sender.packetCount, spec.sender.octetCount,
        ]);
      }
      expect(out.blockCount).toBe(spec.block ? 1 : 0);
      if (spec.block) {
        const { reporterSsrc, ...block } = out.blocks[0]!;
        expect(reporterSsrc).toBe(spec.ssrc);
        expect(block).toEqual(spec.block);
      }
      expect(out.cname(buf)).toBe(spec.cname);
      expect(out.cnameSsrc).toBe(spec.ssrc);
      expect(out.bye).toBe(spec.bye === true);
      if (spec.bye) expect([out.byeSsrc, out.byeSsrcCount]).toEqual([spec.ssrc, 1]);
      expect([out.unknownPackets, out.malformedPackets, out.blocksDropped]).toEqual([0, 0, 0]);
      // isRtcp tells it from RTP on a shared port (RFC 5761).
      expect(isRtcp(buf, 0, buf.length)).toBe(true);
    }), { numRuns: 1000, seed: 0x12 });
  });
});

describe('decoders on any bytes (property): never throw', () => {
  const anyRange = fc.tuple(fc.uint8Array({ maxLength: 96 }), fc.integer({ min: -4, max: 100 }), fc.integer({ min: -4, max: 100 }));

  it('arbitrary bytes at an arbitrary (offset, length), in range or not', () => {
    const v = new RtpView();
    const out = new RtcpCompound();
    fc.assert(fc.property(anyRange, ([bytes, off, len]) => {
      checkRtp(bytes, off, len, v);
      checkRtcp(bytes, off, len, out);
      expect(typeof isRtcp(bytes, off, len)).toBe('boolean');
    }), { numRuns: 3000, seed: 0x13 });
  });

  it('bit-flipped, overwritten, truncated and extended valid RTP and RTCP', () => {
    const v = new RtpView();
    const out = new RtcpCompound();
    let stillValid = 0;
    const packet = fc.oneof(
      fc.tuple(rtpHeader, fc.uint8Array({ maxLength: 160 })).map(([h, p]) => encode(h, p)),
      rtcpSpec.map(writeCompound),
    );
    fc.assert(fc.property(packet, mutation, (src, edits) => {
      const b = mutate(src, edits);
      const a = checkRtp(b, 0, b.length, v);
      const c = checkRtcp(b, 0, b.length, out);
      if (a === RtpStatus.OK || c === RtcpStatus.OK) stillValid++;
    }), { numRuns: 3000, seed: 0x14 });
    // Some mutants stay valid (a flipped payload bit, an extension byte), so the OK-path checks above ran.
    expect(stillValid).toBeGreaterThan(100);
  });
});
