/**
 * compareResults against a real results.json (test/fixtures/junit/smoke-results.json,
 * written by `callcert run scenarios/smoke.yaml`): identical runs, a doubled setup
 * p95, improvements, zero baselines, per-metric tolerances, missing/new metrics and
 * invalid runs; tolerance parsing errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/summary.js';
import { parseResults } from '../../src/results/read.js';
import { compareResults } from '../../src/compare/compare.js';
import { parsePerMetric, parseTolerance } from '../../src/compare/tolerance.js';
import type { Comparison, MetricDelta } from '../../src/compare/types.js';
import { CallcertError } from '../../src/errors.js';

const FIXTURE = new URL('../fixtures/junit/smoke-results.json', import.meta.url);
/** A fresh deep copy each time, so tests can mutate it. */
/** The fixture is a schema-1 document: read as every reader does (migrated, validated). */
const load = (): Results => parseResults(readFileSync(FIXTURE), 'smoke-results.json');
const tenPct = parseTolerance('10%', '--tolerance');

function metric(c: Comparison, id: string): MetricDelta {
  const m = c.metrics.find((x) => x.metric === id);
  if (!m) throw new Error(`${id} not compared; have ${c.metrics.map((x) => x.metric).join(', ')}`);
  return m;
}

function httpLoad(latencyP95: number, errors: number, requests: number, rps: number) {
  return { requests, rps, latencyMs: { p95: latencyP95, p99: latencyP95 * 1.5 }, errors: { total: errors, byCause: {} } };
}

