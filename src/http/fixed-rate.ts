/**
 * Fixed-rate HTTP load, measured without coordinated omission.
 *
 * Request k is intended at start + k·1000/rate, computed from its index (no
 * "last tick + period" drift). Its latency is response end − INTENDED send
 * time, so time spent waiting for the generator, for a free connection in the
 * undici Pool's queue, or behind a slow response all counts: a stalled target
 * cannot hide its stall by slowing the sender down. (autocannon's own
 * correction assumes a 1 ms request interval, which is why we do not use it.)
 *
 * Arrivals are bounded: at most `maxInFlight` requests are outstanding (sent
 * or queued in the Pool); an arrival that finds the cap reached is not sent
 * and is counted as `dropped`. After the last arrival, outstanding requests
 * get `drainMs`; whatever is left then is aborted and counted under
 * errors.byCause.drain_timeout. Request failures never make the run throw:
 * they are counted by cause. Only invalid options reject.
 *
 * Accounting: requests = sent + dropped; sent = completed + errors.total
 * (a response with an unexpected status is both completed and an error).
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { clampCounts, createLatencyHistogram, encodeHistogram, recordMs, summarizeMs } from '../metrics/histograms.js';
import type { ClampCounts, LatencySummary } from '../metrics/histograms.js';
import { ArrivalLoop, fixedRateArrivals } from '../load/arrival-loop.js';
import { createHealthMonitor } from '../metrics/health.js';

export const MEASUREMENT_METHOD = 'intended-send-time (coordinated-omission free)' as const;

export interface FixedRateOptions {
  url: string;
  /** Default 'GET'. */
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Offered rate in requests per second (> 0). */
  ratePerSec: number;
  /** Length of the schedule; request k is sent for every k with k·1000/rate < durationMs. */
  durationMs: number;
  /** Size of the undici Pool (≥ 1). */
  connections: number;
  /** undici headers and body timeout, and connect timeout, per request (counted as `timeout`). */
  timeoutMs: number;
  /** When given, a response with another status is also counted as errors.byCause.unexpected_status. */
  expectStatus?: number | readonly number[];
  /** Cap on outstanding requests (sent or queued); arrivals beyond it are `dropped`. Default 10 000. */
  maxInFlight?: number;
  /** Time after the last arrival to wait for outstanding requests. Default timeoutMs. */
  drainMs?: number;
  /** performance.now() at which request 0 is intended (default: now), to share a run's clock. */
  startAt?: number;
  /** Aborting it ends the schedule early; outstanding requests still get drainMs. */
  stop?: AbortSignal;
  /** Called as each sent request settles, so a caller can bucket results per interval. */
  onSettled?: (s: SettledRequest) => void;
}

/** One request's outcome: a status and latency when a response came, a cause when it failed. */
export interface SettledRequest {
  status: number | null;
  latencyMs: number | null;
  /** Error cause (see errorCause), 'unexpected_status', or null on an expected response. */
  cause: string | null;
}

export interface HttpErrors {
  total: number;
  /** e.g. timeout, econnrefused, econnreset, socket, unexpected_status, drain_timeout, other. */
  byCause: Record<string, number>;
}

export interface HttpRunResult {
  /** Arrivals in the schedule: sent + dropped. */
  requests: number;
  sent: number;
  /** Responses received in full (any status). */
  completed: number;
  /** completed / elapsed s, elapsed = start → later of the schedule end and the last settled request. */
  rps: number;
  offeredRps: number;
  /** Response end − intended send time, over completed requests. */
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
  errors: HttpErrors;
  /** Arrivals not sent because maxInFlight requests were outstanding. */
  dropped: number;
  method: typeof MEASUREMENT_METHOD;
  /** encodeHistogram() of the latency histogram (µs). */
  histogram: string;
  /** Latencies the histogram clamped (see metrics/histograms). */
  clamped: ClampCounts;
  elapsedMs: number;
  /** Generator health: a sender that slips measures itself, not the target. */
  generator: {
    eventLoopLagMsP99: number;
    eventLoopLagMsMax: number;
    /** Actual send − intended send. */
    scheduleSlipMsP99: number;
    scheduleSlipMsMax: number;
  };
}

const DEFAULT_MAX_IN_FLIGHT = 10_000;

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  // Happy-eyeballs connects fail with an AggregateError; undici may wrap in `cause`.
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const c = codeOf(e.errors[0]);
    if (c) return c;
  }
  return e.cause === undefined || e.cause === err ? undefined : codeOf(e.cause);
}

/** The cause name a failed request is counted under. */
export function errorCause(err: unknown): string {
  const code = codeOf(err);
  if (code === undefined) return err instanceof Error && err.name === 'AbortError' ? 'aborted' : 'other';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === 'UND_ERR_SOCKET') return 'socket';
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return 'aborted';
  return code.toLowerCase();
}

