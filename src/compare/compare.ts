/**
 * `compareResults`: per-metric deltas of a run against a baseline run, each
 * judged against a tolerance in the metric's worse direction.
 *
 * Rules (docs/ci.md):
 * - worse = current − baseline for lower-is-better metrics, baseline − current
 *   for higher-is-better; allowed = tolerance (percent of |baseline| — of 1 − baseline
 *   for higher-is-better ratios — at least the unit's floor, see tolerance.ts
 *   FLOORS; or an absolute amount).
 * - regressed: worse > allowed; improved: better by more than allowed; else ok.
 * - missing: measured in the baseline, not in the current run (counts as a failure:
 *   no-regression cannot be shown); new: only in the current run (informative).
 *   Metrics measured in neither run are left out.
 * - deltaPct is null when the baseline is 0 (the floor decides alone).
 * - a current run that is invalid, interrupted or unfinished makes the verdict
 *   'invalid' whatever the deltas say (the CLI exits 3).
 */
import { errors } from '../errors.js';
import type { Results } from '../results/summary.js';
import { metricsFor, type MetricSpec } from './metrics.js';
import { allowedWorse } from './tolerance.js';
import type { Comparison, MetricDelta, RunRef, Tolerance } from './types.js';

export interface CompareOptions {
  /** Default for every metric. */
  tolerance: Tolerance;
  /** Per metric id (`setup_ms.p95`) or group (`setup_ms`, `http.originate`); the longest match wins. */
  perMetric?: Record<string, Tolerance>;
}

/** Values within this of the limit are not a regression (floating-point noise in 3-decimal figures). */
const EPSILON = 1e-9;

export function compareResults(baseline: Results, current: Results, opts: CompareOptions): Comparison {
  const specs = metricsFor(baseline, current);
  const perMetric = opts.perMetric ?? {};
  checkPerMetricKeys(perMetric, specs);

  const metrics: MetricDelta[] = [];
  for (const spec of specs) {
    const b = spec.read(baseline);
    const c = spec.read(current);
    if (b === null && c === null) continue;
    const tolerance = toleranceFor(spec, perMetric) ?? opts.tolerance;
    metrics.push(judge(spec, b, c, tolerance));
  }
  const regressions = metrics.filter((m) => m.status === 'regressed' || m.status === 'missing').length;
  const currentProblem = evidenceProblem(current);
  return {
    baseline: runRef(baseline),
    current: runRef(current),
    tolerance: opts.tolerance,
    metrics,
    warnings: warningsFor(baseline, current),
    regressions,
    currentProblem,
    verdict: currentProblem !== null ? 'invalid' : regressions > 0 ? 'regressed' : 'pass',
  };
}

/**
 * Why a run cannot serve as evidence (invalid, interrupted, still running), or
 * null. `compare` refuses such a current run: no-regression cannot be certified from it.
 */
export function evidenceProblem(r: Results): string | null {
  if (r.state !== 'finished') return `the run did not finish (state "${r.state}")`;
  if (r.interrupted) return 'the run was interrupted';
  if (!r.valid) {
    const reasons = r.invalidReasons.length > 0 ? r.invalidReasons.join('; ') : 'no reason recorded';
    return `the run is not valid evidence (${reasons})`;
  }
  return null;
}

function judge(spec: MetricSpec, b: number | null, c: number | null, tolerance: Tolerance): MetricDelta {
  const base = { metric: spec.id, unit: spec.unit, direction: spec.direction, baseline: b, current: c, tolerance };
  if (b === null) return { ...base, delta: null, deltaPct: null, allowedWorse: null, status: 'new' };
  if (c === null) return { ...base, delta: null, deltaPct: null, allowedWorse: null, status: 'missing' };
  const delta = round6(c - b);
  const deltaPct = b === 0 ? null : round6((delta / Math.abs(b)) * 100);
  const allowed = allowedWorse(tolerance, b, spec.unit, spec.direction);
  const worse = spec.direction === 'lower' ? delta : -delta;
  const status = worse > allowed + EPSILON ? 'regressed' : -worse > allowed + EPSILON ? 'improved' : 'ok';
  return { ...base, delta, deltaPct, allowedWorse: round6(allowed), status };
}

/** Exact id first, then the longest group prefix (`http.originate` before `http`). */
function toleranceFor(spec: MetricSpec, perMetric: Record<string, Tolerance>): Tolerance | undefined {
  let best: string | undefined;
  for (const key of Object.keys(perMetric)) {
    if (key === spec.id) return perMetric[key];
    if (spec.id.startsWith(`${key}.`) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : perMetric[best];
}

function checkPerMetricKeys(perMetric: Record<string, Tolerance>, specs: MetricSpec[]): void {
  for (const [key, t] of Object.entries(perMetric)) {
    const matched = specs.filter((s) => s.id === key || s.id.startsWith(`${key}.`));
    if (matched.length === 0) {
      throw errors.usage(`--tolerance-for ${key}: no compared metric is named or starts with "${key}" (expected one of ${specs.map((s) => s.id).join(', ')})`);
    }
    const notMs = matched.find((s) => s.unit !== 'ms');
    if (t.kind === 'absolute' && t.unit === 'ms' && notMs) {
      throw errors.usage(`--tolerance-for ${key}: "${t.source}" is a time but ${notMs.id} is measured in ${notMs.unit}; expected a percent (10%) or a plain number`);
    }
  }
}

function warningsFor(baseline: Results, current: Results): string[] {
  const w: string[] = [];
  if (baseline.scenario.sha256 !== current.scenario.sha256) {
    w.push(`scenarios differ (baseline "${baseline.scenario.name}" sha256 ${baseline.scenario.sha256.slice(0, 12)}…, current "${current.scenario.name}" sha256 ${current.scenario.sha256.slice(0, 12)}…): compared anyway, but the load may not be the same`);
  }
  if (baseline.target.uri !== current.target.uri && !(baseline.target.embedded && current.target.embedded)) {
    w.push(`targets differ (baseline ${baseline.target.uri}, current ${current.target.uri})`);
  }
  return w;
}

function runRef(r: Results): RunRef {
  return {
    scenario: r.scenario.name,
    scenarioSha256: r.scenario.sha256,
    startedAt: r.startedAt,
    verdict: r.verdict,
    valid: r.valid && !r.interrupted,
    durationMs: r.durationMs,
  };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
