/**
 * RFC 3264 offer/answer for one audio stream, both ways round:
 * - answering (§6): `createAnswerer(...).negotiate(offer)` picks the stream and codec (no port
 *   needed yet, so a 488 costs no socket), then `render(plan, rtpPort, …)` writes the answer;
 * - offering (§7): `negotiateAnswer(offered, answer)` reads the far end's answer against our offer.
 * Both give the media the call will run with (`NegotiatedMedia`, from our side: `direction`
 * "sendonly" means we send and expect nothing back), or a failure whose `cause` is the counter
 * the caller increments.
 *
 * One stream and one codec per call: the first offered codec we support (the offerer's
 * preference, §6.1), plus telephone-event under the offerer's payload type when both sides have
 * it. A load test wants every call to run the same media, not to switch codecs mid-call.
 */
import type { MediaDescription, SdpAddrType, SdpCodec, SdpConnection, SdpDirection, SessionDescription } from './parse.js';
import {
  AUDIO_PROTO,
  CRLF,
  checkPerCall,
  resolveLocalMedia,
  rtpmapSuffix,
  type AudioCodec,
  type LocalMediaOptions,
  type OfferedAudio,
} from './offer.js';

export type MediaFailureCause =
  /** No audio stream we can take: none offered with a non-zero port over RTP/AVP in our address family; or the answer rejected ours. */
  | 'media_no_stream'
  /** An audio stream, but no codec in common (the answerer answers 488). */
  | 'media_no_codec'
  /** The answer breaks RFC 3264 against our offer (m-line count, media type, transport, address family). */
  | 'media_bad_answer';

export interface MediaFailure {
  readonly ok: false;
  readonly cause: MediaFailureCause;
  readonly message: string;
}

export interface NegotiatedCodec {
  /** The payload type to send with: the one the far end listed (RFC 3264 §6.1, §7). */
  readonly pt: number;
  /** Our spelling of the name. */
  readonly encodingName: string;
  readonly clockRateHz: number;
  readonly channels: number;
}

export interface NegotiatedMedia {
  /** Which m= line of the offer carries the stream. */
  readonly mediaIndex: number;
  readonly remoteAddrType: SdpAddrType;
  readonly remoteAddress: string;
  readonly remoteRtpPort: number;
  /** Where RTCP goes: the RTP address and port with rtcp-mux, else a=rtcp (RFC 3605), else RTP port + 1. */
  readonly remoteRtcpAddress: string;
  /** 0 when there is none (no rtcp-mux and the RTP port is 65535). */
  readonly remoteRtcpPort: number;
  readonly codec: NegotiatedCodec;
  /** The telephone-event payload type to send DTMF with, or null. */
  readonly telephoneEventPt: number | null;
  /**
   * Ours: "sendonly" = we send and expect nothing. A far-end c= of 0.0.0.0 (the RFC 2543 hold,
   * RFC 3264 §8.4) takes away our sending: neither RTP nor RTCP goes to that peer.
   */
  readonly direction: SdpDirection;
  readonly rtcpMux: boolean;
  /** The far end's a=ptime (the packetisation it wants), else ours. */
  readonly ptimeMs: number;
}

export type NegotiationResult = { readonly ok: true; readonly media: NegotiatedMedia } | MediaFailure;

/** An answer decided but not yet written: `render` adds the per-call port and o= values. */
export interface AnswerPlan {
  readonly ok: true;
  readonly media: NegotiatedMedia;
  /** The answer's text from t= to "m=audio " (rendered once, here). */
  readonly beforePort: string;
  /** The answer's text after the RTP port. */
  readonly afterPort: string;
}

export interface SdpAnswerer {
  negotiate(offer: SessionDescription): AnswerPlan | MediaFailure;
  render(plan: AnswerPlan, rtpPort: number, sessionId: number, sessionVersion: number): string;
}

// Directions as bits: 1 = send, 2 = receive.
const BITS: Readonly<Record<SdpDirection, number>> = { inactive: 0, sendonly: 1, recvonly: 2, sendrecv: 3 };
const BY_BITS: readonly SdpDirection[] = ['inactive', 'sendonly', 'recvonly', 'sendrecv'];
const SEND = 1;
const RECV = 2;

/** The other side's view of a direction: their sendonly is our recvonly. */
function mirror(bits: number): number {
  return ((bits & SEND) << 1) | ((bits & RECV) >> 1);
}

/** 0.0.0.0 or :: (any spelling): "do not send here" (RFC 3264 §8.4). */
function isNullAddress(address: string): boolean {
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c !== 0x30 && c !== 0x2e && c !== 0x3a) return false;
  }
  return true;
}

function key(name: string, clockRateHz: number, channels: number): string {
  return `${name.toUpperCase()}/${clockRateHz}/${channels}`;
}

