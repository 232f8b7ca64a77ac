/**
 * Metric and failure-cause names (like k6's metrics/builtin.go): the strings
 * that appear in summaries, JSON reports and pass criteria. Renaming one is a
 * breaking change for users' scenarios and dashboards.
 */
import type { CriterionMetric } from '../scenario/types.js';

/** Per-call durations in ms, kept as HDR histograms (see histograms.ts). */
export const Trend = {
  /** INVITE sent → 200 OK received. */
  SETUP_MS: 'setup_ms',
  /** Post-dial delay: INVITE sent → first 180/183 (RFC 6076 §4.1 SRD, ringing case). */
  PDD_MS: 'pdd_ms',
  /** Session Disconnect Delay (RFC 6076 §4.2): BYE sent → its final response. */
  SDD_MS: 'sdd_ms',
  /** Session Duration Time (RFC 6076 §4.3): 200 OK → BYE. */
  SDT_MS: 'sdt_ms',
} as const;
export type TrendName = (typeof Trend)[keyof typeof Trend];

/** Monotonic counts over the run. */
export const Counter = {
  CALLS_ATTEMPTED: 'calls_attempted',
  CALLS_ANSWERED: 'calls_answered',
  CALLS_COMPLETED: 'calls_completed',
  FAILED_CALLS: 'failed_calls',
  /** Open model: arrivals dropped because maxConcurrency was reached (never sent). */
  BLOCKED_CALLS: 'blocked_calls',
} as const;
export type CounterName = (typeof Counter)[keyof typeof Counter];

/** Values computed at the end (or per interval) from counters and gauges. */
export const Derived = {
  SER: 'ser',
  SEER: 'seer',
  ISA: 'isa',
  SCR: 'scr',
  ASR: 'asr',
  CONCURRENCY_PEAK: 'concurrency_peak',
  /** Lowest concurrency held during the flat (hold) stages. */
  CONCURRENCY_SUSTAINED: 'concurrency_sustained',
  CPS_ACHIEVED: 'cps_achieved',
} as const;
export type DerivedName = (typeof Derived)[keyof typeof Derived];

/** Load generator health: a run whose generator lagged is not valid evidence. */
export const Health = {
  EVENT_LOOP_LAG_MS: 'event_loop_lag_ms',
  /** Actual send time − intended send time of each scheduled INVITE. */
  SCHEDULE_SLIP_MS: 'schedule_slip_ms',
  CPU_PERCENT: 'cpu_percent',
} as const;
export type HealthName = (typeof Health)[keyof typeof Health];

/** HTTP loads, flows and the run's own UAS; criteria name one load/flow/step with a k6-style selector (http_latency_ms{load:agents}). */
export const Service = {
  HTTP_LATENCY_MS: 'http_latency_ms',
  HTTP_ERRORS: 'http_errors',
  HTTP_ERROR_RATE: 'http_error_rate',
  HTTP_RPS: 'http_rps',
  FLOW_MS: 'flow_ms',
  FLOW_FAILURES: 'flow_failures',
  FLOW_FAILURE_RATE: 'flow_failure_rate',
  FLOW_STEP_MS: 'flow_step_ms',
  DIAL_LATENCY_MS: 'dial_latency_ms',
  OUTBOUND_FAILED: 'outbound_failed',
  OUTBOUND_ANSWERED: 'outbound_answered',
  OUTBOUND_CONCURRENCY_PEAK: 'outbound_concurrency_peak',
  OUTBOUND_CONCURRENCY_SUSTAINED: 'outbound_concurrency_sustained',
} as const;
export type ServiceName = (typeof Service)[keyof typeof Service];

/** Every metric a pass criterion may name; the compile-time check below keeps it in step with the scenario contract. */
export const CRITERION_METRICS = [
  Trend.SETUP_MS, Trend.PDD_MS,
  Derived.SER, Derived.SEER, Derived.ISA, Derived.SCR, Derived.ASR,
  Derived.CONCURRENCY_PEAK, Derived.CONCURRENCY_SUSTAINED, Derived.CPS_ACHIEVED,
  Counter.FAILED_CALLS, Counter.BLOCKED_CALLS,
  Service.HTTP_LATENCY_MS, Service.HTTP_ERRORS, Service.HTTP_ERROR_RATE, Service.HTTP_RPS,
  Service.FLOW_MS, Service.FLOW_FAILURES, Service.FLOW_FAILURE_RATE, Service.FLOW_STEP_MS,
  Service.DIAL_LATENCY_MS, Service.OUTBOUND_FAILED, Service.OUTBOUND_ANSWERED, Service.OUTBOUND_CONCURRENCY_PEAK, Service.OUTBOUND_CONCURRENCY_SUSTAINED,
] as const satisfies readonly CriterionMetric[];
type MissingCriterion = Exclude<CriterionMetric, (typeof CRITERION_METRICS)[number]>;
const _criterionCoverage: [MissingCriterion] extends [never] ? true : MissingCriterion = true;

/** Why a call failed; each failed call has exactly one cause. */
export const FailureCause = {
  /** Timer B: no final response to the INVITE. */
  TIMEOUT: 'timeout',
  /** We sent CANCEL after ringTimeoutMs without a final response. */
  RING_TIMEOUT: 'ring_timeout',
  /** Send failed, connection refused/reset, ICMP unreachable. */
  TRANSPORT_ERROR: 'transport_error',
  /** 401/407 after we answered a challenge, or a challenge without credentials. */
  AUTH_FAILED: 'auth_failed',
  /** Final 4xx–6xx to the INVITE (other than an auth failure). */
  REJECTED: 'rejected',
  /** The BYE got no 2xx (error response or Timer F). */
  BYE_FAILED: 'bye_failed',
  /** Open model: not attempted because maxConcurrency was reached. */
  BLOCKED: 'blocked',
  /** call.data with order unique had no row left for the call: it was never sent. */
  DATA_EXHAUSTED: 'data_exhausted',
} as const;
export type FailureCause = (typeof FailureCause)[keyof typeof FailureCause];
export const FAILURE_CAUSES: readonly FailureCause[] = Object.values(FailureCause);
