/**
 * Criteria on HTTP loads, flows and outbound calls: k6-style selectors
 * (`flow_step_ms{flow:a,step:login}`) parsed and checked against the scenario at
 * load time with one-line errors; values read from a real Aggregator fed crafted
 * worker reports (the buckets results.json is published from); when a failure of
 * each new metric is decided while running.
 */
import { describe, expect, it } from 'vitest';
import { parseCriterion, tryParseMetricName } from '../../src/scenario/criteria.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import { isCallcertError } from '../../src/errors.js';
import { Aggregator } from '../../src/metrics/aggregate/aggregate.js';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../src/metrics/histograms.js';
import { LiveCriteria, decidedWhileRunning, metricValue, type MetricSource } from '../../src/verdict/thresholds.js';
import { runMetricSource } from '../../src/results/summary.js';
import { httpFlowsSummary, outboundSummary, outboundWindowEndMs } from '../../src/results/flow-summary.js';
import type { Criterion, Scenario } from '../../src/scenario/types.js';
import {
  emptyCounters, putCounters, putFlow, putHttpLoad, putOutbound, type FlowBucket, type HttpBucket, type IntervalReport, type OutboundBucket,
} from '../../src/metrics/interval.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isCallcertError(e)) return e.message;
    throw e;
  }
  throw new Error('expected an error');
}

/** A scenario with one HTTP load "agents", one flow "agent-call" (steps login, invite) and, unless told, a UAS. */
function raw(criteria: Record<string, unknown>, o: { uas?: boolean; search?: boolean } = {}): Record<string, unknown> {
  return {
    name: 'sel',
    load: o.search
      ? { model: 'search', start: 10, step: 10, stepDuration: '5s', ceiling: 20 }
      : { model: 'open', stages: [{ duration: '1s', target: 1 }, { duration: '9s', target: 1 }] },
    ...(o.uas === false ? {} : { uas: { ring: '0s' } }),
    http: {
      load: [{ name: 'agents', url: '/v1/agents', rate: 10, duration: '5s' }],
      flows: [{
        name: 'agent-call',
        stages: [{ duration: '5s', target: 2 }],
        steps: [
          { name: 'login', request: { method: 'POST', url: '/v1/sessions' } },
          ...(o.uas === false ? [] : [{ name: 'invite', waitCall: { timeout: '5s' } }]),
        ],
      }],
    },
    criteria,
  };
}
const load = (criteria: Record<string, unknown>, o: { uas?: boolean; search?: boolean } = {}): Scenario => scenarioFromObject(raw(criteria, o), 'sel.yaml');

describe('tryParseMetricName', () => {
  it.each<[string, string, Record<string, string> | null]>([
    ['setup_ms', 'setup_ms', null],
    ['dial_latency_ms', 'dial_latency_ms', null],
    ['http_latency_ms{load:agents}', 'http_latency_ms{load:agents}', { load: 'agents' }],
    ['flow_failure_rate{flow:agent-call}', 'flow_failure_rate{flow:agent-call}', { flow: 'agent-call' }],
    // Spaces and tag order are free; the name is canonical.
    [' flow_step_ms{ step: login , flow:agent-call }', 'flow_step_ms{flow:agent-call,step:login}', { flow: 'agent-call', step: 'login' }],
  ])('%j → %s', (key, name, selector) => {
    expect(tryParseMetricName(key)).toMatchObject({ ok: true, name, selector });
  });

  it.each<[string, boolean, RegExp]>([
    ['latency', true, /^a metric among setup_ms, .*http_latency_ms\{load:<name>\}.*flow_step_ms\{flow:<name>,step:<name>\}.*outbound_concurrency_sustained, outbound_rule_violations, platform_cpu_pct\{instance:<name>\}.*platform_net_tx_bytes_per_sec\{instance:<name>\}$/],
    ['flow_ms', false, /^flow_ms\{flow:<name>\} \(flow_ms is per flow: name it with http\.flows\[\]\.name\)$/],
    ['flow_ms{flow:a', false, /^flow_ms\{flow:<name>\} \(a selector is/],
    ['dial_latency_ms{flow:a}', false, /^dial_latency_ms without a selector$/],
  ])('%j is refused', (key, unknown, expected) => {
    const r = tryParseMetricName(key);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.unknown).toBe(unknown);
    expect(r.expected).toMatch(expected);
  });

  it.each<[string, string]>([
    ['http_rps{flow:agents}', 'http_rps takes load, not flow'],
    ['flow_step_ms{flow:a}', 'step missing'],
    ['flow_ms{flow:a,flow:b}', 'flow is given twice'],
    ['flow_ms{flow:Agent Call}', 'flow: a name of lower-case letters, digits, ".", "_" and "-"'],
  ])('%j: hint %j', (key, hint) => {
    expect(tryParseMetricName(key)).toMatchObject({ ok: false, unknown: false, hint });
  });

  it('parses a selector criterion and keeps the name', () => {
    expect(parseCriterion('flow_step_ms{flow:a,step:b}', 'p(99)<1.5s')).toEqual({
      source: 'p(99)<1.5s', name: 'flow_step_ms{flow:a,step:b}', metric: 'flow_step_ms', selector: { flow: 'a', step: 'b' },
      aggregate: { kind: 'percentile', p: 99 }, op: '<', threshold: 1500, abortOnFail: false, delayAbortEvalMs: 0,
    });
    expect(parseCriterion('http_error_rate{load:x}', '<1%')).toMatchObject({ metric: 'http_error_rate', threshold: 0.01 });
  });
});

