/**
 * k6's object form of a criterion ({ threshold, abortOnFail, delayAbortEval }):
 * parsing, normalisation into the frozen Scenario, and one-line errors that
 * name the file, the path down to the field, and what was expected.
 */
import { describe, expect, it } from 'vitest';
import { tryParseCriterionEntry } from '../../src/scenario/criteria.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import { isCallcertError } from '../../src/errors.js';

type Raw = Record<string, unknown> & { criteria?: unknown };

function base(): Raw {
  return { name: 'x', load: { model: 'closed', stages: [{ duration: '10s', target: 10 }, { duration: '10s', target: 10 }] } };
}

function messageOf(raw: Raw): string {
  try {
    scenarioFromObject(raw, 'x.yaml');
  } catch (e) {
    if (isCallcertError(e)) return e.message;
    throw e;
  }
  throw new Error('expected an error');
}

describe('tryParseCriterionEntry', () => {
  it('takes a plain expression with the options off', () => {
    const r = tryParseCriterionEntry('ser', '>=0.99');
    expect(r).toMatchObject({ ok: true, criterion: { metric: 'ser', op: '>=', threshold: 0.99, abortOnFail: false, delayAbortEvalMs: 0 } });
  });

  it('takes the object form with abortOnFail and delayAbortEval', () => {
    const r = tryParseCriterionEntry('setup_ms', { threshold: 'p(95)<800', abortOnFail: true, delayAbortEval: '1m30s' });
    expect(r).toEqual({
      ok: true,
      criterion: { source: 'p(95)<800', name: 'setup_ms', metric: 'setup_ms', selector: null, aggregate: { kind: 'percentile', p: 95 }, op: '<', threshold: 800, abortOnFail: true, delayAbortEvalMs: 90_000 },
    });
  });

  it('names the failing field', () => {
    expect(tryParseCriterionEntry('ser', { threshold: '>=99' })).toMatchObject({ ok: false, field: 'threshold', input: '>=99' });
    expect(tryParseCriterionEntry('ser', { threshold: '>=0.9', delayAbortEval: 'soon' })).toMatchObject({ ok: false, field: 'delayAbortEval', input: 'soon' });
    expect(tryParseCriterionEntry('ser', 'p(95)<1')).toMatchObject({ ok: false, field: null });
  });
});

describe('criteria entries in a scenario', () => {
  it('normalises mixed lists, a lone mapping and a lone string', () => {
    const raw = base();
    raw.criteria = {
      ser: [{ threshold: '>=0.99', abortOnFail: true, delayAbortEval: '10s' }, '>=0.9'],
      setup_ms: { threshold: 'p(99)<1s', abortOnFail: true },
      failed_calls: '<100',
    };
    const s = scenarioFromObject(raw, 'x.yaml');
    // In metric order (the schema's), each metric's entries in the order written.
    expect(s.criteria.map((c) => [c.metric, c.source, c.threshold, c.abortOnFail, c.delayAbortEvalMs])).toEqual([
      ['setup_ms', 'p(99)<1s', 1000, true, 0],
      ['ser', '>=0.99', 0.99, true, 10_000],
      ['ser', '>=0.9', 0.9, false, 0],
      ['failed_calls', '<100', 100, false, 0],
    ]);
  });

  it.each<[string, unknown, string]>([
    ['bad threshold in a list', { ser: [{ threshold: '>=99', abortOnFail: true }] }, 'x.yaml: criteria.ser[0].threshold: expected a ratio between 0 and 1, got ">=99" (write >=0.99 or >=99%)'],
    ['bare-number delay', { ser: [{ threshold: '>=0.99', delayAbortEval: 10 }] }, 'x.yaml: criteria.ser[0].delayAbortEval: expected a duration with a unit, got 10 (write 10s or 10000ms)'],
    ['misspelt option', { ser: [{ threshold: '>=0.99', abortOnfail: true }] }, 'x.yaml: criteria.ser[0]: unknown field "abortOnfail"; did you mean "abortOnFail"?'],
    ['no threshold', { ser: [{ abortOnFail: true }] }, 'x.yaml: criteria.ser[0].threshold: expected an expression such as ">=0.999", got nothing'],
    ['abortOnFail not a boolean', { ser: { threshold: '>=0.99', abortOnFail: 'yes' } }, 'x.yaml: criteria.ser.abortOnFail: expected true or false, got "yes"'],
    ['bad threshold in a lone mapping', { setup_ms: { threshold: 'p95<800' } }, 'x.yaml: criteria.setup_ms.threshold: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "p95<800"'],
  ])('%s', (_name, criteria, message) => {
    const raw = base();
    raw.criteria = criteria;
    expect(messageOf(raw)).toBe(message);
  });
});
