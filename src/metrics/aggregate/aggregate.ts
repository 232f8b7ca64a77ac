/**
 * Main-thread aggregation: merges the workers' IntervalReports into run totals
 * and a per-second timeline. Every counter and histogram is a catalogue series,
 * merged by the one generic merge (metrics/measures.ts addMeasures): histograms
 * bucket by bucket (never averaged), counters summed. Concurrency samples are
 * summed across workers by sample index.
 */
import type { TrendName } from '../catalog.js';
import { createLatencyHistogram, percentileMs, summarizeMs, unscaleMs, type Histogram } from '../histograms.js';
import { addMeasures, decodeMeasures, emptyMeasures, lastTags, total, UNTAGGED, type Measures } from '../measures.js';
import { FlowAggregate, type FlowPoint, type OutboundPoint, type SlotTrends } from './flow-aggregate.js';
import {
  countersOf, flowOf, httpLoadOf, outboundOf, SETTLE_SLOTS,
  type Counters, type FlowBucket, type HttpBucket, type IntervalReport, type OutboundBucket,
} from '../interval.js';

/**
 * The trends a timeline slot keeps, and the percentiles its point reads from each (pdd_ms: none, window() reads it).
 * The others (pdd_failed_ms, sdd_ms, flow steps) only go to the run totals.
 */
const SLOT_PERCENTILES: { readonly [N in TrendName]?: readonly number[] } = {
  setup_ms: [50, 95, 99], pdd_ms: [], schedule_slip_ms: [99], http_latency_ms: [95], flow_ms: [95], dial_latency_ms: [95],
  rtp_live_jitter_ms: [95], mos_cqe_live: [5, 50], media_send_slip_ms: [99], rtp_live_loss_ratio: [],
};
/**
 * The trends window() merges: what a search step judges (setup_ms, pdd_ms, http_latency_ms criteria; the media
 * ones on the live streams' seconds).
 */
const WINDOW_TRENDS: ReadonlySet<TrendName> = new Set<TrendName>([
  'setup_ms', 'pdd_ms', 'http_latency_ms', 'mos_cqe_live', 'rtp_live_loss_ratio', 'rtp_live_jitter_ms',
  // The generator's own health over the step (verdict/search-steps.ts).
  'schedule_slip_ms', 'media_send_slip_ms',
]);

/**
 * A second this many intervals behind the newest report, and its settling, is compacted: its point is
 * computed once and kept, the slot (its counters, worker sets) and its 100 ms samples' per-worker
 * entries (their sums stay in the series) are dropped, so the main thread holds per second only what
 * results.json carries (a 24-hour run's slots would otherwise hold ~0.9 GB, measured: docs/stability.md).
 * A report for a compacted second (a worker more than a minute late) still adds everything to the run
 * totals and its SIP counts to the second's point; its per-second HTTP, flow and media figures are not
 * in that point, and its percentiles were frozen at settling, as for any late report.
 */
export const COMPACT_LAG_SLOTS = 60;

/** What Aggregator.window() merges for one capacity-search step. */
export interface WindowData {
  /** Every counter of the window's intervals, and their WINDOW_TRENDS. */
  measures: Measures<Histogram>;
  counters: Counters;
  setup: Histogram;
  pdd: Histogram;
  /** One HTTP load's requests within the window (rps = completed / window length); undefined: none. */
  http(name: string): HttpBucket | undefined;
  minWorkers: number;
  /** Per interval of the window: its event-loop lag p99 (the worst worker's), in ms. */
  lagMsP99s: number[];
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
  /** The caller legs' voice in this second (absent without call.media). */
  media?: MediaPoint;
  /** callcert's own memory in this second (see MemoryPoint). */
  memory: MemoryPoint;
}

/**
 * callcert's own memory in one second: the process's resident set and the main thread's V8 heap,
 * sampled by the main thread once a second (recordMainMemory; null for a second no sample fell
 * in), and the workers' heaps at the end of the interval, summed over the workers that reported it.
 */
