/**
 * The one merge of interval data (metrics/measures.ts addMeasures), on random payloads of plain
 * counters, tagged counters and histograms: merging an empty payload changes nothing, the order
 * and grouping of merges do not change the result, a merge equals measuring everything in one
 * payload, and the merged-from payload is never touched. Plus the tag-key helpers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CounterName, TrendName } from '../../src/metrics/catalog.js';
import { clampCounts, createLatencyHistogram, encodeHistogram, recordMs, type Histogram } from '../../src/metrics/histograms.js';
import { addMeasures, decodeMeasures, emptyMeasures, lastTags, tagKey, total, type Measures } from '../../src/metrics/measures.js';

const COUNTERS = ['calls_attempted', 'sip_final_responses', 'http_responses'] as const satisfies readonly CounterName[];
const TRENDS = ['setup_ms', 'http_latency_ms'] as const satisfies readonly TrendName[];
/** Untagged, one tag, two tags. */
const KEYS = ['', '200', tagKey('api', '200'), tagKey('api', '503')];

/** A payload as plain data: counts, and the values each histogram records (ms; some below 1 µs, clamped). */
interface Spec {
  counters: Partial<Record<(typeof COUNTERS)[number], Record<string, number>>>;
  trends: Partial<Record<(typeof TRENDS)[number], Record<string, number[]>>>;
}
const specArb: fc.Arbitrary<Spec> = fc.record({
  counters: fc.dictionary(fc.constantFrom(...COUNTERS), fc.dictionary(fc.constantFrom(...KEYS), fc.nat(1000))),
  trends: fc.dictionary(
    fc.constantFrom(...TRENDS),
    fc.dictionary(fc.constantFrom(...KEYS), fc.array(fc.double({ min: -1, max: 5000, noNaN: true }), { maxLength: 6 }), { maxKeys: 2 }),
    { maxKeys: 2 },
  ),
});

/** A fresh payload measured from a spec (never through the merge under test). */
function build(s: Spec): Measures<Histogram> {
  const m = emptyMeasures<Histogram>();
  for (const [name, byKey] of Object.entries(s.counters)) m.counters[name as CounterName] = { ...byKey };
  for (const [name, byKey] of Object.entries(s.trends)) {
    const t: Record<string, Histogram> = (m.trends[name as TrendName] = {});
    for (const [k, values] of Object.entries(byKey)) {
      const h = createLatencyHistogram();
      for (const v of values) recordMs(h, v);
      t[k] = h;
    }
  }
  return m;
}

/** What a payload says, order-free: counts, and each histogram's encoding and clamp counts; an empty series says nothing. */
function canon(m: Measures<Histogram>): unknown {
  const side = <V>(table: Record<string, Record<string, V>>, f: (v: V) => unknown) =>
    Object.entries(table)
      .filter(([, byKey]) => Object.keys(byKey).length > 0)
      .map(([name, byKey]) => [name, Object.entries(byKey).map(([k, v]) => [k, f(v)]).sort()] as const)
      .sort();
  return {
    counters: side(m.counters as Record<string, Record<string, number>>, (n) => n),
    trends: side(m.trends as Record<string, Record<string, Histogram>>, (h) => [encodeHistogram(h), clampCounts(h)]),
  };
}

const merged = (...parts: Array<Measures<Histogram>>) => {
  const into = emptyMeasures<Histogram>();
  for (const p of parts) addMeasures(into, p);
  return into;
};

/** One spec measuring what both measured: counts summed, values concatenated. */
function concat(a: Spec, b: Spec): Spec {
  const out: Spec = { counters: structuredClone(a.counters), trends: structuredClone(a.trends) };
  for (const [name, byKey] of Object.entries(b.counters) as Array<[keyof Spec['counters'], Record<string, number>]>) {
    const t = (out.counters[name] ??= {});
    for (const [k, n] of Object.entries(byKey)) t[k] = (t[k] ?? 0) + n;
  }
  for (const [name, byKey] of Object.entries(b.trends) as Array<[keyof Spec['trends'], Record<string, number[]>]>) {
    const t = (out.trends[name] ??= {});
    for (const [k, v] of Object.entries(byKey)) t[k] = [...(t[k] ?? []), ...v];
  }
  return out;
}

