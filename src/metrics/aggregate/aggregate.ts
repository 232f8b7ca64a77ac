/**
 * Main-thread aggregation: merges the workers' IntervalReports into run totals
 * and a per-second timeline. The SIP caller's counters and histograms are
 * catalogue series, merged by the one generic merge (metrics/measures.ts
 * addMeasures): histograms bucket by bucket (never averaged), counters summed.
 * Concurrency samples are summed across workers by sample index.
 */
import type { TrendName } from '../catalog.js';
import { createLatencyHistogram, decodeHistogram, mergeInto, percentileMs, summarizeMs, type Histogram } from '../histograms.js';
import { addMeasures, decodeMeasures, emptyMeasures, UNTAGGED, type Measures } from '../measures.js';
import { FlowAggregate, type FlowPoint, type OutboundPoint } from './flow-aggregate.js';
import {
  addMap, countersOf, emptyBucket, SETTLE_SLOTS, type Counters, type HttpBucket, type HttpIntervalData, type IntervalReport,
} from '../interval.js';

/** One HTTP load in one interval; hist is freed (null) once the slot settles. */
interface SlotHttp {
  /** Requests with an outcome (response or error). */
  settled: number;
  completed: number;
  errors: number;
  hist: Histogram | null;
  latencyMsP95: number | null;
}

/** Merges one report's HTTP data into the run totals and the interval's slot, decoding each histogram once. */
function addHttp(totals: Map<string, HttpBucket>, slot: Map<string, SlotHttp>, data: Record<string, HttpIntervalData>): void {
  for (const name in data) {
    const d = data[name];
    const hist = decodeHistogram(d.hist);
    let a = totals.get(name);
    if (a === undefined) totals.set(name, (a = emptyBucket()));
    mergeInto(a.hist, hist);
    a.settled += d.settled;
    a.completed += d.completed;
    addMap(a.statusCodes, d.statusCodes);
    addMap(a.errorsByCause, d.errorsByCause);
    let p = slot.get(name);
    if (p === undefined) slot.set(name, (p = { settled: 0, completed: 0, errors: 0, hist: createLatencyHistogram(), latencyMsP95: null }));
    p.settled += d.settled;
    p.completed += d.completed;
    for (const k in d.errorsByCause) p.errors += d.errorsByCause[k];
    // A report later than the settling window adds counts but no longer moves the frozen p95.
    if (p.hist !== null) mergeInto(p.hist, hist);
  }
}

/**
 * The trends a timeline slot keeps, and the percentiles its point reads from each (pdd_ms: none, window() reads it).
 * The others (pdd_failed_ms, sdd_ms) only go to the run totals.
 */
const SLOT_PERCENTILES: { readonly [N in TrendName]?: readonly number[] } = {
  setup_ms: [50, 95, 99], pdd_ms: [], schedule_slip_ms: [99],
};
/** The trends window() merges: what a search step judges (setup_ms, pdd_ms criteria). */
const WINDOW_TRENDS: ReadonlySet<TrendName> = new Set<TrendName>(['setup_ms', 'pdd_ms']);

/** What Aggregator.window() merges for one capacity-search step. */
export interface WindowData {
  /** Every counter of the window's intervals, and their WINDOW_TRENDS. */
  measures: Measures<Histogram>;
  counters: Counters;
  setup: Histogram;
  pdd: Histogram;
  /** Per HTTP load: its requests within the window (rps = completed / window length). */
  http: Map<string, { hist: Histogram; settled: number; completed: number; errors: number }>;
  minWorkers: number;
}

export interface TimelinePoint {
  /** Seconds since run start (end of the interval). */
  t: number;
  /** Established calls at the end of the interval (sum over workers). */
  active: number;
  offered: number;
  attempts: number;
  answers: number;
  failures: number;
  blocked: number;
  setupMsP95: number | null;
  setupMsP50: number | null;
  setupMsP99: number | null;
  failuresByCode: Record<string, number>;
  scheduleSlipMsP99: number | null;
  eventLoopLagMsP99: number;
  /** Per HTTP load: responses completed in this second and their latency p95 (ms). */
  http?: Record<string, { completed: number; errors: number; latencyMsP95: number | null }>;
  /** Per HTTP flow: starts, completions, failures, blocked starts and flow-time p95 in this second. */
  flows?: Record<string, FlowPoint>;
  /** The run's own UAS (outbound calls): INVITEs, answers, established at the end of the second, dial latency p95. */
  outbound?: OutboundPoint;
}

