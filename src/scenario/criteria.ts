/**
 * k6-style pass criteria ("thresholds").
 *
 *   criteria:
 *     setup_ms: ["p(95)<800", "max<5000"]   # histogram metrics need an aggregate
 *     ser: [">=0.999"]                      # scalar metrics: a plain comparison
 *     asr: ">=99%"                          # one expression may be written without the list
 *
 * Histogram metrics (setup_ms, pdd_ms) take p(N), max, avg / mean or med
 * (= p(50)); thresholds may carry a unit ("800ms", "1.5s", default ms).
 * Scalar metrics take "<X", ">=X", "==X" (optionally "value>=X"); ratio metrics
 * (ser, seer, isa, scr, asr) are between 0 and 1 and accept percentages ("99.9%").
 *
 * An entry may also be a mapping with k6's options (k6 names):
 *
 *     ser: [{ threshold: ">=0.99", abortOnFail: true, delayAbortEval: 10s }]
 *
 * Every second the main thread evaluates each criterion on the data so far
 * (cumulative, as k6 does; engine/thresholds.ts). An abortOnFail criterion that
 * fails, once delayAbortEval has passed since the start, stops the run
 * gracefully: results.json records `abortedBy` and the verdict is failed.
 * A criterion aborts only when its failure is already decided mid-run
 * (engine/thresholds.ts `decidedWhileRunning`): latency histograms and ratios
 * always; counts (failed_calls, blocked_calls, concurrency_peak) only when the
 * bound they must stay under is exceeded; concurrency_sustained (a minimum) once
 * its hold window has begun and it is below its bound; cps_achieved (a
 * whole-run average) never. Calls still ringing count as neither success nor
 * failure while running.
 */
import { errors } from '../errors.js';
import type { Criterion, CriterionMetric } from './types.js';
import { expectedGot, tryParseDurationMs } from './duration.js';

/** Latency histograms in milliseconds. */
export const HISTOGRAM_METRICS = ['setup_ms', 'pdd_ms'] as const satisfies readonly CriterionMetric[];
/** Ratios between 0 and 1. */
export const RATIO_METRICS = ['ser', 'seer', 'isa', 'scr', 'asr'] as const satisfies readonly CriterionMetric[];
/** Other single values (counts, rates). */
export const SCALAR_METRICS = [
  'concurrency_peak', 'concurrency_sustained', 'cps_achieved', 'failed_calls', 'blocked_calls',
] as const satisfies readonly CriterionMetric[];

export const KNOWN_METRICS: readonly CriterionMetric[] = [...HISTOGRAM_METRICS, ...RATIO_METRICS, ...SCALAR_METRICS];

/** One-line meaning of each metric (JSON-schema descriptions, `callcert help`). */
export const METRIC_DESCRIPTIONS: Readonly<Record<CriterionMetric, string>> = {
  setup_ms: 'Call setup time in milliseconds (histogram: compare p(N), max or avg).',
  pdd_ms: 'Post-dial delay in milliseconds (histogram: compare p(N), max or avg).',
  ser: 'Session establishment ratio (RFC 6076), between 0 and 1.',
  seer: 'Session establishment effectiveness ratio (RFC 6076), between 0 and 1.',
  isa: 'Ineffective session attempts ratio (RFC 6076), between 0 and 1.',
  scr: 'Session completion ratio (RFC 6076), between 0 and 1.',
  asr: 'Answer seizure ratio, between 0 and 1.',
  concurrency_peak: 'Highest number of simultaneously established calls.',
  concurrency_sustained: 'Concurrent calls held during the flat stages (needs a stage that keeps the previous target).',
  cps_achieved: 'Calls started per second.',
  failed_calls: 'Number of calls that failed.',
  blocked_calls: 'Number of calls the target rejected for lack of capacity.',
};

const HISTOGRAM = new Set<string>(HISTOGRAM_METRICS);
const RATIO = new Set<string>(RATIO_METRICS);
const KNOWN = new Set<string>(KNOWN_METRICS);

export function isKnownMetric(s: string): s is CriterionMetric {
  return KNOWN.has(s);
}
export function isHistogramMetric(m: CriterionMetric): boolean {
  return HISTOGRAM.has(m);
}
export function isRatioMetric(m: CriterionMetric): boolean {
  return RATIO.has(m);
}

