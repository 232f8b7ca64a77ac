/**
 * Criterion values and their evaluation while the run goes (k6 thresholds).
 *
 * `metricValue` is the one place a criterion's measured value comes from: the
 * end-of-run verdict (results/summary.ts), the per-second evaluation below and
 * each capacity-search step (engine/search-steps.ts) all feed it a MetricSource
 * over their own data (the whole run so far, or one step's window).
 *
 * LiveCriteria is evaluated every second on the cumulative data (as k6 does).
 * It records when each criterion first failed, and reports an abort when an
 * abortOnFail criterion fails after its delayAbortEval — but only when that
 * failure is already decided (see decidedWhileRunning): a count that must stay
 * under a bound and has passed it will not come back, while cps_achieved (a
 * whole-run average) or concurrency_peak >= N (may still be reached) are not
 * judged before the end.
 */
import type { Criterion } from '../scenario/types.js';
import { evaluateCriterion, isHistogramMetric, isRatioMetric } from '../scenario/criteria.js';
import { percentileMs, summarizeMs, type Histogram } from '../metrics/histograms.js';
import { computeRatios, type Ratios } from '../metrics/rfc6076.js';
import type { Counters } from './protocol.js';

export type RatioCounters = Pick<Counters, 'attempts' | 'aborted' | 'timeouts' | 'completed' | 'finalByCode'>;

/** The data one evaluation looks at: the run so far, the whole run, or one search step. */
export interface MetricSource {
  counters: RatioCounters & Pick<Counters, 'answers' | 'failures' | 'blocked'>;
  setup: Histogram;
  pdd: Histogram;
  /** Wall time the counters cover (cps_achieved = attempts / this). */
  elapsedMs: number;
  /** Peak and sustained channels; a function because the 100 ms series is only read when a criterion needs it. */
  concurrency(): { peak: number; sustained: number | null };
}

