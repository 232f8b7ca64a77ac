/**
 * The metric catalogue: every metric a criterion can judge, once. Criteria names, their
 * JSON-schema descriptions, the selector tags each needs, which are latency trends or ratios,
 * when a mid-run failure is final (abortOnFail), and `compare`'s units and directions are all
 * read from here; a new metric is one entry (plus where it is measured and merged).
 *
 * Kinds follow k6: a `trend` is a latency histogram (judged by p(N), max or avg), a `rate` a
 * ratio between 0 and 1, a `counter` a count that only grows during a run, a `gauge` a value
 * that may go both ways (peaks, sustained channels, per-second rates).
 */

export type MetricKind = 'trend' | 'rate' | 'counter' | 'gauge';
export type MetricUnit = 'ms' | 'ratio' | 'calls' | 'channels' | 'cps' | 'requests' | 'rps' | 'flows';
/** k6-style sub-metric tags: which HTTP load, flow or flow step a metric is about. */
export type MetricTag = 'load' | 'flow' | 'step';
/** Which part of a run measures it: the SIP caller, an HTTP load, an HTTP flow, or callcert's own UAS. */
export type MetricFamily = 'sip' | 'http' | 'flow' | 'outbound';

/**
 * When a criterion that fails mid-run has failed for good, so abortOnFail may stop the run:
 * - `always`: trends and ratios are judged on the data so far (k6's rule);
 * - `bound_exceeded`: a count or peak that must stay under a bound and has passed it will not come back;
 * - `hold_window`: concurrency_sustained, once its hold window has begun;
 * - `outbound_end`: outbound_concurrency_sustained, once the flows' stages are over;
 * - `end`: averages over the whole run (cps_achieved, http_rps) are judged at the end only.
 */
export type FinalWhen = 'always' | 'bound_exceeded' | 'hold_window' | 'outbound_end' | 'end';

export interface MetricDef {
  kind: MetricKind;
  unit: MetricUnit;
  family: MetricFamily;
  /** Selector tags a criterion on it must give, in canonical order; empty: none. */
  tags: readonly MetricTag[];
  /** Which way is better (compare, regressions). */
  better: 'lower' | 'higher';
  final: FinalWhen;
  /** One line: JSON-schema descriptions and messages. */
  description: string;
}

const trend = (family: MetricFamily, tags: readonly MetricTag[], description: string): MetricDef =>
  ({ kind: 'trend', unit: 'ms', family, tags, better: 'lower', final: 'always', description });
const rate = (family: MetricFamily, better: 'lower' | 'higher', tags: readonly MetricTag[], description: string): MetricDef =>
  ({ kind: 'rate', unit: 'ratio', family, tags, better, final: 'always', description });
/** A count only grows during a run: a failure against an upper bound is final once it is passed. */
const counter = (unit: MetricUnit, family: MetricFamily, better: 'lower' | 'higher', tags: readonly MetricTag[], description: string): MetricDef =>
  ({ kind: 'counter', unit, family, tags, better, final: 'bound_exceeded', description });
/** Peaks, held channels and rates: more is better. */
const gauge = (unit: MetricUnit, family: MetricFamily, final: FinalWhen, tags: readonly MetricTag[], description: string): MetricDef =>
  ({ kind: 'gauge', unit, family, tags, better: 'higher', final, description });

/** In this order in messages and in the scenario's JSON schema: SIP caller, HTTP loads, flows, outbound calls. */
export const METRICS = {
  setup_ms: trend('sip', [], 'Call setup time in milliseconds (histogram: compare p(N), max or avg).'),
  pdd_ms: trend('sip', [], 'Post-dial delay in milliseconds (histogram: compare p(N), max or avg).'),
  ser: rate('sip', 'higher', [], 'Session establishment ratio (RFC 6076), between 0 and 1.'),
  seer: rate('sip', 'higher', [], 'Session establishment effectiveness ratio (RFC 6076), between 0 and 1.'),
  isa: rate('sip', 'lower', [], 'Ineffective session attempts ratio (RFC 6076), between 0 and 1.'),
  scr: rate('sip', 'higher', [], 'Session completion ratio (RFC 6076), between 0 and 1.'),
  asr: rate('sip', 'higher', [], 'Answer seizure ratio, between 0 and 1.'),
  concurrency_peak: gauge('channels', 'sip', 'bound_exceeded', [], 'Highest number of simultaneously established calls.'),
  concurrency_sustained: gauge(
    'channels', 'sip', 'hold_window', [],
    'Concurrent calls held during the flat stages (needs a stage that keeps the previous target).',
  ),
  cps_achieved: gauge('cps', 'sip', 'end', [], 'Calls started per second.'),
  failed_calls: counter('calls', 'sip', 'lower', [], 'Number of calls that failed.'),
  blocked_calls: counter('calls', 'sip', 'lower', [], 'Number of calls the target rejected for lack of capacity.'),
  cut_at_end_calls: counter(
    'calls', 'sip', 'lower', [],
    'Answered calls the end of the run hung up before their own hold elapsed (load.gracefulStop too short for the holds).',
  ),
  no_response_calls: counter(
    'calls', 'sip', 'lower', [],
    'Calls that got no response at all, not even 100 Trying (timed out, or aborted by the end of the run).',
  ),
  http_latency_ms: trend('http', ['load'], 'HTTP load latency in milliseconds, summary.http[load].latencyMs (histogram: compare p(N), max or avg).'),
  http_errors: counter(
    'requests', 'http', 'lower', ['load'],
    'HTTP load: requests that failed (any cause: unexpected status, timeout, connection error), summary.http[load].errors.total.',
  ),
  http_error_rate: rate('http', 'lower', ['load'], 'HTTP load: failed requests / requests with an outcome, between 0 and 1.'),
  http_rps: gauge('rps', 'http', 'end', ['load'], 'HTTP load: responses per second (summary.http[load].rps); judged at the end only.'),
  flow_ms: trend('flow', ['flow'], 'HTTP flow duration in milliseconds, successful flows (histogram: compare p(N), max or avg).'),
  flow_failures: counter('flows', 'flow', 'lower', ['flow'], 'HTTP flow: flows that failed (summary.httpFlows[flow].failed).'),
  flow_failure_rate: rate('flow', 'lower', ['flow'], 'HTTP flow: failed flows / flows that ended, between 0 and 1.'),
  flow_step_ms: trend('flow', ['flow', 'step'], 'HTTP flow step latency in milliseconds, successful steps (histogram: compare p(N), max or avg).'),
  dial_latency_ms: trend('outbound', [], "Outbound: HTTP request's intended send → INVITE at callcert's UAS, in milliseconds (histogram)."),
  outbound_failed: counter('calls', 'outbound', 'lower', [], "Outbound: calls to callcert's UAS that failed (rejected or never ACKed)."),
  outbound_answered: counter('calls', 'outbound', 'higher', [], "Outbound: calls callcert's UAS answered."),
  outbound_concurrency_peak: gauge(
    'channels', 'outbound', 'bound_exceeded', [],
    "Outbound: highest number of established calls at callcert's UAS.",
  ),
  outbound_concurrency_sustained: gauge(
    'channels', 'outbound', 'outbound_end', [],
    "Outbound: minimum established calls at callcert's UAS from the first sample at the peak to the end of the flows' stages.",
  ),
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

/** Every metric name, in catalogue order. */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** Names of the metrics that satisfy `pred`, in catalogue order. */
export function metricsWhere(pred: (d: MetricDef) => boolean): MetricName[] {
  return METRIC_NAMES.filter((n) => pred(METRICS[n]));
}
