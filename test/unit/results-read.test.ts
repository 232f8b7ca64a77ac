/**
 * parseResults: the one set of checks behind `report`/`compare` (readResults) and `verify` (the attached copy):
 * validation against results/schema.ts, and the migration of older schema versions (migrate.ts), tested on a
 * real schema-1 document (test/fixtures/junit/smoke-results.json, written by an early callcert run).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseResults } from '../../src/results/read.js';
import { SCHEMA_VERSION } from '../../src/results/schema.js';
import { errors } from '../../src/errors.js';

const real = readFileSync(new URL('../fixtures/junit/smoke-results.json', import.meta.url));
const raw = () => JSON.parse(real.toString('utf8'));
const parse = (doc: unknown) => parseResults(Buffer.from(JSON.stringify(doc)), 'attached results.json');
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

  it('names the document, the first failing field and what was expected, in one line', () => {
    expect(problem('{not json')).toMatch(/^attached results\.json: not valid JSON \(/);
    expect(problem({ a: 1 })).toBe('attached results.json: not a callcert results document (expected tool.name "callcert" and a schemaVersion)');
    expect(problem({ ...raw(), schemaVersion: 99 })).toMatch(/^attached results\.json: schemaVersion 99 is newer than this callcert reads/);
    const doc = raw();
    delete doc.timeline;
    expect(problem(doc)).toBe(`attached results.json: timeline: expected an array, got nothing (migrated from schemaVersion 1); expected a complete results.json of schemaVersion ${SCHEMA_VERSION}`);
    const current = JSON.parse(JSON.stringify(parse(raw())));
    current.summary.calls.attempted = 'many';
    expect(problem(current)).toBe(`attached results.json: summary.calls.attempted: expected a number, got "many"; expected a complete results.json of schemaVersion ${SCHEMA_VERSION}`);
    current.summary.calls.attempted = 1;
    current.timeline[3].t = null;
    expect(problem(current)).toMatch(/^attached results\.json: timeline\[3\]\.t: expected a number, got null; /);
    current.timeline[3].t = 4;
    current.verdict = 'ok';
    expect(problem(current)).toMatch(/^attached results\.json: verdict: expected one of "running", "invalid", "passed", "failed", "not_judged", got "ok"; /);
    expect(problem({ ...raw(), schemaVersion: 0 })).toBe(`attached results.json: schemaVersion 0 was never written by callcert (expected 1 to ${SCHEMA_VERSION})`);
    expect(problem({ ...raw(), schemaVersion: 1.5 })).toMatch(/^attached results\.json: schemaVersion 1\.5 was never written by callcert/);
  });

  it('migrates a schema-1 document: fields added since are derived, or null where they were not recorded', () => {
    const before = raw();
    const r = parseResults(real, 'smoke-results.json');
    expect(r.schemaVersion).toBe(SCHEMA_VERSION);
    // Derived: attempted − completed (completed then included calls the end cut short).
    expect(r.summary.calls.notEndedNormally).toBe(before.summary.calls.attempted - before.summary.calls.completed);
    // Not recorded then: null, never a guessed 0.
    expect(r.summary.calls).toMatchObject({ cutAtEnd: null, noResponse: null, noProvisional: null });
    expect(r.embeddedTarget).toMatchObject({ invalidRequests: null, dropped: null });
    // Features that did not exist yet: their "none" value.
    expect(r.criteria.map((c) => [c.abortOnFail, c.firstFailedAtMs, c.step])).toEqual(before.criteria.map(() => [false, null, null]));
    expect([r.abortedBy, r.search, r.summary.outbound]).toEqual([null, null, null]);
    expect(r.summary.httpFlows).toEqual({});
    // Schema 2 → 3: the host's vCPUs, VM/container and clock state were not recorded.
    expect(r.generator.host).toMatchObject({ vcpus: null, virtualization: null, clock: null });
    // Everything that was there is kept as it was.
    expect(r.summary.setupMs).toEqual(before.summary.setupMs);
    expect(r.timeline).toEqual(before.timeline);
    expect(r.definitions).toEqual(before.definitions);
    expect(r.concurrencySeries).toEqual(before.concurrencySeries);
    // The migrated document is a valid current one.
    expect(parse(r)).toEqual(r);
  });

  it('keeps what a late schema-1 document already recorded, and fills HTTP loads', () => {
    const doc = raw();
    Object.assign(doc.summary.calls, { completed: 310, cutAtEnd: 3, noResponse: 2 });
    doc.summary.http = {
      api: {
        method: 'GET', url: 'http://127.0.0.1/x', requests: 10, sent: 10, completed: 10, dropped: 0, offeredRps: 5, rps: 5,
        latencyMs: before0(), statusCodes: { 200: 10 }, errors: { total: 0, byCause: {} }, timeouts: 0, measurement: 'intended',
      },
    };
    const r = parse(doc);
    expect(r.summary.calls).toMatchObject({ cutAtEnd: 3, noResponse: 2, noProvisional: null, notEndedNormally: 318 - 310 - 3 });
    expect(r.summary.http.api).toMatchObject({ mode: 'fixed-rate', connections: null, pipelining: null, rps: 5 });
  });

  it('a current document is read as written, unknown fields dropped', () => {
    const current = JSON.parse(JSON.stringify(parse(raw())));
    expect(parse({ ...current, addedLater: 1 })).toEqual(current);
  });
});

function before0() {
  return { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, max: null };
}
