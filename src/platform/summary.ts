/**
 * A server's series summed up (results.json platform.instances[].summary) and the one way a
 * criterion reads a series (platform_cpu_pct{instance:app1}: max, avg, p(N)), so a criterion's
 * actual is the figure printed beside it. Over the samples that have the figure (a failed
 * scrape, or the first scrape's CPU, has none); no sample: nothing measured, null.
 */

export interface SeriesSummary {
  /** Samples with a value. */
  count: number;
  max: number | null;
  mean: number | null;
  p95: number | null;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Nearest rank: the smallest value with at least p % of the values at or below it. */
export function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const k = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[k - 1];
}

export function summarizeSeries(values: ReadonlyArray<number | null>): SeriesSummary {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { count: 0, max: null, mean: null, p95: null };
  let sum = 0;
  for (const x of v) sum += x;
  return { count: v.length, max: v[v.length - 1], mean: r3(sum / v.length), p95: percentileOf(v, 95) };
}

export type SeriesAggregate = { kind: 'max' } | { kind: 'mean' } | { kind: 'percentile'; p: number } | { kind: 'value' };

/** The aggregate a criterion compares (value: the last sample's), or null with no sample. */
export function seriesValue(values: ReadonlyArray<number | null>, a: SeriesAggregate): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return null;
  if (a.kind === 'value') return v[v.length - 1];
  const sorted = [...v].sort((x, y) => x - y);
  if (a.kind === 'max') return sorted[sorted.length - 1];
  if (a.kind === 'percentile') return percentileOf(sorted, a.p);
  let sum = 0;
  for (const x of v) sum += x;
  return r3(sum / v.length);
}