describe('criteria on HTTP, flows and outbound in a scenario', () => {
  it('loads good selectors in scenario order, names canonical', () => {
    const s = load({
      'http_latency_ms{load:agents}': ['p(95)<200'],
      'flow_step_ms{step:login, flow:agent-call}': { threshold: 'max<1s', abortOnFail: true },
      dial_latency_ms: 'p(95)<500',
      outbound_concurrency_sustained: '>=10',
    });
    expect(s.criteria.map((c) => [c.name, c.source, c.abortOnFail])).toEqual([
      ['dial_latency_ms', 'p(95)<500', false],
      ['outbound_concurrency_sustained', '>=10', false],
      ['http_latency_ms{load:agents}', 'p(95)<200', false],
      ['flow_step_ms{flow:agent-call,step:login}', 'max<1s', true],
    ]);
  });

  it.each<[string, Record<string, unknown>, { uas?: boolean; search?: boolean }, string]>([
    ['unknown load', { 'http_latency_ms{load:agentz}': ['p(95)<1'] }, {}, 'sel.yaml: criteria.http_latency_ms{load:agentz}: expected an HTTP load among http.load[].name (agents), got "agentz"'],
    ['unknown flow', { 'flow_ms{flow:x}': ['max<1'] }, {}, 'sel.yaml: criteria.flow_ms{flow:x}: expected a flow among http.flows[].name (agent-call), got "x"'],
    ['unknown step', { 'flow_step_ms{flow:agent-call,step:logn}': ['max<1'] }, {}, 'sel.yaml: criteria.flow_step_ms{flow:agent-call,step:logn}: expected a step of flow agent-call among login, invite, got "logn"'],
    ['outbound without uas', { outbound_failed: '==0' }, { uas: false }, "sel.yaml: criteria.outbound_failed: expected a uas section (outbound_failed is measured by callcert's UAS, which answers the platform's outbound calls), got nothing"],
    ['no selector', { flow_failures: '==0' }, {}, 'sel.yaml: criteria.flow_failures: expected flow_failures{flow:<name>} (flow_failures is per flow: name it with http.flows[].name), got "flow_failures"'],
    ['wrong tag', { 'http_errors{flow:agents}': '==0' }, {}, 'sel.yaml: criteria.http_errors{flow:agents}: expected http_errors{load:<name>}, got "http_errors{flow:agents}" (http_errors takes load, not flow)'],
    ['aggregate on a count', { 'flow_failures{flow:agent-call}': ['p(95)<1'] }, {}, 'sel.yaml: criteria.flow_failures{flow:agent-call}[0]: expected a plain comparison such as "==0", got "p(95)<1" (p(N), max and avg apply only to setup_ms, pdd_ms, mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_max_gap_ms, rtp_first_media_ms, rtcp_rtt_ms, http_latency_ms, flow_ms, flow_step_ms, dial_latency_ms, platform_cpu_pct, platform_mem_used_pct, platform_net_rx_bytes_per_sec, platform_net_tx_bytes_per_sec; flow_failures is a single value)'],
    ['ratio above 1', { 'http_error_rate{load:agents}': '<5' }, {}, 'sel.yaml: criteria.http_error_rate{load:agents}: expected a ratio between 0 and 1, got "<5" (write <0.05 or <5%)'],
    ['typo keeps the selector', { 'flw_ms{flow:agent-call}': ['max<1'] }, {}, 'sel.yaml: criteria: unknown metric "flw_ms{flow:agent-call}"; did you mean "flow_ms{flow:agent-call}"?'],
    ['k6 metric name', { http_req_duration: ['p(95)<1'] }, {}, 'sel.yaml: criteria: unknown metric "http_req_duration"; use http_latency_ms{load:<name>} (or flow_step_ms{flow:<name>,step:<name>})'],
    ['flow criterion with a capacity search', { 'flow_failures{flow:agent-call}': '==0' }, { search: true }, 'sel.yaml: criteria.flow_failures{flow:agent-call}: expected no flow, outbound or per-call-only media criteria with model: search (each step is judged on its SIP calls, HTTP loads and live media: mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_one_way_audio, rtp_crossed_media), got "flow_failures{flow:agent-call}"'],
    ['outbound criterion with a capacity search', { dial_latency_ms: 'p(95)<500' }, { search: true, uas: true }, 'sel.yaml: criteria.dial_latency_ms: expected no flow, outbound or per-call-only media criteria with model: search (each step is judged on its SIP calls, HTTP loads and live media: mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_one_way_audio, rtp_crossed_media), got "dial_latency_ms"'],
  ])('%s', (_what, criteria, o, message) => {
    expect(messageOf(() => load(criteria, o))).toBe(message);
  });

  it('a capacity search takes HTTP-load criteria (each step judges the API at its channel level)', () => {
    const s = load({ 'http_latency_ms{load:agents}': 'p(95)<200', 'http_error_rate{load:agents}': '<1%' }, { search: true });
    expect(s.criteria.map((c) => c.name)).toEqual(['http_latency_ms{load:agents}', 'http_error_rate{load:agents}']);
  });

  it('a capacity search with media takes the criteria a step judges on its live streams, not the per-call-only ones', () => {
    const withMedia = (criteria: Record<string, unknown>) =>
      scenarioFromObject({ ...raw(criteria, { search: true }), call: { media: 'pcmu' } }, 'sel.yaml');
    const s = withMedia({ mos_cqe: 'p(5)>=4.0', rtp_loss_ratio: 'p(95)<0.01', rtp_jitter_ms: 'p(95)<30', rtp_one_way_audio: '==0' });
    expect(s.criteria.map((c) => c.name)).toEqual(['mos_cqe', 'rtp_loss_ratio', 'rtp_jitter_ms', 'rtp_one_way_audio']);
    expect(messageOf(() => withMedia({ rtp_max_gap_ms: 'p(95)<100' }))).toBe(
      'sel.yaml: criteria.rtp_max_gap_ms: expected no flow, outbound or per-call-only media criteria with model: search (each step is judged on its SIP calls, HTTP loads and live media: mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_one_way_audio, rtp_crossed_media), got "rtp_max_gap_ms"',
    );
  });

  it('--set takes a key with a selector, and checks its name like the file', () => {
    const s = scenarioFromObject(raw({}), 'sel.yaml', { overrides: ['criteria.flow_ms{flow:agent-call}=["p(95)<3s"]'] });
    expect(s.criteria.map((c) => [c.name, c.threshold])).toEqual([['flow_ms{flow:agent-call}', 3000]]);
    expect(messageOf(() => scenarioFromObject(raw({}), 'sel.yaml', { overrides: ['criteria.flow_ms{flow:agent-cal}=["p(95)<3s"]'] }))).toBe(
      'sel.yaml: criteria.flow_ms{flow:agent-cal}: expected a flow among http.flows[].name (agent-call), got "agent-cal" (from --set criteria.flow_ms{flow:agent-cal}=["p(95)<3s"])',
    );
  });

  it('reports every bad name at once, one line each', () => {
    const lines = messageOf(() => load({ 'flow_ms{flow:x}': ['max<1'], 'http_rps{load:y}': '>=1' })).split('\n');
    expect(lines).toEqual([
      'sel.yaml: criteria.flow_ms{flow:x}: expected a flow among http.flows[].name (agent-call), got "x"',
      'sel.yaml: criteria.http_rps{load:y}: expected an HTTP load among http.load[].name (agents), got "y"',
    ]);
  });
});

