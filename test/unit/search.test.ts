/**
 * Capacity search: levels, generated stages and step windows, the scenario
 * shape (`load.model: search`), and step verdicts judged on made-up worker
 * interval reports merged by the real Aggregator.
 */
import { describe, expect, it } from 'vitest';
import { intervalsWithin, searchLevels, searchStages, searchStepWindows } from '../../src/load/search.js';
import { SearchJudge } from '../../src/verdict/search-steps.js';
import { Aggregator } from '../../src/metrics/aggregate/aggregate.js';
import { buildResults } from '../../src/results/summary.js';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../src/metrics/histograms.js';
import { buildScenarioFromFlags, scenarioFromObject } from '../../src/scenario/load.js';
import { parseCriterion } from '../../src/scenario/criteria.js';
import { isCallcertError } from '../../src/errors.js';
import type { SearchSpec } from '../../src/scenario/types.js';
import { emptyBucket, emptyCounters, putCounters, putHttpLoad, type IntervalReport } from '../../src/metrics/interval.js';

const spec: SearchSpec = { start: 100, step: 50, stepDurationMs: 5000, rampMs: 1000, ceiling: 220, require: null };

describe('search plan', () => {
  it('offers start + k·step up to the ceiling', () => {
    expect(searchLevels(spec)).toEqual([100, 150, 200]);
    expect(searchLevels({ start: 1000, step: 200, ceiling: 1000 })).toEqual([1000]);
  });

  it('generates a ramp and a hold stage per level', () => {
    expect(searchStages(spec)).toEqual([
      { durationMs: 1000, target: 100 }, { durationMs: 5000, target: 100 },
      { durationMs: 1000, target: 150 }, { durationMs: 5000, target: 150 },
      { durationMs: 1000, target: 200 }, { durationMs: 5000, target: 200 },
    ]);
  });

  it('knows each step window up front', () => {
    expect(searchStepWindows(spec)).toEqual([
      { level: 100, rampStartMs: 0, holdStartMs: 1000, endMs: 6000 },
      { level: 150, rampStartMs: 6000, holdStartMs: 7000, endMs: 12000 },
      { level: 200, rampStartMs: 12000, holdStartMs: 13000, endMs: 18000 },
    ]);
  });

  it('judges whole report intervals inside a window', () => {
    expect(intervalsWithin(1000, 6000)).toEqual({ firstSeq: 1, endSeq: 6 });
    expect(intervalsWithin(1500, 6500)).toEqual({ firstSeq: 2, endSeq: 6 });
  });
});

