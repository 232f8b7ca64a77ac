/**
 * A results.json's verdicts must follow from its own numbers: each criterion
 * re-evaluated from its expression and recorded value, validity from the
 * interruption flag and reasons, the overall verdict from both. `report`
 * refuses a document that fails this (it would print a verdict the data do
 * not support) and `verify` checks the attached copy the same way.
 */
import { verdictOf, type Results } from '../results/summary.js';
import { tryParseCriterion, evaluateCriterion } from '../scenario/criteria.js';
import { METRICS } from '../metrics/catalog.js';
import { platformMetricValue } from '../verdict/thresholds.js';

type Op = '<' | '<=' | '>' | '>=' | '==';
const OPS: Record<Op, (a: number, b: number) => boolean> = { '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b, '==': (a, b) => a === b };

/** Pass or fail of one recorded criterion, or null when its expression cannot be re-read. */
function evaluate(metric: string, expr: string, actual: number | null): boolean | null {
  const parsed = tryParseCriterion(metric, expr);
  if (parsed.ok) return actual !== null && evaluateCriterion(parsed.criterion, actual);
  // Criteria that are not scenario metrics (a search's `certified_capacity >=N`): a plain comparison.
  const m = /^(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)$/.exec(expr.trim());
  if (m === null) return null;
  return actual !== null && OPS[m[1] as Op](actual, Number(m[2]));
}

/** The criterion verdicts and the overall verdict, recomputed from a results.json's own numbers. */
export function recheckVerdicts(r: Results): { problems: string[]; verdict: string } {
  const problems: string[] = [];
  const abortedBy = r.abortedBy;
  for (const [i, c] of r.criteria.entries()) {
    let pass = evaluate(c.metric, c.criterion, c.actual);
    if (pass === null) {
      problems.push(`criteria[${i}] "${c.metric} ${c.criterion}" cannot be re-evaluated`);
      continue;
    }
    // The criterion that stopped the run (abortOnFail) failed, whatever the drain phase did to its value.
    if (abortedBy !== null && abortedBy.criterion === c.criterion && abortedBy.metric === c.metric) pass = false;
    // A platform criterion's actual must be what results.json's own samples of that server give.
    const parsed = tryParseCriterion(c.metric, c.criterion);
    if (parsed.ok && METRICS[parsed.criterion.metric].family === 'platform' && c.step === null) {
      const inst = parsed.criterion.selector?.instance;
      const servers = r.platform?.instances ?? {};
      const server = inst !== undefined && Object.hasOwn(servers, inst) ? servers[inst] : null;
      const expected = platformMetricValue(parsed.criterion, server);
      if (expected !== c.actual) problems.push(`criteria[${i}] ${c.metric} ${c.criterion}: results.json platform samples give ${expected}, the criterion says ${c.actual}`);
    }
    if (pass !== c.pass) problems.push(`criteria[${i}] ${c.metric} ${c.criterion}: measured ${c.actual} gives ${pass ? 'pass' : 'fail'}, results.json says ${c.pass ? 'pass' : 'fail'}`);
  }
  const valid = r.invalidReasons.length === 0 && !r.interrupted;
  if (valid !== r.valid) problems.push(`valid is ${r.valid} but interrupted=${r.interrupted} and ${r.invalidReasons.length} invalid reason(s)`);
  const expected = verdictOf(r.state, valid, r.criteria, abortedBy);
  if (expected !== r.verdict) problems.push(`verdict "${r.verdict}" does not follow from the data (expected "${expected}")`);
  return { problems, verdict: expected };
}
