/**
 * callcert's own memory over a real run: a short run of the built CLI against the embedded call
 * centre records timeline[].memory each second, and the report's memory chart (charts over time,
 * a run without a stability window) plots exactly those samples, in the HTML page and the PDF.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../helpers/cli.js';
import { drawPageCharts, pageCharts } from './html-page.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-report-memory-'));
const MIB = 1024 * 1024;

interface Mem { rssBytes: number | null; mainHeapUsedBytes: number | null; workersHeapUsedBytes: number }
interface Tp { t: number; active: number; memory?: Mem }
let timeline: Tp[] = [];
let host: Record<string, unknown> = {};

beforeAll(async () => {
  requireBuiltCli();
  const r = await runCli(['run', '--media', 'none', '--concurrency', '10', '--ramp', '0', '--hold', '3s', '--duration', '5s', '--workers', '1',
    '--quiet', '--out', dir, '--report', '--report-format', 'pdf,html'], { timeoutSec: 60 });
  expect(r.code, r.stderr).toBe(0);
  const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
  timeline = results.timeline;
  host = results.generator.host;
}, 90_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generator memory over a real run', () => {
  it('results.json carries timeline[].memory every second, with RSS and heaps sampled', () => {
    expect(timeline.length).toBeGreaterThanOrEqual(4);
    expect(timeline.every((p) => p.memory !== undefined)).toBe(true);
    const rss = timeline.map((p) => p.memory!.rssBytes).filter((v): v is number => v !== null);
    // Sampled once a second by the main thread: all but at most an edge second carry one.
    expect(rss.length).toBeGreaterThanOrEqual(timeline.length - 1);
    expect(Math.min(...rss)).toBeGreaterThan(10 * MIB);
    expect(timeline.some((p) => p.memory!.workersHeapUsedBytes > 0)).toBe(true);
  });

  it('the HTML report plots those samples in the generator-memory chart, drawable by its chart.js', () => {
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    const chart = pageCharts(html).find((c) => c.canvas.startsWith('chart-generator-memory-'));
    expect(chart, 'no memory chart in report.html').toBeDefined();
    const plotted = chart!.config.data.datasets[0].data as Array<{ x: number; y: number | null }>;
    const mib = (b: number | null) => (b === null ? null : Math.round((b / MIB) * 10) / 10);
    expect(plotted).toEqual(timeline.map((p) => ({ x: p.t, y: mib(p.memory!.rssBytes) })));
    const drawn = drawPageCharts(html).find((c) => c.canvas === chart!.canvas);
    expect(drawn?.lengths[0]).toBe(timeline.length);
  });

  it('the PDF prints the memory chart and the host environment rows', () => {
    const t = execFileSync('pdftotext', ['-layout', path.join(dir, 'report.pdf'), '-'], { encoding: 'utf8' });
    expect(t).toContain('callcert 自身内存随时间变化');
    expect(t).toContain('timeline[].memory');
    expect(t).toMatch(/可用 vCPU 数 \/ vCPUs available\s+\d+/);
    expect(host).toMatchObject({
      vcpus: expect.any(Number),
      virtualization: { vm: expect.any(String), container: expect.any(String) },
      clock: { state: expect.any(String) },
    });
  });
});
