import { describe, expect, it } from 'vitest';
import {
  METRIC_FORMS,
  describeCriterion,
  evaluateCriterion,
  parseCriterion,
  tryParseCriterion,
} from '../../src/scenario/criteria.js';
import type { Criterion } from '../../src/scenario/types.js';
import { isCallcertError } from '../../src/errors.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isCallcertError(e)) return e.message;
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseCriterion', () => {
  it.each([
    ['setup_ms', 'p(95)<800', { kind: 'percentile', p: 95 }, '<', 800],
    ['setup_ms', ' p( 99.9 ) <= 1200 ', { kind: 'percentile', p: 99.9 }, '<=', 1200],
    ['setup_ms', 'max<5000', { kind: 'max' }, '<', 5000],
    ['setup_ms', 'avg<300', { kind: 'mean' }, '<', 300],
    ['pdd_ms', 'mean<300', { kind: 'mean' }, '<', 300],
    ['pdd_ms', 'med<100', { kind: 'percentile', p: 50 }, '<', 100],
    ['setup_ms', 'p(95)<1.5s', { kind: 'percentile', p: 95 }, '<', 1500],
    ['setup_ms', 'max<800ms', { kind: 'max' }, '<', 800],
    ['ser', '>=0.999', { kind: 'value' }, '>=', 0.999],
    ['ser', 'value>=0.999', { kind: 'value' }, '>=', 0.999],
    ['ser', '>=99.9%', { kind: 'value' }, '>=', 0.999],
    ['asr', '> 0.5', { kind: 'value' }, '>', 0.5],
    ['failed_calls', '==0', { kind: 'value' }, '==', 0],
    ['blocked_calls', '<10', { kind: 'value' }, '<', 10],
    ['concurrency_sustained', '>=1000', { kind: 'value' }, '>=', 1000],
    ['cps_achieved', '>=16.5', { kind: 'value' }, '>=', 16.5],
  ] as const)('%s: %s', (metric, expr, aggregate, op, threshold) => {
    expect(parseCriterion(metric, expr)).toEqual({
      source: expr.trim(), name: metric, metric, selector: null, aggregate, op, threshold, abortOnFail: false, delayAbortEvalMs: 0,
    });
  });

  it.each([
    ['setup_ms', 'p95<800', 'criteria.setup_ms: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "p95<800"'],
    ['setup_ms', '<800', 'criteria.setup_ms: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "<800" (setup_ms is a distribution: say which aggregate to compare)'],
    ['setup_ms', 'value<800', 'criteria.setup_ms: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "value<800" (setup_ms is a distribution: say which aggregate to compare)'],
    ['setup_ms', 'p(0)<800', 'criteria.setup_ms: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "p(0)<800" (a percentile is p(N) with 0 < N <= 100)'],
    ['setup_ms', 'p(101)<800', 'criteria.setup_ms: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "p(101)<800" (a percentile is p(N) with 0 < N <= 100)'],
    ['setup_ms', 'p(95)<fast', 'criteria.setup_ms: expected a number of milliseconds (or a duration such as 1.5s) after the operator, got "p(95)<fast"'],
    ['setup_ms', 'min<3', 'criteria.setup_ms: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "min<3"'],
    ['setup_ms', '', 'criteria.setup_ms: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got ""'],
    ['ser', 'p(95)>=0.999', 'criteria.ser: expected a plain comparison such as ">=0.999", got "p(95)>=0.999" (p(N), max and avg apply only to setup_ms, pdd_ms, mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_max_gap_ms, rtp_first_media_ms, rtcp_rtt_ms, http_latency_ms, flow_ms, flow_step_ms, dial_latency_ms, platform_cpu_pct, platform_mem_used_pct, platform_net_rx_bytes_per_sec, platform_net_tx_bytes_per_sec; ser is a single value)'],
    ['concurrency_peak', 'max>=10', 'criteria.concurrency_peak: expected a plain comparison such as ">=1000", got "max>=10" (p(N), max and avg apply only to setup_ms, pdd_ms, mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_max_gap_ms, rtp_first_media_ms, rtcp_rtt_ms, http_latency_ms, flow_ms, flow_step_ms, dial_latency_ms, platform_cpu_pct, platform_mem_used_pct, platform_net_rx_bytes_per_sec, platform_net_tx_bytes_per_sec; concurrency_peak is a single value)'],
    ['ser', '>=99.9', 'criteria.ser: expected a ratio between 0 and 1, got ">=99.9" (write >=0.999 or >=99.9%)'],
    ['ser', '>=-1', 'criteria.ser: expected a threshold >= 0, got ">=-1"'],
    ['ser', 'at least 0.9', 'criteria.ser: expected a comparison such as ">=0.999" (operators <, <=, >, >=, ==), got "at least 0.9"'],
    ['failed_calls', '=0', 'criteria.failed_calls: expected a comparison such as "==0" (operators <, <=, >, >=, ==), got "=0" (use == for equality)'],
    ['failed_calls', '!=1', 'criteria.failed_calls: expected a comparison such as "==0" (operators <, <=, >, >=, ==), got "!=1" (!= is not supported)'],
    ['failed_calls', '=<1', 'criteria.failed_calls: expected a comparison such as "==0" (operators <, <=, >, >=, ==), got "=<1" (write <=)'],
    ['cps_achieved', '>=lots', 'criteria.cps_achieved: expected a number after the operator, got ">=lots"'],
    ['mos_cqe', 'p(5)>=4s', 'criteria.mos_cqe: expected a MOS score such as 4.0 after the operator, got "p(5)>=4s"'],
    ['rtp_loss_ratio', 'p(95)<1ms', 'criteria.rtp_loss_ratio: expected a ratio such as 0.999 or 99.9% after the operator, got "p(95)<1ms"'],
  ])('%s: rejects %j', (metric, expr, message) => {
    expect(messageOf(() => parseCriterion(metric, expr))).toBe(message);
  });

  it('rejects unknown metrics listing the known ones', () => {
    expect(messageOf(() => parseCriterion('latency', '<1'))).toBe(
      `criteria.latency: unknown metric "latency"; known metrics: ${METRIC_FORMS.join(', ')}`,
    );
    expect(tryParseCriterion('latency', '<1').ok).toBe(false);
  });
});

