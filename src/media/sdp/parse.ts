/**
 * SDP (RFC 4566) parsing for audio calls: a body in, a typed session description out, or an
 * error value naming what makes the body unusable. Never throws: offers and answers come from
 * the platform under test, so malformed input is data to count, not a crash.
 *
 * Tolerant where a real endpoint would be: LF-only line ends, blank lines, unknown line types
 * and attributes are skipped, and a malformed optional attribute (rtpmap, fmtp, rtcp, ptime) is
 * treated as absent. Strict where media could not flow: no audio m-line, a malformed m= line or
 * port, a malformed c= line, or an audio stream with no c= at media or session level.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type SdpAddrType = 'IP4' | 'IP6';
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** A c= line: unicast address only (a multicast "/ttl/count" suffix is dropped). */
export interface SdpConnection {
  readonly addrType: SdpAddrType;
  readonly address: string;
}

/** The o= line, as written (informative here: only used to recognise a changed session). */
export interface SdpOrigin {
  readonly username: string;
  /** Kept as text: RFC 4566 suggests NTP timestamps, which exceed 2^53. */
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** One payload type of an RTP m-line with a known encoding (its a=rtpmap, or the RFC 3551 static entry). */
export interface SdpCodec {
  readonly pt: number;
  /** As written; encoding names compare case-insensitively. */
  readonly encodingName: string;
  readonly clockRateHz: number;
  readonly channels: number;
  /** The a=fmtp parameters for this payload type, or null. */
  readonly fmtp: string | null;
}

/** a=rtcp (RFC 3605): where the far end wants RTCP when it is not on RTP port + 1. */
export interface SdpRtcp {
  readonly port: number;
  /** Only when the attribute names an address; otherwise the stream's c= applies. */
  readonly connection: SdpConnection | null;
}

export interface MediaDescription {
  /** The media type, lower-cased ("audio", "video", …). */
  readonly type: string;
  /** 0 means the stream is disabled (offer) or rejected (answer), RFC 3264 §5.1/§6. */
  readonly port: number;
  /** The "/<number of ports>" of the m= line, 1 when absent. */
  readonly portCount: number;
  readonly proto: string;
  /** Every <fmt> token of the m= line, in order. */
  readonly formats: readonly string[];
  /** The formats that are RTP payload types (0-127), in order; empty when the proto is not RTP. */
  readonly payloadTypes: readonly number[];
  /** The payload types with a known encoding, in m= order (the offerer's preference). */
  readonly codecs: readonly SdpCodec[];
  /** The c= that applies: the media's own, else the session's. */
  readonly connection: SdpConnection | null;
  /** The direction that applies: the media's attribute, else the session's, else sendrecv. */
  readonly direction: SdpDirection;
  readonly rtcpMux: boolean;
  readonly rtcp: SdpRtcp | null;
  readonly ptimeMs: number | null;
  readonly maxPtimeMs: number | null;
  /** 1-based line number of the m= line, for messages. */
  readonly line: number;
}

export interface SessionDescription {
  /** null when the o= line is missing or malformed (tolerated: nothing in media depends on it). */
  readonly origin: SdpOrigin | null;
  /** The session-level c=, or null. */
  readonly connection: SdpConnection | null;
  /** The session-level direction attribute, or null when none was given. */
  readonly direction: SdpDirection | null;
  /** The first t= line's "<start> <stop>" (an answer must repeat it, RFC 3264 §6), or null. */
  readonly timing: string | null;
  readonly media: readonly MediaDescription[];
}

export type SdpErrorCause =
  | 'not_sdp'
  | 'bad_version'
  | 'bad_media'
  | 'bad_port'
  | 'bad_connection'
  | 'no_audio'
  | 'no_connection';

export interface SdpError {
  readonly cause: SdpErrorCause;
  /** One line, naming the line number and the offending text. */
  readonly message: string;
  /** 1-based line number the error is about, 0 when it is about the whole body. */
  readonly line: number;
}

export type SdpParseResult = { readonly ok: true; readonly sdp: SessionDescription } | { readonly ok: false; readonly error: SdpError };

export interface StaticPayloadType {
  readonly encodingName: string;
  readonly clockRateHz: number;
  readonly channels: number;
}

/** RFC 3551 Table 4: static audio payload types, used when an m-line lists one without a=rtpmap. */
export const STATIC_AUDIO_PAYLOAD_TYPES: ReadonlyMap<number, StaticPayloadType> = new Map([
  [0, { encodingName: 'PCMU', clockRateHz: 8000, channels: 1 }],
  [3, { encodingName: 'GSM', clockRateHz: 8000, channels: 1 }],
  [4, { encodingName: 'G723', clockRateHz: 8000, channels: 1 }],
  [5, { encodingName: 'DVI4', clockRateHz: 8000, channels: 1 }],
  [6, { encodingName: 'DVI4', clockRateHz: 16000, channels: 1 }],
  [7, { encodingName: 'LPC', clockRateHz: 8000, channels: 1 }],
  [8, { encodingName: 'PCMA', clockRateHz: 8000, channels: 1 }],
  // G.722 samples at 16 kHz but its RTP clock is 8000 (RFC 3551 §4.5.2).
  [9, { encodingName: 'G722', clockRateHz: 8000, channels: 1 }],
  [10, { encodingName: 'L16', clockRateHz: 44100, channels: 2 }],
  [11, { encodingName: 'L16', clockRateHz: 44100, channels: 1 }],
  [12, { encodingName: 'QCELP', clockRateHz: 8000, channels: 1 }],
  [13, { encodingName: 'CN', clockRateHz: 8000, channels: 1 }],
  [15, { encodingName: 'G728', clockRateHz: 8000, channels: 1 }],
  [16, { encodingName: 'DVI4', clockRateHz: 11025, channels: 1 }],
  [17, { encodingName: 'DVI4', clockRateHz: 22050, channels: 1 }],
  [18, { encodingName: 'G729', clockRateHz: 8000, channels: 1 }],
]);

const MAX_PT = 127;
const MAX_PORT = 65535;

/** A media section while its lines are read. */
interface MediaDraft {
  type: string;
  port: number;
  portCount: number;
  proto: string;
  formats: string[];
  payloadTypes: number[];
  rtpmaps: Map<number, StaticPayloadType>;
  fmtps: Map<number, string>;
  connection: SdpConnection | null;
  direction: SdpDirection | null;
  rtcpMux: boolean;
  rtcp: SdpRtcp | null;
  ptimeMs: number | null;
  maxPtimeMs: number | null;
  line: number;
}

function fail(cause: SdpErrorCause, message: string, line: number): SdpParseResult {
  return { ok: false, error: { cause, message, line } };
}

/** A bounded, escaped rendering of untrusted text for an error message. */
function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

export function parseSdp(body: string): SdpParseResult {
  if (typeof body !== 'string' || body.length === 0) return fail('not_sdp', 'empty body: not an SDP session description', 0);
  let origin: SdpOrigin | null = null;
  let sessionConnection: SdpConnection | null = null;
  let sessionDirection: SdpDirection | null = null;
  let timing: string | null = null;
  let sawVersion = false;
  const drafts: MediaDraft[] = [];
  let media: MediaDraft | null = null;

  let pos = 0;
  let lineNo = 0;
  const len = body.length;
  while (pos < len) {
    let end = body.indexOf('\n', pos);
    if (end < 0) end = len;
    const line = trimEnd(body, pos, end);
    pos = end + 1;
    lineNo++;
    if (line.length === 0) continue;
    if (!sawVersion) {
      // RFC 4566 §5: the description starts with v=, and 0 is the only version.
      if (!line.startsWith('v=')) return fail('not_sdp', `line ${lineNo}: expected v=0 first, got ${quote(line)}`, lineNo);
      if (line !== 'v=0') return fail('bad_version', `line ${lineNo}: ${quote(line)}: only SDP version 0 exists`, lineNo);
      sawVersion = true;
      continue;
    }
    if (line.length < 2 || line.charCodeAt(1) !== EQ) continue; // not <type>=<value>: skipped
    const value = line.slice(2);
    switch (line.charCodeAt(0)) {
      case 0x6f: // o=
        if (media === null && origin === null) origin = parseOrigin(value);
        break;
      case 0x74: // t=
        if (media === null && timing === null) timing = parseTiming(value);
        break;
      case 0x63: { // c=
        const c = parseConnection(value);
        if (typeof c === 'string') return fail('bad_connection', `line ${lineNo}: c=${quote(value)}: ${c}`, lineNo);
        if (media === null) sessionConnection = c;
        else media.connection = c;
        break;
      }
      case 0x6d: { // m=
        const m = parseMediaLine(value, lineNo);
        if ('cause' in m) return { ok: false, error: m };
        media = m;
        drafts.push(m);
        break;
      }
      case 0x61: { // a=
        const d = direction(value);
        if (d !== null) {
          if (media === null) sessionDirection = d;
          else media.direction = d;
        } else if (media !== null) mediaAttribute(media, value);
        break;
      }
      default:
        break;
    }
  }
  if (!sawVersion) return fail('not_sdp', 'no v=0 line: not an SDP session description', 0);

  let audio = false;
  const out: MediaDescription[] = [];
  for (const d of drafts) {
    const connection = d.connection ?? sessionConnection;
    if (d.type === 'audio') {
      audio = true;
      // RFC 4566 §5.7: c= at session level or in every media description. A disabled stream needs none.
      if (connection === null && d.port !== 0) {
        return fail('no_connection', `line ${d.line}: m=audio has no c= line (neither in the media section nor at session level)`, d.line);
      }
    }
    out.push(finish(d, connection, sessionDirection));
  }
  if (!audio) return fail('no_audio', drafts.length === 0 ? 'no m= line: the description offers no media' : 'no m=audio line', 0);
  return { ok: true, sdp: { origin, connection: sessionConnection, direction: sessionDirection, timing, media: out } };
}

function finish(d: MediaDraft, connection: SdpConnection | null, sessionDirection: SdpDirection | null): MediaDescription {
  const codecs: SdpCodec[] = [];
  for (const pt of d.payloadTypes) {
    const map = d.rtpmaps.get(pt) ?? (d.type === 'audio' ? STATIC_AUDIO_PAYLOAD_TYPES.get(pt) : undefined);
    if (map === undefined) continue; // a dynamic payload type without a=rtpmap cannot be used
    const { encodingName, clockRateHz, channels } = map;
    codecs.push({ pt, encodingName, clockRateHz, channels, fmtp: d.fmtps.get(pt) ?? null });
  }
  return {
    type: d.type,
    port: d.port,
    portCount: d.portCount,
    proto: d.proto,
    formats: d.formats,
    payloadTypes: d.payloadTypes,
    codecs,
    connection,
    direction: d.direction ?? sessionDirection ?? 'sendrecv',
    rtcpMux: d.rtcpMux,
    rtcp: d.rtcp,
    ptimeMs: d.ptimeMs,
    maxPtimeMs: d.maxPtimeMs,
    line: d.line,
  };
}

// ---- lines -------------------------------------------------------------------------------

const EQ = 0x3d;
const SP = 0x20;
const HT = 0x09;
const CR = 0x0d;

function isBlank(c: number): boolean {
  return c === SP || c === HT || c === CR;
}

/** body[start, end) without trailing CR/SP/HT (LF-only and CRLF ends alike; trailing blanks tolerated). */
function trimEnd(body: string, start: number, end: number): string {
  while (end > start && isBlank(body.charCodeAt(end - 1))) end--;
  return body.slice(start, end);
}

/** Fields separated by runs of SP/HT (RFC 4566 says one SP; real bodies vary). CR counts as a blank so no field carries one. */
function fields(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isBlank(s.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isBlank(s.charCodeAt(i))) i++;
    if (i > start) out.push(s.slice(start, i));
  }
  return out;
}

