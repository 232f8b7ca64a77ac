/**
 * Validation of a parsed request before a UAS acts on it (RFC 3261 §8.2),
 * giving the answer the RFC gives a malformed or unusable request (RFC 4475
 * §3.1.2, §3.3 list which for each torture message):
 *
 *   400 syntax the lean parser lets through: repeated single-value header fields,
 *       CSeq method ≠ request method, empty Via/Contact parameters, broken
 *       name-addr (unterminated quote, non-token display name, LWS inside <>,
 *       an addr-spec with '?' outside <>), bad Max-Forwards, headers in the
 *       Request-URI
 *   501 a method the UAS does not implement (§8.2.1; with Allow)
 *   416 a Request-URI scheme other than sip, sips, tel (§8.2.2.1)
 *   420 Require with option tags the UAS does not support (§8.2.2.3; with Unsupported)
 *   415 a body type or encoding the UAS does not understand (§8.2.3; with Accept, Accept-Encoding)
 *   406 an Accept that rules out the SDP our 2xx would carry (§21.4.7)
 *   488 an SDP offer with no usable audio stream (§21.4.26; with Warning 304/305)
 *
 * What the parser already rejects (version, framing, Content-Length vs body,
 * missing To/From/Call-ID/CSeq/Via) never gets here: see salvage.ts.
 *
 * Hot path: one pass over the header array comparing interned names by
 * identity, plus character loops over the few values that are checked; no
 * regular expressions and no allocation for a valid request.
 */
import type { SipMessage } from './message.js';
import { validTokenChars } from './headers.js';

export interface RequestFault {
  status: number;
  /** Full reason phrase, naming the fault (ASCII, no CR/LF). */
  reason: string;
  /** Header lines the answer must carry, e.g. "Unsupported: foo". */
  extraHeaders: readonly string[];
}

export interface CheckOptions {
  /** Methods the UAS implements; any other gets 501 with Allow. */
  methods: readonly string[];
  /** Option tags the UAS supports (compared case-insensitively). */
  supported: readonly string[];
  /** Body media types the UAS understands, lowercase type/subtype. */
  accept: readonly string[];
  /** Methods whose 2xx carries an SDP body: their Accept must allow application/sdp, their SDP offer must be usable. */
  sdpMethods: readonly string[];
  /** warn-agent of Warning header fields (RFC 3261 §20.43). */
  warnAgent: string;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS'],
  supported: [],
  accept: ['application/sdp'],
  sdpMethods: ['INVITE'],
  warnAgent: 'callcert',
};

/** Standard reason phrases of the answers this module and salvage give. */
const PHRASES: Record<number, string> = {
  400: 'Bad Request', 406: 'Not Acceptable', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  420: 'Bad Extension', 488: 'Not Acceptable Here', 501: 'Not Implemented', 505: 'Version Not Supported',
  513: 'Message Too Large',
};

/** "Bad Request (multiple SP in Request-Line)": the standard phrase plus the fault, printable ASCII only. */
export function faultReason(status: number, detail: string): string {
  const phrase = PHRASES[status] ?? 'Error';
  if (detail === '') return phrase;
  let d = '';
  for (let i = 0; i < detail.length && d.length < 120; i++) {
    const c = detail.charCodeAt(i);
    d += c >= 0x20 && c < 0x7f ? detail[i] : '?';
  }
  return `${phrase} (${d})`;
}

const HT = 9;
const SP = 32;
const DQUOTE = 34;
const COMMA = 44;
const SEMI = 59;
const LT = 60;
const GT = 62;
const QMARK = 63;
const BACKSLASH = 92;


function isWs(c: number): boolean {
  return c === SP || c === HT;
}
function isToken(c: number): boolean {
  return c < 256 && validTokenChars[c] === 1;
}
function skipWs(v: string, i: number): number {
  while (i < v.length && isWs(v.charCodeAt(i))) i++;
  return i;
}
/** Index after the closing quote of the quoted-string opening at i, or -1 when unterminated. */
function skipQuoted(v: string, i: number): number {
  for (i++; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === DQUOTE) return i + 1;
  }
  return -1;
}

/**
 * Header parameters from v[i] on (";name[=value]" repeated): an empty one
 * (";;", a trailing ';') is a fault (RFC 4475 §3.1.2.1). Returns the index of
 * the first character that is not part of them (a ',' or the end), or -1.
 */
function skipParams(v: string, i: number): number {
  const n = v.length;
  while (i < n) {
    const c = v.charCodeAt(i);
    if (c === COMMA) return i;
    if (c === SEMI) {
      const j = skipWs(v, i + 1);
      if (j >= n || !isToken(v.charCodeAt(j))) return -1;
      i = j;
    } else if (c === DQUOTE) {
      i = skipQuoted(v, i);
      if (i < 0) return -1;
    } else {
      i++;
    }
  }
  return n;
}

