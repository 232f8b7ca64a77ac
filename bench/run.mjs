#!/usr/bin/env node
/**
 * End-to-end benchmark: callcert vs SIPp, both as UAC, against ONE SIPp UAS,
 * in one run, so that the ratios mean something on a noisy machine.
 *
 *   npm run bench                       # build, then the full run (~15 min)
 *   node bench/run.mjs --quick          # smoke (not a measurement): 2 rates × 1 repeat, 3 s runs, 2,000 held calls
 *   node bench/run.mjs --rates 500,1000,2000 --repeats 5 --skip-concurrency
 *
 * Needs: `npm run build` (dist/), `sipp` (SIPp 3.6) on PATH. No npm packages:
 * only the mitata micro-benchmarks (parser, digest) use bench/node_modules.
 * Traffic stays on 127.0.0.1; every process is bounded by `timeout -k 5 N`.
 * Results: a table on stdout and bench/out/results-<date>.json (+ run files).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freeUdpPort, killAll, procCpuMs, procCtxSwitches, sleep, startMeasured, waitForUdpBound } from './lib/proc.mjs';
import { parseSippDuration, readSippErrors, readSippStats, sippVersion, uacArgs, uasArgs } from './lib/sipp.mjs';
import { leastSquares, median, range } from './lib/stats.mjs';
import { fmtBytes, fmtFixed, fmtInt, fmtRatio, renderTable } from './lib/table.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CALLCERT = join(ROOT, 'bin', 'callcert.js');
const NODE_FLOOR = join(BENCH_DIR, 'lib', 'node-floor-uac.mjs');

// ---------------------------------------------------------------------------
// options

const HELP = `usage: node bench/run.mjs [options]

  --quick                 smoke run, NOT a measurement: 1000,2000 CPS × 1 repeat, 3 s per run,
                          2 baseline runs, 2,000 held calls (~2 min)
  --rates <list>          CPS values for the CPU-per-call runs (default 500,1000,2000,4000; --quick 1000,2000).
                          A run that does not sustain its rate is reported and left out of the medians and fits
  --repeats <n>           runs of every (rate, UAC) point; the UACs are interleaved rate by rate, their order
                          rotated each time; targets are judged on the medians (default 3; --quick 1)
  --duration <s>          seconds of traffic per run (default 10; --quick 3)
  --baseline-runs <n>     ~0-call runs per UAC for the fixed start-up cost; the minimum is used (default 3; --quick 2)
  --concurrency <n>       held calls for the concurrency runs (default 10000; --quick 2000)
  --skip-cpu              skip the CPU-per-call runs
  --skip-concurrency      skip the held-concurrency runs
  --out <dir>             where to write results-<date>.json and run files (default bench/out)
  --reanalyze <json>      no traffic: redo the analysis (medians, fits, targets) on the runs stored in a
                          results-<date>.json and print the report
  -h, --help              this text`;

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rates: { type: 'string' },
    repeats: { type: 'string' },
    duration: { type: 'string' },
    'baseline-runs': { type: 'string' },
    concurrency: { type: 'string' },
    'skip-cpu': { type: 'boolean', default: false },
    'skip-concurrency': { type: 'boolean', default: false },
    out: { type: 'string' },
    reanalyze: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}

function posNum(name, v, integer = false) {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    console.error(`bench: ${name} expects a ${integer ? 'whole ' : ''}number > 0, got "${v}"\n\n${HELP}`);
    process.exit(2);
  }
  return n;
}

const quick = opt.quick;
const cfg = {
  quick,
  rates: [...new Set((opt.rates ?? (quick ? '1000,2000' : '500,1000,2000,4000')).split(',').map((r) => posNum('--rates', r.trim(), true)))].sort((a, b) => a - b),
  repeats: posNum('--repeats', opt.repeats ?? (quick ? '1' : '3'), true),
  durationSec: posNum('--duration', opt.duration ?? (quick ? '3' : '10')),
  holdMs: 1000,
  baselineRuns: posNum('--baseline-runs', opt['baseline-runs'] ?? (quick ? '2' : '3'), true),
  skipCpu: opt['skip-cpu'],
  skipConcurrency: opt['skip-concurrency'],
  // Held concurrency: ramp at 500 calls/s (SIPp's -r 500), then hold.
  concurrency: posNum('--concurrency', opt.concurrency ?? (quick ? '2000' : '10000'), true),
  concRampRate: 500,
  concHoldSec: quick ? 15 : 60,
  concDurationSec: quick ? 4 : 20,
  concIdleSec: quick ? 3 : 5,
  // Pause after each run before reading the UAS's CPU: its built-in scenario keeps
  // every call in <timewait> for 4 s after the BYE, and that work belongs to this run.
  settleMs: 4500,
  baselineSettleMs: 1500,
};
cfg.concRampSec = Math.max(1, Math.round(cfg.concurrency / cfg.concRampRate));
if (cfg.concHoldSec < cfg.concRampSec + cfg.concDurationSec + 5) cfg.concHoldSec = cfg.concRampSec + cfg.concDurationSec + 5;

const outRoot = resolve(opt.out ?? join(BENCH_DIR, 'out'));
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
const runDir = join(outRoot, `run-${stamp}`);

// ---------------------------------------------------------------------------
// cleanup: never leave SIPp or callcert behind

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\nbench: ${sig}: killing child processes`);
    killAll('SIGTERM');
    setTimeout(() => {
      killAll('SIGKILL');
      process.exit(130);
    }, 2000).unref();
  });
}
process.on('exit', () => killAll('SIGKILL'));

const log = (s) => process.stderr.write(`${s}\n`);
const round = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

// ---------------------------------------------------------------------------
// one UAC run of each kind

let uas = null; // { port, proc, pid, dir }

function uasCpuMs() {
  return uas?.pid ? procCpuMs(uas.pid) : null;
}

/** The UAS's voluntary context switches (≈ its poll wake-ups) so far. */
function uasWakeups() {
  return uas?.pid ? (procCtxSwitches(uas.pid)?.voluntary ?? null) : null;
}

/** UAS CPU over a run's window, minus what the idle UAS burns in that time (its poll loop). */
function uasNetCpuMs(before, after, windowMs) {
  if (before === null || after === null) return null;
  return round(after - before - (uas.idleCpuMsPerSec ?? 0) * (windowMs / 1000), 1);
}

/**
 * Open calls from a SIPp stats CSV (one row per second): the max CurrentCall
 * over the whole run, and the min over [fromMs, toMs) of elapsed time.
 */
function sippOpenCalls(dir, fromMs = null, toMs = null) {
  const f = join(dir, 'stats.csv');
  if (!existsSync(f)) return { peak: null, min: null };
  const lines = readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return { peak: null, min: null };
  const head = lines[0].split(';');
  const iCur = head.indexOf('CurrentCall');
  const iEl = head.indexOf('ElapsedTime(C)');
  let peak = 0;
  let min = Infinity;
  for (const l of lines.slice(1)) {
    const cols = l.split(';');
    const cur = Number(cols[iCur]) || 0;
    peak = Math.max(peak, cur);
    const el = parseSippDuration(cols[iEl] ?? '');
    if (fromMs !== null && el >= fromMs && el < toMs) min = Math.min(min, cur);
  }
  return { peak, min: Number.isFinite(min) ? min : null };
}