describe('evaluateCriterion', () => {
  const c = (expr: string, metric = 'setup_ms'): Criterion => parseCriterion(metric, expr);
  it.each([
    ['p(95)<800', 799, true],
    ['p(95)<800', 800, false],
    ['p(95)<=800', 800, true],
    ['max>10', 11, true],
    ['max>10', 10, false],
    ['max>=10', 10, true],
    ['avg==5', 5, true],
    ['avg==5', 5.1, false],
    ['p(95)<800', NaN, false],
  ])('%s with %d → %s', (expr, actual, pass) => {
    expect(evaluateCriterion(c(expr), actual)).toBe(pass);
  });
  it('compares percent thresholds as ratios', () => {
    expect(evaluateCriterion(c('>=99.9%', 'ser'), 0.999)).toBe(true);
    expect(evaluateCriterion(c('>=99.9%', 'ser'), 0.9989)).toBe(false);
  });
});

describe('describeCriterion', () => {
  it.each([
    ['setup_ms', 'p(95)<800', 'setup_ms p(95) < 800 ms'],
    ['pdd_ms', 'mean<=1s', 'pdd_ms avg <= 1000 ms'],
    ['setup_ms', 'max<5000', 'setup_ms max < 5000 ms'],
    ['ser', '>=99.9%', 'ser >= 0.999'],
    ['failed_calls', 'value==0', 'failed_calls == 0'],
    ['flow_ms{flow:a}', 'max<900', 'flow_ms{flow:a} max < 900 ms'],
    ['http_error_rate{load:x}', '<1%', 'http_error_rate{load:x} < 0.01'],
    ['mos_cqe', 'p(5)>=4.0', 'mos_cqe p(5) >= 4'],
    ['rtp_loss_ratio', 'p(95)<1%', 'rtp_loss_ratio p(95) < 0.01'],
    ['rtp_jitter_ms', 'p(95)<30', 'rtp_jitter_ms p(95) < 30 ms'],
  ])('%s %s', (metric, expr, text) => {
    expect(describeCriterion(parseCriterion(metric, expr))).toBe(text);
  });
});