/** A decimal integer 0..max written with digits only, else -1. */
function uint(s: string, max: number): number {
  if (s.length === 0 || s.length > 10) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= max ? v : -1;
}

/** A payload type 0-127 written canonically ("8", not "08": an answer repeats it, so it must match the m= token), else -1. */
function payloadType(s: string): number {
  const pt = uint(s, MAX_PT);
  return pt >= 0 && (s.length === 1 || s.charCodeAt(0) !== 48) ? pt : -1;
}

/** A positive decimal ("20", "20.0", "22.5") in milliseconds, else null. */
function positiveMs(s: string): number | null {
  if (s.length === 0 || s.length > 12) return null;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) dots++;
    else if (c < 48 || c > 57) return null;
  }
  if (dots > 1) return null;
  const v = Number(s);
  return Number.isFinite(v) && v > 0 ? v : null;
}

function parseOrigin(value: string): SdpOrigin | null {
  const f = fields(value);
  if (f.length !== 6) return null;
  return { username: f[0], sessionId: f[1], sessionVersion: f[2], netType: f[3], addrType: f[4], address: f[5] };
}

/** "<start> <stop>" as two decimal NTP times, else null (an answer then says "0 0"). */
function parseTiming(value: string): string | null {
  const f = fields(value);
  if (f.length !== 2 || uint(f[0], Number.MAX_SAFE_INTEGER) < 0 || uint(f[1], Number.MAX_SAFE_INTEGER) < 0) return null;
  return `${f[0]} ${f[1]}`;
}

