/**
 * The UAC and the embedded call centre talking over real loopback sockets,
 * in-process: both sides' counters must agree call for call.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { CallCentre } from '../../src/simulator/call-centre.js';
import { Uac, type Call, type UacListener } from '../../src/sip/ua/caller.js';
import { openTransport } from '../../src/sip/transport/registry.js';
import type { SipTransport } from '../../src/sip/transport/types.js';
import type { EmbeddedTargetSpec } from '../../src/scenario/types.js';

const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** Poll `done` every 10 ms until it holds; reject naming `what` after timeoutMs (a deadline, not a sleep). */
function waitFor(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (done()) resolve();
      else if (Date.now() >= deadline) reject(new Error(`${what}: not reached within ${timeoutMs} ms`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

async function setup(transport: 'udp' | 'tcp', spec: Partial<EmbeddedTargetSpec>, ringTimeoutMs = 30_000) {
  const cc = await CallCentre.start({ capacity: 1000, ringMs: 0, answerRatio: 1, calleeHangupMs: null, ...spec, address: '127.0.0.1', port: 0, transport });
  open.push(cc);
  const ended: Call[] = [];
  const answered: Call[] = [];
  let onEnd: (() => void) | null = null;
  const listener: UacListener = {
    answered: (c) => answered.push(c),
    ended: (c) => {
      ended.push(c);
      onEnd?.();
    },
  };
  let uac: Uac | null = null;
  const t: SipTransport = await openTransport(transport, {
    address: '127.0.0.1', port: 0,
    events: { message: (m, f) => uac?.onMessage(m, f), parseError: () => {}, transportError: () => {} },
  });
  open.push(t);
  const peer = { address: '127.0.0.1', port: cc.port };
  await t.connect(peer, 2000);
  const u = new Uac({
    transport: t, target: { uri: cc.uri, peer }, auth: null, fromUser: 'tester', sdpBody: '', ringTimeoutMs,
    userAgent: 'callcert-test', listener, now: () => performance.now(),
  });
  uac = u;
  open.push({ close: () => u.close() });
  const waitEnded = (n: number, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${ended.length}/${n} calls ended`)), timeoutMs);
      const check = () => {
        if (ended.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      };
      onEnd = check;
      check();
    });
  return { cc, uac: u, ended, answered, waitEnded };
}

describe.each(['udp', 'tcp'] as const)('UAC ↔ embedded call centre over %s', (transport) => {
  it('answers, holds and hangs up every call; both sides agree', async () => {
    const { cc, uac, ended, answered, waitEnded } = await setup(transport, {});
    const n = 50;
    for (let i = 0; i < n; i++) uac.start(i);
    await waitFor(`${n} calls answered`, () => answered.length >= n);
    expect(answered.length).toBe(n);
    for (const c of answered) uac.hangup(c);
    await waitEnded(n);
    expect(ended.every((c) => c.cause === 'completed' && c.normalEnd && c.finalCode === 200)).toBe(true);
    expect(ended.every((c) => c.answeredAt >= c.sentAt && c.byeAnsweredAt >= c.byeAt)).toBe(true);
    expect(cc.counters.invites).toBe(n);
    expect(cc.counters.answered).toBe(n);
    expect(cc.counters.acks).toBe(n);
    expect(cc.counters.byesReceived).toBe(n);
    expect(cc.counters.completed).toBe(n);
    expect(cc.counters.active).toBe(0);
  });

  it('gets 503 beyond capacity and 486/480 for the unanswered share', async () => {
    const { cc, uac, ended, waitEnded } = await setup(transport, { capacity: 10, answerRatio: 0.5 });
    for (let i = 0; i < 30; i++) uac.start(i);
    // Answered calls hold a channel, rejected ones free theirs at once: calls 0-19 alternate
    // answered/rejected until 10 channels are held, then the last 10 calls get 503.
    await waitEnded(20);
    const byCode: Record<number, number> = {};
    for (const c of ended) byCode[c.finalCode] = (byCode[c.finalCode] ?? 0) + 1;
    expect(byCode[503]).toBe(10);
    expect((byCode[486] ?? 0) + (byCode[480] ?? 0)).toBe(10);
    expect(cc.counters.responsesSent['503']).toBe(10);
    expect(cc.counters.answered).toBe(10);
    expect(cc.counters.peakActive).toBe(10);
    expect(uac.active).toBe(10);
  });

  it('sees the callee hang up and answers its BYE', async () => {
    const { cc, uac, ended, waitEnded } = await setup(transport, { calleeHangupMs: 50 });
    for (let i = 0; i < 10; i++) uac.start(i);
    await waitEnded(10);
    expect(ended.every((c) => c.cause === 'callee_hangup' && c.normalEnd)).toBe(true);
    expect(cc.counters.byesSent).toBe(10);
    // The call centre counts a call completed when our 200 to its BYE arrives.
    await waitFor('call centre: 10 completed', () => cc.counters.completed >= 10);
    expect(cc.counters.completed).toBe(10);
  });

  it('CANCELs calls that ring too long and ACKs the 487', async () => {
    const { cc, uac, ended, waitEnded } = await setup(transport, { ringMs: 5000 }, 200);
    for (let i = 0; i < 5; i++) uac.start(i);
    await waitEnded(5);
    expect(ended.every((c) => c.cause === 'ring_timeout' && c.finalCode === 487 && c.provisionalAt > 0)).toBe(true);
    expect(cc.counters.cancels).toBe(5);
    expect(cc.counters.responsesSent['487']).toBe(5);
    await waitFor('call centre: 5 ACKs for the 487s', () => cc.counters.acks >= 5);
    expect(cc.counters.acks).toBe(5);
  });
});
