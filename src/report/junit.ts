/**
 * JUnit XML for CI: a run's pass criteria (one testcase each, plus "run
 * validity") or a comparison (one testcase per compared metric). Shaped to the
 * Ant (JUnit.xsd) and Jenkins (junit-4.xsd) schemas, both checked in tests; Ant's has no `skipped`: testsuites > testsuite with
 * id, package, hostname and a timestamp without zone, properties, testcases,
 * system-out, system-err. Times are in seconds.
 */
import os from 'node:os';
import type { Results } from '../results/summary.js';
import type { Comparison } from '../compare/types.js';
import { evidenceProblem } from '../compare/compare.js';
import { formatDelta, formatNumber, formatTolerance, formatValue } from '../compare/format.js';

export interface JunitOptions {
  /** testsuite name; default from the scenario. */
  suiteName?: string;
  /** Where the tests ran; default os.hostname() (the schema requires one). */
  hostname?: string;
}

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; body: string };
}

interface Suite {
  name: string;
  pkg: string;
  timestamp: string;
  hostname: string;
  timeS: number;
  properties: Array<[string, string]>;
  cases: Case[];
  out: string;
}

/** One testcase per pass criterion (`metric criterion`) plus "run validity". */
export function junitFromResults(results: Results, opts: JunitOptions = {}): string {
  const classname = `callcert.${results.scenario.name}`;
  const cases: Case[] = results.criteria.map((c) => {
    const name = `${c.metric} ${c.criterion}`;
    if (c.pass) return { name, classname };
    const actual = c.actual === null ? 'no value measured' : `actual ${formatNumber(c.actual)}`;
    return { name, classname, failure: { type: 'criterion', message: `${name} failed: ${actual}`, body: `${name}\nactual: ${c.actual ?? 'null'}` } };
  });
  const validity: Case = { name: 'run validity', classname };
  const problem = evidenceProblem(results);
  if (problem !== null) {
    validity.failure = { type: 'invalid-run', message: problem, body: results.invalidReasons.join('\n') };
  }
  cases.push(validity);
  if (results.verdict === 'not_judged') {
    // No criteria: the job is judged as its exit code is, on whether every attempted call ended normally (SIPp's rule).
    const calls = results.summary.calls;
    const bad = calls.notEndedNormally;
    const c: Case = { name: 'calls ended normally', classname };
    if (bad > 0) {
      const line = `${bad} of ${calls.attempted} attempted calls did not end normally (${calls.failed} failed, ${calls.aborted} aborted${calls.noResponse === null ? '' : `, ${calls.noResponse} with no response at all`})`;
      c.failure = { type: 'calls', message: line, body: line };
    }
    cases.push(c);
  }
  return render({
    name: opts.suiteName ?? `callcert ${results.scenario.name}`,
    pkg: classname,
    timestamp: results.startedAt,
    hostname: opts.hostname ?? os.hostname(),
    timeS: results.durationMs / 1000,
    properties: [
      ['scenario', results.scenario.name],
      ['scenario.sha256', results.scenario.sha256],
      ['target', results.target.uri],
      ['verdict', results.verdict],
      ['callcert.version', results.tool.version],
    ],
    cases,
    out: `verdict: ${results.verdict}`,
  });
}

/**
 * One testcase per compared metric (regressed and missing ones fail), plus
 * "current run validity", failing when the current run is not valid evidence.
 */
export function junitFromComparison(c: Comparison, opts: JunitOptions = {}): string {
  const classname = `callcert.compare.${c.current.scenario}`;
  const cases: Case[] = c.metrics.map((m) => {
    const name = m.metric;
    const line = `${m.metric}: baseline ${formatValue(m.baseline, m.unit)}, current ${formatValue(m.current, m.unit)}, delta ${formatDelta(m)}, tolerance ${formatTolerance(m)}`;
    if (m.status === 'regressed') return { name, classname, failure: { type: 'regression', message: `regressed: ${line}`, body: line } };
    if (m.status === 'missing') return { name, classname, failure: { type: 'missing', message: `missing in current results: ${line}`, body: line } };
    return { name, classname };
  });
  const validity: Case = { name: 'current run validity', classname };
  if (c.currentProblem !== null) {
    validity.failure = { type: 'invalid-run', message: `cannot certify no regression: ${c.currentProblem}`, body: c.currentProblem };
  }
  cases.push(validity);
  return render({
    name: opts.suiteName ?? `callcert compare ${c.current.scenario}`,
    pkg: classname,
    timestamp: c.current.startedAt,
    hostname: opts.hostname ?? os.hostname(),
    timeS: c.current.durationMs / 1000,
    properties: [
      ['baseline.startedAt', c.baseline.startedAt],
      ['baseline.scenario.sha256', c.baseline.scenarioSha256],
      ['current.scenario.sha256', c.current.scenarioSha256],
      ['tolerance', c.tolerance.source],
      ['verdict', c.verdict],
    ],
    cases,
    out: [`verdict: ${c.verdict} (${c.regressions} regressed)`, ...c.warnings.map((w) => `warning: ${w}`)].join('\n'),
  });
}

function render(s: Suite): string {
  const failures = s.cases.filter((c) => c.failure).length;
  const time = formatSeconds(s.timeS);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The Ant schema declares no attributes on <testsuites>; totals live on <testsuite>.
    '<testsuites>',
    `  <testsuite ${attrs({ name: s.name, package: s.pkg, id: 0, timestamp: junitTimestamp(s.timestamp), hostname: s.hostname || 'localhost', tests: s.cases.length, failures, errors: 0, time })}>`,
    '    <properties>',
    ...s.properties.map(([k, v]) => `      <property ${attrs({ name: k, value: v })}/>`),
    '    </properties>',
  ];
  for (const c of s.cases) {
    const open = `    <testcase ${attrs({ name: c.name, classname: c.classname, time: '0' })}`;
    if (!c.failure) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    lines.push(`      <failure ${attrs({ message: c.failure.message, type: c.failure.type })}>${escapeXml(c.failure.body)}</failure>`);
    lines.push('    </testcase>');
  }
  lines.push(`    <system-out>${escapeXml(s.out)}</system-out>`, '    <system-err></system-err>', '  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

/** Characters XML 1.0 forbids (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) are dropped. */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(s: string): string {
  return s.replace(INVALID_XML, '').replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function attrs(o: Record<string, string | number>): string {
  return Object.entries(o).map(([k, v]) => `${k}="${escapeXml(String(v))}"`).join(' ');
}

/** The Ant schema wants xs:dateTime without a zone; results.json times are UTC. */
function junitTimestamp(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? m[1] : '1970-01-01T00:00:00';
}

function formatSeconds(s: number): string {
  return Number.isFinite(s) && s >= 0 ? (Math.round(s * 1000) / 1000).toFixed(3) : '0.000';
}