/** "IN IP4 <addr>[/ttl[/n]]" → connection, or why not. Host names are refused: nothing here resolves them. */
function parseConnection(value: string): SdpConnection | string {
  const f = fields(value);
  if (f.length < 3) return 'expected IN <IP4|IP6> <address>';
  if (f[0].toUpperCase() !== 'IN') return `network type ${quote(f[0])} is not IN`;
  const t = f[1].toUpperCase();
  if (t !== 'IP4' && t !== 'IP6') return `address type ${quote(f[1])} is not IP4 or IP6`;
  const slash = f[2].indexOf('/');
  const address = slash < 0 ? f[2] : f[2].slice(0, slash);
  if (t === 'IP4' ? !isIPv4(address) : !isIPv6(address)) return `${quote(address)} is not an ${t} address literal`;
  return { addrType: t, address };
}

function parseMediaLine(value: string, line: number): MediaDraft | SdpError {
  const f = fields(value);
  if (f.length < 4) {
    return { cause: 'bad_media', message: `line ${line}: m=${quote(value)}: expected <media> <port> <proto> <fmt> ...`, line };
  }
  const slash = f[1].indexOf('/');
  const port = uint(slash < 0 ? f[1] : f[1].slice(0, slash), MAX_PORT);
  const portCount = slash < 0 ? 1 : uint(f[1].slice(slash + 1), MAX_PORT);
  if (port < 0 || portCount < 1) {
    return { cause: 'bad_port', message: `line ${line}: m= port ${quote(f[1])} is not a port 0-65535 (optionally /<count>)`, line };
  }
  const proto = f[2];
  const formats = f.slice(3);
  const payloadTypes: number[] = [];
  // RTP profiles (RTP/AVP, RTP/SAVP, RTP/AVPF, UDP/TLS/RTP/SAVPF) list payload types; others list their own formats.
  if (proto.toUpperCase().includes('RTP/')) {
    for (const t of formats) {
      const pt = payloadType(t);
      if (pt >= 0 && !payloadTypes.includes(pt)) payloadTypes.push(pt);
    }
  }
  return {
    type: f[0].toLowerCase(),
    port,
    portCount,
    proto,
    formats,
    payloadTypes,
    rtpmaps: new Map(),
    fmtps: new Map(),
    connection: null,
    direction: null,
    rtcpMux: false,
    rtcp: null,
    ptimeMs: null,
    maxPtimeMs: null,
    line,
  };
}