// ---------------------------------------------------------------------------
// Values from a real Aggregator

const hist = (ms: number[]) => {
  const h = createLatencyHistogram();
  for (const v of ms) recordMs(h, v);
  return h;
};
const EMPTY = encodeHistogram(hist([]));

interface Buckets {
  http?: Record<string, HttpBucket>;
  flows?: Record<string, FlowBucket>;
  outbound?: OutboundBucket & { samples: Array<[number, number]> };
}

/** A worker's report with these HTTP, flow and UAS buckets, as the workers ship them (metrics/interval.ts put*). */
function report(seq: number, worker: number, extra: Buckets): IntervalReport {
  const r: IntervalReport = {
    type: 'interval', worker, seq, counters: {},
    trends: {
      setup_ms: { '': EMPTY }, pdd_ms: { '': EMPTY }, pdd_failed_ms: { '': EMPTY }, sdd_ms: { '': EMPTY }, schedule_slip_ms: { '': EMPTY },
    },
    samples: [], calls: '', eventLoopLagMsP99: 0, eventLoopLagMsMax: 0, eventLoopLagMsP99Run: 0, heapUsedBytes: 0,
  };
  putCounters(r, emptyCounters());
  for (const name in extra.http) putHttpLoad(r, name, extra.http[name]);
  for (const name in extra.flows) putFlow(r, name, extra.flows[name]);
  if (extra.outbound !== undefined) {
    putOutbound(r, extra.outbound);
    r.outboundSamples = extra.outbound.samples;
  }
  return r;
}

