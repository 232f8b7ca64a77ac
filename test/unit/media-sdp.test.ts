import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'node:net';
import { parseSdp, type SdpErrorCause, type SdpParseResult, type SessionDescription } from '../../src/media/sdp/parse.js';
import { createOfferBuilder, PCMA, PCMU, TELEPHONE_EVENT, type AudioCodec } from '../../src/media/sdp/offer.js';
import { createAnswerer, negotiateAnswer, type AnswerPlan, type MediaFailure, type NegotiatedMedia } from '../../src/media/sdp/answer.js';
import { isCallcertError } from '../../src/errors.js';

/** Per-property runs; raise locally with FUZZ_RUNS=50000 for a deeper search. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

/** SDP written with LF line ends in the source; `crlf` makes the wire form. */
const sdp = (lines: string[]): string => lines.join('\n') + '\n';
const crlf = (s: string): string => s.replace(/\n/g, '\r\n');

function parsed(body: string): SessionDescription {
  const r = parseSdp(body);
  if (!r.ok) throw new Error(`expected SDP to parse: ${r.error.message}`);
  return r.sdp;
}

function parseError(body: string): { cause: SdpErrorCause; message: string; line: number } {
  const r = parseSdp(body);
  if (r.ok) throw new Error('expected a parse error');
  return r.error;
}

function negotiated(r: { ok: true; media: NegotiatedMedia } | MediaFailure): NegotiatedMedia {
  if (!r.ok) throw new Error(`expected negotiation to succeed: ${r.cause}: ${r.message}`);
  return r.media;
}

function failed(r: { ok: true } | MediaFailure): MediaFailure {
  if (r.ok) throw new Error('expected negotiation to fail');
  return r;
}

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isCallcertError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a CallcertError');
}

// ---- real-world bodies ---------------------------------------------------------------------

/** SIPp's built-in uas scenario answer (LF only, as in its XML). */
const SIPP_UAS_ANSWER = sdp([
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
]);

/** A PBX 200 OK in the Asterisk style: several codecs, telephone-event, a=rtcp, maxptime. */
const PBX_ANSWER = crlf(
  sdp([
    'v=0',
    'o=- 1711111111 1711111113 IN IP4 198.51.100.7',
    's=Asterisk',
    'c=IN IP4 198.51.100.7',
    't=0 0',
    'm=audio 17044 RTP/AVP 8 0 3 101',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:3 GSM/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=maxptime:150',
    'a=rtcp:17045',
    'a=sendrecv',
  ]),
);

/** A FreeSWITCH-style 200 OK behind an SBC: RTCP announced on another address and port. */
const SBC_ANSWER = crlf(
  sdp([
    'v=0',
    'o=FreeSWITCH 1711100000 1711100001 IN IP4 203.0.113.20',
    's=FreeSWITCH',
    'c=IN IP4 203.0.113.20',
    't=0 0',
    'm=audio 24580 RTP/AVP 0 101 13',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=rtpmap:13 CN/8000',
    'a=ptime:20',
    'a=rtcp:40001 IN IP4 203.0.113.21',
  ]),
);

const IPV6_ANSWER = crlf(
  sdp([
    'v=0',
    'o=- 3912 3913 IN IP6 2001:db8::20',
    's=-',
    'c=IN IP6 2001:db8::20',
    't=0 0',
    'm=audio 30002 RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:30',
  ]),
);

const answerWith = (extra: string[], m = 'm=audio 17044 RTP/AVP 0', c = 'c=IN IP4 198.51.100.7'): string =>
  crlf(sdp(['v=0', 'o=- 1 2 IN IP4 198.51.100.7', 's=-', c, 't=0 0', m, ...extra]));

/** A platform's INVITE offer: G.729 first, opus, rtcp-mux, and a video stream. */
const PLATFORM_OFFER = crlf(
  sdp([
    'v=0',
    'o=root 1 1 IN IP4 192.0.2.50',
    's=call',
    'c=IN IP4 192.0.2.50',
    't=0 0',
    'm=audio 10000 RTP/AVP 18 8 0 96 101',
    'a=rtpmap:96 opus/48000/2',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=rtcp-mux',
    'm=video 10002 RTP/AVP 99',
    'a=rtpmap:99 H264/90000',
  ]),
);

const offerWith = (media: string[], session: string[] = ['c=IN IP4 192.0.2.50']): string =>
  crlf(sdp(['v=0', 'o=peer 7 7 IN IP4 192.0.2.50', 's=-', ...session, 't=0 0', ...media]));

// ---- parse ---------------------------------------------------------------------------------

