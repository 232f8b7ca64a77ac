#!/usr/bin/env node
/**
 * Report generation time for a one-hour run (BRIEF §3: under 10 s).
 *
 *   npm run build && node bench/report.bench.mjs [--from RESULTS_DIR] [--calls N] [--runs N]
 *
 * Synthesises a one-hour results directory by scaling a real one (default: a
 * fresh 20 s smoke run): 3,600 timeline rows, 36,000 concurrency samples
 * (100 ms), stages stretched to 60 s ramp + 3,540 s hold, and a calls.jsonl of
 * N real records (default 180,000 = 50 calls/s for an hour, the quickstart's
 * steady state) — larger than the attach limit, so it is hashed, not attached.
 * Then times `callcert report` (whole CLI process) and `callcert verify`.
 * Not a test: numbers depend on the machine; the point is the order of magnitude.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'callcert.js');
const { values: opt } = parseArgs({ options: { from: { type: 'string' }, calls: { type: 'string', default: '180000' }, runs: { type: 'string', default: '3' }, out: { type: 'string', default: join(ROOT, 'bench', 'out', 'report-1h') } } });

let from = opt.from;
if (from === undefined) {
  from = join(opt.out, '..', 'report-base');
  rmSync(from, { recursive: true, force: true });
  console.log('base: a 20 s smoke run …');
  try {
    execFileSync(process.execPath, [CLI, 'run', join(ROOT, 'scenarios', 'smoke.yaml'), '--quiet', '--out', from], { stdio: 'ignore' });
  } catch (e) {
    if (e.status !== 1) throw e; // criteria failing on a busy machine still gives a complete results.json
  }
}

const HOUR_S = 3600;
const base = JSON.parse(readFileSync(join(from, 'results.json'), 'utf8'));
const r = structuredClone(base);
r.durationMs = HOUR_S * 1000;
r.endedAt = new Date(Date.parse(r.startedAt) + HOUR_S * 1000).toISOString();
const top = Math.max(...base.scenario.stages.map((s) => s.target));
r.scenario.stages = [{ durationMs: 60_000, target: top }, { durationMs: (HOUR_S - 60) * 1000, target: top }];
r.timeline = Array.from({ length: HOUR_S }, (_, i) => ({ ...base.timeline[i % base.timeline.length], t: i + 1 }));
const rows = base.concurrencySeries.rows;
r.concurrencySeries.rows = Array.from({ length: HOUR_S * 10 }, (_, i) => {
  const [, est, prog] = rows[i % rows.length];
  return [i * 100, est, prog];
});
r.summary.concurrency.sustainedWindowMs = [61_000, HOUR_S * 1000];

mkdirSync(opt.out, { recursive: true });
writeFileSync(join(opt.out, 'results.json'), JSON.stringify(r, null, 2) + '\n');
for (const f of ['scenario.yaml', 'scenario.resolved.json']) {
  try { writeFileSync(join(opt.out, f), readFileSync(join(from, f))); } catch { /* a flags-only run has no scenario.yaml */ }
}
const lines = readFileSync(join(from, 'calls.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
const nCalls = Number(opt.calls);
await new Promise((res, rej) => {
  const w = createWriteStream(join(opt.out, 'calls.jsonl'));
  w.on('error', rej).on('finish', res);
  let chunk = '';
  for (let i = 0; i < nCalls; i++) {
    chunk += lines[i % lines.length] + '\n';
    if (chunk.length > 1 << 20) { w.write(chunk); chunk = ''; }
  }
  w.end(chunk);
});

const size = (f) => statSync(join(opt.out, f)).size;
console.log(`one-hour results: results.json ${size('results.json')} B (${r.timeline.length} timeline rows, ${r.concurrencySeries.rows.length} concurrency rows), calls.jsonl ${size('calls.jsonl')} B (${nCalls} calls)`);

function timed(args) {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { ms: performance.now() - t0, stdout };
}
const pdf = join(opt.out, 'report.pdf');
const times = [];
for (let i = 0; i < Number(opt.runs); i++) {
  const t = timed(['report', opt.out, '-o', pdf]);
  times.push(t.ms);
  if (i === 0) process.stdout.write(`  ${t.stdout}`);
}
const v = timed(['verify', pdf]);
times.sort((a, b) => a - b);
console.log(`callcert report (whole process): min ${Math.round(times[0])} ms, median ${Math.round(times[Math.floor(times.length / 2)])} ms over ${times.length} runs; PDF ${statSync(pdf).size} B`);
console.log(`callcert verify: ${Math.round(v.ms)} ms`);
console.log(times[0] < 10_000 ? 'OK: under the 10 s bar (BRIEF §3)' : 'OVER the 10 s bar (BRIEF §3)');