/** What every measured UAC run reports about its process and the shared UAS, SIPp or callcert alike. */
function processFigures(r, { uas0, uas1, w0, w1, t0, load1 }) {
  return {
    exitCode: r.innerCode ?? r.code,
    timedOut: r.timedOut,
    wallMs: round(r.wallMs, 0),
    cpuMs: round(r.cpuMs, 1),
    userMs: round(r.userMs, 1),
    sysMs: round(r.sysMs, 1),
    maxRssBytes: r.mem.maxRss || null,
    hwmBytes: r.mem.hwm || null,
    rssSamples: r.mem.samples,
    uasCpuMs: uasNetCpuMs(uas0, uas1, performance.now() - t0),
    uasWakeups: w0 !== null && w1 !== null ? w1 - w0 : null,
    load1: round(load1, 2),
  };
}

/** Run the SIPp built-in UAC to completion. */
async function runSippUac(name, { rate, holdMs, calls, limit, expectSec, sustainWindowMs, settleMs = cfg.settleMs }) {
  const dir = join(runDir, name);
  mkdirSync(dir, { recursive: true });
  const localPort = await freeUdpPort();
  const controlPort = await freeUdpPort();
  const sippTimeout = Math.ceil(expectSec * 2 + 30);
  const args = uacArgs({ dir, localPort, controlPort, target: `127.0.0.1:${uas.port}`, rate, holdMs, calls, limit, timeoutSec: sippTimeout });
  const uas0 = uasCpuMs();
  const w0 = uasWakeups();
  const t0 = performance.now();
  const load1 = os.loadavg()[0];
  const p = startMeasured('sipp', args, { cwd: dir, timeoutSec: sippTimeout + 10, rusageFile: join(dir, 'rusage.txt'), sampleMs: 500 });
  const r = await p.done;
  await sleep(settleMs);
  const uas1 = uasCpuMs();
  const w1 = uasWakeups();
  const st = readSippStats(dir);
  const open = sippOpenCalls(dir, ...(sustainWindowMs ?? [null, null]));
  const res = {
    uac: 'sipp',
    name,
    dir: relative(ROOT, dir),
    command: `sipp ${args.join(' ')}`,
    ...processFigures(r, { uas0, uas1, w0, w1, t0, load1 }),
    calls: {
      attempted: st?.outgoingCalls ?? null,
      ok: st?.successfulCalls ?? null,
      failed: st?.failedCalls ?? null,
      retransmissions: st?.retransmissions ?? null,
      peakOpen: open.peak,
      sustainedOpen: open.min,
    },
    sippElapsedMs: st ? round(st.elapsedMs, 0) : null,
    sippCallRate: st?.callRate ?? null,
    problems: [],
  };
  if (st === null) res.problems.push('no stats.csv (SIPp died at startup?)');
  if (r.timedOut) res.problems.push('timed out');
  if (![0, 1].includes(res.exitCode)) res.problems.push(`exit ${res.exitCode}`);
  if (st && st.outgoingCalls < calls) res.problems.push(`SIPp placed only ${st.outgoingCalls} of ${calls} calls (it quit early: signal or control-socket command?)`);
  if (st && st.failedCalls > 0) res.problems.push(`${st.failedCalls} failed; errors.log: ${readSippErrors(dir, 300).replace(/\s+/g, ' ')}`);
  if (res.problems.length > 0 && r.stderr.trim()) res.stderrTail = r.stderr.slice(-1500);
  return res;
}

/**
 * Run the Node floor UAC (bench/lib/node-floor-uac.mjs): the least a Node.js UAC can do
 * for the same calls, so the table separates what Node costs from what callcert adds.
 */
async function runNodeFloor(name, { rate, holdMs, calls, expectSec, settleMs = cfg.settleMs }) {
  const dir = join(runDir, name);
  mkdirSync(dir, { recursive: true });
  const args = [NODE_FLOOR, '--target', `127.0.0.1:${uas.port}`, '--rate', String(rate), '--calls', String(calls), '--hold-ms', String(holdMs)];
  const uas0 = uasCpuMs();
  const w0 = uasWakeups();
  const t0 = performance.now();
  const load1 = os.loadavg()[0];
  const p = startMeasured(process.execPath, args, { cwd: dir, timeoutSec: Math.ceil(expectSec * 2 + 30), rusageFile: join(dir, 'rusage.txt'), sampleMs: 500, stdout: 'pipe' });
  const r = await p.done;
  await sleep(settleMs);
  const uas1 = uasCpuMs();
  const w1 = uasWakeups();
  let out = null;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    // reported below
  }
  const res = {
    uac: 'floor',
    name,
    dir: relative(ROOT, dir),
    command: `node ${relative(ROOT, NODE_FLOOR)} ${args.slice(1).join(' ')}`,
    ...processFigures(r, { uas0, uas1, w0, w1, t0, load1 }),
    calls: { attempted: out?.attempted ?? null, ok: out?.completed ?? null, failed: out ? out.attempted - out.completed : null },
    floorWallMs: out?.wallMs ?? null,
    floorLateP99Ms: out?.lateP99Ms ?? null,
    floorLateMaxMs: out?.lateMaxMs ?? null,
    problems: [],
  };
  if (out === null) res.problems.push(`no result line (exit ${res.exitCode}); stderr: ${r.stderr.slice(-400).trim()}`);
  else if (out.completed < out.attempted) res.problems.push(`${out.attempted - out.completed} of ${out.attempted} calls not completed (the floor UAC never retransmits)`);
  if (r.timedOut) res.problems.push('timed out');
  return res;
}

