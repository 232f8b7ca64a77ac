/**
 * The answerer (src/sip/ua/answerer.ts) on a fake transport and clock: the INVITE server
 * transaction (provisional resent for a retransmitted INVITE, Timer G doubling up to T2 until
 * the ACK, Timer H without one), CANCEL → 200 + 487, the BYE 200 kept for Timer J, the
 * answerer's own BYE as a non-INVITE client transaction, and what the policy is told.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Answerer, AnswerState, type AnswererCounters, type AnswererPolicy, type IncomingCall } from '../../src/sip/ua/answerer.js';
import { DEFAULT_CHECK_OPTIONS } from '../../src/sip/message/request-check.js';
import { staticSdpSession } from '../../src/sip/ua/session.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import type { Peer } from '../../src/sip/transport/types.js';
import { RecordingTransport } from '../helpers/recording-transport.js';
import { getHeader } from '../../src/sip/message/headers.js';

const PEER: Peer = { address: '127.0.0.1', port: 5070 };

function request(method: string, callId: string, cseq: number, toTag = '', branch = `z9hG4bK${method}${cseq}`): SipMessage {
  const lines = [
    `${method} sip:ivr@127.0.0.1:5060 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}`, 'Max-Forwards: 70',
    'From: <sip:cc@127.0.0.1:5070>;tag=caller1', `To: <sip:ivr@127.0.0.1:5060>${toTag === '' ? '' : `;tag=${toTag}`}`,
    `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, 'Contact: <sip:cc@127.0.0.1:5070>', 'Content-Length: 0', '', '',
  ];
  const m = parseMessage(Buffer.from(lines.join('\r\n')));
  if (m instanceof SipParseError) throw new Error(m.reason);
  return m;
}

function setup(kind: 'udp' | 'tcp' = 'udp', mode: 'answer' | 'ring' = 'answer') {
  const t = new RecordingTransport(kind, '127.0.0.1', 5060);
  const counters: AnswererCounters = {
    invites: 0, inviteRetransmissions: 0, acks: 0, byesReceived: 0, byesSent: 0, cancels: 0, options: 0,
    parseErrors: 0, invalidRequests: 0, dropped: {}, responsesSent: {},
  };
  const events: string[] = [];
  const calls: IncomingCall[] = [];
  let answerer: Answerer | null = null;
  const policy: AnswererPolicy = {
    incoming: (call) => {
      calls.push(call);
      answerer!.ring(call);
      if (mode === 'answer') answerer!.answer(call);
    },
    cancelled: () => events.push('cancelled'),
    confirmed: () => events.push('confirmed'),
    answeredEnded: (_c, how) => events.push(`ended:${how}`),
  };
  answerer = new Answerer({
    transport: t, userAgent: 'test', contactUser: 'ivr', check: DEFAULT_CHECK_OPTIONS, session: staticSdpSession(''),
    policy, counters, now: () => Date.now(),
  });
  return { t, a: answerer, counters, events, calls };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe('INVITE server transaction (RFC 3261 §17.2.1)', () => {
  it('retransmits the 200 with Timer G doubling up to T2 and gives up at Timer H (no ACK)', () => {
    const { t, a, events } = setup();
    a.onMessage(request('INVITE', 'c1', 1), PEER);
    expect(t.codes()).toEqual(['100', '180', '200']);
    vi.advanceTimersByTime(31_000);
    const at = t.sent.slice(3).map((s) => s.at - 1_000_000);
    expect(at).toEqual([500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500]);
    expect(t.sent.slice(3).every((s) => s.msg.status === 200)).toBe(true);
    vi.advanceTimersByTime(2_000);
    expect(events).toEqual(['ended:no-ack']);
    a.close();
  });

  it('answers a retransmitted INVITE with the last response, stops at the ACK, and counts', () => {
    const { t, a, events, counters, calls } = setup('udp', 'ring');
    a.onMessage(request('INVITE', 'c2', 1), PEER);
    a.onMessage(request('INVITE', 'c2', 1), PEER);
    expect(t.codes()).toEqual(['100', '180', '180']);
    expect(counters.inviteRetransmissions).toBe(1);
    a.answer(calls[0]);
    const toTag = t.sent[2].msg.toTag;
    a.onMessage(request('ACK', 'c2', 1, toTag, 'z9hG4bKack'), PEER);
    expect(calls[0].state).toBe(AnswerState.Confirmed);
    vi.advanceTimersByTime(40_000);
    expect(t.codes()).toEqual(['100', '180', '180', '200']);
    expect(events).toEqual(['confirmed']);
    expect(counters.responsesSent).toEqual({ 100: 1, 180: 1, 200: 1 });
    a.close();
  });

  it('CANCEL of a ringing call: 200 for the CANCEL, 487 for the INVITE, absorbed by its ACK', () => {
    const { t, a, events, calls } = setup('udp', 'ring');
    a.onMessage(request('INVITE', 'c3', 1), PEER);
    a.onMessage(request('CANCEL', 'c3', 1, '', 'z9hG4bKINVITE1'), PEER);
    expect(t.codes()).toEqual(['100', '180', '200', '487']);
    expect(events).toEqual(['cancelled']);
    a.onMessage(request('ACK', 'c3', 1, t.sent[3].msg.toTag, 'z9hG4bKINVITE1'), PEER);
    vi.advanceTimersByTime(40_000);
    expect(t.codes()).toHaveLength(4);
    expect(calls[0].state).toBe(AnswerState.Rejected);
    a.close();
  });
});

describe('non-INVITE transactions (RFC 3261 §17.2.2, §17.1.2)', () => {
  it('keeps the BYE 200 for Timer J on UDP, then answers 481', () => {
    const { t, a, events } = setup();
    a.onMessage(request('INVITE', 'c4', 1), PEER);
    const toTag = t.sent[2].msg.toTag;
    a.onMessage(request('ACK', 'c4', 1, toTag, 'z9hG4bKack'), PEER);
    a.onMessage(request('BYE', 'c4', 2, toTag), PEER);
    a.onMessage(request('BYE', 'c4', 2, toTag), PEER);
    expect(t.codes().slice(3)).toEqual(['200', '200']);
    expect(events).toEqual(['confirmed', 'ended:bye']);
    vi.advanceTimersByTime(34_000);
    a.onMessage(request('BYE', 'c4', 2, toTag), PEER);
    expect(t.codes().slice(5)).toEqual(['481']);
    a.close();
  });

  it('a BYE that overtakes the ACK (a proxy with several UDP children) ends the call; the late ACK is still counted, once', () => {
    const { t, a, events, counters } = setup();
    a.onMessage(request('INVITE', 'c9', 1), PEER);
    const toTag = t.sent[2].msg.toTag;
    a.onMessage(request('BYE', 'c9', 2, toTag), PEER);
    a.onMessage(request('ACK', 'c9', 1, toTag, 'z9hG4bKack'), PEER);
    expect(t.codes().slice(3)).toEqual(['200']);
    expect(events).toEqual(['ended:bye']);
    expect(counters.byesReceived).toBe(1);
    expect(counters.acks).toBe(1);
    a.onMessage(request('ACK', 'c-unknown', 1, toTag, 'z9hG4bKack2'), PEER);
    expect(counters.acks).toBe(1);
    a.close();
  });

  it("its own BYE follows the route set to the caller's Contact, retransmitted with Timer E until answered", () => {
    const { t, a, events, calls } = setup();
    a.onMessage(request('INVITE', 'c5', 1), PEER);
    const toTag = t.sent[2].msg.toTag;
    a.onMessage(request('ACK', 'c5', 1, toTag, 'z9hG4bKack'), PEER);
    a.hangup(calls[0]);
    const bye = t.sent[3].msg;
    expect(bye.method).toBe('BYE');
    expect(bye.requestUri).toBe('sip:cc@127.0.0.1:5070');
    expect(getHeader(bye, 'to')).toBe('<sip:cc@127.0.0.1:5070>;tag=caller1');
    vi.advanceTimersByTime(1_600);
    expect(t.codes().slice(3)).toEqual(['BYE', 'BYE', 'BYE']);
    const ok = parseMessage(Buffer.from([
      'SIP/2.0 200 OK', `Via: ${getHeader(bye, 'via')}`, `From: ${getHeader(bye, 'from')}`, `To: ${getHeader(bye, 'to')}`,
      `Call-ID: c5`, `CSeq: ${bye.cseq} BYE`, 'Content-Length: 0', '', '',
    ].join('\r\n'))) as SipMessage;
    a.onMessage(ok, PEER);
    vi.advanceTimersByTime(10_000);
    expect(t.codes().slice(3)).toEqual(['BYE', 'BYE', 'BYE']);
    expect(events).toEqual(['confirmed', 'ended:bye-answered']);
    a.close();
  });

  it('over TCP nothing is retransmitted and no BYE answer is kept', () => {
    const { t, a } = setup('tcp');
    a.onMessage(request('INVITE', 'c6', 1), PEER);
    vi.advanceTimersByTime(10_000);
    expect(t.codes()).toEqual(['100', '180', '200']);
    const toTag = t.sent[2].msg.toTag;
    a.onMessage(request('ACK', 'c6', 1, toTag, 'z9hG4bKack'), PEER);
    a.onMessage(request('BYE', 'c6', 2, toTag), PEER);
    a.onMessage(request('BYE', 'c6', 2, toTag), PEER);
    expect(t.codes().slice(3)).toEqual(['200', '481']);
    a.close();
  });
});