export interface MemoryPoint {
  rssBytes: number | null;
  mainHeapUsedBytes: number | null;
  workersHeapUsedBytes: number;
}

/** One period (an hour of the stability window) merged over its intervals: every counter, and setup_ms. */
export interface PeriodData {
  /** The period's bounds, ms after run start: an interval belongs to the period its start falls in. */
  startMs: number;
  endMs: number;
  counters: Counters;
  setup: Histogram;
}

/** One second of the live streams' media (engine/worker/media-live.ts). */
export interface MediaPoint {
  /** Streams that gave a whole-second sample (their jitter and MOS are in the percentiles). */
  streams: number;
  packetsSent: number;
  packetsReceived: number;
  expected: number;
  lost: number;
  /** max(0, lost) ÷ expected over the second; null when nothing was expected. */
  lossRatio: number | null;
  jitterMsP95: number | null;
  mosCqeP5: number | null;
  mosCqeP50: number | null;
  sendSlipMsP99: number | null;
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
  /** Per worker: its last concurrency sample in this interval's report. */
  lastEstablished: Map<number, number>;
  /** Per worker: its heap at the end of this interval. */
  heapByWorker: Map<number, number>;
}

/** A slot's trend keys (live, and frozen ones) and percentiles. */
function slotTrends(s: Slot): SlotTrends & { pct(name: TrendName, key: string, p: number): number | null } {
  const pct = (name: TrendName, key: string, p: number): number | null => {
    const h = s.m.trends[name]?.[key];
    if (h !== undefined) return percentileMs(h, p);
    return s.frozen?.[name]?.[key]?.[p] ?? null;
  };
  return {
    keys: (name) => [...new Set([...Object.keys(s.frozen?.[name] ?? {}), ...Object.keys(s.m.trends[name] ?? {})])],
    p95: (name, key) => pct(name, key, 95),
    pct,
  };
}

export class Aggregator {
  /** Every series over the whole run. */
  readonly totals: Measures<Histogram> = emptyMeasures();
  /** Flow examples, the UAS's concurrency series, flow and outbound timeline fields. */
  private readonly flows = new FlowAggregate();
  /** sample index (×100 ms) → worker → [established, inProgress] */
  private readonly samples = new Map<number, Map<number, [number, number]>>();
  /** concurrencySeries() as last computed, valid below sample index seriesDirtyFrom. */
  private series: Array<[number, number, number]> = [];
  private seriesDirtyFrom = Infinity;
  private seriesMaxKey = -Infinity;
  private readonly slots = new Map<number, Slot>();
  private readonly points = new Map<number, TimelinePoint>();
  /** Points of compacted seconds (their slots are gone), by seq. */
  private readonly compacted = new Map<number, TimelinePoint>();
  /** Seconds below this are compacted (or had no slot); samples below compactedBelow × 10 are summed in `series` only. */
  private compactedBelow = 0;
  /** Whole-run event-loop lag p99 per worker (latest report wins). */
  private readonly lagRunP99 = new Map<number, number>();
  /** Worst per-interval p99 (for the timeline's story), and the run-wide p99 used for validity. */
  eventLoopLagMsP99Max = 0;
  eventLoopLagMsMax = 0;
  heapUsedBytesMax = 0;
  private readonly heapByWorker = new Map<number, number>();
  /** Highest slot whose histograms were freed. */
  private settled = -1;
  /** Reports that came for a compacted second (see COMPACT_LAG_SLOTS). */
  lateReports = 0;
  /** Interval seq → [rss, main heap] sampled by the main thread in it. */
  private readonly mainMemory = new Map<number, [number, number]>();
  /** The stability window's hours (trackPeriods): bounds, and their merged counters and setup_ms. */
  private periodBounds: Array<{ startMs: number; endMs: number }> = [];
  private readonly periodData = new Map<number, Measures<Histogram>>();

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

  /** One HTTP load over the run so far; undefined before any of its intervals came. */
  httpLoad(name: string): HttpBucket | undefined {
    return httpLoadOf(this.totals, name);
  }