/** Two workers, two seconds: HTTP requests (2 errors of 100), 10 flows (1 failed), 8 outbound calls (1 failed), concurrency 0→6→4. */
function feed(): Aggregator {
  const agg = new Aggregator();
  const flow = (completed: number, failed: number, flowMs: number[], loginMs: number[]) => ({
    hist: hist(flowMs), started: completed + failed, completed, failed, blocked: 0,
    errorsByCause: (failed ? { timeout: failed } : {}) as Record<string, number>, unexpectedStatus: {}, examples: {},
    steps: { login: { hist: hist(loginMs), count: completed + failed, statusCodes: {}, errors: {} } },
  });
  const ob = (answered: number, failed: number, dialMs: number[], samples: Array<[number, number]>) => ({
    dialHist: hist(dialMs), offered: answered + failed, answered, completed: answered, failed, uncorrelated: 0, unfinished: 0, samples,
  });
  agg.add(report(0, 0, {
    http: {
      agents: {
        hist: hist(Array<number>(49).fill(10)), settled: 50, completed: 49,
        statusCodes: { 200: 49 }, errorsByCause: { timeout: 1 },
      },
    },
    flows: { 'agent-call': flow(4, 1, [100, 100, 100, 100], [20, 20, 20, 20]) },
    outbound: ob(3, 1, [50, 50, 50], [[0, 0], [5, 3]]),
  }));
  agg.add(report(0, 1, {
    http: {
      agents: {
        hist: hist([...Array<number>(48).fill(10), 90]), settled: 50, completed: 50,
        statusCodes: { 200: 49, 500: 1 }, errorsByCause: { status: 1 },
      },
    },
    flows: { 'agent-call': flow(5, 0, [100, 100, 100, 100, 400], [20, 20, 20, 20, 80]) },
    outbound: ob(4, 0, [50, 50, 50, 300], [[0, 0], [5, 3]]),
  }));
  agg.add(report(1, 0, { outbound: ob(0, 0, [], [[10, 2], [15, 2]]) }));
  agg.add(report(1, 1, { outbound: ob(0, 0, [], [[10, 2], [15, 2]]) }));
  return agg;
}

