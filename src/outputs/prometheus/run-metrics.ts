/**
 * A run's figures as Prometheus families, kept from the run events (engine/events.ts): what the
 * exposition serves and remote write pushes. Counters are the sums of every `interval` event's
 * counters, histograms the interval histograms counted into fixed buckets as they come (so no
 * run-long HDR histogram is kept here, and each interval's is walked once); gauges are the latest
 * per worker. Everything the catalogue lists comes out under its catalogue name (families.ts);
 * the run's own state (phase, load target, criteria, verdict) is named here.
 */
import { METRICS, SERIES, SERIES_NAMES, type SeriesName, type SeriesUnit } from '../../metrics/catalog.js';
import { addToFixedBuckets, type Histogram } from '../../metrics/histograms.js';
import { countersOf, type IntervalReport } from '../../metrics/interval.js';
import type { Measures } from '../../metrics/measures.js';
import type { Ratios } from '../../metrics/rfc6076.js';
import type { LiveCriterion, Progress, RunEvent, RunInfo } from '../../engine/events.js';
import type { Results } from '../../results/summary.js';
import { ratiosOf, settledCounters } from '../../verdict/thresholds.js';
import { VERSION } from '../../version.js';
import {
  bucketBounds, counterFamilyName, gaugeFamilyName, histogramFamilyName, PREFIX, seriesHelp, tagLabels, US_PER_UNIT,
  type Family, type Sample,
} from './families.js';

type GaugeName = { [N in SeriesName]: (typeof SERIES)[N]['kind'] extends 'gauge' ? N : never }[SeriesName];
type Labels = Array<[string, string]>;

interface FixedHistogram {
  /** Per bound, the values in (previous bound, bound]; the last slot: above the last bound. */
  counts: Float64Array;
  count: number;
  sumUs: number;
}

interface WorkerGauges {
  established: number;
  inProgress: number;
  outbound: number | null;
  lagP99Ms: number;
  lagMaxMs: number;
  heapUsedBytes: number;
}

export type RunPhase = 'starting' | 'running' | 'stopping' | 'finished';
const PHASES: readonly RunPhase[] = ['starting', 'running', 'stopping', 'finished'];
const VERDICTS = ['running', 'invalid', 'passed', 'failed', 'not_judged'] as const;
const RATIOS = ['ser', 'seer', 'isa', 'scr', 'asr'] as const satisfies ReadonlyArray<keyof Ratios>;

/**
 * How each gauge series of the catalogue is read from the workers' latest reports: the compiler
 * asks for an entry when the catalogue gains a gauge. Null: not measured in this run (no UAS).
 */
const GAUGES: Record<GaugeName, (w: ReadonlyMap<number, WorkerGauges>) => Array<[Labels, number]> | null> = {
  calls_established: (w) => [[[], sum(w, (g) => g.established)]],
  calls_in_progress: (w) => [[[], sum(w, (g) => g.inProgress)]],
  outbound_established: (w) => ([...w.values()].some((g) => g.outbound !== null) ? [[[], sum(w, (g) => g.outbound ?? 0)]] : null),
  event_loop_lag_ms: (w) => [...w].flatMap(([k, g]): Array<[Labels, number]> => [
    [[['worker', String(k)], ['stat', 'p99']], g.lagP99Ms / 1000],
    [[['worker', String(k)], ['stat', 'max']], g.lagMaxMs / 1000],
  ]),
  heap_used_bytes: (w) => [...w].map(([k, g]): [Labels, number] => [[['worker', String(k)]], g.heapUsedBytes]),
};

function sum(w: ReadonlyMap<number, WorkerGauges>, f: (g: WorkerGauges) => number): number {
  let n = 0;
  for (const g of w.values()) n += f(g);
  return n;
}

export class RunMetrics {
  private readonly counters = new Map<SeriesName, Map<string, number>>();
  private readonly trends = new Map<SeriesName, Map<string, FixedHistogram>>();
  private readonly workers = new Map<number, WorkerGauges>();
  private info: RunInfo | null = null;
  private phase: RunPhase = 'starting';
  private progress: Progress | null = null;
  private criteria: LiveCriterion[] = [];
  private peak = 0;
  private results: Results | null = null;

  start(info: RunInfo): void {
    this.info = info;
    this.criteria = info.scenario.criteria.map((c) => ({ metric: c.name, threshold: c.source, actual: null, failing: false }));
  }