describe('parseSdp', () => {
  it('reads the Asterisk-style answer: origin, connection, codecs in order, te, ptime, a=rtcp, direction', () => {
    const d = parsed(PBX_ANSWER);
    expect(d.origin).toEqual({
      username: '-',
      sessionId: '1711111111',
      sessionVersion: '1711111113',
      netType: 'IN',
      addrType: 'IP4',
      address: '198.51.100.7',
    });
    expect(d.connection).toEqual({ addrType: 'IP4', address: '198.51.100.7' });
    expect(d.timing).toBe('0 0');
    expect(d.media).toHaveLength(1);
    const m = d.media[0];
    expect(m).toMatchObject({ type: 'audio', port: 17044, portCount: 1, proto: 'RTP/AVP', line: 6 });
    expect(m.formats).toEqual(['8', '0', '3', '101']);
    expect(m.payloadTypes).toEqual([8, 0, 3, 101]);
    expect(m.codecs).toEqual([
      { pt: 8, encodingName: 'PCMA', clockRateHz: 8000, channels: 1, fmtp: null },
      { pt: 0, encodingName: 'PCMU', clockRateHz: 8000, channels: 1, fmtp: null },
      { pt: 3, encodingName: 'GSM', clockRateHz: 8000, channels: 1, fmtp: null },
      { pt: 101, encodingName: 'telephone-event', clockRateHz: 8000, channels: 1, fmtp: '0-16' },
    ]);
    expect(m.connection).toEqual({ addrType: 'IP4', address: '198.51.100.7' });
    expect(m.rtcp).toEqual({ port: 17045, connection: null });
    expect(m.ptimeMs).toBe(20);
    expect(m.maxPtimeMs).toBe(150);
    expect(m.direction).toBe('sendrecv');
    expect(m.rtcpMux).toBe(false);
  });

  it('LF-only and CRLF bodies give the same description', () => {
    expect(parseSdp(SIPP_UAS_ANSWER)).toEqual(parseSdp(crlf(SIPP_UAS_ANSWER)));
    expect(parseSdp(PBX_ANSWER.replace(/\r\n/g, '\n'))).toEqual(parseSdp(PBX_ANSWER));
  });

  it('fills RFC 3551 static payload types without a=rtpmap; a dynamic one without rtpmap has no codec', () => {
    const m = parsed(offerWith(['m=audio 4000 RTP/AVP 0 8 9 18 97 13'])).media[0];
    expect(m.payloadTypes).toEqual([0, 8, 9, 18, 97, 13]);
    expect(m.codecs.map((c) => `${c.pt} ${c.encodingName}/${c.clockRateHz}`)).toEqual([
      '0 PCMU/8000',
      '8 PCMA/8000',
      '9 G722/8000',
      '18 G729/8000',
      '13 CN/8000',
    ]);
  });

  it('a=rtpmap and a=fmtp: channels, case kept, first mapping wins, malformed ones ignored', () => {
    const m = parsed(
      offerWith([
        'm=audio 4000 RTP/AVP 96 97 98 99',
        'a=rtpmap:96 opus/48000/2',
        'a=fmtp:96 useinbandfec=1;  minptime=10',
        'a=rtpmap:97 pcmu/8000',
        'a=rtpmap:97 PCMA/8000',
        'a=rtpmap:98 broken',
        'a=rtpmap:99 L16/0',
        'a=rtpmap:200 PCMU/8000',
      ]),
    ).media[0];
    expect(m.codecs).toEqual([
      { pt: 96, encodingName: 'opus', clockRateHz: 48000, channels: 2, fmtp: 'useinbandfec=1; minptime=10' },
      { pt: 97, encodingName: 'pcmu', clockRateHz: 8000, channels: 1, fmtp: null },
    ]);
  });

  it('media-level c= and direction override the session-level ones', () => {
    const d = parsed(
      offerWith(
        ['m=audio 4000 RTP/AVP 0', 'c=IN IP4 192.0.2.99', 'a=recvonly', 'm=audio 4002 RTP/AVP 0'],
        ['c=IN IP4 192.0.2.50', 'a=sendonly'],
      ),
    );
    expect(d.direction).toBe('sendonly');
    expect(d.media[0].connection).toEqual({ addrType: 'IP4', address: '192.0.2.99' });
    expect(d.media[0].direction).toBe('recvonly');
    expect(d.media[1].connection).toEqual({ addrType: 'IP4', address: '192.0.2.50' });
    expect(d.media[1].direction).toBe('sendonly');
  });

  it('no direction anywhere is sendrecv; inactive and rtcp-mux are read', () => {
    expect(parsed(SIPP_UAS_ANSWER).media[0].direction).toBe('sendrecv');
    const m = parsed(offerWith(['m=audio 4000 RTP/AVP 0', 'a=inactive', 'a=rtcp-mux'])).media[0];
    expect(m.direction).toBe('inactive');
    expect(m.rtcpMux).toBe(true);
  });

  it('IPv6 c= and o=; multicast TTL suffix dropped; m= port count; a=rtcp with an address', () => {
    const v6 = parsed(IPV6_ANSWER);
    expect(v6.media[0].connection).toEqual({ addrType: 'IP6', address: '2001:db8::20' });
    expect(v6.origin?.addrType).toBe('IP6');
    expect(v6.media[0].ptimeMs).toBe(30);
    const mc = parsed(offerWith(['m=audio 49170/2 RTP/AVP 0'], ['c=IN IP4 224.2.1.1/127/3']));
    expect(mc.connection).toEqual({ addrType: 'IP4', address: '224.2.1.1' });
    expect(mc.media[0].portCount).toBe(2);
    const sbc = parsed(SBC_ANSWER);
    expect(sbc.media[0].rtcp).toEqual({ port: 40001, connection: { addrType: 'IP4', address: '203.0.113.21' } });
  });

  it('skips unknown lines and attributes, blank lines, trailing blanks; tolerates a bad o=, ptime and a=rtcp', () => {
    const d = parsed(
      [
        'v=0',
        'o=only three fields',
        's=-',
        'i=information',
        'b=AS:64',
        'x-vendor line',
        '',
        'c=IN IP4 192.0.2.1   ',
        't=0 0',
        'z=2882844526 -1h',
        'k=prompt',
        'a=tool:whatever',
        'm=audio 5004 RTP/AVP 0',
        'b=TIAS:64000',
        'a=ptime:abc',
        'a=rtcp:99999',
        'a=foo',
        'a=sendonly\t',
        '',
      ].join('\r\n'),
    );
    expect(d.origin).toBeNull();
    expect(d.connection).toEqual({ addrType: 'IP4', address: '192.0.2.1' });
    expect(d.media[0].ptimeMs).toBeNull();
    expect(d.media[0].rtcp).toBeNull();
    expect(d.media[0].direction).toBe('sendonly');
  });

  it('a fractional ptime is kept; a non-numeric t= gives no timing', () => {
    const d = parsed(offerWith(['m=audio 5004 RTP/AVP 0', 'a=ptime:22.5']).replace('t=0 0', 't=soon'));
    expect(d.media[0].ptimeMs).toBe(22.5);
    expect(d.timing).toBeNull();
  });

  it('a disabled audio stream needs no c=', () => {
    const d = parsed(crlf(sdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 0 RTP/AVP 0'])));
    expect(d.media[0].port).toBe(0);
    expect(d.media[0].connection).toBeNull();
  });

  describe('errors name what is wrong', () => {
    it('not SDP: empty, or not starting with v=', () => {
      expect(parseError('')).toEqual({ cause: 'not_sdp', message: 'empty body: not an SDP session description', line: 0 });
      expect(parseError('\r\n\r\n')).toMatchObject({ cause: 'not_sdp', line: 0 });
      expect(parseError('hello world\r\n')).toEqual({ cause: 'not_sdp', message: 'line 1: expected v=0 first, got "hello world"', line: 1 });
      expect(parseError('o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n')).toMatchObject({ cause: 'not_sdp', line: 1 });
    });

    it('bad version', () => {
      expect(parseError('v=1\r\n')).toEqual({ cause: 'bad_version', message: 'line 1: "v=1": only SDP version 0 exists', line: 1 });
    });

    it('m= line without a format, or with a bad port', () => {
      expect(parseError(offerWith(['m=audio 4000 RTP/AVP']))).toEqual({
        cause: 'bad_media',
        message: 'line 6: m="audio 4000 RTP/AVP": expected <media> <port> <proto> <fmt> ...',
        line: 6,
      });
      expect(parseError(offerWith(['m=audio abc RTP/AVP 0']))).toEqual({
        cause: 'bad_port',
        message: 'line 6: m= port "abc" is not a port 0-65535 (optionally /<count>)',
        line: 6,
      });
      expect(parseError(offerWith(['m=audio 65536 RTP/AVP 0'])).cause).toBe('bad_port');
      expect(parseError(offerWith(['m=audio -1 RTP/AVP 0'])).cause).toBe('bad_port');
      expect(parseError(offerWith(['m=audio 4000/0 RTP/AVP 0'])).cause).toBe('bad_port');
      // A bad port in a video line is as malformed as one in the audio line.
      expect(parseError(offerWith(['m=audio 4000 RTP/AVP 0', 'm=video 4x RTP/AVP 99'])).line).toBe(7);
    });

    it('malformed c= lines', () => {
      const cases: [string, string][] = [
        ['c=IN IP4', 'expected IN <IP4|IP6> <address>'],
        ['c=XX IP4 192.0.2.1', 'network type "XX" is not IN'],
        ['c=IN IP5 192.0.2.1', 'address type "IP5" is not IP4 or IP6'],
        ['c=IN IP4 pbx.example.com', '"pbx.example.com" is not an IP4 address literal'],
        ['c=IN IP4 2001:db8::1', '"2001:db8::1" is not an IP4 address literal'],
        ['c=IN IP6 192.0.2.1', '"192.0.2.1" is not an IP6 address literal'],
      ];
      for (const [line, why] of cases) {
        const e = parseError(offerWith(['m=audio 4000 RTP/AVP 0'], [line]));
        expect(e.cause).toBe('bad_connection');
        expect(e.line).toBe(4);
        expect(e.message).toBe(`line 4: c=${JSON.stringify(line.slice(2))}: ${why}`);
      }
    });

    it('no audio m-line', () => {
      expect(parseError(offerWith([]))).toEqual({ cause: 'no_audio', message: 'no m= line: the description offers no media', line: 0 });
      expect(parseError(offerWith(['m=video 4000 RTP/AVP 99', 'm=image 4002 udptl t38']))).toEqual({
        cause: 'no_audio',
        message: 'no m=audio line',
        line: 0,
      });
    });

    it('an audio stream with no c= at media or session level', () => {
      const body = crlf(sdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=video 5000 RTP/AVP 99', 'c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 0']));
      expect(parseError(body)).toEqual({
        cause: 'no_connection',
        message: 'line 7: m=audio has no c= line (neither in the media section nor at session level)',
        line: 7,
      });
    });

    it('messages quote at most 40 characters of the input, escaped', () => {
      const e = parseError(`${'x'.repeat(500)}\u0001\r\n`);
      expect(e.message).toBe(`line 1: expected v=0 first, got "${'x'.repeat(40)}…"`);
      expect(parseError(`v=0\r\nc=IN IP4 \u0000bad\r\n`).message).toContain('\\u0000bad');
    });
  });
});

// ---- offer ---------------------------------------------------------------------------------

describe('createOfferBuilder', () => {
  it('the default offer: PCMU, PCMA, telephone-event 101 0-16, ptime 20, sendrecv', () => {
    const b = createOfferBuilder({ address: '192.0.2.1' });
    expect(b.build(20000, 4242, 1)).toBe(
      'v=0\r\no=callcert 4242 1 IN IP4 192.0.2.1\r\ns=callcert\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n' +
        'm=audio 20000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
        'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n',
    );
    expect(b.offered).toEqual({ addrType: 'IP4', proto: 'RTP/AVP', codecs: [PCMU, PCMA], telephoneEvent: TELEPHONE_EVENT, ptimeMs: 20, rtcpMux: false });
  });

  it('an offer we build parses back to what we asked for', () => {
    const opus: AudioCodec = { pt: 111, encodingName: 'opus', clockRateHz: 48000, channels: 2, fmtp: 'useinbandfec=1' };
    const b = createOfferBuilder({
      address: '2001:db8::1',
      codecs: [PCMA, opus, PCMU],
      telephoneEvent: { pt: 110, clockRateHz: 8000, events: '0-15' },
      ptimeMs: 30,
      rtcpMux: true,
      username: 'lt',
      sessionName: 'load test',
    });
    const d = parsed(b.build(31234, 9007199254740991, 3));
    expect(d.origin).toEqual({ username: 'lt', sessionId: '9007199254740991', sessionVersion: '3', netType: 'IN', addrType: 'IP6', address: '2001:db8::1' });
    expect(d.connection).toEqual({ addrType: 'IP6', address: '2001:db8::1' });
    const m = d.media[0];
    expect(m).toMatchObject({ type: 'audio', port: 31234, proto: 'RTP/AVP', direction: 'sendrecv', rtcpMux: true, ptimeMs: 30, rtcp: null });
    expect(m.codecs).toEqual([
      { pt: 8, encodingName: 'PCMA', clockRateHz: 8000, channels: 1, fmtp: null },
      { pt: 111, encodingName: 'opus', clockRateHz: 48000, channels: 2, fmtp: 'useinbandfec=1' },
      { pt: 0, encodingName: 'PCMU', clockRateHz: 8000, channels: 1, fmtp: null },
      { pt: 110, encodingName: 'telephone-event', clockRateHz: 8000, channels: 1, fmtp: '0-15' },
    ]);
  });

  it('without telephone-event the m= line lists only the codecs', () => {
    const body = createOfferBuilder({ address: '192.0.2.1', codecs: [PCMA], telephoneEvent: null }).build(20002, 1, 1);
    expect(body).toContain('m=audio 20002 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\na=sendrecv\r\n');
    expect(body).not.toContain('telephone-event');
  });

  it('refuses settings that would make a wrong offer (CC_ERR_CLI_USAGE naming the field)', () => {
    expect(usageError(() => createOfferBuilder({ address: 'pbx.local' }))).toBe(
      'CC_ERR_CLI_USAGE: media SDP: address "pbx.local" is not an IPv4 or IPv6 literal',
    );
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', codecs: [] }))).toContain('at least one codec');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', codecs: [PCMU, PCMU] }))).toContain('payload type 0 is used twice');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', codecs: [{ ...PCMA, pt: 0 }] }))).toBe(
      'CC_ERR_CLI_USAGE: media SDP: codec "PCMA": payload type 0 is PCMU/8000/1 (RFC 3551)',
    );
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', codecs: [{ ...PCMA, pt: 40 }] }))).toContain('neither RFC 3551 static nor dynamic');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', codecs: [{ ...PCMA, pt: 128 }] }))).toContain('not 0-127');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', codecs: [{ ...PCMA, encodingName: 'PC MA' }] }))).toContain('not an encoding name');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', codecs: [{ ...PCMA, fmtp: 'a\r\nb' }] }))).toContain('fmtp');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', telephoneEvent: { ...TELEPHONE_EVENT, pt: 8 } }))).toContain(
      'payload type 8 is used twice',
    );
    expect(
      usageError(() =>
        createOfferBuilder({ address: '192.0.2.1', rtcpMux: true, codecs: [PCMU], telephoneEvent: { ...TELEPHONE_EVENT, pt: 72 } }),
      ),
    ).toContain('payload type 72 is in 64-95, which rtcp-mux forbids');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', ptimeMs: 0 }))).toContain('ptimeMs 0');
    expect(usageError(() => createOfferBuilder({ address: '192.0.2.1', username: 'a b' }))).toContain('username');
  });

  it('a per-call value that cannot go in the SDP is a bug in the caller (CC_ERR_INTERNAL_BUG)', () => {
    const b = createOfferBuilder({ address: '192.0.2.1' });
    expect(() => b.build(0, 1, 1)).toThrow(/RTP port 0/);
    expect(() => b.build(70000, 1, 1)).toThrow(/RTP port 70000/);
    expect(() => b.build(20000, -1, 1)).toThrow(/session id -1/);
    expect(() => b.build(20000, 1, 1.5)).toThrow(/version 1.5/);
  });
});

