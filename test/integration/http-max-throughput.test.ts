/**
 * The autocannon closed-loop runner against real local HTTP servers: its
 * throughput follows connections ÷ service time, latencies land in our µs
 * histogram, and failures are counted by cause instead of throwing.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaxThroughput, CLOSED_LOOP_METHOD } from '../../src/http/max-throughput.js';
import { decodeHistogram, percentileMs } from '../../src/metrics/histograms.js';

const SERVICE_MS = 40;
let slow: http.Server;
let slowUrl: string;

beforeAll(async () => {
  // Every response takes SERVICE_MS; /500 answers 500 at once.
  slow = http.createServer((req, res) => {
    if (req.url === '/500') {
      res.statusCode = 500;
      res.end('{"error":"boom"}');
      return;
    }
    setTimeout(() => res.end('{"ok":true}'), SERVICE_MS);
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => slow.close(() => r())));

describe('runMaxThroughput (autocannon)', () => {
  it('a closed loop of N connections serves about N / service time, with that latency', async () => {
    const settled: number[] = [];
    const r = await runMaxThroughput({
      url: `${slowUrl}/v1/agents`, connections: 4, pipelining: 1, durationMs: 2000, timeoutMs: 5000,
      expectStatus: 200, onSettled: (s) => settled.push(s.latencyMs ?? -1),
    });
    expect(r.method).toBe(CLOSED_LOOP_METHOD);
    // 4 connections × (1000 / 40 ms) = 100 req/s at most: the server's sleep bounds it from
    // above. How close it comes depends on the host, so no lower bound beyond "it served".
    expect(r.completed).toBeGreaterThan(0);
    expect(r.rps).toBeGreaterThan(0);
    expect(r.rps).toBeLessThanOrEqual(101);
    expect(r.errors.total).toBe(0);
    expect(r.statusCodes['200']).toBe(r.completed);
    expect(settled.length).toBe(r.completed);
    // Requests wait out the server's 40 ms sleep.
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(SERVICE_MS);
    // The encoded histogram carries the same data as the summary (mergeable across workers).
    const h = decodeHistogram(r.histogram);
    expect(h.totalCount).toBe(r.completed);
    expect(percentileMs(h, 50)).toBe(r.latencyMs.p50);
  });

  it('counts unexpected statuses and refused connections by cause, without throwing', async () => {
    const bad = await runMaxThroughput({ url: `${slowUrl}/500`, connections: 2, pipelining: 1, durationMs: 500, timeoutMs: 2000, expectStatus: 200 });
    expect(bad.completed).toBeGreaterThan(0);
    expect(bad.statusCodes['500']).toBe(bad.completed);
    expect(bad.errors.byCause.unexpected_status).toBe(bad.completed);

    // A port that was just free: nothing listens there.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const refused = await runMaxThroughput({ url: `http://127.0.0.1:${port}/`, connections: 1, pipelining: 1, durationMs: 300, timeoutMs: 1000 });
    expect(refused.completed).toBe(0);
    expect(refused.errors.byCause.econnrefused).toBeGreaterThan(0);
    expect(refused.errors.total).toBe(refused.errors.byCause.econnrefused);
  });

  it('stops early when its signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await runMaxThroughput({ url: `${slowUrl}/`, connections: 2, pipelining: 1, durationMs: 10_000, timeoutMs: 2000, stop: ac.signal });
    // Stopped by the signal, not by durationMs: before the 10 s, and with fewer requests than
    // 10 s could serve (2 connections × 25 req/s × 10 s = 500).
    expect(r.elapsedMs).toBeLessThan(10_000);
    expect(r.completed).toBeGreaterThan(0);
    expect(r.completed).toBeLessThan(500);
  });
});
