/**
 * runFixedRate against real node:http servers on 127.0.0.1 (port 0), no mocks.
 * Every run is bounded by its schedule (rate × duration) and its drain time.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runFixedRate, MEASUREMENT_METHOD } from '../../src/http/fixed-rate.js';
import type { HttpRunResult } from '../../src/http/fixed-rate.js';
import { decodeHistogram } from '../../src/metrics/histograms.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function serve(handler: Handler): Promise<string> {
  let n = 0;
  const s = createServer((req, res) => {
    n++;
    // Read the request to its end before answering.
    req.resume();
    req.on('end', () => handler(req, res, n));
  });
  s.keepAliveTimeout = 30_000;
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

const ok: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
};

/** A port nobody listens on: bound, read, released. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function report(name: string, r: HttpRunResult): void {
  const { histogram: _h, ...rest } = r;
  console.log(`[${name}] ${JSON.stringify(rest)}`);
}

function checkAccounting(r: HttpRunResult): void {
  expect(r.requests).toBe(r.sent + r.dropped);
  const unexpected = r.errors.byCause.unexpected_status ?? 0;
  expect(r.sent).toBe(r.completed + r.errors.total - unexpected);
  expect(r.latencyMs.count).toBe(r.completed);
  expect(decodeHistogram(r.histogram).totalCount).toBe(r.completed);
  expect(r.method).toBe(MEASUREMENT_METHOD);
}

describe('runFixedRate (coordinated-omission free fixed-rate HTTP)', () => {
  // Exact accounting at a rate any host sustains. How close the generator comes to a high
  // offered rate (2,000 req/s ±2 %) is a benchmark: bench/http-fixed-rate.bench.mjs.
  it('sends exactly rate × duration requests at 200 req/s for 2 s, every one answered 200', async () => {
    const url = await serve(ok);
    const r = await runFixedRate({ url, ratePerSec: 200, durationMs: 2000, connections: 4, timeoutMs: 5000 });
    report('200rps', r);
    checkAccounting(r);
    expect(r.requests).toBe(400);
    expect(r.offeredRps).toBe(200);
    expect(r.sent).toBe(400);
    expect(r.completed).toBe(400);
    expect(r.statusCodes).toEqual({ '200': 400 });
    expect(r.errors.total).toBe(0);
    expect(r.dropped).toBe(0);
  });

  it('shows a 10 % share of 200 ms responses in the tail, not the median', async () => {
    const url = await serve((req, res, n) => {
      if (n % 10 === 0) setTimeout(() => ok(req, res, n), 200);
      else ok(req, res, n);
    });
    const r = await runFixedRate({ url, ratePerSec: 500, durationMs: 5000, connections: 32, timeoutMs: 5000 });
    report('slow10pct', r);
    checkAccounting(r);
    expect(r.completed).toBe(2500);
    expect(r.errors.total).toBe(0);
    expect(r.latencyMs.p50).not.toBeNull();
    // 90 % are answered at once: the median lies below the slow tenth's 200 ms sleep.
    expect(r.latencyMs.p50!).toBeLessThan(190);
    expect(r.latencyMs.p95!).toBeGreaterThanOrEqual(190);
    expect(r.latencyMs.p99!).toBeGreaterThanOrEqual(190);
  });

  it('counts queueing behind busy connections in the latency (coordinated omission)', async () => {
    const url = await serve((req, res, n) => setTimeout(() => ok(req, res, n), 300));
    // 2 connections × 1 / 300 ms ≈ 6.7 req/s served against 50 req/s offered:
    // the backlog grows and so does the latency from the intended send time.
    const r = await runFixedRate({ url, ratePerSec: 50, durationMs: 3000, connections: 2, timeoutMs: 10_000, drainMs: 1000 });
    report('backlog', r);
    checkAccounting(r);
    expect(r.requests).toBe(150);
    expect(r.completed).toBeGreaterThan(10);
    expect(r.latencyMs.min!).toBeGreaterThanOrEqual(290);
    // A closed-loop (send-when-free) measurement would read ≈ 300 ms throughout.
    expect(r.latencyMs.p99!).toBeGreaterThan(3 * 300);
    expect(r.latencyMs.max!).toBeGreaterThan(r.latencyMs.min! + 2000);
    // Requests still queued after the drain are counted, not lost.
    expect(r.errors.byCause.drain_timeout).toBe(r.sent - r.completed);
    expect(r.rps).toBeLessThan(10);
  });

  it('drops arrivals beyond the in-flight cap and counts them', async () => {
    const url = await serve((req, res, n) => setTimeout(() => ok(req, res, n), 300));
    const r = await runFixedRate({
      url, ratePerSec: 100, durationMs: 500, connections: 2, timeoutMs: 5000, maxInFlight: 10, drainMs: 1000,
    });
    report('cap', r);
    checkAccounting(r);
    expect(r.requests).toBe(50);
    expect(r.dropped).toBeGreaterThan(0);
    expect(r.sent).toBeGreaterThanOrEqual(10);
  });

  it('counts connection failures by cause and does not throw', async () => {
    const port = await freePort();
    const r = await runFixedRate({
      url: `http://127.0.0.1:${port}/`, ratePerSec: 20, durationMs: 500, connections: 2, timeoutMs: 1000,
    });
    report('refused', r);
    checkAccounting(r);
    expect(r.requests).toBe(10);
    expect(r.completed).toBe(0);
    expect(r.errors.byCause).toEqual({ econnrefused: 10 });
    expect(r.latencyMs.count).toBe(0);
    expect(r.latencyMs.p99).toBeNull();
  });

  it('records a 5xx storm under its status code', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': '1' });
      res.end('busy');
    });
    const r = await runFixedRate({
      url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"call":1}',
      ratePerSec: 200, durationMs: 500, connections: 4, timeoutMs: 2000, expectStatus: 200,
    });
    report('503', r);
    checkAccounting(r);
    expect(r.statusCodes).toEqual({ '503': 100 });
    expect(r.completed).toBe(100);
    expect(r.errors.byCause).toEqual({ unexpected_status: 100 });
  });
});
