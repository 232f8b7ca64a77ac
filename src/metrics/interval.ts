/**
 * What a worker ships to the main thread each second (IntervalReport): every counter and trend
 * of the interval keyed by its catalogue name (metrics/catalog.ts SERIES, the generic payload of
 * metrics/measures.ts), beside the samples, records and generator figures that do not add up.
 *
 * The typed views at the boundaries live here too, each written once against the series names:
 * `Counters` (the SIP caller's counts, as verdict/thresholds.ts, results/summary.ts and search
 * steps read them), and the HTTP load, flow and outbound buckets the workers accumulate into and
 * the results read back. `putX` turns a worker's bucket into series of a payload (once per
 * interval, never per call), `xOf` reads the bucket back from merged series.
 */
import type { CounterName } from './catalog.js';
import { createLatencyHistogram, encodeHistogram, type Histogram } from './histograms.js';
import { addCount, lastTags, tagKey, total, UNTAGGED, type Measures } from './measures.js';

/** One worker's second of activity. */
export interface IntervalReport extends Measures {
  type: 'interval';
  worker: number;
  /** Interval number: covers [seq·1000, (seq+1)·1000) ms after run start. */
  seq: number;
  // counters, trends (Measures): every count and latency histogram of the interval, by series name.
  // An HTTP load, flow, step or the UAS is in an interval when its trend is (shipped even empty).
  /** Established-call samples every 100 ms: [sampleIndex, established, inProgress] (calls_established, calls_in_progress). */
  samples: Array<[number, number, number]>;
  /** Call records (JSON lines) of calls that ended in this interval. */
  calls: string;
  /** event_loop_lag_ms of the interval: p99 and max. */
  eventLoopLagMsP99: number;
  eventLoopLagMsMax: number;
  /** p99 of the event-loop lag since the worker started. */
  eventLoopLagMsP99Run: number;
  heapUsedBytes: number;
  /** The worker's UAS (scenario `uas`): established calls every 100 ms, [sampleIndex, established] (outbound_established). */
  outboundSamples?: Array<[number, number]>;
  /** Per HTTP flow: the first failure of each cause in this interval, in words (text, not a count: the first one wins). */
  flowExamples?: Record<string, Record<string, string>>;
  /** Flow records (JSON lines, flows.jsonl) of flow instances that ended or were blocked in this interval. */
  flowRecords?: string;
  /** outbound-rules.jsonl lines (scenario outboundRules): the INVITEs the UAS received, the originates the flows sent, this interval. */
  outboundRuleRecords?: string;
}

/**
 * Per-second data (timeline slots) keeps its histograms this many report intervals
 * behind the newest report — workers report every second, so a report for an older
 * interval has all but never come — then its percentiles are frozen and the
 * histograms freed. Keeping every second's histograms (~92 KB each, several per
 * second) would hold ~0.5 GB on the main thread through a 30-minute certification run.
 */
export const SETTLE_SLOTS = 10;

export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

// ---- SIP caller --------------------------------------------------------------------------

/** The SIP caller's counts: what the worker's collector accumulates, and the typed view of merged series. */
export interface Counters {
  /** Calls the schedule offered (attempted or blocked). */
  offered: number;
  attempts: number;
  answers: number;
  failures: number;
  blocked: number;
  completed: number;
  /** Answered calls the end of the run hung up before their hold elapsed (not in `completed`). */
  cutAtEnd: number;
  aborted: number;
  /** Attempts that got no response at all (not even 100 Trying): timeouts and aborted ones. */
  noResponse: number;
  /** Answered calls with no provisional response before their 200 (no PDD for them). */
  noProvisional: number;
  timeouts: number;
  retransmissions: number;
  parseErrors: number;
  transportErrors: number;
  /** Final response code of every INVITE transaction that got one (200 included). */
  finalByCode: Record<string, number>;
  /** Failed calls by final code (non-2xx). */
  failuresByCode: Record<string, number>;
  /** Failed or abnormally ended calls by cause. */
  failuresByCause: Record<string, number>;
}

type KeysOf<T, V> = { [K in keyof T]: T[K] extends V ? K : never }[keyof T];

/** Counters field → its series: the one mapping between the typed view and the message. */
const SIP_COUNTS = {
  offered: 'calls_offered', attempts: 'calls_attempted', answers: 'calls_answered', failures: 'calls_failed', blocked: 'calls_blocked',
  completed: 'calls_completed', cutAtEnd: 'calls_cut_at_end', aborted: 'calls_aborted', noResponse: 'calls_no_response',
  noProvisional: 'calls_no_provisional', timeouts: 'sip_timeouts', retransmissions: 'sip_retransmissions',
  parseErrors: 'sip_parse_errors', transportErrors: 'sip_transport_errors',
} as const satisfies Record<KeysOf<Counters, number>, CounterName>;
const SIP_TAGGED = {
  finalByCode: 'sip_final_responses', failuresByCode: 'calls_failed_by_code', failuresByCause: 'calls_failed_by_cause',
} as const satisfies Record<KeysOf<Counters, Record<string, number>>, CounterName>;
const SIP_COUNT_FIELDS = Object.keys(SIP_COUNTS) as Array<keyof typeof SIP_COUNTS>;
const SIP_TAGGED_FIELDS = Object.keys(SIP_TAGGED) as Array<keyof typeof SIP_TAGGED>;

