/**
 * `--sink prometheus` and `--sink prometheus-rw` against Debian's real Prometheus, started here
 * with a config of its own, temporary storage, a free loopback port and the remote-write receiver
 * on. It scrapes callcert's /metrics every second during a short signalling-only run against the
 * embedded call centre while callcert pushes the same series to it. At the end its query API must
 * return the scraped answered counter equal to results.json's answered count, the setup histogram's
 * `_count` equal to the answered calls, the criterion state; and the pushed series (job="callcert")
 * the same figures. A second run pushes to a closed port and has a scraper that never reads its
 * responses: the run stays valid, and the failed pushes are counted and said on the terminal.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readResults, requireBuiltCli, runCli, startCli, type CliResult } from '../helpers/cli.js';
import { freeTcpPort, requireCommand, spawnBounded, type BoundedProcess } from '../helpers/procs.js';
import type { Results } from '../../src/results/schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-prometheus-'));
let prom: BoundedProcess | null = null;
let promUrl = '';
let metricsPort = 0;

/** One number from an instant query (the newest sample within Prometheus' lookback), or null when no series matched. */
async function queryOne(expr: string): Promise<number | null> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
  expect(body.status, expr).toBe('success');
  const r = body.data.result;
  if (r.length === 0) return null;
  expect(r.length, `${expr}: one series expected`).toBe(1);
  return Number(r[0].value[1]);
}

