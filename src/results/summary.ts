/**
 * Turns the aggregated measurements into the results.json document. Every
 * number here is computed from the merged worker data; the definitions used are
 * written into the file itself (BRIEF §4) so a report can cite them.
 */
import os from 'node:os';
import type { Aggregator } from '../metrics/aggregate/aggregate.js';
import type { Scenario } from '../scenario/types.js';
import { computeRatios } from '../metrics/rfc6076.js';
import { createLatencyHistogram, summarizeMs, percentileMs } from '../metrics/histograms.js';
import { mediaSummary, type MediaPortTotals } from './media-summary.js';
import { meanHoldMs } from '../scenario/hold.js';
import { judge, SUSTAIN_SETTLE_MS, type LiveStatus, type MetricSource } from '../verdict/thresholds.js';
import type { SearchResult } from '../verdict/search-steps.js';
import { MEASUREMENT_METHOD } from '../http/fixed-rate.js';
import { CLOSED_LOOP_METHOD } from '../http/max-throughput.js';
import { FLOW_DEFINITIONS, httpFlowsSummary, outboundSummary } from './flow-summary.js';
import { serviceMetricSources } from './metric-sources.js';
import { redactUrl } from '../scenario/secrets.js';
import { round3 } from '../metrics/round.js';
import type { HttpRunTotals } from '../http/run-totals.js';
import { flatStageWindows } from '../load/stages.js';
import { stabilitySummary } from './stability.js';
import { hostClock, hostVirtualization } from './host-env.js';
import {
  SCHEMA_VERSION, type EmbeddedTargetResults, type HttpLoadResults, type PlatformMediaResults, type PlatformResultsJson,
  type OutboundRulesResults, type RecordingsResults, type Results,
} from './schema.js';
import type { PlatformResults } from '../platform/scraper.js';

/** The document's type is declared in schema.ts (ResultsSchema); buildResults is checked against it. */
export { SCHEMA_VERSION, type Results };

export const DEFINITIONS = {
  setupMs: 'INVITE send time → 200 OK received; the send time is the intended one (from the schedule, so generator delay is included, not hidden), or the actual one when a timer sent the INVITE early (never a negative latency)',
  pddMs: 'the same start → first non-100 provisional response, answered calls that had one (RFC 6076 §4.3 SRD; a call answered with no provisional has no PDD: summary.calls.noProvisional); failed attempts in pddFailedMs',
  sddMs: 'BYE sent → its 2xx (RFC 6076 §4.4)',
  ser: 'INVITE→200 / (INVITEs − INVITE→3xx) (RFC 6076 §4.6)',
  seer: 'INVITE→{200,480,486,600,603} / (INVITEs − INVITE→3xx) (RFC 6076 §4.7)',
  isa: 'INVITE→{408,500,503,504} or no final response / INVITEs (RFC 6076 §4.8)',
  scr: 'calls established and ended normally by BYE/200 (either side; cut_at_end included) / INVITEs (RFC 6076 §4.9)',
  cutAtEnd: 'answered calls the end of the run (load.gracefulStop over, Ctrl-C, abortOnFail) hung up before their own hold elapsed; not in completed',
  asr: 'INVITE→200 / INVITEs',
  invites: 'calls attempted minus calls aborted by the end of the run before any final response',
  concurrency: 'established (answered, ACKed) calls not yet ended, summed over workers, sampled every 100 ms',
  sustained: `minimum established calls over the hold stage(s) at the highest flat target, ignoring the first ${SUSTAIN_SETTLE_MS} ms of each`,
  cps: 'offered = scheduled arrivals per second (blocked included); achieved = INVITEs sent per second',
  blocked: 'arrivals not started because the concurrency cap was reached',
  httpLatencyMs: `HTTP: response end − INTENDED send time (request k intended at start + k/rate), so queueing behind a slow server counts (${MEASUREMENT_METHOD})`,
  httpLatencyMsMax: `HTTP with rate: max: response end − ACTUAL send time, per request, in a closed loop of connections × pipelining (${CLOSED_LOOP_METHOD}); a throughput figure, not latency under a stated load`,
  ...FLOW_DEFINITIONS,
  platformCpuPct: 'platform server CPU busy % between two scrapes: 100 × (1 − Δidle ÷ Δtotal) of node_cpu_seconds_total summed over all CPUs and modes (iowait and steal count as busy)',
  platformMemUsed: 'platform server memory used: node_memory_MemTotal_bytes − node_memory_MemAvailable_bytes, and that ÷ MemTotal × 100',
  generatorMemory: "callcert's own memory per second (timeline[].memory): the process resident set (main thread and workers: one process) and the main thread's V8 heap in use, sampled by the main thread once a second, and the workers' V8 heaps in use at the end of each interval, summed",
  stability: 'the stability window is the longest hold (a flat stage, target above 0) lasting at least 1 h; its hours count from the hold\'s start, each merging the counters and setup histogram of the intervals that start in it (docs/stability.md)',
  platformNet: 'platform server network: Δ node_network_{receive,transmit}_bytes_total over the devices not excluded (platform.excludeDevices, default lo) ÷ the time between the two scrapes\' sends',
} as const;

