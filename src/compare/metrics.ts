/**
 * The metrics `callcert compare` looks at: id, unit, which way is better, and
 * how each is read from a results.json. Reads are defensive (results from older
 * or newer runs may lack a field): anything not a finite number is `null`.
 */
import type { Results } from '../results/summary.js';
import type { Direction } from './types.js';

export interface MetricSpec {
  /** Stable id used in output and in `--tolerance-for` (criteria metric names where one exists). */
  id: string;
  unit: 'ms' | 'ratio' | 'calls' | 'channels' | 'cps' | 'rps';
  direction: Direction;
  read: (r: Results) => number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** `obj?.a?.b…` for documents whose shape is not guaranteed. */
function at(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const fromSummary = (...keys: string[]) => (r: Results) => num(at(r.summary, ...keys));

export const SIP_METRICS: readonly MetricSpec[] = [
  { id: 'setup_ms.p50', unit: 'ms', direction: 'lower', read: fromSummary('setupMs', 'p50') },
  { id: 'setup_ms.p95', unit: 'ms', direction: 'lower', read: fromSummary('setupMs', 'p95') },
  { id: 'setup_ms.p99', unit: 'ms', direction: 'lower', read: fromSummary('setupMs', 'p99') },
  { id: 'pdd_ms.p95', unit: 'ms', direction: 'lower', read: fromSummary('pddMs', 'p95') },
  { id: 'ser', unit: 'ratio', direction: 'higher', read: fromSummary('ratios', 'ser') },
  { id: 'seer', unit: 'ratio', direction: 'higher', read: fromSummary('ratios', 'seer') },
  { id: 'scr', unit: 'ratio', direction: 'higher', read: fromSummary('ratios', 'scr') },
  { id: 'asr', unit: 'ratio', direction: 'higher', read: fromSummary('ratios', 'asr') },
  { id: 'isa', unit: 'ratio', direction: 'lower', read: fromSummary('ratios', 'isa') },
  { id: 'failed_calls', unit: 'calls', direction: 'lower', read: fromSummary('calls', 'failed') },
  { id: 'blocked_calls', unit: 'calls', direction: 'lower', read: fromSummary('calls', 'blocked') },
  // Answered calls the run's end hung up before their hold (gracefulStop too short for the holds).
  { id: 'cut_at_end_calls', unit: 'calls', direction: 'lower', read: fromSummary('calls', 'cutAtEnd') },
  { id: 'no_response_calls', unit: 'calls', direction: 'lower', read: fromSummary('calls', 'noResponse') },
  { id: 'concurrency_sustained', unit: 'channels', direction: 'higher', read: fromSummary('concurrency', 'sustained') },
  { id: 'concurrency_peak', unit: 'channels', direction: 'higher', read: fromSummary('concurrency', 'peak') },
  { id: 'cps_achieved', unit: 'cps', direction: 'higher', read: fromSummary('cps', 'achieved') },
  // The generator's own lateness: a slower generator host hides platform latency, so it is watched too.
  { id: 'schedule_slip_ms.p99', unit: 'ms', direction: 'lower', read: (r) => num(at(r.generator, 'scheduleSlipMsP99')) },
];

/** Per HTTP load entry (summary.http.<name>): latency p95/p99, error rate, achieved rps. */
export function httpMetrics(name: string): MetricSpec[] {
  const load = (r: Results) => at(r.summary, 'http', name);
  return [
    { id: `http.${name}.p95_ms`, unit: 'ms', direction: 'lower', read: (r) => num(at(load(r), 'latencyMs', 'p95')) },
    { id: `http.${name}.p99_ms`, unit: 'ms', direction: 'lower', read: (r) => num(at(load(r), 'latencyMs', 'p99')) },
    {
      id: `http.${name}.error_rate`, unit: 'ratio', direction: 'lower',
      read: (r) => {
        const errors = num(at(load(r), 'errors', 'total'));
        const requests = num(at(load(r), 'requests'));
        return errors === null || requests === null || requests === 0 ? null : errors / requests;
      },
    },
    { id: `http.${name}.rps`, unit: 'rps', direction: 'higher', read: (r) => num(at(load(r), 'rps')) },
  ];
}

/** Per HTTP flow (summary.httpFlows.<name>): whole-flow latency p95/p99 and the share of flows that failed. */
export function flowMetrics(name: string): MetricSpec[] {
  const flow = (r: Results) => at(r.summary, 'httpFlows', name);
  return [
    { id: `flow.${name}.p95_ms`, unit: 'ms', direction: 'lower', read: (r) => num(at(flow(r), 'flowMs', 'p95')) },
    { id: `flow.${name}.p99_ms`, unit: 'ms', direction: 'lower', read: (r) => num(at(flow(r), 'flowMs', 'p99')) },
    {
      id: `flow.${name}.failure_rate`, unit: 'ratio', direction: 'lower',
      read: (r) => {
        const failed = num(at(flow(r), 'failed'));
        const started = num(at(flow(r), 'started'));
        return failed === null || started === null || started === 0 ? null : failed / started;
      },
    },
  ];
}

/** Outbound calls answered by callcert's UAS (summary.outbound): the platform's dial latency, failures, held channels. */
const fromOutbound = (...keys: string[]) => (r: Results) => num(at(r.summary, 'outbound', ...keys));
export const OUTBOUND_METRICS: readonly MetricSpec[] = [
  { id: 'outbound.dial_ms.p95', unit: 'ms', direction: 'lower', read: fromOutbound('dialLatencyMs', 'p95') },
  { id: 'outbound.dial_ms.p99', unit: 'ms', direction: 'lower', read: fromOutbound('dialLatencyMs', 'p99') },
  { id: 'outbound.failed', unit: 'calls', direction: 'lower', read: fromOutbound('calls', 'failed') },
  { id: 'outbound.sustained', unit: 'channels', direction: 'higher', read: fromOutbound('concurrency', 'sustained') },
];

/** Keys of summary[section] in either run, in first-seen order (HTTP load or flow names). */
function namesIn(section: 'http' | 'httpFlows', runs: Results[]): string[] {
  const names = new Set<string>();
  for (const r of runs) {
    const m = at(r.summary, section);
    if (m !== null && typeof m === 'object') for (const k of Object.keys(m)) names.add(k);
  }
  return [...names];
}

/** HTTP load names of either run, in first-seen order. */
export function httpLoadNames(...runs: Results[]): string[] {
  return namesIn('http', runs);
}

/** Every metric to compare for this pair of runs (those measured in neither run are dropped later). */
export function metricsFor(baseline: Results, current: Results): MetricSpec[] {
  return [
    ...SIP_METRICS,
    ...httpLoadNames(baseline, current).flatMap(httpMetrics),
    ...namesIn('httpFlows', [baseline, current]).flatMap(flowMetrics),
    ...OUTBOUND_METRICS,
  ];
}
