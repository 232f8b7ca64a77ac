/**
 * The CTI API's agent login (POST /v1/sessions), used by the http-cti flow: a
 * session token is a bearer token for the other routes, unknown agents and bad
 * bodies get problem+json errors naming the field; and 250 originates to distinct
 * URIs at once all become answered calls (the outbound campaign's load).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallCentre } from '../../src/simulator/call-centre.js';
import { startCtiApi, type CtiApi } from '../../src/simulator/cti-api.js';

const TOKEN = 'tok-sessions';
let api: CtiApi;
let uas: CallCentre;

beforeAll(async () => {
  api = await startCtiApi({ token: TOKEN, ratePerSec: 1e9, agentCount: 3 });
  uas = await CallCentre.start({ capacity: 1000, ringMs: 0, answerRatio: 1, calleeHangupMs: null, address: '127.0.0.1', port: 0, transport: 'udp' });
});
afterAll(async () => {
  await api.close();
  await uas.close();
});

const post = (path: string, body: unknown, token = TOKEN) =>
  fetch(api.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('CTI API sessions', () => {
  it('logs an agent in; its token then works as a bearer token', async () => {
    const res = await post('/v1/sessions', { agentId: 'agent-2' });
    expect(res.status).toBe(201);
    const s = (await res.json()) as { token: string; agentId: string; createdAt: string };
    expect(s.agentId).toBe('agent-2');
    expect(s.token).toMatch(/^[0-9a-f]{32}$/);
    const agents = await fetch(`${api.url}/v1/agents`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(agents.status).toBe(200);
    expect(api.counters.sessions).toBe(1);
    const forged = await fetch(`${api.url}/v1/agents`, { headers: { authorization: `Bearer ${s.token.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}` } });
    expect(forged.status).toBe(401);
  });

  it('names the problem: unknown agent (404), bad field (400)', async () => {
    const unknown = await post('/v1/sessions', { agentId: 'agent-9' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail: string }).detail).toBe('no agent with id agent-9');
    const bad = await post('/v1/sessions', { agent: 'agent-1' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toBe('unknown field `agent` (expected agentId)');
  });

  it('places 250 calls to distinct URIs at once, all answered', async () => {
    const n = 250;
    // 4 s holds: every call is still up when the last one is answered, so all overlap.
    const res = await Promise.all(Array.from({ length: n }, (_, i) => post('/v1/calls', { to: `sip:cc${i}@127.0.0.1:${uas.port}`, holdMs: 4000 })));
    expect(res.map((r) => r.status)).toEqual(Array(n).fill(201));
    // Bounded wait (a deadline, not a sleep) for the calls to be answered and ended.
    for (let t = 0; t < 300 && uas.counters.completed < n; t++) await new Promise((r) => setTimeout(r, 50));
    expect(uas.counters).toMatchObject({ invites: n, answered: n, completed: n, noAck: 0 });
    expect(uas.counters.peakActive).toBe(n);
  });
});