// ---- offerer: reading the answer -------------------------------------------------------------

describe('negotiateAnswer (we offered)', () => {
  const offer4 = createOfferBuilder({ address: '192.0.2.1' }).offered;

  it("SIPp's default uas answer: PCMU, no telephone-event, RTCP on port + 1, our ptime", () => {
    expect(negotiated(negotiateAnswer(offer4, parsed(SIPP_UAS_ANSWER)))).toEqual({
      mediaIndex: 0,
      remoteAddrType: 'IP4',
      remoteAddress: '127.0.0.1',
      remoteRtpPort: 6000,
      remoteRtcpAddress: '127.0.0.1',
      remoteRtcpPort: 6001,
      codec: { pt: 0, encodingName: 'PCMU', clockRateHz: 8000, channels: 1 },
      telephoneEventPt: null,
      direction: 'sendrecv',
      rtcpMux: false,
      ptimeMs: 20,
    });
  });

  it("a multi-codec PBX answer: the answer's first common codec, its telephone-event, its a=rtcp port", () => {
    const m = negotiated(negotiateAnswer(offer4, parsed(PBX_ANSWER)));
    expect(m.codec).toEqual({ pt: 8, encodingName: 'PCMA', clockRateHz: 8000, channels: 1 });
    expect(m.telephoneEventPt).toBe(101);
    expect(m.remoteRtpPort).toBe(17044);
    expect(m.remoteRtcpPort).toBe(17045);
    expect(m.direction).toBe('sendrecv');
  });

  it('an a=rtcp with its own address (SBC) directs RTCP there', () => {
    const m = negotiated(negotiateAnswer(offer4, parsed(SBC_ANSWER)));
    expect(m.codec.encodingName).toBe('PCMU');
    expect(m.remoteAddress).toBe('203.0.113.20');
    expect(m.remoteRtcpAddress).toBe('203.0.113.21');
    expect(m.remoteRtcpPort).toBe(40001);
  });

  it("an IPv6 answer to an IPv6 offer; the answerer's ptime is the one we send with", () => {
    const offer6 = createOfferBuilder({ address: '2001:db8::1' }).offered;
    const m = negotiated(negotiateAnswer(offer6, parsed(IPV6_ANSWER)));
    expect(m).toMatchObject({ remoteAddrType: 'IP6', remoteAddress: '2001:db8::20', remoteRtpPort: 30002, remoteRtcpPort: 30003, ptimeMs: 30 });
    expect(m.telephoneEventPt).toBe(101);
  });

  it('the answer keeps its own payload type number for a codec we offered under another', () => {
    const m = negotiated(negotiateAnswer(offer4, parsed(answerWith(['a=rtpmap:97 pcmu/8000'], 'm=audio 17044 RTP/AVP 97'))));
    expect(m.codec).toEqual({ pt: 97, encodingName: 'PCMU', clockRateHz: 8000, channels: 1 });
  });

  it('direction from our side: their sendonly (holding us) is our recvonly, and so on', () => {
    const dir = (attr: string): string => negotiated(negotiateAnswer(offer4, parsed(answerWith([attr])))).direction;
    expect(dir('a=sendonly')).toBe('recvonly');
    expect(dir('a=recvonly')).toBe('sendonly');
    expect(dir('a=inactive')).toBe('inactive');
    expect(dir('a=sendrecv')).toBe('sendrecv');
  });

  it('a c=0.0.0.0 answer (RFC 2543 hold) means we send nothing', () => {
    const m = negotiated(negotiateAnswer(offer4, parsed(answerWith([], undefined, 'c=IN IP4 0.0.0.0'))));
    expect(m.direction).toBe('recvonly');
    expect(m.remoteAddress).toBe('0.0.0.0');
  });

  it('rtcp-mux only when both offered and answered', () => {
    const muxOffer = createOfferBuilder({ address: '192.0.2.1', rtcpMux: true }).offered;
    const both = negotiated(negotiateAnswer(muxOffer, parsed(answerWith(['a=rtcp-mux']))));
    expect(both.rtcpMux).toBe(true);
    expect(both.remoteRtcpPort).toBe(17044);
    const declined = negotiated(negotiateAnswer(muxOffer, parsed(answerWith([]))));
    expect(declined.rtcpMux).toBe(false);
    expect(declined.remoteRtcpPort).toBe(17045);
    // Not offered: an answer's a=rtcp-mux does not switch it on.
    expect(negotiated(negotiateAnswer(offer4, parsed(answerWith(['a=rtcp-mux'])))).rtcpMux).toBe(false);
  });

  it('telephone-event only when we offered it, and only at the codec clock rate', () => {
    const noTe = createOfferBuilder({ address: '192.0.2.1', telephoneEvent: null }).offered;
    expect(negotiated(negotiateAnswer(noTe, parsed(PBX_ANSWER))).telephoneEventPt).toBeNull();
    const te48 = answerWith(['a=rtpmap:101 telephone-event/48000'], 'm=audio 17044 RTP/AVP 0 101');
    expect(negotiated(negotiateAnswer(offer4, parsed(te48))).telephoneEventPt).toBeNull();
  });

  it('no common codec: media_no_codec naming both lists', () => {
    const f = failed(negotiateAnswer(offer4, parsed(answerWith(['a=rtpmap:18 G729/8000', 'a=rtpmap:101 telephone-event/8000'], 'm=audio 17044 RTP/AVP 18 101'))));
    expect(f).toEqual({
      ok: false,
      cause: 'media_no_codec',
      message: "the answer's codecs (G729/8000) are none of those offered (PCMU/8000, PCMA/8000)",
    });
  });

  it('a rejected stream and malformed answers', () => {
    expect(failed(negotiateAnswer(offer4, parsed(answerWith([], 'm=audio 0 RTP/AVP 0'))))).toEqual({
      ok: false,
      cause: 'media_no_stream',
      message: 'the answer rejected the audio stream (port 0)',
    });
    const two = answerWith(['m=audio 17046 RTP/AVP 0']);
    expect(failed(negotiateAnswer(offer4, parsed(two)))).toMatchObject({ cause: 'media_bad_answer', message: 'the answer has 2 m= lines; the offer had 1' });
    const video = answerWith([], 'm=video 17044 RTP/AVP 99').replace('m=video', 'm=audio 0 RTP/AVP 0\r\nm=video');
    expect(failed(negotiateAnswer(offer4, parsed(video))).cause).toBe('media_bad_answer');
    const savp = answerWith([], 'm=audio 17044 RTP/SAVP 0');
    expect(failed(negotiateAnswer(offer4, parsed(savp)))).toMatchObject({ cause: 'media_bad_answer', message: `the answer's transport is "RTP/SAVP"; the offer's was RTP/AVP` });
    expect(failed(negotiateAnswer(offer4, parsed(IPV6_ANSWER)))).toMatchObject({
      cause: 'media_bad_answer',
      message: "the answer's c= is IP6; the offer's was IP4 (RFC 6157 §3.1)",
    });
  });

  it('a hand-built description without c= fails instead of throwing', () => {
    const d = parsed(SIPP_UAS_ANSWER);
    const bare: SessionDescription = { ...d, connection: null, media: [{ ...d.media[0], connection: null }] };
    expect(failed(negotiateAnswer(offer4, bare)).cause).toBe('media_bad_answer');
  });
});

