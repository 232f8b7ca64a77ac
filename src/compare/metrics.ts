/**
 * The metrics `callcert compare` looks at: id, unit, which way is better, and
 * how each is read from a results.json. Reads are defensive (results from older
 * or newer runs may lack a field): anything not a finite number is `null`.
 */
import type { Results } from '../results/summary.js';
import { METRICS, type MetricName } from '../metrics/catalog.js';
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

/** A compared figure of a catalogue metric: its unit and better direction come from the catalogue. */
function of(metric: MetricName, id: string, read: MetricSpec['read']): MetricSpec {
  const d = METRICS[metric];
  const unit = d.unit === 'requests' || d.unit === 'flows' ? 'calls' : d.unit;
  return { id, unit, direction: d.better, read };
}

export const SIP_METRICS: readonly MetricSpec[] = [
  of('setup_ms', 'setup_ms.p50', fromSummary('setupMs', 'p50')),
  of('setup_ms', 'setup_ms.p95', fromSummary('setupMs', 'p95')),
  of('setup_ms', 'setup_ms.p99', fromSummary('setupMs', 'p99')),
  of('pdd_ms', 'pdd_ms.p95', fromSummary('pddMs', 'p95')),
  of('ser', 'ser', fromSummary('ratios', 'ser')),
  of('seer', 'seer', fromSummary('ratios', 'seer')),
  of('scr', 'scr', fromSummary('ratios', 'scr')),
  of('asr', 'asr', fromSummary('ratios', 'asr')),
  of('isa', 'isa', fromSummary('ratios', 'isa')),
  of('failed_calls', 'failed_calls', fromSummary('calls', 'failed')),
  of('blocked_calls', 'blocked_calls', fromSummary('calls', 'blocked')),
  of('cut_at_end_calls', 'cut_at_end_calls', fromSummary('calls', 'cutAtEnd')),
  of('no_response_calls', 'no_response_calls', fromSummary('calls', 'noResponse')),
  of('concurrency_sustained', 'concurrency_sustained', fromSummary('concurrency', 'sustained')),
  of('concurrency_peak', 'concurrency_peak', fromSummary('concurrency', 'peak')),
  of('cps_achieved', 'cps_achieved', fromSummary('cps', 'achieved')),
  // The generator's own lateness: a slower generator host hides platform latency, so it is watched too.
  { id: 'schedule_slip_ms.p99', unit: 'ms', direction: 'lower', read: (r) => num(at(r.generator, 'scheduleSlipMsP99')) },
];

/** Per HTTP load entry (summary.http.<name>): latency p95/p99, error rate, achieved rps. */
export function httpMetrics(name: string): MetricSpec[] {
  const load = (r: Results) => at(r.summary, 'http', name);
  return [
    of('http_latency_ms', `http.${name}.p95_ms`, (r) => num(at(load(r), 'latencyMs', 'p95'))),
    of('http_latency_ms', `http.${name}.p99_ms`, (r) => num(at(load(r), 'latencyMs', 'p99'))),
    of('http_error_rate', `http.${name}.error_rate`, (r) => {
      const errors = num(at(load(r), 'errors', 'total'));
      const requests = num(at(load(r), 'requests'));
      return errors === null || requests === null || requests === 0 ? null : errors / requests;
    }),
    of('http_rps', `http.${name}.rps`, (r) => num(at(load(r), 'rps'))),
  ];
}

/** Per HTTP flow (summary.httpFlows.<name>): whole-flow latency p95/p99 and the share of flows that failed. */
export function flowMetrics(name: string): MetricSpec[] {
  const flow = (r: Results) => at(r.summary, 'httpFlows', name);
  return [
    of('flow_ms', `flow.${name}.p95_ms`, (r) => num(at(flow(r), 'flowMs', 'p95'))),
    of('flow_ms', `flow.${name}.p99_ms`, (r) => num(at(flow(r), 'flowMs', 'p99'))),
    of('flow_failure_rate', `flow.${name}.failure_rate`, (r) => {
      const failed = num(at(flow(r), 'failed'));
      const started = num(at(flow(r), 'started'));
      return failed === null || started === null || started === 0 ? null : failed / started;
    }),
  ];
}

/** Outbound calls answered by callcert's UAS (summary.outbound): the platform's dial latency, failures, held channels. */
const fromOutbound = (...keys: string[]) => (r: Results) => num(at(r.summary, 'outbound', ...keys));
export const OUTBOUND_METRICS: readonly MetricSpec[] = [
  of('dial_latency_ms', 'outbound.dial_ms.p95', fromOutbound('dialLatencyMs', 'p95')),
  of('dial_latency_ms', 'outbound.dial_ms.p99', fromOutbound('dialLatencyMs', 'p99')),
  of('outbound_failed', 'outbound.failed', fromOutbound('calls', 'failed')),
  of('outbound_concurrency_sustained', 'outbound.sustained', fromOutbound('concurrency', 'sustained')),
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
