/**
 * Criterion values and their evaluation while the run goes (k6 thresholds).
 *
 * `metricValue` is the one place a criterion's measured value comes from: the
 * end-of-run verdict (results/summary.ts), the per-second evaluation below and
 * each capacity-search step (verdict/search-steps.ts) all feed it a MetricSource
 * over their own data (the whole run so far, or one step's window).
 *
 * LiveCriteria is evaluated every second on the cumulative data (as k6 does).
 * It records when each criterion first failed, and reports an abort when an
 * abortOnFail criterion fails after its delayAbortEval — but only when that
 * failure is already decided (see decidedWhileRunning): a count that must stay
 * under a bound and has passed it will not come back, while cps_achieved (a
 * whole-run average) or concurrency_peak >= N (may still be reached) are not
 * judged before the end.
 *
 * HTTP loads, flows and outbound calls (`http_latency_ms{load:x}`, `flow_ms{flow:x}`,
 * `dial_latency_ms`, ...) come from the same merged buckets summary.http, httpFlows
 * and outbound are published from (results/metric-sources.ts); a source without them
 * (a search step) gives null, and the scenario refuses such criteria with a search.
 */
import type { Criterion } from '../scenario/types.js';
import { evaluateCriterion } from '../scenario/criteria.js';
import { METRICS } from '../metrics/catalog.js';
import { percentileMs, summarizeMs, unscaleMs, type Histogram } from '../metrics/histograms.js';
import { computeRatios, type Ratios } from '../metrics/rfc6076.js';
import { round3 } from '../metrics/round.js';
import type { Counters } from '../metrics/interval.js';
import type { PlatformSample } from '../platform/node-exporter.js';
import { seriesValue } from '../platform/summary.js';

export type RatioCounters = Pick<Counters, 'attempts' | 'aborted' | 'timeouts' | 'completed' | 'cutAtEnd' | 'finalByCode'>;

/** The data one evaluation looks at: the run so far, the whole run, or one search step. */
export interface MetricSource {
  counters: RatioCounters & Pick<Counters, 'answers' | 'failures' | 'blocked' | 'noResponse'>;
  setup: Histogram;
  pdd: Histogram;
  /** Wall time the counters cover (cps_achieved = attempts / this). */
  elapsedMs: number;
  /** Peak and sustained channels; a function because the 100 ms series is only read when a criterion needs it. */
  concurrency(): { peak: number; sustained: number | null };
  /** One HTTP load (null: no such load); absent: no HTTP data in this source. */
  http?(name: string): HttpLoadSource | null;
  /** One HTTP flow (null: no such flow). */
  flow?(name: string): FlowSource | null;
  /** The run's UAS (null: the scenario has none). */
  outbound?(): OutboundSource | null;
  /** The caller legs' media (null: call.media is none). */
  media?(): MediaSource | null;
  /** The recording probe's result (null: no probe, or not run yet: it runs after the calls). */
  recordings?(): { completeness: number } | null;
  /** The outbound-rule probe's result (null: no probe, no INVITE to judge, or not run yet: it runs after the calls). */
  outboundRules?(): { violations: number | null } | null;
  /** A platform server's samples so far (platform/scraper.ts; results.json platform.instances); null: no such target. */
  platform?(instance: string): { samples: readonly PlatformSample[] } | null;
}

/** One HTTP load's requests so far (metrics/interval.ts HttpBucket, merged). */
export interface HttpLoadSource {
  hist: Histogram;
  /** Requests with an outcome (response or error). */
  settled: number;
  completed: number;
  /** Requests that failed, any cause (summary.http[name].errors.total). */
  errors: number;
  /** How long the load has run (its worker's figure once it finished): rps = completed / this. */
  elapsedMs: number;
}

/** One HTTP flow so far (metrics/interval.ts FlowBucket, merged). */
export interface FlowSource {
  hist: Histogram;
  completed: number;
  failed: number;
  steps: Readonly<Record<string, { hist: Histogram } | undefined>>;
}

/** The caller legs' media so far: its per-call trends and counts (null without call.media). */
export interface MediaSource {
  trends: Readonly<Record<'mos_cqe' | 'rtp_loss_ratio' | 'rtp_jitter_ms' | 'rtp_max_gap_ms' | 'rtp_first_media_ms' | 'rtcp_rtt_ms', Histogram | undefined>>;
  counters: Readonly<Record<'rtp_one_way_audio' | 'rtp_crossed_media', number>>;
}

