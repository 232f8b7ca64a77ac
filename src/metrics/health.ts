/**
 * Load-generator health probes for one worker thread. A generator whose event
 * loop stalls or whose INVITEs leave late measures itself, not the target
 * (coordinated omission), so the run is judged invalid on these figures.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import { createLatencyHistogram, encodeHistogram, percentileMs, recordMs } from './histograms.js';
import type { Histogram } from './histograms.js';
import { round3 } from './round.js';

export interface HealthSnapshot {
  eventLoopLagMsP99: number;
  eventLoopLagMsMax: number;
  scheduleSlipMsP99: number;
  scheduleSlipMsMax: number;
  /** Number of slips recorded (0: the slip figures above are 0 for lack of data). */
  slipCount: number;
  /** encodeHistogram() of the slip histogram, for exact merging across workers. */
  slipHistogram: string;
}

export type HealthScope = 'interval' | 'run';

export interface HealthMonitor {
  /** Actual send time − intended send time, in ms; negative (early) values count as 0. */
  recordSlipMs(ms: number): void;
  /** 'interval': since the last resetInterval(); 'run': since creation. */
  snapshot(scope?: HealthScope): HealthSnapshot;
  /** Starts a new interval; run-wide figures keep accumulating. */
  resetInterval(): void;
  /** Stops the event-loop timers; snapshot() still works on what was gathered. */
  stop(): void;
}

/** The part of perf_hooks' event-loop delay histogram the monitor uses (samples in ns). */
export type LoopDelayHistogram = Pick<IntervalHistogram, 'enable' | 'disable' | 'reset' | 'percentile' | 'max' | 'count'>;

export interface HealthOptions {
  /** Sampling period of the event-loop delay timer. */
  resolutionMs?: number;
  /** Source of event-loop delay histograms; perf_hooks' monitorEventLoopDelay by default (tests inject a fake). */
  loopDelay?: (resolutionMs: number) => LoopDelayHistogram;
}

const realLoopDelay = (resolutionMs: number): LoopDelayHistogram => monitorEventLoopDelay({ resolution: resolutionMs });

/** Monitoring starts at once: a monitor that was never started would make a saturated run look healthy. */
export function createHealthMonitor({ resolutionMs = 10, loopDelay = realLoopDelay }: HealthOptions = {}): HealthMonitor {
  // perf_hooks histograms cannot be merged into one another (add() refuses an
  // ELD histogram), so the run-wide and the interval view each get a monitor.
  const runLoop = loopDelay(resolutionMs);
  const intervalLoop = loopDelay(resolutionMs);
  runLoop.enable();
  intervalLoop.enable();

  const runSlip = createLatencyHistogram();
  const intervalSlip = createLatencyHistogram();

  // The ELD samples are whole timer periods in ns (an idle loop reads ≈ resolution),
  // so the lag is what exceeds the period.
  const lagMs = (ns: number) => round3(Math.max(0, ns / 1e6 - resolutionMs));
  const loopFigures = (h: LoopDelayHistogram) =>
    h.count === 0
      ? { eventLoopLagMsP99: 0, eventLoopLagMsMax: 0 }
      : { eventLoopLagMsP99: lagMs(h.percentile(99)), eventLoopLagMsMax: lagMs(h.max) };
  const slipFigures = (h: Histogram) => ({
    scheduleSlipMsP99: percentileMs(h, 99) ?? 0,
    scheduleSlipMsMax: percentileMs(h, 100) ?? 0,
    slipCount: h.totalCount,
    slipHistogram: encodeHistogram(h),
  });

  return {
    recordSlipMs(ms) {
      const v = Math.max(0, ms);
      recordMs(runSlip, v);
      recordMs(intervalSlip, v);
    },
    snapshot(scope = 'interval') {
      return scope === 'run'
        ? { ...loopFigures(runLoop), ...slipFigures(runSlip) }
        : { ...loopFigures(intervalLoop), ...slipFigures(intervalSlip) };
    },
    resetInterval() {
      intervalLoop.reset();
      intervalSlip.reset();
    },
    stop() {
      runLoop.disable();
      intervalLoop.disable();
    },
  };
}

/**
 * Returns a sampler: each call gives the process CPU use since the previous
 * call (or since cpuSampler()), user + system over wall time, as % of ONE core
 * (so 250 means 2.5 cores busy). process.cpuUsage() is process-wide: in a worker
 * thread it includes every thread of the process.
 */