/** Run `callcert run ...` against the UAS with the given load flags. */
async function runCallcert(name, loadFlags, { expectSec, settleMs = cfg.settleMs, planned = null, exposeGc = false }) {
  const dir = join(runDir, name);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'out');
  // Signalling only, as SIPp's UAC it is compared with (one-liners carry voice by default).
  const args = [CALLCERT, 'run', '--target', `sip:service@127.0.0.1:${uas.port}`, ...loadFlags, '--media', 'none', '--workers', '1', '--quiet', '--out', out];
  const uas0 = uasCpuMs();
  const w0 = uasWakeups();
  const t0 = performance.now();
  const load1 = os.loadavg()[0];
  // Memory runs: with --expose-gc each worker collects before it reports its heap, so
  // heap/call is what held calls retain, not garbage awaiting collection.
  const env = exposeGc ? { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim() } : process.env;
  const p = startMeasured(process.execPath, args, { cwd: ROOT, env, timeoutSec: Math.ceil(expectSec * 2 + 60), rusageFile: join(dir, 'rusage.txt'), sampleMs: 500, stdout: 'pipe' });
  const r = await p.done;
  await sleep(settleMs);
  const uas1 = uasCpuMs();
  const w1 = uasWakeups();
  writeFileSync(join(dir, 'stdout.txt'), r.stdout);
  writeFileSync(join(dir, 'stderr.txt'), r.stderr);
  let results = null;
  try {
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  } catch {
    // reported below
  }
  const s = results?.summary;
  const g = results?.generator;
  const res = {
    uac: 'callcert',
    name,
    dir: relative(ROOT, dir),
    command: `node ${relative(ROOT, CALLCERT)} ${args.slice(1).join(' ')}`,
    ...processFigures(r, { uas0, uas1, w0, w1, t0, load1 }),
    calls: {
      attempted: s?.calls.attempted ?? null,
      ok: s?.calls.completed ?? null,
      answered: s?.calls.answered ?? null,
      failed: s?.calls.failed ?? null,
      aborted: s?.calls.aborted ?? null,
      blocked: s?.calls.blocked ?? null,
      unfinished: s?.calls.unfinished ?? null,
      retransmissions: s?.retransmissions ?? null,
      failuresByCause: s?.failuresByCause ?? null,
    },
    valid: results?.valid ?? null,
    verdict: results?.verdict ?? null,
    invalidReasons: results?.invalidReasons ?? null,
    cpsOffered: s?.cps.offered ?? null,
    cpsAchieved: s?.cps.achieved ?? null,
    setupP95Ms: s?.setupMs.p95 ?? null,
    setupP99Ms: s?.setupMs.p99 ?? null,
    scheduleSlipP99Ms: g?.scheduleSlipMsP99 ?? null,
    scheduleSlipMaxMs: g?.scheduleSlipMsMax ?? null,
    eventLoopLagP99Ms: g?.eventLoopLagMsP99 ?? null,
    generatorCpuPct: g?.cpuPct ?? null,
    heapUsedBytesMax: g?.heapUsedBytesMax ?? null,
    concurrency: s ? { peak: s.concurrency.peak, sustained: s.concurrency.sustained, target: s.concurrency.target } : null,
    problems: [],
  };
  if (results === null) res.problems.push(`no results.json (exit ${res.exitCode}); stderr: ${r.stderr.slice(-600).trim()}`);
  if (r.timedOut) res.problems.push('timed out');
  if (results && results.valid === false) res.problems.push(`invalid: ${results.invalidReasons.join('; ')}`);
  if (s && planned !== null && Math.abs(s.calls.attempted - planned) > Math.max(2, planned * 0.01)) res.problems.push(`attempted ${s.calls.attempted} of ${planned} planned`);
  if (s && s.calls.unfinished > 0) res.problems.push(`${s.calls.unfinished} unfinished at exit (${JSON.stringify(s.failuresByCause)})`);
  if (s && s.calls.aborted > 0) res.problems.push(`${s.calls.aborted} aborted (in setup when the run ended: callcert CANCELs them; SIPp's uas scenario has no CANCEL branch, so they stay open on the UAS)`);
  if (s && s.calls.failed > 0) res.problems.push(`${s.calls.failed} failed: ${JSON.stringify(s.failuresByCause)} ${JSON.stringify(s.failuresByCode)}`);
  if (![0, 1, 3].includes(res.exitCode)) res.problems.push(`exit ${res.exitCode}`);
  if (res.problems.length > 0 && r.stderr.trim()) res.stderrTail = r.stderr.slice(-1500);
  return res;
}

const summarizeRun = (r) =>
  `${r.name}: ${fmtInt(r.calls.attempted)} calls, ${fmtInt(r.calls.ok)} ok, ${fmtInt(r.calls.failed)} failed, CPU ${fmtInt(r.cpuMs)} ms, wall ${fmtFixed(r.wallMs / 1000, 1)} s` +
  (r.uac === 'callcert' ? `, valid ${r.valid}, slip p99 ${r.scheduleSlipP99Ms} ms` : '') +
  (r.uac === 'floor' && r.floorLateP99Ms !== null ? `, late p99 ${r.floorLateP99Ms} ms` : '') +
  (r.problems.length ? `  !! ${r.problems.join(' | ')}` : '');

// ---------------------------------------------------------------------------
// phases

const TOOLS = ['sipp', 'floor', 'callcert'];
const TOOL_NAME = { sipp: 'SIPp', floor: 'Node floor', callcert: 'callcert' };
/** xs rotated left by k: the tool order of one (repeat, rate) step. */
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);

/**
 * INVITE lateness (schedule slip) p99 above which a UAC that measures it (callcert, the
 * floor) did not keep up with its rate. Deliberately 5× callcert's own validity limit
 * (20 ms, about latency figures): on a shared 2-core machine 20-50 ms stalls come from
 * the neighbours, and the CPU a run used for its calls is still that run's work.
 */
const LATE_P99_LIMIT_MS = 100;

/**
 * Why a measured run did not sustain its rate ([] = it did). A point that fails
 * this is excluded from the medians and the fits rather than fitted as garbage.
 * The same tests for every UAC where it reports the figure: calls placed, calls failed,
 * time needed (SIPp, which falls behind rather than sending late bursts), lateness p99
 * (callcert, the floor). callcert's own validity verdict is shown, not used here.
 */
function sustainProblems(r, { rate, planned, durationSec, holdMs }) {
  const p = [];
  const expectMs = durationSec * 1000 + holdMs;
  const lateMs = expectMs * 1.1 + 1000;
  if (r.cpuMs === null) p.push('no CPU figure');
  if (r.timedOut) p.push('timed out');
  const att = r.calls.attempted;
  if (att === null) p.push('no call count');
  else if (att < planned * 0.99) p.push(`placed ${fmtInt(att)} of ${fmtInt(planned)} calls`);
  const failed = r.calls.failed ?? 0;
  if (att && failed > Math.max(2, att * 0.01)) p.push(`${fmtInt(failed)} calls failed`);
  if (r.uac === 'sipp' && r.sippElapsedMs !== null && r.sippElapsedMs > lateMs) {
    p.push(`needed ${fmtFixed(r.sippElapsedMs / 1000, 1)} s for ${fmtFixed(expectMs / 1000, 0)} s of calls (fell behind the rate)`);
  }
  // (Not the floor's wall time: it waits 5 s for calls whose datagrams were lost, as it never retransmits.)
  if (r.uac === 'callcert' && r.cpsAchieved !== null && r.cpsAchieved < rate * 0.97) p.push(`achieved ${fmtFixed(r.cpsAchieved, 0)} CPS`);
  const lateP99 = r.uac === 'callcert' ? r.scheduleSlipP99Ms : r.uac === 'floor' ? r.floorLateP99Ms : null;
  if (lateP99 !== null && lateP99 !== undefined && lateP99 > LATE_P99_LIMIT_MS) p.push(`INVITEs late by ${fmtFixed(lateP99, 1)} ms p99 (> ${LATE_P99_LIMIT_MS} ms)`);
  return p;
}

