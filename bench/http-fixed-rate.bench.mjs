#!/usr/bin/env node
/**
 * HTTP fixed-rate accuracy: how close runFixedRate (dist/http/fixed-rate.js) comes to
 * its offered rate against a trivial node:http server on 127.0.0.1. Issue 03's figure
 * is 2,000 req/s for 10 s within ±2 % (completed and achieved rps); this used to be a
 * test, but it measures the host as much as the code, so it lives here and the test
 * (test/integration/http-fixed-rate.test.ts) keeps only the exact accounting at 200 req/s.
 *
 *   npm run build && node bench/http-fixed-rate.bench.mjs
 *   node bench/http-fixed-rate.bench.mjs --rate 2000 --duration 10 --connections 16 --runs 3
 *
 * The server runs in its own process (so the generator's event loop measures only the
 * generator). No npm packages. Traffic stays on 127.0.0.1; each run is bounded by its
 * schedule plus runFixedRate's drain time, the server by `timeout`.
 * Prints one line per run and a summary; exits 1 when a run misses ±2 %.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { runFixedRate } from '../dist/http/fixed-rate.js';

const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    runs: { type: 'string', default: '1' },
    tolerance: { type: 'string', default: '2' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log('usage: node bench/http-fixed-rate.bench.mjs [--rate 2000] [--duration 10 (s)] [--connections 16] [--runs 1] [--tolerance 2 (%)]');
  process.exit(0);
}
const num = (name, v) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`http-fixed-rate.bench: --${name} expects a number > 0, got "${v}"`);
    process.exit(2);
  }
  return n;
};
const rate = num('rate', opt.rate);
const durationMs = num('duration', opt.duration) * 1000;
const connections = num('connections', opt.connections);
const runs = num('runs', opt.runs);
const tolerancePct = num('tolerance', opt.tolerance);

const SERVER = `
const s = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
});
s.keepAliveTimeout = 30000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

const budgetSec = Math.ceil((durationMs / 1000 + 15) * runs + 10);
const server = spawn('timeout', ['-k', '2', String(budgetSec), process.execPath, '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  server.once('exit', (c) => reject(new Error(`server exited (${c}) before listening`)));
  server.stdout.setEncoding('utf8').once('data', (d) => resolve(Number(String(d).trim())));
});
const url = `http://127.0.0.1:${port}/`;
const expected = Math.round((rate * durationMs) / 1000);
const pct = (a, b) => (100 * (a - b)) / b;

let failed = 0;
try {
  console.log(`fixed-rate accuracy: ${rate} req/s for ${durationMs / 1000} s over ${connections} connections → ${url} (±${tolerancePct} %)`);
  for (let i = 1; i <= runs; i++) {
    const r = await runFixedRate({ url, ratePerSec: rate, durationMs, connections, timeoutMs: 5000 });
    const dCompleted = pct(r.completed, expected);
    const dRps = pct(r.rps, rate);
    const ok = Math.abs(dCompleted) <= tolerancePct && Math.abs(dRps) <= tolerancePct && r.errors.total === 0 && r.dropped === 0;
    if (!ok) failed++;
    console.log(
      `run ${i}: requests ${r.requests}, completed ${r.completed} (${dCompleted.toFixed(2)} %), rps ${r.rps.toFixed(1)} (${dRps.toFixed(2)} %), ` +
        `errors ${r.errors.total}, dropped ${r.dropped}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
        `slip p99 ${r.generator.scheduleSlipMsP99.toFixed(2)} ms, loop lag p99 ${r.generator.eventLoopLagMsP99.toFixed(2)} ms → ${ok ? 'within' : 'OUTSIDE'} ±${tolerancePct} %`,
    );
  }
} finally {
  server.kill('SIGTERM');
}
console.log(failed === 0 ? `all ${runs} run(s) within ±${tolerancePct} %` : `${failed} of ${runs} run(s) outside ±${tolerancePct} %`);
process.exitCode = failed === 0 ? 0 : 1;