function positive(name: string, v: unknown, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new TypeError(`runFixedRate: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  }
}

export async function runFixedRate(opts: FixedRateOptions): Promise<HttpRunResult> {
  const { url, method = 'GET', headers, body, ratePerSec, durationMs, connections, timeoutMs } = opts;
  positive('ratePerSec', ratePerSec);
  positive('durationMs', durationMs);
  positive('connections', connections, true);
  positive('timeoutMs', timeoutMs);
  const maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  positive('maxInFlight', maxInFlight, true);
  const drainMs = opts.drainMs ?? timeoutMs;
  if (!(drainMs >= 0)) throw new TypeError(`runFixedRate: drainMs must be >= 0, got ${String(drainMs)}`);
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new TypeError(`runFixedRate: url must be http(s), got ${url}`);
  }
  const expected =
    opts.expectStatus === undefined
      ? null
      : new Set(typeof opts.expectStatus === 'number' ? [opts.expectStatus] : opts.expectStatus);

  // k·1000/rate < durationMs; the epsilon keeps exact products (2000/s × 10 s) exact.
  const total = Math.max(0, Math.ceil((ratePerSec * durationMs) / 1000 - 1e-9));
  const intendedAt = (k: number) => (k * 1000) / ratePerSec;

  // undici is loaded on first use: a run without HTTP load (and the main thread, which only
  // needs this module's constants) does not pay its start-up time and ~5 MB of heap.
  const { Pool } = await import('undici');
  const pool = new Pool(target.origin, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
  const abort = new AbortController();
  // One signal is shared by every outstanding request.
  setMaxListeners(0, abort.signal);
  const path = `${target.pathname}${target.search}`;

  const hist = createLatencyHistogram();
  const health = createHealthMonitor();
  const statusCodes: Record<string, number> = {};
  const byCause: Record<string, number> = {};
  let errorsTotal = 0;
  let sent = 0;
  let completed = 0;
  let dropped = 0;
  let inFlight = 0;
  let drainExpired = false;
  let lastSettled = 0;
  const outstanding = new Set<Promise<void>>();
  let idle: (() => void) | null = null;

  const countError = (cause: string) => {
    errorsTotal++;
    byCause[cause] = (byCause[cause] ?? 0) + 1;
  };

  const t0 = opts.startAt ?? performance.now();
  const now = () => performance.now() - t0;
  const onSettled = opts.onSettled;

  async function one(k: number): Promise<void> {
    const intended = intendedAt(k);
    try {
      const res = await pool.request({ path, method, headers, body, signal: abort.signal });
      // Response end: the body read to its last byte.
      for await (const _chunk of res.body) {
        // discard
      }
      const end = now();
      completed++;
      const sc = String(res.statusCode);
      statusCodes[sc] = (statusCodes[sc] ?? 0) + 1;
      recordMs(hist, end - intended);
      const unexpected = expected !== null && !expected.has(res.statusCode);
      if (unexpected) countError('unexpected_status');
      onSettled?.({ status: res.statusCode, latencyMs: end - intended, cause: unexpected ? 'unexpected_status' : null });
    } catch (err) {
      const cause = drainExpired ? 'drain_timeout' : errorCause(err);
      countError(cause);
      onSettled?.({ status: null, latencyMs: null, cause });
    } finally {
      lastSettled = Math.max(lastSettled, now());
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  }

  function fire(k: number): void {
    if (inFlight >= maxInFlight) {
      dropped++;
      return;
    }
    inFlight++;
    sent++;
    health.recordSlipMs(now() - intendedAt(k));
    const p = one(k);
    outstanding.add(p);
    void p.finally(() => outstanding.delete(p));
  }

  // Schedule (the shared arrival loop): every timer tick sends all requests that are due, so a
  // late tick sends its backlog at once (their latency still counts from intended time).
  await new Promise<void>((resolve) => {
    const loop = new ArrivalLoop(fixedRateArrivals(ratePerSec, total), {
      startAt: t0,
      onArrival: (k) => fire(k),
      onExhausted: resolve,
    });
    opts.stop?.addEventListener('abort', () => {
      loop.stop();
      resolve();
    }, { once: true });
    if (opts.stop?.aborted) resolve();
    else loop.start();
  });

  // Drain: wait for outstanding requests, at most drainMs, then abort the rest.
  if (inFlight > 0) {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      idle = resolve;
      timer = setTimeout(resolve, drainMs);
    });
    clearTimeout(timer);
    idle = null;
    if (inFlight > 0) {
      drainExpired = true;
      abort.abort();
      await Promise.allSettled([...outstanding]);
    }
  }
  await pool.destroy().catch(() => {});
  health.stop();

  const elapsedMs = Math.max(durationMs, lastSettled);
  const h = health.snapshot('run');
  return {
    requests: sent + dropped,
    sent,
    completed,
    rps: Math.round((completed / (elapsedMs / 1000)) * 1000) / 1000,
    offeredRps: ratePerSec,
    latencyMs: summarizeMs(hist),
    statusCodes,
    errors: { total: errorsTotal, byCause },
    dropped,
    method: MEASUREMENT_METHOD,
    histogram: encodeHistogram(hist),
    clamped: clampCounts(hist),
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
    generator: {
      eventLoopLagMsP99: h.eventLoopLagMsP99,
      eventLoopLagMsMax: h.eventLoopLagMsMax,
      scheduleSlipMsP99: h.scheduleSlipMsP99,
      scheduleSlipMsMax: h.scheduleSlipMsMax,
    },
  };
}