describe('compareResults', () => {
  it('finds nothing to report on an identical run', () => {
    const c = compareResults(load(), load(), { tolerance: tenPct });
    expect(c.verdict).toBe('pass');
    expect(c.regressions).toBe(0);
    expect(c.currentProblem).toBeNull();
    expect(c.warnings).toEqual([]);
    expect(c.metrics.every((m) => m.status === 'ok')).toBe(true);
    // The SIP metrics of the fixture (HTTP none): all 15 measured in both runs.
    expect(c.metrics.map((m) => m.metric)).toEqual([
      'setup_ms.p50', 'setup_ms.p95', 'setup_ms.p99', 'pdd_ms.p95', 'ser', 'seer', 'scr', 'asr', 'isa',
      'failed_calls', 'blocked_calls', 'concurrency_sustained', 'concurrency_peak', 'cps_achieved', 'schedule_slip_ms.p99',
    ]);
  });

  it('watches calls cut at the end and calls with no response once both runs record them', () => {
    const base = load();
    const cur = load();
    Object.assign(base.summary.calls, { cutAtEnd: 0, noResponse: 0 });
    Object.assign(cur.summary.calls, { cutAtEnd: 30, noResponse: 0 });
    const c = compareResults(base, cur, { tolerance: tenPct });
    expect(c.metrics.find((m) => m.metric === 'cut_at_end_calls')?.status).toBe('regressed');
    expect(c.metrics.find((m) => m.metric === 'no_response_calls')?.status).toBe('ok');
  });

  it('flags a doubled setup p95 as the one regression', () => {
    const base = load();
    const cur = load();
    cur.summary.setupMs.p95 = 2.996; // doubled: 1.498 → 2.996 ms
    const c = compareResults(base, cur, { tolerance: tenPct });
    expect(c.verdict).toBe('regressed');
    expect(c.regressions).toBe(1);
    const m = metric(c, 'setup_ms.p95');
    expect(m).toMatchObject({ baseline: 1.498, current: 2.996, delta: 1.498, deltaPct: 100, status: 'regressed', unit: 'ms', direction: 'lower' });
    // 10 % of 1.498 ms is under the 1 ms floor: the floor is what was allowed.
    expect(m.allowedWorse).toBe(1);
    expect(c.metrics.filter((x) => x.status !== 'ok').map((x) => x.metric)).toEqual(['setup_ms.p95']);
  });

  it('keeps sub-floor latency changes ok and reports large ones as improved or regressed', () => {
    const base = load();
    base.summary.setupMs.p50 = 0.5;
    base.summary.setupMs.p95 = 100;
    base.summary.setupMs.p99 = 200;
    const cur = load();
    cur.summary.setupMs.p50 = 0.9; // +80 % but +0.4 ms: under the 1 ms floor
    cur.summary.setupMs.p95 = 50; // halved
    cur.summary.setupMs.p99 = 219; // +9.5 %: within 10 %
    const c = compareResults(base, cur, { tolerance: tenPct });
    expect(metric(c, 'setup_ms.p50').status).toBe('ok');
    expect(metric(c, 'setup_ms.p95')).toMatchObject({ status: 'improved', delta: -50, deltaPct: -50 });
    expect(metric(c, 'setup_ms.p99')).toMatchObject({ status: 'ok', allowedWorse: 20 });
    expect(c.verdict).toBe('pass');
  });

  it('judges higher-is-better metrics the other way round', () => {
    const base = load();
    const cur = load();
    cur.summary.concurrency.sustained = 44; // 50 → 44: −12 % > 10 %
    cur.summary.cps.achieved = 18; // 15.9 → 18: better by more than 1.59
    const c = compareResults(base, cur, { tolerance: tenPct });
    expect(metric(c, 'concurrency_sustained')).toMatchObject({ status: 'regressed', delta: -6, deltaPct: -12 });
    expect(metric(c, 'cps_achieved')).toMatchObject({ status: 'improved', delta: 2.1 });
  });

  it('applies a ratio percentage to the failed share, so a small SER drop still regresses', () => {
    const base = load();
    base.summary.ratios.ser = 0.998;
    const cur = load();
    cur.summary.ratios.ser = 0.99; // failed share 0.2 % → 1 %
    cur.summary.ratios.seer = 0.9995; // −0.05 percentage points: under the 0.001 floor
    const c = compareResults(base, cur, { tolerance: tenPct });
    expect(metric(c, 'ser')).toMatchObject({ status: 'regressed', allowedWorse: 0.001 });
    expect(metric(c, 'seer').status).toBe('ok');
  });

  describe('zero baselines (relative change is infinite: the unit floor decides)', () => {
    it('0 → 3 failed calls regresses; deltaPct is null', () => {
      const cur = load();
      cur.summary.calls.failed = 3;
      const m = metric(compareResults(load(), cur, { tolerance: tenPct }), 'failed_calls');
      expect(m).toMatchObject({ baseline: 0, current: 3, delta: 3, deltaPct: null, allowedWorse: 0, status: 'regressed' });
    });

    it('0 → 3 failed calls passes with an absolute tolerance of 3', () => {
      const cur = load();
      cur.summary.calls.failed = 3;
      const c = compareResults(load(), cur, { tolerance: tenPct, perMetric: parsePerMetric(['failed_calls=3']) });
      expect(metric(c, 'failed_calls').status).toBe('ok');
      expect(c.verdict).toBe('pass');
    });

    it('ISA 0 → 0.0005 is within the 0.001 ratio floor, 0 → 0.002 is not', () => {
      const cur = load();
      cur.summary.ratios.isa = 0.0005;
      expect(metric(compareResults(load(), cur, { tolerance: tenPct }), 'isa').status).toBe('ok');
      cur.summary.ratios.isa = 0.002;
      expect(metric(compareResults(load(), cur, { tolerance: tenPct }), 'isa').status).toBe('regressed');
    });
  });

  describe('per-metric tolerances', () => {
    const doubled = () => {
      const cur = load();
      cur.summary.setupMs.p95 = 2.996; // doubled
      return cur;
    };

    it('an absolute tolerance on the metric accepts the doubled p95', () => {
      const c = compareResults(load(), doubled(), { tolerance: tenPct, perMetric: parsePerMetric(['setup_ms.p95=5ms']) });
      expect(metric(c, 'setup_ms.p95')).toMatchObject({ status: 'ok', allowedWorse: 5, tolerance: { kind: 'absolute', value: 5, source: '5ms' } });
    });

    it('a group key applies to every metric of the group; the exact id wins over it', () => {
      const c = compareResults(load(), doubled(), { tolerance: tenPct, perMetric: parsePerMetric(['setup_ms=150%', 'setup_ms.p95=0.5ms']) });
      expect(metric(c, 'setup_ms.p50').tolerance.source).toBe('150%');
      expect(metric(c, 'setup_ms.p95')).toMatchObject({ status: 'regressed', allowedWorse: 0.5 });
      expect(metric(c, 'ser').tolerance.source).toBe('10%');
    });

    it('rejects a key that names no compared metric, listing the known ones', () => {
      const run = () => compareResults(load(), load(), { tolerance: tenPct, perMetric: parsePerMetric(['setup.p95=5%']) });
      expect(run).toThrow(CallcertError);
      expect(run).toThrow(/^--tolerance-for setup\.p95: no compared metric is named or starts with "setup\.p95" \(expected one of setup_ms\.p50, /);
    });

    it('rejects a time tolerance on a metric that is not a time', () => {
      expect(() => compareResults(load(), load(), { tolerance: tenPct, perMetric: parsePerMetric(['ser=5ms']) }))
        .toThrow('--tolerance-for ser: "5ms" is a time but ser is measured in ratio; expected a percent (10%) or a plain number');
    });
  });

  describe('HTTP loads', () => {
    it('compares p95/p99 latency, error rate and rps per load; a load gone from the current run is missing', () => {
      const base = load();
      (base.summary.http as Record<string, unknown>) = { agents: httpLoad(20, 0, 1000, 50), originate: httpLoad(40, 10, 1000, 50) };
      const cur = load();
      (cur.summary.http as Record<string, unknown>) = { agents: httpLoad(30, 5, 1000, 50) };
      const c = compareResults(base, cur, { tolerance: tenPct });
      expect(metric(c, 'http.agents.p95_ms')).toMatchObject({ baseline: 20, current: 30, status: 'regressed' });
      expect(metric(c, 'http.agents.error_rate')).toMatchObject({ baseline: 0, current: 0.005, status: 'regressed' });
      expect(metric(c, 'http.agents.rps').status).toBe('ok');
      expect(metric(c, 'http.originate.p95_ms')).toMatchObject({ baseline: 40, current: null, status: 'missing' });
      expect(c.verdict).toBe('regressed');
    });

    it('a load only in the current run is new and does not fail', () => {
      const cur = load();
      (cur.summary.http as Record<string, unknown>) = { agents: httpLoad(30, 0, 1000, 50) };
      const c = compareResults(load(), cur, { tolerance: tenPct });
      expect(metric(c, 'http.agents.p95_ms')).toMatchObject({ baseline: null, current: 30, status: 'new' });
      expect(c.verdict).toBe('pass');
    });
  });

  describe('flows and outbound calls', () => {
    const flow = (p95: number, failed: number, started: number) => ({ started, failed, flowMs: { p95, p99: p95 * 2 } });
    const outbound = (dialP95: number, failed: number, sustained: number) => ({
      calls: { failed }, concurrency: { sustained }, dialLatencyMs: { p95: dialP95, p99: dialP95 * 2 },
    });

    it('compares flow latency and failure rate per flow, and the platform\'s dial latency', () => {
      const base = load();
      const cur = load();
      (base.summary as Record<string, unknown>).httpFlows = { originate: flow(100, 0, 500) };
      (cur.summary as Record<string, unknown>).httpFlows = { originate: flow(102, 5, 500) };
      (base.summary as Record<string, unknown>).outbound = outbound(5, 0, 300);
      (cur.summary as Record<string, unknown>).outbound = outbound(10, 0, 300);
      const c = compareResults(base, cur, { tolerance: tenPct });
      expect(metric(c, 'flow.originate.p95_ms')).toMatchObject({ baseline: 100, current: 102, status: 'ok' });
      expect(metric(c, 'flow.originate.failure_rate')).toMatchObject({ baseline: 0, current: 0.01, status: 'regressed' });
      expect(metric(c, 'outbound.dial_ms.p95')).toMatchObject({ baseline: 5, current: 10, status: 'regressed' });
      expect(metric(c, 'outbound.sustained')).toMatchObject({ baseline: 300, current: 300, status: 'ok' });
      expect(c.verdict).toBe('regressed');
    });

    it('leaves them out when neither run had flows or a UAS', () => {
      const c = compareResults(load(), load(), { tolerance: tenPct });
      expect(c.metrics.some((m) => m.metric.startsWith('flow.') || m.metric.startsWith('outbound.'))).toBe(false);
    });
  });

  it('leaves out metrics measured in neither run', () => {
    const base = load();
    const cur = load();
    (base.summary.concurrency as { sustained: number | null }).sustained = null;
    (cur.summary.concurrency as { sustained: number | null }).sustained = null;
    const c = compareResults(base, cur, { tolerance: tenPct });
    expect(c.metrics.some((m) => m.metric === 'concurrency_sustained')).toBe(false);
  });

  it('marks an invalid or interrupted current run invalid, whatever the deltas', () => {
    const cur = load();
    cur.valid = false;
    cur.invalidReasons = ['generator saturated: schedule slip p99 48 ms > 20 ms'];
    const c = compareResults(load(), cur, { tolerance: tenPct });
    expect(c.verdict).toBe('invalid');
    expect(c.currentProblem).toBe('the run is not valid evidence (generator saturated: schedule slip p99 48 ms > 20 ms)');
    const interrupted = load();
    interrupted.interrupted = true;
    expect(compareResults(load(), interrupted, { tolerance: tenPct }).currentProblem).toBe('the run was interrupted');
  });

  it('warns when the scenarios differ, and still compares', () => {
    const cur = load();
    cur.scenario.sha256 = 'ab'.repeat(32);
    const c = compareResults(load(), cur, { tolerance: tenPct });
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/^scenarios differ \(baseline "smoke" sha256 5010a976b30a…, current "smoke" sha256 abababababab…\)/);
    expect(c.verdict).toBe('pass');
  });
});

