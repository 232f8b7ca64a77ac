import { describe, expect, it } from 'vitest';
import {
  clampCounts, createLatencyHistogram, decodeHistogram, encodeHistogram, HIGHEST_US, mergeInto, percentileMs, recordMs, summarizeMs,
} from '../../src/metrics/histograms.js';
import { mulberry32 } from '../../src/util/random.js';

/** Log-normal-ish latencies from 0.05 ms to a few seconds. */
function samples(seed: number, n: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => Math.round(Math.exp(r() * 11 - 3) * 1000) / 1000);
}

const PS = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

describe('latency histograms', () => {
  it('merging two workers equals recording everything into one', () => {
    const a = samples(1, 20_000);
    const b = samples(2, 5_000).map((x) => x * 3);
    const w1 = createLatencyHistogram();
    const w2 = createLatencyHistogram();
    const all = createLatencyHistogram();
    a.forEach((x) => { recordMs(w1, x); recordMs(all, x); });
    b.forEach((x) => { recordMs(w2, x); recordMs(all, x); });
    const merged = createLatencyHistogram();
    mergeInto(merged, w1);
    mergeInto(merged, w2);
    for (const p of PS) expect(percentileMs(merged, p)).toBe(percentileMs(all, p));
    expect(summarizeMs(merged)).toEqual(summarizeMs(all));
  });

  it('a merged percentile is not the average of the workers\' percentiles', () => {
    const fast = createLatencyHistogram();
    const slow = createLatencyHistogram();
    for (let i = 0; i < 990; i++) recordMs(fast, 10);
    for (let i = 0; i < 10; i++) recordMs(slow, 1000);
    const merged = createLatencyHistogram();
    mergeInto(merged, fast);
    mergeInto(merged, slow);
    // 1 % of all calls took 1 s: the p99 over 1000 calls is the 990th value = 10 ms, p99.5 is 1 s
    // (read as the top of their HDR buckets: 10 ms lies in an 8 µs wide bucket).
    expect(percentileMs(merged, 99)).toBeCloseTo(10, 1);
    expect(percentileMs(merged, 99.5)).toBeCloseTo(1000, 0);
    expect(((percentileMs(fast, 99) ?? 0) + (percentileMs(slow, 99) ?? 0)) / 2).not.toBeCloseTo(percentileMs(merged, 99) ?? 0, 0);
  });

  it('round-trips through the compressed base64 encoding', () => {
    const h = createLatencyHistogram();
    samples(3, 10_000).forEach((x) => recordMs(h, x));
    const s = encodeHistogram(h);
    expect(typeof s).toBe('string');
    expect(s).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const d = decodeHistogram(s);
    expect(d.totalCount).toBe(h.totalCount);
    for (const p of PS) expect(percentileMs(d, p)).toBe(percentileMs(h, p));
    // A decoded histogram merges like a local one.
    const m = createLatencyHistogram();
    mergeInto(m, d);
    mergeInto(m, h);
    expect(m.totalCount).toBe(2 * h.totalCount);
  });

  it('keeps µs resolution', () => {
    const h = createLatencyHistogram();
    recordMs(h, 0.123);
    expect(Math.abs((percentileMs(h, 50) ?? 0) - 0.123)).toBeLessThanOrEqual(0.001);
    expect(summarizeMs(h)).toEqual({ count: 1, min: 0.123, mean: 0.123, p50: 0.123, p90: 0.123, p95: 0.123, p99: 0.123, max: 0.123 });
    const g = createLatencyHistogram();
    recordMs(g, 1234.567);
    // 3 significant digits: within 0.1 %.
    expect(Math.abs((percentileMs(g, 50) ?? 0) - 1234.567) / 1234.567).toBeLessThan(0.001);
  });

  it('reports nulls when empty', () => {
    const h = createLatencyHistogram();
    expect(summarizeMs(h)).toEqual({ count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, max: null });
    expect(percentileMs(h, 99)).toBeNull();
  });

  it('clamps out-of-range values and counts them, never throwing', () => {
    const h = createLatencyHistogram();
    expect(recordMs(h, 0)).toBe(false);
    expect(recordMs(h, -5)).toBe(false);
    expect(recordMs(h, 5 * 3_600_000)).toBe(false);
    expect(recordMs(h, Number.NaN)).toBe(false);
    expect(recordMs(h, Infinity)).toBe(false);
    expect(recordMs(h, 12)).toBe(true);
    expect(h.totalCount).toBe(4);
    expect(clampCounts(h)).toEqual({ below: 2, above: 1, invalid: 2 });
    // Clamped to the documented ceiling: one hour.
    expect(summarizeMs(h).max).toBe(3_600_000);
    expect(HIGHEST_US).toBe(3_600_000_000);
    expect(summarizeMs(h).min).toBe(0.001);
    const m = createLatencyHistogram();
    mergeInto(m, h);
    expect(clampCounts(m)).toEqual({ below: 2, above: 1, invalid: 2 });
  });
});
