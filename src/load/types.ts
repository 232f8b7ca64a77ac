/** The load's shape as the engine runs it: stages, the load models' specs. */

/** A stage moves the load linearly from the previous stage's target (0 at start) to `target` over `durationMs`. */
export interface Stage {
  durationMs: number;
  /** Calls per second (open model) or concurrent channels (closed model). */
  target: number;
}

/**
 * `gracefulStopMs`: after the last stage no call starts; calls still up may run to the end of
 * their own hold for this long, then they are hung up (cause `cut_at_end`).
 */
export type LoadSpec =
  | { model: 'open'; arrivals: 'uniform' | 'poisson'; stages: Stage[]; maxConcurrency: number | null; gracefulStopMs: number }
  | { model: 'closed'; stages: Stage[]; search?: SearchSpec; gracefulStopMs: number };

/**
 * `load.model: search`, normalised to the closed model over generated stages
 * (ramp to a level, hold it, ramp one step up, ...; load/search.ts):
 * the workers run it as a closed load, the main thread judges each step.
 */
export interface SearchSpec {
  /** First level (concurrent channels). */
  start: number;
  /** Channels added per step. */
  step: number;
  /** How long each level is held (its judged window). */
  stepDurationMs: number;
  /** Ramp to each level (the first one from 0). */
  rampMs: number;
  /** Highest level offered; the levels are start + k·step <= ceiling. */
  ceiling: number;
  /** Verdict passed only when the certified capacity is at least this (null: any passing step). */
  require: number | null;
}