// ---- answerer --------------------------------------------------------------------------------

describe('createAnswerer (they offered)', () => {
  const answerer = createAnswerer({ address: '192.0.2.1', rtcpMux: true });

  function plan(offer: string, a = answerer): AnswerPlan {
    const r = a.negotiate(parsed(offer));
    if (!r.ok) throw new Error(`expected an answer: ${r.message}`);
    return r;
  }

  it("answers a platform's offer: first offered codec we take, their te PT, rtcp-mux, video rejected", () => {
    const p = plan(PLATFORM_OFFER);
    expect(answerer.render(p, 20000, 77, 1)).toBe(
      'v=0\r\no=callcert 77 1 IN IP4 192.0.2.1\r\ns=callcert\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n' +
        'm=audio 20000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n' +
        'a=ptime:20\r\na=rtcp-mux\r\na=sendrecv\r\nm=video 0 RTP/AVP 99\r\n',
    );
    expect(p.media).toEqual({
      mediaIndex: 0,
      remoteAddrType: 'IP4',
      remoteAddress: '192.0.2.50',
      remoteRtpPort: 10000,
      remoteRtcpAddress: '192.0.2.50',
      remoteRtcpPort: 10000,
      codec: { pt: 8, encodingName: 'PCMA', clockRateHz: 8000, channels: 1 },
      telephoneEventPt: 101,
      direction: 'sendrecv',
      rtcpMux: true,
      ptimeMs: 20,
    });
  });

  it('the answer parses back, and the offerer reading it agrees on the media', () => {
    const offerer = createOfferBuilder({ address: '192.0.2.50', codecs: [PCMA, PCMU] });
    const offer = parsed(offerer.build(10000, 5, 5));
    const r = answerer.negotiate(offer);
    if (!r.ok) throw new Error(r.message);
    const back = negotiated(negotiateAnswer(offerer.offered, parsed(answerer.render(r, 20000, 1, 1))));
    expect(back).toMatchObject({ remoteAddress: '192.0.2.1', remoteRtpPort: 20000, codec: r.media.codec, telephoneEventPt: 101, direction: 'sendrecv' });
  });

  it('mirrors the offered direction (RFC 3264 §6.1), session-level too', () => {
    const dir = (session: string[], media: string[]): string =>
      plan(offerWith(['m=audio 4000 RTP/AVP 0', ...media], ['c=IN IP4 192.0.2.50', ...session])).media.direction;
    expect(dir([], [])).toBe('sendrecv');
    expect(dir([], ['a=sendonly'])).toBe('recvonly');
    expect(dir([], ['a=recvonly'])).toBe('sendonly');
    expect(dir([], ['a=inactive'])).toBe('inactive');
    expect(dir(['a=sendonly'], [])).toBe('recvonly');
    expect(dir(['a=sendonly'], ['a=sendrecv'])).toBe('sendrecv');
    expect(answerer.render(plan(offerWith(['m=audio 4000 RTP/AVP 0', 'a=sendonly'])), 20000, 1, 2)).toContain('a=recvonly\r\n');
  });

  it('a hold offer with c=0.0.0.0 is answered recvonly: nothing is sent to that peer', () => {
    const p = plan(offerWith(['m=audio 4000 RTP/AVP 0'], ['c=IN IP4 0.0.0.0']));
    expect(p.media.direction).toBe('recvonly');
    expect(answerer.render(p, 20000, 1, 2)).toContain('a=recvonly\r\n');
  });

  it('keeps the offerer payload type for a dynamic mapping; repeats the offer t= line', () => {
    const p = plan(offerWith(['m=audio 4000 RTP/AVP 97', 'a=rtpmap:97 pcmu/8000']).replace('t=0 0', 't=3034423619 0'));
    expect(p.media.codec).toEqual({ pt: 97, encodingName: 'PCMU', clockRateHz: 8000, channels: 1 });
    const body = answerer.render(p, 20000, 1, 1);
    expect(body).toContain('t=3034423619 0\r\nm=audio 20000 RTP/AVP 97\r\na=rtpmap:97 PCMU/8000\r\n');
  });

  it('rejects an SRTP audio stream and takes the next RTP/AVP one; the offer order of m-lines is kept', () => {
    const p = plan(offerWith(['m=audio 4000 RTP/SAVP 0', 'm=audio 4002 RTP/AVP 8', 'm=image 4004 udptl t38']));
    expect(p.media.mediaIndex).toBe(1);
    const body = answerer.render(p, 20000, 1, 1);
    expect(body).toContain('t=0 0\r\nm=audio 0 RTP/SAVP 0\r\nm=audio 20000 RTP/AVP 8\r\n');
    expect(body.endsWith('a=sendrecv\r\nm=image 0 udptl t38\r\n')).toBe(true);
    const back = parsed(body);
    expect(back.media.map((m) => `${m.type} ${m.port}`)).toEqual(['audio 0', 'audio 20000', 'image 0']);
  });

  it('rtcp-mux offered to an answerer without it: not in the answer, RTCP on port + 1', () => {
    const plain = createAnswerer({ address: '192.0.2.1' });
    const p = plan(PLATFORM_OFFER, plain);
    expect(p.media.rtcpMux).toBe(false);
    expect(p.media.remoteRtcpPort).toBe(10001);
    expect(plain.render(p, 20000, 1, 1)).not.toContain('rtcp-mux');
  });

  it('telephone-event: left out when we do not do it, or when its clock is not the codec one', () => {
    const noTe = createAnswerer({ address: '192.0.2.1', telephoneEvent: null });
    const p = plan(PLATFORM_OFFER, noTe);
    expect(p.media.telephoneEventPt).toBeNull();
    expect(noTe.render(p, 20000, 1, 1)).toContain('m=audio 20000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n');
    const te48 = plan(offerWith(['m=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/48000']));
    expect(te48.media.telephoneEventPt).toBeNull();
  });

  it('no common codec: media_no_codec (the caller answers 488)', () => {
    const r = answerer.negotiate(parsed(offerWith(['m=audio 4000 RTP/AVP 18 9 101', 'a=rtpmap:101 telephone-event/8000'])));
    expect(r).toEqual({ ok: false, cause: 'media_no_codec', message: 'no common audio codec: offered G729/8000, G722/8000; we take PCMU/8000, PCMA/8000' });
  });

  it('no stream we can take: media_no_stream saying why', () => {
    expect(failed(answerer.negotiate(parsed(offerWith(['m=audio 0 RTP/AVP 0']))))).toEqual({
      ok: false,
      cause: 'media_no_stream',
      message: 'no audio stream we can take: the m=audio of line 6 is disabled (port 0)',
    });
    expect(failed(answerer.negotiate(parsed(offerWith(['m=audio 4000 UDP/TLS/RTP/SAVPF 0']))))).toMatchObject({
      cause: 'media_no_stream',
      message: 'no audio stream we can take: the m=audio of line 6 is "UDP/TLS/RTP/SAVPF", not RTP/AVP',
    });
    const v6 = offerWith(['m=audio 4000 RTP/AVP 0'], ['c=IN IP6 2001:db8::50']);
    expect(failed(answerer.negotiate(parsed(v6)))).toMatchObject({
      cause: 'media_no_stream',
      message: 'no audio stream we can take: the m=audio of line 6 is on IP6, our media address is IP4',
    });
  });

  it('an IPv6 answerer answers an IPv6 offer with IP6 lines', () => {
    const a6 = createAnswerer({ address: '2001:db8::1' });
    const p = plan(offerWith(['m=audio 4000 RTP/AVP 0'], ['c=IN IP6 2001:db8::50']), a6);
    const back = parsed(a6.render(p, 20000, 1, 1));
    expect(back.connection).toEqual({ addrType: 'IP6', address: '2001:db8::1' });
    expect(p.media.remoteAddress).toBe('2001:db8::50');
  });
});

