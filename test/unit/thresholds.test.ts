/**
 * Criterion values from a MetricSource, the "decided while running" rules, and
 * the per-second evaluator's abortOnFail / delayAbortEval logic, on made-up data.
 */
import { describe, expect, it } from 'vitest';
import { LiveCriteria, decidedWhileRunning, metricValue, sustainedWindowOf, type MetricSource } from '../../src/verdict/thresholds.js';
import { parseCriterion } from '../../src/scenario/criteria.js';
import { createLatencyHistogram, recordMs } from '../../src/metrics/histograms.js';
import type { Criterion } from '../../src/scenario/types.js';
import { emptyCounters } from '../../src/metrics/interval.js';

function source(o: {
  answers?: number;
  failures?: Record<string, number>;
  setupMs?: number[];
  elapsedMs?: number;
  peak?: number;
  sustained?: number | null;
  blocked?: number;
}): MetricSource {
  const counters = emptyCounters();
  const answers = o.answers ?? 0;
  counters.answers = answers;
  counters.finalByCode['200'] = answers;
  let failed = 0;
  for (const [code, n] of Object.entries(o.failures ?? {})) {
    counters.finalByCode[code] = n;
    counters.failuresByCode[code] = n;
    failed += n;
  }
  counters.failures = failed;
  counters.attempts = answers + failed;
  counters.completed = answers;
  counters.blocked = o.blocked ?? 0;
  const setup = createLatencyHistogram();
  for (const v of o.setupMs ?? []) recordMs(setup, v);
  return {
    counters,
    setup,
    pdd: createLatencyHistogram(),
    elapsedMs: o.elapsedMs ?? 1000,
    concurrency: () => ({ peak: o.peak ?? 0, sustained: o.sustained ?? null }),
  };
}

const crit = (metric: string, expr: string, opts: Partial<Pick<Criterion, 'abortOnFail' | 'delayAbortEvalMs'>> = {}): Criterion => ({ ...parseCriterion(metric, expr), ...opts });

describe('metricValue', () => {
  const src = source({ answers: 990, failures: { '503': 10 }, setupMs: [...Array<number>(95).fill(10), 500, 500, 500, 500, 500], elapsedMs: 20_000, peak: 120, sustained: 100, blocked: 3 });

  it.each<[string, string, number | null]>([
    ['ser', '>=0.999', 0.99],
    ['asr', '>=0.999', 0.99],
    ['isa', '<0.01', 0.01],
    ['failed_calls', '==0', 10],
    ['blocked_calls', '==0', 3],
    ['cps_achieved', '>=1', 50],
    ['concurrency_peak', '>=1', 120],
    ['concurrency_sustained', '>=1', 100],
  ])('%s', (metric, expr, value) => {
    expect(metricValue(crit(metric, expr), src)).toBe(value);
  });

  it('reads histogram aggregates in ms (HDR precision)', () => {
    expect(metricValue(crit('setup_ms', 'p(90)<800'), src)).toBeCloseTo(10, 1);
    expect(metricValue(crit('setup_ms', 'p(99)<800'), src)).toBeCloseTo(500, 0);
    expect(metricValue(crit('setup_ms', 'max<800'), src)).toBeCloseTo(500, 0);
  });

  it('is null where there is no data yet', () => {
    const empty = source({});
    expect(metricValue(crit('setup_ms', 'p(95)<800'), empty)).toBeNull();
    expect(metricValue(crit('ser', '>=0.9'), empty)).toBeNull();
  });
});

