/**
 * IPv6 in the SIP layer: hosts in URIs / Via / Contact (bracketed), SDP (IN IP6,
 * not bracketed), target URIs ([::1]:5399), the CTI originator's `to`, and the
 * local-address choice of a run (src/engine/preflight.ts), including its one-line
 * errors. IPv4 output stays byte for byte what it was.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { MessageBuilder, bracketHost, formatHostPort, g711Sdp, sdpAddrType } from '../../src/sip/message/builder.js';
import { Uac } from '../../src/sip/ua/caller.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import { RecordingTransport } from '../helpers/recording-transport.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { parseSipUri } from '../../src/sip/message/uri.js';
import { parseTarget } from '../../src/simulator/cti-calls.js';
import { chooseLocalAddress } from '../../src/engine/preflight.js';
import { isCallcertError } from '../../src/errors.js';

describe('this machine has ::1 (IPv6 tests fail, never skip, without it)', () => {
  it('an interface carries ::1', () => {
    const all = Object.values(networkInterfaces()).flat();
    expect(all.some((a) => a?.address === '::1'), 'no ::1 on any interface: enable IPv6 on loopback (sysctl net.ipv6.conf.lo.disable_ipv6=0)').toBe(true);
  });
});

describe('host formatting', () => {
  it('brackets IPv6 literals, leaves IPv4, names and bracketed hosts alone', () => {
    expect(bracketHost('::1')).toBe('[::1]');
    expect(bracketHost('2001:db8::5')).toBe('[2001:db8::5]');
    expect(bracketHost('[::1]')).toBe('[::1]');
    expect(bracketHost('127.0.0.1')).toBe('127.0.0.1');
    expect(bracketHost('pbx.example.com')).toBe('pbx.example.com');
    // RFC 6874: the zone's % is escaped in a URI.
    expect(bracketHost('fe80::1%eth0')).toBe('[fe80::1%25eth0]');
  });

  it('host:port', () => {
    expect(formatHostPort('::1', 5399)).toBe('[::1]:5399');
    expect(formatHostPort('127.0.0.1', 5060)).toBe('127.0.0.1:5060');
  });

  it('SDP: IN IP6 with the bare address for IPv6, IN IP4 unchanged', () => {
    expect(sdpAddrType('::1')).toBe('IP6');
    expect(sdpAddrType('10.0.0.1')).toBe('IP4');
    const v6 = g711Sdp('::1', 10000, 7);
    expect(v6).toContain('o=callcert 7 7 IN IP6 ::1\r\n');
    expect(v6).toContain('c=IN IP6 ::1\r\n');
    expect(v6).not.toContain('[');
    const v4 = g711Sdp('127.0.0.1', 10000, 7);
    expect(v4).toContain('o=callcert 7 7 IN IP4 127.0.0.1\r\n');
    expect(v4).toContain('c=IN IP4 127.0.0.1\r\n');
  });
});

describe('target URIs with IPv6 hosts', () => {
  it('parses sip:svc@[::1]:5399 to host ::1 (no brackets), port 5399', () => {
    expect(parseSipUri('sip:svc@[::1]:5399')).toEqual({ user: 'svc', host: '::1', port: 5399, transportParam: null });
    expect(parseSipUri('sip:[2001:db8::1];transport=tcp')).toEqual({ user: null, host: '2001:db8::1', port: 5060, transportParam: 'tcp' });
  });

  it('rejects an unclosed bracket and a bracketed IPv4 address', () => {
    expect(parseSipUri('sip:svc@[::1:5399')).toMatchObject({ hint: 'unclosed [ in IPv6 host' });
    expect(parseSipUri('sip:svc@[127.0.0.1]:5399')).toMatchObject({ hint: '127.0.0.1 is not an IPv6 address' });
  });

  it('the CTI originator takes [::1] targets, keeps refusing remote ones', () => {
    expect(parseTarget('sip:ivr@[::1]:5399', false)).toEqual({ address: '::1', port: 5399 });
    expect(parseTarget('sip:ivr@127.0.0.1:5060', false)).toEqual({ address: '127.0.0.1', port: 5060 });
    expect(() => parseTarget('sip:ivr@[2001:db8::1]:5060', false)).toThrow(/only loopback targets \(127\.0\.0\.0\/8, ::1\)/);
    expect(parseTarget('sip:ivr@[2001:db8::1]:5060', true)).toEqual({ address: '2001:db8::1', port: 5060 });
    expect(() => parseTarget('sip:ivr@[::zz]:5060', true)).toThrow(/IP address host|not an IPv6 address/);
  });
});

function invite(kind: 'udp' | 'tcp', local: string, targetHost: string): { msg: SipMessage; raw: string; callId: string } {
  const t = new RecordingTransport(kind, local);
  const uac = new Uac({
    transport: t, target: { uri: `sip:svc@${formatHostPort(targetHost, 5399)}`, peer: { address: targetHost, port: 5399 } },
    auth: null, fromUser: 'callcert', sdpBody: g711Sdp(local, 10000, 1), ringTimeoutMs: 0, userAgent: 'test',
    listener: { answered: () => {}, ended: () => {} }, now: () => performance.now(),
  });
  const call = uac.start(0);
  uac.close();
  return { msg: t.sent[0].msg, raw: t.sent[0].raw, callId: call.callId };
}

describe('UAC requests from an IPv6 address', () => {
  for (const kind of ['udp', 'tcp'] as const) {
    it(`${kind.toUpperCase()}: Via sent-by, From and Contact bracket ::1; the Call-ID host is ::1; SDP is IN IP6`, () => {
      const { msg, raw, callId } = invite(kind, '::1', '::1');
      expect(raw.startsWith('INVITE sip:svc@[::1]:5399 SIP/2.0\r\n')).toBe(true);
      expect(getHeader(msg, 'via')).toMatch(new RegExp(`^SIP/2\\.0/${kind.toUpperCase()} \\[::1\\]:5999;rport;branch=z9hG4bK`));
      expect(getHeader(msg, 'from')).toMatch(/^<sip:callcert@\[::1\]:5999>;tag=/);
      expect(getHeader(msg, 'to')).toBe('<sip:svc@[::1]:5399>');
      expect(getHeader(msg, 'contact')).toBe(`<sip:callcert@[::1]:5999;transport=${kind}>`);
      expect(callId.endsWith('@::1')).toBe(true);
      expect(msg.callId).toBe(callId);
      expect(raw).toContain('c=IN IP6 ::1\r\n');
      expect(raw).not.toContain('127.0.0.1');
    });
  }

  it('IPv4 requests are unchanged', () => {
    const { msg, raw } = invite('udp', '127.0.0.1', '127.0.0.1');
    expect(getHeader(msg, 'via')).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1:5999;rport;branch=/);
    expect(getHeader(msg, 'contact')).toBe('<sip:callcert@127.0.0.1:5999;transport=udp>');
    expect(raw).toContain('c=IN IP4 127.0.0.1\r\n');
  });

  it('a response built by an IPv6 endpoint carries a bracketed Contact', () => {
    const b = new MessageBuilder({ transport: 'udp', hostPort: formatHostPort('::1', 5080), userAgent: 'cc' }, 'ivr');
    const { msg } = invite('udp', '::1', '::1');
    const res = parseMessage(Buffer.from(b.response(msg, 200, 'OK', 'tt', '', '', ''), 'latin1'));
    if (res instanceof SipParseError) throw new Error(res.reason);
    expect(getHeader(res, 'contact')).toBe('<sip:ivr@[::1]:5080;transport=udp>');
    expect(getHeader(res, 'via')).toMatch(/^SIP\/2\.0\/UDP \[::1\]:5999;/);
  });
});

async function chooseError(host: string, configured: string | null): Promise<string> {
  try {
    await chooseLocalAddress(host, 5399, configured);
  } catch (e) {
    if (!isCallcertError(e)) throw e;
    expect(e.code).toBe('CC_ERR_TARGET_UNREACHABLE');
    expect(e.message).not.toContain('\n');
    return e.message;
  }
  throw new Error(`chooseLocalAddress(${host}, ${configured}) did not throw`);
}

describe('the local address of a run (chooseLocalAddress)', () => {
  it('the default follows the target: ::1 for [::1], 127.0.0.1 for 127.0.0.1', async () => {
    expect(await chooseLocalAddress('::1', 5399, null)).toBe('::1');
    expect(await chooseLocalAddress('127.0.0.1', 5399, null)).toBe('127.0.0.1');
  });

  it('an explicit address of the right family is kept', async () => {
    expect(await chooseLocalAddress('::1', 5399, '::1')).toBe('::1');
  });

  it('an IPv4 localAddress for an IPv6 target is one line naming localAddress', async () => {
    const m = await chooseError('::1', '127.0.0.1');
    expect(m).toBe('localAddress 127.0.0.1 is IPv4 but the target [::1]:5399 is IPv6: set localAddress to an IPv6 address (e.g. ::1 for a target on this machine), or leave it out');
  });

  it('an IPv6 localAddress for an IPv4 target likewise', async () => {
    expect(await chooseError('127.0.0.1', '::1')).toMatch(/^localAddress ::1 is IPv6 but the target 127\.0\.0\.1:5399 is IPv4: set localAddress to an IPv4 address/);
  });

  it('an address this machine does not have: EADDRNOTAVAIL, named as localAddress', async () => {
    // 2001:db8::/32 is the documentation prefix: never configured on a test machine.
    expect(await chooseError('::1', '2001:db8::99')).toBe('cannot bind local address 2001:db8::99 (localAddress): EADDRNOTAVAIL the address is not configured on this machine');
  });

  it('a link-local target without a zone: the kernel refuses the route (EINVAL), said so', async () => {
    expect(await chooseError('fe80::1', null)).toBe('cannot reach the IPv6 target [fe80::1]:5399 from this machine: EINVAL a link-local target needs a zone, e.g. fe80::1%eth0');
  });

  it('no route to the target (ENETUNREACH, e.g. no IPv6 default route): one line, before the run', async () => {
    // This machine has an IPv6 route, so connect() is made to fail as a host without one does.
    const fake = Object.assign(new EventEmitter(), {
      bind: (_p: number, _a: string, cb: () => void) => cb(),
      connect: (_p: number, _h: string, cb: (e?: Error) => void) => cb(Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' })),
      address: () => ({ address: '::', port: 0, family: 'IPv6' }),
      close: () => {},
    });
    const spy = vi.spyOn(dgram, 'createSocket').mockReturnValue(fake as unknown as dgram.Socket);
    try {
      expect(await chooseError('2001:db8::1', null)).toBe('cannot reach the IPv6 target [2001:db8::1]:5399 from this machine: ENETUNREACH no route to that network');
      expect(await chooseError('2001:db8::1', 'fd00::2')).toBe('cannot reach the IPv6 target [2001:db8::1]:5399 from fd00::2 (localAddress): ENETUNREACH no route to that network');
    } finally {
      spy.mockRestore();
    }
  });
});
