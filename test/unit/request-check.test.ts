/**
 * The request checker (src/sip/request-check.ts), salvage of unparseable
 * requests (src/sip/salvage.ts), the salvaged response, the parser's
 * Request-Line faults and statuses, and the framer's raw/fatal reports.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RequestChecker, addrFault, faultReason, sdpUsable, viaFault } from '../../src/sip/message/request-check.js';
import { salvageRequest, type Salvaged } from '../../src/sip/message/salvage.js';
import { salvagedResponse } from '../../src/sip/message/builder.js';
import { statelessTag } from '../../src/sip/message/ids.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { StreamFramer } from '../../src/sip/message/framer.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import { VALID } from '../fixtures/rfc4475/index.js';
import { CALLFLOWS } from '../fixtures/rfc4475/callflows.js';

const DAT = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/rfc4475/dat');
const dat = (name: string): Buffer => readFileSync(join(DAT, `${name}.dat`));

const SDP = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', ''].join('\r\n');

const BASE: readonly string[] = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
];

/** BASE with headers replaced (by name) or added, and a body with its Content-Type. */
function req(changes: Record<string, string | null> = {}, body = '', contentType = 'application/sdp', start?: string): SipMessage {
  const lines: string[] = [];
  const done = new Set<string>();
  for (const l of BASE) {
    const name = l.slice(0, l.indexOf(':')).toLowerCase();
    if (lines.length === 0) lines.push(start ?? l);
    else if (name in changes) {
      done.add(name);
      if (changes[name] !== null) lines.push(`${l.slice(0, l.indexOf(':'))}: ${changes[name]}`);
    } else lines.push(l);
  }
  for (const [k, v] of Object.entries(changes)) if (!done.has(k) && v !== null) lines.push(`${k}: ${v}`);
  if (body !== '') lines.push(`Content-Type: ${contentType}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  const m = parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1'));
  if (m instanceof SipParseError) throw new Error(`test message does not parse: ${m.reason}`);
  return m;
}

const checker = new RequestChecker();
const check = (m: SipMessage) => checker.check(m);

describe('RequestChecker: valid requests pass', () => {
  it('a plain INVITE with a G.711 offer, and one without a body', () => {
    expect(check(req({}, SDP))).toBeNull();
    expect(check(req())).toBeNull();
  });

  it('RFC 4475 §3.1.1 valid requests: null, or 501 for a method the call centre does not implement', () => {
    const want: Record<string, number | null> = {
      wsinv: null, intmeth: 501, esc01: null, escnull: 501, esc02: 501, lwsdisp: null, longreq: null, dblreq: 501,
      semiuri: null, transports: null, mpart01: 501,
    };
    for (const v of VALID) {
      const m = parseMessage(v.bytes);
      if (m instanceof SipParseError) throw new Error(`${v.name}: ${m.reason}`);
      if (!m.isRequest) continue;
      expect(check(m)?.status ?? null, v.name).toBe(want[v.name]);
    }
  });

  it('the realistic call-flow requests (SIPp, compact forms, CANCEL) pass', () => {
    for (const c of CALLFLOWS) {
      const m = parseMessage(c.bytes);
      if (m instanceof SipParseError || !m.isRequest || m.method === 'REGISTER') continue;
      expect(check(m), c.name).toBeNull();
    }
  });

  it('RFC 4475 requests the RFC lets a UAS accept: baddate, badbranch, zeromf, inv2543', () => {
    for (const name of ['baddate', 'badbranch', 'zeromf', 'inv2543']) {
      const m = parseMessage(dat(name));
      if (m instanceof SipParseError) throw new Error(`${name}: ${m.reason}`);
      expect(check(m), name).toBeNull();
    }
  });
});

describe('RequestChecker: 400 with the fault named', () => {
  const cases: Array<[string, Record<string, string | null>, RegExp, string?]> = [
    ['two CSeq', { cseq: '1 INVITE', CSeq: '2 INVITE' }, /multiple values in single-value header field CSeq/],
    ['CSeq method ≠ method', { cseq: '1 BYE' }, /CSeq method does not match/],
    ['empty Via parameter', { via: 'SIP/2.0/UDP h;;branch=z9hG4bK1' }, /empty parameter in Via/],
    ['trailing ; in Via', { via: 'SIP/2.0/UDP h;branch=z9hG4bK1;' }, /empty parameter in Via/],
    ['empty Via list element', { via: 'SIP/2.0/UDP h;branch=z9hG4bK1,,SIP/2.0/UDP g' }, /empty value in Via/],
    ['unterminated quote in To', { to: '"Bob <sip:bob@b.example.com>' }, /unterminated quoted string in To/],
    ['non-token display name', { to: 'Watson, Thomas <sip:t@example.org>' }, /non-token characters in display name of To/],
    ['LWS inside <>', { from: '< sip:a@example.com >;tag=1' }, /whitespace inside <URI> in From/],
    ['unterminated <', { to: '<sip:bob@b.example.com' }, /unterminated <URI> in To/],
    ['addr-spec with headers', { contact: 'sip:a@example.com?Route=%3Csip:x%3E' }, /not enclosed in <> in Contact/],
    ['empty Contact parameter', { contact: '"Joe" <sip:joe@example.org>;;;;' }, /empty parameter in Contact/],
    ['Max-Forwards > 255', { 'max-forwards': '256' }, /invalid Max-Forwards/],
    ['Max-Forwards not a number', { 'max-forwards': 'seventy' }, /invalid Max-Forwards/],
  ];
  for (const [what, changes, reason] of cases) {
    it(what, () => {
      const f = check(req(changes));
      expect(f?.status).toBe(400);
      expect(f?.reason).toMatch(/^Bad Request \(/);
      expect(f?.reason).toMatch(reason);
    });
  }

  it('headers in the Request-URI; a ? in the user part is fine (intmeth)', () => {
    expect(check(req({}, '', '', 'INVITE sip:bob@biloxi.example.com?Route=%3Csip:x%3E SIP/2.0'))?.reason).toMatch(/headers in Request-URI/);
    expect(check(req({}, '', '', 'INVITE sip:b?o,b@biloxi.example.com SIP/2.0'))).toBeNull();
  });

  it('baddn with its missing blank line restored: non-token display name', () => {
    const fixed = Buffer.concat([dat('baddn'), Buffer.from('\r\n')]);
    const m = parseMessage(fixed);
    if (m instanceof SipParseError) throw new Error(m.reason);
    expect(check(m)?.reason).toMatch(/non-token characters in display name of From/);
  });

  it('Max-Forwards with leading zeros (wsinv: 0068) and 0 are fine; "*" Contact is fine', () => {
    expect(check(req({ 'max-forwards': '0068' }))).toBeNull();
    expect(check(req({ 'max-forwards': '0' }))).toBeNull();
    expect(check(req({ contact: '*' }))).toBeNull();
  });
});

describe('RequestChecker: 501, 416, 420, 415, 406, 488', () => {
  it('501 with Allow for a method not implemented, also with a mismatched CSeq (mismatch02)', () => {
    const f = check(req({ cseq: '1 INFO' }, '', '', 'INFO sip:bob@biloxi.example.com SIP/2.0'));
    expect(f).toEqual({ status: 501, reason: 'Not Implemented', extraHeaders: ['Allow: INVITE, ACK, BYE, CANCEL, OPTIONS'] });
    expect(check(req({ cseq: '1 INVITE' }, '', '', 'NEWMETHOD sip:bob@biloxi.example.com SIP/2.0'))?.status).toBe(501);
  });

  it('416 for a scheme other than sip, sips, tel', () => {
    expect(check(req({}, '', '', 'INVITE nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0'))?.status).toBe(416);
    expect(check(req({}, '', '', 'INVITE soap.beep://192.0.2.103:3002 SIP/2.0'))?.reason).toBe('Unsupported URI Scheme (soap.beep)');
    expect(check(req({}, '', '', 'INVITE tel:+15551234 SIP/2.0'))).toBeNull();
    expect(check(req({}, '', '', 'INVITE SIPS:bob@biloxi.example.com SIP/2.0'))).toBeNull();
  });

  it('420 lists the unsupported Require tags; ACK and CANCEL are not refused for Require; supported tags pass', () => {
    const f = check(req({ require: 'nothingSupportsThis, nothingSupportsThisEither', 'proxy-require': 'noProxiesSupportThis' }));
    expect(f).toEqual({ status: 420, reason: 'Bad Extension', extraHeaders: ['Unsupported: nothingSupportsThis, nothingSupportsThisEither'] });
    expect(check(req({ require: '100rel', cseq: '314159 ACK' }, '', '', 'ACK sip:bob@biloxi.example.com SIP/2.0'))).toBeNull();
    expect(check(req({ require: '100rel', cseq: '314159 CANCEL' }, '', '', 'CANCEL sip:bob@biloxi.example.com SIP/2.0'))).toBeNull();
    const lenient = new RequestChecker({ methods: ['INVITE'], supported: ['Timer'], accept: ['application/sdp'], sdpMethods: ['INVITE'], warnAgent: 'x' });
    expect(lenient.check(req({ require: 'timer' }))).toBeNull();
  });

  it('415 with Accept for an unknown body type or encoding; no body, no check', () => {
    const f = check(req({}, '<audio/>', 'application/unknownformat'));
    expect(f?.status).toBe(415);
    expect(f?.extraHeaders).toContain('Accept: application/sdp');
    const gz = check(req({ 'content-encoding': 'gzip' }, SDP));
    expect(gz?.status).toBe(415);
    expect(gz?.extraHeaders).toContain('Accept-Encoding: identity');
    expect(check(req({ 'content-encoding': 'identity' }, SDP))).toBeNull();
    expect(check(req({ 'content-type': 'application/unknownformat' }))).toBeNull();
  });

  it('406 when Accept rules out SDP on an INVITE; application/*, */* are fine; other methods are not checked', () => {
    expect(check(req({ accept: 'text/nobodyKnowsThis' }, SDP))?.status).toBe(406);
    expect(check(req({ accept: '' }, SDP))?.status).toBe(406); // an empty Accept allows nothing (RFC 3261 §20.1)
    expect(check(req({ accept: 'text/plain, application/*' }, SDP))).toBeNull();
    expect(check(req({ accept: '*/*' }))).toBeNull();
    expect(check(req({ accept: 'text/x', cseq: '1 OPTIONS' }, '', '', 'OPTIONS sip:bob@biloxi.example.com SIP/2.0'))).toBeNull();
  });

  it('488 with a Warning for an offer without a usable audio stream', () => {
    const g729 = SDP.replace('m=audio 4000 RTP/AVP 0 101', 'm=audio 4000 RTP/AVP 18');
    const f = check(req({}, g729));
    expect(f).toEqual({ status: 488, reason: 'Not Acceptable Here (no common audio codec (PCMU/PCMA))', extraHeaders: ['Warning: 305 callcert "no common audio codec (PCMU/PCMA)"'] });
    expect(check(req({}, SDP.replace('m=audio 4000', 'm=audio 0')))?.status).toBe(488);
    expect(check(req({}, 'v=0\r\ns=-\r\nm=video 4000 RTP/AVP 31\r\n'))?.extraHeaders).toEqual(['Warning: 304 callcert "no audio stream"']);
    expect(check(req({}, 'hello'))?.reason).toMatch(/not an SDP session description/);
    // A re-INVITE (To tag) is not checked: the dialog exists.
    expect(check(req({ to: 'Bob <sip:bob@biloxi.example.com>;tag=x' }, g729))).toBeNull();
  });
});

describe('request-check helpers', () => {
  it('sdpUsable: static 0/8, dynamic rtpmap PCMU/PCMA, port 0 disables a stream', () => {
    expect(sdpUsable('v=0\r\nm=audio 1 RTP/AVP 8\r\n')).toBeNull();
    expect(sdpUsable('v=0\r\nm=audio 1 RTP/AVP 96\r\na=rtpmap:96 pcma/8000\r\n')).toBeNull();
    expect(sdpUsable('v=0\r\nm=audio 1 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n')).toBe('no common audio codec (PCMU/PCMA)');
    expect(sdpUsable('v=0\r\nm=audio 0 RTP/AVP 0\r\nm=audio 5 RTP/AVP 0\r\n')).toBeNull();
    expect(sdpUsable('v=0\nm=audio 1/2 RTP/AVP 0\n')).toBeNull();
  });

  it('viaFault and addrFault on the torture values', () => {
    expect(viaFault('SIP/2.0/UDP 192.0.2.15;;,;,,')).toBe('empty parameter in Via');
    expect(viaFault('SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239')).toBeNull();
    expect(addrFault('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com> ; tag = 98asjd8', 'From', false)).toBeNull();
    expect(addrFault('caller<sip:caller@example.com>;tag=323', 'From', false)).toBeNull();
    expect(addrFault('sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n', 'To', false)).toBeNull();
    expect(addrFault('<sip:a@b>, <sip:c@d>;q=0.5', 'Contact', true)).toBeNull();
    expect(addrFault('<sip:a@b>, <sip:c@d>', 'To', false)).toBe('more than one value in To');
  });

  it('faultReason keeps the reason phrase printable ASCII', () => {
    expect(faultReason(400, 'bad\r\nInjected: x\u00ff')).toBe('Bad Request (bad??Injected: x?)');
    expect(faultReason(505, '')).toBe('Version Not Supported');
  });
});

describe('salvage', () => {
  it('recovers Vias, Call-ID, CSeq, From, To from an unparseable request (scalar02, ltgtruri, baddn)', () => {
    const s = salvageRequest(dat('scalar02')) as Salvaged;
    expect(s).toEqual({
      method: 'REGISTER', vias: ['SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3'],
      callId: 'scalar02.23o0pd9vanlq3wnrlnewofjas9ui32', cseq: '36893488147419103232 REGISTER', cseqMethod: 'REGISTER',
      from: '<sip:user@example.com>;tag=239232jh3', to: '<sip:user@example.com>',
    });
    expect((salvageRequest(dat('ltgtruri')) as Salvaged).method).toBe('INVITE');
    expect((salvageRequest(dat('baddn')) as Salvaged).to).toBe('Watson, Thomas <sip:t.watson@example.org>');
  });

  it('folded lines, compact names, bare LF, any case; stops at the blank line', () => {
    const raw = Buffer.from(
      'INVITE <sip:x> SIP/2.0\nv: SIP/2.0/UDP a;branch=1\nVIA: SIP/2.0/UDP b\n ;branch=2\ni: cid\nf: <sip:f>;tag=1\nT: <sip:t>\ncseq: 1\n INVITE\nno colon here\n\nVia: SIP/2.0/UDP body\n',
      'latin1',
    );
    expect(salvageRequest(raw)).toEqual({
      method: 'INVITE', vias: ['SIP/2.0/UDP a;branch=1', 'SIP/2.0/UDP b ;branch=2'], callId: 'cid', cseq: '1 INVITE', cseqMethod: 'INVITE',
      from: '<sip:f>;tag=1', to: '<sip:t>',
    });
  });

  it('says why it cannot answer: missing headers (insuf, test.dat), responses, ACK, garbage', () => {
    expect(salvageRequest(dat('insuf'))).toBe('missing-headers');
    expect(salvageRequest(dat('test'))).toBe('missing-headers');
    expect(salvageRequest(dat('scalarlg'))).toBe('unparseable-response');
    expect(salvageRequest(dat('bigcode'))).toBe('unparseable-response');
    expect(salvageRequest(Buffer.from('ACK sip:a SIP/2.0 x\r\nVia: v\r\nCall-ID: c\r\nCSeq: 1 ACK\r\nFrom: f\r\nTo: t\r\n\r\n'))).toBe('invalid-ack');
    expect(salvageRequest(Buffer.from('\x00\x01\x02\r\n\r\n'))).toBe('no-start-line');
    expect(salvageRequest(Buffer.from('\r\n\r\n'))).toBe('no-start-line');
    expect(salvageRequest(Buffer.from('INVITE sip:a SIP/2.0\r\nVia: v\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nFrom: f\r\nTo: a\rb\r\n\r\n'))).toBe('missing-headers');
  });

  it('salvagedResponse copies the fields and adds a To tag only when there is none', () => {
    const s = salvageRequest(dat('ltgtruri')) as Salvaged;
    const r = salvagedResponse(s, 400, faultReason(400, 'invalid Request-URI'), 'sl1', 'srv', '');
    expect(r).toBe(
      'SIP/2.0 400 Bad Request (invalid Request-URI)\r\nVia: SIP/2.0/UDP 192.0.2.5\r\nFrom: sip:caller@example.net;tag=39291\r\n' +
        'To: sip:user@example.com;tag=sl1\r\nCall-ID: ltgtruri.1@192.0.2.5\r\nCSeq: 1 INVITE\r\nServer: srv\r\nContent-Length: 0\r\n\r\n',
    );
    const tagged = salvageRequest(dat('lwsruri')) as Salvaged;
    expect(salvagedResponse(tagged, 400, 'Bad Request', 'sl1', 'srv', '')).toContain('\r\nTo: sip:user@example.com;tag=3xfe-9921883-z9f\r\n');
  });

  it('statelessTag is the same for the same request and differs between requests', () => {
    expect(statelessTag('a', 'b', 'c')).toBe(statelessTag('a', 'b', 'c'));
    expect(statelessTag('a', 'b', 'c')).not.toBe(statelessTag('a', 'b', 'd'));
    expect(statelessTag('ab', 'c')).not.toBe(statelessTag('a', 'bc'));
  });
});

describe('parser and framer report what a UAS needs to answer', () => {
  it('Request-Line faults: 505 for another SIP version, 400 otherwise', () => {
    const bad = (line: string) => {
      const r = parseMessage(Buffer.from(`${line}\r\nVia: v\r\n\r\n`));
      if (!(r instanceof SipParseError)) throw new Error('parsed');
      return [r.status, r.reason];
    };
    expect(bad('OPTIONS sip:a@b SIP/7.0')).toEqual([505, 'unsupported SIP version SIP/7.0']);
    expect(bad('OPTIONS sip:a@b SIP/2.0  ')).toEqual([400, 'trailing whitespace after the SIP version']);
    expect(bad('OPTIONS sip:a@b; lr SIP/2.0')).toEqual([400, 'invalid Request-URI: embedded whitespace']);
    expect(bad('OPTIONS sip:a@b HTTP/1.1')).toEqual([400, 'invalid SIP version']);
    expect(bad('OPTIONS  sip:a@b SIP/2.0')).toEqual([400, 'multiple SP in Request-Line']);
  });

  it('framer: header section and fatal flag for a missing or invalid Content-Length, 513 for an oversize message', () => {
    const got: Array<[string, number, string | undefined, boolean]> = [];
    const f = new StreamFramer(() => undefined, (e, raw, fatal) => got.push([e.reason, e.status, raw?.toString('latin1'), fatal]), 200);
    f.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n'));
    f.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nl: -1\r\n\r\n'));
    f.push(Buffer.from(`OPTIONS sip:a SIP/2.0\r\nl: 300\r\n\r\n${'x'.repeat(300)}`));
    expect(got).toEqual([
      ['missing Content-Length on stream transport', 400, 'OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n', true],
      ['invalid Content-Length', 400, 'OPTIONS sip:a SIP/2.0\r\nl: -1\r\n\r\n', true],
      ['message exceeds maxMessageBytes', 513, 'OPTIONS sip:a SIP/2.0\r\nl: 300\r\n\r\n', false],
    ]);
  });
});
