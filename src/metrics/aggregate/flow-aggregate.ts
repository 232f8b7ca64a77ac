/**
 * Main-thread merging of the workers' flow and UAS reports (engine/flow-runs.ts): run
 * totals per flow and per step (histograms merged bucket-wise), the outbound
 * legs and dial latency, established UAS calls summed across workers per 100 ms
 * sample, and per-second timeline figures.
 */
import { createLatencyHistogram, decodeHistogram, mergeInto, percentileMs, type Histogram } from '../histograms.js';
import { addMap, SETTLE_SLOTS, type IntervalReport, emptyFlowBucket, emptyOutboundBucket, emptyStepBucket, type FlowBucket, type FlowIntervalData, type OutboundBucket } from '../interval.js';

/** One second of one flow in the timeline. */
export interface FlowPoint {
  started: number;
  completed: number;
  failed: number;
  blocked: number;
  flowMsP95: number | null;
}

/** One second of the UAS in the timeline. */
export interface OutboundPoint {
  offered: number;
  answered: number;
  /** Established UAS calls at the end of the second (sum over workers). */
  established: number;
  dialMsP95: number | null;
}

interface Slot {
  /** hist is dropped (null) once the slot is settled: see SETTLE_SLOTS. */
  flows: Map<string, { counts: FlowPoint; hist: Histogram | null }>;
  outbound: { offered: number; answered: number; dial: Histogram | null; dialMsP95: number | null; last: Map<number, number> } | null;
}

/** `hist` is d.hist decoded (once: the per-second slot merges it too). */
function mergeFlow(into: FlowBucket, d: FlowIntervalData, hist: Histogram): void {
  mergeInto(into.hist, hist);
  into.started += d.started;
  into.completed += d.completed;
  into.failed += d.failed;
  into.blocked += d.blocked;
  addMap(into.errorsByCause, d.errorsByCause);
  addMap(into.unexpectedStatus, d.unexpectedStatus);
  for (const k in d.examples) into.examples[k] ??= d.examples[k];
  for (const name in d.steps) {
    const s = d.steps[name];
    const a = (into.steps[name] ??= emptyStepBucket());
    mergeInto(a.hist, decodeHistogram(s.hist));
    a.count += s.count;
    addMap(a.statusCodes, s.statusCodes);
    addMap(a.errors, s.errors);
  }
}

export class FlowAggregate {
  readonly flows = new Map<string, FlowBucket>();
  outbound: OutboundBucket | null = null;
  /** sample index (×100 ms) → worker → established UAS calls */
  private readonly samples = new Map<number, Map<number, number>>();
  private readonly slots = new Map<number, Slot>();

  add(r: IntervalReport): void {
    const flows = r.flows ?? {};
    let slot = this.slots.get(r.seq);
    if (slot === undefined) this.slots.set(r.seq, (slot = { flows: new Map(), outbound: null }));
    for (const name in flows) {
      const d = flows[name];
      let a = this.flows.get(name);
      if (a === undefined) this.flows.set(name, (a = emptyFlowBucket()));
      const hist = decodeHistogram(d.hist);
      mergeFlow(a, d, hist);
      let p = slot.flows.get(name);
      if (p === undefined)
        slot.flows.set(
          name,
          (p = { counts: { started: 0, completed: 0, failed: 0, blocked: 0, flowMsP95: null }, hist: createLatencyHistogram() }),
        );
      p.counts.started += d.started;
      p.counts.completed += d.completed;
      p.counts.failed += d.failed;
      p.counts.blocked += d.blocked;
      // A report later than the settling window adds counts but no longer moves the frozen p95.
      if (p.hist !== null) mergeInto(p.hist, hist);
    }
    this.settle(r.seq - SETTLE_SLOTS);
    const o = r.outbound;
    if (o === undefined || o === null) return;
    const ob = (this.outbound ??= emptyOutboundBucket());
    const dial = decodeHistogram(o.dialHist);
    mergeInto(ob.dialHist, dial);
    ob.offered += o.offered;
    ob.answered += o.answered;
    ob.completed += o.completed;
    ob.failed += o.failed;
    ob.uncorrelated += o.uncorrelated;
    ob.unfinished += o.unfinished;
    for (const [k, est] of o.samples) {
      let m = this.samples.get(k);
      if (m === undefined) this.samples.set(k, (m = new Map()));
      m.set(r.worker, est);
    }
    const so = (slot.outbound ??= { offered: 0, answered: 0, dial: createLatencyHistogram(), dialMsP95: null, last: new Map() });
    so.offered += o.offered;
    so.answered += o.answered;
    if (so.dial !== null) mergeInto(so.dial, dial);
    if (o.samples.length > 0) so.last.set(r.worker, o.samples[o.samples.length - 1][1]);
  }

  private settled = -1;

  /** Freezes the p95s of the seconds up to `seq` and drops their histograms. */
  private settle(seq: number): void {
    for (let k = this.settled + 1; k <= seq; k++) {
      const s = this.slots.get(k);
      if (s === undefined) continue;
      for (const p of s.flows.values()) {
        if (p.hist !== null) p.counts.flowMsP95 = percentileMs(p.hist, 95);
        p.hist = null;
      }
      if (s.outbound !== null && s.outbound.dial !== null) {
        s.outbound.dialMsP95 = percentileMs(s.outbound.dial, 95);
        s.outbound.dial = null;
      }
    }
    this.settled = Math.max(this.settled, seq);
  }

  /** Established UAS calls summed over workers: [tMs, established] per 100 ms sample. */
  series(): Array<[number, number]> {
    return [...this.samples.keys()].sort((a, b) => a - b).map((k) => {
      let n = 0;
      for (const v of this.samples.get(k)!.values()) n += v;
      return [k * 100, n];
    });
  }

  /** Timeline fields of second `seq` (empty when there are no flows and no UAS). */
  point(seq: number): { flows?: Record<string, FlowPoint>; outbound?: OutboundPoint } {
    const s = this.slots.get(seq);
    if (s === undefined) return {};
    const out: { flows?: Record<string, FlowPoint>; outbound?: OutboundPoint } = {};
    if (s.flows.size > 0) {
      out.flows = {};
      for (const [name, p] of s.flows)
        out.flows[name] = { ...p.counts, flowMsP95: p.hist === null ? p.counts.flowMsP95 : percentileMs(p.hist, 95) };
    }
    if (s.outbound !== null) {
      let est = 0;
      for (const v of s.outbound.last.values()) est += v;
      out.outbound = {
        offered: s.outbound.offered,
        answered: s.outbound.answered,
        established: est,
        dialMsP95: s.outbound.dial === null ? s.outbound.dialMsP95 : percentileMs(s.outbound.dial, 95),
      };
    }
    return out;
  }
}
