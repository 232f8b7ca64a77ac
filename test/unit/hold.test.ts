import { describe, expect, it } from 'vitest';
import { createHoldSampler, meanHoldMs } from '../../src/scenario/hold.js';
import { mulberry32 } from '../../src/util/random.js';
import type { Distribution } from '../../src/scenario/types.js';

const N = 200_000;

function sample(d: Distribution, seed = 42): number[] {
  const draw = createHoldSampler(d, mulberry32(seed));
  return Array.from({ length: N }, draw);
}
const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stddev = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

describe('mulberry32', () => {
  it('is deterministic per seed and uniform on [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: N }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(min(xs)).toBeGreaterThanOrEqual(0);
    expect(max(xs)).toBeLessThan(1);
    expect(mean(xs)).toBeCloseTo(0.5, 2);
    expect(mulberry32(8)()).not.toBe(mulberry32(7)());
  });
});

describe('createHoldSampler', () => {
  it('fixed returns the value', () => {
    const draw = createHoldSampler({ dist: 'fixed', valueMs: 20_000 });
    expect([draw(), draw(), draw()]).toEqual([20_000, 20_000, 20_000]);
  });

  it('uniform stays within [min, max] with the right mean', () => {
    const d: Distribution = { dist: 'uniform', minMs: 10_000, maxMs: 30_000 };
    const xs = sample(d);
    expect(min(xs)).toBeGreaterThanOrEqual(10_000);
    expect(max(xs)).toBeLessThanOrEqual(30_000);
    expect(Math.abs(mean(xs) - 20_000)).toBeLessThan(100); // sd of the mean ≈ 13
    expect(meanHoldMs(d)).toBe(20_000);
  });

  it('exponential has mean ≈ sd ≈ mean parameter and is never negative', () => {
    const d: Distribution = { dist: 'exponential', meanMs: 20_000 };
    const xs = sample(d);
    expect(min(xs)).toBeGreaterThanOrEqual(0);
    expect(xs.every(Number.isFinite)).toBe(true);
    expect(Math.abs(mean(xs) - 20_000)).toBeLessThan(200); // sd of the mean ≈ 45
    expect(Math.abs(stddev(xs) - 20_000)).toBeLessThan(400);
    // median of an exponential is mean·ln 2
    const sorted = [...xs].sort((a, b) => a - b);
    expect(Math.abs(sorted[N / 2] - 20_000 * Math.LN2)).toBeLessThan(300);
    expect(meanHoldMs(d)).toBe(20_000);
  });

  it('normal has the right mean and sd when the clamp does not bite', () => {
    const d: Distribution = { dist: 'normal', meanMs: 20_000, stddevMs: 2_000, minMs: 0 };
    const xs = sample(d);
    expect(Math.abs(mean(xs) - 20_000)).toBeLessThan(30); // sd of the mean ≈ 4.5
    expect(Math.abs(stddev(xs) - 2_000)).toBeLessThan(30);
    const within1sd = xs.filter((x) => Math.abs(x - 20_000) <= 2_000).length / N;
    expect(within1sd).toBeCloseTo(0.6827, 2);
    expect(meanHoldMs(d)).toBeCloseTo(20_000, 3);
  });

  it('normal is clamped at minMs and meanHoldMs accounts for the clamp', () => {
    const d: Distribution = { dist: 'normal', meanMs: 2_000, stddevMs: 2_000, minMs: 1_000 };
    const xs = sample(d);
    expect(min(xs)).toBe(1_000);
    // P(X < min) = Φ(-0.5) ≈ 0.3085 of the draws land exactly on the clamp
    expect(xs.filter((x) => x === 1_000).length / N).toBeCloseTo(0.3085, 2);
    expect(Math.abs(mean(xs) - meanHoldMs(d))).toBeLessThan(15);
    expect(meanHoldMs(d)).toBeGreaterThan(2_000);
  });

  it('normal with zero stddev is its mean (or the clamp)', () => {
    expect(sample({ dist: 'normal', meanMs: 500, stddevMs: 0, minMs: 0 }).slice(0, 3)).toEqual([500, 500, 500]);
    expect(meanHoldMs({ dist: 'normal', meanMs: 500, stddevMs: 0, minMs: 800 })).toBe(800);
  });

  it('is reproducible for a seed', () => {
    const d: Distribution = { dist: 'exponential', meanMs: 1_000 };
    const a = createHoldSampler(d, mulberry32(1));
    const b = createHoldSampler(d, mulberry32(1));
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});