/** Fault in a Via value (one or more via-parms): empty parameters or empty list elements. */
export function viaFault(v: string): string | null {
  const n = v.length;
  let i = skipWs(v, 0);
  for (;;) {
    if (i >= n || v.charCodeAt(i) === COMMA || v.charCodeAt(i) === SEMI) return 'empty value in Via';
    const e = skipParams(v, i);
    if (e < 0) return 'empty parameter in Via';
    if (e >= n) return null;
    i = skipWs(v, e + 1); // past the ','
  }
}

/**
 * Fault in a name-addr / addr-spec value (From, To, Contact; RFC 3261 §20.10,
 * §25.1), `name` naming the header in the reason. With `list`, ','-separated
 * values are checked in turn (Contact), and "*" is accepted.
 */
export function addrFault(v: string, name: string, list: boolean): string | null {
  const n = v.length;
  let i = skipWs(v, 0);
  if (list && i < n && v.charCodeAt(i) === 42 /* * */ && skipWs(v, i + 1) === n) return null;
  for (;;) {
    if (i >= n) return `empty ${name}`;
    let c = v.charCodeAt(i);
    let lt = -1;
    if (c === DQUOTE) {
      const q = skipQuoted(v, i);
      if (q < 0) return `unterminated quoted string in ${name}`; // RFC 4475 §3.1.2.6
      i = skipWs(v, q);
      if (i >= n || v.charCodeAt(i) !== LT) return `display name without <URI> in ${name}`;
      lt = i;
    } else {
      // name-addr with a token display name, or an addr-spec: find a '<' before any ';' / ','.
      let j = i;
      let plain = true;
      while (j < n) {
        c = v.charCodeAt(j);
        if (c === LT) {
          lt = j;
          break;
        }
        if (c === SEMI || (c === COMMA && list)) break;
        if (!isToken(c) && !isWs(c)) plain = false;
        j++;
      }
      if (lt < 0) {
        // addr-spec: a URI with '?' (headers) or ',' must be in <> (§20.10; RFC 4475 §3.1.2.13 regbadct).
        // The scan above stopped at the first ';', which starts the header's parameters.
        if (j > i) {
          for (let k = i; k < j; k++) {
            c = v.charCodeAt(k);
            if (c === QMARK || c === COMMA || c === LT || c === GT) return `URI with headers or ',' not enclosed in <> in ${name}`;
          }
        }
        if (j === i) return `empty URI in ${name}`;
        i = j;
      } else if (!plain) {
        // A '<' was found, or a ',' in a single-value header (baddn: "Bell, Alexander <sip:…>").
        return `non-token characters in display name of ${name}`; // RFC 4475 §3.1.2.15
      }
    }
    if (lt >= 0) {
      const gt = v.indexOf('>', lt + 1);
      if (gt < 0) return `unterminated <URI> in ${name}`;
      if (gt === lt + 1) return `empty URI in ${name}`;
      if (isWs(v.charCodeAt(lt + 1)) || isWs(v.charCodeAt(gt - 1))) return `whitespace inside <URI> in ${name}`; // §3.1.2.14
      i = gt + 1;
    }
    const e = skipParams(v, i);
    if (e < 0) return `empty parameter in ${name}`;
    if (e >= n) return null;
    if (!list) return `more than one value in ${name}`;
    i = skipWs(v, e + 1);
  }
}

/** Max-Forwards = 1*DIGIT, 0-255 (RFC 3261 §20.22; RFC 4475 §3.1.2.4). */
function maxForwardsOk(v: string): boolean {
  if (v.length === 0 || v.length > 10) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    n = n * 10 + d;
  }
  return n <= 255;
}

/** Lowercase scheme of a URI ("sip"), '' when there is no "scheme:". */
function schemeOf(uri: string): string {
  const colon = uri.indexOf(':');
  return colon > 0 ? uri.slice(0, colon).toLowerCase() : '';
}

/**
 * Headers in a SIP Request-URI ("sip:user@host?Route=…", RFC 4475 §3.1.2.11;
 * not allowed there, RFC 3261 §19.1.1 table): a '?' after the host. The user
 * part may hold '?' (RFC 4475 §3.1.1.2 intmeth), and '@' cannot appear
 * unescaped after the host, so '?' is looked for after the last '@'.
 */
function requestUriHasHeaders(uri: string): boolean {
  const at = uri.lastIndexOf('@');
  return uri.indexOf('?', at + 1) >= 0;
}