// ---- fuzz ------------------------------------------------------------------------------------

const CAUSES: readonly SdpErrorCause[] = ['not_sdp', 'bad_version', 'bad_media', 'bad_port', 'bad_connection', 'no_audio', 'no_connection'];
const DIRECTIONS = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** parseSdp's whole contract: an error value with a known cause, or a description whose invariants hold. */
function checkParse(r: SdpParseResult): void {
  if (!r.ok) {
    expect(CAUSES).toContain(r.error.cause);
    expect(r.error.message.length).toBeGreaterThan(0);
    expect(r.error.message).not.toMatch(/[\r\n]/);
    expect(r.error.message.length).toBeLessThan(300);
    expect(Number.isInteger(r.error.line) && r.error.line >= 0).toBe(true);
    return;
  }
  const d = r.sdp;
  expect(d.media.some((m) => m.type === 'audio')).toBe(true);
  for (const c of [d.connection, ...d.media.map((m) => m.connection), ...d.media.map((m) => m.rtcp?.connection ?? null)]) {
    if (c !== null) expect(c.addrType === 'IP4' ? isIPv4(c.address) : isIPv6(c.address)).toBe(true);
  }
  for (const m of d.media) {
    expect(Number.isInteger(m.port) && m.port >= 0 && m.port <= 65535).toBe(true);
    expect(m.portCount).toBeGreaterThanOrEqual(1);
    expect(m.formats.length).toBeGreaterThan(0);
    expect(m.proto).not.toMatch(/[\s]/);
    for (const pt of m.payloadTypes) {
      expect(pt >= 0 && pt <= 127).toBe(true);
      expect(m.formats).toContain(String(pt));
    }
    for (const c of m.codecs) {
      expect(m.payloadTypes).toContain(c.pt);
      expect(c.clockRateHz).toBeGreaterThan(0);
      expect(c.channels).toBeGreaterThan(0);
    }
    expect(DIRECTIONS).toContain(m.direction);
    if (m.type === 'audio' && m.port !== 0) expect(m.connection).not.toBeNull();
    if (m.rtcp !== null) expect(m.rtcp.port >= 0 && m.rtcp.port <= 65535).toBe(true);
    if (m.ptimeMs !== null) expect(m.ptimeMs).toBeGreaterThan(0);
  }
}

