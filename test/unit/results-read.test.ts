/** parseResults: the one set of checks behind `report`/`compare` (readResults) and `verify` (the attached copy). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseResults } from '../../src/results/read.js';
import { errors } from '../../src/errors.js';

const real = readFileSync(new URL('../fixtures/junit/smoke-results.json', import.meta.url));
const problem = (doc: unknown) => {
  try {
    parseResults(Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), 'attached results.json');
  } catch (e) {
    expect((e as { code: string }).code).toBe(errors.resultsInvalid.code);
    return (e as Error).message;
  }
  throw new Error('expected parseResults to throw');
};

describe('parseResults', () => {
  it('accepts a real results.json', () => {
    expect(parseResults(real, 'x').tool.name).toBe('callcert');
  });

  it('names the document and what was expected', () => {
    expect(problem('{not json')).toMatch(/^attached results\.json: not valid JSON \(/);
    expect(problem({ a: 1 })).toBe('attached results.json: not a callcert results document (expected tool.name "callcert" and a schemaVersion)');
    const doc = JSON.parse(real.toString('utf8'));
    expect(problem({ ...doc, schemaVersion: 99 })).toMatch(/^attached results\.json: schemaVersion 99 is newer than this callcert reads/);
    delete doc.timeline;
    expect(problem(doc)).toBe('attached results.json: missing summary, criteria or timeline (expected a complete results.json)');
  });
});