  add(e: RunEvent): void {
    switch (e.type) {
      case 'interval':
        if (this.phase === 'starting') this.phase = 'running';
        this.addInterval(e.report, e.measures);
        return;
      case 'progress':
        if (this.phase === 'starting') this.phase = 'running';
        if (e.progress.stopping && this.phase === 'running') this.phase = 'stopping';
        this.progress = e.progress;
        if (e.progress.criteria !== undefined && e.progress.criteria.length > 0) this.criteria = e.progress.criteria;
        return;
      case 'stopping':
        if (this.phase !== 'finished') this.phase = 'stopping';
        return;
      case 'finished':
        this.phase = 'finished';
        this.results = e.results;
        this.criteria = e.results.criteria
          .filter((c) => c.step === null)
          .map((c) => ({ metric: c.metric, threshold: c.criterion, actual: c.actual, failing: !c.pass }));
        return;
      default:
    }
  }

  private addInterval(r: IntervalReport, m: Measures<Histogram>): void {
    const counters = m.counters as Record<string, Record<string, number> | undefined>;
    for (const name in counters) {
      const from = counters[name]!;
      let into = this.counters.get(name as SeriesName);
      if (into === undefined) this.counters.set(name as SeriesName, (into = new Map()));
      for (const k in from) into.set(k, (into.get(k) ?? 0) + from[k]);
    }
    const trends = m.trends as Record<string, Record<string, Histogram> | undefined>;
    for (const name in trends) {
      const def = SERIES[name as SeriesName];
      if (def === undefined) continue;
      const bounds = boundsUs(def.unit);
      let into = this.trends.get(name as SeriesName);
      if (into === undefined) this.trends.set(name as SeriesName, (into = new Map()));
      const from = trends[name]!;
      for (const k in from) {
        let fh = into.get(k);
        if (fh === undefined) into.set(k, (fh = { counts: new Float64Array(bounds.length + 1), count: 0, sumUs: 0 }));
        fh.sumUs += addToFixedBuckets(from[k], bounds, fh.counts);
        fh.count += from[k].totalCount;
      }
    }
    const last = r.samples[r.samples.length - 1];
    const prev = this.workers.get(r.worker);
    const lastOutbound = r.outboundSamples?.[r.outboundSamples.length - 1];
    this.workers.set(r.worker, {
      established: last?.[1] ?? prev?.established ?? 0,
      inProgress: last?.[2] ?? prev?.inProgress ?? 0,
      outbound: lastOutbound?.[1] ?? prev?.outbound ?? (r.outboundSamples === undefined ? null : 0),
      lagP99Ms: r.eventLoopLagMsP99,
      lagMaxMs: r.eventLoopLagMsMax,
      heapUsedBytes: r.heapUsedBytes,
    });
    this.peak = Math.max(this.peak, sum(this.workers, (g) => g.established));
  }

  /** Every family as it stands, in catalogue order, then the run's own. */
  families(): Family[] {
    const out: Family[] = [];
    for (const name of SERIES_NAMES) {
      const def = SERIES[name];
      if (def.kind === 'counter') {
        const byKey = this.counters.get(name);
        if (byKey === undefined) continue;
        const fam = counterFamilyName(name);
        out.push({
          name: fam, type: 'counter', help: seriesHelp(name),
          samples: [...byKey].map(([k, v]) => ({ name: fam, labels: tagLabels(def.tags, k), value: v })),
        });
      } else if (def.kind === 'trend') {
        const byKey = this.trends.get(name);
        if (byKey === undefined) continue;
        const fam = histogramFamilyName(name, def.unit);
        const samples: Sample[] = [];
        for (const [k, h] of byKey) samples.push(...histogramSamples(fam, tagLabels(def.tags, k), bucketBounds(def.unit), h));
        out.push({ name: fam, type: 'histogram', help: seriesHelp(name), samples });
      } else {
        if (this.workers.size === 0) continue;
        const values = GAUGES[name as GaugeName](this.workers);
        if (values === null) continue;
        const fam = gaugeFamilyName(name, def.unit);
        out.push({ name: fam, type: 'gauge', help: seriesHelp(name), samples: values.map(([labels, value]) => ({ name: fam, labels, value })) });
      }
    }
    out.push(...this.runFamilies());
    return out;
  }