const fuzzAnswerer = createAnswerer({ address: '192.0.2.1', rtcpMux: true });
const fuzzOffered = createOfferBuilder({ address: '192.0.2.1', rtcpMux: true }).offered;

/** Everything downstream of a parsed description: negotiation never throws, and an answer is well-formed SDP. */
function checkDownstream(r: SdpParseResult): 'answered' | 'refused' | 'unparsed' {
  if (!r.ok) return 'unparsed';
  const n = negotiateAnswer(fuzzOffered, r.sdp);
  if (n.ok) expect(n.media.remoteRtpPort).toBeGreaterThan(0);
  else expect(['media_no_stream', 'media_no_codec', 'media_bad_answer']).toContain(n.cause);
  const plan = fuzzAnswerer.negotiate(r.sdp);
  if (!plan.ok) {
    expect(['media_no_stream', 'media_no_codec']).toContain(plan.cause);
    return 'refused';
  }
  const answer = parseSdp(fuzzAnswerer.render(plan, 20000, 1, 1));
  if (!answer.ok) throw new Error(`our answer does not parse: ${answer.error.message}`);
  // RFC 3264 §6: one m= line per offered one, in order, only ours with a port; t= repeated.
  expect(answer.sdp.media.length).toBe(r.sdp.media.length);
  answer.sdp.media.forEach((m, i) => {
    expect(m.type).toBe(r.sdp.media[i].type);
    expect(m.port).toBe(i === plan.media.mediaIndex ? 20000 : 0);
  });
  expect(answer.sdp.timing).toBe(r.sdp.timing ?? '0 0');
  return 'answered';
}