function isTelephoneEvent(c: SdpCodec): boolean {
  return c.encodingName.length === 15 && c.encodingName.toLowerCase() === 'telephone-event';
}

/** The first of `listed` (in its order) that is one of `ours`, as [theirs, ours]. */
function pickCodec(listed: readonly SdpCodec[], ours: ReadonlyMap<string, AudioCodec>): [SdpCodec, AudioCodec] | null {
  for (const c of listed) {
    if (isTelephoneEvent(c)) continue;
    const mine = ours.get(key(c.encodingName, c.clockRateHz, c.channels));
    if (mine !== undefined) return [c, mine];
  }
  return null;
}

/** The far end's payload type under our name for the codec. */
function negotiatedCodec(theirs: SdpCodec, mine: AudioCodec): NegotiatedCodec {
  return { pt: theirs.pt, encodingName: mine.encodingName, clockRateHz: mine.clockRateHz, channels: mine.channels };
}

function telephoneEventPt(listed: readonly SdpCodec[], clockRateHz: number): number | null {
  // Events are timed on the audio clock (RFC 4733 §2.1), so only a matching rate will do.
  for (const c of listed) if (isTelephoneEvent(c) && c.clockRateHz === clockRateHz) return c.pt;
  return null;
}

function byKey(codecs: readonly AudioCodec[]): Map<string, AudioCodec> {
  const m = new Map<string, AudioCodec>();
  for (const c of codecs) m.set(key(c.encodingName, c.clockRateHz, c.channels), c);
  return m;
}

/** "PCMU/8000, PCMA/8000" for messages, at most five. */
function listCodecs(codecs: readonly { encodingName: string; clockRateHz: number }[]): string {
  if (codecs.length === 0) return 'none';
  const names = codecs.slice(0, 5).map((c) => JSON.stringify(`${c.encodingName}/${c.clockRateHz}`).slice(1, -1));
  return names.join(', ') + (codecs.length > 5 ? ', …' : '');
}

function failure(cause: MediaFailureCause, message: string): MediaFailure {
  return { ok: false, cause, message };
}

function remoteMedia(
  m: MediaDescription,
  c: SdpConnection,
  index: number,
  codec: NegotiatedCodec,
  tePt: number | null,
  directionBits: number,
  rtcpMux: boolean,
  ptimeMs: number,
): NegotiatedMedia {
  const rtcpPort = rtcpMux ? m.port : (m.rtcp?.port ?? (m.port < 65535 ? m.port + 1 : 0));
  return {
    mediaIndex: index,
    remoteAddrType: c.addrType,
    remoteAddress: c.address,
    remoteRtpPort: m.port,
    remoteRtcpAddress: rtcpMux ? c.address : (m.rtcp?.connection?.address ?? c.address),
    remoteRtcpPort: rtcpPort,
    codec,
    telephoneEventPt: tePt,
    direction: BY_BITS[directionBits],
    rtcpMux,
    ptimeMs: m.ptimeMs ?? ptimeMs,
  };
}