const crit = (key: string, expr: string, opts: Partial<Criterion> = {}): Criterion => ({ ...parseCriterion(key, expr), ...opts });

describe('metricValue on HTTP, flow and outbound data (runMetricSource over a real Aggregator)', () => {
  const s = load({});
  const agg = feed();
  const end = runMetricSource(agg, s, 2000, 10_000, { agents: { requests: 100, sent: 100, dropped: 0, elapsedMs: 5000, offeredRps: 10, measurement: 'x' as never } });

  it.each<[string, string, number]>([
    ['http_errors{load:agents}', '==0', 2],
    ['http_error_rate{load:agents}', '<0.01', 0.02],
    // 99 responses over the load's own 5 s (its worker's figure, as summary.http.rps).
    ['http_rps{load:agents}', '>=10', 19.8],
    ['flow_failures{flow:agent-call}', '==0', 1],
    ['flow_failure_rate{flow:agent-call}', '==0', 0.1],
    ['outbound_failed', '==0', 1],
    ['outbound_answered', '>=7', 7],
    ['outbound_concurrency_peak', '>=7', 6],
    ['outbound_concurrency_sustained', '>=5', 4],
  ])('%s = %d', (key, expr, value) => {
    expect(metricValue(crit(key, expr), end)).toBe(value);
  });

  it('reads histogram aggregates from the merged buckets, as summary publishes them', () => {
    expect(metricValue(crit('http_latency_ms{load:agents}', 'max<1'), end)).toBeCloseTo(90, 0);
    expect(metricValue(crit('http_latency_ms{load:agents}', 'p(50)<1'), end)).toBeCloseTo(10, 1);
    expect(metricValue(crit('flow_ms{flow:agent-call}', 'max<1'), end)).toBeCloseTo(400, 0);
    // Login times fed: 20 ms × 8 and 80 ms once (9 samples): the 95th percentile is the 80 ms one.
    expect(metricValue(crit('flow_step_ms{flow:agent-call,step:login}', 'p(95)<1'), end)).toBeCloseTo(80, 0);
    expect(metricValue(crit('dial_latency_ms', 'avg<1'), end)).toBeCloseTo((6 * 50 + 300) / 7, 0);
    const flows = httpFlowsSummary(agg, s) as Record<
      string,
      { failed: number; flowMs: { p95: number }; steps: Record<string, { latencyMs: { p99: number } }> }
    >;
    expect(metricValue(crit('flow_ms{flow:agent-call}', 'p(95)<1'), end)).toBe(flows['agent-call'].flowMs.p95);
    expect(metricValue(crit('flow_step_ms{flow:agent-call,step:login}', 'p(99)<1'), end)).toBe(flows['agent-call'].steps.login.latencyMs.p99);
    const ob = outboundSummary(agg, s, 10_000)!;
    expect(metricValue(crit('dial_latency_ms', 'p(99)<1'), end)).toBe(ob.dialLatencyMs.p99);
    expect([metricValue(crit('outbound_concurrency_peak', '>=1'), end), metricValue(crit('outbound_concurrency_sustained', '>=1'), end)]).toEqual([ob.concurrency.peak, ob.concurrency.sustained]);
  });

  it('while running, rps is over the time the load has run so far; no data is null', () => {
    const running = runMetricSource(agg, s, 2000, 10_000);
    expect(metricValue(crit('http_rps{load:agents}', '>=1'), running)).toBe(49.5);
    const empty = runMetricSource(new Aggregator(), s, 0, 10_000);
    expect(metricValue(crit('http_latency_ms{load:agents}', 'p(95)<1'), empty)).toBeNull();
    expect(metricValue(crit('http_error_rate{load:agents}', '<0.1'), empty)).toBeNull();
    expect(metricValue(crit('http_rps{load:agents}', '>=1'), empty)).toBeNull();
    expect(metricValue(crit('flow_step_ms{flow:agent-call,step:invite}', 'p(95)<1'), empty)).toBeNull();
    expect(metricValue(crit('flow_failure_rate{flow:agent-call}', '<0.1'), empty)).toBeNull();
    expect(metricValue(crit('dial_latency_ms', 'p(95)<1'), empty)).toBeNull();
    // Counts start at 0: a run with no failure so far passes "==0".
    expect(metricValue(crit('flow_failures{flow:agent-call}', '==0'), empty)).toBe(0);
    expect(metricValue(crit('outbound_failed', '==0'), empty)).toBe(0);
    expect(metricValue(crit('outbound_concurrency_sustained', '>=1'), empty)).toBeNull();
  });

  it('a source without HTTP data (a search step) gives null', () => {
    const bare: MetricSource = {
      counters: emptyCounters(),
      setup: createLatencyHistogram(),
      pdd: createLatencyHistogram(),
      elapsedMs: 1000,
      concurrency: () => ({ peak: 0, sustained: null }),
    };
    expect(metricValue(crit('flow_failures{flow:agent-call}', '==0'), bare)).toBeNull();
    expect(metricValue(crit('outbound_failed', '==0'), bare)).toBeNull();
  });
});