export type CriterionParseResult =
  | { ok: true; criterion: Criterion }
  | { ok: false; expected: string; hint?: string };

type Op = Criterion['op'];
type Aggregate = Criterion['aggregate'];

// aggregate (optional) · operator · threshold. The operator alternatives are
// ordered longest first; "=" alone and "!=" are caught below for a better message.
const EXPR = /^\s*([A-Za-z]+\s*(?:\(\s*[^)]*\))?)?\s*(<=|>=|==|!=|=<|=>|<|>|=)\s*(.*?)\s*$/;
const NUMBER = /^[+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseAggregate(text: string): Aggregate | null | 'bad-percentile' {
  const t = text.replace(/\s+/g, '');
  if (t === 'max') return { kind: 'max' };
  if (t === 'avg' || t === 'mean') return { kind: 'mean' };
  if (t === 'med') return { kind: 'percentile', p: 50 };
  if (t === 'value') return { kind: 'value' };
  const m = /^p\((.*)\)$/.exec(t);
  if (m) {
    if (!NUMBER.test(m[1])) return 'bad-percentile';
    const p = Number(m[1]);
    return p > 0 && p <= 100 ? { kind: 'percentile', p } : 'bad-percentile';
  }
  return null;
}

/** 99.9 → 0.999 (not 0.9990000000000001). */
function percentToRatio(pct: number): number {
  return Number((pct / 100).toPrecision(12));
}

function parseThreshold(metric: CriterionMetric, text: string): { ok: true; value: number } | { ok: false; expected: string; hint?: string } {
  if (NUMBER.test(text)) return { ok: true, value: Number(text) };
  if (HISTOGRAM.has(metric) && /^[\d.]+[a-z]+$/.test(text)) {
    const d = tryParseDurationMs(text);
    if (d.ok) return { ok: true, value: d.ms };
  }
  if (RATIO.has(metric) && /%$/.test(text) && NUMBER.test(text.slice(0, -1).trim())) {
    return { ok: true, value: percentToRatio(Number(text.slice(0, -1).trim())) };
  }
  if (text.startsWith('-')) return { ok: false, expected: 'a threshold >= 0' };
  const what = HISTOGRAM.has(metric) ? 'a number of milliseconds (or a duration such as 1.5s)' : RATIO.has(metric) ? 'a ratio such as 0.999 or 99.9%' : 'a number';
  return { ok: false, expected: `${what} after the operator` };
}

/** Never throws. `expected` completes "expected ..., got <expr>". */
export function tryParseCriterion(metric: string, expr: string): CriterionParseResult {
  if (!isKnownMetric(metric)) {
    return { ok: false, expected: `a metric among ${KNOWN_METRICS.join(', ')}` };
  }
  const histogram = HISTOGRAM.has(metric);
  const example = histogram ? '"p(95)<800"' : RATIO.has(metric) ? '">=0.999"' : metric === 'failed_calls' || metric === 'blocked_calls' ? '"==0"' : '">=1000"';
  const shape = histogram
    ? `p(N)<X, max<X or avg<X (e.g. ${example})`
    : `a comparison such as ${example} (operators <, <=, >, >=, ==)`;
  if (typeof expr !== 'string' || expr.trim() === '') return { ok: false, expected: shape };

  const m = EXPR.exec(expr);
  if (!m) return { ok: false, expected: shape };
  const [, aggText, opText, thresholdText] = m;

  if (opText === '=' || opText === '!=' || opText === '=<' || opText === '=>') {
    return { ok: false, expected: shape, hint: opText === '=' ? 'use == for equality' : opText === '!=' ? '!= is not supported' : `write ${opText === '=<' ? '<=' : '>='}` };
  }
  const op = opText as Op;

  let aggregate: Aggregate;
  if (aggText === undefined) {
    if (histogram) {
      return { ok: false, expected: shape, hint: `${metric} is a distribution: say which aggregate to compare` };
    }
    aggregate = { kind: 'value' };
  } else {
    const a = parseAggregate(aggText);
    if (a === 'bad-percentile') return { ok: false, expected: shape, hint: 'a percentile is p(N) with 0 < N <= 100' };
    if (a === null) return { ok: false, expected: shape };
    if (histogram && a.kind === 'value') {
      return { ok: false, expected: shape, hint: `${metric} is a distribution: say which aggregate to compare` };
    }
    if (!histogram && a.kind !== 'value') {
      return {
        ok: false,
        expected: `a plain comparison such as ${example}`,
        hint: `p(N), max and avg apply only to ${HISTOGRAM_METRICS.join(' and ')}; ${metric} is a single value`,
      };
    }
    aggregate = a;
  }

  const t = parseThreshold(metric, thresholdText);
  if (!t.ok) return t;
  if (RATIO.has(metric) && (t.value < 0 || t.value > 1)) {
    const pct = t.value;
    return { ok: false, expected: 'a ratio between 0 and 1', hint: `write ${op}${percentToRatio(pct)} or ${op}${pct}%` };
  }
  return { ok: true, criterion: { source: expr.trim(), metric, aggregate, op, threshold: t.value, abortOnFail: false, delayAbortEvalMs: 0 } };
}

/** A criteria list entry as written: an expression, or k6's object form. */
export type CriterionEntryInput = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string | number };

