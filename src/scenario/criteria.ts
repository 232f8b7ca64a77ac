/**
 * k6-style pass criteria ("thresholds").
 *
 *   criteria:
 *     setup_ms: ["p(95)<800", "max<5000"]   # histogram metrics need an aggregate
 *     ser: [">=0.999"]                      # scalar metrics: a plain comparison
 *     asr: ">=99%"                          # one expression may be written without the list
 *     http_latency_ms{load:agents}: ["p(95)<200"]            # one HTTP load
 *     flow_failures{flow:agent-call}: ["==0"]                 # one HTTP flow
 *     flow_step_ms{flow:agent-call,step:login}: ["p(99)<300"] # one step of a flow
 *     dial_latency_ms: ["p(95)<500"]                          # outbound calls (uas)
 *
 * Histogram metrics (setup_ms, pdd_ms, http_latency_ms, flow_ms, flow_step_ms,
 * dial_latency_ms) take p(N), max, avg / mean or med (= p(50)); thresholds may
 * carry a unit ("800ms", "1.5s", default ms). Scalar metrics take "<X", ">=X",
 * "==X" (optionally "value>=X"); ratio metrics (ser, seer, isa, scr, asr,
 * http_error_rate, flow_failure_rate) are between 0 and 1 and accept percentages ("99.9%").
 *
 * Selectors are k6's sub-metric syntax (`http_req_duration{name:login}`): the
 * metric keeps one name and the tag says which load/flow/step, so every HTTP
 * load or flow is judged the same way and the key reads like the results.json
 * path it comes from (summary.http.agents.latencyMs). A dotted form
 * (`http.agents.latency_ms`) would mix user names into the metric name and clash
 * with --set paths. A selector is required (each load/flow measures a different
 * endpoint: a merged percentile would judge none of them); names are checked
 * against http.load[].name, http.flows[].name and their steps when the scenario
 * loads (criteriaTargetProblems), and outbound metrics need a `uas:` section.
 *
 * An entry may also be a mapping with k6's options (k6 names):
 *
 *     ser: [{ threshold: ">=0.99", abortOnFail: true, delayAbortEval: 10s }]
 *
 * Every second the main thread evaluates each criterion on the data so far
 * (cumulative, as k6 does; verdict/thresholds.ts). An abortOnFail criterion that
 * fails, once delayAbortEval has passed since the start, stops the run
 * gracefully: results.json records `abortedBy` and the verdict is failed.
 * A criterion aborts only when its failure is already decided mid-run
 * (verdict/thresholds.ts `decidedWhileRunning`): latency histograms and ratios
 * always; counts (failed_calls, blocked_calls, http_errors, flow_failures,
 * outbound_failed, outbound_answered, concurrency_peak,
 * outbound_concurrency_peak) only when the bound they must stay under is
 * exceeded; concurrency_sustained (a minimum) once its hold window has begun and
 * it is below its bound; outbound_concurrency_sustained once the flows' stages
 * are over; cps_achieved and http_rps (averages) never. Calls, requests and
 * flows still in flight count as neither success nor failure while running.
 */
import { errors } from '../errors.js';
import type { Criterion, CriterionMetric, CriterionSelector, Scenario } from './types.js';
import { expectedGot, tryParseDurationMs } from '../util/duration.js';
import { METRIC_NAMES, METRICS, metricsWhere } from '../metrics/catalog.js';

/** Latency histograms in milliseconds. */
export const HISTOGRAM_METRICS: readonly CriterionMetric[] = metricsWhere((d) => d.kind === 'trend');
/** Ratios between 0 and 1. */
export const RATIO_METRICS: readonly CriterionMetric[] = metricsWhere((d) => d.kind === 'rate');
/** Other single values (counts, rates). */
export const SCALAR_METRICS: readonly CriterionMetric[] = metricsWhere((d) => d.kind === 'counter' || d.kind === 'gauge');

/** Every metric, SIP caller first, then HTTP loads, flows and outbound calls (the order of messages and of the JSON schema). */
export const KNOWN_METRICS: readonly CriterionMetric[] = METRIC_NAMES;

type Tag = keyof CriterionSelector;

/** The selector tags a metric requires, in canonical order (k6 sub-metric tags); metrics not listed take none. */
export const SELECTOR_TAGS: Readonly<Partial<Record<CriterionMetric, readonly Tag[]>>> = Object.fromEntries(
  METRIC_NAMES.filter((m) => METRICS[m].tags.length > 0).map((m) => [m, METRICS[m].tags]),
);

/** Metrics measured by the run's own UAS: they need a `uas:` section. */
export const OUTBOUND_METRICS: readonly CriterionMetric[] = metricsWhere((d) => d.family === 'outbound');

