/** Markdown for a CI job summary: the structure a reader (and GitHub's renderer) relies on. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/summary.js';
import { parseResults } from '../../src/results/read.js';
import { markdownFromComparison, markdownFromResults } from '../../src/report/markdown.js';
import { compareResults } from '../../src/compare/compare.js';
import { parseTolerance } from '../../src/compare/tolerance.js';

/** The fixture is a schema-1 document: read as every reader does (migrated, validated). */
const load = (): Results => parseResults(readFileSync(new URL('../fixtures/junit/smoke-results.json', import.meta.url)), 'smoke-results.json');
const tenPct = parseTolerance('10%', '--tolerance');

/** Rows of the first table after the line starting with `heading`, as arrays of trimmed cells (header and separator dropped). */
function table(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  let seen = false;
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('|')) {
      seen = true;
      rows.push(l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
    } else if (seen) break;
  }
  return rows.slice(2);
}

describe('markdownFromResults', () => {
  it('an outbound-rule probe gets its table: each limit with its source, the measured figure and where it broke', () => {
    const r = load();
    const call = (callId: string, local: string) => ({ callId, atMs: 0, at: '2026-12-03T02:00:00.000Z', local });
    r.summary.outboundRules = {
      tz: 'Asia/Shanghai', violations: 1, perCalleeWindowMs: null, invites: 3, requests: 4, uncorrelatedInvites: 0,
      lines: [{
        line: '95001', calls: 3, viaPai: 0, minIntervalMs: 120.5, closest: [call('a@h', '2026-12-03 10:00:00.000'), call('b@h', '2026-12-03 10:00:00.120')],
        perDay: { '2026-12-03': 3 }, maxPerDay: 3, outsideWindow: 0,
        requests: { sent: 4, answers: { '201': 3, '429': 1 }, accepted: 3, acceptedWithoutInvite: 0, minIntervalMs: 100 },
      }],
      callees: { distinct: 3, top: [] },
      rules: [{
        rule: 'minInterval', limit: 300, unit: 'ms', source: 'contract | §3', state: 'fail', measured: 120.5, violations: 1, asked: 2, refused: 1, accepted: 1,
        violation: { line: '95001', callee: null, day: null, count: null, calls: [call('a@h', '2026-12-03 10:00:00.000'), call('b@h', '2026-12-03 10:00:00.120')] },
      }],
    };
    const md = markdownFromResults(r);
    expect(md).toContain("3 INVITEs at callcert's UAS on 1 line(s) (95001 3); 4 originate requests.");
    expect(table(md, '### Outbound-calling rules')).toEqual([
      ['minInterval', '300 ms', 'contract \\| §3', '120.5', '1', '❌ fail', 'line 95001: a@h @ 2026-12-03 10:00:00.000 / b@h @ 2026-12-03 10:00:00.120'],
    ]);
    expect(markdownFromResults(load())).not.toContain('Outbound-calling rules');
  });

  it('verdict heading, key figures, criteria and validity of a passed run', () => {
    const md = markdownFromResults(load());
    expect(md.split('\n')[0]).toBe('## callcert: smoke — ✅ PASSED');
    const figures = Object.fromEntries(table(md, '### Key figures'));
    expect(figures).toMatchObject({
      'calls attempted / answered / failed': '318 / 318 / 0',
      'concurrency peak / sustained': '50 / 50',
      'setup p50 / p95 / p99': '0.567 / 1.498 / 3.179 ms',
      'SER / SEER / ASR': '1 / 1 / 1',
    });
    expect(table(md, '### Pass criteria')).toEqual([
      ['setup_ms', '`p(95)<500`', '1.498', '✅ pass'],
      ['ser', '`>=0.999`', '1', '✅ pass'],
      ['concurrency_sustained', '`>=50`', '50', '✅ pass'],
      ['failed_calls', '`==0`', '0', '✅ pass'],
    ]);
    expect(md).toContain('### Validity\n\n✅ Valid:');
  });

  it('an invalid run says it is not valid evidence and lists the reasons; pipes in text do not break tables', () => {
    const r = load();
    r.valid = false;
    r.verdict = 'invalid';
    r.invalidReasons = ['worker 1 crashed', 'slip | lag'];
    r.criteria[0] = { ...r.criteria[0], pass: false, actual: 700 };
    const md = markdownFromResults(r);
    expect(md.split('\n')[0]).toBe('## callcert: smoke — ⚠️ INVALID');
    expect(table(md, '### Pass criteria')[0]).toEqual(['setup_ms', '`p(95)<500`', '700', '❌ fail']);
    expect(md).toContain('⚠️ **Not valid evidence** — the verdict cannot certify the platform:\n- worker 1 crashed\n- slip \\| lag\n');
  });

  it('lists HTTP loads among the key figures', () => {
    const r = load();
    (r.summary.http as Record<string, unknown>) = { agents: { rps: 49.8, latencyMs: { p95: 12.5 }, errors: { total: 2 } } };
    expect(Object.fromEntries(table(markdownFromResults(r), '### Key figures'))['HTTP agents: rps / p95 / errors']).toBe('49.8 / 12.5 ms / 2');
  });

  it('a server-resources table per platform server, failures by cause; none without a platform section', () => {
    const r = load();
    expect(markdownFromResults(r)).not.toContain('### Server resources');
    const sum = (max: number | null, mean: number | null) => ({ count: max === null ? 0 : 3, max, mean, p95: max });
    const inst = (ok: number, failed: number, causes: Record<string, number>, cpu: number | null, mem: number | null) => ({
      source: 'prometheus' as const, url: 'http://127.0.0.1:9100/metrics', nodeExporter: cpu !== null, cpus: 2, memTotalBytes: 1e9, samples: [],
      scrapes: { ok, failed, skipped: 0, failuresByCause: causes, lastFailure: null, unparsedLines: 0 },
      summary: {
        cpuPct: sum(cpu, cpu), memUsedPct: sum(mem, mem),
        memUsedBytes: sum(null, null), netRxBytesPerSec: sum(null, null), netTxBytesPerSec: sum(null, null),
      },
    });
    r.platform = { intervalMs: 5000, timeoutMs: 2000, rawFile: 'platform.jsonl', instances: { app1: inst(12, 0, {}, 61.5, 40.25), dead: inst(0, 12, { refused: 12 }, null, null) } };
    expect(table(markdownFromResults(r), '### Server resources')).toEqual([
      ['app1', '12 / 0', '61.5 / 61.5', '40.25 / 40.25', '—'],
      ['dead', '0 / 12', '— / —', '— / —', 'refused 12'],
    ]);
  });
});

