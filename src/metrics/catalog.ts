/**
 * The metric catalogue, two tables in one place:
 *
 * - METRICS: every metric a criterion can judge, once. Criteria names, their JSON-schema
 *   descriptions, the selector tags each needs, which are latency trends or ratios, when a
 *   mid-run failure is final (abortOnFail), and `compare`'s units and directions are all read
 *   from here.
 * - SERIES: every raw series a worker measures and ships to the main thread each second
 *   (metrics/interval.ts IntervalReport): the counters and trends of the interval message are
 *   keyed by these names, and one generic merge (metrics/measures.ts) adds them up. A new
 *   measured metric is one entry here plus where it is measured (the worker's collector, HTTP
 *   runs or flow runs); it reaches the totals, the per-second slots and search steps unchanged.
 *
 * A criterion metric that judges a series as it is measured has the series' name (setup_ms,
 * pdd_ms, http_latency_ms, ...): one name. A criterion may select by fewer tags than its series
 * has (http_errors{load} over http_errors{load,cause}): the others are added up, as a
 * Prometheus sum by (load). Names follow Prometheus' habits (a counter becomes
 * callcert_<name>_total{tags}, a trend callcert_<name> in ms).
 *
 * Kinds follow k6: a `trend` is a latency histogram (judged by p(N), max or avg), a `rate` a
 * ratio between 0 and 1, a `counter` a count that only grows during a run, a `gauge` a value
 * that may go both ways (peaks, sustained channels, per-second rates).
 */

export type MetricKind = 'trend' | 'rate' | 'counter' | 'gauge';
export type MetricUnit = 'ms' | 'ratio' | 'calls' | 'channels' | 'cps' | 'requests' | 'rps' | 'flows' | 'mos' | 'percent' | 'bytes_per_sec';
/** k6-style sub-metric tags: which HTTP load, flow or flow step a metric is about, or which platform server. */
export type MetricTag = 'load' | 'flow' | 'step' | 'instance';
/**
 * Which part of a run measures it: the SIP caller, its media, an HTTP load, an HTTP flow, callcert's own UAS,
 * the recording probe, or the platform scraper (the platform's own servers over Prometheus, platform/).
 */
export type MetricFamily = 'sip' | 'media' | 'http' | 'flow' | 'outbound' | 'recording' | 'platform';

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

/**
 * A per-call distribution that is no latency (a loss ratio, a MOS), judged like a trend (p(N), max, avg);
 * its histogram holds value × 1000 "ms" (see SERIES `scaled`).
 */
const perCall = (unit: 'ratio' | 'mos', better: 'lower' | 'higher', description: string): MetricDef =>
  ({ kind: 'trend', unit, family: 'media', tags: [], better, final: 'always', description });

/**
 * A platform server's series, one sample per scrape (platform/scraper.ts): judged like a trend (p(N), max, avg)
 * over the samples of the run; no sample (every scrape failed) is not measured and fails.
 */
const platform = (unit: 'percent' | 'bytes_per_sec', description: string): MetricDef =>
  ({ kind: 'trend', unit, family: 'platform', tags: ['instance'], better: 'lower', final: 'always', description });

