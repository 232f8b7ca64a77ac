import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from '../../src/sip/ua/digest.js';

/** Read one auth-param back out of a header value we generated (test-only, regex is fine here). */
function param(header: string, name: string): string | undefined {
  const m = new RegExp(`(?:^Digest |, )${name}=("((?:[^"\\\\]|\\\\.)*)"|[^,\\s]+)`).exec(header);
  if (m === null) return undefined;
  return m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[1];
}

// RFC 2617 §3.5
const RFC2617_CHALLENGE =
  'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

// RFC 7616 §3.9.1 (the server offers both; we parse each one separately)
const RFC7616_NONCE = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
const RFC7616_OPAQUE = 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS';
const RFC7616_CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
const rfc7616Challenge = (alg: string): string =>
  `Digest\r\n realm="http-auth@example.org",\r\n qop="auth, auth-int",\r\n algorithm=${alg},\r\n nonce="${RFC7616_NONCE}",\r\n opaque="${RFC7616_OPAQUE}"`;
const RFC7616_ARGS = {
  method: 'GET',
  uri: '/dir/index.html',
  username: 'Mufasa',
  password: 'Circle of Life',
  nc: 1,
  cnonce: RFC7616_CNONCE,
};

describe('parseDigestChallenge', () => {
  it('parses the RFC 2617 challenge, picking qop=auth out of "auth,auth-int"', () => {
    expect(parseDigestChallenge(RFC2617_CHALLENGE)).toEqual({
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: 'MD5',
      qop: 'auth',
    });
  });

  it('parses a multi-line RFC 7616 challenge and normalises the algorithm token', () => {
    const ch = parseDigestChallenge(rfc7616Challenge('sha-256'));
    expect(ch).toEqual({
      realm: 'http-auth@example.org',
      nonce: RFC7616_NONCE,
      opaque: RFC7616_OPAQUE,
      algorithm: 'SHA-256',
      qop: 'auth',
    });
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=md5-SESS')?.algorithm).toBe('MD5-sess');
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm="SHA-256-sess"')?.algorithm).toBe(
      'SHA-256-sess',
    );
  });

  it('is case-insensitive in scheme and parameter names, tolerant of whitespace around "="', () => {
    const ch = parseDigestChallenge('dIgEsT REALM = "r" ,NONCE=abc,  QoP = "AUTH" , Algorithm = MD5');
    expect(ch).toEqual({ realm: 'r', nonce: 'abc', algorithm: 'MD5', qop: 'auth' });
  });

  it('unescapes quoted-pairs and keeps commas and "=" inside quoted strings', () => {
    const ch = parseDigestChallenge('Digest realm="a \\"quoted\\" realm, with comma", nonce="x=y,z==", opaque="o\\\\p"');
    expect(ch).toMatchObject({ realm: 'a "quoted" realm, with comma', nonce: 'x=y,z==', opaque: 'o\\p' });
  });

  it('defaults to MD5 without qop (RFC 2069 style)', () => {
    const ch = parseDigestChallenge('Digest realm="sip.example", nonce="abc"');
    expect(ch).toEqual({ realm: 'sip.example', nonce: 'abc', algorithm: 'MD5', qop: undefined });
    expect(ch?.stale).toBeUndefined();
  });

  it('reads stale=true in any case, and stale=false as not stale', () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n2", stale=TRUE, qop="auth"')?.stale).toBe(true);
    expect(parseDigestChallenge('Digest realm="r", nonce="n2", stale="true"')?.stale).toBe(true);
    expect(parseDigestChallenge('Digest realm="r", nonce="n2", stale=false')?.stale).toBeUndefined();
  });

  it('returns null for what it cannot answer', () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeNull();
    expect(parseDigestChallenge('Bearer realm="x", error="invalid_token"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="r", nonce="n", qop="auth-int"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="r", nonce="n", qop="token-xyz"')).toBeNull();
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=SHA-512-256')).toBeNull();
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=AKAv1-MD5')).toBeNull();
    expect(parseDigestChallenge('Digest realm="r"')).toBeNull(); // no nonce
    expect(parseDigestChallenge('Digest nonce="n"')).toBeNull(); // no realm
    expect(parseDigestChallenge('')).toBeNull();
    expect(parseDigestChallenge('Digest')).toBeNull();
    expect(parseDigestChallenge('Digest realm="unterminated, nonce="n"')).toBeNull();
  });

  it('takes the first answerable Digest challenge of a combined list; the first occurrence of a param wins', () => {
    const ch = parseDigestChallenge(
      'Basic realm="b", Digest realm="r1", nonce="n1", algorithm=SHA-512-256, Digest realm="r2", nonce="n2", nonce="ignored", algorithm=SHA-256',
    );
    expect(ch).toEqual({ realm: 'r2', nonce: 'n2', algorithm: 'SHA-256', qop: undefined });
  });
});