  /** One HTTP flow over the run so far (with its first failure examples); undefined before any of its intervals came. */
  flow(name: string): FlowBucket | undefined {
    return flowOf(this.totals, name, this.flows.examplesOf(name));
  }

  /** The run's UAS over the run so far; null without one. */
  outbound(): OutboundBucket | null {
    return outboundOf(this.totals);
  }

  /** Established UAS calls summed over workers: [tMs, established] per 100 ms sample. */
  outboundSeries(): Array<[number, number]> {
    return this.flows.series();
  }

  /**
   * Merges every later interval whose start falls in one of `periods` ([startMs, endMs) after run start,
   * in order, not overlapping) into that period's counters and setup_ms histogram, exactly: the per-hour
   * figures of a stability run (docs/stability.md). Call before the first report.
   */
  trackPeriods(periods: ReadonlyArray<{ startMs: number; endMs: number }>): void {
    this.periodBounds = periods.map((p) => ({ startMs: p.startMs, endMs: p.endMs }));
  }

  /** The tracked periods, merged so far (a period no interval fell in has zero counts). */
  periods(): PeriodData[] {
    return this.periodBounds.map((b, i) => {
      const m = this.periodData.get(i);
      return {
        ...b,
        counters: countersOf(m ?? emptyMeasures()),
        setup: m?.trends.setup_ms?.[UNTAGGED] ?? createLatencyHistogram(),
      };
    });
  }

