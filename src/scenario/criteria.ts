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
  return { ok: true, criterion: { source: expr.trim(), metric, aggregate, op, threshold: t.value } };
}

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