describe('digestAuthorization', () => {
  it('reproduces the RFC 2617 §3.5 example (MD5, qop=auth)', () => {
    const ch = parseDigestChallenge(RFC2617_CHALLENGE)!;
    const h = digestAuthorization(ch, {
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
      nc: 1,
      cnonce: '0a4f113b',
    });
    expect(h).toBe(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", ' +
        'qop=auth, nc=00000001, opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
  });

  it('reproduces the RFC 7616 §3.9.1 MD5 example', () => {
    const h = digestAuthorization(parseDigestChallenge(rfc7616Challenge('MD5'))!, RFC7616_ARGS);
    expect(param(h, 'response')).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(param(h, 'algorithm')).toBe('MD5');
    expect(param(h, 'opaque')).toBe(RFC7616_OPAQUE);
    expect(param(h, 'cnonce')).toBe(RFC7616_CNONCE);
  });

  it('reproduces the RFC 7616 §3.9.1 SHA-256 example', () => {
    const h = digestAuthorization(parseDigestChallenge(rfc7616Challenge('SHA-256'))!, RFC7616_ARGS);
    expect(param(h, 'response')).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    expect(param(h, 'algorithm')).toBe('SHA-256');
    expect(param(h, 'qop')).toBe('auth');
    expect(param(h, 'nc')).toBe('00000001');
  });

  it('computes the -sess variants (HA1 = H(H(user:realm:pass):nonce:cnonce))', () => {
    // Expected values computed independently (Python hashlib) from the RFC 7616 inputs.
    const md5 = digestAuthorization(parseDigestChallenge(rfc7616Challenge('MD5-sess'))!, RFC7616_ARGS);
    expect(param(md5, 'response')).toBe('e783283f46242139c486a698fec7211d');
    expect(param(md5, 'algorithm')).toBe('MD5-sess');
    const sha = digestAuthorization(parseDigestChallenge(rfc7616Challenge('SHA-256-sess'))!, RFC7616_ARGS);
    expect(param(sha, 'response')).toBe('2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7');
  });

  it('answers a challenge without qop with H(HA1:nonce:HA2) and omits qop, nc and cnonce', () => {
    const ch = parseDigestChallenge(
      'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"',
    )!;
    const h = digestAuthorization(ch, {
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
      nc: 1,
      cnonce: 'unused',
    });
    expect(h).toBe(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'uri="/dir/index.html", response="670fd8c2df070c60b045671b8b24ff02", algorithm=MD5',
    );
  });

  it('formats nc as 8 hex digits and uses the SIP method and Request-URI', () => {
    const ch: DigestChallenge = { realm: 'callcert.test', nonce: 'abc', algorithm: 'SHA-256', qop: 'auth' };
    const h = digestAuthorization(ch, {
      method: 'INVITE',
      uri: 'sip:service@127.0.0.1:5060',
      username: 'callcert',
      password: 'secret',
      nc: 26,
      cnonce: 'c1',
    });
    expect(param(h, 'nc')).toBe('0000001a');
    expect(param(h, 'uri')).toBe('sip:service@127.0.0.1:5060');
    expect(param(h, 'response')).toBe('6dbd4b9887a92ffc7db95cdb12245c9886fa09646423e66b5648a47e290e0f5c');
    expect(h).not.toContain('opaque');
  });

  it('escapes quotes and backslashes in quoted values but hashes the raw value', () => {
    const ch: DigestChallenge = { realm: 'r"x', nonce: 'n', algorithm: 'MD5', qop: 'auth' };
    const args = { method: 'REGISTER', uri: 'sip:r', username: 'a\\b"c', password: 'p', nc: 1, cnonce: 'k' };
    const h = digestAuthorization(ch, args);
    expect(h).toContain('username="a\\\\b\\"c"');
    expect(h).toContain('realm="r\\"x"');
    expect(param(h, 'username')).toBe('a\\b"c');
    // MD5(MD5('a\\b"c:r"x:p'):n:00000001:k:auth:MD5('REGISTER:sip:r')), computed outside callcert
    // (Python hashlib) over the raw strings; the escaped strings would give 5059859a...
    expect(param(h, 'response')).toBe('53ac532dabf5554a68787e1173cac8ad');
    expect(param(h, 'response')).not.toBe('5059859aa153747cce0fb93e657c5bee');
  });

  it('a stale challenge is answered like any other (new nonce, nc restarts at 1)', () => {
    const stale = parseDigestChallenge('Digest realm="testrealm@host.com", nonce="fresh", qop="auth", stale=true')!;
    expect(stale.stale).toBe(true);
    const h = digestAuthorization(stale, { ...RFC7616_ARGS, nc: 1 });
    expect(param(h, 'nonce')).toBe('fresh');
    expect(h).not.toContain('stale');
  });
});
