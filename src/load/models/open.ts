/**
 * Open model: calls arrive on a schedule regardless of how the target copes.
 * Stage targets are rates in calls per second; the cumulative arrivals
 * Λ(t) = ∫ rate dt is piecewise quadratic, and every arrival time is found by
 * inverting Λ exactly — computed from the call's index, never as "last tick +
 * period", so no drift accumulates over long runs.
 *
 * Uniform: call k starts where Λ(t) = k + 0.5 (the midpoint of its unit of
 * Λ-mass), for every k with k + 0.5 < Λ(end). So a run has round(Λ(end)) calls
 * (halves rounded down), R cps over D s gives R·D calls spaced 1000/R ms
 * starting at 500/R ms, and a ramp from 0 does not fire at t = 0 where the rate is 0.
 * A segment takes the calls k it owns (load/segments.ts: worker i of n equal parts, k mod n = i).
 *
 * Poisson: each segment of length ℓ runs its own inhomogeneous Poisson process with rate·ℓ
 * (inverse-Λ method: arrivals where Λ(t)·ℓ crosses sums of Exp(1) draws from a seeded
 * mulberry32), so the segments together form a Poisson process of the full rate.
 */
import type { LoadSpec, Stage } from '../types.js';
import { assertSegment, describeSegment, nthIndex, segmentLength } from '../segments.js';
import type { Segment } from '../segments.js';
import { z } from 'zod';
import type { Arrival, ArrivalIterator, LoadModel, OpenExecutorModule, SharedLoadInput } from './types.js';
import { expect, numberSchema } from '../../util/schema-fields.js';
import { LOAD_DEFAULTS, durationMs, normalizeStages } from '../schema.js';
import { mulberry32 } from '../../util/random.js';
import { describeStages, flatStageWindows, stageSpans, targetAt, totalDurationMs } from '../stages.js';

export { flatStageWindows, totalDurationMs };

interface Piece {
  startMs: number;
  durMs: number;
  /** Rates (cps) at the start and end of the piece. */
  from: number;
  to: number;
  /** Λ at the start of the piece, and the arrivals within it. */
  lambda0: number;
  mass: number;
}

function pieces(stages: readonly Stage[]): Piece[] {
  let lambda = 0;
  return stageSpans(stages).map((s) => {
    const durMs = Math.max(0, s.endMs - s.startMs);
    const mass = ((s.from + s.to) / 2) * (durMs / 1000);
    const p = { startMs: s.startMs, durMs, from: s.from, to: s.to, lambda0: lambda, mass };
    lambda += mass;
    return p;
  });
}

/** Λ within a piece after tau ms: (from·τ + (to − from)·τ²/(2·dur)) / 1000. */
function lambdaIn(p: Piece, tau: number): number {
  if (p.durMs <= 0) return 0;
  return (p.from * tau + ((p.to - p.from) * tau * tau) / (2 * p.durMs)) / 1000;
}

/** τ in [0, dur] where lambdaIn(p, τ) = x, 0 <= x <= mass. */
function solveTau(p: Piece, x: number): number {
  if (x <= 0) return 0;
  const slope = (p.to - p.from) / (2 * p.durMs);
  // Constant rate: x·1000/from keeps exact values exact (e.g. 1.5 calls at 100 cps = 15 ms).
  if (slope === 0) return Math.min(p.durMs, (x * 1000) / p.from);
  // Root of slope·τ² + from·τ − 1000x = 0 in the form without cancellation,
  // valid for ramps up and down, and from = 0.
  const disc = Math.max(0, p.from * p.from + 4 * slope * 1000 * x);
  const den = p.from + Math.sqrt(disc);
  return den > 0 ? Math.min(p.durMs, (2000 * x) / den) : p.durMs;
}

/** Λ(t): expected arrivals from run start to t. */
export function cumulativeArrivalsAt(stages: readonly Stage[], tMs: number): number {
  let total = 0;
  for (const p of pieces(stages)) {
    if (tMs < p.startMs + p.durMs) return p.lambda0 + lambdaIn(p, Math.max(0, tMs - p.startMs));
    total = p.lambda0 + p.mass;
  }
  return total;
}

/** Λ(end): expected arrivals of the whole run (a uniform run has this many, rounded). */
export function expectedArrivals(stages: readonly Stage[]): number {
  return cumulativeArrivalsAt(stages, Infinity);
}

