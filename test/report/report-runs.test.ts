/**
 * Reports of real runs that are not clean passes: one interrupted by SIGINT
 * (run --report must still write a report, saying the run is invalid), and one
 * whose embedded call centre refuses calls beyond its capacity (503s: FAIL,
 * the failures counted by code in the analysis), and a short capacity search
 * (its certified figure and capacity curve, in the PDF and the HTML page).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, runCli, requireBuiltCli } from '../helpers/cli.js';
import { drawPageCharts, pageCharts, pageResults } from './html-page.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-report-runs-'));
const text = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
/** Reading-order text with every run of whitespace as one space: sentences wrapped across lines read whole. */
const flat = (file: string, from?: number, to?: number) => execFileSync('pdftotext', [...(from ? ['-f', String(from), '-l', String(to)] : []), file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');

beforeAll(() => requireBuiltCli());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --report interrupted by SIGINT', () => {
  const out = path.join(dir, 'interrupted');
  let code: number | null = null;
  beforeAll(async () => {
    const p = startCli(['run', '--media', 'none', '--concurrency', '20', '--hold', '10s', '--ramp', '1s', '--duration', '30s', '--workers', '1', '--out', out, '--quiet', '--report'], { timeoutSec: 60 });
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
    expect(t).toMatch(/无效：测试中断或负载发生器饱和/);
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
    // Against the simulator: a self-check whose criteria were not met, never a licence verdict.
    expect(t).toMatch(/测试结论 \/ Verdict: 自检完成（不适用于许可）：判定准则未满足 \/ SELF-CHECK/);
    expect(t).toMatch(new RegExp(`503×${n503}`));
    expect(t).toMatch(new RegExp(`Failed\\s+${results.summary.calls.failed}\\b`));
    expect(t).toContain('按原因分类的失败');
  });
});