export interface RunFacts {
  scenario: Scenario;
  scenarioSha256: string;
  scenarioFile: string | null;
  target: Results['target'];
  workers: number;
  toolVersion: string;
  startedAt: Date;
  endedAt: Date | null;
  elapsedMs: number;
  /** ms after start when load stopped (the end of the last stage, or the interruption). */
  loadEndMs: number;
  interrupted: boolean;
  invalidReasons: string[];
  cpuPct: number;
  state: 'running' | 'finished';
  unfinishedCalls: number;
  /** The embedded simulator's counters (simulator/call-centre.ts CallCentreCounters), when the target is callcert's own. */
  embeddedCounters?: EmbeddedTargetResults;
  /** End-of-run figures of each HTTP load (known once its worker finished). */
  httpTotals?: Record<string, HttpRunTotals>;
  /** Per-second criteria evaluation (verdict/thresholds.ts): first failures and the abort, if one stopped the run. */
  live?: Pick<LiveStatus, 'firstFailedAtMs' | 'failing' | 'abortedBy'>;
  /** Capacity search outcome (load.model: search). */
  search?: SearchResult | null;
  /** The recording probe's result (probe/), once it ran after the calls; absent: no probe. */
  recordings?: RecordingsResults | null;
  /** The platform's own media view (scenario platform.rtpengine), once the calls are done; absent: none. */
  platformMedia?: PlatformMediaResults | null;
  /** The outbound-rule probe's evaluation (results/outbound-rules.ts), once the calls are done; absent: none. */
  outboundRules?: OutboundRulesResults | null;
  /** With call.media, once the workers finished: kernel drops on their RTP sockets, and their port pools' figures. */
  mediaSocketDrops?: number | null;
  mediaPorts?: MediaPortTotals | null;
  /** The platform scraper's series so far (scenario platform); absent or null: none. */
  platform?: PlatformResults | null;
}

/**
 * The whole run's data as a criteria source (verdict/thresholds.ts), shared by the
 * end-of-run verdict and the per-second evaluation. Sustained concurrency counts
 * samples up to `loadEndMs` only. HTTP, flow and outbound data: results/metric-sources.ts
 * (`httpTotals` at the end of the run, for each HTTP load's rps).
 */
