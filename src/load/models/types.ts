/**
 * The executor contract (k6-style): an executor turns a LoadSpec into a plan
 * the engine follows — arrival times (open model) or a concurrency target over
 * time (closed model). Executors are pure and deterministic given a seed.
 */
import type { LoadSpec, Stage } from '../types.js';
import type { Segment } from '../segments.js';
import type { StageWindow } from '../stages.js';

export interface ExecutorModule {
  readonly type: LoadSpec['model'];
  /** One line for humans, e.g. "closed model: 0→1000 channels over 60 s, hold 1000 channels for 60 s". */
  describe(load: LoadSpec): string;
  totalDurationMs(stages: readonly Stage[]): number;
  flatStageWindows(stages: readonly Stage[]): StageWindow[];
}

export interface Arrival {
  /** Call index, unique across all segments of the run. */
  index: number;
  /** Intended start, ms after run start. */
  atMs: number;
}

export interface ArrivalIterator {
  /** Next arrival of this segment in time order, or null once the stages are over. */
  next(): Arrival | null;
}

export interface OpenExecutorModule extends ExecutorModule {
  readonly type: 'open';
  createArrivalIterator(load: { arrivals: 'uniform' | 'poisson'; stages: readonly Stage[] }, seg: Segment, seed: number): ArrivalIterator;
  expectedArrivals(stages: readonly Stage[]): number;
  offeredRateAt(stages: readonly Stage[], tMs: number): number;
}

export interface ClosedExecutorModule extends ExecutorModule {
  readonly type: 'closed';
  targetConcurrencyAt(stages: readonly Stage[], tMs: number): number;
  segmentTargetAt(stages: readonly Stage[], tMs: number, seg: Segment): number;
  nextChangeMs(stages: readonly Stage[], tMs: number, seg: Segment): number | null;
}