describe('decidedWhileRunning for the new metrics', () => {
  const outboundEndMs = 30_000;
  it.each<[string, string, number, number, boolean]>([
    ['http_latency_ms{load:a}', 'p(95)<100', 150, 2_000, true],
    ['flow_step_ms{flow:a,step:b}', 'max<100', 150, 2_000, true],
    ['dial_latency_ms', 'p(95)<100', 150, 2_000, true],
    ['http_error_rate{load:a}', '<0.01', 0.5, 2_000, true],
    ['flow_failure_rate{flow:a}', '==0', 0.1, 2_000, true],
    ['http_errors{load:a}', '<10', 12, 2_000, true], // counts only grow
    ['flow_failures{flow:a}', '==0', 1, 2_000, true],
    ['outbound_failed', '==0', 1, 2_000, true],
    ['outbound_answered', '<=100', 101, 2_000, true],
    ['outbound_answered', '>=100', 5, 2_000, false], // may still be reached
    ['outbound_concurrency_peak', '>=300', 10, 2_000, false],
    ['outbound_concurrency_peak', '<300', 301, 2_000, true],
    ['http_rps{load:a}', '>=100', 1, 60_000, false], // an average
    ['outbound_concurrency_sustained', '>=200', 10, 20_000, false], // a later, higher peak moves the window
    ['outbound_concurrency_sustained', '>=200', 10, 30_000, false], // the sample at the end is not in yet
    ['outbound_concurrency_sustained', '>=200', 10, 31_000, true],
  ])('%s %s with actual %d at %d ms → %s', (key, expr, actual, atMs, decided) => {
    expect(decidedWhileRunning(crit(key, expr), actual, atMs, null, outboundEndMs)).toBe(decided);
  });

  it('outbound_concurrency_sustained is never decided without a UAS window', () => {
    expect(decidedWhileRunning(crit('outbound_concurrency_sustained', '>=1'), 0, 1e9, null, null)).toBe(false);
  });

  it('the window ends with the flows\' stages', () => {
    expect(outboundWindowEndMs(load({}))).toBe(5000);
    expect(outboundWindowEndMs(load({}, { uas: false }))).toBeNull();
  });
});

describe('LiveCriteria on a flow metric', () => {
  it('aborts with the criterion named by metric and selector', () => {
    const s = load({});
    const c = crit('flow_failures{flow:agent-call}', '==0', { abortOnFail: true, delayAbortEvalMs: 1000 });
    const live = new LiveCriteria([c, crit('outbound_concurrency_sustained', '>=5')], null, outboundWindowEndMs(s));
    const src = runMetricSource(feed(), s, 2000, 10_000);
    expect(live.evaluate(500, src)).toBeNull(); // before delayAbortEval
    expect(live.evaluate(2000, src)).toEqual({ criterion: '==0', metric: 'flow_failures{flow:agent-call}', actual: 1, atMs: 2000 });
    // Sustained 4 < 5 is not decided before the flows' stages are over (5 s).
    expect(live.status().failing).toEqual(['flow_failures{flow:agent-call} ==0 (actual 1)']);
    live.evaluate(6000, src);
    expect(live.status().firstFailedAtMs).toEqual([500, 6000]);
  });
});