/**
 * In this order in messages and in the scenario's JSON schema: SIP caller, caller media, HTTP loads, flows, outbound calls,
 * platform servers.
 */
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
  mos_cqe: perCall('mos', 'higher', 'Per call: MOS-CQE of the ITU-T G.107 E-model, 1 to 4.5 (histogram over calls: compare p(N), e.g. p(5)>=4.0). Needs call.media.'),
  rtp_loss_ratio: perCall('ratio', 'lower', 'Per call: RTP packets lost ÷ expected, between 0 and 1 (histogram over calls: compare p(N), max or avg). Needs call.media.'),
  rtp_jitter_ms: trend('media', [], 'Per call: RFC 3550 interarrival jitter in milliseconds (histogram over calls). Needs call.media.'),
  rtp_max_gap_ms: trend('media', [], 'Per call: longest gap between received RTP packets in milliseconds (histogram over calls). Needs call.media.'),
  rtp_first_media_ms: trend('media', [], 'Per call: answer → first RTP packet received, in milliseconds (histogram over calls). Needs call.media.'),
  rtcp_rtt_ms: trend('media', [], 'Per call: the round trip of its last RTCP report (RFC 3550 §6.4.1), in milliseconds (histogram over calls). Needs call.media.'),
  rtp_one_way_audio: counter('calls', 'media', 'lower', [], 'Calls that sent media and received none. Needs call.media.'),
  rtp_crossed_media: counter('calls', 'media', 'lower', [], "Calls that received another call's marker (heard someone else's audio). Needs call.media."),
  // Measured once, after the calls (the probe fetches each recording): judged at the end only.
  recording_completeness: {
    kind: 'rate', unit: 'ratio', family: 'recording', tags: [], better: 'higher', final: 'end',
    description: 'Recording completeness (录音完整率): calls with a valid recording ÷ calls checked, between 0 and 1 (summary.recordings). Needs a recordings section.',
  },
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
  // Judged once, after the calls (the outbound-rule probe reads the whole run): at the end only.
  outbound_rule_violations: {
    kind: 'counter', unit: 'calls', family: 'outbound', tags: [], better: 'lower', final: 'end',
    description: "Outbound-rule probe: calls that broke a limit of outboundRules (summary.outboundRules.violations: each call sooner than minInterval after its line's previous one, beyond a line's daily cap, outside the window, beyond a callee's cap). Needs an outboundRules section.",
  },
  platform_cpu_pct: platform('percent', 'Platform server (platform.targets[].name): CPU busy %, 100 × (1 − Δidle ÷ Δtotal) of node_cpu_seconds_total over all CPUs between scrapes (samples over the run: compare max, avg or p(N), e.g. max<80).'),
  platform_mem_used_pct: platform('percent', 'Platform server: memory used %, (MemTotal − MemAvailable) ÷ MemTotal × 100 from node_exporter, per scrape (samples over the run: max, avg or p(N)).'),
  platform_net_rx_bytes_per_sec: platform('bytes_per_sec', 'Platform server: bytes received per second over its network devices (lo excluded by default), between scrapes (samples over the run: max, avg or p(N)).'),
  platform_net_tx_bytes_per_sec: platform('bytes_per_sec', 'Platform server: bytes sent per second over its network devices (lo excluded by default), between scrapes (samples over the run: max, avg or p(N)).'),
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

/** Every metric name, in catalogue order. */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** Names of the metrics that satisfy `pred`, in catalogue order. */
export function metricsWhere(pred: (d: MetricDef) => boolean): MetricName[] {
  return METRIC_NAMES.filter((n) => pred(METRICS[n]));
}

// ---------------------------------------------------------------------------------------------
// Measured series: what the workers ship.

/** A series' tags: which load, flow or step (as criteria select), and the SIP/HTTP code or failure cause it counts. */
export type SeriesTag = MetricTag | 'code' | 'status' | 'cause';
export type SeriesUnit = MetricUnit | 'responses' | 'messages' | 'errors' | 'steps' | 'bytes' | 'packets' | 'mos';

export interface SeriesDef<K extends 'counter' | 'trend' | 'gauge' = 'counter' | 'trend' | 'gauge'> {
  /**
   * `counter`: added up across workers and intervals; `trend`: an HDR histogram (µs) merged bucket by bucket;
   * `gauge`: a level sampled or maximised, never added (it travels as a typed field of IntervalReport, not in
   * its counters or trends).
   */
  kind: K;
  unit: SeriesUnit;
  family: MetricFamily;
  /** Tags in key order (metrics/measures.ts tagKey); empty: one value per interval. */
  tags: readonly SeriesTag[];
  /** The criterion metric judged on exactly this series when its name differs (criteria names predate the series). */
  criterion?: MetricName;
  description: string;
}

