/**
 * One run, on the main thread: resolve the target (or start the embedded call
 * centre), start the workers, aggregate their reports, tell the outputs what
 * happens (events.ts), and decide validity and verdict at the end. The main
 * thread plans and aggregates only; calls live in the workers.
 */
import os from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { Aggregator } from '../metrics/aggregate/aggregate.js';
import { startWorkers } from './pool.js';
import { checkReachable, chooseLocalAddress, resolveHost } from './preflight.js';
import type { MediaPortTotals, ResolvedTarget } from './protocol.js';
import type { Scenario } from '../scenario/types.js';
import { DEFAULTS } from '../scenario/schema.js';
import { CallCentre } from '../simulator/call-centre.js';
import { startCtiApi, type CtiApi } from '../simulator/cti-api.js';
import { startPlatformWatch } from './platform-step.js';
import { runRecordingProbe } from './recording-step.js';
import { evaluateOutboundRules, parseRuleRecord, type RuleObservation } from '../results/outbound-rules.js';
import { resolveHttpFlows, resolveHttpLoads, redactScenario } from './http-setup.js';
import type { FlowWorkerSpec } from './flow-runs.js';
import { buildResults, runMetricSource, type Results } from '../results/summary.js';
import { LiveCriteria, settledCounters, sustainedWindowOf, type AbortedBy } from '../verdict/thresholds.js';
import type { LiveCriterion, Output, Progress, RunEvent } from './events.js';
import { outboundWindowEndMs } from '../results/flow-summary.js';
import { SearchJudge } from '../verdict/search-steps.js';
import { cpuSampler, mediaHealthReasons, saturationReasons } from '../metrics/health.js';
import { redactUrl } from '../scenario/secrets.js';
import type { IntervalReport } from '../metrics/interval.js';
import type { HttpRunTotals } from '../http/run-totals.js';
import { SUSTAIN_SETTLE_MS } from '../verdict/thresholds.js';
import { totalDurationMs, targetAt, flatStageWindows } from '../load/stages.js';
import { stabilityHours, stabilityWindow } from '../load/stability.js';
import { getHeapStatistics } from 'node:v8';
import { WHOLE, equalPart } from '../load/segments.js';
import { expectedPeakCalls } from './worker/peak-calls.js';

/** The embedded call centre's RTP ports: clear of the callers' default range (media.ports, 16384–32767). */
const EMBEDDED_MEDIA_PORTS = { min: 40000, max: 59999 };
import { readCallDataForRun, type CallData } from '../scenario/call-data.js';
import { readPlatformCsv } from '../platform/csv.js';
import { PlatformScraper } from '../platform/scraper.js';

export interface RunOptions {
  scenario: Scenario;
  /** The scenario file's text (hashed and copied into the output), or null for a command-line scenario. */
  scenarioText: string | null;
  scenarioFile: string | null;
  toolVersion: string;
  /** Where the run reports (src/outputs: results directory, console, …); each is started before the first call. */
  outputs: readonly Output[];
  /** Delay from the moment every worker is ready to the synchronised start, for their sockets to open. */
  startDelayMs?: number;
  drainMs?: number;
}

export interface RunHandle {
  /** Resolves once every output has stopped (results.json written). */
  done: Promise<{ results: Results }>;
  stop(reason: string): void;
  readonly target: ResolvedTarget;
}

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

