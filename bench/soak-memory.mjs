#!/usr/bin/env node
/**
 * callcert's own memory over a long run (issue: stability run). Starts `callcert run` with
 * the given scenario and flags, reads the process's resident set (VmRSS, every worker thread
 * included: they share the process) from /proc every --every seconds, and prints the
 * least-squares slope of RSS over the steady part (after --settle), in MiB per hour, with the
 * first and last tenth's means. The samples go to OUT/memory.csv beside the run's results.
 *
 *   node bench/soak-memory.mjs --out /tmp/soak -- scenarios/soak-24h.yaml \
 *     --set load.stages[0].duration=2m --set load.stages[1].duration=1h
 *
 * Not part of `npm run bench` (an hour at least); the closing note of the stability work
 * gives its figures. Bounded: the child is killed at the scenario's own length + 10 min.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// The same least-squares fit the report's drift rule uses (built dist/: run `npm run build` first).
import { lsSlope } from '../dist/report/stability-figures.js';

const dash = process.argv.indexOf('--');
const own = parseArgs({
  args: process.argv.slice(2, dash < 0 ? undefined : dash),
  options: {
    out: { type: 'string' },
    every: { type: 'string', default: '10' },
    settle: { type: 'string', default: '600' },
    'max-s': { type: 'string', default: String(26 * 3600) },
  },
});
const runArgs = dash < 0 ? [] : process.argv.slice(dash + 1);
const out = own.values.out ?? `/tmp/callcert-soak-${Date.now()}`;
const everyS = Number(own.values.every);
const settleS = Number(own.values.settle);
const maxS = Number(own.values['max-s']);
mkdirSync(out, { recursive: true });

const bin = new URL('../bin/callcert.js', import.meta.url).pathname;
const child = spawn(process.execPath, [bin, 'run', ...runArgs, '--out', join(out, 'results'), '--quiet'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
const t0 = Date.now();
const rows = [];
const kill = setTimeout(() => child.kill('SIGTERM'), maxS * 1000);

function statusKiB(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const timer = setInterval(() => {
  const rss = statusKiB(child.pid, 'VmRSS');
  if (rss === null) return;
  rows.push([Math.round((Date.now() - t0) / 1000), rss, statusKiB(child.pid, 'VmHWM')]);
  writeFileSync(join(out, 'memory.csv'), 'tS,rssKiB,hwmKiB\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
}, everyS * 1000);

child.on('exit', (code, signal) => {
  clearInterval(timer);
  clearTimeout(kill);
  const steady = rows.filter((r) => r[0] >= settleS);
  const fit = lsSlope(steady.map((r) => r[0] / 3600), steady.map((r) => r[1] / 1024));
  const tenth = Math.max(1, Math.floor(steady.length / 10));
  const mean = (a) => a.reduce((s, r) => s + r[1] / 1024, 0) / a.length;
  const res = existsSync(join(out, 'results', 'results.json'))
    ? JSON.parse(readFileSync(join(out, 'results', 'results.json'), 'utf8'))
    : null;
  const summary = {
    exit: code ?? signal,
    samples: rows.length,
    steadySamples: steady.length,
    steadyFromS: settleS,
    rssSlopeMiBPerHour: fit === null ? null : round(fit),
    rssFirstTenthMiB: steady.length ? round(mean(steady.slice(0, tenth))) : null,
    rssLastTenthMiB: steady.length ? round(mean(steady.slice(-tenth))) : null,
    rssMaxMiB: rows.length ? round(Math.max(...rows.map((r) => r[1])) / 1024) : null,
    calls: res?.summary?.calls?.attempted ?? null,
    verdict: res?.verdict ?? null,
    valid: res?.valid ?? null,
    invalidReasons: res?.invalidReasons ?? null,
  };
  writeFileSync(join(out, 'memory-summary.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
});

function round(v) {
  return Math.round(v * 1000) / 1000;
}
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill('SIGTERM'));
