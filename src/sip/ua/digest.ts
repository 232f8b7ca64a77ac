/**
 * SIP digest authentication (client side): parse a WWW-Authenticate /
 * Proxy-Authenticate challenge once, then answer it per request.
 *
 * Computation follows RFC 2617 §3.2.2 (MD5, MD5-sess, qop=auth), RFC 7616 §3.4
 * (SHA-256, SHA-256-sess) and RFC 8760 (SHA-256 for SIP; the same computation as
 * RFC 7616, only the algorithm token differs). qop=auth-int is not supported: a
 * challenge that offers only auth-int is rejected at parse time, so the per-call
 * path never needs the message body.
 *
 * Hot path: digestAuthorization() does three hash computations and one string
 * concatenation; no regexes, no parsing.
 */
import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'MD5-sess' | 'SHA-256-sess';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** 'auth' when the server offered it; undefined for an RFC 2069 style challenge without qop. */
  qop?: 'auth' | undefined;
  /** stale=true: the previous credentials were right but the nonce expired; retry without asking for a new password. */
  stale?: boolean;
}

export interface DigestArgs {
  method: string;
  /** The digest-uri, normally the Request-URI of the request being authorised. */
  uri: string;
  username: string;
  password: string;
  /** Nonce count, 1 for the first request under a nonce; written as 8 hex digits. */
  nc: number;
  /** Client nonce; ignored (not sent) when the challenge has no qop. */
  cnonce: string;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/** Characters allowed in an RFC 7230 token (also used for auth-param names and unquoted values). */
function isTokenChar(c: number): boolean {
  // ALPHA / DIGIT / "!#$%&'*+-.^_`|~"
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x21 ||
    (c >= 0x23 && c <= 0x27) ||
    c === 0x2a ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5e ||
    c === 0x5f ||
    c === 0x60 ||
    c === 0x7c ||
    c === 0x7e
  );
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

interface RawChallenge {
  scheme: string;
  /** Lower-cased parameter name -> unquoted value; first occurrence wins. */
  params: Map<string, string>;
}

/**
 * Split a challenge list (`Basic realm="a", Digest realm="b", nonce=c`) into
 * schemes with their auth-params. Tolerant: junk is skipped rather than fatal.
 */
function parseChallenges(s: string): RawChallenge[] {
  const out: RawChallenge[] = [];
  const n = s.length;
  let i = 0;
  let current: RawChallenge | null = null;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isWs(c) || c === 0x2c /* , */) {
      i++;
      continue;
    }
    if (!isTokenChar(c)) {
      // Stray character (e.g. an unmatched quote): skip it.
      i++;
      continue;
    }
    const start = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    const token = s.slice(start, i);
    let j = i;
    while (j < n && isWs(s.charCodeAt(j))) j++;
    if (j < n && s.charCodeAt(j) === 0x3d /* = */ && current !== null) {
      // auth-param: token = ( token / quoted-string )
      j++;
      while (j < n && isWs(s.charCodeAt(j))) j++;
      let value = '';
      if (j < n && s.charCodeAt(j) === 0x22 /* " */) {
        j++;
        let chunkStart = j;
        while (j < n) {
          const q = s.charCodeAt(j);
          if (q === 0x5c /* \ */ && j + 1 < n) {
            value += s.slice(chunkStart, j) + s[j + 1];
            j += 2;
            chunkStart = j;
          } else if (q === 0x22) {
            break;
          } else {
            j++;
          }
        }
        value += s.slice(chunkStart, j);
        if (j < n) j++; // closing quote
      } else {
        const vStart = j;
        while (j < n) {
          const q = s.charCodeAt(j);
          if (q === 0x2c || isWs(q)) break;
          j++;
        }
        value = s.slice(vStart, j);
      }
      const name = token.toLowerCase();
      if (!current.params.has(name)) current.params.set(name, value);
      i = j;
    } else if (j < n && s.charCodeAt(j) === 0x3d) {
      // '=' before any scheme: malformed; skip the token and the '='.
      i = j + 1;
    } else {
      // A new auth-scheme.
      current = { scheme: token, params: new Map() };
      out.push(current);
    }
  }
  return out;
}

/** A challenge's scheme and auth-params, as received (names lowercased, quoted values unquoted). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parse a WWW-Authenticate / Proxy-Authenticate value into its first challenge:
 * `Digest realm="atlanta.com", nonce="...", qop="auth,auth-int", algorithm=MD5, opaque="", stale=FALSE`.
 * Parameter names are lowercased; quoted values are unquoted and unescaped; the first occurrence
 * of a parameter wins. The same scan as `parseDigestChallenge` (one challenge parser).
 */
