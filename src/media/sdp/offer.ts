/**
 * Our SDP offer for an audio call (RFC 3264 §5): one m=audio RTP/AVP line with the codecs in
 * preference order, telephone-event (RFC 4733), a=ptime, sendrecv, and a=rtcp-mux (RFC 5761)
 * when asked for. It runs once per call at thousands of calls per second, so everything but the
 * session id/version and the RTP port is rendered once, when the builder is created.
 *
 * Also the local media settings both sides share (codecs, telephone-event, ptime, address) and
 * their validation, used by answer.ts.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { errors } from '../../errors.js';
import { STATIC_AUDIO_PAYLOAD_TYPES, type SdpAddrType } from './parse.js';

/** An audio codec we can send and receive, with the payload type we offer it under. */
export interface AudioCodec {
  readonly pt: number;
  readonly encodingName: string;
  readonly clockRateHz: number;
  readonly channels: number;
  /** a=fmtp parameters we state for it, or null. */
  readonly fmtp: string | null;
}

/** RFC 4733 events. In an answer the payload type and clock rate are the offerer's; `events` is ours. */
export interface TelephoneEvent {
  readonly pt: number;
  readonly clockRateHz: number;
  /** The a=fmtp event list, e.g. "0-16" (DTMF 0-9 * # A-D, and flash). */
  readonly events: string;
}

export const PCMU: AudioCodec = { pt: 0, encodingName: 'PCMU', clockRateHz: 8000, channels: 1, fmtp: null };
export const PCMA: AudioCodec = { pt: 8, encodingName: 'PCMA', clockRateHz: 8000, channels: 1, fmtp: null };
export const TELEPHONE_EVENT: TelephoneEvent = { pt: 101, clockRateHz: 8000, events: '0-16' };
export const DEFAULT_CODECS: readonly AudioCodec[] = [PCMU, PCMA];
export const DEFAULT_PTIME_MS = 20;
export const AUDIO_PROTO = 'RTP/AVP';

/** Settings an offer and an answer are both made from. */
export interface LocalMediaOptions {
  /** Our RTP address (c= and o=): an IPv4 or IPv6 literal. */
  address: string;
  /** Codecs in preference order. Default PCMU, PCMA. */
  codecs?: readonly AudioCodec[];
  /** null: no telephone-event. Default payload type 101, 8000 Hz, events 0-16. */
  telephoneEvent?: TelephoneEvent | null;
  /** Packetisation we ask to receive. Default 20. */
  ptimeMs?: number;
  /** Offer (or, answering, accept) RTP and RTCP on one port. Default false. */
  rtcpMux?: boolean;
  /** The o= username. Default "callcert". */
  username?: string;
  /** The s= line. Default "callcert". */
  sessionName?: string;
}

export interface LocalMedia {
  readonly addrType: SdpAddrType;
  readonly address: string;
  readonly codecs: readonly AudioCodec[];
  readonly telephoneEvent: TelephoneEvent | null;
  readonly ptimeMs: number;
  readonly rtcpMux: boolean;
  /** "v=0\r\no=<username> " — the session id follows. */
  readonly head: string;
  /** " IN <addrtype> <address>\r\ns=<name>\r\nc=IN <addrtype> <address>\r\n" — after the session version. */
  readonly originTail: string;
}

/** What our offer said, for reading the answer against (answer.ts negotiateAnswer). */
export interface OfferedAudio {
  readonly addrType: SdpAddrType;
  readonly proto: string;
  readonly codecs: readonly AudioCodec[];
  readonly telephoneEvent: TelephoneEvent | null;
  readonly ptimeMs: number;
  readonly rtcpMux: boolean;
}

export interface SdpOfferBuilder {
  readonly offered: OfferedAudio;
  /** The offer for one call. `sessionId`/`sessionVersion`: non-negative safe integers (o=, RFC 4566 §5.2). */
  build(rtpPort: number, sessionId: number, sessionVersion: number): string;
}

export const CRLF = '\r\n';
const ENCODING_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const FMTP = /^[\x21-\x7e][\x20-\x7e]*$/;
const USERNAME = /^[\x21-\x7e]+$/;

function bad(what: string): never {
  throw errors.usage(`media SDP: ${what}`);
}

