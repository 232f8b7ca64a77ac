/**
 * RFC 3261 client transactions of the UAC on a fake clock: the transport is a
 * recorder, responses are raw SIP bytes fed back through the real parser.
 */
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { Uac, type Call, CallState } from '../../src/sip/ua/caller.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import type { Peer } from '../../src/sip/transport/types.js';
import { RecordingTransport } from '../helpers/recording-transport.js';
import { getHeader, getHeaders } from '../../src/sip/message/headers.js';

const PEER: Peer = { address: '127.0.0.1', port: 5080 };

function respond(req: SipMessage, status: number, extra: string[] = [], toTag = 'uas1'): SipMessage {
  const lines = [`SIP/2.0 ${status} X`];
  for (const v of getHeaders(req, 'via')) lines.push(`Via: ${v}`);
  lines.push(`From: ${getHeader(req, 'from')}`);
  const to = getHeader(req, 'to')!;
  lines.push(`To: ${status > 100 && !to.includes('tag=') ? `${to};tag=${toTag}` : to}`);
  lines.push(`Call-ID: ${req.callId}`, `CSeq: ${req.cseq} ${req.method}`, ...extra, 'Content-Length: 0', '', '');
  const m = parseMessage(Buffer.from(lines.join('\r\n')));
  if (m instanceof SipParseError) throw new Error(m.reason);
  return m;
}