export function parseAuthChallenge(value: string): AuthChallenge {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  const first = parseChallenges(value)[0];
  if (first === undefined) return { scheme: '', params };
  for (const [k, v] of first.params) params[k] = v;
  return { scheme: first.scheme, params };
}

function toChallenge(raw: RawChallenge): DigestChallenge | null {
  if (raw.scheme.toLowerCase() !== 'digest') return null;
  const p = raw.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined || nonce === '') return null;

  const algParam = p.get('algorithm');
  let algorithm: DigestAlgorithm = 'MD5';
  if (algParam !== undefined && algParam !== '') {
    const alg = ALGORITHMS[algParam.toLowerCase()];
    if (alg === undefined) return null;
    algorithm = alg;
  }

  let qop: 'auth' | undefined;
  const qopParam = p.get('qop');
  if (qopParam !== undefined) {
    for (const q of qopParam.split(',')) {
      if (q.trim().toLowerCase() === 'auth') {
        qop = 'auth';
        break;
      }
    }
    // qop offered but not 'auth' (e.g. only auth-int): we cannot answer it.
    if (qop === undefined) return null;
  }

  const ch: DigestChallenge = { realm, nonce, algorithm, qop };
  const opaque = p.get('opaque');
  if (opaque !== undefined) ch.opaque = opaque;
  const stale = p.get('stale');
  if (stale !== undefined && stale.toLowerCase() === 'true') ch.stale = true;
  return ch;
}

/**
 * Parse a WWW-Authenticate / Proxy-Authenticate header value. Returns the first
 * Digest challenge we can answer (algorithm MD5, MD5-sess, SHA-256 or
 * SHA-256-sess; qop absent or offering auth), or null: non-Digest scheme,
 * missing realm/nonce, unknown algorithm, or qop offering only auth-int.
 */
export function parseDigestChallenge(headerValue: string): DigestChallenge | null {
  for (const raw of parseChallenges(headerValue)) {
    const ch = toChallenge(raw);
    if (ch !== null) return ch;
  }
  return null;
}

function hashHex(sha256: boolean, data: string): string {
  return createHash(sha256 ? 'sha256' : 'md5')
    .update(data, 'utf8')
    .digest('hex');
}

/** quoted-string content: escape '"' and '\' (rare; checked without a regex). */
function q(v: string): string {
  if (v.indexOf('"') === -1 && v.indexOf('\\') === -1) return v;
  let out = '';
  for (const ch of v) out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
  return out;
}

const NC_PAD = '00000000';

/** nc as 8 lowercase hex digits (RFC 2617 nc-value). */
function ncHex(nc: number): string {
  const h = (nc >>> 0).toString(16);
  return h.length >= 8 ? h : NC_PAD.slice(h.length) + h;
}

/**
 * Compute the digest response and return the full Authorization /
 * Proxy-Authorization header VALUE, e.g.
 * `Digest username="u", realm="r", nonce="n", uri="sip:x", response="...", algorithm=MD5, cnonce="c", qop=auth, nc=00000001, opaque="o"`.
 * qop and nc are present only when the challenge had qop; cnonce when it had qop or the algorithm is a
 * -sess one; opaque only when the challenge had one.
 */
export function digestAuthorization(ch: DigestChallenge, args: DigestArgs): string {
  const alg = ch.algorithm;
  const sha256 = alg === 'SHA-256' || alg === 'SHA-256-sess';
  const sess = alg === 'MD5-sess' || alg === 'SHA-256-sess';
  const withQop = ch.qop === 'auth';

  let ha1 = hashHex(sha256, args.username + ':' + ch.realm + ':' + args.password);
  if (sess) ha1 = hashHex(sha256, ha1 + ':' + ch.nonce + ':' + args.cnonce);
  const ha2 = hashHex(sha256, args.method + ':' + args.uri);

  let header =
    'Digest username="' +
    q(args.username) +
    '", realm="' +
    q(ch.realm) +
    '", nonce="' +
    q(ch.nonce) +
    '", uri="' +
    q(args.uri) +
    '", response="';
  if (withQop) {
    const nc = ncHex(args.nc);
    const response = hashHex(sha256, ha1 + ':' + ch.nonce + ':' + nc + ':' + args.cnonce + ':auth:' + ha2);
    header += response + '", algorithm=' + alg + ', cnonce="' + q(args.cnonce) + '", qop=auth, nc=' + nc;
  } else {
    const response = hashHex(sha256, ha1 + ':' + ch.nonce + ':' + ha2);
    header += response + '", algorithm=' + alg;
    // -sess without qop (RFC 2617 §3.2.2.2): the server needs the cnonce to rebuild HA1.
    if (sess) header += ', cnonce="' + q(args.cnonce) + '"';
  }
  if (ch.opaque !== undefined) header += ', opaque="' + q(ch.opaque) + '"';
  return header;
}