async function waitReady(url: string, p: BoundedProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    if (p.done) throw new Error(`prometheus exited: ${p.stderrSoFar().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`prometheus not ready at ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The newest scraped sample of a series, ignoring staleness: once callcert exits after its linger,
 * Prometheus' next failed scrape marks the target's series stale and an instant query of them
 * returns nothing, while a range selector still holds the real samples before the marker.
 */
const lastScraped = (series: string) => `last_over_time(${series}[5m])`;

/** Until the last good scrape of callcert's target shows the wanted value. */
async function waitScraped(expr: string, want: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  let v: number | null = null;
  while (Date.now() < deadline) {
    v = await queryOne(expr);
    if (v === want) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  return v;
}

const runArgs = (out: string) => [
  'run', '--concurrency', '6', '--ramp', '1s', '--duration', '3s', '--hold', '1s', '--media', 'none', '--workers', '1',
  '--criterion', 'ser>=0.99', '--criterion', 'setup_ms p(95)<2000', '--out', out,
];

let r: Results;
let cli: CliResult;

beforeAll(async () => {
  requireBuiltCli();
  const bin = requireCommand('prometheus', 'apt-get install prometheus');
  const promPort = await freeTcpPort();
  metricsPort = await freeTcpPort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 900ms',
    'scrape_configs:',
    '  - job_name: callcert-scrape',
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${metricsPort}']`,
    '',
  ].join('\n'));
  prom = spawnBounded(bin, [
    `--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`,
    '--web.enable-remote-write-receiver', '--log.level=warn',
  ], { timeoutSec: 300 });
  await waitReady(promUrl, prom);
  const out = path.join(dir, 'out');
  cli = await runCli([
    ...runArgs(out), '--sink', `prometheus=127.0.0.1:${metricsPort}`, '--sink', `prometheus-rw=${promUrl}/api/v1/write`, '--sink-linger', '3s',
  ], { timeoutSec: 120 });
  expect(cli.code, describeCli(cli)).toBe(0);
  r = readResults(out);
  // Let Prometheus scrape the exited target at least twice, so the queries below always meet stale series (as CI once did by chance).
  await new Promise((res) => setTimeout(res, 2500));
}, 180_000);

afterAll(async () => {
  await prom?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('a run scraped by Debian prometheus and pushing to its remote-write receiver', () => {
  it('is a valid, passing run of a few dozen calls', () => {
    expect(r.valid, r.invalidReasons.join('; ')).toBe(true);
    expect(r.verdict).toBe('passed');
    expect(r.summary.calls.answered).toBeGreaterThanOrEqual(10);
    expect(r.summary.calls.answered).toBeLessThanOrEqual(60);
    expect(cli.stderr).toContain(`Prometheus metrics on http://127.0.0.1:${metricsPort}/metrics`);
    expect(cli.stderr).toMatch(/Prometheus: [1-9]\d* scrapes? of /);
  });

  it('the last scrape holds the final figures: answered counter and setup histogram count as results.json', async () => {
    const answered = r.summary.calls.answered;
    expect(await waitScraped(lastScraped('callcert_calls_answered_total{job="callcert-scrape"}'), answered, 10_000)).toBe(answered);
    expect(await queryOne(lastScraped('callcert_calls_attempted_total{job="callcert-scrape"}'))).toBe(r.summary.calls.attempted);
    expect(await queryOne(lastScraped('callcert_setup_seconds_count{job="callcert-scrape"}'))).toBe(answered);
    expect(await queryOne(lastScraped('callcert_setup_seconds_bucket{job="callcert-scrape",le="+Inf"}'))).toBe(answered);
    expect(await queryOne(lastScraped('callcert_sip_final_responses_total{job="callcert-scrape",code="200"}'))).toBe(r.summary.finalByCode['200']);
    // The histogram's buckets are usable as Prometheus histograms: its median lies between results' p50 bounds.
    const p50 = await queryOne('histogram_quantile(0.5, last_over_time(callcert_setup_seconds_bucket{job="callcert-scrape"}[5m]))');
    expect(p50).not.toBeNull();
    expect(p50!).toBeGreaterThan(0);
    expect(await queryOne(lastScraped('callcert_run_phase{job="callcert-scrape",phase="finished"}'))).toBe(1);
    expect(await queryOne(lastScraped('callcert_run_valid{job="callcert-scrape"}'))).toBe(1);
    expect(await queryOne(lastScraped('callcert_criterion_ok{job="callcert-scrape",metric="ser",threshold=">=0.99"}'))).toBe(1);
    expect(await queryOne(lastScraped('callcert_criterion_value{job="callcert-scrape",metric="ser",threshold=">=0.99"}'))).toBe(r.criteria.find((c) => c.metric === 'ser')!.actual);
    expect(await queryOne('up{job="callcert-scrape"}')).not.toBeNull();
  });

  it('the receiver got the pushed series, with the final push equal to results.json', async () => {
    const answered = r.summary.calls.answered;
    expect(await queryOne('callcert_calls_answered_total{job="callcert"}')).toBe(answered);
    expect(await queryOne('callcert_setup_seconds_count{job="callcert"}')).toBe(answered);
    expect(await queryOne('callcert_criterion_ok{job="callcert",metric="setup_ms",threshold="p(95)<2000"}')).toBe(1);
    // More than one push during the run: the series has several samples over the run.
    expect(await queryOne('count_over_time(callcert_calls_attempted_total{job="callcert"}[5m])')).toBeGreaterThanOrEqual(2);
    expect(await queryOne('callcert_remote_write_pushes_total{job="callcert",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(cli.stderr).toMatch(/Prometheus remote write to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write: (\d+) of \1 pushes ok/);
  });
});

describe('a dead receiver and a scraper that never reads', () => {
  it('leave the run valid; the failed pushes are counted and said', async () => {
    const deadPort = await freeTcpPort();
    const port = await freeTcpPort();
    const out = path.join(dir, 'out-dead');
    const run = startCli([
      ...runArgs(out), '--sink', `prometheus=127.0.0.1:${port}`, '--sink', `prometheus-rw=http://127.0.0.1:${deadPort}/api/v1/write`,
      '--sink-linger', '0s',
    ], { timeoutSec: 120 });
    // A scraper that asks again and again and never reads an answer (its socket paused), and one that sends nothing.
    const stuck: Socket[] = [];
    const started = Date.now();
    while (Date.now() - started < 20_000 && stuck.length < 8 && !run.proc.done) {
      await new Promise((res) => setTimeout(res, 300));
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.once('connect', () => {
        s.pause();
        if (stuck.length % 2 === 0) s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      stuck.push(s);
    }
    const res = await run.result;
    for (const s of stuck) s.destroy();
    expect(res.code, describeCli(res)).toBe(0);
    const dead = readResults(out);
    expect(dead.valid, dead.invalidReasons.join('; ')).toBe(true);
    expect(dead.summary.calls.answered).toBe(dead.summary.calls.attempted);
    const m = /Prometheus remote write to \S+: 0 of (\d+) pushes ok, (\d+) failed \((\d+) refused\)/.exec(res.stderr);
    expect(m, res.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(1);
    expect(Number(m![2])).toBe(Number(m![1]));
    expect(Number(m![3])).toBe(Number(m![1]));
    expect(res.stderr).toMatch(/remote write to \S+ failed \(.*ECONNREFUSED.*\); the run goes on/);
    // Both runs' generator figures, for the closing note (no timing assertion: tests never time).
    console.log(`schedule slip p99: with a live receiver ${r.generator.scheduleSlipMsP99} ms, with a dead one and a stuck scraper ${dead.generator.scheduleSlipMsP99} ms`);
  }, 120_000);
});
