/**
 * The metric catalogue (metrics/catalog.ts) in Prometheus terms, once, for the exposition and
 * remote write alike: every SERIES counter is `callcert_<name>_total` with its catalogue tags as
 * labels, every trend a histogram in base units (a `_ms` trend is `callcert_<stem>_seconds`; the
 * ratio and MOS trends keep their names and values), every gauge series `callcert_<name>` (a
 * `_ms` one in seconds), with the catalogue's description as HELP. A series added to the
 * catalogue is exposed with no change here; a gauge series needs its reader in run-metrics.ts
 * (gauges travel as typed fields, not in the interval's counters), which the compiler asks for.
 */
import { SERIES, type SeriesName, type SeriesTag, type SeriesUnit } from '../../metrics/catalog.js';
import { TAG_SEPARATOR } from '../../metrics/measures.js';

export type FamilyType = 'counter' | 'gauge' | 'histogram';

/** One sample of a family: the full sample name (with `_total`, `_bucket`, …), its labels and value. */
export interface Sample {
  name: string;
  labels: ReadonlyArray<readonly [string, string]>;
  value: number;
}

export interface Family {
  /** The family name as in # TYPE (a counter's includes `_total`, as Prometheus 2's text format writes it). */
  name: string;
  type: FamilyType;
  help: string;
  samples: Sample[];
}

export const PREFIX = 'callcert_';

/**
 * Labels a scrape or a receiver sets itself (`job`, `instance`): a catalogue tag of that name is
 * exposed as `exported_<tag>`, as Prometheus renames a clashing target label.
 */
const RESERVED_LABELS = new Set(['job', 'instance']);

export function labelName(tag: SeriesTag | string): string {
  return RESERVED_LABELS.has(tag) ? `exported_${tag}` : tag;
}

/**
 * The labels of one tag key (metrics/measures.ts): the values joined by `|` in the tags' order;
 * the last value (a code, status or cause) may itself hold the separator, so it is never split.
 */
export function tagLabels(tags: readonly SeriesTag[], key: string): Array<[string, string]> {
  if (tags.length === 0) return [];
  const out: Array<[string, string]> = [];
  let rest = key;
  for (let i = 0; i < tags.length - 1; i++) {
    const at = rest.indexOf(TAG_SEPARATOR);
    out.push([labelName(tags[i]), at < 0 ? rest : rest.slice(0, at)]);
    rest = at < 0 ? '' : rest.slice(at + 1);
  }
  out.push([labelName(tags[tags.length - 1]), rest]);
  return out;
}

/** A `_ms` series in seconds: its name without `_ms`, and `_seconds` after it. */
function seconds(name: string): string {
  return `${PREFIX}${name.endsWith('_ms') ? name.slice(0, -3) : name}_seconds`;
}

export function counterFamilyName(name: SeriesName): string {
  return `${PREFIX}${name}_total`;
}

/** A trend's histogram: `_ms` trends in seconds, the others (ratio, MOS) under their own name. */
export function histogramFamilyName(name: SeriesName, unit: SeriesUnit): string {
  return unit === 'ms' ? seconds(name) : `${PREFIX}${name}`;
}

export function gaugeFamilyName(name: SeriesName, unit: SeriesUnit): string {
  return unit === 'ms' ? seconds(name) : `${PREFIX}${name}`;
}

/**
 * The `le` bounds of a trend's histogram, in its base unit (seconds; a ratio; a MOS). Fixed per unit,
 * so every scrape and every run has the same buckets (histogram_quantile and sums across runs need
 * them); the counts come from the HDR data (metrics/histograms.ts addToFixedBuckets).
 */
const SECONDS_BOUNDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
const RATIO_BOUNDS = [0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];
const MOS_BOUNDS = [1, 1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4, 4.5];

export function bucketBounds(unit: SeriesUnit): readonly number[] {
  return unit === 'ratio' ? RATIO_BOUNDS : unit === 'mos' ? MOS_BOUNDS : SECONDS_BOUNDS;
}

/**
 * A trend's HDR histogram holds integer µs: a `_ms` trend's value in µs, a ratio's or a MOS's
 * value × 10⁶ (recorded × 1000 as "ms"). Either way the base-unit value is µs ÷ 10⁶.
 */
export const US_PER_UNIT = 1e6;

/** The catalogue's description as HELP, with the unit said when the name does not say it. */
export function seriesHelp(name: SeriesName): string {
  const d = SERIES[name];
  const unit = d.unit === 'ms' ? ' (in seconds here)' : '';
  return `${d.description}${unit}`;
}