describe('load.model: search in a scenario', () => {
  const raw = (load: Record<string, unknown>, criteria?: unknown) => ({ name: 'x', load: { model: 'search', ...load }, ...(criteria ? { criteria } : {}) });
  const full = { start: 1000, step: 200, stepDuration: '10s', ramp: '2s', ceiling: 1400 };

  it('normalises to the closed model over generated stages, with the default criteria', () => {
    const s = scenarioFromObject(raw({ ...full, require: 1200 }), 'x.yaml');
    expect(s.load.model).toBe('closed');
    expect(s.load.stages.map((st) => st.target)).toEqual([1000, 1000, 1200, 1200, 1400, 1400]);
    expect(s.load.model === 'closed' && s.load.search).toEqual({ start: 1000, step: 200, stepDurationMs: 10_000, rampMs: 2000, ceiling: 1400, require: 1200 });
    expect(s.criteria.map((c) => `${c.metric} ${c.source}`)).toEqual(['setup_ms p(95)<800', 'ser >=0.999']);
  });

  it('keeps the criteria it is given (instead of the defaults)', () => {
    const s = scenarioFromObject(raw(full, { ser: ['>=0.99'], concurrency_sustained: ['>=0.99'] }), 'x.yaml');
    expect(s.criteria.map((c) => `${c.metric} ${c.source}`)).toEqual(['ser >=0.99', 'concurrency_sustained >=0.99']);
  });

  function messageOf(o: unknown): string {
    try {
      scenarioFromObject(o, 'x.yaml');
    } catch (e) {
      if (isCallcertError(e)) return e.message;
      throw e;
    }
    throw new Error('expected an error');
  }

  it.each<[string, unknown, string]>([
    ['missing fields', raw({ start: 1000 }), [
      'x.yaml: load.step: expected load.step with model: search (e.g. start: 1000, step: 200, stepDuration: 2m, ceiling: 2000), got nothing',
      'x.yaml: load.stepDuration: expected load.stepDuration with model: search (e.g. start: 1000, step: 200, stepDuration: 2m, ceiling: 2000), got nothing',
      'x.yaml: load.ceiling: expected load.ceiling with model: search (e.g. start: 1000, step: 200, stepDuration: 2m, ceiling: 2000), got nothing',
    ].join('\n')],
    ['ceiling below start', raw({ ...full, ceiling: 800 }), 'x.yaml: load.ceiling: expected a ceiling >= start (1000), got 800'],
    ['require above the ceiling', raw({ ...full, require: 1600 }), 'x.yaml: load.require: expected at most the ceiling (1400): no higher level is offered, got 1600'],
    ['stages too', raw({ ...full, stages: [{ duration: '1s', target: 1 }] }), 'x.yaml: load.stages: expected no stages with model: search (the steps are generated from start, step, stepDuration and ceiling), got a list'],
    ['search fields on a closed load', { name: 'x', load: { model: 'closed', step: 200, stages: [{ duration: '1s', target: 1 }] } }, 'x.yaml: load.step: expected no step with model: closed (it belongs to model: search), got 200'],
    ['abortOnFail', raw(full, { ser: [{ threshold: '>=0.99', abortOnFail: true }] }), 'x.yaml: criteria.ser: expected no abortOnFail with model: search (the first failing step already stops the search), got ">=0.99"'],
    ['absolute sustained', raw(full, { concurrency_sustained: ['>=1000'] }), 'x.yaml: criteria.concurrency_sustained: expected with model: search, a share of each step level between 0 and 1 (e.g. ">=0.99"), got ">=1000"'],
  ])('%s', (_name, o, message) => {
    expect(messageOf(o)).toBe(message);
  });
});

/** One worker's second: answers (setup `setupMs`), 503s, and `established` channels in every 100 ms sample. */
function interval(
  worker: number,
  seq: number,
  o: { answers: number; rejected?: number; setupMs: number; established: number },
): IntervalReport {
  const counters = emptyCounters();
  counters.attempts = o.answers + (o.rejected ?? 0);
  counters.answers = o.answers;
  counters.completed = o.answers;
  counters.finalByCode['200'] = o.answers;
  if (o.rejected) {
    counters.failures = o.rejected;
    counters.finalByCode['503'] = o.rejected;
    counters.failuresByCode['503'] = o.rejected;
  }
  counters.offered = counters.attempts;
  const setup = createLatencyHistogram();
  for (let i = 0; i < o.answers; i++) recordMs(setup, o.setupMs);
  const empty = encodeHistogram(createLatencyHistogram());
  const r: IntervalReport = {
    type: 'interval', worker, seq, counters: {},
    trends: { setup_ms: { '': encodeHistogram(setup) }, pdd_ms: { '': empty }, pdd_failed_ms: { '': empty }, sdd_ms: { '': empty }, schedule_slip_ms: { '': empty } },
    samples: Array.from({ length: 10 }, (_, k): [number, number, number] => [seq * 10 + k + 1, o.established, o.established]),
    calls: '', eventLoopLagMsP99: 1, eventLoopLagMsMax: 1, eventLoopLagMsP99Run: 1, heapUsedBytes: 0,
  };
  putCounters(r, counters);
  return r;
}

/** A platform with `capacity` channels: above it, the extra slots get 503s. */
function feed(agg: Aggregator, fromSeq: number, toSeq: number, capacity: number, workers = 1): void {
  const windows = searchStepWindows(spec);
  for (let seq = fromSeq; seq < toSeq; seq++) {
    const level = windows.find((w) => seq * 1000 < w.endMs)?.level ?? 0;
    const held = Math.min(level, capacity);
    for (let w = 0; w < workers; w++) {
      agg.add(
        interval(w, seq, { answers: held / 5 / workers, rejected: (level - held) / workers, setupMs: 20, established: held / workers }),
      );
    }
  }
}