describe('parseTolerance', () => {
  it.each([
    ['10%', { kind: 'percent', value: 10 }],
    ['0.5%', { kind: 'percent', value: 0.5 }],
    ['5ms', { kind: 'absolute', value: 5, unit: 'ms' }],
    ['1.5s', { kind: 'absolute', value: 1500, unit: 'ms' }],
    ['0.001', { kind: 'absolute', value: 0.001 }],
    ['3', { kind: 'absolute', value: 3 }],
  ])('%s', (text, expected) => {
    expect(parseTolerance(text, '--tolerance')).toMatchObject(expected);
  });

  it.each(['ten', '-5%', '10 %', '%', '', '5m', '1e3'])('rejects %j naming the flag and the expected form', (text) => {
    let err: unknown;
    try {
      parseTolerance(text, '--tolerance');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CallcertError);
    expect((err as CallcertError).code).toBe('CC_ERR_CLI_USAGE');
    expect((err as CallcertError).message).toBe(`--tolerance: expected a tolerance like 10%, 0.5%, 5ms, 1.5s or 0.001, got "${text}"`);
  });

  it('rejects --tolerance-for items without METRIC=', () => {
    expect(() => parsePerMetric(['setup_ms.p95'])).toThrow('--tolerance-for: expected METRIC=TOLERANCE (e.g. setup_ms.p95=20% or failed_calls=2), got "setup_ms.p95"');
    expect(() => parsePerMetric(['setup_ms.p95=fast'])).toThrow('--tolerance-for setup_ms.p95: expected a tolerance like');
  });
});