const CORPUS = [SIPP_UAS_ANSWER, PBX_ANSWER, SBC_ANSWER, IPV6_ANSWER, PLATFORM_OFFER, createOfferBuilder({ address: '192.0.2.1' }).build(20000, 1, 1)];

type Mutation =
  | { kind: 'flip'; at: number; to: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'dupline'; at: number }
  | { kind: 'dropline'; at: number }
  | { kind: 'lf' };

const SPECIAL = ['\r', '\n', ' ', '\t', '=', ':', '/', '0', '9', '-', 'm=', 'c=', 'a=', '\u0000', 'IN ', 'IP6 ', '::', '.'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), to: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ minLength: 1, maxLength: 1 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ maxLength: 6 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('dupline' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dropline' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('lf' as const) }),
);

function mutate(src: string, muts: readonly Mutation[]): string {
  let s = src;
  for (const m of muts) {
    const at = m.kind === 'lf' ? 0 : m.at % (s.length + 1);
    switch (m.kind) {
      case 'flip':
        s = s.slice(0, at) + m.to + s.slice(at + 1);
        break;
      case 'truncate':
        s = s.slice(0, at);
        break;
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.n);
        break;
      case 'dupline':
      case 'dropline': {
        const start = s.lastIndexOf('\n', at - 1) + 1;
        let end = s.indexOf('\n', at);
        end = end < 0 ? s.length : end + 1;
        s = m.kind === 'dupline' ? s.slice(0, end) + s.slice(start, end) + s.slice(end) : s.slice(0, start) + s.slice(end);
        break;
      }
      case 'lf':
        s = s.replace(/\r\n/g, '\n');
        break;
    }
  }
  return s;
}