export function runMetricSource(
  agg: Aggregator,
  s: Scenario,
  elapsedMs: number,
  loadEndMs: number,
  httpTotals?: Record<string, HttpRunTotals>,
  recordings: RecordingsResults | null = null,
  platform: PlatformResults | null = null,
): MetricSource {
  let memo: { peak: number; sustained: number | null } | null = null;
  return {
    ...serviceMetricSources(agg, s, elapsedMs, loadEndMs, httpTotals),
    recordings: () => recordings,
    platform: (instance) => (platform !== null && Object.hasOwn(platform.instances, instance) ? platform.instances[instance] : null),
    counters: agg.counters(),
    setup: agg.setup,
    pdd: agg.pdd,
    elapsedMs,
    concurrency() {
      if (memo === null) {
        const series = agg.concurrencySeries();
        let peak = 0;
        for (const [, est] of series) if (est > peak) peak = est;
        memo = { peak, sustained: sustainedConcurrency(s, series, loadEndMs)?.value ?? null };
      }
      return memo;
    },
  };
}

export type Verdict = 'running' | 'invalid' | 'passed' | 'failed' | 'not_judged';

/** The verdict as printed in text outputs: PASSED, FAILED, NOT JUDGED, INVALID, RUNNING. */
export const verdictLabel = (v: string): string => v.replace('_', ' ').toUpperCase();

/**
 * Verdict rules: an invalid run (generator saturated, worker crashed, interrupted by the user)
 * is `invalid`; a run stopped by an abortOnFail criterion is valid evidence and `failed`;
 * a capacity search passes when it certified a level (>= load.require when given); a valid run
 * with no criteria is `not_judged` — never `passed` (its exit code follows SIPp's rule instead:
 * 0 only when every attempted call ended normally, see `exitCodeOf` in cli/exit-code.ts).
 */
export function verdictOf(state: string, valid: boolean, criteria: ReadonlyArray<{ pass: boolean }>, abortedBy: unknown): Verdict {
  if (state !== 'finished') return 'running';
  if (!valid) return 'invalid';
  if (criteria.length === 0 && abortedBy === null) return 'not_judged';
  return abortedBy === null && criteria.every((c) => c.pass) ? 'passed' : 'failed';
}

/**
 * results.json `criteria`. A run: each criterion on the whole run, with when it first failed while
 * running. A search: the criteria of the certified step (of the failed step when none passed), each
 * with its `step`, plus `certified_capacity >= require` when load.require is set. Every entry has the
 * same fields: { criterion, metric, actual, pass, abortOnFail, firstFailedAtMs, step }.
 */
function criteriaResults(f: RunFacts, src: MetricSource) {
  const search = f.search ?? null;
  if (search !== null) {
    const steps = search.steps;
    const basis = steps.filter((st) => st.pass).pop() ?? steps.find((st) => !st.pass) ?? null;
    const entry = { abortOnFail: false, firstFailedAtMs: null };
    const out: Array<{
      criterion: string;
      metric: string;
      actual: number | null;
      pass: boolean;
      abortOnFail: boolean;
      firstFailedAtMs: number | null;
      step: number | null;
    }> =
      basis === null
        ? f.scenario.criteria.map((c) => ({ criterion: c.source, metric: c.name, actual: null, pass: false, ...entry, step: null }))
        : basis.criteria.map((v) => ({ ...v, ...entry, step: basis.level }));
    if (search.require !== null) {
      const cap = search.certifiedCapacity;
      out.push({ criterion: `>=${search.require}`, metric: 'certified_capacity', actual: cap, pass: cap !== null && cap >= search.require, ...entry, step: cap });
    }
    return out;
  }
  return f.scenario.criteria.map((c, i) => {
    const v = judge(c, src);
    const abortedRun = f.live?.abortedBy?.criterion === c.source && f.live.abortedBy.metric === c.name;
    return {
      ...v,
      // The criterion that stopped the run failed, whatever the drain phase did to its value.
      pass: v.pass && !abortedRun,
      abortOnFail: c.abortOnFail,
      firstFailedAtMs: f.live?.firstFailedAtMs[i] ?? null,
      /** The search step a verdict was judged on (null: the whole run). */
      step: null as number | null,
    };
  });
}

