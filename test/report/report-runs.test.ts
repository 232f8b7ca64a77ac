/**
 * Reports of real runs that are not clean passes: one interrupted by SIGINT
 * (run --report must still write a report, saying the run is invalid), and one
 * whose embedded call centre refuses calls beyond its capacity (503s: FAIL,
 * the failures counted by code in the analysis).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, runCli, requireBuiltCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-report-runs-'));
const text = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });

beforeAll(() => requireBuiltCli());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --report interrupted by SIGINT', () => {
  const out = path.join(dir, 'interrupted');
  let code: number | null = null;
  beforeAll(async () => {
    const p = startCli(['run', '--concurrency', '20', '--hold', '10s', '--ramp', '1s', '--duration', '30s', '--workers', '1', '--out', out, '--quiet', '--report'], { timeoutSec: 60 });
    await new Promise((r) => setTimeout(r, 3000));
    if (!p.signal('SIGINT')) throw new Error('could not signal callcert');
    const res = await p.result;
    code = res.code;
  }, 90_000);

  it('exits 3 and still writes a report that says the run is invalid, without PASS', async () => {
    expect(code).toBe(3);
    const pdf = path.join(out, 'report.pdf');
    expect(existsSync(pdf)).toBe(true);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.interrupted).toBe(true);
    const t = text(pdf);
    expect(t).not.toMatch(/PASS/);
    expect(t).toMatch(/无效：运行中断或压力发生器饱和/);
    expect(t).toContain('run was interrupted before the end of its last stage');
    const v = await runCli(['verify', pdf], { timeoutSec: 30 });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/verdict invalid/);
  });
});

describe('report of a run with refused calls', () => {
  const out = path.join(dir, 'refused');
  let results: { verdict: string; summary: { calls: { failed: number }; failuresByCode: Record<string, number> } };
  beforeAll(async () => {
    const scenario = path.join(dir, 'refused.yaml');
    writeFileSync(scenario, `name: refused
embedded: { capacity: 10 }
load:
  model: closed
  stages:
    - { duration: 1s, target: 20 }
    - { duration: 3s, target: 20 }
call:
  hold: 2s
criteria:
  failed_calls: ["==0"]
`);
    const r = await runCli(['run', scenario, '--workers', '1', '--out', out, '--quiet'], { timeoutSec: 60 });
    expect(r.code, r.stderr).toBe(1);
    const g = await runCli(['report', out], { timeoutSec: 60 });
    expect(g.code, g.stderr).toBe(0);
    results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  }, 90_000);

  it('shows FAIL and the failures by code, as recorded', () => {
    expect(results.verdict).toBe('failed');
    const n503 = results.summary.failuresByCode['503'];
    expect(n503).toBeGreaterThan(0);
    const t = text(path.join(out, 'report.pdf'));
    expect(t).not.toMatch(/PASS/);
    expect(t).toMatch(/测试结论 \/ Verdict: 不通过 \/ FAIL/);
    expect(t).toMatch(new RegExp(`503×${n503}`));
    expect(t).toMatch(new RegExp(`Failed\\s+${results.summary.calls.failed}\\b`));
    expect(t).toContain('按原因分类的失败');
  });
});

describe('run --report of a capacity search', () => {
  const out = path.join(dir, 'search');
  let results: { verdict: string; search: { certifiedCapacity: number; steps: Array<{ level: number; pass: boolean; sustained: number }> } };
  beforeAll(async () => {
    const r = await runCli(['run', 'scenarios/capacity-search.yaml', '--set', 'load.start=10', '--set', 'load.step=10', '--set', 'load.ceiling=40',
      '--set', 'load.stepDuration=4s', '--set', 'load.ramp=1s', '--set', 'load.require=20', '--set', 'embedded.capacity=25', '--set', 'call.hold=2s',
      '--workers', '1', '--quiet', '--out', out, '--report'], { timeoutSec: 90 });
    expect(r.code, r.stderr).toBe(0);
    results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  }, 120_000);

  it('tabulates the steps, takes the certified step as channel evidence, and verifies', async () => {
    const t = text(path.join(out, 'report.pdf'));
    const cap = results.search.certifiedCapacity;
    expect(cap).toBeGreaterThanOrEqual(20);
    expect(t).toContain(`Certified capacity: ${cap}`);
    for (const st of results.search.steps) {
      expect(t).toMatch(new RegExp(`\\n\\s*${st.level}\\s+${st.pass ? '通过 / PASS' : '不通过 / FAIL'}\\s+${st.sustained} /`));
    }
    expect(t).toMatch(new RegExp(`capacity search certified level ${cap}`));
    const v = await runCli(['verify', path.join(out, 'report.pdf')], { timeoutSec: 30 });
    expect(v.code, v.stderr).toBe(0);
  });
});