function setup(kind: 'udp' | 'tcp' = 'udp', auth: { username: string; password: string } | null = null, ringTimeoutMs = 60_000) {
  const t = new RecordingTransport(kind);
  const ended: Call[] = [];
  const answered: Call[] = [];
  const uac = new Uac({
    transport: t, target: { uri: 'sip:ivr@127.0.0.1:5080', peer: PEER }, auth, fromUser: 'cc', sdpBody: 'v=0\r\n',
    ringTimeoutMs, userAgent: 'test', listener: { answered: (c) => answered.push(c), ended: (c) => ended.push(c) },
    now: () => Date.now(),
  });
  return { t, uac, ended, answered };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe('INVITE client transaction (RFC 3261 §17.1.1)', () => {
  it('retransmits with Timer A doubling from T1 and gives up at Timer B (64·T1)', () => {
    const { t, uac, ended } = setup();
    uac.start(0);
    vi.advanceTimersByTime(31_000);
    const times = t.sent.map((s) => s.at - 1_000_000);
    // 0, 0.5, 1.5, 3.5, 7.5, 15.5 s (31.5 s would be past Timer B)
    expect(times).toEqual([0, 500, 1500, 3500, 7500, 15500]);
    expect(new Set(t.sent.map((s) => s.msg.viaBranch)).size).toBe(1);
    expect(ended).toHaveLength(0);
    vi.advanceTimersByTime(1200);
    expect(ended).toHaveLength(1);
    expect(ended[0].cause).toBe('timeout');
    expect(uac.active).toBe(0);
  });

  it('does not retransmit over TCP, but still times out', () => {
    const { t, uac, ended } = setup('tcp');
    uac.start(0);
    vi.advanceTimersByTime(33_000);
    expect(t.sent).toHaveLength(1);
    expect(ended[0].cause).toBe('timeout');
  });

  it('stops Timer A on a provisional and records PDD from the first non-100', () => {
    const { t, uac } = setup();
    const call = uac.start(0);
    const invite = t.sent[0].msg;
    vi.advanceTimersByTime(100);
    uac.onMessage(respond(invite, 100), PEER);
    expect(call.provisionalAt).toBe(0);
    vi.advanceTimersByTime(100);
    uac.onMessage(respond(invite, 180), PEER);
    expect(call.provisionalAt - call.sentAt).toBe(200);
    expect(call.state).toBe(CallState.Proceeding);
    vi.advanceTimersByTime(10_000);
    expect(t.sent).toHaveLength(1);
  });

  it('ACKs a 2xx as a new transaction along the Record-Route set, and re-ACKs retransmissions', () => {
    const { t, uac, answered } = setup();
    const call = uac.start(0);
    const invite = t.sent[0].msg;
    const ok = respond(invite, 200, [
      'Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>',
      'Contact: <sip:agent@10.0.0.9:5090>',
    ]);
    vi.advanceTimersByTime(40);
    uac.onMessage(ok, PEER);
    expect(answered).toHaveLength(1);
    expect(call.answeredAt - call.sentAt).toBe(40);
    const ack = t.sent[1].msg;
    expect(ack.method).toBe('ACK');
    expect(ack.requestUri).toBe('sip:agent@10.0.0.9:5090');
    expect(ack.viaBranch).not.toBe(invite.viaBranch);
    expect(ack.cseq).toBe(invite.cseq);
    expect(ack.toTag).toBe('uas1');
    // Route set is the Record-Route reversed (§12.1.2).
    expect(getHeaders(ack, 'route')).toEqual(['<sip:p2.example;lr>', '<sip:p1.example;lr>']);
    uac.onMessage(ok, PEER);
    expect(t.codes()).toEqual(['INVITE', 'ACK', 'ACK']);
    expect(answered).toHaveLength(1);
  });

  it('ACKs a non-2xx final inside the transaction (same branch) and ends the call', () => {
    const { t, uac, ended } = setup();
    uac.start(0);
    const invite = t.sent[0].msg;
    uac.onMessage(respond(invite, 486), PEER);
    const ack = t.sent[1].msg;
    expect(ack.method).toBe('ACK');
    expect(ack.viaBranch).toBe(invite.viaBranch);
    expect(ack.requestUri).toBe(invite.requestUri);
    expect(ack.toTag).toBe('uas1');
    expect(ended[0].finalCode).toBe(486);
    expect(ended[0].cause).toBe('rejected');
    // A retransmitted 486 is ACKed again.
    uac.onMessage(respond(invite, 486), PEER);
    expect(t.codes()).toEqual(['INVITE', 'ACK', 'ACK']);
    expect(ended).toHaveLength(1);
  });

  it('answers a 407 with digest credentials in a new INVITE (CSeq+1, same Call-ID and From tag)', () => {
    const { t, uac, answered } = setup('udp', { username: 'callcert', password: 'secret' });
    uac.start(0);
    const first = t.sent[0].msg;
    uac.onMessage(respond(first, 407, ['Proxy-Authenticate: Digest realm="callcert.test", nonce="abc123", qop="auth", algorithm=MD5']), PEER);
    expect(t.codes()).toEqual(['INVITE', 'ACK', 'INVITE']);
    const second = t.sent[2].msg;
    expect(second.callId).toBe(first.callId);
    expect(second.fromTag).toBe(first.fromTag);
    expect(second.cseq).toBe(first.cseq + 1);
    const auth = getHeader(second, 'proxy-authorization')!;
    expect(auth).toMatch(/^Digest username="callcert", realm="callcert.test", nonce="abc123", uri="sip:ivr@127.0.0.1:5080", response="[0-9a-f]{32}"/);
    expect(auth).toMatch(/qop=auth, nc=00000001/);
    uac.onMessage(respond(second, 200, ['Contact: <sip:ivr@127.0.0.1:5080>']), PEER);
    expect(answered).toHaveLength(1);
  });

  it('fails with auth_failed when challenged again after sending credentials', () => {
    const { t, uac, ended } = setup('udp', { username: 'callcert', password: 'wrong' });
    uac.start(0);
    const challenge = ['Proxy-Authenticate: Digest realm="r", nonce="n1"'];
    uac.onMessage(respond(t.sent[0].msg, 407, challenge), PEER);
    uac.onMessage(respond(t.sent[2].msg, 407, challenge), PEER);
    expect(ended[0].cause).toBe('auth_failed');
    expect(ended[0].finalCode).toBe(407);
  });

  it('a per-call party sets From (display name quoted), Request-URI/To, extra headers and the credentials of that call', () => {
    const { t, uac, ended } = setup('udp', { username: 'callcert', password: 'secret' });
    const party = {
      fromUser: '1042', displayName: 'Agent "42"', requestUri: 'sip:5551042@127.0.0.1:5080', auth: { username: '1042', password: 'pw1042' },
      headers: 'X-Caller: 1042\r\n',
    };
    uac.start(7, party);
    const invite = t.sent[0].msg;
    expect(invite.requestUri).toBe('sip:5551042@127.0.0.1:5080');
    expect(getHeader(invite, 'from')).toMatch(/^"Agent \\"42\\"" <sip:1042@127\.0\.0\.1:5999>;tag=/);
    expect(getHeader(invite, 'to')).toBe('<sip:5551042@127.0.0.1:5080>');
    expect(getHeader(invite, 'x-caller')).toBe('1042');
    uac.onMessage(respond(invite, 407, ['Proxy-Authenticate: Digest realm="r", nonce="n1"']), PEER);
    const second = t.sent[2].msg;
    expect(t.sent[1].msg.requestUri).toBe('sip:5551042@127.0.0.1:5080'); // the ACK of the 407
    expect(getHeader(second, 'proxy-authorization')).toMatch(/^Digest username="1042", realm="r", nonce="n1", uri="sip:5551042@127.0.0.1:5080"/);
    expect(getHeader(second, 'x-caller')).toBe('1042');
    uac.onMessage(respond(second, 180), PEER);
    uac.hangup(uac.calls.get(second.callId)!);
    const cancel = t.sent[3].msg;
    expect([cancel.method, cancel.requestUri]).toEqual(['CANCEL', 'sip:5551042@127.0.0.1:5080']);
    // Calls without a party keep the options' identity.
    uac.start(8);
    expect(getHeader(t.sent[4].msg, 'from')).toMatch(/^<sip:cc@127\.0\.0\.1:5999>;tag=/);
    expect(t.sent[4].msg.requestUri).toBe('sip:ivr@127.0.0.1:5080');
    expect(ended).toHaveLength(0);
  });

  it('CANCELs after the ring timeout (same branch) and ends with the 487', () => {
    const { t, uac, ended } = setup('udp', null, 5000);
    uac.start(0);
    const invite = t.sent[0].msg;
    uac.onMessage(respond(invite, 180), PEER);
    vi.advanceTimersByTime(5200);
    const cancel = t.sent[1].msg;
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.viaBranch).toBe(invite.viaBranch);
    expect(cancel.cseq).toBe(invite.cseq);
    expect(cancel.toTag).toBe('');
    uac.onMessage(respond(cancel, 200), PEER);
    uac.onMessage(respond(invite, 487), PEER);
    expect(t.sent[2].msg.method).toBe('ACK');
    expect(ended[0].cause).toBe('ring_timeout');
    expect(ended[0].finalCode).toBe(487);
  });
});

