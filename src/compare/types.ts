/** Shapes shared by `compare`, its JUnit/Markdown renderings and the CLI. */

/**
 * "10%" → relative to the baseline; "5ms" / "0.001" / "3" → absolute, in the metric's unit (`unit: 'ms'` when written with
 * a time unit).
 */
export type Tolerance =
  | { kind: 'percent'; value: number; source: string }
  | { kind: 'absolute'; value: number; source: string; unit?: 'ms' };

/** Which way is better for a metric. */
export type Direction = 'lower' | 'higher';

export type MetricStatus = 'ok' | 'improved' | 'regressed' | 'missing' | 'new';

export interface MetricDelta {
  /** Stable id, e.g. `setup_ms.p95`, `http.originate.p95_ms`. */
  metric: string;
  /** Unit of baseline/current/delta: 'ms', 'ratio', 'calls', 'cps', 'channels', 'rps'. */
  unit: string;
  direction: Direction;
  baseline: number | null;
  current: number | null;
  /** current − baseline (null when either side is missing). */
  delta: number | null;
  /** delta / |baseline| × 100; null when baseline is 0 or a side is missing. */
  deltaPct: number | null;
  tolerance: Tolerance;
  /** The largest change in the worse direction still accepted, in the metric's unit. */
  allowedWorse: number | null;
  status: MetricStatus;
}

/** What identifies each compared run in reports. */
export interface RunRef {
  scenario: string;
  scenarioSha256: string;
  startedAt: string;
  verdict: string;
  valid: boolean;
  durationMs: number;
}

export interface Comparison {
  baseline: RunRef;
  current: RunRef;
  tolerance: Tolerance;
  metrics: MetricDelta[];
  /** Non-fatal notes (different scenario, invalid baseline), one line each. */
  warnings: string[];
  /** Metrics regressed beyond tolerance, plus metrics missing from the current run. */
  regressions: number;
  /** Why the current run is not valid evidence (invalid, interrupted, unfinished), or null. */
  currentProblem: string | null;
  /** 'invalid' wins over 'regressed': a saturated or interrupted run proves nothing either way. */
  verdict: 'pass' | 'regressed' | 'invalid';
}
