/**
 * The HTTP parts of results.json the report reads — summary.http (throughput
 * loads), summary.httpFlows (scripted flows) and summary.outbound (calls the
 * platform placed to callcert's UAS) — typed loosely and read defensively:
 * older results lack them, and newer ones may carry fields this version does
 * not know (they are ignored, never guessed at).
 */
import type { Results } from '../results/summary.js';

export interface Dist {
  count: number;
  min?: number | null;
  mean: number | null;
  p50: number | null;
  p90?: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface HttpLoadFigures {
  method?: string;
  url?: string;
  /** How the load was generated (e.g. fixed-rate, throughput), when recorded. */
  mode?: string;
  connections?: number;
  pipelining?: number;
  requests: number;
  sent?: number;
  completed: number;
  dropped?: number;
  offeredRps?: number | null;
  rps: number;
  latencyMs: Dist;
  statusCodes?: Record<string, number>;
  errors?: { total: number; byCause?: Record<string, number> };
  timeouts?: number;
  measurement?: string;
}

export interface FlowStepFigures {
  kind?: string;
  count: number;
  latencyMs: Dist | null;
  statusCodes?: Record<string, number>;
  errors?: Record<string, number>;
}

export interface FlowFigures {
  started: number;
  completed: number;
  failed: number;
  blocked: number;
  errorsByCause?: Record<string, number>;
  unexpectedStatus?: Record<string, number>;
  flowMs: Dist | null;
  steps?: Record<string, FlowStepFigures>;
}

export interface OutboundFigures {
  calls: { offered: number; answered: number; completed: number; failed: number; uncorrelated?: number; unfinished?: number };
  concurrency: { peak: number; sustained: number | null; sustainedWindowMs?: [number, number] | null };
  dialLatencyMs: Dist;
  concurrencySeries?: { sampleMs: number; rows: Array<[number, number]> };
}

type Loose = { http?: Record<string, HttpLoadFigures> | null; httpFlows?: Record<string, FlowFigures> | null; outbound?: OutboundFigures | null };

export const httpLoadsOf = (r: Results): Record<string, HttpLoadFigures> => (r.summary as Loose).http ?? {};
export const httpFlowsOf = (r: Results): Record<string, FlowFigures> => (r.summary as Loose).httpFlows ?? {};
export const outboundOf = (r: Results): OutboundFigures | null => (r.summary as Loose).outbound ?? null;

/** "k×n" pairs of a count map, in key order, or "—" when empty. */
export function counts(m: Record<string, number> | null | undefined): string {
  const e = Object.entries(m ?? {}).filter(([, n]) => n > 0);
  return e.length === 0 ? '—' : e.map(([k, n]) => `${k}×${n}`).join(', ');
}

/**
 * Evidence that recordings were retrievable: flow steps named like "recording"
 * and how their attempts ended (a step's `count` includes its failures). Only
 * the step names and counts measured are returned; the caller decides what they prove.
 */
export interface StepEvidence { flow: string; step: string; attempts: number; succeeded: number; ok2xx: number; errors: number }

export function recordingEvidence(r: Results): StepEvidence[] {
  const out: StepEvidence[] = [];
  for (const [flow, f] of Object.entries(httpFlowsOf(r))) {
    for (const [step, st] of Object.entries(f.steps ?? {})) {
      if (!/record/i.test(step)) continue;
      let ok = 0;
      for (const [code, n] of Object.entries(st.statusCodes ?? {})) if (/^2\d\d$/.test(code)) ok += n;
      let errors = 0;
      for (const n of Object.values(st.errors ?? {})) errors += n;
      out.push({ flow, step, attempts: st.count, succeeded: st.count - errors, ok2xx: ok, errors });
    }
  }
  return out;
}
