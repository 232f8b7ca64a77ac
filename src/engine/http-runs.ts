/**
 * The HTTP loads a worker runs beside its SIP calls: one runner per `http.load`
 * entry on the run's clock — fixed-rate (http/fixed-rate) for `rate: N`, the
 * autocannon closed loop (http/max-throughput) for `rate: max` — with results
 * bucketed per reporting interval the way the SIP metrics are (an HDR
 * histogram and counters each), shipped as series tagged with the load's name
 * (http_requests, http_responses, http_errors, http_latency_ms).
 */
import type { HttpLoadSpec } from '../scenario/types.js';
import { runFixedRate, type SettledRequest } from '../http/fixed-rate.js';
import { runMaxThroughput } from '../http/max-throughput.js';
import { recordMs } from '../metrics/histograms.js';
import { bump, emptyBucket, putHttpLoad, type HttpBucket } from '../metrics/interval.js';
import type { Measures } from '../metrics/measures.js';
import type { HttpRunTotals } from '../http/run-totals.js';




export class HttpRuns {
  private readonly buckets = new Map<string, HttpBucket>();
  private readonly abort = new AbortController();
  private runs: Array<Promise<[string, HttpRunTotals]>> = [];

  constructor(private readonly specs: readonly HttpLoadSpec[], private readonly startAt: number) {
    for (const s of specs) this.buckets.set(s.name, emptyBucket());
  }

  get size(): number {
    return this.specs.length;
  }

  start(): void {
    this.runs = this.specs.map((s) => {
      const bucket = (): HttpBucket => this.buckets.get(s.name)!;
      const onSettled = (r: SettledRequest) => {
        const b = bucket();
        b.settled++;
        if (r.status !== null) {
          b.completed++;
          bump(b.statusCodes, String(r.status));
        }
        if (r.latencyMs !== null) recordMs(b.hist, r.latencyMs);
        if (r.cause !== null) bump(b.errorsByCause, r.cause);
      };
      const common = {
        url: s.url, method: s.method, headers: s.headers, body: s.body ?? undefined, durationMs: s.durationMs,
        connections: s.connections, timeoutMs: s.timeoutMs, expectStatus: s.expectStatus,
        startAt: this.startAt + s.startMs, stop: this.abort.signal, onSettled,
      };
      if (s.ratePerSec === null) {
        return runMaxThroughput({ ...common, pipelining: s.pipelining }).then((r): [string, HttpRunTotals] => [
          s.name, { requests: r.sent, sent: r.sent, dropped: 0, elapsedMs: r.elapsedMs, offeredRps: null, measurement: r.method },
        ]);
      }
      return runFixedRate({ ...common, ratePerSec: s.ratePerSec }).then((r): [string, HttpRunTotals] => [
        s.name,
        { requests: r.requests, sent: r.sent, dropped: r.dropped, elapsedMs: r.elapsedMs, offeredRps: r.offeredRps, measurement: r.method },
      ]);
    });
  }

  /** Ends every schedule now; requests in flight still get their drain time. */
  stop(): void {
    this.abort.abort();
  }

  /** Writes this interval's series of each load (tag `load`) into `out`, and starts a fresh bucket for the next. */
  takeInterval(out: Measures): void {
    for (const [name, b] of this.buckets) {
      putHttpLoad(out, name, b);
      this.buckets.set(name, emptyBucket());
    }
  }

  async done(): Promise<Record<string, HttpRunTotals>> {
    const out: Record<string, HttpRunTotals> = {};
    for (const [name, totals] of await Promise.all(this.runs)) out[name] = totals;
    return out;
  }
}