const count = (
  unit: SeriesUnit, family: MetricFamily, tags: readonly SeriesTag[], description: string, criterion?: MetricName,
): SeriesDef<'counter'> => ({ kind: 'counter', unit, family, tags, description, ...(criterion === undefined ? {} : { criterion }) });
const latency = (family: MetricFamily, tags: readonly SeriesTag[], description: string): SeriesDef<'trend'> =>
  ({ kind: 'trend', unit: 'ms', family, tags, description });
/**
 * The series of a per-call distribution that is no latency (a loss ratio, a MOS) in the µs HDR
 * histograms: recorded as value × 1000 "ms" (a ratio to 10⁻⁶, a MOS to 10⁻³), read back ÷ 1000.
 */
const judgedScaled = (m: MetricName): SeriesDef<'trend'> =>
  ({ kind: 'trend', unit: METRICS[m].unit, family: METRICS[m].family, tags: [], description: METRICS[m].description });
const level = (unit: SeriesUnit, family: MetricFamily, description: string): SeriesDef<'gauge'> =>
  ({ kind: 'gauge', unit, family, tags: [], description });
/** The series a criterion trend judges, under the criterion's name: its family, tags and description. */
const judgedTrend = (m: MetricName): SeriesDef<'trend'> =>
  ({ kind: 'trend', unit: 'ms', family: METRICS[m].family, tags: METRICS[m].tags, description: METRICS[m].description });
/** The series a criterion counter judges, under its name; `tags`: the series' own, when the criterion adds some up. */
const judgedCounter = (m: MetricName, tags: readonly SeriesTag[] = METRICS[m].tags): SeriesDef<'counter'> =>
  ({ kind: 'counter', unit: METRICS[m].unit, family: METRICS[m].family, tags, description: METRICS[m].description });