/** Trend → tag key → percentile → ms: a settled slot's percentiles. */
type Frozen = { [N in TrendName]?: Record<string, Record<number, number | null>> };

interface Slot {
  workers: Set<number>;
  /** The interval over every worker: all its counters, and its SLOT_PERCENTILES trends until it settles. */
  m: Measures<Histogram>;
  /** Once settled (see SETTLE_SLOTS): the percentiles of the histograms it freed; null before. */
  frozen: Frozen | null;
  lagP99: number;
  http: Map<string, SlotHttp>;
  /** Per worker: its last concurrency sample in this interval's report. */
  lastEstablished: Map<number, number>;
}

/** A percentile of one of a slot's trends: its live histogram, or frozen once the slot settled. */
function slotPct(s: Slot, name: TrendName, p: number): number | null {
  const h = s.m.trends[name]?.[UNTAGGED];
  if (h !== undefined) return percentileMs(h, p);
  return s.frozen?.[name]?.[UNTAGGED]?.[p] ?? null;
}

export class Aggregator {
  /** Every series over the whole run. */
  readonly totals: Measures<Histogram> = emptyMeasures();
  /** HTTP load name → measurements over the whole run. */
  readonly http = new Map<string, HttpBucket>();
  /** HTTP flows and the run's UAS. */
  readonly flows = new FlowAggregate();
  /** sample index (×100 ms) → worker → [established, inProgress] */
  private readonly samples = new Map<number, Map<number, [number, number]>>();
  /** concurrencySeries() as last computed, valid below sample index seriesDirtyFrom. */
  private series: Array<[number, number, number]> = [];
  private seriesDirtyFrom = Infinity;
  private seriesMaxKey = -Infinity;
  private readonly slots = new Map<number, Slot>();
  private readonly points = new Map<number, TimelinePoint>();
  /** Whole-run event-loop lag p99 per worker (latest report wins). */
  private readonly lagRunP99 = new Map<number, number>();
  /** Worst per-interval p99 (for the timeline's story), and the run-wide p99 used for validity. */
  eventLoopLagMsP99Max = 0;
  eventLoopLagMsMax = 0;
  heapUsedBytesMax = 0;
  private readonly heapByWorker = new Map<number, number>();
  /** Highest slot whose histograms were freed. */
  private settled = -1;

  /**
   * @param retainSlots how many intervals behind the newest report a slot keeps its
   * histograms; a capacity search needs a whole step's (see window()).
   */
  constructor(private readonly retainSlots = SETTLE_SLOTS) {
    // The SIP trends exist from the start (empty), as the histograms results.json summarises.
    for (const name of ['setup_ms', 'pdd_ms', 'pdd_failed_ms', 'sdd_ms', 'schedule_slip_ms'] as const) {
      this.totals.trends[name] = { [UNTAGGED]: createLatencyHistogram() };
    }
  }

  private sipTrend(name: 'setup_ms' | 'pdd_ms' | 'pdd_failed_ms' | 'sdd_ms' | 'schedule_slip_ms'): Histogram {
    return this.totals.trends[name]![UNTAGGED];
  }

  get setup(): Histogram {
    return this.sipTrend('setup_ms');
  }
  get pdd(): Histogram {
    return this.sipTrend('pdd_ms');
  }
  get pddFailed(): Histogram {
    return this.sipTrend('pdd_failed_ms');
  }
  get sdd(): Histogram {
    return this.sipTrend('sdd_ms');
  }
  get slip(): Histogram {
    return this.sipTrend('schedule_slip_ms');
  }

  /** Calls the schedule offered so far. */
  get offered(): number {
    return this.totals.counters.calls_offered?.[UNTAGGED] ?? 0;
  }