/** "type/subtype" of a Content-Type / Accept element, lowercase. */
function mediaType(v: string): string {
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
}

/**
 * Whether an SDP offer has an audio stream we can answer: the body starts
 * with "v=" and an "m=audio" line with a non-zero port offers PCMU or PCMA
 * (static payload 0 or 8, or an rtpmap naming them). null when usable, else
 * why not. indexOf and character scans only: this runs for every INVITE offer.
 */
export function sdpUsable(body: string): string | null {
  if (!body.startsWith('v=')) return 'not an SDP session description';
  let audio = false;
  let from = 0;
  for (;;) {
    const m = body.indexOf('m=audio', from);
    if (m < 0) break;
    from = m + 7;
    if (m > 0 && body.charCodeAt(m - 1) !== LF) continue;
    audio = true;
    let e = body.indexOf('\n', m);
    if (e < 0) e = body.length;
    // m=<media> <port>[/<n>] <proto> <fmt> ...
    let i = m + 7;
    let k = 0;
    let disabled = false;
    while (i < e) {
      while (i < e && isSpace(body.charCodeAt(i))) i++;
      const t = i;
      while (i < e && !isSpace(body.charCodeAt(i))) i++;
      if (i === t) break;
      if (k === 0) disabled = body.charCodeAt(t) === 48 && (i - t === 1 || body.charCodeAt(t + 1) === 47); // port 0
      else if (k >= 2 && !disabled) {
        const pt = body.slice(t, i);
        if (pt === '0' || pt === '8' || rtpmapIsG711(body, pt)) return null;
      }
      k++;
    }
  }
  return audio ? NO_CODEC : 'no audio stream';
}

const NO_CODEC = 'no common audio codec (PCMU/PCMA)';
const LF = 10;
const CR = 13;

function isSpace(c: number): boolean {
  return c === SP || c === HT || c === CR;
}

/** An "a=rtpmap:<pt> PCMU/…" or "PCMA/…" line (case-insensitive encoding name). */
function rtpmapIsG711(body: string, pt: string): boolean {
  const key = `a=rtpmap:${pt}`;
  let from = 0;
  for (;;) {
    const a = body.indexOf(key, from);
    if (a < 0) return false;
    from = a + key.length;
    let i = from;
    if (i >= body.length || !isSpace(body.charCodeAt(i))) continue;
    while (i < body.length && isSpace(body.charCodeAt(i))) i++;
    const enc = body.slice(i, i + 5).toUpperCase();
    if (enc === 'PCMU/' || enc === 'PCMA/') return true;
  }
}

function fault(status: number, detail: string, extraHeaders: readonly string[] = []): RequestFault {
  return { status, reason: faultReason(status, detail), extraHeaders };
}

/** Validates parsed requests for one UAS configuration. */
export class RequestChecker {
  private readonly methods: ReadonlySet<string>;
  private readonly supported: ReadonlySet<string>;
  private readonly accept: ReadonlySet<string>;
  private readonly sdpMethods: ReadonlySet<string>;
  private readonly allow: string;
  private readonly acceptHeader: string;
  private readonly warnAgent: string;

  constructor(o: CheckOptions = DEFAULT_CHECK_OPTIONS) {
    this.methods = new Set(o.methods);
    this.supported = new Set(o.supported.map((t) => t.toLowerCase()));
    this.accept = new Set(o.accept);
    this.sdpMethods = new Set(o.sdpMethods);
    this.allow = `Allow: ${o.methods.join(', ')}`;
    this.acceptHeader = `Accept: ${o.accept.join(', ')}`;
    this.warnAgent = o.warnAgent;
  }