describe('SearchJudge', () => {
  const criteria = [parseCriterion('setup_ms', 'p(95)<800'), parseCriterion('ser', '>=0.999'), parseCriterion('concurrency_sustained', '>=0.99')];

  it('certifies the last passing level and names the criterion the next one failed', () => {
    // As run.ts builds it: per-second histograms kept for a whole step.
    const agg = new Aggregator(SearchJudge.retainSlots(spec));
    const judge = new SearchJudge(spec, criteria, 1);
    feed(agg, 0, 5, 180);
    expect(judge.poll(agg, 5500)).toBeNull(); // step 1 not over
    feed(agg, 5, 12, 180);
    expect(judge.poll(agg, 12_000)).toBeNull(); // steps 100 and 150 pass
    expect(judge.result().steps.map((s) => [s.level, s.pass])).toEqual([[100, true], [150, true]]);
    expect(judge.status(12_500)).toBe('level 200 (100→200 by 50), certified 150');
    feed(agg, 12, 18, 180);
    const failed = judge.poll(agg, 18_000);
    expect(failed?.level).toBe(200);
    expect(judge.status(18_500)).toBe('level 200 (100→200 by 50), certified 150, step 200 failed');
    const r = judge.result();
    expect(r).toMatchObject({ levels: [100, 150, 200], certifiedCapacity: 150, failedStep: 200, stoppedBy: 'criterion' });
    // 180 of 200 channels held: 36 answers and 20 rejections a second → SER 36/56.
    expect(r.failingCriterion).toEqual({ criterion: '>=0.999', metric: 'ser', actual: 36 / 56 });
    const step = r.steps[2];
    expect(step).toMatchObject({ startMs: 13_000, endMs: 18_000, sustained: 180, attempted: 5 * 56, failed: 100, failuresByCode: { '503': 100 } });
    expect(step.criteria.find((c) => c.metric === 'concurrency_sustained')).toEqual({ criterion: '>=0.99', metric: 'concurrency_sustained', actual: 0.9, pass: false });
    expect(step.setupMs.p95).toBeCloseTo(20, 1);
  });

  it('stops at the ceiling when every level passes', () => {
    // As run.ts builds it: per-second histograms kept for a whole step.
    const agg = new Aggregator(SearchJudge.retainSlots(spec));
    const judge = new SearchJudge(spec, criteria, 1);
    feed(agg, 0, 18, 1000);
    expect(judge.poll(agg, Infinity, true, 18_000)).toBeNull();
    expect(judge.result()).toMatchObject({ certifiedCapacity: 200, failedStep: null, failingCriterion: null, stoppedBy: 'ceiling' });
  });

  it('waits for every worker’s reports, up to a late bound', () => {
    // As run.ts builds it: per-second histograms kept for a whole step.
    const agg = new Aggregator(SearchJudge.retainSlots(spec));
    const judge = new SearchJudge(spec, criteria, 2);
    const windows = searchStepWindows(spec);
    for (let seq = 0; seq < 6; seq++) agg.add(interval(0, seq, { answers: 10, setupMs: 5, established: 50 }));
    expect(judge.poll(agg, 6500)).toBeNull();
    expect(judge.result().steps).toEqual([]);
    // Judged with what came: half the channels held, so it fails (and is returned as the failed step).
    expect(judge.poll(agg, windows[0].endMs + 3000)).toMatchObject({ level: 100, sustained: 50, pass: false });
  });

  it('judges an HTTP load on the requests of each step: the API slows down at the level the platform strains', () => {
    const agg = new Aggregator(SearchJudge.retainSlots(spec));
    const judge = new SearchJudge(spec, [...criteria, parseCriterion('http_latency_ms{load:api}', 'p(95)<200'), parseCriterion('http_rps{load:api}', '>=9')], 1);
    const windows = searchStepWindows(spec);
    for (let seq = 0; seq < 18; seq++) {
      const level = windows.find((w) => seq * 1000 < w.endMs)!.level;
      const r = interval(0, seq, { answers: level / 5, setupMs: 20, established: level });
      // 10 requests a second; 50 ms each up to 150 channels, 300 ms at 200.
      const api = { ...emptyBucket(), settled: 10, completed: 10, statusCodes: { 200: 10 } };
      for (let i = 0; i < 10; i++) recordMs(api.hist, level >= 200 ? 300 : 50);
      putHttpLoad(r, 'api', api);
      agg.add(r);
    }
    const failed = judge.poll(agg, Infinity, true, 18_000);
    expect(failed?.level).toBe(200);
    const r = judge.result();
    expect(r).toMatchObject({ certifiedCapacity: 150, failingCriterion: { metric: 'http_latency_ms{load:api}', criterion: 'p(95)<200' } });
    expect(r.failingCriterion!.actual).toBeCloseTo(300, 0);
    const api = (level: number, metric: string) => r.steps.find((st) => st.level === level)!.criteria.find((c) => c.metric === `${metric}{load:api}`)!;
    expect(api(150, 'http_latency_ms')).toMatchObject({ pass: true });
    expect(api(150, 'http_latency_ms').actual).toBeCloseTo(50, 0);
    // Requests within the step's judged window (5 whole seconds), per second.
    expect(api(150, 'http_rps')).toEqual({ criterion: '>=9', metric: 'http_rps{load:api}', actual: 10, pass: true });
  });

  describe('the generator judged per step', () => {
    const limits = { maxScheduleSlipMsP99: 20, maxEventLoopLagMsP99: 50, maxMediaSendSlipMsP99: 10 };
    /** A healthy platform of 1,000 channels, with the generator's own figures per level. */
    function feedHealth(agg: Aggregator, health: (level: number) => { slipMs?: number; sendSlipMs?: number; drops?: number }): void {
      const windows = searchStepWindows(spec);
      for (let seq = 0; seq < 18; seq++) {
        const level = windows.find((w) => seq * 1000 < w.endMs)!.level;
        const h = health(level);
        const r = interval(0, seq, { answers: level / 5, setupMs: 20, established: level });
        const slip = createLatencyHistogram();
        for (let i = 0; i < level / 5; i++) recordMs(slip, h.slipMs ?? 1);
        const send = createLatencyHistogram();
        for (let i = 0; i < 100; i++) recordMs(send, h.sendSlipMs ?? 1);
        r.trends.schedule_slip_ms = { '': encodeHistogram(slip) };
        r.trends.media_send_slip_ms = { '': encodeHistogram(send) };
        r.counters.rtp_socket_drops = { '': h.drops ?? 0 };
        agg.add(r);
      }
    }

    it('stops where the generator saturated, certifies the last healthy step and names the reason', () => {
      const agg = new Aggregator(SearchJudge.retainSlots(spec));
      const judge = new SearchJudge(spec, criteria, 1, { limits, media: false });
      // The platform would pass every level; the generator's INVITEs leave 45 ms late at 200.
      feedHealth(agg, (level) => ({ slipMs: level >= 200 ? 45 : 2 }));
      expect(judge.poll(agg, Infinity, true, 18_000)?.level).toBe(200);
      const r = judge.result();
      expect(r).toMatchObject({ certifiedCapacity: 150, failedStep: 200, failingCriterion: null, stoppedBy: 'generator', generatorLimit: 200 });
      expect(r.generatorSaturatedBy).toEqual([expect.stringMatching(/^generator saturated: schedule slip p99 45\.\d+ ms > 20 ms/)]);
      // Its criteria held: the step is not judged, for the generator's sake.
      expect(r.steps[2].criteria.every((c) => c.pass)).toBe(true);
      expect(r.steps[2]).toMatchObject({ pass: false, generator: { mediaNoPort: 0, mediaSendSlipMsP99: null, mediaSocketDrops: null } });
      expect(r.steps[1]).toMatchObject({ pass: true, generator: { saturatedBy: [] } });
      expect(r.steps[1].generator.scheduleSlipMsP99).toBeCloseTo(2, 1);
    });

    it('reads the event loop as the 90th percentile of the step’s seconds: one slow second is not saturation', () => {
      const judge = new SearchJudge(spec, criteria, 1, { limits, media: false });
      const windows = searchStepWindows(spec);
      // One 200 ms second inside step 100's hold (a GC pause), then a loop 80 ms behind throughout step 200.
      const agg = new Aggregator(SearchJudge.retainSlots(spec));
      for (let seq = 0; seq < 18; seq++) {
        const level = windows.find((w) => seq * 1000 < w.endMs)!.level;
        const r = interval(0, seq, { answers: level / 5, setupMs: 20, established: level });
        r.eventLoopLagMsP99 = seq === 3 ? 200 : level === 200 ? 80 : 3;
        agg.add(r);
      }
      judge.poll(agg, Infinity, true, 18_000);
      const r = judge.result();
      expect(r.steps.map((st) => [st.level, st.generator.eventLoopLagMsP99])).toEqual([[100, 3], [150, 3], [200, 80]]);
      expect(r).toMatchObject({ certifiedCapacity: 150, stoppedBy: 'generator', generatorLimit: 200 });
      expect(r.generatorSaturatedBy).toEqual(['generator saturated: event-loop lag p99 80 ms > 50 ms']);
    });

    it('with media: RTP send slip and the sockets’ own drops in the step saturate it', () => {
      for (const [h, reason] of [
        [{ sendSlipMs: 30 }, /^generator saturated: RTP send slip p99 30\.\d+ ms > 10 ms/],
        // 17 a second over the 5 s window.
        [{ drops: 17 }, /^generator saturated: its RTP sockets dropped 85 datagrams/],
      ] as const) {
        const agg = new Aggregator(SearchJudge.retainSlots(spec));
        const judge = new SearchJudge(spec, criteria, 1, { limits, media: true });
        feedHealth(agg, (level) => (level === 150 ? h : {}));
        judge.poll(agg, Infinity, true, 18_000);
        const r = judge.result();
        expect(r).toMatchObject({ certifiedCapacity: 100, generatorLimit: 150, stoppedBy: 'generator' });
        expect(r.generatorSaturatedBy).toEqual([expect.stringMatching(reason)]);
        expect(r.steps[0].generator).toMatchObject({ mediaSocketDrops: 0, saturatedBy: [] });
        expect(r.steps[0].generator.mediaSendSlipMsP99).toBeCloseTo(1, 1);
      }
    });
  });

  it('does not judge a step the run stopped inside', () => {
    // As run.ts builds it: per-second histograms kept for a whole step.
    const agg = new Aggregator(SearchJudge.retainSlots(spec));
    const judge = new SearchJudge(spec, criteria, 1);
    feed(agg, 0, 9, 1000);
    judge.poll(agg, Infinity, true, 9000);
    expect(judge.result()).toMatchObject({ certifiedCapacity: 100, stoppedBy: null });
    expect(judge.result().steps).toHaveLength(1);
  });
});

