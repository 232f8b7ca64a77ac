import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/scenario/types.js';
import {
  describeSegment, equalPart, fraction, nest, nthIndex, ownsIndex, segmentLength, segmentOf, shareOf, WHOLE,
} from '../../src/load/segments.js';
import type { Segment } from '../../src/load/segments.js';
import {
  createArrivalIterator, cumulativeArrivalsAt, expectedArrivals, offeredRateAt, openExecutor, totalDurationMs,
} from '../../src/load/models/open.js';
import {
  closedExecutor, flatStageWindows, nextChangeMs, segmentTargetAt, targetConcurrencyAt,
} from '../../src/load/models/closed.js';
import type { Arrival } from '../../src/load/models/types.js';

function drain(it: { next(): Arrival | null }): Arrival[] {
  const out: Arrival[] = [];
  for (let a = it.next(); a !== null; a = it.next()) out.push(a);
  return out;
}

const uniform = (stages: Stage[], seg: Segment = WHOLE) =>
  drain(createArrivalIterator({ arrivals: 'uniform', stages }, seg, 1));

describe('segments', () => {
  it('shares sum exactly to floor(total) for any n', () => {
    for (const total of [0, 1, 2, 3, 7, 10, 99, 1000, 12345, 7.9, 0.5]) {
      for (let n = 1; n <= 17; n++) {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const s = shareOf(total, equalPart(i, n));
          expect(s).toBeGreaterThanOrEqual(0);
          sum += s;
        }
        expect(sum).toBe(Math.floor(total));
      }
    }
  });

  it('stripes indexes', () => {
    expect([0, 1, 2, 3, 4, 5].filter((n) => ownsIndex(n, equalPart(1, 3)))).toEqual([1, 4]);
  });

  const f = fraction;
  /** Unequal rational sequences, and nestings of them (a machine's share split over its workers). */
  const sequences: Array<{ name: string; parts: Segment[] }> = [
    { name: '0,1/4,1/3,1', parts: [0, 1, 2].map((p) => segmentOf([f(0, 1), f(1, 4), f(1, 3), f(1, 1)], p)) },
    { name: '0,3/8,1', parts: [0, 1].map((p) => segmentOf([f(0, 1), f(3, 8), f(1, 1)], p)) },
    {
      name: 'machines 0,1/3,1 × workers 3 and 2',
      parts: [
        ...[0, 1, 2].map((w) => nest(segmentOf([f(0, 1), f(1, 3), f(1, 1)], 0), equalPart(w, 3))),
        ...[0, 1].map((w) => nest(segmentOf([f(0, 1), f(1, 3), f(1, 1)], 1), equalPart(w, 2))),
      ],
    },
    { name: '4 machines × 2 workers', parts: [0, 1, 2, 3].flatMap((m) => [0, 1].map((w) => nest(equalPart(m, 4), equalPart(w, 2)))) },
  ];

  for (const { name, parts } of sequences) {
    it(`${name}: every index in exactly one segment, nthIndex lists each one's in order`, () => {
      for (let n = 0; n < 600; n++) expect(parts.filter((p) => ownsIndex(n, p)), `index ${n}`).toHaveLength(1);
      for (const p of parts) {
        const own = Array.from({ length: 600 }, (_, n) => n).filter((n) => ownsIndex(n, p));
        expect(own.slice(0, 50).map((_, j) => nthIndex(j, p))).toEqual(own.slice(0, 50));
      }
    });

    it(`${name}: shares sum to the total, never drop as it rises, stay within 1 of total × length`, () => {
      const last = new Array<number>(parts.length).fill(0);
      for (let total = 0; total <= 600; total++) {
        const stepped = total <= 121;
        const shares = parts.map((p) => shareOf(total, p));
        expect(shares.reduce((a, b) => a + b)).toBe(total);
        shares.forEach((s, k) => {
          expect(s).toBeGreaterThanOrEqual(last[k]);
          if (stepped) expect(s - last[k]).toBeLessThanOrEqual(1);
          // One level is within 1 of its due share; each nesting level can add at most 1 more.
          expect(Math.abs(s - total * segmentLength(parts[k]))).toBeLessThan(2);
          last[k] = s;
        });
        // A share is the count of the segment's own indexes below the total.
        parts.forEach((p, k) => expect(shares[k]).toBe(Array.from({ length: total }, (_, n) => n).filter((n) => ownsIndex(n, p)).length));
        if (!stepped || total === 121) total += 7;
      }
    });
  }

  it('nested ranges are exact fractions of the whole', () => {
    const seg = nest(segmentOf([f(0, 1), f(1, 3), f(1, 1)], 1), equalPart(1, 2));
    expect(describeSegment(seg)).toBe('(2/3, 1]');
    expect(segmentLength(seg)).toBeCloseTo(1 / 3, 12);
    expect(describeSegment(WHOLE)).toBe('whole');
    expect(() => segmentOf([f(0, 1), f(1, 2), f(1, 2), f(1, 1)], 0)).toThrow(/strictly increasing/);
    expect(() => segmentOf([f(0, 1), f(1, 2)], 0)).toThrow(/from 0 to 1/);
    expect(() => equalPart(3, 3)).toThrow(RangeError);
  });

  it('uniform arrivals of unequal nested segments merge to the single-generator schedule', () => {
    const stages = [{ durationMs: 3000, target: 50 }, { durationMs: 2000, target: 50 }];
    const single = uniform(stages);
    for (const { parts } of sequences) {
      const merged = parts.map((p) => uniform(stages, p)).flat().sort((a, b) => a.index - b.index);
      expect(merged).toEqual(single);
    }
  });
});