/** The calls callcert's UAS answered so far. */
export interface OutboundSource {
  dial: Histogram;
  answered: number;
  failed: number;
  /** As summary.outbound.concurrency (results/flow-summary.ts outboundConcurrency). */
  concurrency(): { peak: number; sustained: number | null };
}

/** RFC 6076 ratios of some counters; INVITEs are attempts minus those aborted before any final response. */
export function ratiosOf(c: RatioCounters): Ratios {
  return computeRatios({
    invites: c.attempts - c.aborted,
    finalByCode: c.finalByCode,
    timeouts: c.timeouts,
    completedNormally: c.completed + c.cutAtEnd,
  });
}

/**
 * The same counters with INVITEs counted as the calls that have an outcome (answered or
 * failed). Used while running and per search step: calls still ringing are neither success
 * nor failure yet, and counting them as INVITEs would pull SER down by the calls in flight
 * (100 cps with a 2 s ring: 200 calls) and abort a healthy run.
 */
export function settledCounters<C extends RatioCounters & Pick<Counters, 'answers' | 'failures'>>(c: C): C {
  return { ...c, attempts: c.answers + c.failures, aborted: 0 };
}

/** A share with 6 decimals (0.000001 resolution), null when nothing has an outcome yet. */
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : null);

function aggregateOf(hist: Histogram | null | undefined, a: Criterion['aggregate']): number | null {
  if (hist === null || hist === undefined) return null;
  if (a.kind === 'percentile') return percentileMs(hist, a.p);
  const s = summarizeMs(hist);
  return a.kind === 'max' ? s.max : a.kind === 'mean' ? s.mean : s.p50;
}

/** A per-call ratio or MOS (recorded × 1000): the aggregate ÷ 1000, to `digits` decimals; a 0 held in the lowest bucket reads 0. */
function scaledOf(hist: Histogram | null | undefined, a: Criterion['aggregate'], digits: number): number | null {
  return unscaleMs(aggregateOf(hist, a), digits);
}

/** The sample figure each platform criterion reads. */
const PLATFORM_FIGURE = {
  platform_cpu_pct: 'cpuPct', platform_mem_used_pct: 'memUsedPct',
  platform_net_rx_bytes_per_sec: 'netRxBytesPerSec', platform_net_tx_bytes_per_sec: 'netTxBytesPerSec',
} as const;

/**
 * A platform criterion's value over a server's samples (null: no such server, no sample with the
 * figure, or not a platform metric). `report/recheck.ts` recomputes it from results.json's platform part.
 */
export function platformMetricValue(c: Criterion, server: { samples: readonly PlatformSample[] } | null): number | null {
  if (server === null || !Object.hasOwn(PLATFORM_FIGURE, c.metric)) return null;
  const figure = PLATFORM_FIGURE[c.metric as keyof typeof PLATFORM_FIGURE];
  return seriesValue(server.samples.map((x) => x[figure]), c.aggregate);
}