describe('--capacity (run flag → embedded.capacity)', () => {
  it('sets the embedded call centre’s capacity on top of the file', () => {
    const raw = buildScenarioFromFlags({ name: 'x', embedded: { ring: '1s' }, load: { model: 'search', start: 10, step: 5, stepDuration: '5s', ceiling: 20 } }, { capacity: 1400 });
    expect(scenarioFromObject(raw, 'x.yaml').embedded).toMatchObject({ capacity: 1400, ringMs: 1000 });
  });

  it('is a usage error with a target, or when not a whole number', () => {
    expect(() => buildScenarioFromFlags({ name: 'x', target: { uri: 'sip:a@10.0.0.1' } }, { capacity: 1400 })).toThrow(
      "--capacity sets the embedded call centre's capacity: it does not apply with a target (--target or the scenario's target)",
    );
    expect(() => buildScenarioFromFlags(null, { concurrency: 10, capacity: 1.5 })).toThrow('--capacity: expected a whole number >= 0, got 1.5');
  });
});

describe('results.json verdict of a search and of an aborted run', () => {
  const scenario = scenarioFromObject(
    { name: 'x', load: { model: 'search', start: 100, step: 50, stepDuration: '5s', ramp: '1s', ceiling: 220, require: 200 } },
    'x.yaml',
  );
  const facts = (search: ReturnType<SearchJudge['result']> | null, abortedBy: { criterion: string; metric: 'ser'; actual: number; atMs: number } | null = null) => ({
    scenario, scenarioSha256: '0', scenarioFile: null, target: { uri: 'sip:x', transport: 'udp' as const, embedded: true }, workers: 1, toolVersion: '0',
    startedAt: new Date(0), endedAt: new Date(18_000), elapsedMs: 18_000, loadEndMs: 18_000, interrupted: false, invalidReasons: [],
    cpuPct: 1, state: 'finished' as const, unfinishedCalls: 0, search,
    live: { firstFailedAtMs: scenario.criteria.map(() => null), failing: [], abortedBy },
  });
  const judged = (capacity: number) => {
    const searchSpec = scenario.load.model === 'closed' ? scenario.load.search! : spec;
    const agg = new Aggregator(SearchJudge.retainSlots(searchSpec));
    const judge = new SearchJudge(searchSpec, scenario.criteria, 1);
    feed(agg, 0, 18, capacity);
    judge.poll(agg, Infinity, true, 18_000);
    return { agg, result: judge.result() };
  };

  it('passes when the certified capacity reaches load.require, with the certified step’s criteria', () => {
    const { agg, result } = judged(1000);
    const r = buildResults(agg, facts(result));
    expect(r.verdict).toBe('passed');
    expect(r.criteria.map((c) => [c.metric, c.pass, c.step])).toEqual([['setup_ms', true, 200], ['ser', true, 200], ['certified_capacity', true, 200]]);
  });

  it('fails (a valid run) when it certifies less than load.require', () => {
    const { agg, result } = judged(180);
    const r = buildResults(agg, facts(result));
    expect(r).toMatchObject({ valid: true, verdict: 'failed', search: { certifiedCapacity: 150, failedStep: 200 } });
    expect(r.criteria.at(-1)).toMatchObject({ criterion: '>=200', metric: 'certified_capacity', actual: 150, pass: false });
  });

  it('is failed, not invalid, when an abortOnFail criterion stopped the run', () => {
    const plain = scenarioFromObject({ name: 'x', load: { model: 'closed', stages: [{ duration: '1s', target: 1 }] }, criteria: { ser: [{ threshold: '>=0.99', abortOnFail: true }] } }, 'x.yaml');
    const agg = new Aggregator();
    agg.add(interval(0, 0, { answers: 10, rejected: 10, setupMs: 5, established: 1 }));
    const abortedBy = { criterion: '>=0.99', metric: 'ser' as const, actual: 0.5, atMs: 3000 };
    const r = buildResults(agg, { ...facts(null, abortedBy), scenario: plain, live: { firstFailedAtMs: [1000], failing: [], abortedBy } });
    expect(r).toMatchObject({ valid: true, interrupted: false, verdict: 'failed', abortedBy });
    expect(r.criteria).toEqual([{ criterion: '>=0.99', metric: 'ser', actual: 0.5, pass: false, abortOnFail: true, firstFailedAtMs: 1000, step: null }]);
  });
});

describe('flags on a search scenario', () => {
  it('--duration/--ramp point to the search fields', () => {
    const base = { name: 'x', load: { model: 'search', start: 10, step: 5, stepDuration: '5s', ceiling: 20 } };
    expect(() => buildScenarioFromFlags(base, { durationMs: 1000 })).toThrow(
      '--duration and --ramp reshape load.stages, which a capacity search generates: use --set load.stepDuration=<d> or --set load.ramp=<d>',
    );
  });
});