/** Metrics written as plain keys (no selector): the criteria mapping's fixed fields. */
export const PLAIN_METRICS: readonly CriterionMetric[] = KNOWN_METRICS.filter((m) => SELECTOR_TAGS[m] === undefined);
/** Metrics that need a selector. */
export const SELECTOR_METRICS: readonly CriterionMetric[] = KNOWN_METRICS.filter((m) => SELECTOR_TAGS[m] !== undefined);

/** How a metric is written: "setup_ms", "flow_step_ms{flow:<name>,step:<name>}". */
export function metricForm(m: CriterionMetric): string {
  const tags = SELECTOR_TAGS[m];
  return tags === undefined ? m : `${m}{${tags.map((t) => `${t}:<name>`).join(',')}}`;
}

/** Every metric as it is written, for "known metrics: ..." messages. */
export const METRIC_FORMS: readonly string[] = KNOWN_METRICS.map(metricForm);

/** A load, flow or step name (scenario/schema.ts HTTP_LOAD_NAME_RE): no "{", ",", ":" or "}", so a selector is unambiguous. */
export const SELECTOR_VALUE_PATTERN = '[a-z0-9._-]{1,64}';
const SELECTOR_VALUE = new RegExp(`^${SELECTOR_VALUE_PATTERN}$`);

/** One-line meaning of each metric (JSON-schema descriptions, `callcert help`). */
export const METRIC_DESCRIPTIONS: Readonly<Record<CriterionMetric, string>> = Object.fromEntries(
  METRIC_NAMES.map((m) => [m, METRICS[m].description]),
) as Record<CriterionMetric, string>;

const HISTOGRAM = new Set<string>(HISTOGRAM_METRICS);
const RATIO = new Set<string>(RATIO_METRICS);
const KNOWN = new Set<string>(KNOWN_METRICS);
/** Counts that should stay at 0: their example criterion is "==0". */
const COUNT_EXAMPLE = new Set<string>(metricsWhere((d) => d.kind === 'counter' && d.better === 'lower'));

export function isKnownMetric(s: string): s is CriterionMetric {
  return KNOWN.has(s);
}
export function isHistogramMetric(m: CriterionMetric): boolean {
  return HISTOGRAM.has(m);
}
export function isRatioMetric(m: CriterionMetric): boolean {
  return RATIO.has(m);
}

export type MetricNameResult =
  | { ok: true; name: string; metric: CriterionMetric; selector: CriterionSelector | null }
  /** unknown: the base name is not a metric (reported as an unknown key). */
  | { ok: false; unknown: boolean; expected: string; hint?: string };

/**
 * Parses a criteria key: a metric, with its selector when it takes one
 * (`flow_step_ms{flow:agent-call, step:login}`; spaces allowed, tags in any order).
 * Syntax only: whether the names exist is criteriaTargetProblems' job. Never throws.
 */
