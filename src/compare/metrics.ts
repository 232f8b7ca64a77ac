/**
 * The metrics `callcert compare` looks at: id, unit, which way is better, and
 * how each is read from a results.json. Documents are read through
 * results/read.ts (validated, older schema versions migrated), so every field
 * is typed; a figure is null when that run did not measure it (an HTTP load or
 * flow its scenario does not have, no outbound calls, no answered call, or a
 * count results of schema 1 did not record).
 */
import type { Results } from '../results/schema.js';
import { METRICS, type MetricName } from '../metrics/catalog.js';
import type { Direction } from './types.js';

export interface MetricSpec {
  /** Stable id used in output and in `--tolerance-for` (criteria metric names where one exists). */
  id: string;
  unit: 'ms' | 'ratio' | 'calls' | 'channels' | 'cps' | 'rps' | 'mos';
  direction: Direction;
  read: (r: Results) => number | null;
}

/** A compared figure of a catalogue metric: its unit and better direction come from the catalogue. */
function of(metric: MetricName, id: string, read: MetricSpec['read']): MetricSpec {
  const d = METRICS[metric];
  const unit = d.unit === 'requests' || d.unit === 'flows' ? 'calls' : d.unit;
  // Platform series (percent, bytes/s) are not compared yet: a new unit needs its floor in tolerance.ts first.
  if (unit === 'percent' || unit === 'bytes_per_sec') throw new Error(`compare: no tolerance floor for unit ${unit} (${metric})`);
  return { id, unit, direction: d.better, read };
}

export const SIP_METRICS: readonly MetricSpec[] = [
  of('setup_ms', 'setup_ms.p50', (r) => r.summary.setupMs.p50),
  of('setup_ms', 'setup_ms.p95', (r) => r.summary.setupMs.p95),
  of('setup_ms', 'setup_ms.p99', (r) => r.summary.setupMs.p99),
  of('pdd_ms', 'pdd_ms.p95', (r) => r.summary.pddMs.p95),
  of('ser', 'ser', (r) => r.summary.ratios.ser),
  of('seer', 'seer', (r) => r.summary.ratios.seer),
  of('scr', 'scr', (r) => r.summary.ratios.scr),
  of('asr', 'asr', (r) => r.summary.ratios.asr),
  of('isa', 'isa', (r) => r.summary.ratios.isa),
  of('failed_calls', 'failed_calls', (r) => r.summary.calls.failed),
  of('blocked_calls', 'blocked_calls', (r) => r.summary.calls.blocked),
  of('cut_at_end_calls', 'cut_at_end_calls', (r) => r.summary.calls.cutAtEnd),
  of('no_response_calls', 'no_response_calls', (r) => r.summary.calls.noResponse),
  of('concurrency_sustained', 'concurrency_sustained', (r) => r.summary.concurrency.sustained),
  of('concurrency_peak', 'concurrency_peak', (r) => r.summary.concurrency.peak),
  of('cps_achieved', 'cps_achieved', (r) => r.summary.cps.achieved),
  // The generator's own lateness: a slower generator host hides platform latency, so it is watched too.
  { id: 'schedule_slip_ms.p99', unit: 'ms', direction: 'lower', read: (r) => r.generator.scheduleSlipMsP99 },
];

/** Per HTTP load entry (summary.http.<name>): latency p95/p99, error rate, achieved rps; null in a run without that load. */
export function httpMetrics(name: string): MetricSpec[] {
  const load = (r: Results) => (Object.hasOwn(r.summary.http, name) ? r.summary.http[name] : null);
  return [
    of('http_latency_ms', `http.${name}.p95_ms`, (r) => load(r)?.latencyMs.p95 ?? null),
    of('http_latency_ms', `http.${name}.p99_ms`, (r) => load(r)?.latencyMs.p99 ?? null),
    of('http_error_rate', `http.${name}.error_rate`, (r) => {
      const h = load(r);
      return h === null || h.requests === 0 ? null : h.errors.total / h.requests;
    }),
    of('http_rps', `http.${name}.rps`, (r) => load(r)?.rps ?? null),
  ];
}

/**
 * Per HTTP flow (summary.httpFlows.<name>): whole-flow latency p95/p99 and the share of flows that failed; null in a run
 * without that flow.
 */
export function flowMetrics(name: string): MetricSpec[] {
  const flow = (r: Results) => (Object.hasOwn(r.summary.httpFlows, name) ? r.summary.httpFlows[name] : null);
  return [
    of('flow_ms', `flow.${name}.p95_ms`, (r) => flow(r)?.flowMs?.p95 ?? null),
    of('flow_ms', `flow.${name}.p99_ms`, (r) => flow(r)?.flowMs?.p99 ?? null),
    of('flow_failure_rate', `flow.${name}.failure_rate`, (r) => {
      const f = flow(r);
      return f === null || f.started === 0 ? null : f.failed / f.started;
    }),
  ];
}

/**
 * Outbound calls answered by callcert's UAS (summary.outbound): the platform's dial latency, failures, held channels; null
 * without a UAS.
 */
export const OUTBOUND_METRICS: readonly MetricSpec[] = [
  of('dial_latency_ms', 'outbound.dial_ms.p95', (r) => r.summary.outbound?.dialLatencyMs.p95 ?? null),
  of('dial_latency_ms', 'outbound.dial_ms.p99', (r) => r.summary.outbound?.dialLatencyMs.p99 ?? null),
  of('outbound_failed', 'outbound.failed', (r) => r.summary.outbound?.calls.failed ?? null),
  of('outbound_concurrency_sustained', 'outbound.sustained', (r) => r.summary.outbound?.concurrency.sustained ?? null),
];

/** The caller legs' voice (summary.media): MOS, loss, jitter, one-way and crossed media; null in a signalling-only run. */
export const MEDIA_METRICS: readonly MetricSpec[] = [
  of('mos_cqe', 'media.mos_cqe.p5', (r) => r.summary.media?.mosCqe.p5 ?? null),
  of('mos_cqe', 'media.mos_cqe.p50', (r) => r.summary.media?.mosCqe.p50 ?? null),
  of('rtp_loss_ratio', 'media.loss_ratio', (r) => r.summary.media?.lossRatio ?? null),
  of('rtp_loss_ratio', 'media.loss_ratio.p95', (r) => r.summary.media?.lossRatioPerCall.p95 ?? null),
  of('rtp_jitter_ms', 'media.jitter_ms.p95', (r) => r.summary.media?.jitterMs.p95 ?? null),
  of('rtp_first_media_ms', 'media.first_media_ms.p95', (r) => r.summary.media?.firstMediaMs.p95 ?? null),
  of('rtp_one_way_audio', 'media.one_way_audio', (r) => r.summary.media?.calls.oneWayAudio ?? null),
  of('rtp_crossed_media', 'media.crossed_media', (r) => r.summary.media?.calls.crossedMedia ?? null),
];

/** Keys of summary[section] in either run, in first-seen order (HTTP load or flow names). */
function namesIn(section: 'http' | 'httpFlows', runs: Results[]): string[] {
  const names = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.summary[section])) names.add(k);
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
    ...MEDIA_METRICS,
  ];
}
