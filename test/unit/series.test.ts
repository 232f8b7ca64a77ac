/**
 * The series catalogue (metrics/catalog.ts SERIES): one name where a criterion judges a series as
 * measured, links from criteria named otherwise, Prometheus-safe names, trends in ms.
 */
import { describe, expect, it } from 'vitest';
import { METRICS, SERIES, SERIES_NAMES, type SeriesName } from '../../src/metrics/catalog.js';

describe('series catalogue: its own rules', () => {
  it('names are Prometheus-safe and trends are in ms', () => {
    for (const n of SERIES_NAMES) {
      expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(SERIES[n].description.length, n).toBeGreaterThan(10);
      if (SERIES[n].kind === 'trend') expect([n, SERIES[n].unit]).toEqual([n, 'ms']);
    }
  });

  it('a criterion that judges a series as measured has its name, kind, unit and family; it may add up trailing tags', () => {
    const shared = SERIES_NAMES.filter((n) => Object.hasOwn(METRICS, n));
    expect(shared).toEqual([
      'setup_ms', 'pdd_ms', 'http_errors', 'http_latency_ms', 'flow_failures', 'flow_ms', 'flow_step_ms', 'outbound_answered', 'outbound_failed',
      'dial_latency_ms',
    ]);
    for (const n of shared) {
      const s = SERIES[n];
      const m = METRICS[n as keyof typeof METRICS];
      expect([n, s.kind, s.unit, s.family]).toEqual([n, m.kind, m.unit, m.family]);
      expect(s.tags.slice(0, m.tags.length)).toEqual(m.tags);
    }
  });

  it('criteria named otherwise link to the series they judge', () => {
    const links = SERIES_NAMES.flatMap((n) => {
      const c = (SERIES[n] as { criterion?: string }).criterion;
      return c === undefined ? [] : [[n, c]];
    });
    expect(links).toEqual([
      ['calls_failed', 'failed_calls'], ['calls_blocked', 'blocked_calls'], ['calls_cut_at_end', 'cut_at_end_calls'],
      ['calls_no_response', 'no_response_calls'],
    ]);
    for (const [n, c] of links) {
      const s = SERIES[n as SeriesName];
      const m = METRICS[c as keyof typeof METRICS];
      expect([s.kind, s.unit, s.family, s.tags]).toEqual([m.kind, m.unit, m.family, m.tags]);
    }
  });
});
