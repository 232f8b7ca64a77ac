import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/scenario/types.js';
import { ownsIndex, shareOf } from '../../src/load/segments.js';
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

const uniform = (stages: Stage[], seg: Segment = { index: 0, count: 1 }) =>
  drain(createArrivalIterator({ arrivals: 'uniform', stages }, seg, 1));

describe('segments', () => {
  it('shares sum exactly to floor(total) for any n', () => {
    for (const total of [0, 1, 2, 3, 7, 10, 99, 1000, 12345, 7.9, 0.5]) {
      for (let n = 1; n <= 17; n++) {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const s = shareOf(total, { index: i, count: n });
          expect(s).toBeGreaterThanOrEqual(0);
          sum += s;
        }
        expect(sum).toBe(Math.floor(total));
      }
    }
  });

  it('stripes indexes', () => {
    expect([0, 1, 2, 3, 4, 5].filter((n) => ownsIndex(n, { index: 1, count: 3 }))).toEqual([1, 4]);
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
      const parts = Array.from({ length: n }, (_, i) => uniform(stages, { index: i, count: n }));
      parts.forEach((p, i) => p.forEach((a) => expect(a.index % n).toBe(i)));
      const merged = parts.flat().sort((a, b) => a.index - b.index);
      expect(merged).toEqual(single);
    }
  });

  it('Poisson: count within 3σ of Λ across 2 segments, deterministic for a seed', () => {
    const load = { arrivals: 'poisson' as const, stages: [{ durationMs: 0, target: 1000 }, { durationMs: 10_000, target: 1000 }] };
    const lambda = expectedArrivals(load.stages);
    expect(lambda).toBe(10_000);
    const run = (seed: number) => [0, 1].map((i) => drain(createArrivalIterator(load, { index: i, count: 2 }, seed)));
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
      for (let i = 0; i < 3; i++) sum += segmentTargetAt(ramp, t, { index: i, count: 3 });
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
          const seg = { index: i, count: n };
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
