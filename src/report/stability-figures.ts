/**
 * The stability section's figures (稳定性测试, docs/stability.md), computed only from results.json:
 * per hour of the stability window (results.json stability.hours: counts, SER and setup percentiles
 * from each hour's merged histogram) the generator's memory (timeline[].memory of the seconds whose
 * interval starts in the hour) and each platform server's memory (platform samples scraped in the
 * hour); and the drift rules:
 * - memory: the least-squares slope of a series over the window, × the window's length, is the growth
 *   the fit predicts over the hold; drift when it exceeds MEMORY_DRIFT_SHARE of the first hour's mean;
 * - setup: the last full hour's p95 (the last hour when none is full) above SETUP_DRIFT_FACTOR × the
 *   first hour's p95.
 */
import type { Results } from '../results/summary.js';

export type StabilityJson = NonNullable<Results['stability']>;
type Hour = StabilityJson['hours'][number];

/** Memory growth predicted over the hold beyond this share of the first hour's mean is flagged. */
export const MEMORY_DRIFT_SHARE = 0.1;
/** The last hour's setup p95 beyond this many times the first hour's is flagged. */
export const SETUP_DRIFT_FACTOR = 1.5;

export interface MemoryStat {
  /** Samples in the hour (seconds with a value, or scrapes). */
  n: number;
  mean: number | null;
  max: number | null;
}

export interface HourRow {
  hour: Hour;
  rss: MemoryStat;
  mainHeap: MemoryStat;
  workersHeap: MemoryStat;
  /** Per platform server with memory figures: its memory used (bytes) over the hour's scrapes. */
  platform: Record<string, MemoryStat>;
}

export interface Drift {
  /** What the rule was applied to, for the table. */
  series: string;
  /** Least-squares slope, bytes per hour (memory) — null with fewer than 3 samples. */
  slopePerHour: number | null;
  /** slope × window length (bytes), and the limit: MEMORY_DRIFT_SHARE × first hour's mean. */
  growth: number | null;
  limit: number | null;
  samples: number;
  drift: boolean;
}

export interface SetupDrift {
  firstP95: number | null;
  lastP95: number | null;
  lastHour: number | null;
  ratio: number | null;
  drift: boolean;
}

export interface StabilityFigures {
  s: StabilityJson;
  rows: HourRow[];
  memoryDrift: Drift[];
  setupDrift: SetupDrift;
}

function stat(values: number[]): MemoryStat {
  if (values.length === 0) return { n: 0, mean: null, max: null };
  let sum = 0;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
  }
  return { n: values.length, mean: Math.round(sum / values.length), max };
}

/** Least-squares slope of y over x (x in hours); null with fewer than 3 points or no spread. */
export function lsSlope(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 3) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}

type Tp = Results['timeline'][number];
/** The ms after run start at which a timeline second's interval starts (t is its end, in s). */
const startOf = (p: Tp) => (p.t - 1) * 1000;

function memoryDrift(
  series: string, pts: Array<{ tMs: number; v: number }>, windowMs: readonly [number, number], firstHourMean: number | null,
): Drift {
  const xs = pts.map((p) => p.tMs / 3_600_000);
  const slope = lsSlope(xs, pts.map((p) => p.v));
  const hours = (windowMs[1] - windowMs[0]) / 3_600_000;
  const growth = slope === null ? null : Math.round(slope * hours);
  const limit = firstHourMean === null ? null : Math.round(MEMORY_DRIFT_SHARE * firstHourMean);
  return {
    series, slopePerHour: slope === null ? null : Math.round(slope), growth, limit, samples: pts.length,
    drift: growth !== null && limit !== null && growth > limit,
  };
}

/** null: the run has no stability window (no hold of at least 1 h), or results written before it was recorded. */
export function stabilityFigures(r: Results): StabilityFigures | null {
  const s = r.stability ?? null;
  if (s === null || s.hours.length === 0) return null;
  const [w0, w1] = s.windowMs;
  const inWindow = r.timeline.filter((p) => startOf(p) >= w0 && startOf(p) < w1);
  const platform = Object.entries(r.platform?.instances ?? {}).filter(([, i]) => i.samples.some((x) => x.memUsedBytes !== null));
  const rows: HourRow[] = s.hours.map((hour) => {
    const pts = inWindow.filter((p) => startOf(p) >= hour.startMs && startOf(p) < hour.endMs);
    const pick = (f: (m: NonNullable<Tp['memory']>) => number | null) =>
      stat(pts.map((p) => (p.memory === undefined ? null : f(p.memory))).filter((v): v is number => v !== null));
    return {
      hour,
      rss: pick((m) => m.rssBytes),
      mainHeap: pick((m) => m.mainHeapUsedBytes),
      workersHeap: pick((m) => m.workersHeapUsedBytes),
      platform: Object.fromEntries(platform.map(([name, i]) => [name, stat(
        i.samples.filter((x) => x.tMs >= hour.startMs && x.tMs < hour.endMs && x.memUsedBytes !== null).map((x) => x.memUsedBytes!),
      )])),
    };
  });
  const gen = (f: (m: NonNullable<Tp['memory']>) => number | null) =>
    inWindow.flatMap((p) => {
      const v = p.memory === undefined ? null : f(p.memory);
      return v === null ? [] : [{ tMs: startOf(p), v }];
    });
  const memory: Drift[] = [
    memoryDrift('rss', gen((m) => m.rssBytes), s.windowMs, rows[0].rss.mean),
    memoryDrift('workersHeap', gen((m) => m.workersHeapUsedBytes), s.windowMs, rows[0].workersHeap.mean),
    ...platform.map(([name, i]) => memoryDrift(
      `platform:${name}`,
      i.samples.filter((x) => x.tMs >= w0 && x.tMs < w1 && x.memUsedBytes !== null).map((x) => ({ tMs: x.tMs, v: x.memUsedBytes! })),
      s.windowMs, rows[0].platform[name]?.mean ?? null,
    )),
  ];
  const full = s.hours.filter((h) => h.endMs - h.startMs === s.hourMs);
  const last = full.length > 1 ? full[full.length - 1] : s.hours[s.hours.length - 1];
  const firstP95 = s.hours[0].setupMs.p95;
  const lastP95 = s.hours.length > 1 ? last.setupMs.p95 : null;
  const ratio = firstP95 !== null && lastP95 !== null && firstP95 > 0 ? Math.round((lastP95 / firstP95) * 1000) / 1000 : null;
  return {
    s, rows, memoryDrift: memory,
    setupDrift: {
      firstP95, lastP95, lastHour: s.hours.length > 1 ? last.hour : null, ratio, drift: ratio !== null && ratio > SETUP_DRIFT_FACTOR,
    },
  };
}
