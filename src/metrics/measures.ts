/**
 * The generic part of what a worker ships each second (metrics/interval.ts IntervalReport):
 * counters and trends keyed by their catalogue name (metrics/catalog.ts SERIES), and the one
 * merge that adds two such payloads. Main-thread totals, per-second timeline slots and
 * capacity-search windows are all sums of interval payloads through `addMeasures`; no part
 * merges a counter or a histogram field by field.
 *
 * Shape: series name → tag key → value, for every series. An untagged series has the single
 * tag key '' (UNTAGGED); a tagged one has `tagKey(values)` in its catalogue entry's tag order
 * (http_responses{load,status}: 'agents|200'). One shape for counters and trends keeps the merge
 * to one rule (per name and key: numbers summed, histograms added), lets a load, flow or step
 * be just a tag value, and a one-tag series' map is the per-value record readers had before
 * (counters.sip_final_responses is the old finalByCode as is). Encoded keys rather than nested
 * maps per tag: a series has at most three tags, and the merge stays two loops deep. The last
 * tag value (a code, status or cause) is never split, so it may hold any character; the others
 * are load, flow and step names ([a-z0-9._-], scenario/schema.ts), which cannot hold the separator.
 *
 * On the wire trends are encoded HDR histograms (µs, metrics/histograms.ts): Measures<string>;
 * on the main thread decoded: Measures<Histogram>.
 */
import type { CounterName, TrendName } from './catalog.js';
import { createLatencyHistogram, decodeHistogram, mergeInto, type Histogram } from './histograms.js';

export interface Measures<H = string> {
  /** Counter name → tag key → count. */
  counters: { [N in CounterName]?: Record<string, number> };
  /** Trend name → tag key → histogram (encoded on the wire). */
  trends: { [N in TrendName]?: Record<string, H> };
}

/** The tag key of an untagged series. */
export const UNTAGGED = '';
export const TAG_SEPARATOR = '|';

/** The key of one combination of tag values, in the series' tag order. */
export function tagKey(...values: string[]): string {
  return values.join(TAG_SEPARATOR);
}

export function emptyMeasures<H = string>(): Measures<H> {
  return { counters: {}, trends: {} };
}

type Table<V> = Record<string, Record<string, V>>;

/**
 * Adds `from` into `into`: per series name and tag key, counts summed and histograms added bucket by
 * bucket (a missing one is created: `into` never shares `from`'s histograms). Merging an empty payload
 * changes nothing; the order of merges does not change the sums. `keepTrend`: which trend series
 * `into` takes (a timeline slot keeps only those its point and window read); counters are always added.
 */
export function addMeasures(
  into: Measures<Histogram>,
  from: Measures<Histogram>,
  keepTrend?: (name: TrendName, key: string) => boolean,
): void {
  const ic = into.counters as Table<number>;
  const fc = from.counters as Table<number>;
  for (const name in fc) {
    const f = fc[name];
    const t = (ic[name] ??= {});
    for (const k in f) t[k] = (t[k] ?? 0) + f[k];
  }
  const it = into.trends as Table<Histogram>;
  const ft = from.trends as Table<Histogram>;
  for (const name in ft) {
    const f = ft[name];
    let t: Record<string, Histogram> | undefined = it[name];
    for (const k in f) {
      if (keepTrend !== undefined && !keepTrend(name as TrendName, k)) continue;
      t ??= it[name] = {};
      mergeInto((t[k] ??= createLatencyHistogram()), f[k]);
    }
  }
}

/** A wire payload with its histograms decoded (each once); the counters are shared, not copied. */
export function decodeMeasures(m: Measures<string>): Measures<Histogram> {
  const trends: Table<Histogram> = {};
  const from = m.trends as Table<string>;
  for (const name in from) {
    const byKey: Record<string, Histogram> = (trends[name] = {});
    for (const k in from[name]) byKey[k] = decodeHistogram(from[name][k]);
  }
  return { counters: m.counters, trends };
}

/**
 * The values of a series under the given leading tag values (all its tags but the last), keyed by
 * the last tag value: lastTags(http_responses, ['agents']) → { 200: 49, 500: 1 }. No leading
 * values: the whole map (copied). A new record in first-seen order.
 */
export function lastTags<V>(series: Readonly<Record<string, V>> | undefined, leading: readonly string[] = []): Record<string, V> {
  const out: Record<string, V> = {};
  if (series === undefined) return out;
  if (leading.length === 0) return Object.assign(out, series);
  const prefix = tagKey(...leading) + TAG_SEPARATOR;
  for (const k in series) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = series[k];
  return out;
}

/** The sum of a record's counts. */
export function total(counts: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const k in counts) n += counts[k];
  return n;
}

/** Adds `n` to counter `name` at tag key `key` of a payload being built. */
export function addCount(m: Measures<unknown>, name: CounterName, key: string, n: number): void {
  const series = (m.counters[name] ??= {});
  series[key] = (series[key] ?? 0) + n;
}
