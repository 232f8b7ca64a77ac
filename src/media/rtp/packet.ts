/**
 * RTP data packets (RFC 3550 §5.1) and RTCP control packets (§6.1, §6.4–6.6) on caller-provided
 * Buffers, for a generator that handles ~50 packets per second per call for a thousand calls.
 *
 * - Encoding writes into a Buffer the caller owns, at an offset, and returns the byte count; a
 *   sender builds its packet once and rewrites only sequence number, timestamp and marker per packet.
 * - Decoding fills a reusable view object and returns a status number: no object, string or
 *   closure per packet. Decoders never throw, whatever the bytes (the fuzz test holds them to it).
 * - Encoders throw RangeError on arguments outside the protocol's fields or past the buffer's end:
 *   those are bugs of the caller, never data from the network.
 */

export const RTP_VERSION = 2;
/** Fixed RTP header: V/P/X/CC, M/PT, sequence number, timestamp, SSRC (§5.1). */
export const RTP_HEADER_BYTES = 12;

// ---------------------------------------------------------------------------------------------
// Byte helpers: plain index arithmetic, so an out-of-range read yields NaN-free zeros instead of
// throwing, and the hot path stays free of Buffer method bounds checks.

function u16(buf: Uint8Array, i: number): number {
  return (buf[i] << 8) | buf[i + 1];
}

function u32(buf: Uint8Array, i: number): number {
  return ((buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]) >>> 0;
}

function put16(buf: Uint8Array, i: number, v: number): void {
  buf[i] = (v >>> 8) & 0xff;
  buf[i + 1] = v & 0xff;
}

function put32(buf: Uint8Array, i: number, v: number): void {
  buf[i] = (v >>> 24) & 0xff;
  buf[i + 1] = (v >>> 16) & 0xff;
  buf[i + 2] = (v >>> 8) & 0xff;
  buf[i + 3] = v & 0xff;
}