/** The per-call figures of one measured run, given its UAC's baseline CPU. */
function perCallFigures(r, baseMs) {
  const att = r.calls.attempted;
  r.cpuNetMs = r.cpuMs !== null && baseMs !== null ? round(r.cpuMs - baseMs, 1) : null;
  r.cpuUsPerCall = r.cpuNetMs !== null && att ? round((r.cpuNetMs * 1000) / att, 1) : null;
  r.uasCpuUsPerCall = r.uasCpuMs !== null && att ? round((r.uasCpuMs * 1000) / att, 1) : null;
  r.uasWakeupsPerCall = r.uasWakeups !== null && att ? round(r.uasWakeups / att, 2) : null;
}

async function cpuPerCall() {
  const D = cfg.durationSec;
  const holdS = cfg.holdMs / 1000;
  const runOne = {
    sipp: (name, { rate, calls, expectSec, settleMs }) => runSippUac(name, { rate, holdMs: cfg.holdMs, calls, expectSec, settleMs }),
    floor: (name, { rate, calls, expectSec, settleMs }) => runNodeFloor(name, { rate, holdMs: cfg.holdMs, calls, expectSec, settleMs }),
    callcert: (name, { rate, expectSec, settleMs, durationSec, planned }) =>
      runCallcert(name, ['--rate', String(rate), '--hold', `${holdS}s`, '--ramp', '0', '--duration', `${durationSec}s`], { expectSec, settleMs, planned }),
  };

  const baselines = { sipp: [], floor: [], callcert: [] };
  log(`\n[cpu] baselines: ${cfg.baselineRuns}× each UAC with ~0 calls (1 call at 1 CPS, 1 s)`);
  for (let i = 0; i < cfg.baselineRuns; i++) {
    for (const tool of rotate(TOOLS, i % TOOLS.length)) {
      const b = await runOne[tool](`baseline-${tool}-${i + 1}`, { rate: 1, calls: 1, expectSec: 3, settleMs: cfg.baselineSettleMs, durationSec: 1, planned: null });
      log(`  ${summarizeRun(b)}`);
      baselines[tool].push(b);
    }
  }
  const minCpu = (rs) => {
    const v = rs.map((r) => r.cpuMs).filter((x) => x !== null);
    return v.length ? Math.min(...v) : null;
  };
  const base = { sipp: minCpu(baselines.sipp), floor: minCpu(baselines.floor), callcert: minCpu(baselines.callcert) };

  // Interleaved: every repeat goes through the rates in turn, and at each rate runs the three
  // UACs back to back, in an order rotated per (repeat, rate) so that no tool is always first
  // (after the idle pause) or always last. Slow drifts of the machine's load then hit all tools.
  const runs = [];
  const steps = cfg.repeats * cfg.rates.length * TOOLS.length;
  for (let rep = 1; rep <= cfg.repeats; rep++) {
    for (const [ri, rate] of cfg.rates.entries()) {
      const calls = Math.round(rate * D);
      const order = rotate(TOOLS, (rep - 1 + ri) % TOOLS.length);
      log(`\n[cpu] repeat ${rep}/${cfg.repeats}: ${rate} CPS × ${D} s = ${fmtInt(calls)} calls, 1 s hold (${order.map((t) => TOOL_NAME[t]).join(' → ')}; run ${runs.length + 1}-${runs.length + 3} of ${steps})`);
      for (const tool of order) {
        const r = await runOne[tool](`r${rep}-cps${rate}-${tool}`, { rate, calls, expectSec: D + holdS, durationSec: D, planned: calls });
        Object.assign(r, { repeat: rep, rate, callsPlanned: calls });
        perCallFigures(r, base[tool]);
        r.notSustained = sustainProblems(r, { rate, planned: calls, durationSec: D, holdMs: cfg.holdMs });
        r.sustained = r.notSustained.length === 0;
        log(`  ${summarizeRun(r)}, ${fmtFixed(r.cpuUsPerCall, 1)} µs/call${r.sustained ? '' : `  [EXCLUDED, rate not sustained: ${r.notSustained.join('; ')}]`}`);
        runs.push(r);
      }
    }
  }
  return { baselineCpuMs: base, baselines, ...analyzeCpu(runs), runs };
}

const ratioOf = (a, b) => (a !== null && b !== null && b > 0 ? round(a / b, 3) : null);
const spread = (xs, d = 1) => {
  const { min, max, n } = range(xs);
  return { median: round(median(xs), d), min: round(min, d), max: round(max, d), n };
};

/**
 * Medians per (rate, UAC) over the sustained repeats; the marginal cost per call as
 * least-squares slopes of CPU ms against calls; the targets judged on the medians.
 */