export function emptyCounters(): Counters {
  return {
    offered: 0, attempts: 0, answers: 0, failures: 0, blocked: 0, completed: 0, cutAtEnd: 0, aborted: 0, noResponse: 0, noProvisional: 0,
    timeouts: 0, retransmissions: 0, parseErrors: 0, transportErrors: 0, finalByCode: {}, failuresByCode: {}, failuresByCause: {},
  };
}

/** Writes the SIP counts into a payload (every one, zeros included); the per-code and per-cause maps are handed over, not copied. */
export function putCounters(out: Measures<unknown>, c: Counters): void {
  for (const f of SIP_COUNT_FIELDS) out.counters[SIP_COUNTS[f]] = { [UNTAGGED]: c[f] };
  for (const f of SIP_TAGGED_FIELDS) out.counters[SIP_TAGGED[f]] = c[f];
}

/** The SIP counts of merged series (maps copied: the caller may keep them while merging goes on). */
export function countersOf(m: Measures<unknown>): Counters {
  const c = emptyCounters();
  for (const f of SIP_COUNT_FIELDS) c[f] = m.counters[SIP_COUNTS[f]]?.[UNTAGGED] ?? 0;
  for (const f of SIP_TAGGED_FIELDS) c[f] = lastTags(m.counters[SIP_TAGGED[f]]);
  return c;
}

// ---- HTTP loads (tag: load) ------------------------------------------------------------------

/** One HTTP load's measurements over some span: a worker's interval, or merged on the main thread. */
export interface HttpBucket {
  hist: Histogram;
  settled: number;
  /** Responses (any status): the sum of statusCodes, so not shipped apart. */
  completed: number;
  statusCodes: Record<string, number>;
  errorsByCause: Record<string, number>;
}

export const emptyBucket = (): HttpBucket => ({
  hist: createLatencyHistogram(),
  settled: 0,
  completed: 0,
  statusCodes: {},
  errorsByCause: {},
});

/** One load's interval as series tagged `load` (http_requests, http_responses, http_errors, http_latency_ms). */
export function putHttpLoad(out: Measures, load: string, b: HttpBucket): void {
  addCount(out, 'http_requests', load, b.settled);
  for (const s in b.statusCodes) addCount(out, 'http_responses', tagKey(load, s), b.statusCodes[s]);
  for (const c in b.errorsByCause) addCount(out, 'http_errors', tagKey(load, c), b.errorsByCause[c]);
  (out.trends.http_latency_ms ??= {})[load] = encodeHistogram(b.hist);
}

/** One load's bucket from merged series; undefined when no interval had it. */
export function httpLoadOf(m: Measures<Histogram>, load: string): HttpBucket | undefined {
  const hist = m.trends.http_latency_ms?.[load];
  if (hist === undefined) return undefined;
  const statusCodes = lastTags(m.counters.http_responses, [load]);
  return {
    hist,
    settled: m.counters.http_requests?.[load] ?? 0,
    completed: total(statusCodes),
    statusCodes,
    errorsByCause: lastTags(m.counters.http_errors, [load]),
  };
}

// ---- HTTP flows (tags: flow, step) -------------------------------------------------------------

export interface StepBucket {
  hist: Histogram;
  /** Steps that ended (succeeded or failed). */
  count: number;
  statusCodes: Record<string, number>;
  errors: Record<string, number>;
}

export interface FlowBucket {
  hist: Histogram;
  started: number;
  completed: number;
  /** Flows that failed: the sum of errorsByCause (each failure has one cause), so not shipped apart. */
  failed: number;
  blocked: number;
  errorsByCause: Record<string, number>;
  /** Responses that failed a status check, by code. */
  unexpectedStatus: Record<string, number>;
  /** The first failure of each cause, in words (IntervalReport.flowExamples: text, no series). */
  examples: Record<string, string>;
  steps: Record<string, StepBucket>;
}

export const emptyStepBucket = (): StepBucket => ({ hist: createLatencyHistogram(), count: 0, statusCodes: {}, errors: {} });
export const emptyFlowBucket = (steps: readonly string[] = []): FlowBucket => ({
  hist: createLatencyHistogram(), started: 0, completed: 0, failed: 0, blocked: 0, errorsByCause: {}, unexpectedStatus: {}, examples: {},
  steps: Object.fromEntries(steps.map((s) => [s, emptyStepBucket()])),
});