export function buildResults(agg: Aggregator, f: RunFacts): Results {
  const t = agg.counters();
  const series = agg.concurrencySeries();
  let peak = 0;
  for (const [, est] of series) if (est > peak) peak = est;
  const sustained = sustainedConcurrency(f.scenario, series, f.loadEndMs);
  const invites = t.attempts - t.aborted;
  const ratios = computeRatios({ invites, finalByCode: t.finalByCode, timeouts: t.timeouts, completedNormally: t.completed + t.cutAtEnd });
  const seconds = Math.max(f.elapsedMs, 1) / 1000;
  const setup = summarizeMs(agg.setup);
  const pdd = summarizeMs(agg.pdd);
  const achieved = round3(t.attempts / seconds);
  const meanHold = meanHoldMs(f.scenario.call.hold);
  const slipP99 = percentileMs(agg.slip, 99);

  const summary: Results['summary'] = {
    calls: {
      attempted: t.attempts, answered: t.answers, failed: t.failures, blocked: t.blocked, completed: t.completed, cutAtEnd: t.cutAtEnd,
      aborted: t.aborted, unfinished: f.unfinishedCalls, noResponse: t.noResponse, noProvisional: t.noProvisional,
      // Calls that did not end normally (failed, aborted, BYE failures and drain timeouts): any of them fails a run with no criteria.
      notEndedNormally: Math.max(0, t.attempts - t.completed - t.cutAtEnd),
    },
    concurrency: {
      peak,
      sustained: sustained?.value ?? null,
      sustainedWindowMs: sustained ? [sustained.startMs, sustained.endMs] : null,
      target: sustained?.target ?? null,
      // Little's law: channels ≈ arrival rate × mean hold; a large gap means calls ended early or piled up.
      littlesLawExpected: round3((t.answers / seconds) * (meanHold / 1000)),
    },
    cps: { offered: round3(agg.offered / seconds), achieved, answered: round3(t.answers / seconds) },
    ratios,
    setupMs: setup,
    pddMs: pdd,
    pddFailedMs: summarizeMs(agg.pddFailed),
    sddMs: summarizeMs(agg.sdd),
    failuresByCode: t.failuresByCode,
    failuresByCause: t.failuresByCause,
    finalByCode: t.finalByCode,
    retransmissions: t.retransmissions,
    parseErrors: t.parseErrors,
    transportErrors: t.transportErrors,
    http: httpSummary(agg, f),
    httpFlows: httpFlowsSummary(agg, f.scenario),
    outbound: outboundSummary(agg, f.scenario, f.loadEndMs),
    media: mediaSummary(agg, f.scenario, { drops: f.mediaSocketDrops ?? null, ports: f.mediaPorts ?? null }),
    ...(f.recordings ? { recordings: f.recordings } : {}),
    ...(f.platformMedia ? { platformMedia: f.platformMedia } : {}),
    ...(f.outboundRules ? { outboundRules: f.outboundRules } : {}),
  };

  const src = {
    ...runMetricSource(agg, f.scenario, f.elapsedMs, f.loadEndMs, f.httpTotals ?? {}, f.recordings ?? null, f.platform ?? null),
    outboundRules: () => f.outboundRules ?? null,
  };
  const criteria = criteriaResults(f, src);
  const abortedBy = f.live?.abortedBy ?? null;
  const valid = f.invalidReasons.length === 0 && !f.interrupted;
  const verdict = verdictOf(f.state, valid, criteria, abortedBy);

  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'callcert', version: f.toolVersion },
    scenario: {
      name: f.scenario.name,
      file: f.scenarioFile,
      sha256: f.scenarioSha256,
      model: f.scenario.load.model,
      stages: f.scenario.load.stages,
    },
    target: f.target,
    state: f.state,
    startedAt: f.startedAt.toISOString(),
    endedAt: f.endedAt?.toISOString() ?? null,
    durationMs: round3(f.elapsedMs),
    interrupted: f.interrupted,
    valid,
    invalidReasons: f.interrupted ? ['run was interrupted before the end of its last stage', ...f.invalidReasons] : f.invalidReasons,
    verdict,
    criteria,
    abortedBy,
    search: f.search ?? null,
    summary,
    timeline: agg.timeline(),
    stability: stabilitySummary(agg, f.scenario.load.stages, f.elapsedMs),
    concurrencySeries: { sampleMs: 100, columns: ['tMs', 'established', 'inProgress'], rows: series },
    generator: {
      workers: f.workers,
      eventLoopLagMsP99: agg.eventLoopLagMsP99Run(),
      eventLoopLagMsP99WorstInterval: agg.eventLoopLagMsP99Max,
      eventLoopLagMsMax: agg.eventLoopLagMsMax,
      scheduleSlipMsP99: slipP99,
      scheduleSlipMsMax: summarizeMs(agg.slip).max,
      cpuPct: round3(f.cpuPct),
      heapUsedBytesMax: agg.heapUsedBytesMax,
      limits: f.scenario.generator,
      host: {
        cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', totalMemBytes: os.totalmem(), platform: `${os.type()} ${os.release()}`, node: process.version,
        vcpus: os.availableParallelism(), virtualization: hostVirtualization(), clock: hostClock(),
      },
    },
    embeddedTarget: f.embeddedCounters ?? null,
    ...(f.platform ? { platform: f.platform satisfies PlatformResultsJson } : {}),
    definitions: DEFINITIONS,
  };
}