function direction(value: string): SdpDirection | null {
  switch (value) {
    case 'sendrecv':
    case 'sendonly':
    case 'recvonly':
    case 'inactive':
      return value;
    default:
      return null;
  }
}

/** Media-level attributes this module reads; anything else, and any malformed one, is skipped. */
function mediaAttribute(m: MediaDraft, value: string): void {
  const colon = value.indexOf(':');
  const name = (colon < 0 ? value : value.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : value.slice(colon + 1);
  switch (name) {
    case 'rtpmap': {
      // a=rtpmap:<pt> <encoding name>/<clock rate>[/<channels>]
      const f = fields(rest);
      if (f.length !== 2) return;
      const pt = payloadType(f[0]);
      const parts = f[1].split('/');
      if (pt < 0 || parts.length < 2 || parts.length > 3 || parts[0].length === 0) return;
      const clockRateHz = uint(parts[1], 0x7fffffff);
      const channels = parts.length === 3 ? uint(parts[2], 255) : 1;
      if (clockRateHz <= 0 || channels <= 0) return;
      if (!m.rtpmaps.has(pt)) m.rtpmaps.set(pt, { encodingName: parts[0], clockRateHz, channels });
      return;
    }
    case 'fmtp': {
      // a=fmtp:<format> <format specific parameters>
      let i = 0;
      while (i < rest.length && !isBlank(rest.charCodeAt(i))) i++;
      const pt = payloadType(rest.slice(0, i));
      const params = fields(rest.slice(i)).join(' ');
      if (pt >= 0 && params.length > 0 && !m.fmtps.has(pt)) m.fmtps.set(pt, params);
      return;
    }
    case 'rtcp-mux':
      m.rtcpMux = true;
      return;
    case 'rtcp': {
      // a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1)
      const f = fields(rest);
      const port = f.length > 0 ? uint(f[0], MAX_PORT) : -1;
      if (port < 0) return;
      let connection: SdpConnection | null = null;
      if (f.length >= 4) {
        const c = parseConnection(f.slice(1).join(' '));
        if (typeof c === 'string') return;
        connection = c;
      } else if (f.length !== 1) return;
      m.rtcp = { port, connection };
      return;
    }
    case 'ptime':
      m.ptimeMs = positiveMs(rest.trim());
      return;
    case 'maxptime':
      m.maxPtimeMs = positiveMs(rest.trim());
      return;
    default:
      return;
  }
}