/**
 * Parses one entry (expression or `{ threshold, abortOnFail, delayAbortEval }`); never throws.
 * On failure `field` names the part at fault ('threshold' or 'delayAbortEval', null for the expression itself).
 */
export function tryParseCriterionEntry(
  metric: string,
  entry: CriterionEntryInput,
): { ok: true; criterion: Criterion } | { ok: false; field: 'threshold' | 'delayAbortEval' | null; input: unknown; expected: string; hint?: string } {
  const expr = typeof entry === 'string' ? entry : entry.threshold;
  const r = tryParseCriterion(metric, expr);
  if (!r.ok) return { ...r, field: typeof entry === 'string' ? null : 'threshold', input: expr };
  if (typeof entry === 'string') return r;
  let delayAbortEvalMs = 0;
  if (entry.delayAbortEval !== undefined) {
    const d = tryParseDurationMs(entry.delayAbortEval);
    if (!d.ok) return { ok: false, field: 'delayAbortEval', input: entry.delayAbortEval, expected: d.expected, hint: d.hint };
    delayAbortEvalMs = d.ms;
  }
  return { ok: true, criterion: { ...r.criterion, abortOnFail: entry.abortOnFail ?? false, delayAbortEvalMs } };
}

/**
 * Criteria of a capacity search that gives none: each step must keep setup p95
 * under 800 ms and SER at 0.999 or better (BRIEF §2.11's example thresholds).
 */
export const SEARCH_DEFAULT_CRITERIA: Readonly<Partial<Record<CriterionMetric, readonly string[]>>> = {
  setup_ms: ['p(95)<800'],
  ser: ['>=0.999'],
};

/**
 * Parses one expression; throws CC_ERR_SCENARIO_INVALID
 * `<path>: expected ..., got "<expr>"` (path defaults to criteria.<metric>).
 */
export function parseCriterion(metric: string, expr: string, path = `criteria.${metric}`): Criterion {
  if (!isKnownMetric(metric)) {
    throw errors.scenarioInvalid(`${path}: unknown metric ${JSON.stringify(metric)}; known metrics: ${KNOWN_METRICS.join(', ')}`, { path });
  }
  const r = tryParseCriterion(metric, expr);
  if (r.ok) return r.criterion;
  throw errors.scenarioInvalid(`${path}: ${expectedGot(r.expected, expr, r.hint)}`, { path, value: expr });
}

/** true when the measured value meets the criterion; NaN (no data) never passes. */
export function evaluateCriterion(c: Criterion, actual: number): boolean {
  if (typeof actual !== 'number' || Number.isNaN(actual)) return false;
  switch (c.op) {
    case '<': return actual < c.threshold;
    case '<=': return actual <= c.threshold;
    case '>': return actual > c.threshold;
    case '>=': return actual >= c.threshold;
    case '==': return actual === c.threshold;
  }
}

function aggregateLabel(a: Aggregate): string {
  switch (a.kind) {
    case 'value': return '';
    case 'max': return ' max';
    case 'mean': return ' avg';
    case 'percentile': return ` p(${a.p})`;
  }
}

/** For reports and logs: "setup_ms p(95) < 800 ms", "ser >= 0.999". */
export function describeCriterion(c: Criterion): string {
  const unit = HISTOGRAM.has(c.metric) ? ' ms' : '';
  return `${c.metric}${aggregateLabel(c.aggregate)} ${c.op} ${c.threshold}${unit}`;
}
