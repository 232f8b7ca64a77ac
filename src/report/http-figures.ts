/**
 * The HTTP parts of results.json the report reads — summary.http (throughput
 * loads), summary.httpFlows (scripted flows) and summary.outbound (calls the
 * platform placed to callcert's UAS) — as declared in results/schema.ts (read.ts
 * has validated the document and migrated older ones, so every field is there).
 */
import type { FlowResults, HttpLoadResults, LatencySummaryJson, OutboundResults, Results } from '../results/schema.js';

export type Dist = LatencySummaryJson;
export type HttpLoadFigures = HttpLoadResults;
export type FlowFigures = FlowResults;
export type FlowStepFigures = FlowResults['steps'][string];
export type OutboundFigures = OutboundResults;

export const httpLoadsOf = (r: Results): Record<string, HttpLoadFigures> => r.summary.http;
export const httpFlowsOf = (r: Results): Record<string, FlowFigures> => r.summary.httpFlows;
export const outboundOf = (r: Results): OutboundFigures | null => r.summary.outbound;

/** "k×n" pairs of a count map, in key order, or "—" when empty. */
export function counts(m: Record<string, number> | null): string {
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
    for (const [step, st] of Object.entries(f.steps)) {
      if (!/record/i.test(step)) continue;
      let ok = 0;
      for (const [code, n] of Object.entries(st.statusCodes)) if (/^2\d\d$/.test(code)) ok += n;
      let errors = 0;
      for (const n of Object.values(st.errors)) errors += n;
      out.push({ flow, step, attempts: st.count, succeeded: st.count - errors, ok2xx: ok, errors });
    }
  }
  return out;
}
