/**
 * `callcert run` with `http.load` beside the SIP load: against the embedded CTI
 * API (relative URL, token added by callcert), against a real local server that
 * is slow on every 10th request, and against a port nobody listens on.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnBounded, freeTcpPort } from '../helpers/procs.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/callcert.js');
let dir: string;
let server: http.Server;
let serverUrl: string;
let served = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'callcert-http-'));
  server = http.createServer((_req, res) => {
    served++;
    const slow = served % 10 === 0;
    setTimeout(() => res.end('{"ok":true}'), slow ? 200 : 0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function run(yaml: string) {
  const file = path.join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  const out = `${file}.out`;
  writeFileSync(file, yaml);
  const r = await spawnBounded(process.execPath, [CLI, 'run', file, '--quiet', '--out', out], { timeoutSec: 60 }).exited;
  const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  return { r, results, out };
}

const SIP = `
load:
  model: closed
  stages:
    - { duration: 1s, target: 5 }
    - { duration: 4s, target: 5 }
call:
  hold: 2s
`;

describe('callcert run with http.load', () => {
  it('loads the embedded CTI API next to the SIP calls', async () => {
    const { r, results, out } = await run(`name: http-embedded${SIP}
http:
  load:
    - { name: agents, url: /v1/agents, rate: 50, start: 1s, duration: 4s }
`);
    expect(r.code, r.stderr).toBe(0);
    const h = results.summary.http.agents;
    expect(h.requests).toBe(200);
    expect(h.completed).toBe(200);
    expect(h.statusCodes).toEqual({ '200': 200 });
    expect(h.errors.total).toBe(0);
    expect(h.latencyMs.count).toBe(200);
    expect(h.measurement).toMatch(/intended-send-time/);
    expect(results.summary.calls.failed).toBe(0);
    expect(results.timeline.some((p: { http?: { agents?: { completed: number } } }) => (p.http?.agents?.completed ?? 0) > 0)).toBe(true);
    // The embedded API's token is added to the requests, never written to disk.
    expect(readFileSync(path.join(out, 'scenario.resolved.json'), 'utf8')).not.toMatch(/Bearer/);
  });

  it('shows a slow tail in p95/p99 and counts an unreachable server by cause, without failing the run', async () => {
    const dead = await freeTcpPort();
    served = 0;
    const { r, results } = await run(`name: http-external${SIP}
http:
  load:
    - { name: slow, url: ${serverUrl}/x, rate: 100, duration: 3s, connections: 32 }
    - { name: dead, url: http://127.0.0.1:${dead}/, rate: 10, duration: 2s, timeout: 2s }
`);
    expect(r.code, r.stderr).toBe(0);
    const slow = results.summary.http.slow;
    expect(slow.completed).toBe(300);
    // A tenth of the requests sleep 200 ms; the median lies below that sleep.
    expect(slow.latencyMs.p50).toBeLessThan(190);
    expect(slow.latencyMs.p95).toBeGreaterThanOrEqual(190);
    expect(slow.latencyMs.p99).toBeGreaterThanOrEqual(190);
    const dead_ = results.summary.http.dead;
    expect(dead_.completed).toBe(0);
    expect(dead_.errors.byCause).toEqual({ econnrefused: 20 });
  });

  it('rate: max runs a closed-loop throughput load (autocannon) and says so in the results', async () => {
    served = 0;
    const { r, results } = await run(`name: http-max${SIP}
http:
  load:
    - { name: burst, url: ${serverUrl}/y, rate: max, connections: 4, pipelining: 2, start: 1s, duration: 2s }
`);
    expect(r.code, r.stderr).toBe(0);
    const h = results.summary.http.burst;
    expect(h.mode).toBe('max');
    expect(h.offeredRps).toBeNull();
    expect(h.pipelining).toBe(2);
    expect(h.measurement).toMatch(/closed-loop max throughput \(autocannon/);
    // Every response the server sent was counted once, and each one carries a latency.
    expect(h.completed).toBeGreaterThan(0);
    expect(h.completed).toBeLessThanOrEqual(served);
    expect(h.latencyMs.count).toBe(h.completed);
    expect(h.statusCodes).toEqual({ '200': h.completed });
    expect(h.rps).toBeGreaterThan(0);
    expect(results.definitions.httpLatencyMsMax).toMatch(/ACTUAL send time/);
    expect(r.stdout).toMatch(/HTTP burst: .*closed loop, rate: max/);
  });
});
