/**
 * Main-thread aggregation: merges the workers' IntervalReports into run totals
 * and a per-second timeline. Histograms are merged bucket by bucket (never
 * averaged), concurrency samples are summed across workers by sample index.
 */
import { createLatencyHistogram, decodeHistogram, mergeInto, percentileMs, summarizeMs, type Histogram } from '../histograms.js';
import { FlowAggregate, type FlowPoint, type OutboundPoint } from './flow-aggregate.js';
import { addCounters, addMap, emptyCounters, SETTLE_SLOTS, type Counters, type IntervalReport, emptyBucket, type HttpBucket, type HttpIntervalData } from '../interval.js';

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

/** What Aggregator.window() merges for one capacity-search step. */
export interface WindowData {
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

/** A slot's per-second percentiles, frozen when its histograms are freed. */
interface SlotPercentiles {
  setupMsP50: number | null;
  setupMsP95: number | null;
  setupMsP99: number | null;
  scheduleSlipMsP99: number | null;
}

interface Slot {
  workers: Set<number>;
  counters: Counters;
  offered: number;
  /** Freed (null) once the slot settles: see SETTLE_SLOTS; `frozen` then holds their percentiles. */
  hists: { setup: Histogram; pdd: Histogram; slip: Histogram } | null;
  frozen: SlotPercentiles | null;
  lagP99: number;
  http: Map<string, SlotHttp>;
  /** Per worker: its last concurrency sample in this interval's report. */
  lastEstablished: Map<number, number>;
}

export class Aggregator {
  readonly totals: Counters = emptyCounters();
  readonly setup = createLatencyHistogram();
  readonly pdd = createLatencyHistogram();
  readonly pddFailed = createLatencyHistogram();
  readonly sdd = createLatencyHistogram();
  readonly slip = createLatencyHistogram();
  /** HTTP load name → measurements over the whole run. */
  readonly http = new Map<string, HttpBucket>();
  /** HTTP flows and the run's UAS. */
  readonly flows = new FlowAggregate();
  offered = 0;
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
  constructor(private readonly retainSlots = SETTLE_SLOTS) {}

  add(r: IntervalReport): void {
    addCounters(this.totals, r.counters);
    this.offered += r.offered;
    const setup = decodeHistogram(r.setupHist);
    mergeInto(this.setup, setup);
    const pdd = decodeHistogram(r.pddHist);
    mergeInto(this.pdd, pdd);
    mergeInto(this.pddFailed, decodeHistogram(r.pddFailedHist));
    mergeInto(this.sdd, decodeHistogram(r.sddHist));
    const slip = decodeHistogram(r.slipHist);
    mergeInto(this.slip, slip);
    for (const [k, est, prog] of r.samples) {
      let m = this.samples.get(k);
      if (m === undefined) this.samples.set(k, (m = new Map()));
      m.set(r.worker, [est, prog]);
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
      const hists = { setup: createLatencyHistogram(), pdd: createLatencyHistogram(), slip: createLatencyHistogram() };
      slot = {
        workers: new Set(),
        counters: emptyCounters(),
        offered: 0,
        hists,
        frozen: null,
        lagP99: 0,
        http: new Map(),
        lastEstablished: new Map(),
      };
      this.slots.set(r.seq, slot);
    }
    slot.workers.add(r.worker);
    this.points.delete(r.seq);
    this.lagRunP99.set(r.worker, r.eventLoopLagMsP99Run);
    addCounters(slot.counters, r.counters);
    slot.offered += r.offered;
    // A report later than the settling window adds counts but no longer moves the frozen percentiles.
    if (slot.hists !== null) {
      mergeInto(slot.hists.setup, setup);
      mergeInto(slot.hists.pdd, pdd);
      mergeInto(slot.hists.slip, slip);
    }
    slot.lagP99 = Math.max(slot.lagP99, r.eventLoopLagMsP99);
    addHttp(this.http, slot.http, r.http);
    this.flows.add(r);
    this.settle(r.seq - this.retainSlots);
    // The interval's channel count comes from its own report: a sample taken at the same
    // instant as the flush may travel in the next report, so a lookup by time could miss it.
    if (r.samples.length > 0) slot.lastEstablished.set(r.worker, r.samples[r.samples.length - 1][1]);
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
    {
      const s = this.slots.get(seq)!;
      const pct = s.frozen ?? slotPercentiles(s.hists!);
      const failuresByCode: Record<string, number> = {};
      addMap(failuresByCode, s.counters.failuresByCode);
      return {
        t: seq + 1,
        active: sum(s.lastEstablished.values()),
        offered: s.offered,
        attempts: s.counters.attempts,
        answers: s.counters.answers,
        failures: s.counters.failures,
        blocked: s.counters.blocked,
        setupMsP50: pct.setupMsP50,
        setupMsP95: pct.setupMsP95,
        setupMsP99: pct.setupMsP99,
        failuresByCode,
        scheduleSlipMsP99: pct.scheduleSlipMsP99,
        eventLoopLagMsP99: s.lagP99,
        ...(s.http.size > 0 ? { http: httpPoint(s.http) } : {}),
        ...this.flows.point(seq),
      };
    }
  }

  /**
   * Counters, setup/PDD histograms and each HTTP load's requests merged over the report
   * intervals [firstSeq, endSeq) (one capacity-search step), and the fewest workers any of
   * those intervals has heard from.
   */
  window(firstSeq: number, endSeq: number): WindowData {
    const out: WindowData = {
      counters: emptyCounters(),
      setup: createLatencyHistogram(),
      pdd: createLatencyHistogram(),
      http: new Map(),
      minWorkers: Infinity,
    };
    for (let seq = firstSeq; seq < endSeq; seq++) {
      const slot = this.slots.get(seq);
      out.minWorkers = Math.min(out.minWorkers, slot?.workers.size ?? 0);
      if (slot === undefined) continue;
      if (slot.hists === null) throw new Error(`Aggregator.window: interval ${seq} was settled; construct the Aggregator with retainSlots covering the window`);
      addCounters(out.counters, slot.counters);
      mergeInto(out.setup, slot.hists.setup);
      mergeInto(out.pdd, slot.hists.pdd);
      for (const [name, h] of slot.http) {
        let w = out.http.get(name);
        if (w === undefined) out.http.set(name, (w = { hist: createLatencyHistogram(), settled: 0, completed: 0, errors: 0 }));
        w.settled += h.settled;
        w.completed += h.completed;
        w.errors += h.errors;
        // Settled together with the slot's SIP histograms (checked above).
        if (h.hist !== null) mergeInto(w.hist, h.hist);
      }
    }
    if (out.minWorkers === Infinity) out.minWorkers = 0;
    return out;
  }

  /** Freezes the percentiles of the slots up to `seq` and frees their histograms. */
  private settle(seq: number): void {
    for (let k = this.settled + 1; k <= seq; k++) {
      const s = this.slots.get(k);
      if (s === undefined || s.hists === null) continue;
      s.frozen = slotPercentiles(s.hists);
      s.hists = null;
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

function slotPercentiles(h: NonNullable<Slot['hists']>): SlotPercentiles {
  return {
    setupMsP50: percentileMs(h.setup, 50),
    setupMsP95: percentileMs(h.setup, 95),
    setupMsP99: percentileMs(h.setup, 99),
    scheduleSlipMsP99: percentileMs(h.slip, 99),
  };
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