  private periodOf(seq: number): number {
    const ms = seq * 1000;
    const b = this.periodBounds;
    if (b.length === 0 || ms < b[0].startMs || ms >= b[b.length - 1].endMs) return -1;
    let lo = 0;
    let hi = b.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (b[mid].startMs <= ms) lo = mid;
      else hi = mid - 1;
    }
    return ms < b[lo].endMs ? lo : -1;
  }

  /**
   * The main thread's memory sample taken `elapsedMs` after run start: its process RSS and its own
   * V8 heap, kept for the timeline second it fell in (the last sample of a second wins).
   */
  recordMainMemory(elapsedMs: number, rssBytes: number, heapUsedBytes: number): void {
    if (!(elapsedMs >= 0)) return;
    const seq = Math.floor(elapsedMs / 1000);
    this.mainMemory.set(seq, [rssBytes, heapUsedBytes]);
    this.points.delete(seq);
  }

  /** Adds a report; returns its series with the histograms decoded (the caller must not change them). */
  add(r: IntervalReport): Measures<Histogram> {
    const m = decodeMeasures(r);
    addMeasures(this.totals, m);
    const period = this.periodOf(r.seq);
    if (period >= 0) {
      let pm = this.periodData.get(period);
      if (pm === undefined) this.periodData.set(period, (pm = emptyMeasures()));
      addMeasures(pm, m, (name) => name === 'setup_ms');
    }
    for (const [k, est, prog] of r.samples) {
      if (k < this.compactedBelow * 10) {
        this.addToSeries(k, est, prog);
        continue;
      }
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

    if (r.seq < this.compactedBelow) {
      this.addLate(r, m);
      return m;
    }
    let slot = this.slots.get(r.seq);
    if (slot === undefined) {
      slot = { workers: new Set(), m: emptyMeasures(), frozen: null, lagP99: 0, lastEstablished: new Map(), heapByWorker: new Map() };
      this.slots.set(r.seq, slot);
    }
    slot.workers.add(r.worker);
    slot.heapByWorker.set(r.worker, r.heapUsedBytes);
    this.points.delete(r.seq);
    this.lagRunP99.set(r.worker, r.eventLoopLagMsP99Run);
    // A report later than the settling window adds counts but no longer moves the frozen percentiles
    // (a trend key the slot has not seen yet still gets its histogram).
    const s = slot;
    addMeasures(s.m, m, (name, key) => SLOT_PERCENTILES[name] !== undefined && s.frozen?.[name]?.[key] === undefined);
    s.lagP99 = Math.max(s.lagP99, r.eventLoopLagMsP99);
    this.flows.add(r);
    this.settle(r.seq - this.retainSlots);
    this.compact(r.seq - this.retainSlots - COMPACT_LAG_SLOTS);
    // The interval's channel count comes from its own report: a sample taken at the same
    // instant as the flush may travel in the next report, so a lookup by time could miss it.
    if (r.samples.length > 0) s.lastEstablished.set(r.worker, r.samples[r.samples.length - 1][1]);
    return m;
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
    const live = [...this.slots.keys()].sort((a, b) => a - b).map((seq) => this.cachedPoint(seq));
    // Compacted seconds are all below the live ones, and a Map iterates in insertion order (compaction's, ascending).
    return [...this.compacted.values(), ...live];
  }

  /** The newest second's point (the live view's, every second), without building the whole timeline. */
  lastPoint(): TimelinePoint | undefined {
    let max = -1;
    for (const seq of this.slots.keys()) if (seq > max) max = seq;
    if (max >= 0) return this.cachedPoint(max);
    let last: TimelinePoint | undefined;
    for (const p of this.compacted.values()) last = p;
    return last;
  }

  private cachedPoint(seq: number): TimelinePoint {
    let point = this.points.get(seq);
    if (point === undefined) {
      point = this.point(seq);
      this.points.set(seq, point);
    }
    return point;
  }

  /** Keeps the points of the seconds below `seq` and drops their slots and per-worker samples (COMPACT_LAG_SLOTS). */
  private compact(seq: number): void {
    if (seq < this.compactedBelow || seq > this.settled) return;
    // The series must hold every sample about to be dropped.
    this.concurrencySeries();
    for (let k = this.compactedBelow; k < seq; k++) {
      if (this.slots.has(k)) {
        this.compacted.set(k, this.cachedPoint(k));
        this.slots.delete(k);
        this.points.delete(k);
      }
      this.mainMemory.delete(k);
      for (let i = k * 10; i < (k + 1) * 10; i++) this.samples.delete(i);
    }
    this.compactedBelow = seq;
  }

  /** A report for a compacted second: its SIP counts into that second's point (the totals already have everything). */
  private addLate(r: IntervalReport, m: Measures<Histogram>): void {
    this.lateReports++;
    const old = this.compacted.get(r.seq);
    if (old === undefined) return;
    // A new point: timelines handed out before keep theirs.
    const p: TimelinePoint = { ...old, failuresByCode: { ...old.failuresByCode } };
    this.compacted.set(r.seq, p);
    const c = countersOf(m);
    p.offered += c.offered;
    p.attempts += c.attempts;
    p.answers += c.answers;
    p.failures += c.failures;
    p.blocked += c.blocked;
    for (const [code, n] of Object.entries(c.failuresByCode)) p.failuresByCode[code] = (p.failuresByCode[code] ?? 0) + n;
  }

  /** A late sample for an index whose per-worker entries were dropped: summed into its series row. */
  private addToSeries(k: number, est: number, prog: number): void {
    const rows = this.series;
    const tMs = k * 100;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid][0] < tMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo < rows.length && rows[lo][0] === tMs) {
      rows[lo] = [tMs, rows[lo][1] + est, rows[lo][2] + prog];
    } else {
      rows.splice(lo, 0, [tMs, est, prog]);
    }
  }

  private point(seq: number): TimelinePoint {
    const s = this.slots.get(seq)!;
    const t = slotTrends(s);
    const c = countersOf(s.m);
    const loads = t.keys('http_latency_ms');
    return {
      t: seq + 1,
      active: sum(s.lastEstablished.values()),
      offered: c.offered,
      attempts: c.attempts,
      answers: c.answers,
      failures: c.failures,
      blocked: c.blocked,
      setupMsP50: t.pct('setup_ms', UNTAGGED, 50),
      setupMsP95: t.pct('setup_ms', UNTAGGED, 95),
      setupMsP99: t.pct('setup_ms', UNTAGGED, 99),
      failuresByCode: c.failuresByCode,
      scheduleSlipMsP99: t.pct('schedule_slip_ms', UNTAGGED, 99),
      eventLoopLagMsP99: s.lagP99,
      ...(loads.length > 0 ? { http: httpPoint(s.m, loads, t) } : {}),
      ...this.flows.point(seq, s.m, t),
      ...(s.m.counters.rtp_live_packets_sent !== undefined ? { media: mediaPoint(s.m, t) } : {}),
      memory: {
        rssBytes: this.mainMemory.get(seq)?.[0] ?? null,
        mainHeapUsedBytes: this.mainMemory.get(seq)?.[1] ?? null,
        workersHeapUsedBytes: sum(s.heapByWorker.values()),
      },
    };
  }

  /**
   * Counters, setup/PDD histograms and each HTTP load's requests merged over the report
   * intervals [firstSeq, endSeq) (one capacity-search step), and the fewest workers any of
   * those intervals has heard from.
   */
  window(firstSeq: number, endSeq: number): WindowData {
    const m = emptyMeasures<Histogram>();
    let minWorkers = Infinity;
    const lagMsP99s: number[] = [];
    for (let seq = firstSeq; seq < endSeq; seq++) {
      const slot = this.slots.get(seq);
      minWorkers = Math.min(minWorkers, slot?.workers.size ?? 0);
      if (slot === undefined) continue;
      lagMsP99s.push(slot.lagP99);
      if (slot.frozen !== null) throw new Error(`Aggregator.window: interval ${seq} was settled; construct the Aggregator with retainSlots covering the window`);
      addMeasures(m, slot.m, (name) => WINDOW_TRENDS.has(name));
    }
    return {
      measures: m,
      counters: countersOf(m),
      setup: m.trends.setup_ms?.[UNTAGGED] ?? createLatencyHistogram(),
      pdd: m.trends.pdd_ms?.[UNTAGGED] ?? createLatencyHistogram(),
      http: (name) => httpLoadOf(m, name),
      minWorkers: minWorkers === Infinity ? 0 : minWorkers,
      lagMsP99s,
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

function httpPoint(m: Measures<Histogram>, loads: readonly string[], t: SlotTrends): NonNullable<TimelinePoint['http']> {
  const out: NonNullable<TimelinePoint['http']> = {};
  for (const name of loads) {
    out[name] = {
      completed: total(lastTags(m.counters.http_responses, [name])),
      errors: total(lastTags(m.counters.http_errors, [name])),
      latencyMsP95: t.p95('http_latency_ms', name),
    };
  }
  return out;
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}

/** A slot's media second: the live counters, and the percentiles of its live trends (MOS read back ÷ 1000). */
function mediaPoint(m: Measures<Histogram>, t: ReturnType<typeof slotTrends>): MediaPoint {
  const c = (name: 'rtp_live_packets_sent' | 'rtp_live_packets_received' | 'rtp_live_packets_expected' | 'rtp_live_packets_lost') =>
    m.counters[name]?.[UNTAGGED] ?? 0;
  const expected = c('rtp_live_packets_expected');
  const lost = c('rtp_live_packets_lost');
  const mos = (p: number) => unscaleMs(t.pct('mos_cqe_live', UNTAGGED, p), 3);
  return {
    streams: m.counters.rtp_live_streams?.[UNTAGGED] ?? 0,
    packetsSent: c('rtp_live_packets_sent'),
    packetsReceived: c('rtp_live_packets_received'),
    expected,
    lost,
    lossRatio: expected > 0 ? Math.round((Math.max(0, lost) / expected) * 1e6) / 1e6 : null,
    jitterMsP95: t.pct('rtp_live_jitter_ms', UNTAGGED, 95),
    mosCqeP5: mos(5),
    mosCqeP50: mos(50),
    sendSlipMsP99: t.pct('media_send_slip_ms', UNTAGGED, 99),
  };
}