describe('BYE non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  function established(kind: 'udp' | 'tcp' = 'udp') {
    const s = setup(kind);
    const call = s.uac.start(0);
    s.uac.onMessage(respond(s.t.sent[0].msg, 200, ['Contact: <sip:ivr@127.0.0.1:5080>']), PEER);
    s.t.sent = [];
    return { ...s, call };
  }

  it('retransmits BYE with Timer E capped at T2 and gives up at Timer F', () => {
    const { t, uac, call, ended } = established();
    vi.setSystemTime(2_000_000);
    uac.hangup(call);
    vi.advanceTimersByTime(31_000);
    const times = t.sent.map((s) => s.at - 2_000_000);
    expect(times).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500]);
    expect(t.sent.every((s) => s.msg.method === 'BYE' && s.msg.cseq === 2)).toBe(true);
    vi.advanceTimersByTime(1200);
    expect(ended[0].cause).toBe('bye_timeout');
    expect(ended[0].normalEnd).toBe(false);
  });

  it('completes on the 2xx and measures BYE→200 (SDD)', () => {
    const { t, uac, call, ended } = established();
    uac.hangup(call);
    vi.advanceTimersByTime(7);
    uac.onMessage(respond(t.sent[0].msg, 200), PEER);
    expect(ended[0].cause).toBe('completed');
    expect(ended[0].normalEnd).toBe(true);
    expect(ended[0].byeAnsweredAt - ended[0].byeAt).toBe(7);
  });

  it('answers a BYE from the far end with 200, and unknown dialogs with 481', () => {
    const { t, uac, call, ended } = established();
    const bye = parseMessage(Buffer.from([
      `BYE sip:cc@127.0.0.1:5999 SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKfar1',
      `From: <sip:ivr@127.0.0.1:5080>;tag=uas1`, `To: <sip:cc@127.0.0.1:5999>;tag=${call.localTag}`,
      `Call-ID: ${call.callId}`, 'CSeq: 1 BYE', 'Content-Length: 0', '', ''].join('\r\n'))) as SipMessage;
    uac.onMessage(bye, PEER);
    expect(t.sent[0].msg.status).toBe(200);
    expect(t.sent[0].msg.viaBranch).toBe('z9hG4bKfar1');
    expect(ended[0].cause).toBe('callee_hangup');
    uac.onMessage(bye, PEER);
    expect(t.sent[1].msg.status).toBe(481);
  });
});
