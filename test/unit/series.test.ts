/**
 * The series catalogue (metrics/catalog.ts SERIES) against what the workers emit: the interval
 * collector run on fake calls through every accounting path, and the HTTP, flow and UAS buckets
 * as the workers ship them (metrics/interval.ts put*), carry only catalogued keys of the right
 * kind and tags — and between them every counter and trend of the catalogue. The catalogue's own
 * rules: one name where a criterion judges a series as measured, Prometheus-safe names.
 */
import { describe, expect, it } from 'vitest';
import { METRICS, SERIES, SERIES_NAMES, type SeriesName } from '../../src/metrics/catalog.js';
import { Call } from '../../src/sip/ua/caller.js';
import { CallSlot } from '../../src/engine/worker/call-slot.js';
import { IntervalCollector } from '../../src/engine/worker/interval-collector.js';
import { MediaLiveMeter } from '../../src/engine/worker/media-live.js';
import { recordMs } from '../../src/metrics/histograms.js';
import {
  countersOf, emptyBucket, emptyFlowBucket, emptyOutboundBucket, flowOf, httpLoadOf, outboundOf, putFlow, putHttpLoad, putOutbound,
} from '../../src/metrics/interval.js';
import { decodeMeasures, emptyMeasures, type Measures } from '../../src/metrics/measures.js';
import { expectCatalogued, seriesKeys } from '../helpers/series.js';

const T0 = 1000;
type CallFields = Partial<Pick<Call<CallSlot>,
  'sentAt' | 'provisionalAt' | 'answeredAt' | 'byeAt' | 'byeAnsweredAt' | 'endedAt' | 'finalCode' | 'cause' | 'normalEnd' | 'gotResponse'>>;
function call(o: CallFields & { index?: number; cutAtEnd?: boolean }) {
  const slot = new CallSlot(o.index ?? 0, T0, 1000);
  slot.cutAtEnd = o.cutAtEnd ?? false;
  const c = new Call<CallSlot>(`id${o.index ?? 0}`, 'tag', '<sip:a@h>', '<sip:b@h>', { address: '127.0.0.1', port: 5060 }, 'sip:b@h', null, '', slot);
  Object.assign(c, { sentAt: T0, ...o });
  return c;
}

/** An interval of the collector with a call down every accounting path. */
function collectorInterval() {
  const m = new IntervalCollector(T0, 0);
  m.counters.offered += 8;
  m.counters.attempts += 7;
  const ok = call({ index: 0, provisionalAt: T0 + 2, answeredAt: T0 + 5, byeAt: T0 + 1005, byeAnsweredAt: T0 + 1006, endedAt: T0 + 1006,
    finalCode: 200, cause: 'completed', normalEnd: true, gotResponse: true });
  m.answered(ok);
  m.ended(ok);
  const cut = call({ index: 1, answeredAt: T0 + 4, byeAt: T0 + 300, endedAt: T0 + 301, finalCode: 200, cause: 'completed', normalEnd: true,
    gotResponse: true, cutAtEnd: true });
  m.answered(cut);
  m.ended(cut);
  m.ended(call({ index: 2, provisionalAt: T0 + 3, endedAt: T0 + 10, finalCode: 486, cause: 'rejected', gotResponse: true }));
  m.ended(call({ index: 3, endedAt: T0 + 32_000, cause: 'timeout' }));
  m.ended(call({ index: 4, endedAt: T0 + 50, cause: 'aborted', gotResponse: true }));
  m.unfinished(call({ index: 5, answeredAt: T0 + 5, finalCode: 200, gotResponse: true }));
  m.blocked(6, T0 + 7);
  m.counters.retransmissions = 3;
  m.counters.parseErrors++;
  m.counters.transportErrors++;
  return m.take();
}

/** Buckets of an HTTP load, a two-step flow and the UAS with something in every field, shipped as the workers do. */
function serviceInterval(): Measures {
  const out = emptyMeasures();
  const http = { ...emptyBucket(), settled: 5, completed: 4, statusCodes: { 200: 3, 503: 1 }, errorsByCause: { status: 1, timeout: 1 } };
  recordMs(http.hist, 12);
  putHttpLoad(out, 'agents', http);
  const flow = {
    ...emptyFlowBucket(['login', 'invite']), started: 4, completed: 2, failed: 2, blocked: 1,
    errorsByCause: { status: 1, no_invite: 1 }, unexpectedStatus: { 500: 1 },
  };
  recordMs(flow.hist, 300);
  Object.assign(flow.steps.login, { count: 4, statusCodes: { 200: 3, 500: 1 }, errors: { status: 1 } });
  recordMs(flow.steps.login.hist, 20);
  Object.assign(flow.steps.invite, { count: 3, errors: { no_invite: 1 } });
  putFlow(out, 'agent-call', flow);
  const ob = { ...emptyOutboundBucket(), offered: 3, answered: 2, completed: 2, failed: 1, uncorrelated: 1, unfinished: 1 };
  recordMs(ob.dialHist, 40);
  putOutbound(out, ob);
  return out;
}

const namesIn = (m: Measures<unknown>) => new Set([...Object.keys(m.counters), ...Object.keys(m.trends)]);

/** What the live media meter ships each second (it has no streams here: its series are there, at 0). */
function liveInterval(): Measures {
  const out = emptyMeasures();
  new MediaLiveMeter(() => 0).put(out);
  return out;
}