function analyzeCpu(runs) {
  const sel = (tool, pred = () => true) => runs.filter((r) => r.uac === tool && pred(r));
  const points = cfg.rates.map((rate) => {
    const p = { rate, callsPlanned: Math.round(rate * cfg.durationSec) };
    for (const tool of TOOLS) {
      const all = sel(tool, (r) => r.rate === rate);
      const good = all.filter((r) => r.sustained);
      p[tool] = {
        runs: all.length,
        sustained: good.length,
        excluded: all.filter((r) => !r.sustained).map((r) => ({ repeat: r.repeat, why: r.notSustained })),
        usPerCall: spread(good.map((r) => r.cpuUsPerCall)),
        cpuMs: round(median(good.map((r) => r.cpuMs)), 1),
        attempted: round(median(good.map((r) => r.calls.attempted)), 0),
        uasUsPerCall: round(median(good.map((r) => r.uasCpuUsPerCall)), 1),
        uasWakeupsPerCall: round(median(good.map((r) => r.uasWakeupsPerCall)), 2),
        load1: round(median(good.map((r) => r.load1)), 2),
      };
    }
    // Ratios of the medians (judged), and the same ratio within each repeat (spread).
    const paired = (a, b) =>
      spread(
        sel(a, (r) => r.rate === rate && r.sustained).map((ra) => {
          const rb = sel(b, (r) => r.rate === rate && r.sustained && r.repeat === ra.repeat)[0];
          return rb ? ratioOf(ra.cpuUsPerCall, rb.cpuUsPerCall) : null;
        }),
        3,
      );
    p.ratioCallcertToSipp = ratioOf(p.callcert.usPerCall.median, p.sipp.usPerCall.median);
    p.ratioFloorToSipp = ratioOf(p.floor.usPerCall.median, p.sipp.usPerCall.median);
    p.ratioCallcertToFloor = ratioOf(p.callcert.usPerCall.median, p.floor.usPerCall.median);
    p.ratioCallcertToFloorPerRepeat = paired('callcert', 'floor');
    p.ratioCallcertToSippPerRepeat = paired('callcert', 'sipp');
    return p;
  });

  // The fits use the rates every UAC sustained at least once, so that all three slopes span
  // the same calls; within those, each UAC's own unsustained runs are left out.
  const fitRates = points.filter((p) => TOOLS.every((t) => p[t].sustained > 0)).map((p) => p.rate);
  const inFit = (r) => r.sustained && fitRates.includes(r.rate);
  const slopeUs = (rs) => {
    const f = leastSquares(rs.map((r) => [r.calls.attempted, r.cpuMs]));
    if (!f || new Set(rs.map((r) => r.rate)).size < 2) return null;
    return { usPerCall: round(f.slope * 1000, 2), interceptMs: round(f.intercept, 0), r2: round(f.r2, 4), n: f.n };
  };
  const fits = {};
  for (const tool of TOOLS) {
    const allPoints = slopeUs(sel(tool, inFit));
    const perRepeat = [];
    for (let rep = 1; rep <= cfg.repeats; rep++) perRepeat.push(slopeUs(sel(tool, (r) => inFit(r) && r.repeat === rep))?.usPerCall ?? null);
    fits[tool] = { allPoints, perRepeat, perRepeatSpread: spread(perRepeat, 2) };
  }
  const med = (t) => fits[t].perRepeatSpread.median;
  const marginal = {
    rates: fitRates,
    excludedRates: cfg.rates.filter((r) => !fitRates.includes(r)),
    fits,
    // judged: median per-repeat slope of callcert ÷ that of SIPp
    ratioCallcertToSipp: ratioOf(med('callcert'), med('sipp')),
    ratioFloorToSipp: ratioOf(med('floor'), med('sipp')),
    ratioCallcertToSippAllPoints: ratioOf(fits.callcert.allPoints?.usPerCall ?? null, fits.sipp.allPoints?.usPerCall ?? null),
    ratioCallcertToSippPerRepeat: spread(fits.callcert.perRepeat.map((c, i) => ratioOf(c, fits.sipp.perRepeat[i])), 3),
    callcertOverFloorUsPerCall: med('callcert') !== null && med('floor') !== null ? round(med('callcert') - med('floor'), 2) : null,
    // The slope between adjacent rates, from the medians: CPU is not linear in calls (wake-ups
    // batch more calls as the rate rises), so these say how much the fitted slope hides.
    segments: points.slice(1).map((hi, i) => {
      const lo = points[i];
      const seg = (t) => {
        const dc = (hi[t].attempted ?? 0) - (lo[t].attempted ?? 0);
        return hi[t].cpuMs !== null && lo[t].cpuMs !== null && dc > 0 ? round(((hi[t].cpuMs - lo[t].cpuMs) * 1000) / dc, 1) : null;
      };
      const o = { from: lo.rate, to: hi.rate };
      for (const t of TOOLS) o[t] = seg(t);
      o.ratioCallcertToSipp = ratioOf(o.callcert, o.sipp);
      return o;
    }),
  };

  const targets = [
    {
      id: 'marginal-vs-sipp',
      what: 'marginal CPU per call, callcert ÷ SIPp (median of per-repeat least-squares slopes)',
      value: marginal.ratioCallcertToSipp,
      max: 1.0,
      spread: marginal.ratioCallcertToSippPerRepeat,
    },
    ...[1000, 2000].map((rate) => {
      const p = points.find((x) => x.rate === rate);
      return {
        id: `total-vs-floor-${rate}`,
        what: `total µs/call at ${fmtInt(rate)} CPS, callcert ÷ Node floor (medians)`,
        value: p?.ratioCallcertToFloor ?? null,
        max: 1.3,
        spread: p?.ratioCallcertToFloorPerRepeat ?? null,
        ...(p ? {} : { note: `${rate} CPS not in --rates` }),
      };
    }),
  ];
  for (const t of targets) t.pass = t.value === null ? null : t.value <= t.max;
  return { points, marginal, targets };
}

async function heldConcurrency() {
  const C = cfg.concurrency;
  const R = cfg.concRampSec;
  const H = cfg.concHoldSec;
  const D = cfg.concDurationSec;
  log(`\n[concurrency] callcert idle baseline: --concurrency 1 --hold ${H}s --ramp 0 --duration ${cfg.concIdleSec}s --set load.gracefulStop=0s`);
  const idle = await runCallcert(
    'conc-callcert-idle',
    ['--concurrency', '1', '--hold', `${H}s`, '--ramp', '0', '--duration', `${cfg.concIdleSec}s`, '--set', 'load.gracefulStop=0s'],
    { expectSec: cfg.concIdleSec + 5, exposeGc: true },
  );
  log(`  ${summarizeRun(idle)}`);
  // gracefulStop 0s: the held calls are hung up at the end of the last stage (cut_at_end), as the
  // measurement needs them held only until then; the default 30 s would keep the run going for it.
  log(`[concurrency] callcert: --concurrency ${C} --hold ${H}s --ramp ${R}s --duration ${D}s --set load.gracefulStop=0s`);
  const cc = await runCallcert(
    'conc-callcert',
    ['--concurrency', String(C), '--hold', `${H}s`, '--ramp', `${R}s`, '--duration', `${D}s`, '--set', 'load.gracefulStop=0s'],
    { expectSec: R + D + 10, planned: C, exposeGc: true },
  );
  log(`  ${summarizeRun(cc)}`);
  const held = cc.concurrency?.peak || null;
  const heapKnown = cc.heapUsedBytesMax !== null && idle.heapUsedBytesMax !== null && held;
  cc.heapPerCallBytes = heapKnown ? round((cc.heapUsedBytesMax - idle.heapUsedBytesMax) / held, 0) : null;
  cc.rssPerCallBytes = cc.maxRssBytes && idle.maxRssBytes && held ? round((cc.maxRssBytes - idle.maxRssBytes) / held, 0) : null;

  log(`[concurrency] SIPp idle baseline: 1 call held ${cfg.concIdleSec} s`);
  const sidle = await runSippUac('conc-sipp-idle', { rate: 1, holdMs: cfg.concIdleSec * 1000, calls: 1, expectSec: cfg.concIdleSec + 2 });
  log(`  ${summarizeRun(sidle)}`);
  log(`[concurrency] SIPp UAC: -l ${C} -r ${cfg.concRampRate} -d ${H * 1000} -m ${C}`);
  // "sustained" for SIPp: min open calls over the same window callcert holds its target (after 1 s settling).
  const sp = await runSippUac('conc-sipp', { rate: cfg.concRampRate, holdMs: H * 1000, calls: C, limit: C, expectSec: R + H + 5, sustainWindowMs: [(R + 1) * 1000, (R + D) * 1000] });
  log(`  ${summarizeRun(sp)}`);
  const sheld = sp.calls.peakOpen || null;
  sp.rssPerCallBytes = sp.maxRssBytes && sidle.maxRssBytes && sheld ? round((sp.maxRssBytes - sidle.maxRssBytes) / sheld, 0) : null;
  return { target: C, rampSec: R, holdSec: H, durationSec: D, callcertIdle: idle, callcert: cc, sippIdle: sidle, sipp: sp };
}

// ---------------------------------------------------------------------------
// main

