/**
 * The registration client (src/sip/ua/registration.ts) on a fake transport and clock:
 * REGISTER, one digest challenge answered, the granted expiry read, unregister, and Timer F.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Registration } from '../../src/sip/ua/registration.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import type { Peer } from '../../src/sip/transport/types.js';
import { RecordingTransport } from '../helpers/recording-transport.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { digestAuthorization, parseDigestChallenge } from '../../src/sip/ua/digest.js';

const PEER: Peer = { address: '127.0.0.1', port: 5060 };

function respond(req: SipMessage, status: number, reason: string, extra: string[] = []): SipMessage {
  const lines = [`SIP/2.0 ${status} ${reason}`, `Via: ${getHeader(req, 'via')}`, `From: ${getHeader(req, 'from')}`, `To: ${getHeader(req, 'to')};tag=reg1`];
  lines.push(`Call-ID: ${req.callId}`, `CSeq: ${req.cseq} ${req.method}`, ...extra, 'Content-Length: 0', '', '');
  const m = parseMessage(Buffer.from(lines.join('\r\n')));
  if (m instanceof SipParseError) throw new Error(m.reason);
  return m;
}

function setup(auth: { username: string; password: string } | null = { username: 'callcert', password: 'secret' }) {
  const t = new RecordingTransport();
  const reg = new Registration({
    transport: t, registrar: { uri: 'sip:callcert.test', peer: PEER }, aor: 'sip:agent1@callcert.test', contactUser: 'agent1',
    auth, userAgent: 'test', now: () => Date.now(),
  });
  return { t, reg };
}

const CHALLENGE = 'Digest realm="callcert.test", nonce="abc123", qop="auth", algorithm=MD5';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe('registration client (RFC 3261 §10)', () => {
  it('REGISTERs the AOR with our Contact, answers a 401 once, and reads the granted expiry', async () => {
    const { t, reg } = setup();
    const done = reg.register(600);
    const first = t.messages[0];
    expect(first.method).toBe('REGISTER');
    expect(first.requestUri).toBe('sip:callcert.test');
    expect(getHeader(first, 'to')).toBe('<sip:agent1@callcert.test>');
    expect(getHeader(first, 'from')).toMatch(/^<sip:agent1@callcert\.test>;tag=/);
    expect(getHeader(first, 'contact')).toBe('<sip:agent1@127.0.0.1:5999;transport=udp>');
    expect(getHeader(first, 'expires')).toBe('600');
    expect(getHeader(first, 'authorization')).toBeUndefined();

    expect(reg.onMessage(respond(first, 401, 'Unauthorized', [`WWW-Authenticate: ${CHALLENGE}`]))).toBe(true);
    const second = t.messages[1];
    expect(second.callId).toBe(first.callId);
    expect(second.cseq).toBe(first.cseq + 1);
    expect(second.viaBranch).not.toBe(first.viaBranch);
    const auth = getHeader(second, 'authorization')!;
    expect(auth).toContain('username="callcert"');
    expect(auth).toContain('uri="sip:callcert.test"');
    const cnonce = /cnonce="([^"]+)"/.exec(auth)![1];
    const expected = digestAuthorization(parseDigestChallenge(CHALLENGE)!, {
      method: 'REGISTER', uri: 'sip:callcert.test', username: 'callcert', password: 'secret', nc: 1, cnonce,
    });
    expect(auth).toBe(expected);

    reg.onMessage(respond(second, 200, 'OK', ['Contact: <sip:other@10.0.0.1>;expires=30, <sip:agent1@127.0.0.1:5999;transport=udp>;expires=300']));
    await expect(done).resolves.toEqual({
      status: 200, reason: 'OK', expires: 300, contacts: ['<sip:other@10.0.0.1>;expires=30', '<sip:agent1@127.0.0.1:5999;transport=udp>;expires=300'],
    });

    const off = reg.unregister();
    const third = t.messages[2];
    expect(third.callId).toBe(first.callId);
    expect(third.cseq).toBe(second.cseq + 1);
    expect(getHeader(third, 'expires')).toBe('0');
    reg.onMessage(respond(third, 200, 'OK', ['Expires: 0']));
    await expect(off).resolves.toMatchObject({ status: 200, expires: 0 });
    reg.close();
  });

  it('a second challenge, or one without credentials, is the final answer', async () => {
    const { t, reg } = setup();
    const done = reg.register(60);
    reg.onMessage(respond(t.messages[0], 401, 'Unauthorized', [`WWW-Authenticate: ${CHALLENGE}`]));
    reg.onMessage(respond(t.messages[1], 401, 'Unauthorized', [`WWW-Authenticate: ${CHALLENGE}`]));
    await expect(done).resolves.toMatchObject({ status: 401, expires: 0 });
    expect(t.messages).toHaveLength(2);

    const anon = setup(null);
    const r = anon.reg.register(60);
    anon.reg.onMessage(respond(anon.t.messages[0], 407, 'Proxy Authentication Required', [`Proxy-Authenticate: ${CHALLENGE}`]));
    await expect(r).resolves.toMatchObject({ status: 407 });
  });

  it('ignores other messages, retransmits on Timer E up to T2 and ends as 408 at Timer F', async () => {
    const { t, reg } = setup();
    const done = reg.register(60);
    const req = t.messages[0];
    expect(reg.onMessage({ ...req, isRequest: false, status: 200, callId: 'other' })).toBe(false);
    expect(reg.onMessage(respond(req, 100, 'Trying'))).toBe(true);
    vi.advanceTimersByTime(31_000);
    // E: 500, 1000, 2000, 4000, 4000, ... ms after the first send
    const times = [500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500];
    expect(t.messages).toHaveLength(1 + times.length);
    vi.advanceTimersByTime(2_000);
    await expect(done).resolves.toMatchObject({ status: 408, expires: 0 });
    reg.close();
  });
});
