/**
 * The registration client (src/sip/ua/registration.ts) against Kamailio as registrar
 * (test/fixtures/kamailio/kamailio.cfg: REGISTER → 401 challenge, then save("location")).
 *
 * An agent registers its Contact (answering the digest challenge); a call to that agent's
 * AOR through the proxy (the caller answers the proxy's 407) is then routed by the location
 * lookup to the registered Contact, where an answerer (src/sip/ua/answerer.ts) on the same
 * socket answers it; after unregistering, the same AOR no longer reaches it. A wrong
 * password is refused with 403.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { KAMAILIO_CREDENTIALS, findKamailioModulesDir, startKamailio, type KamailioHandle } from '../helpers/kamailio.js';
import { freeUdpPort, requireCommand } from '../helpers/procs.js';
import { openTransport } from '../../src/sip/transport/registry.js';
import type { SipTransport } from '../../src/sip/transport/types.js';
import type { SipMessage } from '../../src/sip/message/message.js';
import { Registration } from '../../src/sip/ua/registration.js';
import { Answerer, type AnswererCounters, type AnswererPolicy, type IncomingCall } from '../../src/sip/ua/answerer.js';
import { DEFAULT_CHECK_OPTIONS } from '../../src/sip/message/request-check.js';
import { staticSdpSession } from '../../src/sip/ua/session.js';
import { Uac, type Call } from '../../src/sip/ua/caller.js';
import { g711Sdp } from '../../src/sip/message/builder.js';

let root = '';
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  requireCommand('kamailio', 'CI installs it: apt-get install kamailio');
  findKamailioModulesDir();
  root = tempDir('kamailio-register');
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.().catch(() => undefined);
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

function counters(): AnswererCounters {
  return {
    invites: 0, inviteRetransmissions: 0, acks: 0, byesReceived: 0, byesSent: 0, cancels: 0, options: 0,
    parseErrors: 0, invalidRequests: 0, dropped: {}, responsesSent: {},
  };
}

/** An agent: one UDP socket for its registration and the calls it answers at once. */
async function agent(): Promise<{
  transport: SipTransport;
  reg: (p: KamailioHandle, password?: string) => Registration;
  answerer: Answerer;
  answered: IncomingCall[];
  counts: AnswererCounters;
}> {
  let reg: Registration | null = null;
  let answerer: Answerer | null = null;
  const transport = await openTransport('udp', {
    address: '127.0.0.1', port: 0,
    events: {
      message: (msg: SipMessage, from) => {
        if (reg?.onMessage(msg)) return;
        answerer?.onMessage(msg, from);
      },
      parseError: () => {},
      transportError: () => {},
    },
  });
  cleanups.push(() => transport.close());
  const answered: IncomingCall[] = [];
  const counts = counters();
  const policy: AnswererPolicy = {
    incoming: (call) => {
      answerer!.ring(call);
      if (answerer!.answer(call)) answered.push(call);
    },
    cancelled: () => {},
    confirmed: () => {},
    answeredEnded: () => {},
  };
  answerer = new Answerer({
    transport, userAgent: 'agent', contactUser: 'agent1', check: DEFAULT_CHECK_OPTIONS, session: staticSdpSession(g711Sdp('127.0.0.1', 40000, 1)),
    policy, counters: counts, now: () => performance.now(),
  });
  cleanups.push(async () => answerer!.close());
  const make = (proxy: KamailioHandle, password: string = KAMAILIO_CREDENTIALS.password) => {
    reg = new Registration({
      transport, registrar: { uri: `sip:127.0.0.1:${proxy.port}`, peer: { address: '127.0.0.1', port: proxy.port } }, aor: 'sip:agent1@127.0.0.1',
      contactUser: 'agent1', auth: { username: KAMAILIO_CREDENTIALS.username, password }, userAgent: 'agent', now: () => performance.now(),
    });
    const r = reg;
    cleanups.push(async () => r.close());
    return r;
  };
  return { transport, reg: make, answerer, answered, counts };
}

/** One call to sip:agent1@proxy through the proxy, answering its 407; resolves with the ended call. */
async function callAgent(proxy: KamailioHandle): Promise<Call> {
  let uac: Uac | null = null;
  const transport = await openTransport('udp', {
    address: '127.0.0.1', port: 0,
    events: { message: (msg, from) => uac?.onMessage(msg, from), parseError: () => {}, transportError: () => {} },
  });
  cleanups.push(() => transport.close());
  return new Promise<Call>((resolve) => {
    uac = new Uac({
      transport, target: { uri: `sip:agent1@127.0.0.1:${proxy.port}`, peer: { address: '127.0.0.1', port: proxy.port } },
      auth: { username: KAMAILIO_CREDENTIALS.username, password: KAMAILIO_CREDENTIALS.password }, fromUser: 'caller', sdpBody: g711Sdp('127.0.0.1', 10000, 1),
      ringTimeoutMs: 5000, userAgent: 'caller', now: () => performance.now(),
      listener: { answered: (c) => uac!.hangup(c), ended: (c) => resolve(c) },
    });
    cleanups.push(async () => uac!.close());
    uac.start(null);
  });
}

describe('registration client → Kamailio registrar', () => {
  it('registers through the 401 challenge, receives a call routed to its Contact, and unregisters', async () => {
    const uasPort = await freeUdpPort();
    const proxy = await startKamailio({ uasPort, timeoutSec: 45, workDir: tempDir('kamailio', root) });
    cleanups.push(() => proxy.stop());
    const a = await agent();
    const reg = a.reg(proxy);
    const r = await reg.register(120);
    expect(r.status, proxy.log().slice(-2000)).toBe(200);
    expect(r.expires).toBeGreaterThan(0);
    expect(r.contacts.some((c) => c.includes(`sip:agent1@127.0.0.1:${a.transport.localPort}`)), JSON.stringify(r.contacts)).toBe(true);

    const call = await callAgent(proxy);
    expect(call.cause, proxy.log().slice(-2000)).toBe('completed');
    expect(call.finalCode).toBe(200);
    expect(a.answered).toHaveLength(1);
    // Kamailio's UDP children may forward the ACK after the BYE (and its 200): give it a moment to land.
    for (let i = 0; i < 50 && a.counts.acks === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(a.counts.acks).toBe(1);
    expect(a.counts.byesReceived).toBe(1);

    const off = await reg.unregister();
    expect(off.status).toBe(200);
    expect(off.contacts.some((c) => c.includes(`:${a.transport.localPort}`))).toBe(false);
    // Not registered any more: the proxy sends the call to its dispatcher set (nothing listens there), never to the agent.
    const after = await callAgent(proxy);
    expect(after.answeredAt).toBe(0);
    expect(a.counts.invites).toBe(1);
  }, 60_000);

  it('a wrong password is refused (403) after the challenge', async () => {
    const proxy = await startKamailio({ uasPort: await freeUdpPort(), timeoutSec: 30, workDir: tempDir('kamailio-bad', root) });
    cleanups.push(() => proxy.stop());
    const a = await agent();
    const r = await a.reg(proxy, 'wrong').register(60);
    expect(r.status).toBe(403);
    expect(r.expires).toBe(0);
  }, 40_000);
});