  /** The SIP caller's counts over the run so far. */
  counters(): Counters {
    return countersOf(this.totals);
  }

  add(r: IntervalReport): void {
    const m = decodeMeasures(r);
    addMeasures(this.totals, m);
    for (const [k, est, prog] of r.samples) {
      let s = this.samples.get(k);
      if (s === undefined) this.samples.set(k, (s = new Map()));
      s.set(r.worker, [est, prog]);
      if (k < this.seriesDirtyFrom) this.seriesDirtyFrom = k;
      if (k > this.seriesMaxKey) this.seriesMaxKey = k;
    }
    this.eventLoopLagMsP99Max = Math.max(this.eventLoopLagMsP99Max, r.eventLoopLagMsP99);
    this.eventLoopLagMsMax = Math.max(this.eventLoopLagMsMax, r.eventLoopLagMsMax);
    this.heapByWorker.set(r.worker, r.heapUsedBytes);
    let heap = 0;
    for (const v of this.heapByWorker.values()) heap += v;
    this.heapUsedBytesMax = Math.max(this.heapUsedBytesMax, heap);

    let slot = this.slots.get(r.seq);
    if (slot === undefined) {
      slot = { workers: new Set(), m: emptyMeasures(), frozen: null, lagP99: 0, http: new Map(), lastEstablished: new Map() };
      this.slots.set(r.seq, slot);
    }
    slot.workers.add(r.worker);
    this.points.delete(r.seq);
    this.lagRunP99.set(r.worker, r.eventLoopLagMsP99Run);
    // A report later than the settling window adds counts but no longer moves the frozen percentiles
    // (a trend key the slot has not seen yet still gets its histogram).
    const s = slot;
    addMeasures(s.m, m, (name, key) => SLOT_PERCENTILES[name] !== undefined && s.frozen?.[name]?.[key] === undefined);
    s.lagP99 = Math.max(s.lagP99, r.eventLoopLagMsP99);
    addHttp(this.http, s.http, r.http);
    this.flows.add(r);
    this.settle(r.seq - this.retainSlots);
    // The interval's channel count comes from its own report: a sample taken at the same
    // instant as the flush may travel in the next report, so a lookup by time could miss it.
    if (r.samples.length > 0) s.lastEstablished.set(r.worker, r.samples[r.samples.length - 1][1]);
  }

/**
   * Established calls summed over workers, one value per 100 ms sample: [tMs, established, inProgress].
   * Asked every second (criteria, live view) over a series that grows by 10 samples a second: only
   * the samples changed since the last call are summed again (a 4-hour run's series cost 32 ms a
   * call when rebuilt whole). Returns a copy.
   */
  concurrencySeries(): Array<[number, number, number]> {
    if (this.seriesDirtyFrom !== Infinity) {
      const cached = this.series;
      while (cached.length > 0 && cached[cached.length - 1][0] >= this.seriesDirtyFrom * 100) cached.pop();
      // Sample indexes are whole numbers (100 ms steps): walk the changed tail in order.
      for (let k = this.seriesDirtyFrom; k <= this.seriesMaxKey; k++) {
        const m = this.samples.get(k);
        if (m === undefined) continue;
        let est = 0;
        let prog = 0;
        for (const [e, p] of m.values()) {
          est += e;
          prog += p;
        }
        cached.push([k * 100, est, prog]);
      }
      this.seriesDirtyFrom = Infinity;
    }
    return this.series.slice();
  }

  /**
   * Points are computed once per interval and cached (a report for an interval drops
   * its cached point): the live view asks every second, and recomputing percentiles
   * of a 30-minute run each time would stall the main thread.
   */
  timeline(): TimelinePoint[] {
    const seqs = [...this.slots.keys()].sort((a, b) => a - b);
    return seqs.map((seq) => {
      let point = this.points.get(seq);
      if (point === undefined) {
        point = this.point(seq);
        this.points.set(seq, point);
      }
      return point;
    });
  }

