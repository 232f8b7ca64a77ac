/**
 * Main-thread aggregation: merges the workers' IntervalReports into run totals
 * and a per-second timeline. Histograms are merged bucket by bucket (never
 * averaged), concurrency samples are summed across workers by sample index.
 */
import { createLatencyHistogram, decodeHistogram, mergeInto, percentileMs, summarizeMs, type Histogram } from '../metrics/histograms.js';
import { addCounters, addMap, emptyCounters, type Counters, type IntervalReport } from './protocol.js';
import { emptyBucket, type HttpBucket, type HttpIntervalData } from './http-runs.js';
import { FlowAggregate, type FlowPoint, type OutboundPoint } from './flow-aggregate.js';

/** Merges one report's HTTP data into each of `targets` (run totals and the interval's slot), decoding each histogram once. */
function addHttp(targets: ReadonlyArray<Map<string, HttpBucket>>, data: Record<string, HttpIntervalData>): void {
  for (const name in data) {
    const d = data[name];
    const hist = decodeHistogram(d.hist);
    for (const into of targets) {
      let a = into.get(name);
      if (a === undefined) into.set(name, (a = emptyBucket()));
      mergeInto(a.hist, hist);
      a.settled += d.settled;
      a.completed += d.completed;
      addMap(a.statusCodes, d.statusCodes);
      addMap(a.errorsByCause, d.errorsByCause);
    }
  }
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

interface Slot {
  workers: Set<number>;
  counters: Counters;
  offered: number;
  setup: Histogram;
  pdd: Histogram;
  slip: Histogram;
  lagP99: number;
  http: Map<string, HttpBucket>;
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
  private readonly slots = new Map<number, Slot>();
  private readonly points = new Map<number, TimelinePoint>();
  /** Whole-run event-loop lag p99 per worker (latest report wins). */
  private readonly lagRunP99 = new Map<number, number>();
  /** Worst per-interval p99 (for the timeline's story), and the run-wide p99 used for validity. */
  eventLoopLagMsP99Max = 0;
  eventLoopLagMsMax = 0;
  heapUsedBytesMax = 0;
  private readonly heapByWorker = new Map<number, number>();

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
    }
    this.eventLoopLagMsP99Max = Math.max(this.eventLoopLagMsP99Max, r.eventLoopLagMsP99);
    this.eventLoopLagMsMax = Math.max(this.eventLoopLagMsMax, r.eventLoopLagMsMax);
    this.heapByWorker.set(r.worker, r.heapUsedBytes);
    let heap = 0;
    for (const v of this.heapByWorker.values()) heap += v;
    this.heapUsedBytesMax = Math.max(this.heapUsedBytesMax, heap);

    let slot = this.slots.get(r.seq);
    if (slot === undefined) {
      slot = { workers: new Set(), counters: emptyCounters(), offered: 0, setup: createLatencyHistogram(), pdd: createLatencyHistogram(), slip: createLatencyHistogram(), lagP99: 0, http: new Map(), lastEstablished: new Map() };
      this.slots.set(r.seq, slot);
    }
    slot.workers.add(r.worker);
    this.points.delete(r.seq);
    this.lagRunP99.set(r.worker, r.eventLoopLagMsP99Run);
    addCounters(slot.counters, r.counters);
    slot.offered += r.offered;
    mergeInto(slot.setup, setup);
    mergeInto(slot.pdd, pdd);
    mergeInto(slot.slip, slip);
    slot.lagP99 = Math.max(slot.lagP99, r.eventLoopLagMsP99);
    addHttp([this.http, slot.http], r.http);
    this.flows.add(r);
    // The interval's channel count comes from its own report: a sample taken at the same
    // instant as the flush may travel in the next report, so a lookup by time could miss it.
    if (r.samples.length > 0) slot.lastEstablished.set(r.worker, r.samples[r.samples.length - 1][1]);
  }

  /** Established calls summed over workers, one value per 100 ms sample: [tMs, established, inProgress]. */
  concurrencySeries(): Array<[number, number, number]> {
    const keys = [...this.samples.keys()].sort((a, b) => a - b);
    return keys.map((k) => {
      let est = 0;
      let prog = 0;
      for (const [e, p] of this.samples.get(k)!.values()) {
        est += e;
        prog += p;
      }
      return [k * 100, est, prog];
    });
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
        setupMsP50: percentileMs(s.setup, 50),
        setupMsP95: percentileMs(s.setup, 95),
        setupMsP99: percentileMs(s.setup, 99),
        failuresByCode,
        scheduleSlipMsP99: percentileMs(s.slip, 99),
        eventLoopLagMsP99: s.lagP99,
        ...(s.http.size > 0 ? { http: httpPoint(s.http) } : {}),
        ...this.flows.point(seq),
      };
    }
  }

  /**
   * Counters and setup/PDD histograms merged over the report intervals [firstSeq, endSeq)
   * (one capacity-search step), and the fewest workers any of those intervals has heard from.
   */
  window(firstSeq: number, endSeq: number): { counters: Counters; setup: Histogram; pdd: Histogram; minWorkers: number } {
    const out = { counters: emptyCounters(), setup: createLatencyHistogram(), pdd: createLatencyHistogram(), minWorkers: Infinity };
    for (let seq = firstSeq; seq < endSeq; seq++) {
      const slot = this.slots.get(seq);
      out.minWorkers = Math.min(out.minWorkers, slot?.workers.size ?? 0);
      if (slot === undefined) continue;
      addCounters(out.counters, slot.counters);
      mergeInto(out.setup, slot.setup);
      mergeInto(out.pdd, slot.pdd);
    }
    if (out.minWorkers === Infinity) out.minWorkers = 0;
    return out;
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

function httpPoint(m: Map<string, HttpBucket>): NonNullable<TimelinePoint['http']> {
  const out: NonNullable<TimelinePoint['http']> = {};
  for (const [name, a] of m) {
    let errors = 0;
    for (const k in a.errorsByCause) errors += a.errorsByCause[k];
    out[name] = { completed: a.completed, errors, latencyMsP95: percentileMs(a.hist, 95) };
  }
  return out;
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}