function checkUint(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} must be an integer in [0, ${max}], got ${v}`);
}

function checkRoom(buf: Uint8Array, offset: number, bytes: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + bytes > buf.length) {
    throw new RangeError(`${what}: ${bytes} bytes at offset ${offset} do not fit a ${buf.length}-byte buffer`);
  }
}

/** A decoder's (offset, length) must lie inside the buffer; false rather than a throw. */
function validRange(buf: Uint8Array, offset: number, length: number): boolean {
  return Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= buf.length;
}

// ---------------------------------------------------------------------------------------------
// RTP encode

export interface RtpHeaderExtension {
  /** "defined by profile" 16 bits (§5.3.1). */
  profile: number;
  /** Extension body; its length must be a multiple of 4 (the header counts it in 32-bit words). */
  data: Uint8Array;
}

export interface RtpHeader {
  /** 0..127. */
  payloadType: number;
  /** 0..65535. */
  sequenceNumber: number;
  /** 0..2^32−1, in the payload format's clock units. */
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  /** Contributing sources, at most 15 (§5.1 CC). */
  csrcs?: readonly number[];
  extension?: RtpHeaderExtension | null;
  /**
   * Padding octets appended after the payload, counting the final count octet itself (§5.1 P):
   * 0 for none, else 1..255.
   */
  paddingBytes?: number;
}

/** Header bytes (fixed part, CSRC list, extension) for `h`: where the payload starts. */
export function rtpHeaderBytes(h: RtpHeader): number {
  const cc = h.csrcs?.length ?? 0;
  return RTP_HEADER_BYTES + 4 * cc + (h.extension ? 4 + h.extension.data.length : 0);
}

/**
 * The common case, positional and allocation-free: a 12-byte header with no CSRC, extension or
 * padding. Returns 12. Arguments are masked to their field widths (the caller owns them).
 */
export function writeRtpHeader(
  buf: Uint8Array,
  offset: number,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
  marker = false,
): number {
  checkRoom(buf, offset, RTP_HEADER_BYTES, 'writeRtpHeader');
  buf[offset] = 0x80; // V=2, P=0, X=0, CC=0
  buf[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  put16(buf, offset + 2, sequenceNumber & 0xffff);
  put32(buf, offset + 4, timestamp >>> 0);
  put32(buf, offset + 8, ssrc >>> 0);
  return RTP_HEADER_BYTES;
}

/** Per-packet rewrites of a prebuilt packet (no bounds checks: the packet was built by encodeRtp). */
export function setRtpSequenceNumber(buf: Uint8Array, offset: number, sequenceNumber: number): void {
  put16(buf, offset + 2, sequenceNumber & 0xffff);
}

export function setRtpTimestamp(buf: Uint8Array, offset: number, timestamp: number): void {
  put32(buf, offset + 4, timestamp >>> 0);
}

export function setRtpMarker(buf: Uint8Array, offset: number, marker: boolean): void {
  buf[offset + 1] = (buf[offset + 1] & 0x7f) | (marker ? 0x80 : 0);
}

/**
 * A full RTP packet at `offset`: header from `h`, then the payload — copied from `payload`, or,
 * when `payload` is null, `payloadBytes` bytes the caller has written (or will write) in place at
 * `offset + rtpHeaderBytes(h)` — then padding. Returns the packet's length in bytes.
 */
export function encodeRtp(
  buf: Uint8Array,
  offset: number,
  h: RtpHeader,
  payload: Uint8Array | null,
  payloadBytes: number = payload === null ? 0 : payload.length,
): number {
  checkUint('payloadType', h.payloadType, 127);
  checkUint('sequenceNumber', h.sequenceNumber, 0xffff);
  checkUint('timestamp', h.timestamp, 0xffffffff);
  checkUint('ssrc', h.ssrc, 0xffffffff);
  const csrcs = h.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError(`at most 15 CSRCs fit the CC field, got ${csrcs.length}`);
  const ext = h.extension ?? null;
  if (ext !== null) {
    checkUint('extension.profile', ext.profile, 0xffff);
    if (ext.data.length % 4 !== 0 || ext.data.length / 4 > 0xffff) {
      throw new RangeError(`extension data must be a multiple of 4 bytes and at most 65535 words, got ${ext.data.length} bytes`);
    }
  }
  const pad = h.paddingBytes ?? 0;
  checkUint('paddingBytes', pad, 255);
  if (payload !== null && payloadBytes !== payload.length) {
    throw new RangeError(`payloadBytes ${payloadBytes} differs from the payload's length ${payload.length}`);
  }
  checkUint('payloadBytes', payloadBytes, 0xffff);
  const headerBytes = rtpHeaderBytes(h);
  const total = headerBytes + payloadBytes + pad;
  checkRoom(buf, offset, total, 'encodeRtp');

  buf[offset] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext !== null ? 0x10 : 0) | csrcs.length;
  buf[offset + 1] = (h.marker ? 0x80 : 0) | h.payloadType;
  put16(buf, offset + 2, h.sequenceNumber);
  put32(buf, offset + 4, h.timestamp);
  put32(buf, offset + 8, h.ssrc);
  let p = offset + RTP_HEADER_BYTES;
  for (const csrc of csrcs) {
    checkUint('csrc', csrc, 0xffffffff);
    put32(buf, p, csrc);
    p += 4;
  }
  if (ext !== null) {
    put16(buf, p, ext.profile);
    put16(buf, p + 2, ext.data.length / 4);
    buf.set(ext.data, p + 4);
    p += 4 + ext.data.length;
  }
  if (payload !== null) buf.set(payload, p);
  p += payloadBytes;
  if (pad > 0) {
    buf.fill(0, p, p + pad - 1);
    buf[p + pad - 1] = pad;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// RTP decode

/** decodeRtp's results: 0 is a valid packet, anything else names the first check that failed. */
export const RtpStatus = {
  OK: 0,
  /** (offset, length) outside the buffer, or not integers. */
  BAD_RANGE: 1,
  /** Fewer than 12 bytes. */
  TOO_SHORT: 2,
  /** Version field is not 2 (A.1). */
  BAD_VERSION: 3,
  /** PT 72–76: an RTCP SR/RR/SDES/BYE/APP seen through the RTP header (A.1; RFC 5761 §4). */
  RTCP_PAYLOAD_TYPE: 4,
  /** PT not in the set the caller expects (A.1 "payload type must be known"). */
  UNEXPECTED_PAYLOAD_TYPE: 5,
  /** The CSRC list runs past the end (A.1 "length consistent with CC"). */
  CSRC_OVERRUN: 6,
  /** The header extension runs past the end, or into the padding (A.1). */
  EXTENSION_OVERRUN: 7,
  /** P set but the count octet is 0 or larger than what follows the header (A.1). */
  BAD_PADDING: 8,
} as const;
export type RtpStatus = (typeof RtpStatus)[keyof typeof RtpStatus];

const RTP_STATUS_TEXT: readonly string[] = [
  'ok',
  'range outside the buffer',
  'shorter than the 12-byte RTP header',
  'RTP version is not 2',
  'payload type 72-76 is RTCP',
  'payload type not expected',
  'CSRC list overruns the packet',
  'header extension overruns the packet',
  'padding count is 0 or overruns the packet',
];

export function describeRtpStatus(status: RtpStatus): string {
  return RTP_STATUS_TEXT[status] ?? `unknown status ${status}`;
}

/** The payload types a receiver accepts: `set[pt] === 1` (what the SDP negotiated). */
export type PayloadTypeSet = Uint8Array;

export function payloadTypeSet(payloadTypes: Iterable<number>): PayloadTypeSet {
  const set = new Uint8Array(128);
  for (const pt of payloadTypes) {
    checkUint('payload type', pt, 127);
    set[pt] = 1;
  }
  return set;
}

/** What decodeRtp read: one instance per socket or stream, refilled for every packet. */
export class RtpView {
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  csrcCount = 0;
  /** Absolute offset of the first CSRC in the buffer. */
  csrcOffset = 0;
  hasExtension = false;
  extensionProfile = 0;
  /** Absolute offset and length of the extension body (after its 4-byte header). */
  extensionOffset = 0;
  extensionBytes = 0;
  /** Fixed header + CSRCs + extension. */
  headerBytes = 0;
  /** Absolute offset and length of the payload, padding excluded. */
  payloadOffset = 0;
  payloadBytes = 0;
  /** Padding octets including the count octet; 0 when P is clear. */
  paddingBytes = 0;

  /** The i-th CSRC (0-based) of the packet last decoded from `buf`. */
  csrc(buf: Uint8Array, i: number): number {
    return i >= 0 && i < this.csrcCount ? u32(buf, this.csrcOffset + 4 * i) : 0;
  }
}

/**
 * Validates an RTP packet per RFC 3550 A.1 and fills `view`. `payloadTypes`, when given, is the
 * set the SDP negotiated; without it any PT that is not RTCP passes. Never throws; on a non-zero
 * status the view's fields are unspecified.
 */
export function decodeRtp(
  buf: Uint8Array,
  offset: number,
  length: number,
  view: RtpView,
  payloadTypes: PayloadTypeSet | null = null,
): RtpStatus {
  if (!validRange(buf, offset, length)) return RtpStatus.BAD_RANGE;
  if (length < RTP_HEADER_BYTES) return RtpStatus.TOO_SHORT;
  const b0 = buf[offset];
  if (b0 >> 6 !== RTP_VERSION) return RtpStatus.BAD_VERSION;
  const b1 = buf[offset + 1];
  const pt = b1 & 0x7f;
  if (pt >= 72 && pt <= 76) return RtpStatus.RTCP_PAYLOAD_TYPE;
  if (payloadTypes !== null && payloadTypes[pt] !== 1) return RtpStatus.UNEXPECTED_PAYLOAD_TYPE;
  const end = offset + length;
  const cc = b0 & 0x0f;
  let p = offset + RTP_HEADER_BYTES + 4 * cc;
  if (p > end) return RtpStatus.CSRC_OVERRUN;
  view.csrcCount = cc;
  view.csrcOffset = offset + RTP_HEADER_BYTES;
  let padding = 0;
  if ((b0 & 0x20) !== 0) {
    padding = buf[end - 1];
    // The count octet is part of the padding, so 0 is impossible; it must fit after the header.
    if (padding === 0 || padding > end - p) return RtpStatus.BAD_PADDING;
  }
  view.hasExtension = (b0 & 0x10) !== 0;
  if (view.hasExtension) {
    if (p + 4 > end - padding) return RtpStatus.EXTENSION_OVERRUN;
    const extBytes = 4 * u16(buf, p + 2);
    if (p + 4 + extBytes > end - padding) return RtpStatus.EXTENSION_OVERRUN;
    view.extensionProfile = u16(buf, p);
    view.extensionOffset = p + 4;
    view.extensionBytes = extBytes;
    p += 4 + extBytes;
  } else {
    view.extensionProfile = 0;
    view.extensionOffset = 0;
    view.extensionBytes = 0;
  }
  view.marker = (b1 & 0x80) !== 0;
  view.payloadType = pt;
  view.sequenceNumber = u16(buf, offset + 2);
  view.timestamp = u32(buf, offset + 4);
  view.ssrc = u32(buf, offset + 8);
  view.headerBytes = p - offset;
  view.payloadOffset = p;
  view.payloadBytes = end - padding - p;
  view.paddingBytes = padding;
  return RtpStatus.OK;
}

/**
 * Field readers for a packet already validated (or for a quick demux): no view, no checks.
 * Reading past the buffer yields 0 bits, never a throw.
 */
export function rtpSequenceNumber(buf: Uint8Array, offset: number): number {
  return u16(buf, offset + 2);
}

export function rtpTimestamp(buf: Uint8Array, offset: number): number {
  return u32(buf, offset + 4);
}

export function rtpSsrc(buf: Uint8Array, offset: number): number {
  return u32(buf, offset + 8);
}

export function rtpPayloadType(buf: Uint8Array, offset: number): number {
  return buf[offset + 1] & 0x7f;
}

/**
 * RTP and RTCP on one port (RFC 5761 §4): an RTCP packet's second octet, its packet type, is in
 * 192..223 (SR 200, RR 201, …), which no RTP marker+PT octet takes when PTs 64–95 stay unused.
 */
export function isRtcp(buf: Uint8Array, offset: number, length: number): boolean {
  if (!validRange(buf, offset, length) || length < 2) return false;
  const pt = buf[offset + 1];
  return pt >= 192 && pt <= 223;
}

// ---------------------------------------------------------------------------------------------
// RTCP (§6)

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
/** SDES item type of CNAME (§6.5.1). */
export const SDES_CNAME = 1;
/** One reception report block (§6.4.1). */
export const REPORT_BLOCK_BYTES = 24;
/** The RC / SC field is 5 bits. */
export const MAX_REPORT_BLOCKS = 31;

/** A reception report block (§6.4.1), in wire units. */
export interface ReportBlock {
  /** SSRC_n: the source this block reports on. */
  ssrc: number;
  /** Loss since the previous report, 8-bit fixed point (lost/expected × 256, 0..255). */
  fractionLost: number;
  /** Expected − received since reception began; signed, 24 bits on the wire (−8388608..8388607). */
  cumulativeLost: number;
  /** Sequence-number cycles (high 16 bits) and highest sequence number received (low 16). */
  extendedHighestSeq: number;
  /** Interarrival jitter in RTP timestamp units (A.8). */
  jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp from SSRC_n, 0 if none. */
  lsr: number;
  /** Delay since that SR in 1/65536 s, 0 if none. */
  dlsr: number;
}

/** Mutable ReportBlock the parser and the receiver statistics fill in place. */
export class ReportBlockView implements ReportBlock {
  /** SSRC of the SR/RR this block came in (parser only). */
  reporterSsrc = 0;
  ssrc = 0;
  fractionLost = 0;
  cumulativeLost = 0;
  extendedHighestSeq = 0;
  jitter = 0;
  lsr = 0;
  dlsr = 0;
}

/** The sender-information section of an SR (§6.4.1). */
export interface SenderInfo {
  /** NTP timestamp, seconds since 1900 (mod 2^32). */
  ntpSeconds: number;
  /** NTP timestamp, fraction of a second in units of 2^-32 s. */
  ntpFraction: number;
  /** The same instant in the stream's RTP timestamp units. */
  rtpTimestamp: number;
  /** RTP packets sent since the start (mod 2^32). */
  packetCount: number;
  /** RTP payload octets sent since the start (mod 2^32). */
  octetCount: number;
}

/** A.3: the cumulative loss is carried in 24 signed bits; clamp rather than wrap. */
export function clampCumulativeLost(lost: number): number {
  return lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : lost;
}

function writeBlock(buf: Uint8Array, p: number, b: ReportBlock): void {
  put32(buf, p, b.ssrc >>> 0);
  buf[p + 4] = b.fractionLost & 0xff;
  const lost = clampCumulativeLost(Math.trunc(b.cumulativeLost)) & 0xffffff;
  buf[p + 5] = (lost >>> 16) & 0xff;
  buf[p + 6] = (lost >>> 8) & 0xff;
  buf[p + 7] = lost & 0xff;
  put32(buf, p + 8, b.extendedHighestSeq >>> 0);
  put32(buf, p + 12, b.jitter >>> 0);
  put32(buf, p + 16, b.lsr >>> 0);
  put32(buf, p + 20, b.dlsr >>> 0);
}

function writeRtcpHeader(buf: Uint8Array, p: number, count: number, pt: number, bytes: number): void {
  buf[p] = 0x80 | count; // V=2, P=0: compound packets here carry no padding
  buf[p + 1] = pt;
  put16(buf, p + 2, bytes / 4 - 1);
}

/** SR (§6.4.1) with zero or one report block. Returns its length: 28 or 52 bytes. */
export function writeSenderReport(buf: Uint8Array, offset: number, ssrc: number, info: SenderInfo, block: ReportBlock | null): number {
  const bytes = 28 + (block === null ? 0 : REPORT_BLOCK_BYTES);
  checkRoom(buf, offset, bytes, 'writeSenderReport');
  writeRtcpHeader(buf, offset, block === null ? 0 : 1, RTCP_SR, bytes);
  put32(buf, offset + 4, ssrc >>> 0);
  put32(buf, offset + 8, info.ntpSeconds >>> 0);
  put32(buf, offset + 12, info.ntpFraction >>> 0);
  put32(buf, offset + 16, info.rtpTimestamp >>> 0);
  put32(buf, offset + 20, info.packetCount >>> 0);
  put32(buf, offset + 24, info.octetCount >>> 0);
  if (block !== null) writeBlock(buf, offset + 28, block);
  return bytes;
}

/** RR (§6.4.2) with zero or one report block (an empty RR still heads a compound, §6.4.2). 8 or 32 bytes. */
export function writeReceiverReport(buf: Uint8Array, offset: number, ssrc: number, block: ReportBlock | null): number {
  const bytes = 8 + (block === null ? 0 : REPORT_BLOCK_BYTES);
  checkRoom(buf, offset, bytes, 'writeReceiverReport');
  writeRtcpHeader(buf, offset, block === null ? 0 : 1, RTCP_RR, bytes);
  put32(buf, offset + 4, ssrc >>> 0);
  if (block !== null) writeBlock(buf, offset + 8, block);
  return bytes;
}

/** UTF-8 byte length of an SDES text given as a string or as bytes. */
function textBytes(text: string | Uint8Array): number {
  return typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.length;
}

function writeText(buf: Uint8Array, p: number, text: string | Uint8Array): void {
  if (typeof text === 'string') Buffer.from(buf.buffer, buf.byteOffset, buf.length).write(text, p, 'utf8');
  else buf.set(text, p);
}

function sdesBytes(cnameBytes: number): number {
  // header 4 + SSRC 4 + item (2 + text) + at least one null octet, padded to a 32-bit boundary (§6.5)
  return 8 + ((2 + cnameBytes + 1 + 3) & ~3);
}

/** SDES (§6.5) with one chunk holding one CNAME item (at most 255 bytes of UTF-8). */
export function writeSdesCname(buf: Uint8Array, offset: number, ssrc: number, cname: string | Uint8Array): number {
  const n = textBytes(cname);
  if (n > 255) throw new RangeError(`an SDES item holds at most 255 bytes, the CNAME has ${n}`);
  const bytes = sdesBytes(n);
  checkRoom(buf, offset, bytes, 'writeSdesCname');
  writeRtcpHeader(buf, offset, 1, RTCP_SDES, bytes);
  put32(buf, offset + 4, ssrc >>> 0);
  buf[offset + 8] = SDES_CNAME;
  buf[offset + 9] = n;
  writeText(buf, offset + 10, cname);
  buf.fill(0, offset + 10 + n, offset + bytes); // END item, then padding to the boundary
  return bytes;
}

function byeBytes(reasonBytes: number): number {
  return reasonBytes < 0 ? 8 : 8 + ((1 + reasonBytes + 3) & ~3);
}

/** BYE (§6.6) for one SSRC, with an optional reason (at most 255 bytes). */
export function writeBye(buf: Uint8Array, offset: number, ssrc: number, reason: string | Uint8Array | null = null): number {
  const n = reason === null ? -1 : textBytes(reason);
  if (n > 255) throw new RangeError(`a BYE reason holds at most 255 bytes, got ${n}`);
  const bytes = byeBytes(n);
  checkRoom(buf, offset, bytes, 'writeBye');
  writeRtcpHeader(buf, offset, 1, RTCP_BYE, bytes);
  put32(buf, offset + 4, ssrc >>> 0);
  if (reason !== null) {
    buf[offset + 8] = n;
    writeText(buf, offset + 9, reason);
    buf.fill(0, offset + 9 + n, offset + bytes);
  }
  return bytes;
}

export interface RtcpCompoundSpec {
  ssrc: number;
  /** Present when this endpoint sent RTP since the last report: the compound starts with an SR. */
  sender?: SenderInfo | null;
  /** The one source this endpoint reports on, if it has received from one. */
  block?: ReportBlock | null;
  /** Mandatory in every compound (§6.1). Pre-encoded bytes avoid a per-report string encode. */
  cname: string | Uint8Array;
  /** Append a BYE (last, §6.1) with this optional reason. */
  bye?: boolean;
  byeReason?: string | Uint8Array | null;
}

/** Bytes writeRtcpCompound will write for `spec`: size the buffer once per stream. */
export function rtcpCompoundBytes(spec: RtcpCompoundSpec): number {
  const report = (spec.sender ? 28 : 8) + (spec.block ? REPORT_BLOCK_BYTES : 0);
  const bye = spec.bye ? byeBytes(spec.byeReason == null ? -1 : textBytes(spec.byeReason)) : 0;
  return report + sdesBytes(textBytes(spec.cname)) + bye;
}

/**
 * A compound RTCP packet as §6.1 requires: SR (if we sent) or RR first, then SDES with CNAME,
 * then BYE when leaving. Returns its length.
 */
export function writeRtcpCompound(buf: Uint8Array, offset: number, spec: RtcpCompoundSpec): number {
  checkRoom(buf, offset, rtcpCompoundBytes(spec), 'writeRtcpCompound');
  const block = spec.block ?? null;
  let p = offset;
  p += spec.sender ? writeSenderReport(buf, p, spec.ssrc, spec.sender, block) : writeReceiverReport(buf, p, spec.ssrc, block);
  p += writeSdesCname(buf, p, spec.ssrc, spec.cname);
  if (spec.bye) p += writeBye(buf, p, spec.ssrc, spec.byeReason ?? null);
  return p - offset;
}

// ---------------------------------------------------------------------------------------------
// RTCP parse

/** parseRtcp's results: 0 is a valid compound packet. */
export const RtcpStatus = {
  OK: 0,
  BAD_RANGE: 1,
  /** Fewer than 8 bytes: not even an empty RR. */
  TOO_SHORT: 2,
  /** The compound's length is not a whole number of 32-bit words (A.2). */
  BAD_LENGTH: 3,
  /** A packet's version is not 2 (A.2). */
  BAD_VERSION: 4,
  /** The first packet is not an SR or RR, or has P set (A.2, §6.1). */
  NOT_REPORT_FIRST: 5,
  /** A packet's length field runs past the compound, or the lengths do not add up to it (A.2). */
  LENGTH_MISMATCH: 6,
  /** P set on a packet that is not the last, or an impossible padding count (A.2, §6.4.1). */
  BAD_PADDING: 7,
  /** An SR or RR shorter than its report count needs. */
  MALFORMED_REPORT: 8,
} as const;
export type RtcpStatus = (typeof RtcpStatus)[keyof typeof RtcpStatus];

const RTCP_STATUS_TEXT: readonly string[] = [
  'ok',
  'range outside the buffer',
  'shorter than an RTCP report',
  'length not a multiple of 4',
  'RTCP version is not 2',
  'first packet is not an SR or RR, or is padded',
  'packet lengths do not add up to the compound',
  'padding on a packet other than the last, or a bad padding count',
  'SR or RR shorter than its report count',
];

export function describeRtcpStatus(status: RtcpStatus): string {
  return RTCP_STATUS_TEXT[status] ?? `unknown status ${status}`;
}

/**
 * What parseRtcp found in one compound packet. Reuse one instance per stream: parseRtcp resets it.
 * Report blocks are kept up to MAX_REPORT_BLOCKS in all (one SR/RR's worth); the rest are counted.
 */
export class RtcpCompound implements SenderInfo {
  /** Individual RTCP packets in the compound. */
  packets = 0;
  hasSenderReport = false;
  /** SSRC of the first SR's or RR's sender. */
  reporterSsrc = 0;
  // Sender info of the first SR.
  ntpSeconds = 0;
  ntpFraction = 0;
  rtpTimestamp = 0;
  packetCount = 0;
  octetCount = 0;
  readonly blocks: readonly ReportBlockView[];
  blockCount = 0;
  blocksDropped = 0;
  /** First CNAME seen: the SSRC of its chunk, and where its bytes are in the parsed buffer (-1: none). */
  cnameSsrc = 0;
  cnameOffset = -1;
  cnameBytes = 0;
  /** A BYE was present; its first SSRC, and how many it listed. */
  bye = false;
  byeSsrc = 0;
  byeSsrcCount = 0;
  /** Packets of types this parser does not read (APP, XR, feedback…): skipped by their length. */
  unknownPackets = 0;
  /** SDES or BYE packets whose inside was inconsistent: skipped, the rest of the compound kept. */
  malformedPackets = 0;

  constructor() {
    const blocks: ReportBlockView[] = [];
    for (let i = 0; i < MAX_REPORT_BLOCKS; i++) blocks.push(new ReportBlockView());
    this.blocks = blocks;
  }

  reset(): void {
    this.packets = 0;
    this.hasSenderReport = false;
    this.reporterSsrc = 0;
    this.ntpSeconds = 0;
    this.ntpFraction = 0;
    this.rtpTimestamp = 0;
    this.packetCount = 0;
    this.octetCount = 0;
    this.blockCount = 0;
    this.blocksDropped = 0;
    this.cnameSsrc = 0;
    this.cnameOffset = -1;
    this.cnameBytes = 0;
    this.bye = false;
    this.byeSsrc = 0;
    this.byeSsrcCount = 0;
    this.unknownPackets = 0;
    this.malformedPackets = 0;
  }

  /** The report block about `ssrc` (e.g. our own sending SSRC), or null. */
  findBlock(ssrc: number): ReportBlockView | null {
    const want = ssrc >>> 0;
    for (let i = 0; i < this.blockCount; i++) if (this.blocks[i].ssrc === want) return this.blocks[i];
    return null;
  }

  /** The CNAME as a string (allocates; call it only when needed), from the buffer that was parsed. */
  cname(buf: Uint8Array): string | null {
    if (this.cnameOffset < 0) return null;
    return Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('utf8', this.cnameOffset, this.cnameOffset + this.cnameBytes);
  }
}

function readBlocks(buf: Uint8Array, p: number, count: number, reporter: number, out: RtcpCompound): void {
  for (let i = 0; i < count; i++, p += REPORT_BLOCK_BYTES) {
    if (out.blockCount >= MAX_REPORT_BLOCKS) {
      out.blocksDropped++;
      continue;
    }
    const b = out.blocks[out.blockCount++];
    b.reporterSsrc = reporter;
    b.ssrc = u32(buf, p);
    b.fractionLost = buf[p + 4];
    const lost = (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7];
    b.cumulativeLost = lost & 0x800000 ? lost - 0x1000000 : lost; // sign-extend 24 bits
    b.extendedHighestSeq = u32(buf, p + 8);
    b.jitter = u32(buf, p + 12);
    b.lsr = u32(buf, p + 16);
    b.dlsr = u32(buf, p + 20);
  }
}

/** SDES chunks (§6.5): keep the first CNAME. False when the inside is inconsistent. */
function readSdes(buf: Uint8Array, start: number, contentEnd: number, count: number, out: RtcpCompound): boolean {
  let p = start + 4;
  for (let c = 0; c < count; c++) {
    if (p + 4 > contentEnd) return false;
    const ssrc = u32(buf, p);
    p += 4;
    for (;;) {
      if (p >= contentEnd) return false; // the item list must end with a null octet
      const type = buf[p];
      if (type === 0) {
        p = start + ((p - start + 4) & ~3); // END, then nulls to the next 32-bit boundary
        if (p > contentEnd) return false;
        break;
      }
      if (p + 2 > contentEnd) return false;
      const len = buf[p + 1];
      if (p + 2 + len > contentEnd) return false;
      if (type === SDES_CNAME && out.cnameOffset < 0) {
        out.cnameSsrc = ssrc;
        out.cnameOffset = p + 2;
        out.cnameBytes = len;
      }
      p += 2 + len;
    }
  }
  return true;
}

/**
 * Parses one compound RTCP packet, validated per RFC 3550 A.2: whole 32-bit words, version 2 in
 * every packet, an SR or RR first, padding only on the last packet, and lengths that add up to
 * the compound exactly. SR sender info, report blocks, the first CNAME and BYE are extracted;
 * other packet types are skipped by their length. Never throws.
 */
export function parseRtcp(buf: Uint8Array, offset: number, length: number, out: RtcpCompound): RtcpStatus {
  out.reset();
  if (!validRange(buf, offset, length)) return RtcpStatus.BAD_RANGE;
  if (length < 8) return RtcpStatus.TOO_SHORT;
  if (length % 4 !== 0) return RtcpStatus.BAD_LENGTH;
  const end = offset + length;
  let pos = offset;
  while (pos < end) {
    const b0 = buf[pos];
    if (b0 >> 6 !== RTP_VERSION) return RtcpStatus.BAD_VERSION;
    const padded = (b0 & 0x20) !== 0;
    const count = b0 & 0x1f;
    const pt = buf[pos + 1];
    const bytes = 4 * (u16(buf, pos + 2) + 1);
    if (pos + bytes > end) return RtcpStatus.LENGTH_MISMATCH;
    if (pos === offset && ((pt !== RTCP_SR && pt !== RTCP_RR) || padded)) return RtcpStatus.NOT_REPORT_FIRST;
    let contentEnd = pos + bytes;
    if (padded) {
      if (contentEnd !== end) return RtcpStatus.BAD_PADDING;
      const pad = buf[contentEnd - 1];
      if (pad === 0 || pad > bytes - 4) return RtcpStatus.BAD_PADDING;
      contentEnd -= pad;
    }
    out.packets++;
    const avail = contentEnd - pos;
    if (pt === RTCP_SR) {
      if (avail < 28 + REPORT_BLOCK_BYTES * count) return RtcpStatus.MALFORMED_REPORT;
      const reporter = u32(buf, pos + 4);
      if (!out.hasSenderReport) {
        out.hasSenderReport = true;
        out.ntpSeconds = u32(buf, pos + 8);
        out.ntpFraction = u32(buf, pos + 12);
        out.rtpTimestamp = u32(buf, pos + 16);
        out.packetCount = u32(buf, pos + 20);
        out.octetCount = u32(buf, pos + 24);
      }
      if (pos === offset) out.reporterSsrc = reporter;
      readBlocks(buf, pos + 28, count, reporter, out);
    } else if (pt === RTCP_RR) {
      if (avail < 8 + REPORT_BLOCK_BYTES * count) return RtcpStatus.MALFORMED_REPORT;
      const reporter = u32(buf, pos + 4);
      if (pos === offset) out.reporterSsrc = reporter;
      readBlocks(buf, pos + 8, count, reporter, out);
    } else if (pt === RTCP_SDES) {
      if (!readSdes(buf, pos, contentEnd, count, out)) out.malformedPackets++;
    } else if (pt === RTCP_BYE) {
      if (avail < 4 + 4 * count) out.malformedPackets++;
      else {
        out.bye = true;
        out.byeSsrcCount = count;
        if (count > 0) out.byeSsrc = u32(buf, pos + 4);
      }
    } else {
      out.unknownPackets++;
    }
    pos += bytes;
  }
  return RtcpStatus.OK;
}

// ---------------------------------------------------------------------------------------------
// RTCP transmission interval (§6.3.1, A.7)

export interface RtcpIntervalInput {
  /** Session members, this endpoint included (2 for a call). */
  members: number;
  /** Members that sent RTP recently. */
  senders: number;
  /** RTCP bandwidth for the whole session, bytes per second (5 % of the session bandwidth, §6.2). */
  rtcpBandwidthBytesPerSec: number;
  /** This endpoint sent RTP since the second-previous report. */
  weSent: boolean;
  /** Average compound RTCP size in bytes, UDP and IP headers included (§6.3.3). */
  avgRtcpBytes: number;
  /** No RTCP sent yet: the minimum is halved (§6.3.1 step 2). */
  initial: boolean;
  /** Uniform [0, 1): the randomisation of step 4 (e.g. util/random mulberry32). */
  random: () => number;
  /** Tmin in ms; §6.2 recommends 5,000 (the initial interval uses half). */
  minIntervalMs?: number;
}

/** e − 3/2: §6.3.1 step 5's compensation for timer reconsideration. */
const RTCP_COMPENSATION = Math.E - 1.5;

/** The randomised interval T (§6.3.1 steps 1–5) in ms until the next compound RTCP packet. */
export function rtcpIntervalMs(input: RtcpIntervalInput): number {
  const senderShare = 0.25;
  let bw = input.rtcpBandwidthBytesPerSec;
  let n = input.members;
  if (input.senders <= input.members * senderShare) {
    if (input.weSent) {
      bw *= senderShare;
      n = input.senders;
    } else {
      bw *= 1 - senderShare;
      n = input.members - input.senders;
    }
  }
  const minMs = (input.minIntervalMs ?? 5000) / (input.initial ? 2 : 1);
  const deterministicMs = bw > 0 ? Math.max(minMs, ((input.avgRtcpBytes * n) / bw) * 1000) : minMs;
  return (deterministicMs * (input.random() + 0.5)) / RTCP_COMPENSATION;
}
