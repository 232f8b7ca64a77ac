/**
 * Hold-time sampling. Every sampler returns milliseconds >= 0.
 *
 * - fixed: the value.
 * - uniform: min + U·(max − min).
 * - exponential: inverse CDF, −mean·ln(1 − U).
 * - normal: Box–Muller, clamped below at minMs (no upper clamp).
 */
import type { Distribution } from './types.js';

export function createHoldSampler(d: Distribution, rng: () => number = Math.random): () => number {
  switch (d.dist) {
    case 'fixed': {
      const v = d.valueMs;
      return () => v;
    }
    case 'uniform': {
      const { minMs, maxMs } = d;
      const span = maxMs - minMs;
      return () => minMs + rng() * span;
    }
    case 'exponential': {
      const mean = d.meanMs;
      // 1 − U is in (0, 1], so the logarithm is finite.
      return () => -mean * Math.log(1 - rng());
    }
    case 'normal': {
      const { meanMs, stddevMs, minMs } = d;
      let spare: number | null = null;
      return () => {
        let z: number;
        if (spare !== null) {
          z = spare;
          spare = null;
        } else {
          const u1 = 1 - rng(); // (0, 1]
          const u2 = rng();
          const r = Math.sqrt(-2 * Math.log(u1));
          z = r * Math.cos(2 * Math.PI * u2);
          spare = r * Math.sin(2 * Math.PI * u2);
        }
        return Math.max(minMs, meanMs + stddevMs * z);
      };
    }
  }
}

/** Standard normal density. */
function phi(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
function bigPhi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Expected hold time in ms of what createHoldSampler draws, including the
 * clamp of the normal distribution: E[max(m, X)] = m·Φ(α) + μ·(1 − Φ(α)) + σ·φ(α)
 * with α = (m − μ)/σ. The closed-model planner uses it to estimate calls per second.
 */
export function meanHoldMs(d: Distribution): number {
  switch (d.dist) {
    case 'fixed':
      return d.valueMs;
    case 'uniform':
      return (d.minMs + d.maxMs) / 2;
    case 'exponential':
      return d.meanMs;
    case 'normal': {
      const { meanMs: mu, stddevMs: sigma, minMs: m } = d;
      if (sigma <= 0) return Math.max(m, mu);
      const alpha = (m - mu) / sigma;
      const cdf = bigPhi(alpha);
      return m * cdf + mu * (1 - cdf) + sigma * phi(alpha);
    }
  }
}
