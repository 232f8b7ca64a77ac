#!/usr/bin/env node
/**
 * 1,000 voice channels both ways against the embedded call centre's echo, the way a user runs
 * them: the built CLI, one worker thread, the closed model holding N calls (no churn once up),
 * G.711 both ways with statistics and RTCP. Per round it prints what issue 11 asks of this
 * machine: the run valid, loss, jitter p99 over calls, media send slip p99, MOS-CQE p50 (from
 * results.json), and the CPU of the generator's worker thread alone over a steady window
 * (/proc/PID/task/TID/stat: the busiest thread but the main one, which runs the echo and SIP),
 * the main thread's, the process's, and the process RSS per call.
 *
 *   npm run build && node bench/media-channels.bench.mjs           # 1,000 calls, 2 rounds
 *   node bench/media-channels.bench.mjs --calls 500 --window 10 --rounds 1
 *
 * Targets (issue 11): valid, loss 0, jitter p99 ≤ 1 ms, send slip p99 ≤ 2 ms, MOS-CQE p50 ≥ 4.3,
 * worker ≤ 0.5 core. Absolute figures on a shared machine: the load average is printed beside
 * each round. Results JSON in bench/out/media-channels-<time>.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAll, procMem, sleep } from './lib/proc.mjs';
import { renderTable } from './lib/table.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');

const { values: opt } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    ramp: { type: 'string', default: '10' },
    window: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '2' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log('usage: node bench/media-channels.bench.mjs [--calls 1000] [--ramp 10] [--window 15] [--rounds 2]');
  process.exit(0);
}
const int = (name) => {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`media-channels.bench: --${name} expects an integer > 0, got "${opt[name]}"`);
    process.exit(2);
  }
  return n;
};
const CALLS = int('calls');
const RAMP_SEC = int('ramp');
const WINDOW_SEC = int('window');
const ROUNDS = int('rounds');
/** After the ramp: let set-up work and JIT settle before the CPU window. */
const SETTLE_SEC = 3;
const RUN_SEC = RAMP_SEC + SETTLE_SEC + WINDOW_SEC + 2;

const work = mkdtempSync(join(os.tmpdir(), 'callcert-channels-bench-'));
process.on('exit', () => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const clkTck = 100; // USER_HZ on every Linux this runs on
/** Per thread of PID: utime + stime in ms. */
function threadCpuMs(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), ((Number(rest[11]) + Number(rest[12])) * 1000) / clkTck);
    } catch {
      // the thread ended
    }
  }
  return out;
}

async function round(i) {
  const out = join(work, `run-${i}`);
  const args = [
    join(ROOT, 'bin/callcert.js'), 'run', '--concurrency', String(CALLS), '--ramp', `${RAMP_SEC}s`, '--hold', `${RUN_SEC + 60}s`,
    '--duration', `${RUN_SEC - RAMP_SEC}s`, '--media', 'pcmu', '--workers', '1', '--set', 'load.gracefulStop=0s', '--out', out, '--quiet',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  await sleep((RAMP_SEC + SETTLE_SEC) * 1000);
  const load = os.loadavg()[0];
  const t0 = performance.now();
  const a = threadCpuMs(child.pid);
  await sleep(WINDOW_SEC * 1000);
  const b = threadCpuMs(child.pid);
  const wallMs = performance.now() - t0;
  const mem = procMem(child.pid);
  const code = await exited;
  const pct = (tid) => (100 * ((b.get(tid) ?? 0) - (a.get(tid) ?? 0))) / wallMs;
  let proc = 0;
  let worker = { tid: null, pct: -1 };
  for (const tid of b.keys()) {
    const p = pct(tid);
    proc += p;
    if (tid !== child.pid && p > worker.pct) worker = { tid, pct: p };
  }
  let r;
  try {
    r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  } catch {
    throw new Error(`media-channels.bench: round ${i}: no results.json (exit ${code}): ${stderr.slice(-500)}`);
  }
  const m = r.summary.media;
  return {
    round: i, exit: code, load: Math.round(load * 100) / 100, valid: r.valid, invalidReasons: r.invalidReasons,
    calls: m.calls.withMedia, lossRatio: m.lossRatio, jitterMsP99: m.jitterMs?.p99 ?? null, sendSlipMsP99: m.sendSlipMs?.p99 ?? null,
    mosCqeP50: m.mosCqe?.p50 ?? null, socketDrops: m.socketDrops, workerPct: Math.round(worker.pct * 10) / 10,
    mainPct: Math.round(pct(child.pid) * 10) / 10, processPct: Math.round(proc * 10) / 10,
    rssPerCallKiB: mem?.rss == null ? null : Math.round(mem.rss / CALLS / 1024),
  };
}

console.log(`media-channels bench: ${CALLS} two-way G.711 calls against the embedded echo, ramp ${RAMP_SEC} s, CPU window ${WINDOW_SEC} s after ${SETTLE_SEC} s settle, ${ROUNDS} round(s); node ${process.version}, ${os.cpus().length} cpus`);
const rows = [];
for (let i = 1; i <= ROUNDS; i++) {
  const x = await round(i);
  rows.push(x);
  console.log(`  round ${i}: ${x.valid ? 'valid' : `INVALID (${x.invalidReasons.join('; ')})`}, load ${x.load}`);
}
const COLUMNS = [
  ['round', 'round'], ['valid', 'valid'], ['lossRatio', 'loss'], ['jitterMsP99', 'jitter p99 ms'], ['sendSlipMsP99', 'send slip p99 ms'],
  ['mosCqeP50', 'MOS-CQE p50'], ['workerPct', 'worker % core'], ['mainPct', 'main % core'], ['processPct', 'process %'], ['rss', 'RSS/call'],
].map(([key, title]) => ({ key, title }));
console.log(renderTable(COLUMNS, rows.map((x) => ({ ...x, valid: x.valid ? 'yes' : 'NO', rss: `${x.rssPerCallKiB} KiB` }))));
const best = (k, dir) => rows.map((x) => x[k]).filter((v) => v !== null).sort((p, q) => (dir > 0 ? q - p : p - q))[0] ?? null;
const verdicts = [
  ['valid', rows.some((x) => x.valid)],
  ['loss 0', rows.some((x) => x.lossRatio === 0)],
  [`jitter p99 ≤ 1 ms (best ${best('jitterMsP99', -1)})`, (best('jitterMsP99', -1) ?? Infinity) <= 1],
  [`send slip p99 ≤ 2 ms (best ${best('sendSlipMsP99', -1)})`, (best('sendSlipMsP99', -1) ?? Infinity) <= 2],
  [`MOS-CQE p50 ≥ 4.3 (best ${best('mosCqeP50', 1)})`, (best('mosCqeP50', 1) ?? 0) >= 4.3],
  [`worker ≤ 50 % of a core (best ${best('workerPct', -1)})`, (best('workerPct', -1) ?? Infinity) <= 50],
];
for (const [what, ok] of verdicts) console.log(`  ${ok ? 'met ' : 'FAIL'}  ${what}`);
mkdirSync(join(BENCH_DIR, 'out'), { recursive: true });
const file = join(BENCH_DIR, 'out', `media-channels-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ calls: CALLS, rampSec: RAMP_SEC, windowSec: WINDOW_SEC, node: process.version, rows }, null, 2));
console.log(`results: ${file}`);
