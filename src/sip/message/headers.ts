/**
 * Helpers over the flat header array of a parsed SipMessage, and small
 * grammar helpers (header parameters, name-addr URIs, auth challenges).
 *
 * Every function here is total: any string in, a value out, no throw, and
 * every loop advances at least one character per iteration.
 */
import type { SipMessage } from './message.js';

const HT = 9;
const SP = 32;
const DQUOTE = 34;
const COMMA = 44;
const SEMI = 59;
const LT = 60;
const EQ = 61;
const GT = 62;
const BACKSLASH = 92;

/**
 * RFC 3261 token characters (alphanum / "-" / "." / "!" / "%" / "*" / "_" /
 * "+" / "`" / "'" / "~"), as a 256-entry table like undici's validTokenChars:
 * one indexed load per byte instead of a chain of comparisons.
 */
export const validTokenChars: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-.!%*_+`'~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

function isWs(c: number): boolean {
  return c === SP || c === HT;
}

function isToken(c: number): boolean {
  return c < 256 && validTokenChars[c] === 1;
}

/** Index just after the closing quote of the quoted-string opening at `i` (or `value.length` if unterminated). */
function skipQuoted(value: string, i: number): number {
  const n = value.length;
  i++;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === DQUOTE) return i + 1;
    else i++;
  }
  return n;
}

/** Remove quoted-pair escapes from the inside of a quoted-string. */
function unescapeQuoted(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Case-insensitive compare of value[start, start+name.length) with `name` (lowercase). */
function nameEquals(value: string, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) {
    let c = value.charCodeAt(start + k);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== name.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Index of the ';' that starts the header parameters of the first value in
 * `value`, or -1. The address part is skipped: quoted display names, and a
 * whole <...> URI (so ';tag=' inside <sip:a@b;tag=x> is a URI parameter, not
 * the header's). Without angle brackets the first ';' starts the parameters
 * (RFC 3261 §20.10: a URI with ';' must be enclosed in <>). Stops at a ','
 * outside quotes/brackets (the end of the first value of a list).
 */
function paramsStart(value: string): number {
  const n = value.length;
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c === DQUOTE) {
      i = skipQuoted(value, i);
    } else if (c === LT) {
      const gt = value.indexOf('>', i + 1);
      if (gt < 0) return -1;
      i = gt + 1;
    } else if (c === SEMI) {
      return i;
    } else if (c === COMMA) {
      return -1;
    } else {
      i++;
    }
  }
  return -1;
}

/**
 * A header parameter of the first value in `value` (outside <...>), by
 * case-insensitive name. '' for a parameter without value, the unescaped
 * contents for a quoted value, undefined when absent.
 */
export function headerParam(value: string, param: string): string | undefined {
  const p = param.toLowerCase();
  const n = value.length;
  let i = paramsStart(value);
  if (i < 0) return undefined;
  while (i < n && value.charCodeAt(i) === SEMI) {
    i++;
    while (i < n && isWs(value.charCodeAt(i))) i++;
    const ns = i;
    while (i < n && isToken(value.charCodeAt(i))) i++;
    const ne = i;
    while (i < n && isWs(value.charCodeAt(i))) i++;
    let vs = -1;
    let ve = -1;
    let quoted = false;
    if (i < n && value.charCodeAt(i) === EQ) {
      i++;
      while (i < n && isWs(value.charCodeAt(i))) i++;
      if (i < n && value.charCodeAt(i) === DQUOTE) {
        const q = skipQuoted(value, i);
        vs = i + 1;
        ve = q > vs && value.charCodeAt(q - 1) === DQUOTE ? q - 1 : q;
        quoted = true;
        i = q;
      } else {
        vs = i;
        while (i < n) {
          const c = value.charCodeAt(i);
          if (c === SEMI || c === COMMA || c === SP || c === HT) break;
          i++;
        }
        ve = i;
      }
    }
    if (ne > ns && nameEquals(value, ns, ne, p)) {
      if (vs < 0) return '';
      const raw = value.slice(vs, ve);
      return quoted ? unescapeQuoted(raw) : raw;
    }
    // Skip to the next ';' of this value; a ',' ends the value.
    while (i < n) {
      const c = value.charCodeAt(i);
      if (c === SEMI) break;
      if (c === COMMA) return undefined;
      if (c === DQUOTE) i = skipQuoted(value, i);
      else i++;
    }
  }
  return undefined;
}

/**
 * The URI of a name-addr / addr-spec value (Contact, Route, Record-Route,
 * From, To): the text inside <...>, or, without angle brackets, the bare URI
 * up to the first ';'. Trimmed.
 */
export function nameAddrUri(value: string): string {
  const n = value.length;
  let i = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c === DQUOTE) {
      i = skipQuoted(value, i);
    } else if (c === LT) {
      const gt = value.indexOf('>', i + 1);
      return value.slice(i + 1, gt < 0 ? n : gt).trim();
    } else {
      i++;
    }
  }
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim();
}

/**
 * Split a header line's value on commas outside quoted strings and <...>.
 * Empty elements are dropped (RFC 3261 #rule lists).
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  const n = value.length;
  let start = 0;
  let i = 0;
  let inAngle = false;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (inAngle) {
      if (c === GT) inAngle = false;
      i++;
    } else if (c === DQUOTE) {
      i = skipQuoted(value, i);
    } else if (c === LT) {
      inAngle = true;
      i++;
    } else if (c === COMMA) {
      const part = value.slice(start, i).trim();
      if (part.length > 0) out.push(part);
      i++;
      start = i;
    } else {
      i++;
    }
  }
  const last = value.slice(start).trim();
  if (last.length > 0) out.push(last);
  return out;
}

/**
 * Headers whose values may contain commas that are not list separators
 * (dates, credentials, free text, Call-ID words); getHeaders() does not split them.
 */
const NOT_LISTS: ReadonlySet<string> = new Set([
  'call-id',
  'cseq',
  'date',
  'subject',
  'user-agent',
  'server',
  'organization',
  'retry-after',
  'www-authenticate',
  'proxy-authenticate',
  'authorization',
  'proxy-authorization',
  'authentication-info',
  'content-length',
  'content-type',
  'max-forwards',
  'timestamp',
]);

/** First value of a header; `name` in lowercase long form ('via', 'call-id'). */
export function getHeader(msg: SipMessage, name: string): string | undefined {
  const h = msg.headers;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] === name) return h[i + 1];
  }
  return undefined;
}

/**
 * All values of a header in order, each header line split on commas outside
 * quotes and angle brackets (multiple Via / Record-Route / Contact values).
 * Headers that are not comma lists (Date, WWW-Authenticate, ...) are not split.
 */
export function getHeaders(msg: SipMessage, name: string): string[] {
  const h = msg.headers;
  const out: string[] = [];
  const split = !NOT_LISTS.has(name);
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] !== name) continue;
    const v = h[i + 1];
    if (split) {
      for (const part of splitHeaderList(v)) out.push(part);
    } else {
      out.push(v);
    }
  }
  return out;
}

/** Alias named after the SipMessage.headers doc comment. */
export const headerValues = getHeaders;