/** SDP's own vocabulary with random fields, in session/media structure, so the generator reaches every line parser and negotiation. */
const token = (values: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.string({ maxLength: 5 }) });
const mLine = fc
  .tuple(
    token(['audio', 'audio', 'audio', 'video', 'image', 'AUDIO']),
    token(['4000', '4000', '0', '4000/2', '65535', '65536', 'x']),
    token(['RTP/AVP', 'RTP/AVP', 'RTP/AVP', 'RTP/SAVP', 'udptl', 'UDP/TLS/RTP/SAVPF']),
    fc.array(token(['0', '8', '18', '9', '96', '101', '13', '08', 't38']), { minLength: 1, maxLength: 5 }),
  )
  .map(([t, port, proto, fmts]) => `m=${t} ${port} ${proto}${fmts.map((f) => ` ${f}`).join('')}`);
const cLine = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('c=IN IP4 192.0.2.1', 'c=IN IP4 0.0.0.0', 'c=IN IP6 2001:db8::9', 'c=IN IP4 224.2.1.1/127') },
  fc
    .tuple(token(['IN']), token(['IP4', 'IP6', 'IP5']), token(['192.0.2.1', '::1', 'host']))
    .map(([n, t, a]) => `c=${n} ${t} ${a}`),
);
const aLine = fc
  .tuple(
    token(['rtpmap', 'fmtp', 'rtcp', 'rtcp-mux', 'ptime', 'maxptime', 'sendonly', 'recvonly', 'inactive', 'sendrecv']),
    token(['', '0 PCMU/8000', '8 PCMA/8000', '96 opus/48000/2', '96 PCMA/8000', '101 telephone-event/8000', '101 0-16', '4001', '4001 IN IP4 192.0.2.2', '20', '0']),
  )
  .map(([name, value]) => (value === '' ? `a=${name}` : `a=${name}:${value}`));
const otherLine = fc.oneof(fc.constantFrom('o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 't=1 x', 'b=AS:64', '', 'v=0', 'garbage'), fc.string({ maxLength: 12 }));
const sdpish: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 2, arbitrary: cLine }, aLine, otherLine), { maxLength: 4 }),
    fc.array(fc.tuple(mLine, fc.array(fc.oneof({ weight: 4, arbitrary: aLine }, cLine, otherLine), { maxLength: 5 })), { maxLength: 3 }),
    fc.constantFrom('\r\n', '\n'),
  )
  .map(([session, media, eol]) => ['v=0', ...session, ...media.flatMap(([m, lines]) => [m, ...lines])].join(eol) + eol);

describe('SDP fuzz (fast-check)', () => {
  it('arbitrary strings: an error value or a consistent description, never a throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 512 }), (s) => {
        const r = parseSdp(s);
        checkParse(r);
        checkDownstream(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('SDP-looking random text: same contract, and answers to what parses are well-formed', () => {
    const outcomes = new Map<string, number>();
    const causes = new Set<string>();
    fc.assert(
      fc.property(sdpish, (s) => {
        const r = parseSdp(s);
        checkParse(r);
        if (!r.ok) causes.add(r.error.cause);
        const o = checkDownstream(r);
        outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );
    // The generator reaches past the first line into the m=, c= and negotiation paths.
    expect([...causes].sort()).toEqual(['bad_connection', 'bad_media', 'bad_port', 'no_audio', 'no_connection']);
    expect(outcomes.get('refused') ?? 0).toBeGreaterThan(RUNS / 100);
    expect(outcomes.get('answered') ?? 0).toBeGreaterThan(RUNS / 100);
  });

  it('mutated real-world bodies (flips, truncations, insertions, deletions, duplicated and dropped lines, LF)', () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(mutation, { minLength: 1, maxLength: 4 }), (src, muts) => {
        const r = parseSdp(mutate(src, muts));
        checkParse(r);
        if (checkDownstream(r) === 'answered') answered++;
      }),
      { numRuns: RUNS },
    );
    // Both outcomes are exercised: many mutations miss what matters and still negotiate.
    expect(answered).toBeGreaterThan(RUNS / 10);
    expect(answered).toBeLessThan(RUNS);
  });

  it('every offer the builder makes parses back to its inputs', () => {
    const codecPool: AudioCodec[] = [PCMU, PCMA, { pt: 9, encodingName: 'G722', clockRateHz: 8000, channels: 1, fmtp: null }];
    fc.assert(
      fc.property(
        fc.subarray(codecPool, { minLength: 1 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('192.0.2.1', '2001:db8::7', '::1'),
        fc.integer({ min: 1, max: 65535 }),
        fc.nat(),
        fc.nat(),
        (codecs, te, mux, address, port, id, version) => {
          const b = createOfferBuilder({ address, codecs, telephoneEvent: te ? TELEPHONE_EVENT : null, rtcpMux: mux });
          const d = parsed(b.build(port, id, version));
          expect(d.origin?.sessionId).toBe(String(id));
          expect(d.origin?.sessionVersion).toBe(String(version));
          expect(d.connection?.address).toBe(address);
          const m = d.media[0];
          expect(m.port).toBe(port);
          expect(m.rtcpMux).toBe(mux);
          expect(m.codecs.map((c) => c.encodingName)).toEqual([...codecs.map((c) => c.encodingName), ...(te ? ['telephone-event'] : [])]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
