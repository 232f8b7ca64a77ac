/**
 * The metric catalogue is the one list: criteria names, kinds, selector tags, the abort rule
 * and compare's units and directions all come from it. These tests pin what users rely on
 * (names, units, which way is better) with literals, and check the new call counters end to
 * end through criteria parsing and evaluation.
 */
import { describe, expect, it } from 'vitest';
import { METRICS, METRIC_NAMES } from '../../src/metrics/catalog.js';
import { HISTOGRAM_METRICS, KNOWN_METRICS, RATIO_METRICS, SELECTOR_TAGS, OUTBOUND_METRICS, parseCriterion } from '../../src/scenario/criteria.js';
import { SIP_METRICS, httpMetrics, flowMetrics, OUTBOUND_METRICS as COMPARE_OUTBOUND } from '../../src/compare/metrics.js';
import { decidedWhileRunning, judge, type MetricSource } from '../../src/verdict/thresholds.js';
import { emptyCounters } from '../../src/metrics/interval.js';
import { createLatencyHistogram } from '../../src/metrics/histograms.js';

describe('metric catalogue', () => {
  it('names every criterion metric, in the documented order', () => {
    expect(METRIC_NAMES).toEqual([
      'setup_ms', 'pdd_ms', 'ser', 'seer', 'isa', 'scr', 'asr', 'concurrency_peak', 'concurrency_sustained', 'cps_achieved',
      'failed_calls', 'blocked_calls', 'cut_at_end_calls', 'no_response_calls',
      'mos_cqe', 'rtp_loss_ratio', 'rtp_jitter_ms', 'rtp_max_gap_ms', 'rtp_first_media_ms', 'rtcp_rtt_ms', 'rtp_one_way_audio', 'rtp_crossed_media',
      'recording_completeness',
      'http_latency_ms', 'http_errors', 'http_error_rate', 'http_rps', 'flow_ms', 'flow_failures', 'flow_failure_rate', 'flow_step_ms',
      'dial_latency_ms', 'outbound_failed', 'outbound_answered', 'outbound_concurrency_peak', 'outbound_concurrency_sustained',
      'outbound_rule_violations',
      'platform_cpu_pct', 'platform_mem_used_pct', 'platform_net_rx_bytes_per_sec', 'platform_net_tx_bytes_per_sec',
    ]);
    expect(KNOWN_METRICS).toEqual(METRIC_NAMES);
  });

  it('classifies trends (ms, a per-call ratio or MOS, or a platform series) and rates (0..1) as the criteria parser expects', () => {
    expect(HISTOGRAM_METRICS).toEqual([
      'setup_ms', 'pdd_ms', 'mos_cqe', 'rtp_loss_ratio', 'rtp_jitter_ms', 'rtp_max_gap_ms', 'rtp_first_media_ms', 'rtcp_rtt_ms',
      'http_latency_ms', 'flow_ms', 'flow_step_ms', 'dial_latency_ms',
      'platform_cpu_pct', 'platform_mem_used_pct', 'platform_net_rx_bytes_per_sec', 'platform_net_tx_bytes_per_sec',
    ]);
    expect(RATIO_METRICS).toEqual(['ser', 'seer', 'isa', 'scr', 'asr', 'recording_completeness', 'http_error_rate', 'flow_failure_rate']);
    for (const n of METRIC_NAMES) {
      const d = METRICS[n];
      expect(d.description.length, n).toBeGreaterThan(10);
      if (d.kind === 'trend') expect(['ms', 'ratio', 'mos', 'percent', 'bytes_per_sec'], n).toContain(d.unit);
      if (d.kind === 'rate') expect([n, d.unit]).toEqual([n, 'ratio']);
    }
  });

  it('gives the selector tags and the outbound family', () => {
    expect(SELECTOR_TAGS).toEqual({
      http_latency_ms: ['load'], http_errors: ['load'], http_error_rate: ['load'], http_rps: ['load'],
      flow_ms: ['flow'], flow_failures: ['flow'], flow_failure_rate: ['flow'], flow_step_ms: ['flow', 'step'],
      platform_cpu_pct: ['instance'], platform_mem_used_pct: ['instance'], platform_net_rx_bytes_per_sec: ['instance'], platform_net_tx_bytes_per_sec: ['instance'],
    });
    expect(OUTBOUND_METRICS).toEqual([
      'dial_latency_ms', 'outbound_failed', 'outbound_answered', 'outbound_concurrency_peak', 'outbound_concurrency_sustained', 'outbound_rule_violations',
    ]);
  });

  it("gives compare the same units and directions it always had (users' tolerances depend on them)", () => {
    const dir = Object.fromEntries(SIP_METRICS.map((m) => [m.id, `${m.unit} ${m.direction}`]));
    expect(dir).toEqual({
      'setup_ms.p50': 'ms lower', 'setup_ms.p95': 'ms lower', 'setup_ms.p99': 'ms lower', 'pdd_ms.p95': 'ms lower',
      ser: 'ratio higher', seer: 'ratio higher', scr: 'ratio higher', asr: 'ratio higher', isa: 'ratio lower',
      failed_calls: 'calls lower', blocked_calls: 'calls lower', cut_at_end_calls: 'calls lower', no_response_calls: 'calls lower',
      concurrency_sustained: 'channels higher', concurrency_peak: 'channels higher', cps_achieved: 'cps higher',
      'schedule_slip_ms.p99': 'ms lower',
    });
    expect(httpMetrics('a').map((m) => `${m.id} ${m.unit} ${m.direction}`)).toEqual([
      'http.a.p95_ms ms lower', 'http.a.p99_ms ms lower', 'http.a.error_rate ratio lower', 'http.a.rps rps higher',
    ]);
    expect(flowMetrics('f').map((m) => `${m.id} ${m.unit} ${m.direction}`)).toEqual([
      'flow.f.p95_ms ms lower', 'flow.f.p99_ms ms lower', 'flow.f.failure_rate ratio lower',
    ]);
    expect(COMPARE_OUTBOUND.map((m) => `${m.id} ${m.unit} ${m.direction}`)).toEqual([
      'outbound.dial_ms.p95 ms lower', 'outbound.dial_ms.p99 ms lower', 'outbound.failed calls lower', 'outbound.sustained channels higher',
    ]);
  });
});

