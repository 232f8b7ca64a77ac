/**
 * The executor contract (k6-style): an executor turns a LoadSpec into a plan
 * the engine follows — arrival times (open model) or a concurrency target over
 * time (closed model). Executors are pure and deterministic given a seed.
 */
import type { LoadSpec, Stage } from '../types.js';
import type { z } from 'zod';
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

/** One problem with a `load:` mapping: where, and "expected …, got …". */
export interface LoadProblem {
  path: Array<string | number>;
  message: string;
}

/** What a model's checks may need of the rest of the scenario: its criteria, normalised. */
export interface LoadCheckContext {
  criteria: ReadonlyArray<{ name: string; metric: string; threshold: number; abortOnFail: boolean; source: unknown }>;
}

/** The fields every model's `load:` input has once the schema passed (durations still text). */
export interface SharedLoadInput {
  model: string;
  gracefulStop?: string | 0;
  stages?: Array<{ duration: string | 0; target: number }>;
}

/**
 * A load model as a module (k6's executors): its type, its own `load:` fields (zod, beside
 * the shared model/gracefulStop/stages), its rules, normalisation to the LoadSpec the engine
 * runs, a one-line description, and the pure plan the workers follow. models/registry.ts
 * lists them; the scenario schema, validation, normalisation and `validate` go through it.
 */
export interface LoadModel<I extends SharedLoadInput = SharedLoadInput> {
  readonly type: 'open' | 'closed' | 'search';
  /** For the schema's `model` description: "open: …". */
  readonly summary: string;
  readonly fields: z.ZodRawShape;
  /** Whether `load.stages` is given (else the model generates its stages). */
  readonly takesStages: boolean;
  /** Why another model's field does not apply here (default: "it belongs to model: X"). */
  readonly refuses: Readonly<Record<string, string>>;
  /** Its own rules on a `load:` that passed the schema; `spec` is normalize's result. */
  validate(load: I, spec: LoadSpec, ctx: LoadCheckContext): LoadProblem[];
  normalize(load: I): LoadSpec;
  describe(spec: LoadSpec): string;
  /** The plan the workers follow: arrival times (open) or channels over time (closed, search). */
  readonly plan: OpenExecutorModule | ClosedExecutorModule;
}