describe('markdownFromComparison', () => {
  it('regressions first, with ▲/▼ deltas and the tolerance each metric got', () => {
    const cur = load();
    cur.summary.setupMs.p95 = 2.996; // doubled from 1.498
    cur.summary.cps.achieved = 18;
    const md = markdownFromComparison(compareResults(load(), cur, { tolerance: tenPct }));
    expect(md.split('\n')[0]).toBe('## callcert compare: smoke — ❌ 1 metric regressed beyond tolerance');
    const rows = table(md, 'Baseline ');
    expect(rows[0]).toEqual(['setup_ms.p95', '1.498 ms', '2.996 ms', '▲ +1.498 ms (+100.0%)', '10% (±1 ms)', '❌ regressed']);
    expect(rows[1]).toEqual(['cps_achieved', '15.9', '18', '▲ +2.1 (+13.2%)', '10% (±1.59)', '✅ improved']);
    expect(rows.slice(2).every((r) => r[5] === '✅ ok')).toBe(true);
    expect(rows).toHaveLength(15);
  });

  it('identical runs: the heading says no regression', () => {
    expect(markdownFromComparison(compareResults(load(), load(), { tolerance: tenPct })).split('\n')[0])
      .toBe('## callcert compare: smoke — ✅ no regression beyond tolerance');
  });

  it('an invalid current run and differing scenarios are called out above the table', () => {
    const cur = load();
    cur.interrupted = true;
    cur.scenario.sha256 = 'ab'.repeat(32);
    const md = markdownFromComparison(compareResults(load(), cur, { tolerance: tenPct }));
    expect(md.split('\n')[0]).toBe('## callcert compare: smoke — ⚠️ current run is not valid evidence');
    expect(md).toContain('> ⚠️ **Cannot certify no regression:** the run was interrupted.');
    expect(md).toMatch(/> ⚠️ scenarios differ/);
  });
});