/** The measured value a criterion compares, or null when there is no data for it yet. */
export function metricValue(c: Criterion, src: MetricSource): number | null {
  const a = c.aggregate;
  const sel = c.selector ?? {};
  const http = () => (sel.load === undefined ? null : (src.http?.(sel.load) ?? null));
  const flow = () => (sel.flow === undefined ? null : (src.flow?.(sel.flow) ?? null));
  const ob = () => src.outbound?.() ?? null;
  switch (c.metric) {
    case 'setup_ms': return aggregateOf(src.setup, a);
    case 'pdd_ms': return aggregateOf(src.pdd, a);
    case 'ser': case 'seer': case 'isa': case 'scr': case 'asr': return ratiosOf(src.counters)[c.metric];
    case 'concurrency_peak': return src.concurrency().peak;
    case 'concurrency_sustained': return src.concurrency().sustained;
    case 'cps_achieved': return round3(src.counters.attempts / (Math.max(src.elapsedMs, 1) / 1000));
    case 'failed_calls': return src.counters.failures;
    case 'blocked_calls': return src.counters.blocked;
    case 'cut_at_end_calls': return src.counters.cutAtEnd;
    case 'no_response_calls': return src.counters.noResponse;
    case 'http_latency_ms': return aggregateOf(http()?.hist, a);
    case 'http_errors': return http()?.errors ?? null;
    case 'http_error_rate': { const h = http(); return h === null ? null : share(h.errors, h.settled); }
    case 'http_rps': { const h = http(); return h === null || h.elapsedMs <= 0 ? null : round3(h.completed / (h.elapsedMs / 1000)); }
    case 'flow_ms': return aggregateOf(flow()?.hist, a);
    case 'flow_failures': return flow()?.failed ?? null;
    case 'flow_failure_rate': { const f = flow(); return f === null ? null : share(f.failed, f.completed + f.failed); }
    case 'flow_step_ms': return sel.step === undefined ? null : aggregateOf(flow()?.steps[sel.step]?.hist, a);
    case 'dial_latency_ms': return aggregateOf(ob()?.dial, a);
    case 'outbound_failed': return ob()?.failed ?? null;
    case 'outbound_answered': return ob()?.answered ?? null;
    case 'outbound_concurrency_peak': return ob()?.concurrency().peak ?? null;
    case 'outbound_concurrency_sustained': return ob()?.concurrency().sustained ?? null;
    // As summary.media prints them: a MOS to 3 decimals, a loss ratio to 6.
    case 'mos_cqe': return scaledOf(src.media?.()?.trends.mos_cqe, a, 3);
    case 'rtp_loss_ratio': return scaledOf(src.media?.()?.trends.rtp_loss_ratio, a, 6);
    case 'rtp_jitter_ms': case 'rtp_max_gap_ms': case 'rtp_first_media_ms': case 'rtcp_rtt_ms': return aggregateOf(src.media?.()?.trends[c.metric], a);
    case 'rtp_one_way_audio': case 'rtp_crossed_media': return src.media?.()?.counters[c.metric] ?? null;
    case 'recording_completeness': return src.recordings?.()?.completeness ?? null;
    case 'outbound_rule_violations': return src.outboundRules?.()?.violations ?? null;
    // Over the samples that have the figure; a server no scrape reached has none: null, not measured.
    case 'platform_cpu_pct': case 'platform_mem_used_pct': case 'platform_net_rx_bytes_per_sec': case 'platform_net_tx_bytes_per_sec':
      return platformMetricValue(c, sel.instance === undefined ? null : (src.platform?.(sel.instance) ?? null));
  }
}

/** What a criterion's verdict looks like in results.json. */
export interface CriterionVerdict {
  criterion: string;
  /** The criterion's name: the metric with its selector ("flow_ms{flow:agent-call}"). */
  metric: string;
  actual: number | null;
  pass: boolean;
}

export function judge(c: Criterion, src: MetricSource): CriterionVerdict {
  const actual = metricValue(c, src);
  return { criterion: c.source, metric: c.name, actual, pass: actual !== null && evaluateCriterion(c, actual) };
}

/** Timing of the sustained-concurrency window (the hold stages at the top target). */
export interface SustainedWindow {
  /** First sample that counts (hold start + settle time). */
  fromMs: number;
  endMs: number;
}

/**
 * true when a failing value seen mid-run cannot turn into a pass by the end (so aborting on
 * it is fair). Each metric's rule is its catalogue entry's `final` (metrics/catalog.ts):
 * - setup/PDD histograms and ratios: always (k6 judges rates and trends the same way);
 * - failed_calls, blocked_calls, concurrency_peak never decrease: only a bound from above (<, <=, == exceeded);
 * - concurrency_sustained is a minimum over its window, so it never increases: once the window has begun,
 *   a bound from below (>, >=, == undershot) is decided; any other failure only after the window is over;
 * - cps_achieved and http_rps are averages over the whole run (or load): never;
 * - HTTP latency, flow and step durations, dial latency (histograms) and http_error_rate,
 *   flow_failure_rate (ratios over the requests/flows that ended) as the SIP ones: always;
 * - http_errors, flow_failures, outbound_failed, outbound_answered, outbound_concurrency_peak
 *   never decrease: as failed_calls;
 * - outbound_concurrency_sustained is the minimum from the first sample at the peak, and a
 *   later, higher peak moves that start: only once the flows' stages are over
 *   (`outboundEndMs`, results/flow-summary.ts outboundWindowEndMs) and reported (`>`: the
 *   sample at the end travels in the next second's report).
 */
