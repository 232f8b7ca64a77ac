/**
 * A worker that dies mid-run must not take the results with it: the run is
 * reported invalid with the reason, results.json and calls.jsonl are still
 * written, and the exit code is 3. SIGTERM behaves like Ctrl-C.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnBounded } from '../helpers/procs.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/callcert.js');

function outDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'callcert-crash-')), 'out');
}

describe('run robustness', () => {
  it('marks the run invalid when a worker crashes, and keeps what was measured', async () => {
    const out = outDir();
    const p = spawnBounded(process.execPath, [CLI, 'run', '--media', 'none', '--concurrency', '40', '--hold', '2s', '--ramp', '1s', '--duration', '6s', '--workers', '2', '--quiet', '--out', out], {
      timeoutSec: 60,
      env: { ...process.env, CALLCERT_TEST_CRASH_WORKER: '1:3000' },
    });
    const r = await p.exited;
    expect(r.code).toBe(3);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.valid).toBe(false);
    expect(results.verdict).toBe('invalid');
    expect(results.invalidReasons.join('\n')).toMatch(/worker 1 crashed: CC_ERR_WORKER_CRASHED: injected crash/);
    // Worker 0 carried on to the end: its calls are all there.
    const calls = readFileSync(path.join(out, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(calls.filter((c) => c.w === 0 && c.cause === 'completed').length).toBeGreaterThan(20);
    expect(r.stdout).toMatch(/verdict: INVALID/);
  });

  it('stops on SIGTERM: hangs up, writes results flagged interrupted, exits 3', async () => {
    const out = outDir();
    const p = spawnBounded(process.execPath, [CLI, 'run', '--media', 'none', '--concurrency', '30', '--hold', '30s', '--ramp', '1s', '--duration', '30s', '--quiet', '--out', out], {
      timeoutSec: 60,
    });
    await new Promise((r) => setTimeout(r, 4000));
    expect(p.signalCommand('SIGTERM')).toBe(true);
    const r = await p.exited;
    expect(r.code).toBe(3);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.interrupted).toBe(true);
    expect(results.state).toBe('finished');
    // Every call that was up got its BYE answered before exit (how many were up depends on
    // how fast the process started on a loaded machine).
    expect(results.summary.calls.answered).toBeGreaterThan(0);
    // Cut short by the stop (30 s holds, stopped at ~4 s): cut_at_end, never completed.
    expect(results.summary.calls.cutAtEnd).toBe(results.summary.calls.answered);
    expect(results.summary.calls.completed).toBe(0);
    expect(results.summary.calls.failed).toBe(0);
    expect(results.embeddedTarget.active).toBe(0);
    expect(results.durationMs).toBeLessThan(30_000);
  });

  it('closed model against a full platform: refused slots are redialled after a pause, not in a storm', async () => {
    const out = outDir();
    const p = spawnBounded(process.execPath, [CLI, 'run', '--media', 'none', '--concurrency', '60', '--hold', '2s', '--ramp', '1s', '--duration', '5s', '--set', 'embedded.capacity=30', '--quiet', '--out', out], {
      timeoutSec: 60,
    });
    const r = await p.exited;
    expect(r.code).toBe(1); // no criteria set: not judged, and the 503s make it exit 1 (SIPp's rule)
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    const calls = results.summary.calls;
    expect(results.summary.concurrency.peak).toBe(30);
    expect(results.summary.failuresByCode['503']).toBe(calls.failed);
    // The pause, as a count: each of the 30 refused slots redials at most once per
    // FAILED_SLOT_RETRY_MS (1 s) over the run, and each answered call's make-before-break
    // replacement can be refused once more. A refill-at-once loop exceeds this by orders of
    // magnitude (~12,000 attempts on this machine).
    const seconds = Math.ceil(results.durationMs / 1000);
    expect(calls.failed).toBeLessThanOrEqual(30 * (seconds + 1) + calls.answered);
    expect(calls.attempted).toBeLessThan(600);
    expect(results.embeddedTarget.responsesSent['503']).toBe(calls.failed);
  });
});
