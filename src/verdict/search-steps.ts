/**
 * Judging a capacity search (`load.model: search`) on the main thread: each
 * step is judged on its own hold window — the workers' one-second intervals
 * lying wholly inside it, merged (counters summed, HDR histograms merged
 * bucket-wise) — with the scenario's criteria, as soon as every worker has
 * reported those intervals. The first failing step ends the search; the
 * certified capacity is the level of the last step that passed every criterion.
 *
 * A step's ratios (SER, ...) count the calls whose outcome (answer or failure) came
 * within its window, and cps_achieved those outcomes per second; HTTP-load criteria
 * (http_latency_ms{load:x}, http_errors, http_error_rate, http_rps) the load's requests
 * that settled within it.
 * In a step, concurrency_sustained is the share of the step's level held
 * (minimum established channels over the hold, after SUSTAIN_SETTLE_MS, divided
 * by the level), so ">=0.99" means the platform kept 99 % of the offered channels up.
 *
 * The generator's health is judged per step too, on the same window and with the run's limits
 * (metrics/health.ts): a search is meant to go past what something can take, and that something
 * may be this machine. A step on which the generator saturated is not a platform result: it
 * certifies nothing, the search stops there (stoppedBy 'generator', generatorLimit its level), and
 * the capacity certified is the last healthy passing step's — a lower bound of the platform's,
 * and the knee of this generator. The event-loop rule per step: the 90th percentile of the
 * step's per-second lag p99s (a second's p99 is all but its maximum, so one GC pause per step is
 * not saturation; a loop behind a tenth of the time is).
 */
import type { Criterion, SearchSpec } from '../scenario/types.js';
import { mediaHealthReasons, saturationReasons, type GeneratorLimits } from '../metrics/health.js';
import { createLatencyHistogram, percentileMs, type Histogram } from '../metrics/histograms.js';
import type { Aggregator, WindowData } from '../metrics/aggregate/aggregate.js';
import { intervalsWithin, searchStepWindows, type SearchStepWindow } from '../load/search.js';
import { judge, ratiosOf, settledCounters, type CriterionVerdict, type MetricSource } from './thresholds.js';
import { SETTLE_SLOTS } from '../metrics/interval.js';
import { UNTAGGED } from '../metrics/measures.js';
import { SUSTAIN_SETTLE_MS } from './thresholds.js';

/** Judge a step with what has arrived when a worker's report is this late (a crashed worker never sends it). */
const LATE_REPORT_MS = 3000;

export interface SearchStepResult {
  level: number;
  /** The judged window (hold, rounded in to whole report intervals), ms after run start. */
  startMs: number;
  endMs: number;
  /** Minimum established channels over the hold (after the settle time). */
  sustained: number | null;
  peak: number | null;
  setupMs: { p50: number | null; p95: number | null; p99: number | null };
  ser: number | null;
  attempted: number;
  answered: number;
  failed: number;
  failuresByCode: Record<string, number>;
  criteria: CriterionVerdict[];
  /** Every criterion held and the generator was healthy. */
  pass: boolean;
  generator: StepGeneratorHealth;
}

/** The generator's own figures over a step's window, and why it saturated there (empty: it did not). */
export interface StepGeneratorHealth {
  scheduleSlipMsP99: number | null;
  /** 90th percentile of the window's per-second event-loop lag p99s (the worst worker's). */
  eventLoopLagMsP99: number | null;
  mediaSendSlipMsP99: number | null;
  /** Datagrams the generator's RTP sockets dropped in the window (null: no media, or not readable). */
  mediaSocketDrops: number | null;
  /** Calls that failed unsent in the window for want of an RTP port pair. */
  mediaNoPort: number;
  saturatedBy: string[];
}

/** Whether the run has media, and the run's generator limits: what a step's health is judged against. */
export interface SearchHealthSpec {
  limits: GeneratorLimits;
  media: boolean;
}

export interface SearchResult {
  levels: number[];
  steps: SearchStepResult[];
  /** Level of the last step that passed every criterion (null: none did). */
  certifiedCapacity: number | null;
  /** Level of the step that failed (null: none failed). */
  failedStep: number | null;
  failingCriterion: { criterion: string; metric: string; actual: number | null } | null;
  /**
   * criterion: a step failed and the search stopped; generator: the generator saturated on a step (its
   * level is generatorLimit); ceiling: every level passed; null: stopped before either (interrupted).
   */
  stoppedBy: 'criterion' | 'generator' | 'ceiling' | null;
  /** Level of the step on which the generator saturated (null: it never did). */
  generatorLimit: number | null;
  /** Its reasons (empty when generatorLimit is null). */
  generatorSaturatedBy: string[];
  require: number | null;
}