/** The offered rate in cps at t; 0 outside the stages. */
export function offeredRateAt(stages: readonly Stage[], tMs: number): number {
  return targetAt(stages, tMs);
}

/** Maps increasing Λ values to times; the piece cursor only moves forward. */
function inverter(stages: readonly Stage[]): (lambda: number) => number | null {
  const ps = pieces(stages);
  let i = 0;
  return (lambda) => {
    while (i < ps.length && lambda >= ps[i].lambda0 + ps[i].mass) i++;
    if (i === ps.length) return null;
    const p = ps[i];
    return p.startMs + solveTau(p, lambda - p.lambda0);
  };
}

/** murmur3 finalizer: decorrelates the streams of neighbouring segments of one seed. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a segment's range: one seed stream per segment. */
function segmentHash(seg: Segment): number {
  let h = 0x811c9dc5;
  for (const c of describeSegment(seg)) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/**
 * This segment's arrivals in time order. `seed` (a uint32) matters only for
 * Poisson; a Poisson arrival's index is the segment's j-th own index for its
 * j-th arrival, so indexes stay unique across segments.
 */
export function createArrivalIterator(
  load: { arrivals: 'uniform' | 'poisson'; stages: readonly Stage[] },
  seg: Segment,
  seed: number,
): ArrivalIterator {
  assertSegment(seg);
  const timeOf = inverter(load.stages);
  if (load.arrivals === 'uniform') {
    let j = 0;
    return {
      next(): Arrival | null {
        const k = nthIndex(j, seg);
        const atMs = timeOf(k + 0.5);
        if (atMs === null) return null;
        j++;
        return { index: k, atMs };
      },
    };
  }
  const random = mulberry32(fmix32((seed >>> 0) ^ fmix32(segmentHash(seg) + 0x9e3779b9)));
  const length = segmentLength(seg);
  let sumExp = 0;
  let j = 0;
  let done = false;
  return {
    next(): Arrival | null {
      if (done) return null;
      sumExp += -Math.log(1 - random()); // 1 − u is in (0, 1]: log is finite
      const atMs = timeOf(sumExp / length);
      if (atMs === null) {
        done = true;
        return null;
      }
      return { index: nthIndex(j++, seg), atMs };
    },
  };
}

export function describe(load: LoadSpec): string {
  if (load.model !== 'open') throw new TypeError(`open executor cannot describe a ${load.model} load`);
  const cap = load.maxConcurrency === null ? '' : `, at most ${load.maxConcurrency} concurrent calls`;
  return `open model (${load.arrivals} arrivals): ${describeStages(load.stages, 'cps')}${cap}`;
}

export const openExecutor = {
  type: 'open',
  describe,
  totalDurationMs,
  flatStageWindows,
  createArrivalIterator,
  expectedArrivals,
  offeredRateAt,
} as const satisfies OpenExecutorModule;

export const OPEN_DEFAULTS = { arrivals: 'uniform', maxConcurrency: null } as const;

export const OPEN_FIELDS = {
  arrivals: z
    .enum(['uniform', 'poisson'], { error: expect('uniform or poisson') })
    .optional()
    .meta({ description: 'Open model only: evenly spaced call starts, or Poisson arrivals.', default: OPEN_DEFAULTS.arrivals }),
  maxConcurrency: numberSchema({ int: true, min: 1 })
    .nullable()
    .optional()
    .meta({ description: 'Open model only: never have more calls up than this (extra starts are skipped and counted).' }),
};

type OpenInput = SharedLoadInput & { arrivals?: 'uniform' | 'poisson'; maxConcurrency?: number | null };

export const openModel: LoadModel<OpenInput> = {
  type: 'open',
  summary: 'open: start calls at a rate (targets are calls per second)',
  fields: OPEN_FIELDS,
  takesStages: true,
  refuses: {},
  validate: () => [],
  normalize: (l) => ({
    model: 'open',
    arrivals: l.arrivals ?? OPEN_DEFAULTS.arrivals,
    stages: normalizeStages(l.stages),
    maxConcurrency: l.maxConcurrency ?? OPEN_DEFAULTS.maxConcurrency,
    gracefulStopMs: durationMs(l.gracefulStop ?? LOAD_DEFAULTS.gracefulStop),
  }),
  describe,
  plan: openExecutor,
};