  private point(seq: number): TimelinePoint {
    const s = this.slots.get(seq)!;
    const c = countersOf(s.m);
    return {
      t: seq + 1,
      active: sum(s.lastEstablished.values()),
      offered: c.offered,
      attempts: c.attempts,
      answers: c.answers,
      failures: c.failures,
      blocked: c.blocked,
      setupMsP50: slotPct(s, 'setup_ms', 50),
      setupMsP95: slotPct(s, 'setup_ms', 95),
      setupMsP99: slotPct(s, 'setup_ms', 99),
      failuresByCode: c.failuresByCode,
      scheduleSlipMsP99: slotPct(s, 'schedule_slip_ms', 99),
      eventLoopLagMsP99: s.lagP99,
      ...(s.http.size > 0 ? { http: httpPoint(s.http) } : {}),
      ...this.flows.point(seq),
    };
  }

  /**
   * Counters, setup/PDD histograms and each HTTP load's requests merged over the report
   * intervals [firstSeq, endSeq) (one capacity-search step), and the fewest workers any of
   * those intervals has heard from.
   */
  window(firstSeq: number, endSeq: number): WindowData {
    const m = emptyMeasures<Histogram>();
    const http: WindowData['http'] = new Map();
    let minWorkers = Infinity;
    for (let seq = firstSeq; seq < endSeq; seq++) {
      const slot = this.slots.get(seq);
      minWorkers = Math.min(minWorkers, slot?.workers.size ?? 0);
      if (slot === undefined) continue;
      if (slot.frozen !== null) throw new Error(`Aggregator.window: interval ${seq} was settled; construct the Aggregator with retainSlots covering the window`);
      addMeasures(m, slot.m, (name) => WINDOW_TRENDS.has(name));
      for (const [name, h] of slot.http) {
        let w = http.get(name);
        if (w === undefined) http.set(name, (w = { hist: createLatencyHistogram(), settled: 0, completed: 0, errors: 0 }));
        w.settled += h.settled;
        w.completed += h.completed;
        w.errors += h.errors;
        // Settled together with the slot's SIP histograms (checked above).
        if (h.hist !== null) mergeInto(w.hist, h.hist);
      }
    }
    return {
      measures: m,
      counters: countersOf(m),
      setup: m.trends.setup_ms?.[UNTAGGED] ?? createLatencyHistogram(),
      pdd: m.trends.pdd_ms?.[UNTAGGED] ?? createLatencyHistogram(),
      http,
      minWorkers: minWorkers === Infinity ? 0 : minWorkers,
    };
  }

  /** Freezes the percentiles of the slots up to `seq` and frees their histograms. */
  private settle(seq: number): void {
    for (let k = this.settled + 1; k <= seq; k++) {
      const s = this.slots.get(k);
      if (s === undefined || s.frozen !== null) continue;
      const frozen: Frozen = {};
      const trends = s.m.trends as Record<string, Record<string, Histogram>>;
      for (const name in trends) {
        const ps = SLOT_PERCENTILES[name as TrendName] ?? [];
        const byKey: Record<string, Record<number, number | null>> = (frozen[name as TrendName] = {});
        for (const key in trends[name]) {
          const h = trends[name][key];
          byKey[key] = Object.fromEntries(ps.map((p) => [p, percentileMs(h, p)]));
        }
      }
      s.frozen = frozen;
      s.m.trends = {};
      for (const h of s.http.values()) {
        if (h.hist !== null) h.latencyMsP95 = percentileMs(h.hist, 95);
        h.hist = null;
      }
    }
    this.settled = Math.max(this.settled, seq);
  }

  /** The run-wide event-loop lag p99 of the worst worker. */
  eventLoopLagMsP99Run(): number {
    let max = 0;
    for (const v of this.lagRunP99.values()) max = Math.max(max, v);
    return max;
  }

  setupSummary() {
    return summarizeMs(this.setup);
  }
}

function httpPoint(m: Map<string, SlotHttp>): NonNullable<TimelinePoint['http']> {
  const out: NonNullable<TimelinePoint['http']> = {};
  for (const [name, a] of m) {
    out[name] = { completed: a.completed, errors: a.errors, latencyMsP95: a.hist === null ? a.latencyMsP95 : percentileMs(a.hist, 95) };
  }
  return out;
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}