describe('cut_at_end_calls and no_response_calls as criteria', () => {
  const src = (cutAtEnd: number, noResponse: number): MetricSource => {
    const counters = {
      ...emptyCounters(),
      attempts: 10,
      answers: 8,
      completed: 8 - cutAtEnd,
      cutAtEnd,
      noResponse,
      failures: 2,
      timeouts: noResponse,
    };
    return {
      counters,
      setup: createLatencyHistogram(),
      pdd: createLatencyHistogram(),
      elapsedMs: 1000,
      concurrency: () => ({ peak: 8, sustained: null }),
    };
  };

  it('judge them on the run counters', () => {
    expect(judge(parseCriterion('cut_at_end_calls', '==0'), src(3, 0))).toEqual({ criterion: '==0', metric: 'cut_at_end_calls', actual: 3, pass: false });
    expect(judge(parseCriterion('no_response_calls', '<=2'), src(0, 2))).toEqual({ criterion: '<=2', metric: 'no_response_calls', actual: 2, pass: true });
  });

  it('are counts: a failure against an upper bound is final mid-run, a lower bound is judged at the end', () => {
    expect(decidedWhileRunning(parseCriterion('cut_at_end_calls', '==0'), 1, 5000, null)).toBe(true);
    expect(decidedWhileRunning(parseCriterion('no_response_calls', '<5'), 7, 5000, null)).toBe(true);
    expect(decidedWhileRunning(parseCriterion('no_response_calls', '>=1'), 0, 5000, null)).toBe(false);
  });
});
