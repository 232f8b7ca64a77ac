/**
 * The Aggregator frees a second's histograms once it has settled (SETTLE_SLOTS
 * behind the newest report) and keeps its percentiles: the timeline must read
 * exactly as if every histogram had been kept.
 */
import { describe, expect, it } from 'vitest';
import { Aggregator, COMPACT_LAG_SLOTS } from '../../src/metrics/aggregate/aggregate.js';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../src/metrics/histograms.js';
import { SETTLE_SLOTS, type IntervalReport } from '../../src/metrics/interval.js';
import { tagKey } from '../../src/metrics/measures.js';

const hist = (ms: number[]) => {
  const h = createLatencyHistogram();
  for (const v of ms) recordMs(h, v);
  return encodeHistogram(h);
};

/** Second `seq`: `answers` calls with setup times seq+1 … seq+answers ms, an HTTP load with one response of seq ms. */
function interval(seq: number, answers: number): IntervalReport {
  const empty = hist([]);
  return {
    type: 'interval', worker: 0, seq,
    counters: {
      calls_offered: { '': answers }, calls_attempted: { '': answers }, calls_answered: { '': answers },
      http_requests: { api: 1 }, http_responses: { [tagKey('api', '200')]: 1 },
    },
    trends: {
      setup_ms: { '': hist(Array.from({ length: answers }, (_, i) => seq + 1 + i)) },
      pdd_ms: { '': empty }, pdd_failed_ms: { '': empty }, sdd_ms: { '': empty }, schedule_slip_ms: { '': hist([seq / 10]) },
      http_latency_ms: { api: hist([seq + 0.5]) },
    },
    samples: [[seq * 10 + 10, answers, 0]],
    calls: '', eventLoopLagMsP99: 1, eventLoopLagMsMax: 1, eventLoopLagMsP99Run: 1, heapUsedBytes: 0,
  };
}

describe('Aggregator: settled seconds', () => {
  const SECONDS = SETTLE_SLOTS * 3;

  it('reads the same timeline whether or not old histograms were freed', () => {
    const freeing = new Aggregator();
    const keeping = new Aggregator(Infinity);
    for (let seq = 0; seq < SECONDS; seq++) {
      freeing.add(interval(seq, 5));
      keeping.add(interval(seq, 5));
    }
    expect(freeing.timeline()).toEqual(keeping.timeline());
    // Second 0: setups of 1…5 ms (HDR resolution: 3 significant digits).
    const first = freeing.timeline()[0];
    expect(first).toMatchObject({ t: 1, answers: 5, http: { api: { completed: 1 } } });
    expect(first.setupMsP50).toBeCloseTo(3, 2);
    expect(first.setupMsP99).toBeCloseTo(5, 2);
    expect(first.http?.api.latencyMsP95).toBeCloseTo(0.5, 2);
    // The run totals never lose anything.
    expect(freeing.setup.totalCount).toBe(SECONDS * 5);
  });

  it('refuses a window over freed seconds instead of judging it on nothing', () => {
    const agg = new Aggregator();
    for (let seq = 0; seq < SECONDS; seq++) agg.add(interval(seq, 5));
    expect(() => agg.window(0, 5)).toThrow(/interval 0 was settled/);
    expect(agg.window(SECONDS - SETTLE_SLOTS, SECONDS).counters.answers).toBe(SETTLE_SLOTS * 5);
  });

  it('a report for a settled second still counts, and leaves its frozen percentiles', () => {
    const agg = new Aggregator();
    for (let seq = 0; seq < SECONDS; seq++) agg.add(interval(seq, 5));
    const before = agg.timeline()[0];
    agg.add(interval(0, 100));
    const after = agg.timeline()[0];
    expect(after.answers).toBe(before.answers + 100);
    expect(after.setupMsP99).toBe(before.setupMsP99);
    expect(after.http?.api).toEqual({ completed: 2, errors: 0, latencyMsP95: before.http?.api.latencyMsP95 });
  });
});

