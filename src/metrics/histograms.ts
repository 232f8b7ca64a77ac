/**
 * The one place that owns HDR histogram settings (like autocannon's histUtil):
 * every latency histogram in callcert records integer MICROSECONDS in
 * [1 µs, 1 h] at 3 significant digits, so histograms from any worker, interval
 * or run can be merged and their encodings decoded by any other part.
 *
 * Percentiles are only ever read from a (merged) histogram, never averaged:
 * the p99 of two workers is not the mean of their p99s.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram, JsHistogram } from 'hdr-histogram-js';

export type { Histogram };

export const LOWEST_US = 1;
export const HIGHEST_US = 3_600_000_000;
export const SIGNIFICANT_DIGITS = 3;
// 32-bit counters: plain typed array, fast to record into; ~95 KB per histogram.
const BUCKET_SIZE = 32;

/** Values recordMs could not record as given. */
export interface ClampCounts {
  /** Below 1 µs (including 0 and negative), recorded as 1 µs. */
  below: number;
  /** Above 1 h, recorded as 1 h. */
  above: number;
  /** NaN or ±Infinity: not recorded at all. */
  invalid: number;
}

// Kept beside, not inside, the histogram: the HDR encoding has no room for it,
// so encode/decode drops these counts (the owner reports them separately).
const clamps = new WeakMap<Histogram, ClampCounts>();

function clampsOf(h: Histogram): ClampCounts {
  let c = clamps.get(h);
  if (!c) {
    c = { below: 0, above: 0, invalid: 0 };
    clamps.set(h, c);
  }
  return c;
}

export function createLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    bitBucketSize: BUCKET_SIZE,
    // Fixed range: a value past 1 h is a bug or a stuck call, not a reason to grow.
    autoResize: false,
    useWebAssembly: false,
  });
}

/**
 * Records a duration given in milliseconds (µs resolution). Never throws:
 * out-of-range values are clamped and counted (see clampCounts), non-finite
 * ones are counted and dropped. Returns false when the value was not recorded as given.
 */
export function recordMs(h: Histogram, ms: number): boolean {
  if (!Number.isFinite(ms)) {
    clampsOf(h).invalid++;
    return false;
  }
  let us = Math.round(ms * 1000);
  let exact = true;
  if (us < LOWEST_US) {
    clampsOf(h).below++;
    us = LOWEST_US;
    exact = false;
  } else if (us > HIGHEST_US) {
    clampsOf(h).above++;
    us = HIGHEST_US;
    exact = false;
  }
  h.recordValue(us);
  return exact;
}

/** How many values recordMs (or mergeInto) clamped or dropped for this histogram. */
export function clampCounts(h: Histogram): ClampCounts {
  return { ...clampsOf(h) };
}

/** Base64 of the compressed HdrHistogram V2 encoding (interoperable with other HDR ports). */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(s: string): Histogram {
  const h = decodeFromCompressedBase64(s, BUCKET_SIZE, false);
  h.autoResize = false;
  return h;
}

/** Adds source's counts to target (both must come from this module). */
export function mergeInto(target: Histogram, source: Histogram): void {
  target.add(source);
  const from = clamps.get(source);
  if (from) {
    const to = clampsOf(target);
    to.below += from.below;
    to.above += from.above;
    to.invalid += from.invalid;
  }
}

/** µs → ms rounded to the µs, so float noise does not leak into reports. */
function toMs(us: number): number {
  return Math.round(us) / 1000;
}

/** Value at percentile p (0..100) in ms, or null for an empty histogram. */
export function percentileMs(h: Histogram, p: number): number | null {
  if (h.totalCount === 0) return null;
  return toMs(h.getValueAtPercentile(p));
}

/** Every statistic is null when count is 0: "no calls" must not read as "0 ms". */
export interface LatencySummary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Statistics in ms with µs precision (3 decimals); values are HDR bucket equivalents (±0.1 %). */
export function summarizeMs(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) {
    return { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, max: null };
  }
  return {
    count,
    min: toMs(h.minNonZeroValue),
    mean: toMs(h.mean),
    p50: toMs(h.getValueAtPercentile(50)),
    p90: toMs(h.getValueAtPercentile(90)),
    p95: toMs(h.getValueAtPercentile(95)),
    p99: toMs(h.getValueAtPercentile(99)),
    // maxValue is the top of the bucket, which can lie past the 1 h ceiling.
    max: toMs(Math.min(h.maxValue, HIGHEST_US)),
  };
}

/**
 * A per-call ratio or MOS recorded × 1000 as "ms" (catalogue `scaled` trends), read back from a
 * figure in ms to `digits` decimals; a 0 is held in the lowest bucket (1 µs) and reads 0.
 */
export function unscaleMs(ms: number | null, digits: number): number | null {
  if (ms === null) return null;
  const f = 10 ** digits;
  return ms <= LOWEST_US / 1000 ? 0 : Math.round((ms / 1000) * f) / f;
}

/**
 * Adds a histogram's counts into fixed buckets (Prometheus `le` bounds): `counts[i]` gets the values
 * at most `boundsUs[i]` and above the bound before it, `counts[bounds.length]` the values above the last
 * bound; returns the values' sum in µs. A value is placed by its HDR bucket's lowest equivalent value and
 * summed at its median one, so both are within the histogram's 3 significant digits (±0.1 %). One walk
 * over the buckets up to the largest value: meant for an interval's histogram, not a run's.
 */
export function addToFixedBuckets(h: Histogram, boundsUs: readonly number[], counts: Float64Array | number[]): number {
  if (h.totalCount === 0) return 0;
  const js = h as unknown as JsHistogram;
  const last = Math.min(js.countsArrayIndex(Math.min(h.maxValue, HIGHEST_US)), js.countsArrayLength - 1);
  let b = 0;
  let sumUs = 0;
  for (let i = 0; i <= last; i++) {
    const n = js.getCountAtIndex(i);
    if (n === 0) continue;
    const v = js.valueFromIndex(i);
    while (b < boundsUs.length && v > boundsUs[b]) b++;
    counts[b] += n;
    sumUs += n * js.medianEquivalentValue(v);
  }
  return sumUs;
}
