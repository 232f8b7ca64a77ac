/**
 * The stability section built from a synthetic long run (synthetic-soak.ts: a real short run's
 * results.json stretched to a hold of SOAK_HOURS at 1,000 channels, callcert's RSS growing and
 * the last hour's setup slower): the PDF and HTML reports are built from it by the built CLI,
 * with the per-hour table, the memory chart over the hold and both drifts flagged, and the charts
 * thinned while the attached results.json stays raw. The build time is printed, not asserted.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../helpers/cli.js';
import { drawPageCharts, pageCharts, pageResults } from './html-page.js';
import { syntheticSoak } from './synthetic-soak.js';

/** 24 h: the stability run; its report builds in about 6 s on 2 shared cores (printed, not asserted). */
const SOAK_HOURS = 24;
const dir = mkdtempSync(path.join(tmpdir(), 'callcert-report-stability-'));
const base = path.join(dir, 'base');
const soak = path.join(dir, 'soak');
let buildMs = 0;
let written = '';

beforeAll(async () => {
  requireBuiltCli();
  const r = await runCli(['run', '--media', 'none', '--concurrency', '10', '--ramp', '0', '--hold', '2s', '--duration', '3s', '--workers', '1',
    '--quiet', '--out', base], { timeoutSec: 60 });
  expect(r.code, r.stderr).toBe(0);
  mkdirSync(soak);
  const doc = syntheticSoak(JSON.parse(readFileSync(path.join(base, 'results.json'), 'utf8')), { hours: SOAK_HOURS, rssGrowthMiBPerHour: 20, lastHourSetupFactor: 3 });
  written = JSON.stringify(doc);
  writeFileSync(path.join(soak, 'results.json'), written);
  copyFileSync(path.join(base, 'scenario.resolved.json'), path.join(soak, 'scenario.resolved.json'));
  const t0 = performance.now();
  const g = await runCli(['report', soak, '--format', 'pdf,html'], { timeoutSec: 120 });
  buildMs = performance.now() - t0;
  expect(g.code, g.stderr).toBe(0);
  const size = (f: string) => (statSync(path.join(soak, f)).size / 1024 / 1024).toFixed(1);
  console.log(`synthetic ${SOAK_HOURS} h results.json (${size('results.json')} MiB): report.pdf (${size('report.pdf')} MiB) + report.html (${size('report.html')} MiB) built in ${(buildMs / 1000).toFixed(1)} s`);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pdfText = () => execFileSync('pdftotext', [path.join(soak, 'report.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/\s+/g, ' ');

describe(`report of a synthetic ${SOAK_HOURS} h stability run`, () => {
  it('prints the stability section: one row per hour, both drifts flagged', () => {
    const t = pdfText();
    expect(t).toContain('稳定性');
    expect(t).toContain(`${SOAK_HOURS} 小时，目标 1000`);
    // Hour rows: the last one's span ends at the run's end (s).
    for (let h = 1; h <= SOAK_HOURS; h++) expect(t).toContain(`${h} ${60 + (h - 1) * 3600}–${60 + h * 3600} 36000 / 35998 / 2`);
    expect(t).toContain('36.0 / 60.0 / 93.0'); // the last hour's setup p50/p95/p99, 3 × the others'
    expect(t).toMatch(/发现漂移：2 项/);
    expect(t).toMatch(/20\.0 MiB\/h \d+\.\d \/ \d+\.\d \d+ 漂移 \/ DRIFT/);
    expect(t).toContain('callcert 自身内存随时间变化');
  });

  it('plots memory over the hold in hours and the channels chart thinned, keeping the hourly dip', () => {
    const html = readFileSync(path.join(soak, 'report.html'), 'utf8');
    const charts = pageCharts(html);
    const mem = charts.find((c) => c.canvas.startsWith('chart-stability-memory-'))!;
    const rss = mem.config.data.datasets[0].data as Array<{ x: number; y: number }>;
    expect(Math.max(...rss.map((p) => p.x))).toBeCloseTo((60 + SOAK_HOURS * 3600) / 3600, 1);
    const channels = charts.find((c) => c.canvas.startsWith('chart-channels-'))!;
    const pts = channels.config.data.datasets[0].data as Array<{ x: number; y: number }>;
    expect(pts.length).toBeLessThan(5000);
    expect(Math.min(...pts.filter((p) => p.x > 60).map((p) => p.y))).toBe(960);
    expect(drawPageCharts(html).length).toBe(charts.length);
    // The page embeds results.json as written: every 100 ms row, unthinned.
    expect(pageResults(html).text).toBe(written);
  });

  it('the PDF verifies', async () => {
    const v = await runCli(['verify', path.join(soak, 'report.pdf')], { timeoutSec: 60 });
    expect(v.code, v.stderr).toBe(0);
  });
});