/** --reanalyze: the stored runs through the current analysis and report, no traffic. */
function reanalyze(file) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  Object.assign(cfg, r.config);
  if (r.cpu?.runs) {
    // The current sustain tests, too (a run's figures are stored; its verdict is recomputed).
    for (const x of r.cpu.runs) {
      x.notSustained = sustainProblems(x, { rate: x.rate, planned: x.callsPlanned, durationSec: cfg.durationSec, holdMs: cfg.holdMs });
      x.sustained = x.notSustained.length === 0;
    }
    Object.assign(r.cpu, analyzeCpu(r.cpu.runs));
    r.targets = { smokeOnly: cfg.quick, judged: r.cpu.targets };
  }
  console.log(renderReport(r));
  console.log(`\n(re-analysed from ${file})`);
}

async function main() {
  if (opt.reanalyze) return reanalyze(opt.reanalyze);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    console.error('bench: dist/ is missing: run `npm run build` first (npm run bench does)');
    process.exit(2);
  }
  const sippV = sippVersion();
  mkdirSync(runDir, { recursive: true });

  const uacs = 3; // SIPp, Node floor, callcert
  const perCpuRunSec = cfg.durationSec + 1 + cfg.settleMs / 1000 + 1.5;
  const cpuSec = cfg.skipCpu ? 0 : cfg.baselineRuns * 4.5 * uacs + cfg.repeats * cfg.rates.length * uacs * perCpuRunSec;
  const concSec = cfg.skipConcurrency
    ? 0
    : 2 * (cfg.concIdleSec + 7) + cfg.concRampSec + cfg.concDurationSec + 10 + cfg.concRampSec + cfg.concHoldSec + 10;
  const budgetSec = Math.ceil((cpuSec + concSec) * 2 + 120);
  log(`bench: callcert vs SIPp ${sippV}, files in ${relative(process.cwd(), runDir) || '.'}; expected ~${Math.ceil((cpuSec + concSec) / 60)} min`);

  const port = await freeUdpPort();
  const udir = join(runDir, 'uas');
  mkdirSync(udir, { recursive: true });
  const uargs = uasArgs({ dir: udir, port, controlPort: await freeUdpPort(), timeoutSec: budgetSec });
  const proc = startMeasured('sipp', uargs, { cwd: udir, timeoutSec: budgetSec + 15, rusageFile: join(udir, 'rusage.txt'), sampleMs: 2000 });
  uas = { port, proc, dir: udir, pid: null };
  await waitForUdpBound(port, proc, 10_000);
  uas.pid = await proc.pid();
  // The idle UAS's own CPU rate (SIPp polls), subtracted from its per-run CPU.
  await sleep(500);
  const i0 = uasCpuMs();
  await sleep(3000);
  const i1 = uasCpuMs();
  uas.idleCpuMsPerSec = i0 !== null && i1 !== null ? (i1 - i0) / 3 : null;
  log(`bench: SIPp UAS on udp 127.0.0.1:${port} (pid ${uas.pid}): sipp ${uargs.join(' ')}`);

  const report = {
    schemaVersion: 2,
    startedAt: startedAt.toISOString(),
    config: cfg,
    host: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemBytes: os.totalmem(),
      platform: `${os.type()} ${os.release()}`,
      node: process.version,
      sipp: sippV,
      loadavgAtStart: os.loadavg().map((x) => round(x, 2)),
    },
    uas: { port, command: `sipp ${uargs.join(' ')}`, dir: relative(ROOT, udir), idleCpuMsPerSec: round(uas.idleCpuMsPerSec, 2) },
    cpu: null,
    // issue 10's targets, judged on the medians (also in cpu.targets); null with --skip-cpu
    targets: null,
    concurrency: null,
  };

  let failure = null;
  try {
    if (!cfg.skipCpu) {
      report.cpu = await cpuPerCall();
      report.targets = { smokeOnly: cfg.quick, judged: report.cpu.targets };
    }
    if (!cfg.skipConcurrency) report.concurrency = await heldConcurrency();
  } catch (e) {
    failure = e;
  }

  // Stop the UAS gracefully (SIGUSR1: finish calls in progress, write stats), then hard.
  proc.signal('SIGUSR1');
  const late = await Promise.race([proc.done.then(() => false), sleep(8000).then(() => true)]);
  if (late) await proc.kill(3000);
  const ur = await proc.done;
  const ust = readSippStats(udir);
  report.uas.cpuMs = round(ur.cpuMs, 1);
  report.uas.maxRssBytes = ur.mem.maxRss || null;
  report.uas.stats = ust && {
    incoming: ust.incomingCalls,
    ok: ust.successfulCalls,
    failed: ust.failedCalls,
    current: ust.currentCalls,
    retransmissions: ust.retransmissions,
    outOfCallMsgs: ust.outOfCallMsgs,
    deadCallMsgs: ust.deadCallMsgs,
  };
  report.endedAt = new Date().toISOString();
  report.host.loadavgAtEnd = os.loadavg().map((x) => round(x, 2));

  mkdirSync(outRoot, { recursive: true });
  const jsonFile = join(outRoot, `results-${stamp}.json`);
  writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');

  console.log(renderReport(report));
  console.log(`\nresults: ${relative(process.cwd(), jsonFile)}   run files: ${relative(process.cwd(), runDir)}`);
  if (failure) {
    console.error(`\nbench: aborted: ${failure.stack ?? failure}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------
// report

const perCallBytes = (n) => (n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : `${fmtInt(n)} B`);

function renderReport(r) {
  const out = [];
  const h = r.host;
  out.push('');
  out.push(`callcert vs SIPp ${h.sipp} — both as UAC against one SIPp UAS (udp 127.0.0.1:${r.uas.port}), ${r.startedAt}`);
  out.push(`host: ${h.cpus}× ${h.cpuModel}, ${h.platform}, node ${h.node}, load avg ${h.loadavgAtStart.join(' ')} → ${h.loadavgAtEnd.join(' ')}${r.config.quick ? '   [--quick]' : ''}`);
  out.push('Absolute numbers depend on the machine and its load; compare the ratios.');

  if (r.cpu) {
    const c = r.cpu;
    const cf = r.config;
    out.push('');
    out.push(`1) CPU per call — ${cf.durationSec} s at each rate, 1 s hold, callcert --workers 1; ${cf.repeats} repeat(s) of every rate, the UACs interleaved`);
    out.push(`   (rate by rate, their order rotated each time). CPU = user+sys of the UAC process (wait4 rusage), minus its fixed cost`);
    out.push(`   measured on ~0-call runs (min of ${cf.baselineRuns}): SIPp ${fmtFixed(c.baselineCpuMs.sipp, 0)} ms, Node floor ${fmtFixed(c.baselineCpuMs.floor, 0)} ms, callcert ${fmtFixed(c.baselineCpuMs.callcert, 0)} ms.`);
    out.push('   Node floor = bench/lib/node-floor-uac.mjs, the least a Node.js UAC can do for these calls (no parser, metrics or records):');
    out.push('   floor vs SIPp is what Node itself costs; callcert vs floor is what callcert\'s own work adds.');
    const range2 = (s, d = 1) => (s && s.n > 1 ? `${fmtFixed(s.min, d)}–${fmtFixed(s.max, d)}` : '');
    const rows = [];
    for (const p of c.points) {
      if (rows.length) rows.push('-');
      for (const t of TOOLS) {
        const u = p[t];
        rows.push({
          cps: String(p.rate),
          uac: TOOL_NAME[t],
          runs: `${u.sustained}/${u.runs}`,
          attempted: fmtInt(u.attempted),
          cpu: fmtInt(u.cpuMs),
          per: fmtFixed(u.usPerCall.median, 1),
          perRange: range2(u.usPerCall),
          ratio: t === 'sipp' ? (u.sustained ? '1.00×' : 'n/a') : fmtRatio(t === 'floor' ? p.ratioFloorToSipp : p.ratioCallcertToSipp),
          vsFloor: t === 'callcert' ? fmtRatio(p.ratioCallcertToFloor) : '',
          vsFloorRange: t === 'callcert' ? range2(p.ratioCallcertToFloorPerRepeat, 2) : '',
          uas: fmtFixed(u.uasUsPerCall, 1),
          wake: fmtFixed(u.uasWakeupsPerCall, 2),
          load: fmtFixed(u.load1, 2),
        });
      }
    }
    out.push(
      renderTable(
        [
          { key: 'cps', title: 'CPS' },
          { key: 'uac', title: 'UAC' },
          { key: 'runs', title: 'runs used' },
          { key: 'attempted', title: 'calls' },
          { key: 'cpu', title: 'CPU ms' },
          { key: 'per', title: 'µs/call' },
          { key: 'perRange', title: 'µs/call min–max' },
          { key: 'ratio', title: 'vs SIPp' },
          { key: 'vsFloor', title: 'vs floor' },
          { key: 'vsFloorRange', title: 'vs floor per repeat' },
          { key: 'uas', title: 'UAS µs/call' },
          { key: 'wake', title: 'UAS wake/call' },
          { key: 'load', title: 'load1' },
        ],
        rows,
      ),
    );
    out.push('   Medians over the repeats that sustained the rate (runs used = sustained/run); calls, CPU ms, µs/call, UAS and load1 are');
    out.push('   medians; µs/call = (CPU − baseline) ÷ calls attempted. vs SIPp, vs floor = ratio of the medians; "per repeat" = the same');
    out.push(`   ratio within each repeat. UAS µs/call = the shared UAS's CPU during the run less its idle rate (${fmtFixed(r.uas.idleCpuMsPerSec, 1)} ms/s), per call;`);
    out.push('   UAS wake/call = its voluntary context switches per call (evenly spread messages → more wake-ups → more UAS CPU per call).');
    for (const p of c.points) {
      for (const t of TOOLS) {
        for (const x of p[t].excluded) out.push(`   EXCLUDED ${TOOL_NAME[t]} at ${p.rate} CPS, repeat ${x.repeat}: did not sustain the rate (${x.why.join('; ')})`);
        if (p[t].sustained === 0) out.push(`   ${TOOL_NAME[t]} could not sustain ${p.rate} CPS in any repeat on this machine: that rate is left out of the fits.`);
      }
    }

    const m = c.marginal;
    out.push('');
    out.push(`   Marginal CPU per extra call: least-squares slope of CPU ms against calls over the runs at ${m.rates.map((x) => fmtInt(x)).join(', ') || 'no'} CPS`);
    out.push('   (equally long runs, so fixed and per-second costs fall into the intercept); per repeat = the same fit over one repeat\'s runs.');
    if (m.excludedRates.length) out.push(`   Not in the fits (some UAC never sustained them): ${m.excludedRates.join(', ')} CPS.`);
    out.push(
      renderTable(
        [
          { key: 'uac', title: 'UAC' },
          { key: 'med', title: 'µs/call (median of repeats)' },
          { key: 'rng', title: 'per repeat min–max' },
          { key: 'reps', title: 'per repeat' },
          { key: 'all', title: 'all points fit' },
          { key: 'r2', title: 'R²' },
          { key: 'n', title: 'runs' },
          { key: 'vs', title: 'vs SIPp' },
        ],
        TOOLS.map((t) => {
          const f = m.fits[t];
          return {
            uac: TOOL_NAME[t],
            med: fmtFixed(f.perRepeatSpread.median, 1),
            rng: range2(f.perRepeatSpread, 1),
            reps: f.perRepeat.map((x) => fmtFixed(x, 1)).join(', '),
            all: fmtFixed(f.allPoints?.usPerCall, 1),
            r2: fmtFixed(f.allPoints?.r2, 3),
            n: fmtInt(f.allPoints?.n),
            vs: t === 'sipp' ? '1.00×' : fmtRatio(t === 'floor' ? m.ratioFloorToSipp : m.ratioCallcertToSipp),
          };
        }),
      ),
    );
    if (m.segments?.length) {
      out.push('   Slope between adjacent rates (from the medians; CPU is not linear in calls, as wake-ups batch more calls at higher rates):');
      for (const g of m.segments) {
        out.push(`     ${g.from} → ${g.to} CPS: SIPp ${fmtFixed(g.sipp, 1)}, Node floor ${fmtFixed(g.floor, 1)}, callcert ${fmtFixed(g.callcert, 1)} µs/call (callcert ÷ SIPp ${fmtRatio(g.ratioCallcertToSipp)})`);
      }
    }
    out.push(`   callcert − Node floor = ${fmtFixed(m.callcertOverFloorUsPerCall, 1)} µs per marginal call (callcert's own work); callcert ÷ SIPp per repeat ` +
      `${range2(m.ratioCallcertToSippPerRepeat, 2) || fmtFixed(m.ratioCallcertToSippPerRepeat.median, 2)}, all points fit ${fmtRatio(m.ratioCallcertToSippAllPoints)}.`);

    out.push('');
    out.push(`   Targets (issue 10), judged on the medians${cf.quick ? ' — --quick is a smoke run, NOT a measurement: do not judge by it' : ''}:`);
    for (const t of c.targets) {
      const verdict = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
      const sp = t.spread && t.spread.n > 1 ? ` (per repeat ${fmtFixed(t.spread.min, 2)}–${fmtFixed(t.spread.max, 2)}×)` : '';
      out.push(`   ${verdict}  ${t.what}: ${fmtRatio(t.value)} (target ≤ ${t.max.toFixed(2)}×)${sp}${t.note ? `: ${t.note}` : ''}`);
    }

    out.push('');
    out.push('   callcert generator health, every run (from results.json):');
    const ccRuns = c.runs.filter((x) => x.uac === 'callcert');
    out.push(
      renderTable(
        [
          { key: 'rep', title: 'repeat' },
          { key: 'cps', title: 'CPS' },
          { key: 'valid', title: 'valid' },
          { key: 'achieved', title: 'achieved CPS' },
          { key: 'failed', title: 'failed' },
          { key: 'slip', title: 'slip p99 ms' },
          { key: 'lag', title: 'loop lag p99 ms' },
          { key: 'setup', title: 'setup p95 ms' },
          { key: 'gcpu', title: 'gen CPU %' },
          { key: 'note', title: 'invalid reasons / problems', align: 'left' },
        ],
        ccRuns.map((x) => ({
          rep: String(x.repeat),
          cps: String(x.rate),
          valid: x.valid === null ? 'n/a' : x.valid ? 'yes' : 'NO',
          achieved: fmtFixed(x.cpsAchieved, 1),
          failed: fmtInt(x.calls.failed),
          slip: fmtFixed(x.scheduleSlipP99Ms, 2),
          lag: fmtFixed(x.eventLoopLagP99Ms, 2),
          setup: fmtFixed(x.setupP95Ms, 2),
          gcpu: fmtFixed(x.generatorCpuPct, 1),
          note: x.problems.map((p) => p.replace(/ \(.*$/, '')).join('; ').slice(0, 80) || '-',
        })),
      ),
    );
    for (const x of c.runs) {
      if (x.problems.length) out.push(`   ${TOOL_NAME[x.uac]} at ${x.rate} CPS, repeat ${x.repeat}: ${x.problems.join('; ')}`);
    }
    const bad = [...new Set(ccRuns.filter((x) => x.valid === false || (x.calls.failed ?? 0) > 0).map((x) => x.rate))];
    out.push(
      bad.length === 0
        ? `   callcert kept up (valid, 0 failed) in every run on 1 worker, up to ${fmtInt(Math.max(...cf.rates))} CPS.`
        : `   callcert did NOT keep up on 1 worker in some runs at: ${bad.map((x) => `${x} CPS`).join(', ')} (see above).`,
    );
  }

  if (r.concurrency) {
    const k = r.concurrency;
    const cc = k.callcert;
    const sp = k.sipp;
    const idle = k.callcertIdle;
    const sidle = k.sippIdle;
    out.push('');
    out.push(`2) Held concurrency — ${fmtInt(k.target)} signalling-only calls, ramp ${k.rampSec} s, hold ${k.holdSec} s (callcert holds the target for ${k.durationSec} s, then hangs up)`);
    out.push(
      renderTable(
        [
          { key: 'uac', title: 'UAC' },
          { key: 'att', title: 'calls' },
          { key: 'ok', title: 'successful' },
          { key: 'failed', title: 'failed' },
          { key: 'peak', title: 'peak held' },
          { key: 'sus', title: 'sustained' },
          { key: 'heap', title: 'heap peak' },
          { key: 'heapc', title: 'heap/call' },
          { key: 'rss', title: 'RSS peak' },
          { key: 'rssc', title: 'RSS/call' },
          { key: 'cpu', title: 'CPU ms' },
        ],
        [
          {
            uac: 'callcert',
            att: fmtInt(cc.calls.attempted),
            ok: fmtInt(cc.calls.ok),
            failed: fmtInt(cc.calls.failed),
            peak: fmtInt(cc.concurrency?.peak),
            sus: fmtInt(cc.concurrency?.sustained),
            heap: fmtBytes(cc.heapUsedBytesMax),
            heapc: perCallBytes(cc.heapPerCallBytes),
            rss: fmtBytes(cc.maxRssBytes),
            rssc: perCallBytes(cc.rssPerCallBytes),
            cpu: fmtInt(cc.cpuMs),
          },
          {
            uac: 'callcert idle',
            att: fmtInt(idle.calls.attempted),
            ok: fmtInt(idle.calls.ok),
            failed: fmtInt(idle.calls.failed),
            peak: fmtInt(idle.concurrency?.peak),
            sus: fmtInt(idle.concurrency?.sustained),
            heap: fmtBytes(idle.heapUsedBytesMax),
            heapc: '',
            rss: fmtBytes(idle.maxRssBytes),
            rssc: '',
            cpu: fmtInt(idle.cpuMs),
          },
          '-',
          {
            uac: 'SIPp',
            att: fmtInt(sp.calls.attempted),
            ok: fmtInt(sp.calls.ok),
            failed: fmtInt(sp.calls.failed),
            peak: fmtInt(sp.calls.peakOpen),
            sus: fmtInt(sp.calls.sustainedOpen),
            heap: 'n/a',
            heapc: 'n/a',
            rss: fmtBytes(sp.maxRssBytes),
            rssc: perCallBytes(sp.rssPerCallBytes),
            cpu: fmtInt(sp.cpuMs),
          },
          {
            uac: 'SIPp idle',
            att: fmtInt(sidle.calls.attempted),
            ok: fmtInt(sidle.calls.ok),
            failed: fmtInt(sidle.calls.failed),
            peak: fmtInt(sidle.calls.peakOpen),
            sus: '',
            heap: 'n/a',
            heapc: '',
            rss: fmtBytes(sidle.maxRssBytes),
            rssc: '',
            cpu: fmtInt(sidle.cpuMs),
          },
        ],
      ),
    );
    const goal = 2048;
    out.push(
      `   heap/call = (callcert worker's heap in use after a forced GC, max over the run − the idle run's) ÷ peak held = ${perCallBytes(cc.heapPerCallBytes)}: ` +
        (cc.heapPerCallBytes === null ? 'n/a' : cc.heapPerCallBytes < goal ? 'meets the < 2 KiB goal' : 'MISSES the < 2 KiB (2,048 B) goal'),
    );
    out.push('   RSS = VmRSS of the whole process, sampled every 0.5 s; RSS/call = (peak − idle run\'s peak) ÷ peak held.');
    out.push(`   VmHWM (true peak, incl. the hang-up and results writing): callcert ${fmtBytes(cc.hwmBytes)}, SIPp ${fmtBytes(sp.hwmBytes)}.`);
    out.push(`   SIPp held = its CurrentCall (1 s stats rows; sustained = min over the window callcert holds its target);`);
    out.push(`   SIPp runs its calls to the end of the ${k.holdSec} s hold, callcert hangs up after ${k.rampSec + k.durationSec} s.`);
    out.push(`   callcert: valid ${cc.valid}, verdict ${cc.verdict}, slip p99 ${fmtFixed(cc.scheduleSlipP99Ms, 2)} ms, setup p95 ${fmtFixed(cc.setupP95Ms, 2)} ms, ` +
      `aborted ${fmtInt(cc.calls.aborted)}, unfinished ${fmtInt(cc.calls.unfinished)}${cc.problems.length ? `; problems: ${cc.problems.join('; ')}` : ''}`);
    if (sp.problems.length) out.push(`   SIPp: ${sp.problems.join('; ')}`);
  }

  const u = r.uas;
  out.push('');
  out.push(
    `UAS: ${u.stats ? `${fmtInt(u.stats.incoming)} calls received, ${fmtInt(u.stats.ok)} successful, ${fmtInt(u.stats.failed)} failed, ${fmtInt(u.stats.current)} still open at exit, ${fmtInt(u.stats.retransmissions)} retransmissions, ${fmtInt(u.stats.outOfCallMsgs)} out-of-call msgs` : 'no stats'}; CPU ${fmtInt(u.cpuMs)} ms, RSS peak ${fmtBytes(u.maxRssBytes)}`,
  );
  return out.join('\n');
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e}`);
  killAll('SIGKILL');
  process.exit(1);
});