  /** The answer `msg` must get instead of normal processing, or null when it is fine. */
  check(msg: SipMessage): RequestFault | null {
    const h = msg.headers;
    let callIds = 0;
    let cseqs = 0;
    let froms = 0;
    let tos = 0;
    let maxFwds = 0;
    let contentTypes = 0;
    let syntax: string | null = null;
    let maxForwards: string | undefined;
    let require: string[] | null = null;
    let contentType: string | undefined;
    let contentEncoding: string | undefined;
    let accept: string[] | null = null;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i];
      const v = h[i + 1];
      // Interned names: identity comparisons, most frequent first.
      if (name === 'via') {
        if (syntax === null) syntax = viaFault(v);
      } else if (name === 'from') {
        froms++;
        if (syntax === null) syntax = addrFault(v, 'From', false);
      } else if (name === 'to') {
        tos++;
        if (syntax === null) syntax = addrFault(v, 'To', false);
      } else if (name === 'call-id') {
        callIds++;
      } else if (name === 'cseq') {
        cseqs++;
      } else if (name === 'contact') {
        if (syntax === null) syntax = addrFault(v, 'Contact', true);
      } else if (name === 'max-forwards') {
        maxFwds++;
        maxForwards = v;
      } else if (name === 'content-type') {
        contentTypes++;
        contentType = v;
      } else if (name === 'require') {
        (require ??= []).push(v);
      } else if (name === 'content-encoding') {
        contentEncoding = contentEncoding === undefined ? v : `${contentEncoding}, ${v}`;
      } else if (name === 'accept') {
        (accept ??= []).push(v);
      }
    }

    // ---- 400: syntax ------------------------------------------------------------
    if (callIds > 1 || cseqs > 1 || froms > 1 || tos > 1 || maxFwds > 1 || contentTypes > 1) {
      const names = [callIds > 1 && 'Call-ID', cseqs > 1 && 'CSeq', froms > 1 && 'From', tos > 1 && 'To', maxFwds > 1 && 'Max-Forwards', contentTypes > 1 && 'Content-Type'];
      return fault(400, `multiple values in single-value header field ${names.filter(Boolean).join(', ')}`); // RFC 4475 §3.3.8
    }
    if (syntax !== null) return fault(400, syntax);
    if (maxForwards !== undefined && !maxForwardsOk(maxForwards)) return fault(400, 'invalid Max-Forwards');
    const scheme = schemeOf(msg.requestUri);
    if ((scheme === 'sip' || scheme === 'sips') && requestUriHasHeaders(msg.requestUri)) return fault(400, 'headers in Request-URI');
    if (msg.cseqMethod !== msg.method) {
      // RFC 4475 §3.1.2.17 (400); for a method we do not implement, 501 as for any unknown method (§3.1.2.18).
      if (this.methods.has(msg.method)) return fault(400, 'CSeq method does not match the request method');
      return fault(501, '', [this.allow]);
    }

    // ---- 501: method (RFC 3261 §8.2.1) ----------------------------------------------
    if (!this.methods.has(msg.method)) return fault(501, '', [this.allow]);

    // ---- 416: Request-URI scheme (§8.2.2.1; RFC 4475 §3.3.2, §3.3.3) --------------------
    if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') return fault(416, scheme === '' ? 'no scheme' : scheme);

    // ---- 420: Require (§8.2.2.3; not for ACK and CANCEL) ------------------------------
    if (require !== null && msg.method !== 'ACK' && msg.method !== 'CANCEL') {
      const unsupported: string[] = [];
      for (const line of require) {
        for (const tag of line.split(',')) {
          const t = tag.trim();
          if (t !== '' && !this.supported.has(t.toLowerCase())) unsupported.push(t);
        }
      }
      if (unsupported.length > 0) return fault(420, '', [`Unsupported: ${unsupported.join(', ')}`]);
    }

    // ---- 415: body type and encoding (§8.2.3; RFC 4475 §3.3.6) -----------------------------
    const hasBody = msg.body.length > 0;
    let sdp = false;
    if (hasBody) {
      if (contentEncoding !== undefined) {
        for (const enc of contentEncoding.split(',')) {
          const e = enc.trim().toLowerCase();
          if (e !== '' && e !== 'identity') return fault(415, `Content-Encoding ${e}`, [this.acceptHeader, 'Accept-Encoding: identity']);
        }
      }
      if (contentType !== undefined) {
        const type = mediaType(contentType);
        if (!this.accept.has(type)) return fault(415, type, [this.acceptHeader, 'Accept-Encoding: identity']);
        sdp = type === 'application/sdp';
      }
    }

    if (this.sdpMethods.has(msg.method) && msg.toTag === '') {
      // ---- 406: our 2xx carries SDP; an Accept without it rules that out (RFC 4475 §3.3.15) ----
      if (accept !== null && !acceptsSdp(accept)) return fault(406, 'Accept does not allow application/sdp');
      // ---- 488: an offer we cannot answer ------------------------------------------------
      if (sdp) {
        const why = sdpUsable(msg.body.toString('latin1'));
        if (why !== null) {
          const code = why === NO_CODEC ? 305 : 304;
          return fault(488, why, [`Warning: ${code} ${this.warnAgent} "${why}"`]);
        }
      }
    }
    return null;
  }
}

/** Whether Accept values allow application/sdp (application/sdp, application/*, *\/*). An empty Accept allows nothing (§20.1). */
function acceptsSdp(values: readonly string[]): boolean {
  for (const v of values) {
    for (const range of v.split(',')) {
      const t = mediaType(range);
      if (t === 'application/sdp' || t === 'application/*' || t === '*/*') return true;
    }
  }
  return false;
}