const RUNS = { numRuns: 40 };

describe('addMeasures: the one merge', () => {
  it('merging an empty payload is the identity, on either side', () => {
    fc.assert(fc.property(specArb, (a) => {
      const x = build(a);
      addMeasures(x, emptyMeasures());
      expect(canon(x)).toEqual(canon(build(a)));
      expect(canon(merged(build(a)))).toEqual(canon(build(a)));
    }), RUNS);
  });

  it('is commutative: counters, tagged counters and histograms', () => {
    fc.assert(fc.property(specArb, specArb, (a, b) => {
      expect(canon(merged(build(a), build(b)))).toEqual(canon(merged(build(b), build(a))));
    }), RUNS);
  });

  it('is associative: (a + b) + c = a + (b + c)', () => {
    fc.assert(fc.property(specArb, specArb, specArb, (a, b, c) => {
      const left = build(a);
      addMeasures(left, build(b));
      addMeasures(left, build(c));
      const bc = build(b);
      addMeasures(bc, build(c));
      const right = build(a);
      addMeasures(right, bc);
      expect(canon(left)).toEqual(canon(right));
    }), RUNS);
  });

  it('equals measuring both intervals in one, and leaves the merged-from payload as it was', () => {
    fc.assert(fc.property(specArb, specArb, (a, b) => {
      const from = build(b);
      const before = canon(from);
      const into = build(a);
      addMeasures(into, from);
      expect(canon(into)).toEqual(canon(build(concat(a, b))));
      // The merged-into payload shares nothing with `from`: merging more into it leaves `from` alone.
      addMeasures(into, build(b));
      expect(canon(from)).toEqual(before);
    }), RUNS);
  });

  it('keepTrend picks the trends the target keeps; counters always add up', () => {
    const a = build({ counters: { calls_attempted: { '': 2 } }, trends: { setup_ms: { '': [5] }, http_latency_ms: { api: [7], web: [9] } } });
    const into = emptyMeasures<Histogram>();
    addMeasures(into, a, (name, key) => name === 'http_latency_ms' && key === 'api');
    expect(canon(into)).toEqual(canon(build({ counters: { calls_attempted: { '': 2 } }, trends: { http_latency_ms: { api: [7] } } })));
  });

  it('decodes a wire payload to the same histograms', () => {
    fc.assert(fc.property(specArb, (a) => {
      const m = build(a);
      const wire: Measures = { counters: m.counters, trends: {} };
      for (const [name, byKey] of Object.entries(m.trends) as Array<[TrendName, Record<string, Histogram>]>) {
        wire.trends[name] = Object.fromEntries(Object.entries(byKey).map(([k, h]) => [k, encodeHistogram(h)]));
      }
      // Clamp counts do not travel in the HDR encoding (metrics/histograms.ts): compare the histograms alone.
      const hists = (x: Measures<Histogram>) => (canon(x) as { trends: Array<[string, Array<[string, [string, unknown]]>]> }).trends
        .map(([name, keys]) => [name, keys.map(([k, [enc]]) => [k, enc])]);
      expect(hists(decodeMeasures(wire))).toEqual(hists(m));
    }), RUNS);
  });
});

describe('tag keys', () => {
  it('joins values in tag order and reads back the last tag under the leading ones', () => {
    const responses = { [tagKey('api', '200')]: 3, [tagKey('api', '503')]: 1, [tagKey('web', '200')]: 5, [tagKey('api2', '200')]: 7 };
    expect(lastTags(responses, ['api'])).toEqual({ 200: 3, 503: 1 });
    expect(total(lastTags(responses, ['web']))).toBe(5);
    expect(lastTags(responses, ['none'])).toEqual({});
    expect(lastTags(undefined, ['api'])).toEqual({});
    // A one-tag series' map is the per-value record itself (copied).
    const byCode = { 200: 4, 486: 1 };
    const copy = lastTags(byCode);
    expect(copy).toEqual(byCode);
    expect(copy).not.toBe(byCode);
    // The last value is never split: a cause may hold the separator.
    const steps = { [tagKey('f', 'login', 'odd|cause')]: 1 };
    expect(lastTags(steps, ['f', 'login'])).toEqual({ 'odd|cause': 1 });
  });
});