  private runFamilies(): Family[] {
    const out: Family[] = [];
    const gauge = (name: string, help: string, samples: Array<[Labels, number]>) =>
      out.push({ name: PREFIX + name, type: 'gauge', help, samples: samples.map(([labels, value]) => ({ name: PREFIX + name, labels, value })) });
    const info = this.info;
    if (info !== null) {
      gauge('run_info', 'The run: scenario name, load model, target URI and callcert version (value 1).', [[[
        ['scenario', info.scenario.name], ['model', info.scenario.load.model], ['target', info.target.uri], ['version', VERSION],
      ], 1]]);
      gauge('run_planned_seconds', "The run's planned length: the sum of its load stages, in seconds.", [[[], info.totalMs / 1000]]);
      gauge('workers', 'Worker threads generating the load.', [[[], info.workers]]);
    }
    gauge('run_phase', 'The run now: 1 for its phase (starting, running, stopping, finished), 0 for the others.',
      PHASES.map((p) => [[['phase', p]], p === this.phase ? 1 : 0]));
    const p = this.progress;
    if (p !== null) {
      gauge('run_elapsed_seconds', 'Run time since the synchronised start, in seconds (as of the last progress second).', [[[], p.elapsedMs / 1000]]);
      gauge('load_target', "The load's target at the last full second: channels (closed model) or calls per second (open model).",
        [[[['model', p.model]], p.target]]);
    }
    const r = this.results;
    const c = countersOf({ counters: Object.fromEntries([...this.counters].map(([n, m]) => [n, Object.fromEntries(m)])), trends: {} });
    const ratios: Ratios | null = r !== null ? r.summary.ratios : this.counters.size > 0 ? ratiosOf(settledCounters(c)) : null;
    if (ratios !== null) {
      for (const k of RATIOS) {
        const v = ratios[k];
        if (v !== null) gauge(k, `${METRICS[k].description} Over the calls with an outcome so far; final: as results.json.`, [[[], v]]);
      }
    }
    if (this.workers.size > 0 || r !== null) {
      gauge('concurrency_peak', `${METRICS.concurrency_peak.description} (Final: as results.json.)`, [[[], r?.summary.concurrency.peak ?? this.peak]]);
    }
    if (this.criteria.length > 0) {
      // One series per metric and threshold: the same criterion written twice is one.
      const rows = [...new Map(this.criteria.map((k) => [`${k.metric}\n${k.threshold}`, k])).values()];
      const labels = (k: LiveCriterion): Labels => [['metric', k.metric], ['threshold', k.threshold]];
      gauge('criterion_ok', 'A scenario criterion: 1 while it holds (or is not decided yet), 0 once it failed; at the end, its verdict.',
        rows.map((k) => [labels(k), k.failing ? 0 : 1]));
      gauge('criterion_value', "The value a criterion was last judged on, in its metric's catalogue unit (ms for latencies, as the threshold reads).",
        rows.filter((k) => k.actual !== null).map((k) => [labels(k), k.actual!]));
    }
    if (r !== null) {
      gauge('run_valid', 'The finished run is valid evidence (not interrupted, generator not saturated, no worker crashed): 1 or 0.', [[[], r.valid ? 1 : 0]]);
      gauge('run_verdict', "The run's verdict: 1 for it, 0 for the others.", VERDICTS.map((v) => [[['verdict', v]], v === r.verdict ? 1 : 0]));
    }
    return out;
  }
}

const boundsCache = new Map<SeriesUnit, number[]>();
function boundsUs(unit: SeriesUnit): number[] {
  let b = boundsCache.get(unit);
  if (b === undefined) boundsCache.set(unit, (b = bucketBounds(unit).map((v) => Math.round(v * US_PER_UNIT))));
  return b;
}

function histogramSamples(fam: string, labels: Labels, bounds: readonly number[], h: FixedHistogram): Sample[] {
  const out: Sample[] = [];
  let cum = 0;
  for (let i = 0; i < bounds.length; i++) {
    cum += h.counts[i];
    out.push({ name: `${fam}_bucket`, labels: [...labels, ['le', formatLe(bounds[i])]], value: cum });
  }
  out.push({ name: `${fam}_bucket`, labels: [...labels, ['le', '+Inf']], value: h.count });
  out.push({ name: `${fam}_sum`, labels, value: h.sumUs / US_PER_UNIT });
  out.push({ name: `${fam}_count`, labels, value: h.count });
  return out;
}

/** An `le` value as Prometheus' clients write it (0.005, 1, 2.5): the shortest form that reads back the same. */
function formatLe(v: number): string {
  return String(v);
}
