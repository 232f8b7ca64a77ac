/**
 * The Aggregator frees a second's histograms once it has settled (SETTLE_SLOTS
 * behind the newest report) and keeps its percentiles: the timeline must read
 * exactly as if every histogram had been kept.
 */
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/engine/aggregate.js';
import { emptyCounters, SETTLE_SLOTS, type IntervalReport } from '../../src/engine/protocol.js';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../src/metrics/histograms.js';

const hist = (ms: number[]) => {
  const h = createLatencyHistogram();
  for (const v of ms) recordMs(h, v);
  return encodeHistogram(h);
};

/** Second `seq`: `answers` calls with setup times seq+1 … seq+answers ms, an HTTP load with one response of seq ms. */
function interval(seq: number, answers: number): IntervalReport {
  const counters = emptyCounters();
  counters.attempts = answers;
  counters.answers = answers;
  const empty = hist([]);
  return {
    type: 'interval', worker: 0, seq, counters,
    setupHist: hist(Array.from({ length: answers }, (_, i) => seq + 1 + i)), pddHist: empty, pddFailedHist: empty, sddHist: empty,
    slipHist: hist([seq / 10]), samples: [[seq * 10 + 10, answers, 0]],
    calls: '', eventLoopLagMsP99: 1, eventLoopLagMsMax: 1, eventLoopLagMsP99Run: 1, heapUsedBytes: 0, offered: answers,
    http: { api: { hist: hist([seq + 0.5]), settled: 1, completed: 1, statusCodes: { '200': 1 }, errorsByCause: {} } },
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
