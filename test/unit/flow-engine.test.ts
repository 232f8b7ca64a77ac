/**
 * The flow engine against a real node:http server on loopback: variables flow from
 * a feeder row and from extract into later requests, poll repeats until its
 * condition and fails with poll_timeout when it is never met, and each failure
 * has its cause.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlow, FlowInstance, runFlowInstance, type FlowEnv } from '../../src/http/flows/engine.js';
import type { VarValue } from '../../src/http/flows/template.js';
import type { FlowSpec, FlowStepSpec } from '../../src/http/flows/spec.js';

let server: http.Server;
let base = '';
const seen: Array<{ method: string; url: string; auth: string | undefined; body: string }> = [];
let polls = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (req.url === '/login') return json(201, { token: `tok-${(JSON.parse(body) as { agentId: string }).agentId}` });
      if (req.url === '/calls') return json(201, { id: 'c-1', echo: JSON.parse(body) as unknown });
      // Answered on the third poll.
      if (req.url === '/calls/c-1') return json(200, { state: ++polls >= 3 ? 'answered' : 'ringing' });
      if (req.url === '/never') return json(200, { state: 'ringing' });
      if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>oops</html>');
      }
      json(404, { error: 'no route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

function flow(steps: FlowStepSpec[]): FlowSpec {
  return { name: 'f', arrivals: 'uniform', stages: [{ durationMs: 1000, target: 1 }], maxConcurrent: 10, connections: 2, timeoutMs: 2000, vars: {}, feeder: null, steps };
}
const req = (method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) => ({
  method, url, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body: body === undefined ? null : { kind: 'json' as const, value: body },
});
const anyStatus = { status: null, body: [] };

async function run(steps: FlowStepSpec[], vars: Record<string, VarValue> = {}) {
  const agent = new Agent({ connections: 2 });
  const env: FlowEnv = { dispatcher: agent, now: () => performance.now(), random: () => 0.5, signal: new AbortController().signal };
  const inst = new FlowInstance(7, performance.now(), new Map(Object.entries(vars)));
  const events: Array<[string, number | null, number | null, string | null]> = [];
  const out = await runFlowInstance(compileFlow(flow(steps), base, { authorization: 'Bearer api' }), inst, env, {
    step: (n, l, s, c) => events.push([n, l, s, c]),
  });
  await agent.close();
  return { out, events, inst };
}

describe('flow engine', () => {
  it('carries variables from the feeder row and extract into later requests, and polls until the condition holds', async () => {
    polls = 0;
    seen.length = 0;
    const { out, events, inst } = await run(
      [
        { name: 'login', kind: 'request', request: req('POST', '/login', { agentId: '{{agentId}}' }), expect: { status: [201], body: [] }, extract: { token: '$.token' } },
        {
          name: 'originate', kind: 'request', request: req('POST', '/calls', { to: 'sip:{{agentId}}@x', n: '{{flowId}}' }, { authorization: 'Bearer {{token}}' }),
          expect: { status: [201], body: [{ path: '$.echo.to', equals: 'sip:{{agentId}}@x' }] }, extract: { callId: '$.id' },
        },
        { name: 'think', kind: 'think', minMs: 20, maxMs: 40 },
        { name: 'answered', kind: 'poll', request: req('GET', '/calls/{{callId}}'), until: { status: null, body: [{ path: '$.state', equals: 'answered' }] }, everyMs: 20, timeoutMs: 2000, extract: {} },
      ],
      { agentId: 'agent-3', flowId: 7 },
    );
    expect(out).toMatchObject({ ok: true, cause: null });
    expect(out.flowMs).toBeGreaterThanOrEqual(30 + 2 * 20);
    expect(inst.vars.get('token')).toBe('tok-agent-3');
    expect(inst.vars.get('callId')).toBe('c-1');
    expect(seen.map((s) => `${s.method} ${s.url} ${s.auth}`)).toEqual([
      'POST /login Bearer api',
      'POST /calls Bearer tok-agent-3',
      'GET /calls/c-1 Bearer api',
      'GET /calls/c-1 Bearer api',
      'GET /calls/c-1 Bearer api',
    ]);
    // "{{flowId}}" alone keeps its JSON type (a number).
    expect(JSON.parse(seen[1].body)).toEqual({ to: 'sip:agent-3@x', n: 7 });
    expect(events.map((e) => [e[0], e[2], e[3]])).toEqual([['login', 201, null], ['originate', 201, null], ['think', null, null], ['answered', 200, null]]);
    // think: its intended pause (uniform 20..40 with random() = 0.5).
    expect(events[2][1]).toBe(30);
  });

  it('a poll whose condition never holds fails with poll_timeout within its bound', async () => {
    const t0 = performance.now();
    const { out, events } = await run([
      { name: 'wait', kind: 'poll', request: req('GET', '/never'), until: { status: null, body: [{ path: '$.state', equals: 'answered' }] }, everyMs: 50, timeoutMs: 300, extract: {} },
    ]);
    const took = performance.now() - t0;
    expect(out).toMatchObject({ ok: false, cause: 'poll_timeout', step: 'wait' });
    expect(out.detail).toMatch(/not met within 300 ms after \d+ attempt\(s\) \(last: \$\.state is "ringing", expected "answered"\)/);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    expect(events).toEqual([['wait', null, 200, 'poll_timeout']]);
  });

  it('each failure has its cause: status, expect_failed, extract_failed (non-JSON), connect_refused', async () => {
    const status = await run([{ name: 's', kind: 'request', request: req('GET', '/missing'), expect: anyStatus, extract: {} }]);
    expect(status.out).toMatchObject({ ok: false, cause: 'status', detail: 'status 404, expected 2xx' });
    expect(status.events).toEqual([['s', null, 404, 'status']]);

    const exp = await run([{ name: 'e', kind: 'request', request: req('GET', '/never'), expect: { status: [200], body: [{ path: '$.state', equals: 'up' }] }, extract: {} }]);
    expect(exp.out).toMatchObject({ cause: 'expect_failed', detail: '$.state is "ringing", expected "up"' });

    const html = await run([{ name: 'x', kind: 'request', request: req('GET', '/html'), expect: anyStatus, extract: { id: '$.id' } }]);
    expect(html.out).toMatchObject({ cause: 'extract_failed', detail: 'id = $.id: the body is not JSON (content-type text/html, starts "<html>oops</html>")' });

    const missing = await run([{ name: 'm', kind: 'request', request: req('GET', '/never'), expect: anyStatus, extract: { id: '$.id' } }]);
    expect(missing.out).toMatchObject({ cause: 'extract_failed', detail: 'id = $.id: $.id is missing' });

    // A port nothing listens on: bind one and close it.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const refused = await run([{ name: 'r', kind: 'request', request: req('GET', `http://127.0.0.1:${port}/x`), expect: anyStatus, extract: {} }]);
    expect(refused.out).toMatchObject({ cause: 'connect_refused', step: 'r' });
  });

  it('waitCall fails with no_invite when the INVITE never comes, and succeeds at once when it came first', async () => {
    const none = await run([{ name: 'w', kind: 'waitCall', timeoutMs: 100 }], { 'uas.uri': 'sip:cc7@127.0.0.1:5' });
    expect(none.out).toMatchObject({ ok: false, cause: 'no_invite', detail: 'no INVITE for sip:cc7@127.0.0.1:5 within 100 ms' });

    const inst = new FlowInstance(1, performance.now(), new Map());
    inst.invite(performance.now());
    const env: FlowEnv = { dispatcher: new Agent(), now: () => performance.now(), random: () => 0, signal: new AbortController().signal };
    const out = await runFlowInstance(compileFlow(flow([{ name: 'w', kind: 'waitCall', timeoutMs: 100 }]), base), inst, env, { step: () => {} });
    expect(out.ok).toBe(true);
  });
});