describe('open executor', () => {
  it('constant 100 cps for 10 s: exactly 1000 arrivals every 10 ms', () => {
    const stages = [{ durationMs: 0, target: 100 }, { durationMs: 10_000, target: 100 }];
    const arrivals = uniform(stages);
    expect(arrivals).toHaveLength(1000);
    expect(expectedArrivals(stages)).toBe(1000);
    arrivals.forEach((a, k) => {
      expect(a.index).toBe(k);
      expect(a.atMs).toBeCloseTo(5 + 10 * k, 9);
    });
  });

  it('ramp 0→100 cps over 10 s: 500 arrivals, densifying, at the exact inverse of Λ', () => {
    const stages = [{ durationMs: 10_000, target: 100 }];
    expect(expectedArrivals(stages)).toBe(500);
    const arrivals = uniform(stages);
    expect(arrivals).toHaveLength(500);
    // rate(t) = 100 · t/10000 cps, Λ(t) = ∫ rate dt/1000 = t² / 2e5  →  t_k = sqrt(2e5 · (k + 0.5))
    arrivals.forEach((a, k) => {
      expect(a.atMs).toBeCloseTo(Math.sqrt(2e5 * (k + 0.5)), 6);
      expect(cumulativeArrivalsAt(stages, a.atMs)).toBeCloseTo(k + 0.5, 9);
    });
    for (let k = 2; k < arrivals.length; k++) {
      expect(arrivals[k].atMs - arrivals[k - 1].atMs).toBeLessThan(arrivals[k - 1].atMs - arrivals[k - 2].atMs);
    }
  });

  it('handles ramps down, pauses at rate 0 and steps', () => {
    const stages = [
      { durationMs: 1000, target: 10 }, { durationMs: 2000, target: 0 }, { durationMs: 1000, target: 0 },
      { durationMs: 0, target: 4 }, { durationMs: 1000, target: 4 },
    ];
    expect(expectedArrivals(stages)).toBe(5 + 10 + 0 + 4);
    const arrivals = uniform(stages);
    expect(arrivals).toHaveLength(19);
    arrivals.forEach((a, k) => expect(cumulativeArrivalsAt(stages, a.atMs)).toBeCloseTo(k + 0.5, 9));
    expect(arrivals.filter((a) => a.atMs >= 3000 && a.atMs < 4000)).toHaveLength(0);
    expect(arrivals.slice(15).map((a) => a.atMs)).toEqual([4125, 4375, 4625, 4875]);
    expect(offeredRateAt(stages, 2000)).toBe(5);
    expect(offeredRateAt(stages, 5000)).toBe(0);
    expect(totalDurationMs(stages)).toBe(5000);
  });

  it('uniform segments partition the indexes and merge to the single-worker schedule', () => {
    const stages = [{ durationMs: 3000, target: 50 }, { durationMs: 2000, target: 50 }, { durationMs: 1000, target: 20 }];
    const single = uniform(stages);
    for (const n of [2, 3, 7]) {
      const parts = Array.from({ length: n }, (_, i) => uniform(stages, equalPart(i, n)));
      parts.forEach((p, i) => p.forEach((a) => expect(a.index % n).toBe(i)));
      const merged = parts.flat().sort((a, b) => a.index - b.index);
      expect(merged).toEqual(single);
    }
  });

  it('Poisson: count within 3σ of Λ across 2 segments, deterministic for a seed', () => {
    const load = { arrivals: 'poisson' as const, stages: [{ durationMs: 0, target: 1000 }, { durationMs: 10_000, target: 1000 }] };
    const lambda = expectedArrivals(load.stages);
    expect(lambda).toBe(10_000);
    const run = (seed: number) => [0, 1].map((i) => drain(createArrivalIterator(load, equalPart(i, 2), seed)));
    const counts: number[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const parts = run(seed);
      const n = parts[0].length + parts[1].length;
      expect(Math.abs(n - lambda)).toBeLessThan(3 * Math.sqrt(lambda));
      // Each segment carries half the rate.
      expect(Math.abs(parts[0].length - lambda / 2)).toBeLessThan(3 * Math.sqrt(lambda / 2));
      for (const p of parts) {
        for (let k = 1; k < p.length; k++) expect(p[k].atMs).toBeGreaterThanOrEqual(p[k - 1].atMs);
        expect(p[p.length - 1].atMs).toBeLessThan(10_000);
      }
      const indexes = new Set(parts.flat().map((a) => a.index));
      expect(indexes.size).toBe(n);
      counts.push(n);
    }
    expect(Math.abs(counts.reduce((a, b) => a + b) / counts.length - lambda)).toBeLessThan(3 * Math.sqrt(lambda / counts.length));
    expect(run(42)).toEqual(run(42));
    expect(run(42)[0].slice(0, 5)).not.toEqual(run(43)[0].slice(0, 5));
    expect(run(42)[0].slice(0, 5)).not.toEqual(run(42)[1].slice(0, 5));
  });

  it('describes the load', () => {
    expect(openExecutor.describe({
      model: 'open', arrivals: 'poisson', maxConcurrency: 500, gracefulStopMs: 0,
      stages: [{ durationMs: 10_000, target: 100 }, { durationMs: 60_000, target: 100 }],
    })).toBe('open model (poisson arrivals): 0→100 cps over 10 s, hold 100 cps for 60 s, at most 500 concurrent calls');
  });
});