export function tryParseMetricName(key: string): MetricNameResult {
  const m = /^\s*([A-Za-z0-9_]+)\s*(?:\{([^{}]*)\})?\s*$/.exec(key);
  const base = m?.[1] ?? /^\s*([A-Za-z0-9_]+)/.exec(key)?.[1] ?? key;
  if (!isKnownMetric(base)) return { ok: false, unknown: true, expected: `a metric among ${METRIC_FORMS.join(', ')}` };
  const tags = SELECTOR_TAGS[base] ?? [];
  const form = metricForm(base);
  if (m === null) return { ok: false, unknown: false, expected: `${form} (a selector is {tag:value,...} at the end of the name)` };
  const body = m[2];
  if (body === undefined) {
    if (tags.length === 0) return { ok: true, name: base, metric: base, selector: null };
    const which = tags.map((t) => (t === 'load' ? 'http.load[].name' : t === 'flow' ? 'http.flows[].name' : t === 'instance' ? 'platform.targets[].name' : 'a step name of that flow')).join(' and ');
    return { ok: false, unknown: false, expected: `${form} (${base} is per ${tags.join(' and ')}: name it with ${which})` };
  }
  if (tags.length === 0) {
    return { ok: false, unknown: false, expected: `${base} without a selector`, hint: OUTBOUND_METRICS.includes(base) ? "there is one UAS: outbound metrics cover all of its calls" : `${base} covers the whole run` };
  }
  const selector: CriterionSelector = {};
  for (const pair of body.split(',')) {
    const kv = /^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$/.exec(pair);
    if (kv === null) return { ok: false, unknown: false, expected: form, hint: `a selector is {${tags.map((t) => `${t}:<name>`).join(',')}}` };
    const [, tag, value] = kv;
    if (!(tags as readonly string[]).includes(tag)) return { ok: false, unknown: false, expected: form, hint: `${base} takes ${tags.join(' and ')}, not ${tag}` };
    if (selector[tag as Tag] !== undefined) return { ok: false, unknown: false, expected: form, hint: `${tag} is given twice` };
    if (!SELECTOR_VALUE.test(value)) return { ok: false, unknown: false, expected: form, hint: `${tag}: a name of lower-case letters, digits, ".", "_" and "-"` };
    selector[tag as Tag] = value;
  }
  const missing = tags.filter((t) => selector[t] === undefined);
  if (missing.length > 0) return { ok: false, unknown: false, expected: form, hint: `${missing.join(' and ')} missing` };
  return { ok: true, name: `${base}{${tags.map((t) => `${t}:${selector[t]}`).join(',')}}`, metric: base, selector };
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

function parseThreshold(
  metric: CriterionMetric,
  text: string,
): { ok: true; value: number } | { ok: false; expected: string; hint?: string } {
  if (NUMBER.test(text)) return { ok: true, value: Number(text) };
  const unit = METRICS[metric].unit;
  if (unit === 'percent' && /%$/.test(text) && NUMBER.test(text.slice(0, -1).trim())) return { ok: true, value: Number(text.slice(0, -1).trim()) };
  if (unit === 'percent' || unit === 'bytes_per_sec') {
    return { ok: false, expected: unit === 'percent' ? 'a percentage such as 80 or 80% after the operator' : 'a number of bytes per second after the operator' };
  }
  // Units from the catalogue, not the metric's kind: a trend of MOS scores or loss ratios takes no duration.
  if (unit === 'ms' && /^[\d.]+[a-z]+$/.test(text)) {
    const d = tryParseDurationMs(text);
    if (d.ok) return { ok: true, value: d.ms };
  }
  if ((RATIO.has(metric) || unit === 'ratio') && /%$/.test(text) && NUMBER.test(text.slice(0, -1).trim())) {
    return { ok: true, value: percentToRatio(Number(text.slice(0, -1).trim())) };
  }
  if (text.startsWith('-')) return { ok: false, expected: 'a threshold >= 0' };
  const what =
    unit === 'ms' ? 'a number of milliseconds (or a duration such as 1.5s)'
    : RATIO.has(metric) || unit === 'ratio' ? 'a ratio such as 0.999 or 99.9%'
    : unit === 'mos' ? 'a MOS score such as 4.0'
    : 'a number';
  return { ok: false, expected: `${what} after the operator` };
}

/** An expression the metric accepts, for messages: "p(95)<800", ">=0.999", "==0", ">=1000". */
export function exampleOf(metric: CriterionMetric): string {
  if (METRICS[metric].unit === 'percent') return '"max<80"';
  if (METRICS[metric].unit === 'bytes_per_sec') return '"max<100000000"';
  if (HISTOGRAM.has(metric) && METRICS[metric].unit === 'ratio') return '"p(95)<0.01"';
  if (HISTOGRAM.has(metric) && METRICS[metric].unit === 'mos') return '"p(5)>=4.0"';
  return HISTOGRAM.has(metric) ? '"p(95)<800"' : RATIO.has(metric) ? '">=0.999"' : COUNT_EXAMPLE.has(metric) ? '"==0"' : '">=1000"';
}

/** Never throws. `key` is the criteria key (metric and selector); `expected` completes "expected ..., got <expr>". */
export function tryParseCriterion(key: string, expr: string): CriterionParseResult {
  const n = tryParseMetricName(key);
  if (!n.ok) return { ok: false, expected: n.expected, hint: n.hint };
  const { metric, name, selector } = n;
  const histogram = HISTOGRAM.has(metric);
  const example = exampleOf(metric);
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
        hint: `p(N), max and avg apply only to ${HISTOGRAM_METRICS.join(', ')}; ${metric} is a single value`,
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
  return {
    ok: true,
    criterion: { source: expr.trim(), name, metric, selector, aggregate, op, threshold: t.value, abortOnFail: false, delayAbortEvalMs: 0 },
  };
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
  const n = tryParseMetricName(metric);
  if (!n.ok && n.unknown) {
    throw errors.scenarioInvalid(`${path}: unknown metric ${JSON.stringify(metric)}; known metrics: ${METRIC_FORMS.join(', ')}`, { path });
  }
  if (!n.ok) throw errors.scenarioInvalid(`${path}: ${expectedGot(n.expected, metric, n.hint)}`, { path, value: metric });
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

/** For reports and logs: "setup_ms p(95) < 800 ms", "ser >= 0.999", "flow_ms{flow:a} max < 900 ms". */
export function describeCriterion(c: Criterion): string {
  // The catalogue's unit: a trend of ratios or MOS scores (rtp_loss_ratio, mos_cqe) has none to print.
  const u = METRICS[c.metric].unit;
  const unit = u === 'percent' ? ' %' : u === 'bytes_per_sec' ? ' B/s' : u === 'ms' ? ' ms' : '';
  return `${c.name}${aggregateLabel(c.aggregate)} ${c.op} ${c.threshold}${unit}`;
}

/** A problem found by criteriaTargetProblems: `path` as in scenario/load.ts, `message` "expected ..., got ...". */
export interface CriterionTargetProblem {
  path: ['criteria', string];
  message: string;
}

const namesOf = (xs: ReadonlyArray<{ name: string }>) => xs.map((x) => x.name);
const listOr = (names: readonly string[], none: string) => (names.length === 0 ? none : names.join(', '));

/** Media criteria a capacity-search step can judge: on the live streams' seconds within its hold (verdict/search-steps.ts). */
const STEP_MEDIA_METRICS: ReadonlySet<string> = new Set(['mos_cqe', 'rtp_loss_ratio', 'rtp_jitter_ms', 'rtp_one_way_audio', 'rtp_crossed_media']);

/**
 * Cross-field rules of criteria on HTTP and outbound metrics, all problems at once:
 * a selector names an existing http.load / http.flows entry (and a step of that
 * flow), outbound metrics need `uas`, and a capacity search (judged per step on its
 * SIP calls and HTTP loads) takes no flow or outbound criteria.
 */
export function criteriaTargetProblems(s: Scenario): CriterionTargetProblem[] {
  const out: CriterionTargetProblem[] = [];
  const loads = namesOf(s.http?.load ?? []);
  const flows = s.http?.flows ?? [];
  const search = s.load.model === 'closed' && s.load.search !== undefined;
  const push = (c: Criterion, expected: string, got: unknown) => {
    out.push({ path: ['criteria', c.name], message: expectedGot(expected, got) });
  };
  for (const c of s.criteria) {
    const sel = c.selector;
    const outbound = (OUTBOUND_METRICS as readonly string[]).includes(c.metric);
    const media = METRICS[c.metric].family === 'media';
    const recording = METRICS[c.metric].family === 'recording';
    const platform = METRICS[c.metric].family === 'platform';
    if (search && platform) {
      push(c, 'no platform criteria with model: search (a step is judged on its own hold window; the platform series covers the whole run)', c.name);
      continue;
    }
    if (platform) {
      const names = [...(s.platform?.targets ?? []), ...(s.platform?.csv ?? [])].map((t) => t.name);
      if (s.platform === null) push(c, `a platform section (${c.metric} is measured by scraping the platform's servers: platform.targets)`, undefined);
      else if (sel?.instance !== undefined && !names.includes(sel.instance)) push(c, `a platform server among platform.targets[].name and platform.csv[].name (${names.join(', ')})`, sel.instance);
      continue;
    }
    if (search && (sel?.flow !== undefined || outbound || (media && !STEP_MEDIA_METRICS.has(c.metric)))) {
      push(
        c,
        `no flow, outbound or per-call-only media criteria with model: search (each step is judged on its SIP calls, HTTP loads and live media: ${[...STEP_MEDIA_METRICS].join(', ')})`,
        c.name,
      );
      continue;
    }
    if (search && recording) {
      push(c, 'no recording criteria with model: search (the probe checks the whole run once, after it)', c.name);
      continue;
    }
    if (c.metric === 'outbound_rule_violations' && s.outboundRules === null) {
      push(c, 'an outboundRules section (outbound_rule_violations is measured by the outbound-rule probe after the run)', undefined);
    }
    if (recording && s.recordings === null) push(c, `a recordings section (${c.metric} is measured by the recording probe after the run)`, undefined);
    if (media && s.media.codec === null) push(c, `call.media pcmu or pcma (${c.metric} is measured on the calls' RTP; --media pcmu)`, 'none');
    if (outbound && s.uas === null) push(c, `a uas section (${c.metric} is measured by callcert's UAS, which answers the platform's outbound calls)`, undefined);
    if (sel?.load !== undefined && !loads.includes(sel.load)) {
      push(c, `an HTTP load among http.load[].name (${listOr(loads, 'none: the scenario has no http.load')})`, sel.load);
    }
    if (sel?.flow !== undefined) {
      const flow = flows.find((f) => f.name === sel.flow);
      if (flow === undefined) push(c, `a flow among http.flows[].name (${listOr(namesOf(flows), 'none: the scenario has no http.flows')})`, sel.flow);
      else if (sel.step !== undefined && !flow.steps.some((st) => st.name === sel.step)) {
        push(c, `a step of flow ${flow.name} among ${namesOf(flow.steps).join(', ')}`, sel.step);
      }
    }
  }
  return out;
}