/** One flow's interval as series tagged `flow` (and `step`); its examples travel beside (IntervalReport.flowExamples). */
export function putFlow(out: Measures, flow: string, b: FlowBucket): void {
  addCount(out, 'flows_started', flow, b.started);
  addCount(out, 'flows_completed', flow, b.completed);
  addCount(out, 'flows_blocked', flow, b.blocked);
  for (const c in b.errorsByCause) addCount(out, 'flow_failures', tagKey(flow, c), b.errorsByCause[c]);
  for (const s in b.unexpectedStatus) addCount(out, 'flow_unexpected_status', tagKey(flow, s), b.unexpectedStatus[s]);
  (out.trends.flow_ms ??= {})[flow] = encodeHistogram(b.hist);
  for (const name in b.steps) {
    const st = b.steps[name];
    const key = tagKey(flow, name);
    addCount(out, 'flow_steps', key, st.count);
    for (const s in st.statusCodes) addCount(out, 'flow_step_responses', tagKey(flow, name, s), st.statusCodes[s]);
    for (const c in st.errors) addCount(out, 'flow_step_errors', tagKey(flow, name, c), st.errors[c]);
    (out.trends.flow_step_ms ??= {})[key] = encodeHistogram(st.hist);
  }
}

/** One flow's bucket from merged series (with its merged examples); undefined when no interval had it. */
export function flowOf(m: Measures<Histogram>, flow: string, examples: Record<string, string> = {}): FlowBucket | undefined {
  const hist = m.trends.flow_ms?.[flow];
  if (hist === undefined) return undefined;
  const c = m.counters;
  const errorsByCause = lastTags(c.flow_failures, [flow]);
  const steps: Record<string, StepBucket> = {};
  const stepHists = lastTags(m.trends.flow_step_ms, [flow]);
  for (const name in stepHists) {
    steps[name] = {
      hist: stepHists[name],
      count: c.flow_steps?.[tagKey(flow, name)] ?? 0,
      statusCodes: lastTags(c.flow_step_responses, [flow, name]),
      errors: lastTags(c.flow_step_errors, [flow, name]),
    };
  }
  return {
    hist,
    started: c.flows_started?.[flow] ?? 0,
    completed: c.flows_completed?.[flow] ?? 0,
    failed: total(errorsByCause),
    blocked: c.flows_blocked?.[flow] ?? 0,
    errorsByCause,
    unexpectedStatus: lastTags(c.flow_unexpected_status, [flow]),
    examples: { ...examples },
    steps,
  };
}

// ---- outbound calls (callcert's UAS) -------------------------------------------------------------

export interface OutboundBucket {
  dialHist: Histogram;
  /** INVITEs received, answered (200 sent), completed (ended by BYE either way), failed (rejected or never ACKed). */
  offered: number;
  answered: number;
  completed: number;
  failed: number;
  /** INVITEs no flow instance claimed (no matching user/header). */
  uncorrelated: number;
  /**
   * Calls still up when the worker stopped waiting (interrupted, or the platform did not hang up within the drain bound):
   * callcert then sent BYE.
   */
  unfinished: number;
}

const OUTBOUND_COUNTS = {
  offered: 'outbound_offered', answered: 'outbound_answered', completed: 'outbound_completed', failed: 'outbound_failed',
  uncorrelated: 'outbound_uncorrelated', unfinished: 'outbound_unfinished',
} as const satisfies Record<KeysOf<OutboundBucket, number>, CounterName>;
const OUTBOUND_FIELDS = Object.keys(OUTBOUND_COUNTS) as Array<keyof typeof OUTBOUND_COUNTS>;

export const emptyOutboundBucket = (): OutboundBucket => ({
  dialHist: createLatencyHistogram(),
  offered: 0,
  answered: 0,
  completed: 0,
  failed: 0,
  uncorrelated: 0,
  unfinished: 0,
});

/** The UAS's interval as untagged outbound_* series and dial_latency_ms. */
export function putOutbound(out: Measures, b: OutboundBucket): void {
  for (const f of OUTBOUND_FIELDS) addCount(out, OUTBOUND_COUNTS[f], UNTAGGED, b[f]);
  (out.trends.dial_latency_ms ??= {})[UNTAGGED] = encodeHistogram(b.dialHist);
}

/** The UAS's bucket from merged series; null when no interval had a UAS. */
export function outboundOf(m: Measures<Histogram>): OutboundBucket | null {
  const dialHist = m.trends.dial_latency_ms?.[UNTAGGED];
  if (dialHist === undefined) return null;
  const b: OutboundBucket = { dialHist, offered: 0, answered: 0, completed: 0, failed: 0, uncorrelated: 0, unfinished: 0 };
  for (const f of OUTBOUND_FIELDS) b[f] = m.counters[OUTBOUND_COUNTS[f]]?.[UNTAGGED] ?? 0;
  return b;
}
