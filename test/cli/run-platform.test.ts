/**
 * Platform telemetry end to end: a short run against the embedded call centre with a
 * `platform:` section naming a real prometheus-node-exporter (Debian's, started here on a free
 * loopback port) and a second endpoint on a closed port. The run must be valid and finish;
 * results.json must carry the node_exporter's CPU and memory samples (CPU within 0–100, memory
 * within what the machine has), the closed port's failures counted by cause (and no samples),
 * the platform criteria judged on the same samples (the dead server's not measured, so failed);
 * platform.jsonl must hold every scrape raw; `callcert report` must print the server-resources
 * section (服务器资源占用) with the failures and list platform.jsonl with its SHA-256, which
 * `callcert verify` accepts. A CSV export of "the operator's monitoring" (rows a second apart
 * around the run) is imported on the run's timeline, and a missing one counted.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readResults, requireBuiltCli, runCli } from '../helpers/cli.js';
import { pageCharts } from '../report/html-page.js';
import type { Results } from '../../src/results/schema.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const dir = mkdtempSync(path.join(tmpdir(), 'callcert-platform-'));
const out = path.join(dir, 'out');
let exporter: ChildProcess | null = null;

/** A port nothing listens on: bound by the OS, then released. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Until the exporter answers (it takes a moment to bind), bounded. */
async function waitForExporter(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${NODE_EXPORTER} did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let r: Results;
let summary = '';
let exporterUrl = '';
let closedUrl = '';

beforeAll(async () => {
  requireBuiltCli();
  if (!existsSync(NODE_EXPORTER)) throw new Error(`${NODE_EXPORTER} not installed (apt-get install prometheus-node-exporter)`);
  const port = await freePort();
  exporterUrl = `http://127.0.0.1:${port}/metrics`;
  closedUrl = `http://127.0.0.1:${await freePort()}/metrics`;
  exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  await waitForExporter(exporterUrl);
  // The operator's monitoring export: a row a second from 5 s before now to 60 s after, so the run's
  // seconds are covered and rows fall on both sides of it (left out).
  const t0 = Math.floor(Date.now() / 1000) - 5;
  const rows = Array.from({ length: 66 }, (_, k) => `${new Date((t0 + k) * 1000).toISOString()},${(k % 10) * 5},${40 + (k % 3)}`);
  writeFileSync(path.join(dir, 'ops.csv'), ['time,cpu_pct,mem_used_pct', ...rows, ''].join('\n'));
  const scenario = path.join(dir, 'platform.yaml');
  writeFileSync(scenario, [
    'name: platform-e2e',
    'load:',
    '  model: closed',
    '  stages:',
    '    - { duration: 1s, target: 4 }',
    '    - { duration: 4s, target: 4 }',
    'call: { hold: 1s, media: none }',
    'workers: 1',
    'platform:',
    '  interval: 500ms',
    '  timeout: 400ms',
    '  targets:',
    `    - { name: app1, url: "${exporterUrl}" }`,
    `    - { name: dead, url: "${closedUrl}" }`,
    '  csv:',
    '    - { name: ops, file: ops.csv }',
    '    - { name: gone, file: no-such-export.csv }',
    'criteria:',
    '  "platform_cpu_pct{instance:app1}": ["max<=100"]',
    '  "platform_mem_used_pct{instance:app1}": ["avg<=100"]',
    '  "platform_cpu_pct{instance:dead}": ["max<=100"]',
    '',
  ].join('\n'));
  const cli = await runCli(['run', scenario, '--quiet', '--out', out], { timeoutSec: 90 });
  // The dead server's criterion is not measured, so failed: the run is valid, its verdict failed (exit 1).
  expect(cli.code, describeCli(cli)).toBe(1);
  summary = cli.stdout;
  r = readResults(out);
}, 120_000);

afterAll(() => {
  exporter?.kill('SIGTERM');
  if (process.env.KEEP_PLATFORM_OUT === undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a run with platform: a real node_exporter and a closed port', () => {
  it('is valid and finished; the closed port is counted, never fatal', () => {
    expect(r.state).toBe('finished');
    expect(r.valid, r.invalidReasons.join('; ')).toBe(true);
    expect(r.summary.calls.answered).toBeGreaterThan(0);
    const dead = r.platform!.instances.dead;
    expect(dead.scrapes.ok).toBe(0);
    expect(dead.scrapes.failed).toBeGreaterThanOrEqual(2);
    expect(dead.scrapes.failuresByCause).toEqual({ refused: dead.scrapes.failed });
    expect(dead.scrapes.lastFailure?.message).toMatch(/ECONNREFUSED/);
    expect(dead.samples).toEqual([]);
    expect(dead.nodeExporter).toBe(false);
    // The terminal summary says so too.
    expect(summary).toMatch(new RegExp(`platform dead \\(scraped\\): 0 ok, ${dead.scrapes.failed} failed \\(refused: ${dead.scrapes.failed}\\)`));
    expect(summary).toMatch(/platform app1 \(scraped\): \d+ ok, 0 failed; CPU max [\d.]+ %/);
  });

  it('holds the node_exporter\'s CPU and memory samples on the run\'s timeline', () => {
    const p = r.platform!;
    expect(p).toMatchObject({ intervalMs: 500, timeoutMs: 400, rawFile: 'platform.jsonl' });
    const app = p.instances.app1;
    expect(app.url).toBe(exporterUrl);
    expect(app.scrapes).toMatchObject({ failed: 0, failuresByCause: {} });
    expect(app.nodeExporter).toBe(true);
    expect(app.cpus).toBeGreaterThanOrEqual(1);
    // The same machine: node_exporter's MemTotal is what Node sees.
    expect(app.memTotalBytes).toBe(totalmem());
    expect(app.samples.length).toBe(app.scrapes.ok);
    expect(app.samples.length).toBeGreaterThanOrEqual(4);
    const tMs = app.samples.map((s) => s.tMs);
    expect(tMs).toEqual([...tMs].sort((a, b) => a - b));
    expect(tMs[0]).toBeLessThan(1000);
    expect(tMs[tMs.length - 1]).toBeLessThanOrEqual(r.durationMs + 1000);
    // The first sample has no CPU (it needs two scrapes); every later one has one within 0–100.
    expect(app.samples[0].cpuPct).toBeNull();
    const cpu = app.samples.slice(1).map((s) => s.cpuPct);
    for (const c of cpu) {
      expect(c).not.toBeNull();
      expect(c!).toBeGreaterThanOrEqual(0);
      expect(c!).toBeLessThanOrEqual(100);
    }
    for (const s of app.samples) {
      expect(s.memUsedPct!).toBeGreaterThan(0);
      expect(s.memUsedPct!).toBeLessThan(100);
      expect(s.memUsedBytes!).toBeGreaterThan(0);
      expect(s.memUsedBytes!).toBeLessThan(app.memTotalBytes!);
    }
    expect(app.summary.cpuPct.count).toBe(cpu.length);
    expect(app.summary.cpuPct.max).toBe(Math.max(...(cpu as number[])));
    expect(app.summary.memUsedPct.count).toBe(app.samples.length);
  });

  it('judges the platform criteria on the same samples; a server with none is not measured and fails', () => {
    const app = r.platform!.instances.app1;
    expect(r.criteria.map((c) => [c.metric, c.criterion, c.actual, c.pass])).toEqual([
      ['platform_cpu_pct{instance:app1}', 'max<=100', app.summary.cpuPct.max, true],
      ['platform_mem_used_pct{instance:app1}', 'avg<=100', app.summary.memUsedPct.mean, true],
      ['platform_cpu_pct{instance:dead}', 'max<=100', null, false],
    ]);
    expect(r.verdict).toBe('failed');
  });

  it('imports the operator\'s CSV on the run\'s timeline; a missing export is counted, not fatal', () => {
    const ops = r.platform!.instances.ops;
    expect(ops).toMatchObject({ source: 'csv', url: path.join(dir, 'ops.csv'), nodeExporter: true });
    expect(ops.scrapes.failed).toBe(0);
    expect(ops.scrapes.ok).toBe(ops.samples.length);
    expect(ops.samples.length).toBeGreaterThanOrEqual(4);
    // Rows before the run's start and after its end are left out, and counted.
    expect(ops.scrapes.skipped).toBe(66 - ops.samples.length);
    expect(ops.scrapes.skipped).toBeGreaterThan(0);
    const startMs = Date.parse(r.startedAt);
    for (const s of ops.samples) {
      expect(s.tMs).toBeGreaterThanOrEqual(0);
      expect(s.tMs % 1000).toBe((1000 - (startMs % 1000)) % 1000);
      expect([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]).toContain(s.cpuPct);
      expect([40, 41, 42]).toContain(s.memUsedPct);
    }
    const gone = r.platform!.instances.gone;
    expect(gone).toMatchObject({ source: 'csv', samples: [], scrapes: { ok: 0, failed: 1, failuresByCause: { csv_unreadable: 1 } } });
    expect(gone.scrapes.lastFailure?.message).toMatch(/no-such-export\.csv: file not found/);
  });

  it('keeps every scrape raw in platform.jsonl, line by line', () => {
    const lines = readFileSync(path.join(out, 'platform.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {
      instance: string; n: number; tMs: number; ok: boolean; body?: string; cause?: string;
    });
    const app = lines.filter((l) => l.instance === 'app1');
    const dead = lines.filter((l) => l.instance === 'dead');
    expect(app.map((l) => l.n)).toEqual(app.map((_, i) => i + 1));
    expect(app.map((l) => l.tMs)).toEqual(r.platform!.instances.app1.samples.map((s) => s.tMs));
    for (const l of app) expect(l.body).toMatch(/^node_cpu_seconds_total\{cpu="0",mode="idle"\} /m);
    expect(dead).toHaveLength(r.platform!.instances.dead.scrapes.failed);
    for (const l of dead) expect(l).toMatchObject({ ok: false, cause: 'refused' });
    // The CSV export whole, as read.
    expect(lines.find((l) => l.instance === 'ops')).toMatchObject({ ok: true, body: readFileSync(path.join(dir, 'ops.csv'), 'utf8') });
  });

  it('the report shows 服务器资源占用 with the failures, and lists platform.jsonl with its SHA-256', async () => {
    const g = await runCli(['report', out, '--format', 'pdf,html'], { timeoutSec: 90 });
    expect(g.code, describeCli(g)).toBe(0);
    const pdf = path.join(out, 'report.pdf');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toMatch(/7\.\d+ 服务器资源占用 \/ Server resources/);
    expect(text).toMatch(/7\.\d+\.1 app1：CPU 与内存占用 \/ app1: CPU and memory/);
    // The dead server: its failures by cause, and no figures.
    expect(text).toMatch(/Failures by cause\s+refused \d+/);
    expect(text).toContain('No scrape succeeded: no resource figures (not measured).');
    expect(text).toMatch(/Failed scrapes: dead \(\d+: refused \d+\)/);
    const sha = createHash('sha256').update(readFileSync(path.join(out, 'platform.jsonl'))).digest('hex');
    expect(text.replace(/\s+/g, '')).toContain(`platform.jsonlSHA-256:${sha}`);
    const v = await runCli(['verify', pdf], { timeoutSec: 60 });
    expect(v.code, describeCli(v)).toBe(0);
    // The HTML page's chart holds results.json's samples as they are, with the channels on the second axis.
    const app = r.platform!.instances.app1;
    const chart = pageCharts(readFileSync(path.join(out, 'report.html'), 'utf8')).find((c) => c.canvas.startsWith('chart-platform-cpu-mem-app1-'));
    expect(chart?.config.data.datasets.map((d) => [d.data, d.yAxisID])).toEqual([
      [app.samples.map((x) => ({ x: x.tMs / 1000, y: x.cpuPct })), 'y'],
      [app.samples.map((x) => ({ x: x.tMs / 1000, y: x.memUsedPct })), 'y'],
      [r.timeline.map((p) => ({ x: p.t, y: p.active })), 'y2'],
    ]);
  });
});
