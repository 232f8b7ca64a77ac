/**
 * The flow and outbound parts of the main-thread merge that are not series (their counters and
 * histograms are merged with every other series, metrics/measures.ts addMeasures): the first
 * failure example of each cause per flow, the UAS's established calls summed across workers per
 * 100 ms sample, and the per-second flow and outbound timeline fields, read from a timeline
 * slot's merged series.
 */
import type { TrendName } from '../catalog.js';
import type { Histogram } from '../histograms.js';
import { lastTags, total, UNTAGGED, type Measures } from '../measures.js';
import type { IntervalReport } from '../interval.js';

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

/** What a timeline slot tells of its trends: the tag keys a trend has there, and one key's p95 (live or frozen). */
export interface SlotTrends {
  keys(name: TrendName): string[];
  p95(name: TrendName, key: string): number | null;
}

export class FlowAggregate {
  /** Flow → cause → the first failure of that cause, in words. */
  private readonly examples = new Map<string, Record<string, string>>();
  /** sample index (×100 ms) → worker → established UAS calls */
  private readonly samples = new Map<number, Map<number, number>>();
  /** Interval → worker → its last established-UAS sample in that interval's report. */
  private readonly last = new Map<number, Map<number, number>>();

  add(r: IntervalReport): void {
    for (const flow in r.flowExamples) {
      const from = r.flowExamples[flow];
      let into = this.examples.get(flow);
      if (into === undefined) this.examples.set(flow, (into = {}));
      for (const k in from) into[k] ??= from[k];
    }
    const s = r.outboundSamples;
    if (s === undefined) return;
    for (const [k, est] of s) {
      let m = this.samples.get(k);
      if (m === undefined) this.samples.set(k, (m = new Map()));
      m.set(r.worker, est);
    }
    if (s.length === 0) return;
    let last = this.last.get(r.seq);
    if (last === undefined) this.last.set(r.seq, (last = new Map()));
    last.set(r.worker, s[s.length - 1][1]);
  }

  /** The first failure of each cause of a flow, merged over the run. */
  examplesOf(flow: string): Record<string, string> | undefined {
    return this.examples.get(flow);
  }

  /** Established UAS calls summed over workers: [tMs, established] per 100 ms sample. */
  series(): Array<[number, number]> {
    return [...this.samples.keys()].sort((a, b) => a - b).map((k) => {
      let n = 0;
      for (const v of this.samples.get(k)!.values()) n += v;
      return [k * 100, n];
    });
  }

  /** Timeline fields of second `seq` from its slot's series (empty when there are no flows and no UAS). */
  point(seq: number, m: Measures<Histogram>, t: SlotTrends): { flows?: Record<string, FlowPoint>; outbound?: OutboundPoint } {
    const out: { flows?: Record<string, FlowPoint>; outbound?: OutboundPoint } = {};
    const c = m.counters;
    const flows = t.keys('flow_ms');
    if (flows.length > 0) {
      out.flows = {};
      for (const name of flows) {
        out.flows[name] = {
          started: c.flows_started?.[name] ?? 0,
          completed: c.flows_completed?.[name] ?? 0,
          failed: total(lastTags(c.flow_failures, [name])),
          blocked: c.flows_blocked?.[name] ?? 0,
          flowMsP95: t.p95('flow_ms', name),
        };
      }
    }
    if (t.keys('dial_latency_ms').length > 0) {
      let est = 0;
      for (const v of this.last.get(seq)?.values() ?? []) est += v;
      out.outbound = {
        offered: c.outbound_offered?.[UNTAGGED] ?? 0,
        answered: c.outbound_answered?.[UNTAGGED] ?? 0,
        established: est,
        dialMsP95: t.p95('dial_latency_ms', UNTAGGED),
      };
    }
    return out;
  }
}