describe('run --report of a capacity search', () => {
  const out = path.join(dir, 'search');
  interface Step { level: number; pass: boolean; sustained: number; ser: number; setupMs: { p95: number } }
  let results: {
    verdict: string;
    search: {
      certifiedCapacity: number;
      failedStep: number | null;
      failingCriterion: { criterion: string; metric: string; actual: number } | null;
      steps: Step[];
    };
  };
  let resultsText = '';
  beforeAll(async () => {
    const r = await runCli(['run', 'scenarios/capacity-search.yaml', '--set', 'load.start=10', '--set', 'load.step=10', '--set', 'load.ceiling=40',
      '--set', 'load.stepDuration=4s', '--set', 'load.ramp=1s', '--set', 'load.require=20', '--set', 'embedded.capacity=25', '--set', 'call.hold=2s',
      '--workers', '1', '--quiet', '--out', out, '--report', '--report-format', 'pdf,html'], { timeoutSec: 90 });
    expect(r.code, r.stderr).toBe(0);
    resultsText = readFileSync(path.join(out, 'results.json'), 'utf8');
    results = JSON.parse(resultsText);
  }, 120_000);

  it('tabulates the steps, takes the certified step as channel evidence, and verifies', async () => {
    const t = text(path.join(out, 'report.pdf'));
    const cap = results.search.certifiedCapacity;
    expect(cap).toBeGreaterThanOrEqual(20);
    expect(flat(path.join(out, 'report.pdf'))).toContain(`Verified capacity: ${cap} channels`);
    // Not vacuous: levels 10, 20 pass and 30 fails against capacity 25; the search stops there.
    expect(results.search.steps.map((st: { level: number }) => st.level)).toEqual([10, 20, 30]);
    for (const st of results.search.steps) {
      // Against the simulator a passing step reads 达到阈值（自检）, never PASS.
      expect(t).toMatch(new RegExp(`\\n\\s*${st.level}\\s+${st.pass ? '达到阈值（自检）' : '不通过 / FAIL'}[^\\n]*?\\s${st.sustained} /`));
    }
    // The licence row keeps the certified step as its detail (one cell in HTML; the PDF wraps it), not applicable against the simulator.
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain(`evidence of no platform (capacity search verified level ${cap}: sustained`);
    const v = await runCli(['verify', path.join(out, 'report.pdf')], { timeoutSec: 30 });
    expect(v.code, v.stderr).toBe(0);
  });

  it('states the certified capacity and the failing step on the summary page and in the conclusion, numbers as recorded', () => {
    const s = results.search;
    // The embedded call centre holds 25 channels: level 30 is refused calls (503) and fails SER.
    expect(s.certifiedCapacity).toBe(20);
    expect(s.failedStep).toBe(30);
    expect(s.failingCriterion?.metric).toBe('ser');
    const fc = s.failingCriterion!;
    const pdf = path.join(out, 'report.pdf');
    const zh = `验证容量：${s.certifiedCapacity} 路；台阶 ${s.failedStep} 未满足 ${fc.metric} ${fc.criterion}（实测 ${fc.actual}）`;
    const en = `Verified capacity: ${s.certifiedCapacity} channels; step ${s.failedStep} failed ${fc.metric} ${fc.criterion} (actual ${fc.actual})`;
    const summaryPage = flat(pdf, 4, 4);
    expect(summaryPage).toContain('报告摘要');
    expect(summaryPage).toContain(zh);
    expect(summaryPage).toContain(en);
    const all = flat(pdf);
    expect(all.split(zh).length - 1).toBe(3); // summary, capacity-search section, conclusion
    expect(all).toContain('容量曲线：各台阶呼叫建立时延 p95 与 SER');
    expect(all).toContain('Capacity curve: setup p95 and SER per step');
  });

  it('writes a self-contained HTML page whose capacity curve carries the steps as recorded', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    // Offline: nothing is loaded from the network.
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    // chart.js's UMD bundle inlined as shipped.
    const umd = readFileSync(path.join('node_modules', 'chart.js', 'dist', 'chart.umd.min.js'), 'utf8');
    expect(html).toContain(umd.slice(0, 2000));
    expect(html.length).toBeGreaterThan(umd.length);
    for (const title of ['报告摘要', '测试结果', '容量搜索', '许可技术要求对照', '结论', '附录B 原始数据与校验值', '容量曲线']) expect(html, title).toContain(title);
    expect(html).toContain(`Verified capacity: ${results.search.certifiedCapacity} channels; step ${results.search.failedStep} failed`);
    const charts = pageCharts(html);
    const curve = charts.find((c) => c.canvas.startsWith('chart-capacity'))!;
    expect(curve).toBeDefined();
    const [setup, ser] = curve.config.data.datasets;
    expect(setup.data).toEqual(results.search.steps.map((st) => ({ x: st.level, y: st.setupMs.p95 })));
    expect(ser.data).toEqual(results.search.steps.map((st) => ({ x: st.level, y: st.ser })));
    expect(ser.yAxisID).toBe('y2');
    expect(setup.pointStyle).toEqual(results.search.steps.map((st) => (st.pass ? 'circle' : 'crossRot')));
    // The raw results.json, embedded, hashes to the printed SHA-256 (and to the file's).
    const raw = pageResults(html);
    expect(raw.text).toBe(resultsText);
    expect(html).toContain(`<code id="results-sha256">${raw.sha256}</code>`);
    // The page's chart.js draws every embedded config; the timeline charts hold every second of the run.
    // (What chart.js computed, not the page's canvas names again: those come from the same list.)
    const drawn = drawPageCharts(html);
    const timeline = (JSON.parse(resultsText) as { timeline: unknown[] }).timeline.length;
    expect(drawn.find((d) => d.canvas.startsWith('chart-setup'))!.lengths).toEqual([timeline, timeline, timeline]);
    expect(drawn.find((d) => d.canvas.startsWith('chart-capacity'))!.lengths.slice(0, 2)).toEqual([results.search.steps.length, results.search.steps.length]);
  });
});