export function decidedWhileRunning(
  c: Criterion,
  actual: number,
  elapsedMs: number,
  sustained: SustainedWindow | null,
  outboundEndMs: number | null = null,
): boolean {
  switch (METRICS[c.metric].final) {
    case 'always':
      return true;
    case 'bound_exceeded':
      return c.op === '<' || c.op === '<=' || (c.op === '==' && actual > c.threshold);
    case 'hold_window':
      if (sustained === null || elapsedMs < sustained.fromMs) return false;
      return elapsedMs >= sustained.endMs || c.op === '>' || c.op === '>=' || (c.op === '==' && actual < c.threshold);
    case 'outbound_end':
      return outboundEndMs !== null && elapsedMs > outboundEndMs;
    case 'end':
      return false;
  }
}

/** Why a run was stopped by a criterion (results.json `abortedBy`). */
export interface AbortedBy {
  criterion: string;
  /** The criterion's name (metric and selector). */
  metric: string;
  actual: number;
  /** Run time of the evaluation that failed, ms after the start. */
  atMs: number;
}

export interface LiveStatus {
  /** Per criterion (scenario order): run time of the first decided failure, or null. */
  firstFailedAtMs: Array<number | null>;
  /** The criteria failing at the last evaluation (descriptions, for the live view). */
  failing: string[];
  /** Per criterion (scenario order): the value the last evaluation judged (null: not measured yet). */
  actual: Array<number | null>;
  /** Per criterion (scenario order): failing at the last evaluation (a failure decided while running). */
  failed: boolean[];
  abortedBy: AbortedBy | null;
}

/** Per-second evaluation of the scenario's criteria on the data so far. */
export class LiveCriteria {
  private readonly firstFailedAtMs: Array<number | null>;
  private failing: string[] = [];
  private actual: Array<number | null>;
  private failed: boolean[];
  private abortedBy: AbortedBy | null = null;

  constructor(
    private readonly criteria: readonly Criterion[],
    private readonly sustained: SustainedWindow | null,
    /** End of the flows' stages (outbound_concurrency_sustained's window); null: no UAS. */
    private readonly outboundEndMs: number | null = null,
  ) {
    this.firstFailedAtMs = criteria.map(() => null);
    this.actual = criteria.map(() => null);
    this.failed = criteria.map(() => false);
  }

  /** Evaluates every criterion at run time `elapsedMs`; returns the abort this evaluation decided, if any. */
  evaluate(elapsedMs: number, src: MetricSource): AbortedBy | null {
    const failing: string[] = [];
    let abort: AbortedBy | null = null;
    this.criteria.forEach((c, i) => {
      const actual = metricValue(c, src);
      this.actual[i] = actual;
      this.failed[i] = false;
      // No data yet (no call answered) is not a failure while running; at the end it is.
      if (actual === null || evaluateCriterion(c, actual)) return;
      if (!decidedWhileRunning(c, actual, elapsedMs, this.sustained, this.outboundEndMs)) return;
      failing.push(`${c.name} ${c.source} (actual ${actual})`);
      this.failed[i] = true;
      this.firstFailedAtMs[i] ??= elapsedMs;
      if (c.abortOnFail && elapsedMs >= c.delayAbortEvalMs && abort === null && this.abortedBy === null) {
        abort = { criterion: c.source, metric: c.name, actual, atMs: Math.round(elapsedMs) };
      }
    });
    this.failing = failing;
    if (abort !== null) this.abortedBy = abort;
    return abort;
  }

  status(): LiveStatus {
    return {
      firstFailedAtMs: [...this.firstFailedAtMs], failing: [...this.failing], actual: [...this.actual], failed: [...this.failed],
      abortedBy: this.abortedBy,
    };
  }
}

/**
 * The window `concurrency_sustained` is measured over: the hold stages at the
 * highest flat target, from the first one's start + settleMs to the last one's end.
 */
/** Samples this close after a hold stage starts are ignored for "sustained" (calls still being set up). */
export const SUSTAIN_SETTLE_MS = 1000;

export function sustainedWindowOf(
  windows: ReadonlyArray<{ startMs: number; endMs: number; target: number }>,
  settleMs: number,
): SustainedWindow | null {
  if (windows.length === 0) return null;
  const top = Math.max(...windows.map((w) => w.target));
  const tops = windows.filter((w) => w.target === top);
  return { fromMs: tops[0].startMs + settleMs, endMs: tops[tops.length - 1].endMs };
}