/** Validates the settings (throws CC_ERR_CLI_USAGE naming the field) and renders the fixed session lines. */
export function resolveLocalMedia(o: LocalMediaOptions): LocalMedia {
  const addrType: SdpAddrType | null = isIPv4(o.address) ? 'IP4' : isIPv6(o.address) ? 'IP6' : null;
  if (addrType === null) bad(`address ${JSON.stringify(o.address)} is not an IPv4 or IPv6 literal`);
  const codecs = o.codecs ?? DEFAULT_CODECS;
  const telephoneEvent = o.telephoneEvent === undefined ? TELEPHONE_EVENT : o.telephoneEvent;
  const ptimeMs = o.ptimeMs ?? DEFAULT_PTIME_MS;
  const rtcpMux = o.rtcpMux ?? false;
  const username = o.username ?? 'callcert';
  const sessionName = o.sessionName ?? 'callcert';
  if (codecs.length === 0) bad('codecs: at least one codec is needed');
  const pts = new Set<number>();
  const checkPt = (pt: number, what: string): void => {
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) bad(`${what}: payload type ${pt} is not 0-127`);
    // RFC 5761 §4: with RTP and RTCP on one port, 64-95 would collide with RTCP packet types.
    if (rtcpMux && pt >= 64 && pt <= 95) bad(`${what}: payload type ${pt} is in 64-95, which rtcp-mux forbids`);
    if (pts.has(pt)) bad(`${what}: payload type ${pt} is used twice`);
    pts.add(pt);
  };
  for (const c of codecs) {
    const what = `codec ${JSON.stringify(c.encodingName)}`;
    if (!ENCODING_NAME.test(c.encodingName)) bad(`${what}: not an encoding name`);
    if (c.encodingName.toLowerCase() === 'telephone-event') bad(`${what}: set telephoneEvent instead`);
    checkPt(c.pt, what);
    if (!Number.isInteger(c.clockRateHz) || c.clockRateHz <= 0) bad(`${what}: clockRateHz ${c.clockRateHz} is not a positive integer`);
    if (!Number.isInteger(c.channels) || c.channels < 1 || c.channels > 255) bad(`${what}: channels ${c.channels} is not 1-255`);
    if (c.fmtp !== null && !FMTP.test(c.fmtp)) bad(`${what}: fmtp is empty or has control characters`);
    // A static payload type means one encoding (RFC 3551 Table 4); reusing it for another confuses every peer.
    const fixed = STATIC_AUDIO_PAYLOAD_TYPES.get(c.pt);
    if (
      fixed !== undefined &&
      (fixed.encodingName !== c.encodingName.toUpperCase() || fixed.clockRateHz !== c.clockRateHz || fixed.channels !== c.channels)
    ) {
      bad(`${what}: payload type ${c.pt} is ${fixed.encodingName}/${fixed.clockRateHz}/${fixed.channels} (RFC 3551)`);
    }
    if (fixed === undefined && c.pt < 96) bad(`${what}: payload type ${c.pt} is neither RFC 3551 static nor dynamic (96-127)`);
  }
  if (telephoneEvent !== null) {
    checkPt(telephoneEvent.pt, 'telephoneEvent');
    if (telephoneEvent.pt < 96) bad(`telephoneEvent: payload type ${telephoneEvent.pt} is not dynamic (96-127)`);
    if (!Number.isInteger(telephoneEvent.clockRateHz) || telephoneEvent.clockRateHz <= 0) bad('telephoneEvent: clockRateHz is not a positive integer');
    if (!FMTP.test(telephoneEvent.events)) bad('telephoneEvent: events is empty or has control characters');
  }
  if (!Number.isInteger(ptimeMs) || ptimeMs < 1 || ptimeMs > 1000) bad(`ptimeMs ${ptimeMs} is not an integer 1-1000`);
  if (!USERNAME.test(username)) bad('username: empty or has blanks');
  if (!FMTP.test(sessionName)) bad('sessionName: empty or has control characters');
  const at = `IN ${addrType} ${o.address}`;
  return {
    addrType,
    address: o.address,
    codecs,
    telephoneEvent,
    ptimeMs,
    rtcpMux,
    head: `v=0${CRLF}o=${username} `,
    originTail: ` ${at}${CRLF}s=${sessionName}${CRLF}c=${at}${CRLF}`,
  };
}

/** " <name>/<rate>[/<channels>]\r\n": what follows "a=rtpmap:<pt>" for a codec. */
export function rtpmapSuffix(encodingName: string, clockRateHz: number, channels: number): string {
  return ` ${encodingName}/${clockRateHz}${channels === 1 ? '' : `/${channels}`}${CRLF}`;
}

/** Per-call values we can put in o= and m= lines; anything else is a bug in the caller. */
export function checkPerCall(rtpPort: number, sessionId: number, sessionVersion: number): void {
  if (!Number.isInteger(rtpPort) || rtpPort < 1 || rtpPort > 65535) throw errors.internal(`media SDP: RTP port ${rtpPort} is not 1-65535`);
  if (!Number.isSafeInteger(sessionId) || sessionId < 0 || !Number.isSafeInteger(sessionVersion) || sessionVersion < 0) {
    throw errors.internal(`media SDP: o= session id ${sessionId} / version ${sessionVersion} are not non-negative safe integers`);
  }
}

export function createOfferBuilder(options: LocalMediaOptions): SdpOfferBuilder {
  const local = resolveLocalMedia(options);
  const te = local.telephoneEvent;
  let pts = '';
  let attrs = '';
  for (const c of local.codecs) {
    pts += ` ${c.pt}`;
    attrs += `a=rtpmap:${c.pt}${rtpmapSuffix(c.encodingName, c.clockRateHz, c.channels)}`;
    if (c.fmtp !== null) attrs += `a=fmtp:${c.pt} ${c.fmtp}${CRLF}`;
  }
  if (te !== null) {
    pts += ` ${te.pt}`;
    attrs += `a=rtpmap:${te.pt}${rtpmapSuffix('telephone-event', te.clockRateHz, 1)}a=fmtp:${te.pt} ${te.events}${CRLF}`;
  }
  attrs += `a=ptime:${local.ptimeMs}${CRLF}`;
  if (local.rtcpMux) attrs += `a=rtcp-mux${CRLF}`;
  attrs += `a=sendrecv${CRLF}`;
  // Per call: head + id + ' ' + version + middle + port + tail.
  const head = local.head;
  const middle = `${local.originTail}t=0 0${CRLF}m=audio `;
  const tail = ` ${AUDIO_PROTO}${pts}${CRLF}${attrs}`;
  const offered: OfferedAudio = {
    addrType: local.addrType,
    proto: AUDIO_PROTO,
    codecs: local.codecs,
    telephoneEvent: te,
    ptimeMs: local.ptimeMs,
    rtcpMux: local.rtcpMux,
  };
  return {
    offered,
    build(rtpPort, sessionId, sessionVersion) {
      checkPerCall(rtpPort, sessionId, sessionVersion);
      return head + sessionId + ' ' + sessionVersion + middle + rtpPort + tail;
    },
  };
}
