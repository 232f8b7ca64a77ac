/**
 * summary.httpFlows and summary.outbound of results.json, from the merged flow
 * and UAS series (the Aggregator's flow() and outbound() views, metrics/interval.ts).
 */
import type { Aggregator } from '../metrics/aggregate/aggregate.js';
import type { Scenario } from '../scenario/types.js';
import { summarizeMs } from '../metrics/histograms.js';
import type { FlowResults, OutboundResults } from './schema.js';
import { totalDurationMs } from '../load/stages.js';

/**
 * The outbound "sustained" window opens at the first sample at the peak and closes at the end
 * of the flows' stages: the platform's hold time is not known to callcert, so the plateau is
 * found from the data; any dip after the peak was first reached shows in the minimum.
 */

export const FLOW_DEFINITIONS = {
  httpFlowMs: 'HTTP flow: end of its last step − its INTENDED arrival (open-model schedule), successful flows only',
  httpStepMs: "HTTP flow step: step end − the step's intended start (the previous step's end, a pause's intended end, or the flow's intended arrival for the first step), successful steps only",
  dialLatencyMs: 'outbound: INVITE arrival at callcert\'s UAS − INTENDED send time of the HTTP request that asked the platform to call (the one naming {{uas.*}})',
  outboundConcurrency: "outbound: calls answered by callcert's UAS and not yet ended, summed over workers, sampled every 100 ms; sustained = the minimum from the first sample at the peak to the end of the flows' stages or the stop of an interrupted run (ms after run start)",
} as const;

/** summary.httpFlows[name] in results.json, as declared in schema.ts. */
export type FlowSummary = FlowResults;
export type FlowStepSummary = FlowResults['steps'][string];

export function httpFlowsSummary(agg: Aggregator, s: Scenario): Record<string, FlowSummary> {
  const out: Record<string, FlowSummary> = {};
  for (const spec of s.http?.flows ?? []) {
    const a = agg.flow(spec.name);
    const steps: Record<string, FlowStepSummary> = {};
    for (const st of spec.steps) {
      const b = a?.steps[st.name];
      steps[st.name] = {
        kind: st.kind,
        count: b?.count ?? 0,
        latencyMs: b ? summarizeMs(b.hist) : null,
        statusCodes: b?.statusCodes ?? {},
        errors: b?.errors ?? {},
      };
    }
    out[spec.name] = {
      started: a?.started ?? 0,
      completed: a?.completed ?? 0,
      failed: a?.failed ?? 0,
      blocked: a?.blocked ?? 0,
      errorsByCause: a?.errorsByCause ?? {},
      unexpectedStatus: a?.unexpectedStatus ?? {},
      errorExamples: a?.examples ?? {},
      flowMs: a ? summarizeMs(a.hist) : null,
      steps,
    };
  }
  return out;
}

/** End of the flows' stages, ms after the run start (where the outbound "sustained" window closes); null without a UAS. */
export function outboundWindowEndMs(s: Scenario): number | null {
  if (s.uas === null) return null;
  return Math.max(0, ...(s.http?.flows ?? []).map((f) => totalDurationMs(f.stages)));
}

/**
 * Outbound peak and sustained concurrency from the merged 100 ms series (summary.outbound and the
 * outbound_concurrency_* criteria read this one function). `loadEndMs`: when the load stopped.
 */
export function outboundConcurrency(series: ReadonlyArray<readonly [number, number]>, s: Scenario, loadEndMs = Infinity) {
  let peak = 0;
  for (const [, n] of series) peak = Math.max(peak, n);
  const flowsEndMs = Math.min(loadEndMs, outboundWindowEndMs(s) ?? 0);
  let sustained: number | null = null;
  let from: number | null = null;
  for (const [t, n] of series) {
    if (from === null && peak > 0 && n >= peak) from = t;
    if (from !== null && t <= flowsEndMs) sustained = Math.min(sustained ?? Infinity, n);
  }
  return { peak, sustained, sustainedWindowMs: from === null || sustained === null ? null : [from, flowsEndMs] as [number, number] };
}

/** `loadEndMs`: when the load stopped (an interrupted run's hang-up phase is not the plateau). */
export function outboundSummary(agg: Aggregator, s: Scenario, loadEndMs = Infinity): OutboundResults | null {
  const ob = agg.outbound();
  if (s.uas === null || ob === null) return null;
  const series = agg.outboundSeries();
  return {
    calls: {
      offered: ob.offered,
      answered: ob.answered,
      completed: ob.completed,
      failed: ob.failed,
      uncorrelated: ob.uncorrelated,
      unfinished: ob.unfinished,
    },
    concurrency: outboundConcurrency(series, s, loadEndMs),
    dialLatencyMs: summarizeMs(ob.dialHist),
    concurrencySeries: { sampleMs: 100, columns: ['tMs', 'established'], rows: series },
  };
}