/** Samples after `loadEndMs` are the hang-up phase of a stopped run, not the hold stage. */
function sustainedConcurrency(s: Scenario, series: Array<[number, number, number]>, loadEndMs: number) {
  const windows = flatStageWindows(s.load.stages);
  if (windows.length === 0) return null;
  const top = Math.max(...windows.map((w) => w.target));
  let min = Infinity;
  let first: (typeof windows)[number] | null = null;
  let last: (typeof windows)[number] | null = null;
  for (const w of windows) {
    if (w.target !== top) continue;
    for (const [tMs, est] of series) {
      if (tMs >= w.startMs + SUSTAIN_SETTLE_MS && tMs < w.endMs && tMs <= loadEndMs) {
        if (est < min) min = est;
        first ??= w;
        last = w;
      }
    }
  }
  if (first === null || last === null) return null;
  return { value: min, startMs: first.startMs + SUSTAIN_SETTLE_MS, endMs: Math.min(last.endMs, loadEndMs), target: top };
}


function httpSummary(agg: Aggregator, f: RunFacts): Record<string, HttpLoadResults> {
  const out: Record<string, HttpLoadResults> = {};
  for (const spec of f.scenario.http?.load ?? []) {
    const a = agg.httpLoad(spec.name);
    const totals = f.httpTotals?.[spec.name];
    const errorsByCause = a?.errorsByCause ?? {};
    let errors = 0;
    for (const k in errorsByCause) errors += errorsByCause[k];
    const elapsedS = Math.max(totals?.elapsedMs ?? spec.durationMs, 1) / 1000;
    out[spec.name] = {
      method: spec.method,
      url: redactUrl(spec.url),
      requests: totals?.requests ?? a?.settled ?? 0,
      sent: totals?.sent ?? a?.settled ?? 0,
      completed: a?.completed ?? 0,
      dropped: totals?.dropped ?? 0,
      // "fixed-rate": rate N, open model; "max": closed loop, offeredRps null (nothing is offered, responses pace the sender).
      mode: spec.ratePerSec === null ? 'max' : 'fixed-rate',
      connections: spec.connections,
      pipelining: spec.pipelining,
      offeredRps: spec.ratePerSec,
      rps: round3((a?.completed ?? 0) / elapsedS),
      latencyMs: a ? summarizeMs(a.hist) : summarizeMs(createLatencyHistogram()),
      statusCodes: a?.statusCodes ?? {},
      errors: { total: errors, byCause: errorsByCause },
      timeouts: errorsByCause.timeout ?? 0,
      measurement: spec.ratePerSec === null ? CLOSED_LOOP_METHOD : MEASUREMENT_METHOD,
    };
  }
  return out;
}