describe('series catalogue: what the workers emit', () => {
  it('the interval collector emits only catalogued series, and every SIP and media counter and call trend', () => {
    const d = collectorInterval();
    expectCatalogued(d);
    // schedule_slip_ms comes from the driver's health monitor, beside the collector's.
    // The live media series come from the live meter (below), one a second.
    const live = namesIn(liveInterval());
    const sip = SERIES_NAMES.filter((n) => (SERIES[n].family === 'sip' || SERIES[n].family === 'media') && SERIES[n].kind !== 'gauge' && n !== 'schedule_slip_ms' && !live.has(n));
    expect([...namesIn(d)].sort()).toEqual([...sip].sort());
    // Something landed in every path exercised above.
    const c = countersOf(d);
    expect(c).toMatchObject({
      offered: 8, attempts: 7, answers: 2, failures: 2, blocked: 1, completed: 1, cutAtEnd: 1, aborted: 1, timeouts: 1,
      retransmissions: 3, parseErrors: 1, transportErrors: 1,
    });
    expect(c.failuresByCause).toEqual({ rejected: 1, timeout: 1, drain_timeout: 1 });
  });

  it('the live media meter emits only catalogued media series, each second', () => {
    const m = liveInterval();
    expectCatalogued(m);
    expect([...namesIn(m)].sort()).toEqual([
      'mos_cqe_live', 'rtp_live_jitter_ms', 'rtp_live_loss_ratio', 'rtp_live_packets_expected', 'rtp_live_packets_lost', 'rtp_live_packets_received',
      'rtp_live_packets_sent', 'rtp_live_streams', 'rtp_socket_drops',
    ]);
    for (const n of namesIn(m)) expect(SERIES[n as SeriesName].family, n).toBe('media');
  });

  it('the HTTP, flow and UAS buckets emit only catalogued series, and every one of their families', () => {
    const m = serviceInterval();
    expectCatalogued(m);
    const services = SERIES_NAMES.filter((n) => SERIES[n].family !== 'sip' && SERIES[n].family !== 'media' && SERIES[n].kind !== 'gauge');
    expect([...namesIn(m)].sort()).toEqual([...services].sort());
    expect(seriesKeys(m)).toContain('counter flow_step_responses{agent-call|login|500}');
  });

  it('between them, every counter and trend of the catalogue is emitted; gauges travel as typed fields', () => {
    const emitted = new Set([...namesIn(collectorInterval()), ...namesIn(serviceInterval()), ...namesIn(liveInterval()), 'schedule_slip_ms']);
    expect(SERIES_NAMES.filter((n) => SERIES[n].kind !== 'gauge' && !emitted.has(n))).toEqual([]);
    expect(SERIES_NAMES.filter((n) => SERIES[n].kind === 'gauge')).toEqual([
      'calls_established', 'calls_in_progress', 'outbound_established', 'event_loop_lag_ms', 'heap_used_bytes',
    ]);
  });

  it('the typed views read back what the buckets shipped', () => {
    const m = decodeMeasures(serviceInterval());
    expect(httpLoadOf(m, 'agents')).toMatchObject({ settled: 5, completed: 4, statusCodes: { 200: 3, 503: 1 }, errorsByCause: { status: 1, timeout: 1 } });
    expect(httpLoadOf(m, 'agents')!.hist.totalCount).toBe(1);
    expect(httpLoadOf(m, 'other')).toBeUndefined();
    const f = flowOf(m, 'agent-call', { status: 'login: status 500' })!;
    expect(f).toMatchObject({
      started: 4, completed: 2, failed: 2, blocked: 1, errorsByCause: { status: 1, no_invite: 1 }, unexpectedStatus: { 500: 1 },
      examples: { status: 'login: status 500' },
    });
    expect(Object.keys(f.steps)).toEqual(['login', 'invite']);
    expect(f.steps.login).toMatchObject({ count: 4, statusCodes: { 200: 3, 500: 1 }, errors: { status: 1 } });
    expect(f.steps.invite).toMatchObject({ count: 3, statusCodes: {}, errors: { no_invite: 1 } });
    expect(outboundOf(m)).toMatchObject({ offered: 3, answered: 2, completed: 2, failed: 1, uncorrelated: 1, unfinished: 1 });
    expect(outboundOf(decodeMeasures(emptyMeasures()))).toBeNull();
  });
});

describe('series catalogue: its own rules', () => {
  it('names are Prometheus-safe and trends are in ms, or a per-call ratio or MOS recorded × 1000', () => {
    for (const n of SERIES_NAMES) {
      expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(SERIES[n].description.length, n).toBeGreaterThan(10);
      if (SERIES[n].kind === 'trend') expect(['ms', 'ratio', 'mos'], n).toContain(SERIES[n].unit);
    }
    expect(SERIES_NAMES.filter((n) => SERIES[n].kind === 'trend' && SERIES[n].unit !== 'ms')).toEqual(['rtp_loss_ratio', 'mos_cqe', 'rtp_live_loss_ratio', 'mos_cqe_live']);
  });

  it('a criterion that judges a series as measured has its name, kind, unit and family; it may add up trailing tags', () => {
    const shared = SERIES_NAMES.filter((n) => Object.hasOwn(METRICS, n));
    expect(shared).toEqual([
      'setup_ms', 'pdd_ms', 'rtp_one_way_audio', 'rtp_crossed_media', 'rtp_loss_ratio', 'rtp_jitter_ms', 'rtp_max_gap_ms', 'rtp_first_media_ms', 'rtcp_rtt_ms',
      'mos_cqe', 'http_errors', 'http_latency_ms', 'flow_failures', 'flow_ms', 'flow_step_ms', 'outbound_answered', 'outbound_failed',
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