/** In this order: SIP caller, caller media, HTTP loads, flows, outbound calls, the generator itself. */
export const SERIES = {
  calls_offered: count('calls', 'sip', [], 'Calls the schedule offered: attempted, or blocked by the concurrency cap.'),
  calls_attempted: count('calls', 'sip', [], 'Calls started (INVITE sent, or failed unsent: data_exhausted).'),
  calls_answered: count('calls', 'sip', [], 'Calls answered (200 OK to the INVITE).'),
  calls_failed: count('calls', 'sip', [], 'Calls that ended unanswered, other than aborted by the end of the run.', 'failed_calls'),
  calls_blocked: count('calls', 'sip', [], 'Open-model arrivals not started because the concurrency cap was reached.', 'blocked_calls'),
  calls_completed: count('calls', 'sip', [], 'Answered calls that ended normally (BYE and its 2xx) after their hold.'),
  calls_cut_at_end: count(
    'calls', 'sip', [], 'Answered calls the end of the run hung up before their hold elapsed (not in calls_completed).', 'cut_at_end_calls',
  ),
  calls_aborted: count('calls', 'sip', [], 'Calls the end of the run abandoned before any final response.'),
  calls_no_response: count(
    'calls', 'sip', [], 'Calls that got no response at all, not even 100 Trying (timed out, or aborted).', 'no_response_calls',
  ),
  calls_no_provisional: count('calls', 'sip', [], 'Answered calls with no provisional response before their 200 (no PDD for them).'),
  sip_timeouts: count('calls', 'sip', [], 'Failed calls whose INVITE got no final response (Timer B, or ring timeout and no final after CANCEL).'),
  sip_retransmissions: count('messages', 'sip', [], 'SIP requests the caller retransmitted (RFC 3261 timers A and E).'),
  sip_parse_errors: count('messages', 'sip', [], 'Messages received that did not parse as SIP.'),
  sip_transport_errors: count('errors', 'sip', [], "Errors of the caller's SIP socket or connection."),
  sip_final_responses: count('responses', 'sip', ['code'], 'Final responses to INVITEs, by status code (200 included).'),
  calls_failed_by_code: count('calls', 'sip', ['code'], 'Failed calls by final status code (those that got one).'),
  calls_failed_by_cause: count(
    'calls', 'sip', ['cause'], 'Failed calls, and answered calls that ended abnormally (BYE failure, drain timeout), by cause.',
  ),
  setup_ms: judgedTrend('setup_ms'),
  pdd_ms: judgedTrend('pdd_ms'),
  pdd_failed_ms: latency('sip', [], 'Post-dial delay of failed calls that had a provisional response, in milliseconds.'),
  sdd_ms: latency('sip', [], 'Session disconnect delay (RFC 6076 §4.4): BYE sent → its 2xx, in milliseconds.'),
  schedule_slip_ms: latency('sip', [], "The generator's lateness: INVITE sent − its intended start, in milliseconds (early sends count 0)."),

  media_calls: count('calls', 'media', [], 'Calls whose media ran (answered, answer negotiated): each has a media summary in calls.jsonl.'),
  rtp_packets_sent: count('packets', 'media', [], 'RTP packets the caller legs sent.'),
  rtp_packets_received: count('packets', 'media', [], 'RTP packets the caller legs received (valid RTP of the negotiated payload types).'),
  rtp_packets_lost: count('packets', 'media', [], 'RTP packets the caller legs expected and never received (RFC 3550 A.3, distinct packets).'),
  rtp_packets_expected: count('packets', 'media', [], 'RTP packets the caller legs expected (RFC 3550 A.3: highest − first + 1).'),
  rtp_one_way_audio: judgedCounter('rtp_one_way_audio'),
  rtp_crossed_media: judgedCounter('rtp_crossed_media'),
  rtp_send_skipped: count('packets', 'media', [], 'RTP packets the caller legs skipped after a stall of the generator (never sent).'),
  rtp_loss_ratio: judgedScaled('rtp_loss_ratio'),
  rtp_jitter_ms: judgedTrend('rtp_jitter_ms'),
  rtp_max_gap_ms: judgedTrend('rtp_max_gap_ms'),
  rtp_first_media_ms: judgedTrend('rtp_first_media_ms'),
  rtcp_rtt_ms: judgedTrend('rtcp_rtt_ms'),
  mos_cqe: judgedScaled('mos_cqe'),
  rtp_socket_drops: count(
    'packets', 'media', [], "Datagrams the kernel dropped on the generator's RTP sockets for full receive buffers (/proc/net/udp), read about once a second.",
  ),
  media_send_slip_ms: latency('media', [], "The generator's RTP lateness: packet sent − its due time (one sample per 16 packets), in milliseconds."),
  // Second by second while calls last (engine/worker/media-live.ts); over a run they add up to the per-call rtp_packets_* above.
  rtp_live_streams: count('calls', 'media', [], 'Live caller streams that expected packets over the whole interval (each gives a jitter and a MOS sample).'),
  rtp_live_packets_sent: count('packets', 'media', [], 'RTP packets the caller legs sent in the interval.'),
  rtp_live_packets_received: count('packets', 'media', [], 'RTP packets the caller legs received in the interval.'),
  rtp_live_packets_expected: count('packets', 'media', [], 'RTP packets the caller legs expected in the interval (RFC 3550 A.3 over the interval).'),
  rtp_live_packets_lost: count(
    'packets', 'media', [], 'Change of the caller legs\' distinct lost packets over the interval (RFC 3550 A.3; negative when late packets filled earlier gaps).',
  ),
  rtp_live_jitter_ms: latency('media', [], "Each live caller stream's RFC 3550 jitter at the end of the interval, in milliseconds (a sample per stream per second)."),
  rtp_live_loss_ratio: {
    kind: 'trend', unit: 'ratio', family: 'media', tags: [],
    description: "Each live caller stream's lost ÷ expected over the interval (RFC 3550 A.3), recorded × 1000 like rtp_loss_ratio.",
  },
  mos_cqe_live: {
    kind: 'trend', unit: 'mos', family: 'media', tags: [],
    description: "Each live caller stream's MOS-CQE over the interval (its loss that second, its RTCP round trip), recorded × 1000 like mos_cqe.",
  },

  http_requests: count('requests', 'http', ['load'], 'HTTP load: requests with an outcome (a response or an error).'),
  http_responses: count('responses', 'http', ['load', 'status'], 'HTTP load: responses, by status code (expected or not).'),
  http_errors: judgedCounter('http_errors', ['load', 'cause']),
  http_latency_ms: judgedTrend('http_latency_ms'),

  flows_started: count('flows', 'flow', ['flow'], 'HTTP flow: instances started.'),
  flows_completed: count('flows', 'flow', ['flow'], 'HTTP flow: instances that ran every step successfully.'),
  flow_failures: judgedCounter('flow_failures', ['flow', 'cause']),
  flows_blocked: count('flows', 'flow', ['flow'], "HTTP flow: starts refused because the worker's share of maxConcurrent was taken."),
  flow_unexpected_status: count('responses', 'flow', ['flow', 'status'], 'HTTP flow: responses that failed a status check, by code.'),
  flow_ms: judgedTrend('flow_ms'),
  flow_steps: count('steps', 'flow', ['flow', 'step'], 'HTTP flow step: steps that ended (succeeded or failed).'),
  flow_step_responses: count('responses', 'flow', ['flow', 'step', 'status'], 'HTTP flow step: responses by status code.'),
  flow_step_errors: count('steps', 'flow', ['flow', 'step', 'cause'], 'HTTP flow step: failed steps by cause.'),
  flow_step_ms: judgedTrend('flow_step_ms'),

  outbound_offered: count('calls', 'outbound', [], "Outbound: INVITEs received by callcert's UAS."),
  outbound_answered: judgedCounter('outbound_answered'),
  outbound_completed: count('calls', 'outbound', [], "Outbound: calls to callcert's UAS that ended by BYE, either side."),
  outbound_failed: judgedCounter('outbound_failed'),
  outbound_uncorrelated: count('calls', 'outbound', [], 'Outbound: INVITEs no flow instance claimed (no matching user or header).'),
  outbound_unfinished: count(
    'calls', 'outbound', [], 'Outbound: calls still up when the worker stopped waiting (callcert then sent BYE).',
  ),
  dial_latency_ms: judgedTrend('dial_latency_ms'),

  calls_established: level('channels', 'sip', 'Established calls (answered, not yet ended), sampled every 100 ms (IntervalReport.samples).'),
  calls_in_progress: level('calls', 'sip', 'Calls started and not yet ended, sampled every 100 ms (IntervalReport.samples).'),
  outbound_established: level(
    'channels', 'outbound', "Established calls at callcert's UAS, sampled every 100 ms (IntervalReport.outboundSamples).",
  ),
  event_loop_lag_ms: level(
    'ms', 'sip', "The worker's event-loop delay beyond its timer period: p99 and max of the interval, p99 since start (IntervalReport).",
  ),
  heap_used_bytes: level('bytes', 'sip', "The worker's V8 heap in use at the end of the interval (IntervalReport.heapUsedBytes)."),
} as const satisfies Record<string, SeriesDef>;

export type SeriesName = keyof typeof SERIES;
type SeriesOfKind<K> = { [N in SeriesName]: (typeof SERIES)[N]['kind'] extends K ? N : never }[SeriesName];
/** Series added up across workers and intervals: the interval message's `counters`. */
export type CounterName = SeriesOfKind<'counter'>;
/** Latency histograms: the interval message's `trends`. */
export type TrendName = SeriesOfKind<'trend'>;

/** Every series name, in catalogue order. */
export const SERIES_NAMES = Object.keys(SERIES) as SeriesName[];