/** The answerer's side (RFC 3264 §6) for our codecs, telephone-event, ptime and rtcp-mux support. */
export function createAnswerer(options: LocalMediaOptions): SdpAnswerer {
  const local = resolveLocalMedia(options);
  const ours = byKey(local.codecs);
  const te = local.telephoneEvent;
  const ptimeLine = `a=ptime:${local.ptimeMs}${CRLF}`;

  return {
    negotiate(offer) {
      let streams = 0;
      let why = '';
      for (let i = 0; i < offer.media.length; i++) {
        const m = offer.media[i];
        if (m.type !== 'audio') continue;
        if (m.port === 0) {
          why ||= `the m=audio of line ${m.line} is disabled (port 0)`;
          continue;
        }
        if (m.proto.toUpperCase() !== AUDIO_PROTO) {
          why ||= `the m=audio of line ${m.line} is ${JSON.stringify(m.proto)}, not ${AUDIO_PROTO}`;
          continue;
        }
        // parse.ts refuses audio with a port and no c=; a hand-built description may still lack one.
        const c = m.connection;
        if (c === null) {
          why ||= `the m=audio of line ${m.line} has no c= line`;
          continue;
        }
        // RFC 6157 §3.1: the answer's c= must be of the offer's address type; we have one address.
        if (c.addrType !== local.addrType) {
          why ||= `the m=audio of line ${m.line} is on ${c.addrType}, our media address is ${local.addrType}`;
          continue;
        }
        streams++;
        const picked = pickCodec(m.codecs, ours);
        if (picked === null) continue;
        const [theirs, mine] = picked;
        const tePt = te === null ? null : telephoneEventPt(m.codecs, theirs.clockRateHz);
        // §6.1: sendonly is answered recvonly and so on; a 0.0.0.0 offerer receives nothing.
        let offerBits = BITS[m.direction];
        if (isNullAddress(c.address)) offerBits &= ~RECV;
        const bits = mirror(offerBits);
        const rtcpMux = local.rtcpMux && m.rtcpMux;
        const codec = negotiatedCodec(theirs, mine);

        let before = `t=${offer.timing ?? '0 0'}${CRLF}`;
        for (let j = 0; j < i; j++) before += rejected(offer.media[j]);
        before += 'm=audio ';
        let after = ` ${m.proto} ${theirs.pt}${tePt === null ? '' : ` ${tePt}`}${CRLF}`;
        after += `a=rtpmap:${theirs.pt}${rtpmapSuffix(mine.encodingName, mine.clockRateHz, mine.channels)}`;
        if (mine.fmtp !== null) after += `a=fmtp:${theirs.pt} ${mine.fmtp}${CRLF}`;
        if (te !== null && tePt !== null) {
          after += `a=rtpmap:${tePt}${rtpmapSuffix('telephone-event', theirs.clockRateHz, 1)}a=fmtp:${tePt} ${te.events}${CRLF}`;
        }
        after += ptimeLine;
        if (rtcpMux) after += `a=rtcp-mux${CRLF}`;
        after += `a=${BY_BITS[bits]}${CRLF}`;
        for (let j = i + 1; j < offer.media.length; j++) after += rejected(offer.media[j]);

        return {
          ok: true,
          media: remoteMedia(m, c, i, codec, tePt, bits, rtcpMux, local.ptimeMs),
          beforePort: before,
          afterPort: after,
        };
      }
      if (streams > 0) {
        const offered = offer.media.filter((m) => m.type === 'audio').flatMap((m) => m.codecs.filter((c) => !isTelephoneEvent(c)));
        return failure('media_no_codec', `no common audio codec: offered ${listCodecs(offered)}; we take ${listCodecs(local.codecs)}`);
      }
      return failure('media_no_stream', `no audio stream we can take: ${why || 'no m=audio line'}`);
    },

    render(plan, rtpPort, sessionId, sessionVersion) {
      checkPerCall(rtpPort, sessionId, sessionVersion);
      return local.head + sessionId + ' ' + sessionVersion + local.originTail + plan.beforePort + rtpPort + plan.afterPort;
    },
  };
}

/** An m= line refused (RFC 3264 §6): port 0, the offered formats repeated (SDP needs at least one). */
function rejected(m: MediaDescription): string {
  return `m=${m.type} 0 ${m.proto} ${m.formats.join(' ')}${CRLF}`;
}

/** Codec lookup per offer builder (its `offered` is one object for every call). */
const offeredByKey = new WeakMap<OfferedAudio, Map<string, AudioCodec>>();

/** The offerer's side (RFC 3264 §7): what the far end's answer to our single audio offer means. */
export function negotiateAnswer(offered: OfferedAudio, answer: SessionDescription): NegotiationResult {
  // §6: as many m= lines as the offer, same order, same media type and transport.
  if (answer.media.length !== 1) return failure('media_bad_answer', `the answer has ${answer.media.length} m= lines; the offer had 1`);
  const m = answer.media[0];
  if (m.type !== 'audio') return failure('media_bad_answer', `the answer's m= line is ${JSON.stringify(m.type)}; the offer's was audio`);
  if (m.proto.toUpperCase() !== offered.proto) {
    return failure('media_bad_answer', `the answer's transport is ${JSON.stringify(m.proto)}; the offer's was ${offered.proto}`);
  }
  if (m.port === 0) return failure('media_no_stream', 'the answer rejected the audio stream (port 0)');
  const c = m.connection;
  if (c === null) return failure('media_bad_answer', "the answer's m=audio has no c= line");
  if (c.addrType !== offered.addrType) {
    return failure('media_bad_answer', `the answer's c= is ${c.addrType}; the offer's was ${offered.addrType} (RFC 6157 §3.1)`);
  }
  let ours = offeredByKey.get(offered);
  if (ours === undefined) offeredByKey.set(offered, (ours = byKey(offered.codecs)));
  const picked = pickCodec(m.codecs, ours);
  if (picked === null) {
    const listed = m.codecs.filter((x) => !isTelephoneEvent(x));
    return failure('media_no_codec', `the answer's codecs (${listCodecs(listed)}) are none of those offered (${listCodecs(offered.codecs)})`);
  }
  const [theirs, mine] = picked;
  const tePt = offered.telephoneEvent === null ? null : telephoneEventPt(m.codecs, theirs.clockRateHz);
  // We offered sendrecv, so the answer's direction, seen from our side, is what we do.
  let bits = mirror(BITS[m.direction]);
  if (isNullAddress(c.address)) bits &= ~SEND;
  const codec = negotiatedCodec(theirs, mine);
  return { ok: true, media: remoteMedia(m, c, 0, codec, tePt, bits, offered.rtcpMux && m.rtcpMux, offered.ptimeMs) };
}