/** No limits: a judge constructed without the run's (unit tests of the criteria alone). */
const UNBOUNDED: GeneratorLimits = { maxScheduleSlipMsP99: Infinity, maxEventLoopLagMsP99: Infinity, maxMediaSendSlipMsP99: Infinity };

export class SearchJudge {
  private readonly windows: SearchStepWindow[];
  private readonly steps: SearchStepResult[] = [];
  private failed: SearchStepResult | null = null;

  /**
   * Intervals the Aggregator must keep histograms for: a whole step's hold, until its
   * late reports are given up on — and, for the last step (judged after the workers
   * finish), the hang-up phase whose reports follow it (at most `drainMs`).
   */
  static retainSlots(spec: SearchSpec, drainMs = 0): number {
    return Math.ceil((spec.stepDurationMs + LATE_REPORT_MS + drainMs) / 1000) + SETTLE_SLOTS;
  }

  constructor(
    private readonly spec: SearchSpec,
    private readonly criteria: readonly Criterion[],
    private readonly workers: number,
    private readonly health: SearchHealthSpec = { limits: UNBOUNDED, media: false },
  ) {
    this.windows = searchStepWindows(spec);
  }

  /**
   * Judges every step whose window is over and fully reported (or whose reports
   * are late by LATE_REPORT_MS; `final`: the run is over, judge what ran to its end).
   * Returns the step that failed now, if any.
   */
  poll(agg: Aggregator, elapsedMs: number, final = false, loadEndMs = Infinity): SearchStepResult | null {
    while (this.failed === null && this.steps.length < this.windows.length) {
      const w = this.windows[this.steps.length];
      const { firstSeq, endSeq } = intervalsWithin(w.holdStartMs, w.endMs);
      if (w.endMs > loadEndMs) return null; // the run stopped inside this step: not judged
      // Merging the window's histograms is the costly part: not before the step is over.
      if (elapsedMs < w.endMs) return null;
      const data = agg.window(firstSeq, endSeq);
      const ready = final || data.minWorkers >= this.workers || elapsedMs >= w.endMs + LATE_REPORT_MS;
      if (!ready) return null;
      const step = this.judgeStep(agg, w, firstSeq, endSeq, data);
      this.steps.push(step);
      if (!step.pass) {
        this.failed = step;
        return step;
      }
    }
    return null;
  }

  private judgeStep(agg: Aggregator, w: SearchStepWindow, firstSeq: number, endSeq: number, data: WindowData): SearchStepResult {
    const startMs = firstSeq * 1000;
    const endMs = endSeq * 1000;
    let peak: number | null = null;
    let min: number | null = null;
    for (const [tMs, est] of agg.concurrencySeries()) {
      if (tMs < w.holdStartMs || tMs >= w.endMs) continue;
      peak = Math.max(peak ?? 0, est);
      if (tMs >= w.holdStartMs + SUSTAIN_SETTLE_MS) min = Math.min(min ?? Infinity, est);
    }
    // Ratios over the calls whose outcome (answer or failure) came within the window: attempts sent
    // near its start were answered just before it, so attempts-based ratios could exceed 1.
    const c = data.counters;
    const outcomes = settledCounters(c);
    let empty: Histogram | null = null;
    const src: MetricSource = {
      counters: outcomes,
      setup: data.setup,
      pdd: data.pdd,
      elapsedMs: endMs - startMs,
      concurrency: () => ({ peak: peak ?? 0, sustained: min === null ? null : Math.round((min / w.level) * 1e6) / 1e6 }),
      // An HTTP load's requests within the step: the API judged at each channel level. A load
      // that sent nothing in the window has no latency (its criterion cannot pass on no data).
      http: (name) => {
        const h = data.http(name);
        let errors = 0;
        for (const k in h?.errorsByCause) errors += h.errorsByCause[k];
        // As results/metric-sources.ts: one empty histogram (~95 KB) shared by the names with no data.
        return {
          hist: h?.hist ?? (empty ??= createLatencyHistogram()),
          settled: h?.settled ?? 0,
          completed: h?.completed ?? 0,
          errors,
          elapsedMs: endMs - startMs,
        };
      },
    };
    // Voice at this level: every live stream's seconds within the hold (MOS and loss over each second, jitter at
    // its end), not the calls that happened to end in it; one-way and crossed media as the calls that ended in it.
    const t = data.measures.trends;
    const n = data.measures.counters;
    src.media = () => ({
      trends: {
        mos_cqe: t.mos_cqe_live?.[UNTAGGED],
        rtp_loss_ratio: t.rtp_live_loss_ratio?.[UNTAGGED],
        rtp_jitter_ms: t.rtp_live_jitter_ms?.[UNTAGGED],
        rtp_max_gap_ms: undefined, rtp_first_media_ms: undefined, rtcp_rtt_ms: undefined,
      },
      counters: { rtp_one_way_audio: n.rtp_one_way_audio?.[UNTAGGED] ?? 0, rtp_crossed_media: n.rtp_crossed_media?.[UNTAGGED] ?? 0 },
    });
    const criteria = this.criteria.map((cr) => judge(cr, src));
    const generator = this.stepHealth(data, c.failuresByCause.media_no_port ?? 0);
    return {
      level: w.level,
      startMs,
      endMs,
      sustained: min,
      peak,
      setupMs: { p50: percentileMs(data.setup, 50), p95: percentileMs(data.setup, 95), p99: percentileMs(data.setup, 99) },
      ser: ratiosOf(outcomes).ser,
      attempted: c.attempts,
      answered: c.answers,
      failed: c.failures,
      failuresByCode: { ...c.failuresByCode },
      criteria,
      pass: generator.saturatedBy.length === 0 && criteria.every((v) => v.pass),
      generator,
    };
  }