export async function startRun(o: RunOptions): Promise<RunHandle> {
  const s = o.scenario;
  let embedded: CallCentre | null = null;
  let target: ResolvedTarget;
  let localAddress = s.localAddress;
  if (s.target === null) {
    // With call.media the simulator echoes each call's RTP on ports of its own, apart from the callers' range.
    const media = s.media.codec === null ? null : {
      ports: EMBEDDED_MEDIA_PORTS,
      initialPairs: Math.min(s.embedded.capacity, expectedPeakCalls(s, WHOLE)),
    };
    embedded = await CallCentre.start({ ...s.embedded, address: s.localAddress, port: 0, transport: 'udp', media });
    target = { uri: embedded.uri, host: embedded.address, port: embedded.port, transport: 'udp' };
  } else {
    // The default (127.0.0.1) follows the target: 127.0.0.1 or ::1 for a loopback target of that
    // family, else the source address the route picks. An explicit one must match the target's family.
    const configured = s.localAddress === DEFAULTS.localAddress ? null : s.localAddress;
    const host = await resolveHost(s.target.host, configured === null ? 0 : (isIP(configured) as 4 | 6));
    localAddress = await chooseLocalAddress(host, s.target.port, configured);
    await checkReachable(host, s.target.port, s.target.transport);
    target = { uri: s.target.uri, host, port: s.target.port, transport: s.target.transport };
  }
  // HTTP loads with no base URL and no SIP target go to the embedded call centre's CTI API.
  let cti: CtiApi | null = null;
  let ctiToken = '';
  let httpFlows: FlowWorkerSpec[] = [];
  let callData: CallData | null = null;
  try {
    // The recording probe's paths go there too (scenario/recordings.ts).
    const probePath = s.recordings?.source.kind === 'http' && s.recordings.source.url.startsWith('/') && (s.http === null || s.http.baseUrl === null);
    if (((s.http !== null && s.http.baseUrl === null) || probePath) && embedded !== null) {
      // No 429s from our own stand-in: the load, not its rate limiter, is under test.
      ctiToken = randomBytes(12).toString('hex');
      cti = await startCtiApi({
        address: s.localAddress, port: 0, token: ctiToken, ratePerSec: 1e9, recordings: embedded.recorder,
        dialer: s.embedded.dialer ?? null,
      });
    }
    // Feeders and call data are read here, once, before anything is written (a bad file is a scenario error).
    httpFlows = resolveHttpFlows(s.http, cti === null ? null : { url: cti.url, token: ctiToken });
    callData = readCallDataForRun(s.call.data);
  } catch (e) {
    await cti?.close();
    await embedded?.close();
    throw e;
  }
  const httpLoads = resolveHttpLoads(s.http, cti === null ? null : { url: cti.url, token: ctiToken });
  const scenarioSha256 = createHash('sha256').update(o.scenarioText ?? JSON.stringify(s)).digest('hex');

  const workers = s.workers ?? defaultWorkers();
  const searchSpec = s.load.model === 'closed' ? s.load.search : undefined;
  const drainMs = o.drainMs ?? 10_000;
  const agg = new Aggregator(searchSpec === undefined ? undefined : SearchJudge.retainSlots(searchSpec, drainMs));
  // A hold of an hour or more: its hours' counters and setup histograms are merged as they come (results/stability.ts).
  const stability = stabilityWindow(s.load.stages);
  if (stability !== null) agg.trackPeriods(stabilityHours(stability));
  const totalMs = totalDurationMs(s.load.stages);
  const outputs = o.outputs;
  const emit = (e: RunEvent) => {
    for (const out of outputs) out.add(e);
  };
  try {
    // An output may refuse the run (an output directory holding results): before any call.
    await Promise.all(outputs.map((out) => out.start({
      scenario: s, scenarioText: o.scenarioText, resolvedScenario: redactScenario(s), target, workers, totalMs,
    })));
  } catch (e) {
    await Promise.allSettled(outputs.map((out) => out.stop()));
    await cti?.close();
    await embedded?.close();
    throw e;
  }
  // The platform's servers, scraped on this thread from the run's start to its end (never on the workers);
  // rtpengine's view of the media has its own watch (platform-step.ts).
  const scrapes = s.platform !== null && (s.platform.targets.length > 0 || s.platform.csv.length > 0) ? s.platform : null;
  const scraper = scrapes === null ? null : new PlatformScraper(scrapes, {
    onRaw: (line) => emit({ type: 'platformScrape', line }),
    redact: redactUrl,
  });
  await scraper?.open();
  // The run's 0 is fixed once every worker thread has loaded (a loaded machine can take longer
  // than any fixed delay to start threads); until then the run has no elapsed time.
  let startedAt = new Date();
  let runStartEpochMs = Infinity;
  const cpu = cpuSampler();
  let interrupted = false;
  let stopping = false;
  let stoppedAtMs: number | null = null;
  const invalidReasons: string[] = [];
  // Criteria: a search judges each step (search-steps.ts); other runs evaluate every second on the data so far.
  const searchHealth = { limits: s.generator, media: s.media.codec !== null };
  const search = searchSpec === undefined ? null : new SearchJudge(searchSpec, s.criteria, workers, searchHealth);
  const live = new LiveCriteria(
    search === null ? s.criteria : [],
    sustainedWindowOf(flatStageWindows(s.load.stages), SUSTAIN_SETTLE_MS),
    outboundWindowEndMs(s),
  );
  /** Set when a criterion (abortOnFail, or a failed search step) stopped the run: not an interruption. */
  let stoppedByCriterion = false;
  const stopForCriterion = (reason: string) => {
    // After the last stage the workers are already hanging up: nothing to stop.
    if (stopping || Date.now() - runStartEpochMs >= totalMs) return;
    stopping = true;
    stoppedByCriterion = true;
    stoppedAtMs = Math.max(0, Date.now() - runStartEpochMs);
    emit({ type: 'stopping', reason, byCriterion: true });
    pool.stop(reason);
  };

  // rtpengine's view (scenario platform.rtpengine): polled on this thread from the start.
  const platform = startPlatformWatch(s, () => runStartEpochMs);
  // The outbound-rule probe's records (scenario outboundRules): kept for the evaluation at the end — one
  // small record per INVITE and per originate, a licence run's 300 calls a line a day are a few hundred kB.
  const ruleRecords: RuleObservation[] = [];
  const onReport = (r: IntervalReport) => {
    const measures = agg.add(r);
    platform?.addCalls(r.calls);
    if (s.outboundRules !== null && r.outboundRuleRecords !== undefined) {
      for (const line of r.outboundRuleRecords.split('\n')) {
        const rec = line === '' ? null : parseRuleRecord(line);
        if (rec !== null) ruleRecords.push(rec);
      }
    }
    emit({ type: 'interval', report: r, measures });
  };
  const seed = (Date.now() ^ 0x5bd1e995) >>> 0;
  const pool = startWorkers(
    workers,
    (i) => ({
      scenario: s, target, localAddress, worker: i, workers, segment: equalPart(i, workers), seed: seed + i,
      http: httpLoads.filter((_, k) => k % workers === i),
      // Every worker runs its segment of every flow (its own UAS answers the calls its flows cause).
      flows: httpFlows,
      callData,
      drainMs, userAgent: `callcert/${o.toolVersion}`,
    }),
    onReport,
  );
  void pool.ready.then(() => {
    if (stopping) return; // stopped while the threads loaded: they got `stop` instead
    startedAt = new Date(Date.now() + (o.startDelayMs ?? 300));
    runStartEpochMs = startedAt.getTime();
    pool.start(runStartEpochMs);
    scraper?.start(runStartEpochMs);
  });

  const httpTotals: Record<string, HttpRunTotals> = {};
  const facts = (state: 'running' | 'finished', unfinished: number) => ({
    scenario: s, scenarioSha256, scenarioFile: o.scenarioFile,
    target: { uri: redactUrl(target.uri), transport: target.transport, embedded: embedded !== null },
    workers, toolVersion: o.toolVersion, startedAt, endedAt: state === 'finished' ? new Date() : null,
    elapsedMs: Math.min(Math.max(0, Date.now() - runStartEpochMs), stoppedAtMs !== null ? Infinity : totalMs),
    loadEndMs: stoppedAtMs ?? totalMs,
    interrupted, invalidReasons, cpuPct: lastCpu, state, unfinishedCalls: unfinished,
    embeddedCounters: embedded?.counters,
    httpTotals,
    live: live.status(),
    search: search?.result() ?? null,
    platform: scraper?.result() ?? null,
  });
  let lastCpu = 0;
  let cpuSum = 0;
  let cpuN = 0;
  let prevAttempts = 0;
  let prevOffered = 0;
  const ticker = setInterval(() => {
    const pct = cpu();
    cpuSum += pct;
    cpuN++;
    lastCpu = cpuSum / cpuN;
    const elapsedMs = Date.now() - runStartEpochMs;
    if (elapsedMs < 0) return;
    // callcert's own memory, once a second (timeline[].memory): rss() reads one /proc line, the heap figures none.
    agg.recordMainMemory(elapsedMs, process.memoryUsage.rss(), getHeapStatistics().used_heap_size);
    const last = agg.lastPoint();
    const ob = agg.outbound();
    const t = agg.counters();
    const progress: Progress = {
      elapsedMs, totalMs, active: last?.active ?? 0,
      // The target at the instant the displayed channel count was sampled (end of the last full interval).
      target: Math.floor(targetAt(s.load.stages, Math.min((last?.t ?? 0) * 1000, totalMs - 1))), model: s.load.model,
      offeredCps: agg.offered - prevOffered, achievedCps: t.attempts - prevAttempts,
      attempts: t.attempts, answers: t.answers, failures: t.failures, blocked: t.blocked,
      // Live SER over calls that have an outcome; calls still ringing are neither success nor failure yet.
      ser: t.answers + t.failures > 0 ? t.answers / (t.answers + t.failures) : null,
      setupMsP95: last?.setupMsP95 ?? null, failuresByCode: t.failuresByCode, stopping,
      http: Object.entries(last?.http ?? {}).map(([name, h]) => ({ name, ...h })),
      flows: Object.entries(last?.flows ?? {}).map(([name, p]) => {
        const tot = agg.flow(name);
        return { name, ...p, totalStarted: tot?.started ?? 0, totalFailed: tot?.failed ?? 0 };
      }),
      outbound: last?.outbound === undefined || ob === null ? null
        : { ...last.outbound, totalAnswered: ob.answered, totalFailed: ob.failed },
      failingCriteria: live.status().failing,
      criteria: liveCriteria(),
      ...(search !== null ? { search: search.status(elapsedMs) } : {}),
    };
    emit({ type: 'progress', progress, partialResults: () => buildResults(agg, facts('running', 0)) });
    if (!stopping && last !== undefined) judgeCriteria(last.t * 1000, elapsedMs);
    prevAttempts = t.attempts;
    prevOffered = agg.offered;
  }, 1000);

  /** Per-second criteria: `dataMs` is the run time the received intervals cover. */
  function judgeCriteria(dataMs: number, elapsedMs: number): void {
    if (search !== null) {
      const failed = search.poll(agg, elapsedMs);
      emitSearchSteps();
      if (failed !== null) {
        stopForCriterion(
          failed.generator.saturatedBy.length > 0
            ? `capacity search: the generator saturated at step ${failed.level} (its limit, not the platform's)`
            : `capacity search: step ${failed.level} failed its criteria`,
        );
      }
      return;
    }
    const src = runMetricSource(agg, s, dataMs, totalMs, undefined, null, scraper?.result() ?? null);
    // Ratios over the calls with an outcome so far (thresholds.ts settledCounters), not over calls still ringing.
    const abort: AbortedBy | null = live.evaluate(dataMs, { ...src, counters: settledCounters(src.counters) });
    const failing = live.status().failing;
    if (abort !== null || failing.join('\n') !== lastFailing) {
      lastFailing = failing.join('\n');
      emit({ type: 'criteria', elapsedMs, failing, abortedBy: abort });
    }
    if (abort !== null) stopForCriterion(`criterion ${abort.metric} ${abort.criterion} failed (actual ${abort.actual})`);
  }

  const liveCriteria = (): LiveCriterion[] => {
    const st = live.status();
    return search !== null ? [] : s.criteria.map((c, i) => ({
      metric: c.name, threshold: c.source, actual: st.actual[i] ?? null, failing: st.failed[i] ?? false,
    }));
  };

  let lastFailing = '';
  let stepsSeen = 0;
  function emitSearchSteps(): void {
    const steps = search?.result().steps ?? [];
    for (; stepsSeen < steps.length; stepsSeen++) emit({ type: 'searchStep', level: steps[stepsSeen].level, pass: steps[stepsSeen].pass });
  }

  const done = (async () => {
    const outcomes = await pool.done;
    clearInterval(ticker);
    // The last scrape at the run's end; a target that fails is counted in its results, never fatal.
    await scraper?.stop();
    // The operator's monitoring exports (platform.csv), read now that the run is over; a bad file is counted, never fatal.
    for (const c of s.platform?.csv ?? []) scraper?.addCsv(c.name, readPlatformCsv(c.file));
    search?.poll(agg, Infinity, true, stoppedAtMs ?? totalMs);
    emitSearchSteps();
    let unfinished = 0;
    let mediaDrops: number | null = null;
    let mediaPorts: MediaPortTotals | null = null;
    for (const r of outcomes) {
      if (r.ok) {
        unfinished += r.value.unfinished;
        if (r.value.mediaSocketDrops != null) mediaDrops = (mediaDrops ?? 0) + r.value.mediaSocketDrops;
        if (r.value.mediaPorts != null) mediaPorts = addPortTotals(mediaPorts, r.value.mediaPorts);
        Object.assign(httpTotals, r.value.http);
        // Workers see any stop as an interruption; one decided by a criterion is a result, not an interruption.
        if (r.value.interrupted && !stoppedByCriterion) interrupted = true;
      } else {
        invalidReasons.push(`worker ${r.worker} crashed: ${r.error.code}: ${r.error.message}`);
      }
    }
    // A search judges its generator step by step (search-steps.ts): the run is valid when its certified steps
    // were, and a step that saturated the generator ended the search there. It is invalid when the first
    // step did (nothing healthy was measured), or when no step was judged (the whole run's figures decide).
    const searchResult = search?.result() ?? null;
    if (searchResult === null || searchResult.steps.length === 0) {
      invalidReasons.push(...saturationReasons(agg.slip, agg.eventLoopLagMsP99Run(), s.generator));
      if (s.media.codec !== null) {
        const noPort = agg.counters().failuresByCause.media_no_port ?? 0;
        invalidReasons.push(...mediaHealthReasons(agg.totals.trends.media_send_slip_ms?.[''], mediaDrops, s.generator, noPort));
      }
    } else if (searchResult.generatorLimit !== null && searchResult.certifiedCapacity === null) {
      invalidReasons.push(...searchResult.generatorSaturatedBy.map((r) => `step ${searchResult.generatorLimit}: ${r}`));
    }
    // Let the call centre absorb the last BYEs before its counters are read.
    if (embedded !== null) await new Promise((r) => setTimeout(r, 200));
    // The platform's last figures, read now that every call has ended (before the probe's delay).
    const platformView = platform === null ? null : await platform.finish();
    // Its failures are counted in the summary, never a reason the run is invalid: the load was measured either way.
    if (platformView !== null) emit({ type: 'platformMedia', rows: platformView.rows });
    // Last: the recording probe, on the calls' records (the embedded call centre's files written first).
    let recordings = null;
    if (s.recordings !== null) {
      await embedded?.recorder?.idle();
      // The answered calls are read back from calls.jsonl, not kept in memory through the run.
      const writer = outputs.find((out) => out.callsFile !== undefined);
      recordings = await runRecordingProbe(s, writer === undefined ? null : () => writer.callsFile!(), {
        runStartEpochMs, cti: cti === null ? null : { url: cti.url, token: ctiToken }, onError: (m) => invalidReasons.push(m),
      });
    }
    const outboundRules = s.outboundRules === null ? null : evaluateOutboundRules(s.outboundRules, ruleRecords);
    const results = buildResults(agg, {
      ...facts('finished', unfinished), recordings, mediaPorts, mediaSocketDrops: mediaDrops, platformMedia: platformView?.summary ?? null,
      outboundRules,
    });
    emit({ type: 'finished', results });
    await Promise.all(outputs.map((out) => out.stop()));
    await cti?.close();
    await embedded?.close();
    return { results };
  })();

  return {
    done,
    target,
    stop(reason: string) {
      if (stopping) return;
      stopping = true;
      interrupted = true;
      stoppedAtMs = Math.max(0, Date.now() - runStartEpochMs);
      emit({ type: 'stopping', reason, byCriterion: false });
      pool.stop(reason);
    },
  };
}

function addPortTotals(a: MediaPortTotals | null, b: MediaPortTotals): MediaPortTotals {
  if (a === null) return { ...b, shortfalls: [...b.shortfalls] };
  return {
    pairs: a.pairs + b.pairs, skippedPorts: a.skippedPorts + b.skippedPorts, strayPackets: a.strayPackets + b.strayPackets,
    socketErrors: a.socketErrors + b.socketErrors, shortfalls: [...a.shortfalls, ...b.shortfalls],
  };
}