describe('Aggregator: compacted seconds and memory', () => {
  const SECONDS = SETTLE_SLOTS + COMPACT_LAG_SLOTS + 40;
  const feed = (agg: Aggregator) => {
    for (let seq = 0; seq < SECONDS; seq++) {
      agg.add({ ...interval(seq, 3), heapUsedBytes: 1000 + seq });
      agg.recordMainMemory(seq * 1000 + 400, 5000 + seq, 2000 + seq);
    }
  };

  it('reads the same timeline and series once old seconds are compacted', () => {
    const compacting = new Aggregator();
    const keeping = new Aggregator(Infinity);
    feed(compacting);
    feed(keeping);
    expect(compacting.timeline()).toEqual(keeping.timeline());
    expect(compacting.concurrencySeries()).toEqual(keeping.concurrencySeries());
    expect(compacting.lastPoint()).toEqual(keeping.timeline().at(-1));
    // Each second carries the main thread's sample that fell in it and the workers' heaps.
    expect(compacting.timeline()[7].memory).toEqual({ rssBytes: 5007, mainHeapUsedBytes: 2007, workersHeapUsedBytes: 1007 });
  });

  it('a report for a compacted second adds its SIP counts to that second and its samples to the series', () => {
    const agg = new Aggregator();
    feed(agg);
    const before = agg.timeline()[0];
    const row = agg.concurrencySeries().find(([t]) => t === 1000)!;
    agg.add({ ...interval(0, 4), worker: 1 });
    expect(agg.lateReports).toBe(1);
    expect(agg.timeline()[0]).toMatchObject({ attempts: before.attempts + 4, answers: before.answers + 4 });
    expect(agg.concurrencySeries().find(([t]) => t === 1000)).toEqual([1000, row[1] + 4, row[2]]);
    expect(agg.counters().answers).toBe(SECONDS * 3 + 4);
  });
});

describe('Aggregator: stability periods', () => {
  it('merges each period\'s intervals exactly: counts and the setup histogram', () => {
    const agg = new Aggregator();
    agg.trackPeriods([{ startMs: 2000, endMs: 5000 }, { startMs: 5000, endMs: 7000 }]);
    for (let seq = 0; seq < 9; seq++) agg.add(interval(seq, 2));
    const [a, b] = agg.periods();
    // Seconds 2, 3, 4: setups seq+1, seq+2 ms → 3, 4, 4, 5, 5, 6.
    expect(a.counters.answers).toBe(6);
    expect(a.setup.totalCount).toBe(6);
    expect(a.setup.minNonZeroValue / 1000).toBeCloseTo(3, 2);
    expect(a.setup.maxValue / 1000).toBeCloseTo(6, 1);
    expect(b.counters.attempts).toBe(4);
  });
});

describe('Aggregator: concurrency series', () => {
  /** Worker `worker`'s report for second `seq`: 10 samples of `established` channels. */
  const report = (worker: number, seq: number, established: number): IntervalReport => ({
    ...interval(seq, 1),
    worker,
    samples: Array.from({ length: 10 }, (_, i): [number, number, number] => [seq * 10 + i + 1, established, 1]),
  });
  /** The series as the old implementation built it: every sample summed over workers, in time order. */
  const rebuilt = (reports: IntervalReport[]) => {
    const by = new Map<number, Map<number, [number, number]>>();
    for (const r of reports) for (const [k, e, p] of r.samples) (by.get(k) ?? by.set(k, new Map()).get(k)!).set(r.worker, [e, p]);
    return [...by.keys()].sort((a, b) => a - b).map((k) => {
      const v = [...by.get(k)!.values()];
      return [k * 100, v.reduce((a, x) => a + x[0], 0), v.reduce((a, x) => a + x[1], 0)];
    });
  };

  it('stays equal to a full rebuild as workers report out of order and late', () => {
    const agg = new Aggregator();
    const sent: IntervalReport[] = [];
    // Worker 1 lags: its second s arrives after worker 0's second s+1; a late duplicate rewrites second 2.
    const order = [
      report(0, 0, 10), report(0, 1, 11), report(1, 0, 20), report(0, 2, 12),
      report(1, 1, 21), report(1, 2, 22), report(0, 2, 15), report(0, 3, 13),
    ];
    for (const r of order) {
      agg.add(r);
      sent.push(r);
      expect(agg.concurrencySeries()).toEqual(rebuilt(sent));
    }
    // Second 2 summed with worker 0's latest report: 15 + 22.
    expect(agg.concurrencySeries().find(([t]) => t === 2100)).toEqual([2100, 37, 2]);
    // Callers get a copy: changing it does not change the next answer.
    agg.concurrencySeries().pop();
    expect(agg.concurrencySeries()).toEqual(rebuilt(sent));
  });
});