describe('closed executor', () => {
  const ramp = [{ durationMs: 60_000, target: 1000 }, { durationMs: 60_000, target: 1000 }, { durationMs: 10_000, target: 0 }];

  it('targets at ramp points', () => {
    expect(targetConcurrencyAt(ramp, 0)).toBe(0);
    expect(targetConcurrencyAt(ramp, 59)).toBe(0);
    expect(targetConcurrencyAt(ramp, 60)).toBe(1);
    expect(targetConcurrencyAt(ramp, 30_000)).toBe(500);
    expect(targetConcurrencyAt(ramp, 59_999)).toBe(999);
    expect(targetConcurrencyAt(ramp, 60_000)).toBe(1000);
    expect(targetConcurrencyAt(ramp, 125_000)).toBe(500);
    expect(targetConcurrencyAt(ramp, 130_000)).toBe(0);
    expect(targetConcurrencyAt(ramp, -1)).toBe(0);
    for (const t of [0, 60, 12_345, 60_000, 125_001]) {
      let sum = 0;
      for (let i = 0; i < 3; i++) sum += segmentTargetAt(ramp, t, equalPart(i, 3));
      expect(sum).toBe(targetConcurrencyAt(ramp, t));
    }
  });

  it('finds flat (hold) windows', () => {
    expect(flatStageWindows(ramp)).toEqual([{ startMs: 60_000, endMs: 120_000, target: 1000 }]);
    expect(flatStageWindows([{ durationMs: 0, target: 5 }, { durationMs: 100, target: 5 }, { durationMs: 50, target: 5 }]))
      .toEqual([{ startMs: 0, endMs: 150, target: 5 }]);
  });

  it('nextChangeMs matches a brute-force scan over a ms grid', () => {
    const cases: Stage[][] = [
      [{ durationMs: 1000, target: 10 }, { durationMs: 500, target: 10 }, { durationMs: 700, target: 3 }],
      [{ durationMs: 300, target: 1000 }, { durationMs: 200, target: 1000 }, { durationMs: 100, target: 0 }],
      [{ durationMs: 0, target: 7 }, { durationMs: 400, target: 7 }, { durationMs: 0, target: 2 }, { durationMs: 333, target: 9.5 }],
      [{ durationMs: 1234.5, target: 23 }, { durationMs: 801.25, target: 4.5 }],
      [{ durationMs: 500, target: 0 }, { durationMs: 1000, target: 37 }],
    ];
    for (const stages of cases) {
      const end = Math.ceil(totalDurationMs(stages)) + 3;
      for (const n of [1, 2, 3, 5]) {
        for (let i = 0; i < n; i++) {
          const seg = equalPart(i, n);
          const v = (t: number) => segmentTargetAt(stages, t, seg);
          // expected[t] = first integer t' > t with v(t') !== v(t); v is 0 from `end` on.
          const expected = new Map<number, number | null>();
          expected.set(end, null);
          for (let t = end - 1; t >= -2; t--) expected.set(t, v(t + 1) !== v(t) ? t + 1 : expected.get(t + 1)!);
          for (let t = -2; t <= end; t++) expect(nextChangeMs(stages, t, seg), `t=${t} seg=${i}/${n}`).toBe(expected.get(t));
          for (let t = -1.5; t < end; t += 37.25) {
            let want: number | null = null;
            for (let u = Math.floor(t) + 1; u <= end; u++) if (v(u) !== v(t)) { want = u; break; }
            expect(nextChangeMs(stages, t, seg), `t=${t} seg=${i}/${n}`).toBe(want);
          }
        }
      }
    }
  });

  it('describes the load', () => {
    expect(closedExecutor.describe({ model: 'closed', stages: ramp.slice(0, 2), gracefulStopMs: 0 }))
      .toBe('closed model: 0→1000 channels over 60 s, hold 1000 channels for 60 s');
    expect(() => closedExecutor.describe({ model: 'open', arrivals: 'uniform', stages: [], maxConcurrency: null, gracefulStopMs: 0 })).toThrow();
  });
});