/** RFC 6076 ratios of some counters; INVITEs are attempts minus those aborted before any final response. */
export function ratiosOf(c: RatioCounters): Ratios {
  return computeRatios({ invites: c.attempts - c.aborted, finalByCode: c.finalByCode, timeouts: c.timeouts, completedNormally: c.completed });
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

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The measured value a criterion compares, or null when there is no data for it yet. */
export function metricValue(c: Criterion, src: MetricSource): number | null {
  if (isHistogramMetric(c.metric)) {
    const hist = c.metric === 'setup_ms' ? src.setup : src.pdd;
    const a = c.aggregate;
    if (a.kind === 'percentile') return percentileMs(hist, a.p);
    const s = summarizeMs(hist);
    return a.kind === 'max' ? s.max : a.kind === 'mean' ? s.mean : s.p50;
  }
  if (isRatioMetric(c.metric)) return ratiosOf(src.counters)[c.metric as keyof Ratios];
  switch (c.metric) {
    case 'concurrency_peak': return src.concurrency().peak;
    case 'concurrency_sustained': return src.concurrency().sustained;
    case 'cps_achieved': return round3(src.counters.attempts / (Math.max(src.elapsedMs, 1) / 1000));
    case 'failed_calls': return src.counters.failures;
    case 'blocked_calls': return src.counters.blocked;
    default: return null;
  }
}

/** What a criterion's verdict looks like in results.json. */
export interface CriterionVerdict {
  criterion: string;
  metric: Criterion['metric'];
  actual: number | null;
  pass: boolean;
}

export function judge(c: Criterion, src: MetricSource): CriterionVerdict {
  const actual = metricValue(c, src);
  return { criterion: c.source, metric: c.metric, actual, pass: actual !== null && evaluateCriterion(c, actual) };
}

/** Timing of the sustained-concurrency window (the hold stages at the top target). */
export interface SustainedWindow {
  /** First sample that counts (hold start + settle time). */
  fromMs: number;
  endMs: number;
}

/**
 * true when a failing value seen mid-run cannot turn into a pass by the end
 * (so aborting on it is fair):
 * - setup/PDD histograms and ratios: always (k6 judges rates and trends the same way);
 * - failed_calls, blocked_calls, concurrency_peak never decrease: only a bound from above (<, <=, == exceeded);
 * - concurrency_sustained is a minimum over its window, so it never increases: once the window has begun,
 *   a bound from below (>, >=, == undershot) is decided; any other failure only after the window is over;
 * - cps_achieved is an average over the whole run: never.
 */
export function decidedWhileRunning(c: Criterion, actual: number, elapsedMs: number, sustained: SustainedWindow | null): boolean {
  if (isHistogramMetric(c.metric) || isRatioMetric(c.metric)) return true;
  switch (c.metric) {
    case 'failed_calls':
    case 'blocked_calls':
    case 'concurrency_peak':
      return c.op === '<' || c.op === '<=' || (c.op === '==' && actual > c.threshold);
    case 'concurrency_sustained':
      if (sustained === null || elapsedMs < sustained.fromMs) return false;
      return elapsedMs >= sustained.endMs || c.op === '>' || c.op === '>=' || (c.op === '==' && actual < c.threshold);
    default:
      return false;
  }
}

/** Why a run was stopped by a criterion (results.json `abortedBy`). */
export interface AbortedBy {
  criterion: string;
  metric: Criterion['metric'];
  actual: number;
  /** Run time of the evaluation that failed, ms after the start. */
  atMs: number;
}

export interface LiveStatus {
  /** Per criterion (scenario order): run time of the first decided failure, or null. */
  firstFailedAtMs: Array<number | null>;
  /** The criteria failing at the last evaluation (descriptions, for the live view). */
  failing: string[];
  abortedBy: AbortedBy | null;
}

/** Per-second evaluation of the scenario's criteria on the data so far. */
export class LiveCriteria {
  private readonly firstFailedAtMs: Array<number | null>;
  private failing: string[] = [];
  private abortedBy: AbortedBy | null = null;

  constructor(
    private readonly criteria: readonly Criterion[],
    private readonly sustained: SustainedWindow | null,
  ) {
    this.firstFailedAtMs = criteria.map(() => null);
  }

  /** Evaluates every criterion at run time `elapsedMs`; returns the abort this evaluation decided, if any. */
  evaluate(elapsedMs: number, src: MetricSource): AbortedBy | null {
    const failing: string[] = [];
    let abort: AbortedBy | null = null;
    this.criteria.forEach((c, i) => {
      const actual = metricValue(c, src);
      // No data yet (no call answered) is not a failure while running; at the end it is.
      if (actual === null || evaluateCriterion(c, actual)) return;
      if (!decidedWhileRunning(c, actual, elapsedMs, this.sustained)) return;
      failing.push(`${c.metric} ${c.source} (actual ${actual})`);
      this.firstFailedAtMs[i] ??= elapsedMs;
      if (c.abortOnFail && elapsedMs >= c.delayAbortEvalMs && abort === null && this.abortedBy === null) {
        abort = { criterion: c.source, metric: c.metric, actual, atMs: Math.round(elapsedMs) };
      }
    });
    this.failing = failing;
    if (abort !== null) this.abortedBy = abort;
    return abort;
  }

  status(): LiveStatus {
    return { firstFailedAtMs: [...this.firstFailedAtMs], failing: [...this.failing], abortedBy: this.abortedBy };
  }
}

/**
 * The window `concurrency_sustained` is measured over: the hold stages at the
 * highest flat target, from the first one's start + settleMs to the last one's end.
 */
export function sustainedWindowOf(windows: ReadonlyArray<{ startMs: number; endMs: number; target: number }>, settleMs: number): SustainedWindow | null {
  if (windows.length === 0) return null;
  const top = Math.max(...windows.map((w) => w.target));
  const tops = windows.filter((w) => w.target === top);
  return { fromMs: tops[0].startMs + settleMs, endMs: tops[tops.length - 1].endMs };
}