  private stepHealth(data: WindowData, noPort: number): StepGeneratorHealth {
    const slip = data.measures.trends.schedule_slip_ms?.[UNTAGGED] ?? createLatencyHistogram();
    const lags = [...data.lagMsP99s].sort((a, b) => a - b);
    // Lower nearest rank: of a 5 s hold's seconds one may be slow, of a 30 s hold's three.
    const lag = lags.length === 0 ? null : lags[Math.floor((lags.length - 1) * 0.9)];
    const saturatedBy = saturationReasons(slip, lag ?? 0, this.health.limits);
    let sendSlip: Histogram | undefined;
    let drops: number | null = null;
    if (this.health.media) {
      sendSlip = data.measures.trends.media_send_slip_ms?.[UNTAGGED];
      drops = data.measures.counters.rtp_socket_drops?.[UNTAGGED] ?? null;
      saturatedBy.push(...mediaHealthReasons(sendSlip, drops, this.health.limits, noPort));
    }
    return {
      scheduleSlipMsP99: percentileMs(slip, 99),
      eventLoopLagMsP99: lag,
      mediaSendSlipMsP99: sendSlip === undefined ? null : percentileMs(sendSlip, 99),
      mediaSocketDrops: drops,
      mediaNoPort: noPort,
      saturatedBy,
    };
  }

  /** For the live view: "level 1400 (1000→1800 by 200), certified 1200". */
  status(elapsedMs: number): string {
    const w = this.windows.find((x) => elapsedMs < x.endMs) ?? this.windows[this.windows.length - 1];
    const passed = this.steps.filter((s) => s.pass);
    const certified = passed.length > 0 ? passed[passed.length - 1].level : 'none yet';
    const failed = this.failed === null ? '' : `, step ${this.failed.level} ${this.failed.generator.saturatedBy.length > 0 ? 'saturated the generator' : 'failed'}`;
    return `level ${w.level} (${this.spec.start}→${this.windows[this.windows.length - 1].level} by ${this.spec.step}), certified ${certified}${failed}`;
  }

  result(): SearchResult {
    const passed = this.steps.filter((s) => s.pass);
    // A saturated step's criteria measured the generator as much as the platform: none of them is "the" failure.
    const saturated = this.failed !== null && this.failed.generator.saturatedBy.length > 0 ? this.failed : null;
    const failing = saturated !== null ? null : (this.failed?.criteria.find((v) => !v.pass) ?? null);
    const allRan = this.failed === null && this.steps.length === this.windows.length;
    return {
      levels: this.windows.map((w) => w.level),
      steps: this.steps,
      certifiedCapacity: passed.length > 0 ? passed[passed.length - 1].level : null,
      failedStep: this.failed?.level ?? null,
      failingCriterion: failing === null ? null : { criterion: failing.criterion, metric: failing.metric, actual: failing.actual },
      stoppedBy: saturated !== null ? 'generator' : this.failed !== null ? 'criterion' : allRan ? 'ceiling' : null,
      generatorLimit: saturated?.level ?? null,
      generatorSaturatedBy: saturated?.generator.saturatedBy ?? [],
      require: this.spec.require,
    };
  }
}
