/**
 * What a worker ships to the main thread each second (IntervalReport): the SIP caller's
 * counters and trends keyed by their catalogue name (metrics/catalog.ts SERIES, the generic
 * payload of metrics/measures.ts), beside the samples, records and generator figures that do not
 * add up, and the HTTP/flow/outbound buckets (plain data that adds across workers and intervals;
 * histograms travel encoded).
 *
 * The typed view at the boundary lives here too, written once against the series names:
 * `Counters` (the SIP caller's counts, as verdict/thresholds.ts, results/summary.ts and search
 * steps read them). `putCounters` turns the worker's counts into series (once per interval,
 * never per call), `countersOf` reads them back from merged series.
 */
import type { CounterName } from './catalog.js';
import { createLatencyHistogram, type Histogram } from './histograms.js';
import { lastTags, UNTAGGED, type Measures } from './measures.js';

/** One worker's second of activity. */
export interface IntervalReport extends Measures {
  type: 'interval';
  worker: number;
  /** Interval number: covers [seq·1000, (seq+1)·1000) ms after run start. */
  seq: number;
  // counters, trends (Measures): every count and latency histogram of the SIP caller's interval, by series name.
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
  /** Per HTTP load run by this worker. */
  http: Record<string, HttpIntervalData>;
  /** Per HTTP flow (http.flows), this worker's share. */
  flows?: Record<string, FlowIntervalData>;
  /** The worker's UAS (scenario `uas`): outbound legs, dial latency, established samples. */
  outbound?: OutboundIntervalData | null;
  /** Flow records (JSON lines, flows.jsonl) of flow instances that ended or were blocked in this interval. */
  flowRecords?: string;
}

/**
 * Per-second data (timeline slots) keeps its histograms this many report intervals
 * behind the newest report — workers report every second, so a report for an older
 * interval has all but never come — then its percentiles are frozen and the
 * histograms freed. Keeping every second's histograms (~92 KB each, several per
 * second) would hold ~0.5 GB on the main thread through a 30-minute certification run.
 */
export const SETTLE_SLOTS = 10;

export function addMap(into: Record<string, number>, from: Record<string, number>): void {
  for (const k in from) into[k] = (into[k] ?? 0) + from[k];
}

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

/** One interval of one HTTP load as shipped to the main thread: a bucket with its histogram encoded (µs). */
export type HttpIntervalData = Omit<HttpBucket, 'hist'> & { hist: string };

/** One HTTP load's measurements over some span: a worker's interval, or merged on the main thread. */
export interface HttpBucket {
  hist: Histogram;
  settled: number;
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
  failed: number;
  blocked: number;
  errorsByCause: Record<string, number>;
  /** Responses that failed a status check, by code. */
  unexpectedStatus: Record<string, number>;
  /** The first failure of each cause, in words. */
  examples: Record<string, string>;
  steps: Record<string, StepBucket>;
}

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

type Encoded<T> = { [K in keyof T]: T[K] extends Histogram ? string : T[K] };
export type StepIntervalData = Encoded<StepBucket>;
export type FlowIntervalData = Omit<Encoded<FlowBucket>, 'steps'> & { steps: Record<string, StepIntervalData> };
export type OutboundIntervalData = Encoded<OutboundBucket> & { samples: Array<[number, number]> };

export const emptyStepBucket = (): StepBucket => ({ hist: createLatencyHistogram(), count: 0, statusCodes: {}, errors: {} });
export const emptyFlowBucket = (steps: readonly string[] = []): FlowBucket => ({
  hist: createLatencyHistogram(), started: 0, completed: 0, failed: 0, blocked: 0, errorsByCause: {}, unexpectedStatus: {}, examples: {},
  steps: Object.fromEntries(steps.map((s) => [s, emptyStepBucket()])),
});
export const emptyOutboundBucket = (): OutboundBucket => ({
  dialHist: createLatencyHistogram(),
  offered: 0,
  answered: 0,
  completed: 0,
  failed: 0,
  uncorrelated: 0,
  unfinished: 0,
});