export interface CpuSources {
  /** Process CPU time so far (µs); process.cpuUsage by default. */
  cpuUsage: () => NodeJS.CpuUsage;
  /** Monotonic wall clock (ns); process.hrtime.bigint by default. */
  nowNs: () => bigint;
}

const realCpuSources: CpuSources = { cpuUsage: () => process.cpuUsage(), nowNs: () => process.hrtime.bigint() };

export function cpuSampler({ cpuUsage, nowNs }: CpuSources = realCpuSources): () => number {
  let lastCpu = cpuUsage();
  let lastWall = nowNs();
  return () => {
    const now = nowNs();
    const cpu = cpuUsage();
    const usedUs = cpu.user - lastCpu.user + (cpu.system - lastCpu.system);
    const wallUs = Number(now - lastWall) / 1000;
    lastCpu = cpu;
    lastWall = now;
    // One decimal: finer digits are below the clock's resolution anyway.
    return wallUs > 0 ? Math.round((usedUs / wallUs) * 1000) / 10 : 0;
  };
}

export interface GeneratorLimits {
  maxScheduleSlipMsP99: number;
  maxEventLoopLagMsP99: number;
  maxMediaSendSlipMsP99: number;
}

/**
 * Why a run's generator counts as saturated (empty: it did not). The schedule slip's p99 must
 * exceed its limit with at least two calls past it: one late INVITE is a hiccup, not saturation
 * (its lateness already counts in its own latency), and below 100 calls the p99 is the maximum.
 */
export function saturationReasons(
  slip: Histogram, eventLoopLagMsP99: number, lim: Pick<GeneratorLimits, 'maxScheduleSlipMsP99' | 'maxEventLoopLagMsP99'>,
): string[] {
  const out: string[] = [];
  const slipP99 = percentileMs(slip, 99);
  const n = slip.totalCount;
  const secondWorst = n >= 2 ? percentileMs(slip, (100 * (n - 1)) / n) : null;
  if (slipP99 !== null && slipP99 > lim.maxScheduleSlipMsP99 && secondWorst !== null && secondWorst > lim.maxScheduleSlipMsP99) {
    out.push(`generator saturated: schedule slip p99 ${slipP99} ms > ${lim.maxScheduleSlipMsP99} ms (the numbers would measure callcert, not the target)`);
  }
  if (eventLoopLagMsP99 > lim.maxEventLoopLagMsP99) {
    out.push(`generator saturated: event-loop lag p99 ${eventLoopLagMsP99} ms > ${lim.maxEventLoopLagMsP99} ms`);
  }
  return out;
}

/**
 * Why a media run's own RTP measurement cannot be trusted: its send slip (jitter it added
 * itself) past the limit, as the SIP slip rule (p99 and a second sample past it); datagrams its
 * own RTP sockets dropped for full receive buffers (loss it caused itself); calls it could not
 * place for want of a free RTP port pair (failures of its own, counted in the platform's SER).
 */
export function mediaHealthReasons(
  sendSlip: Histogram | undefined, socketDrops: number | null, lim: Pick<GeneratorLimits, 'maxMediaSendSlipMsP99'>, noPortCalls = 0,
): string[] {
  const out: string[] = [];
  if (noPortCalls > 0) {
    out.push(
      `generator short of RTP ports: ${noPortCalls} calls failed unsent (media_no_port), counted against SER though nothing reached the platform (widen media.ports, or fewer channels per worker)`,
    );
  }
  if (sendSlip !== undefined && sendSlip.totalCount >= 2) {
    const p99 = percentileMs(sendSlip, 99)!;
    const n = sendSlip.totalCount;
    const secondWorst = percentileMs(sendSlip, (100 * (n - 1)) / n)!;
    if (p99 > lim.maxMediaSendSlipMsP99 && secondWorst > lim.maxMediaSendSlipMsP99) {
      out.push(`generator saturated: RTP send slip p99 ${p99} ms > ${lim.maxMediaSendSlipMsP99} ms (the jitter measured would be callcert's own)`);
    }
  }
  if (socketDrops !== null && socketDrops > 0) {
    out.push(`generator saturated: its RTP sockets dropped ${socketDrops} datagrams for full receive buffers (the loss measured may be its own)`);
  }
  return out;
}
