/**
 * The CTI API over real loopback sockets, in-process: HTTP requests with the
 * global fetch, real SIP calls from the API's own UAC to the embedded call centre.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { CallCentre } from '../../src/simulator/call-centre.js';
import { startCtiApi, type CtiApi } from '../../src/simulator/cti-api.js';

const TOKEN = 'test-token-5f2c';
const auth = { authorization: `Bearer ${TOKEN}` };

let cc: CallCentre;
let api: CtiApi;

beforeAll(async () => {
  cc = await CallCentre.start({ capacity: 100, ringMs: 20, answerRatio: 1, calleeHangupMs: null, address: '127.0.0.1', port: 0, transport: 'udp' });
  api = await startCtiApi({ token: TOKEN, ratePerSec: 2000 });
});
afterAll(async () => {
  await api?.close();
  await cc?.close();
});

const get = (path: string, headers: Record<string, string> = auth) => fetch(api.url + path, { headers });
const post = (path: string, body: string, headers: Record<string, string> = { ...auth, 'content-type': 'application/json' }) =>
  fetch(api.url + path, { method: 'POST', headers, body });

async function expectProblem(res: Response, status: number): Promise<{ type: string; title: string; status: number; detail: string }> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const p = (await res.json()) as { type: string; title: string; status: number; detail: string };
  expect(p.status).toBe(status);
  expect(typeof p.type).toBe('string');
  expect(typeof p.title).toBe('string');
  expect(typeof p.detail).toBe('string');
  return p;
}

interface CallView {
  id: string; state: string; to: string; finalCode: number | null; createdAt: string;
  answeredAt: string | null; endedAt: string | null; cause: string | null;
}

describe('CTI API ↔ embedded call centre', () => {
  it('originates 20 real SIP calls, follows them to the end, and has a recording for each', async () => {
    const n = 20;
    const ids: string[] = [];
    const created = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        post('/v1/calls', JSON.stringify({ to: cc.uri, from: `agent-${(i % 10) + 1}`, holdMs: 1000 })),
      ),
    );
    for (const res of created) {
      expect(res.status).toBe(201);
      const body = (await res.json()) as { id: string; state: string; to: string; createdAt: string };
      expect(body.state).toBe('dialing');
      expect(body.to).toBe(cc.uri);
      expect(Number.isNaN(Date.parse(body.createdAt))).toBe(false);
      expect(res.headers.get('location')).toBe(`/v1/calls/${body.id}`);
      ids.push(body.id);
    }
    expect(new Set(ids).size).toBe(n);

    // While the calls are up (1 s holds, so the check cannot race their end), their agents are busy.
    const during = (await (await get('/v1/agents')).json()) as { agents: Array<{ id: string; state: string }> };
    expect(during.agents).toHaveLength(10);
    expect(during.agents[0]).toEqual({ id: 'agent-1', state: 'busy' });

    const seen = new Set<string>();
    const deadline = Date.now() + 5000;
    let views: CallView[] = [];
    for (;;) {
      views = await Promise.all(ids.map(async (id) => (await (await get(`/v1/calls/${id}`)).json()) as CallView));
      for (const v of views) seen.add(v.state);
      if (views.every((v) => v.state === 'ended' || v.state === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`not ended: ${views.map((v) => v.state).join(',')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(seen.has('ended')).toBe(true);
    for (const v of views) {
      expect(v.state).toBe('ended');
      expect(v.finalCode).toBe(200);
      expect(v.cause).toBe('completed');
      expect(Date.parse(v.answeredAt!)).toBeGreaterThanOrEqual(Date.parse(v.createdAt));
      expect(Date.parse(v.endedAt!)).toBeGreaterThanOrEqual(Date.parse(v.answeredAt!));
    }
    expect(cc.counters.invites).toBe(n);
    expect(cc.counters.answered).toBe(n);
    expect(cc.counters.completed).toBe(n);
    expect(cc.counters.active).toBe(0);

    for (const id of ids) {
      const res = await get(`/v1/recordings/${id}`);
      expect(res.status).toBe(200);
      const rec = (await res.json()) as { callId: string; url: string; durationMs: number; format: string; createdAt: string };
      expect(rec.callId).toBe(id);
      expect(rec.format).toBe('audio/wav');
      expect(rec.url.startsWith(api.url)).toBe(true);
      expect(rec.durationMs).toBeGreaterThanOrEqual(90);
    }

    const after = (await (await get('/v1/agents')).json()) as { agents: Array<{ id: string; state: string }> };
    expect(after.agents.every((a) => a.state === 'available')).toBe(true);
  }, 10_000);

  it('reports a rejected call as failed, with no recording', async () => {
    const rejecting = await CallCentre.start({ capacity: 0, ringMs: 0, answerRatio: 1, calleeHangupMs: null, address: '127.0.0.1', port: 0, transport: 'udp' });
    try {
      const res = await post('/v1/calls', JSON.stringify({ to: rejecting.uri }));
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      let v: CallView | null = null;
      for (let i = 0; i < 100; i++) {
        v = (await (await get(`/v1/calls/${id}`)).json()) as CallView;
        if (v.state === 'failed') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(v).toMatchObject({ state: 'failed', finalCode: 503, cause: 'rejected', answeredAt: null });
      const p = await expectProblem(await get(`/v1/recordings/${id}`), 404);
      expect(p.detail).toMatch(/not answered/);
    } finally {
      await rejecting.close();
    }
  }, 5_000);

  it('404 for an unknown call id, recording or route', async () => {
    await expectProblem(await get('/v1/calls/00000000-0000-0000-0000-000000000000'), 404);
    await expectProblem(await get('/v1/recordings/nope'), 404);
    await expectProblem(await get('/v2/whatever'), 404);
  });

  it('401 with WWW-Authenticate without a token or with a wrong one', async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }];
    for (const headers of variants) {
      const res = await get('/v1/agents', headers);
      await expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const res = await post('/v1/calls', JSON.stringify({ to: cc.uri }), { 'content-type': 'application/json' });
    await expectProblem(res, 401);
  });

  it('400 naming the field for a missing or bad field, and for bad JSON', async () => {
    const invitesBefore = cc.counters.invites;
    expect((await expectProblem(await post('/v1/calls', JSON.stringify({ holdMs: 10 })), 400)).detail).toMatch(/`to`/);
    expect((await expectProblem(await post('/v1/calls', JSON.stringify({ to: cc.uri, holdMs: -1 })), 400)).detail).toMatch(/`holdMs`/);
    expect((await expectProblem(await post('/v1/calls', JSON.stringify({ to: 'tel:+331234' })), 400)).detail).toMatch(/^to /);
    expect((await expectProblem(await post('/v1/calls', JSON.stringify({ to: 'sip:x@192.0.2.1:5060' })), 400)).detail).toMatch(/loopback/);
    expect((await expectProblem(await post('/v1/calls', '{"to":'), 400)).detail).toMatch(/JSON/);
    await expectProblem(await post('/v1/calls', JSON.stringify({ to: cc.uri, pad: 'x'.repeat(20_000) })), 413);
    expect(cc.counters.invites).toBe(invitesBefore); // none of these placed a call
  });

  it('415 for a non-JSON body and 405 for a wrong method', async () => {
    await expectProblem(await post('/v1/calls', `to=${cc.uri}`, { ...auth, 'content-type': 'application/x-www-form-urlencoded' }), 415);
    const r405 = await fetch(`${api.url}/v1/agents`, { method: 'DELETE', headers: auth });
    await expectProblem(r405, 405);
    expect(r405.headers.get('allow')).toBe('GET');
    const r405b = await get('/v1/calls');
    await expectProblem(r405b, 405);
    expect(r405b.headers.get('allow')).toBe('POST');
  });

  it('429 with Retry-After beyond the request rate (token bucket on an injected clock)', async () => {
    let nowMs = 1000;
    const limited = await startCtiApi({ token: TOKEN, ratePerSec: 5, originate: () => {}, agents: () => [], now: () => nowMs });
    try {
      const burst = async (n: number) => {
        const res = await Promise.all(Array.from({ length: n }, () => fetch(`${limited.url}/v1/agents`, { headers: auth })));
        for (const r of res.filter((x) => x.status === 200)) await r.arrayBuffer();
        return res;
      };
      // The clock stands still: the burst of 5 passes, the other 15 are refused.
      const res = await burst(20);
      const limitedRes = res.filter((r) => r.status === 429);
      expect(res.filter((r) => r.status === 200)).toHaveLength(5);
      expect(limitedRes).toHaveLength(15);
      for (const r of limitedRes) {
        await expectProblem(r, 429);
        // An empty bucket at 5/s has its next token in 0.2 s: Retry-After rounds up to 1 s.
        expect(r.headers.get('retry-after')).toBe('1');
      }
      expect(limited.counters.rateLimited).toBe(15);
      // 400 ms later: two tokens have refilled, so two of three pass.
      nowMs += 400;
      const after = await burst(3);
      expect(after.map((r) => r.status).sort()).toEqual([200, 200, 429]);
      for (const r of after.filter((x) => x.status === 429)) await r.arrayBuffer();
      // A long pause refills at most the burst (5), never more.
      nowMs += 60_000;
      const later = await burst(7);
      expect(later.filter((r) => r.status === 200)).toHaveLength(5);
      for (const r of later.filter((x) => x.status === 429)) await r.arrayBuffer();
      expect(limited.counters.rateLimited).toBe(15 + 1 + 2);
    } finally {
      await limited.close();
    }
  });
});
