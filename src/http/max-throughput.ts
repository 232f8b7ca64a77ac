/**
 * Closed-loop HTTP throughput with autocannon: `connections` connections, each
 * with `pipelining` requests outstanding, sending the next request as soon as a
 * response arrives, for `durationMs`. It answers "how many requests per second
 * does the API serve", which a fixed-rate run cannot.
 *
 * Latency here is autocannon's own per-request time (response end − actual
 * send, hrtime), recorded into our µs HDR histogram so workers merge it like
 * every other latency. A closed loop cannot be corrected for coordinated
 * omission — a slow response delays the next send on its connection — and
 * autocannon only corrects rate-limited runs (assuming a 1 ms interval), so
 * none is applied and the results name the method honestly.
 * Latency under a stated load belongs to the fixed-rate runner.
 */
import type autocannon from 'autocannon';
import { createLatencyHistogram, recordMs, summarizeMs, encodeHistogram, clampCounts } from '../metrics/histograms.js';
import type { ClampCounts, LatencySummary } from '../metrics/histograms.js';
import { errorCause, type HttpErrors, type SettledRequest } from './fixed-rate.js';

export const CLOSED_LOOP_METHOD = 'closed-loop max throughput (autocannon; latency from actual send, not corrected for coordinated omission)' as const;

export interface MaxThroughputOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Concurrent connections (≥ 1). */
  connections: number;
  /** Requests outstanding per connection (HTTP/1.1 pipelining; 1 = none). */
  pipelining: number;
  durationMs: number;
  /** Per-request timeout; a request without a response by then counts as `timeout`. */
  timeoutMs: number;
  expectStatus?: number | readonly number[];
  /** performance.now() at which to start (default: now), to share a run's clock. */
  startAt?: number;
  stop?: AbortSignal;
  onSettled?: (s: SettledRequest) => void;
}

export interface MaxThroughputResult {
  /** Requests sent (autocannon's count). */
  sent: number;
  /** Responses received in full (any status). */
  completed: number;
  rps: number;
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
  errors: HttpErrors;
  method: typeof CLOSED_LOOP_METHOD;
  histogram: string;
  clamped: ClampCounts;
  elapsedMs: number;
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new TypeError(`runMaxThroughput: ${name} must be a positive integer, got ${String(v)}`);
}

export async function runMaxThroughput(o: MaxThroughputOptions): Promise<MaxThroughputResult> {
  positiveInt('connections', o.connections);
  positiveInt('pipelining', o.pipelining);
  if (!(o.durationMs > 0)) throw new TypeError(`runMaxThroughput: durationMs must be > 0, got ${String(o.durationMs)}`);
  const expected = o.expectStatus === undefined ? null : new Set(typeof o.expectStatus === 'number' ? [o.expectStatus] : o.expectStatus);
  const delayMs = o.startAt === undefined ? 0 : Math.max(0, o.startAt - performance.now());
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));

  const hist = createLatencyHistogram();
  const statusCodes: Record<string, number> = {};
  const byCause: Record<string, number> = {};
  let completed = 0;
  let errorsTotal = 0;
  const countError = (cause: string) => {
    byCause[cause] = (byCause[cause] ?? 0) + 1;
    errorsTotal++;
  };

  // Loaded on first use, like undici in fixed-rate.ts: ~4 MB of heap a run without `rate: max` does not need.
  const { default: runAutocannon } = await import('autocannon');
  const t0 = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = runAutocannon(
      {
        url: o.url, method: (o.method ?? 'GET').toUpperCase() as autocannon.Request['method'],
        headers: o.headers, body: o.body,
        connections: o.connections, pipelining: o.pipelining,
        // autocannon takes seconds; fractional durations are honoured by its timer.
        duration: o.durationMs / 1000, timeout: Math.max(1, Math.ceil(o.timeoutMs / 1000)),
      },
      (err: Error | null, res: autocannon.Result) => (err ? reject(err) : resolve(res)),
    );
    inst.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      completed++;
      const code = String(statusCode);
      statusCodes[code] = (statusCodes[code] ?? 0) + 1;
      recordMs(hist, responseTimeMs);
      const bad = expected !== null && !expected.has(statusCode);
      if (bad) countError('unexpected_status');
      o.onSettled?.({ status: statusCode, latencyMs: responseTimeMs, cause: bad ? 'unexpected_status' : null });
    });
    inst.on('reqError', (err: Error) => {
      // autocannon reports its own timeouts as a plain Error('request timed out').
      const cause = err.message === 'request timed out' ? 'timeout' : errorCause(err);
      countError(cause);
      o.onSettled?.({ status: null, latencyMs: null, cause });
    });
    o.stop?.addEventListener('abort', () => inst.stop(), { once: true });
  });
  const elapsedMs = performance.now() - t0;
  return {
    sent: result.requests.sent,
    completed,
    rps: Math.round((completed / (elapsedMs / 1000)) * 1000) / 1000,
    latencyMs: summarizeMs(hist),
    statusCodes,
    errors: { total: errorsTotal, byCause },
    method: CLOSED_LOOP_METHOD,
    histogram: encodeHistogram(hist),
    clamped: clampCounts(hist),
    elapsedMs,
  };
}