describe('decidedWhileRunning', () => {
  const window = { fromMs: 11_000, endMs: 70_000 };
  it.each<[string, string, number, number, boolean]>([
    ['ser', '>=0.999', 0.5, 5_000, true],
    ['setup_ms', 'p(95)<800', 900, 5_000, true],
    ['failed_calls', '<10', 12, 5_000, true], // counts only grow
    ['failed_calls', '==0', 1, 5_000, true],
    ['failed_calls', '>=10', 2, 5_000, false], // may still be reached
    ['concurrency_peak', '>=1000', 10, 5_000, false],
    ['concurrency_peak', '<=1000', 1001, 5_000, true],
    ['concurrency_sustained', '>=1000', 990, 5_000, false], // window not begun
    ['concurrency_sustained', '>=1000', 990, 12_000, true], // a minimum only falls
    ['concurrency_sustained', '<=1000', 1200, 12_000, false],
    ['concurrency_sustained', '<=1000', 1200, 70_000, true], // window over
    ['cps_achieved', '>=100', 1, 60_000, false], // a whole-run average
  ])('%s %s with actual %d at %d ms → %s', (metric, expr, actual, atMs, decided) => {
    expect(decidedWhileRunning(crit(metric, expr), actual, atMs, window)).toBe(decided);
  });
});

describe('sustainedWindowOf', () => {
  it('spans the flat stages at the top target, from the first start + settle', () => {
    expect(
      sustainedWindowOf(
        [
          { startMs: 10_000, endMs: 20_000, target: 50 },
          { startMs: 30_000, endMs: 40_000, target: 100 },
          { startMs: 40_000, endMs: 50_000, target: 100 },
        ],
        1000,
      ),
    ).toEqual({ fromMs: 31_000, endMs: 50_000 });
    expect(sustainedWindowOf([], 1000)).toBeNull();
  });
});

describe('LiveCriteria', () => {
  const bad = source({ answers: 50, failures: { '480': 50 }, setupMs: [5] });
  const good = source({ answers: 100, setupMs: [5] });

  it('aborts on an abortOnFail criterion only once its delay has passed, and only once', () => {
    const live = new LiveCriteria([crit('ser', '>=0.99', { abortOnFail: true, delayAbortEvalMs: 3000 })], null);
    expect(live.evaluate(1000, bad)).toBeNull();
    expect(live.evaluate(2000, bad)).toBeNull();
    expect(live.evaluate(3000, bad)).toEqual({ criterion: '>=0.99', metric: 'ser', actual: 0.5, atMs: 3000 });
    expect(live.evaluate(4000, bad)).toBeNull();
    const st = live.status();
    expect(st.firstFailedAtMs).toEqual([1000]);
    expect(st.abortedBy).toEqual({ criterion: '>=0.99', metric: 'ser', actual: 0.5, atMs: 3000 });
    expect(st.failing).toEqual(['ser >=0.99 (actual 0.5)']);
  });

  it('records failures of criteria without abortOnFail but never aborts on them', () => {
    const live = new LiveCriteria([crit('ser', '>=0.99'), crit('setup_ms', 'p(95)<800')], null);
    expect(live.evaluate(1000, good)).toBeNull();
    expect(live.evaluate(2000, bad)).toBeNull();
    expect(live.status().firstFailedAtMs).toEqual([2000, null]);
    // A recovery clears the live list but keeps when it first failed.
    expect(live.evaluate(3000, good)).toBeNull();
    expect(live.status()).toMatchObject({ failing: [], firstFailedAtMs: [2000, null], abortedBy: null });
  });

  it('does not abort on failures that are not decided yet, nor on missing data', () => {
    const live = new LiveCriteria(
      [crit('concurrency_peak', '>=1000', { abortOnFail: true }), crit('cps_achieved', '>=100', { abortOnFail: true }), crit('setup_ms', 'p(95)<800', { abortOnFail: true })],
      { fromMs: 11_000, endMs: 70_000 },
    );
    expect(live.evaluate(5000, source({ peak: 10 }))).toBeNull();
    expect(live.status().firstFailedAtMs).toEqual([null, null, null]);
  });

  it('aborts on sustained concurrency once the hold window has begun', () => {
    const live = new LiveCriteria([crit('concurrency_sustained', '>=100', { abortOnFail: true })], { fromMs: 11_000, endMs: 70_000 });
    expect(live.evaluate(10_000, source({ sustained: 80 }))).toBeNull();
    expect(live.evaluate(12_000, source({ sustained: 80 }))).toMatchObject({ metric: 'concurrency_sustained', actual: 80, atMs: 12_000 });
  });
});
