/**
 * `callcert dashboard RESULTS_DIR` on a run still being written: started while a short run against the
 * embedded call centre goes, its event stream first carries a snapshot of the partial results.json
 * (state running), then the finished one, whose counts are results.json's. Ctrl-C ends it with 0.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCli, readResults, startCli, tempDir } from '../helpers/cli.js';
import { readSse } from '../helpers/sse.js';

const dir = tempDir('dashboard-files');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Until `f()` is true, polling every 100 ms. */
async function until(what: string, f: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('callcert dashboard on a run being written', () => {
  it('serves the partial results, then the final ones equal to results.json', async () => {
    const out = path.join(dir, 'out');
    const run = startCli([
      'run', '--concurrency', '4', '--ramp', '2s', '--duration', '10s', '--hold', '1s', '--media', 'none', '--workers', '1',
      '--criterion', 'ser>=0.99', '--out', out, '--quiet',
    ], { timeoutSec: 90 });
    await until('output directory', () => existsSync(path.join(out, 'scenario.resolved.json')) || run.proc.done, 30_000);
    const dash = startCli(['dashboard', out, '--listen', '127.0.0.1:0'], { timeoutSec: 90 });
    const urlOf = () => /on (http:\/\/127\.0\.0\.1:\d+\/);/.exec(dash.proc.stderrSoFar())?.[1];
    await until('dashboard URL', () => urlOf() !== undefined || dash.proc.done, 30_000);
    const url = urlOf();
    expect(url, dash.proc.stderrSoFar()).toBeDefined();
    type Snap = { state: string; calls: { attempted: number; answered: number; failed: number; blocked: number } };
    const msgs = await readSse(`${url}events`, (m) => m.some((x) => (x.data as Snap).state === 'finished'), 60_000);
    const runRes = await run.result;
    expect(runRes.code, describeCli(runRes)).toBe(0);
    const states = msgs.map((m) => (m.data as Snap).state);
    expect(states[0]).toBe('running');
    const final = msgs.at(-1)!.data as Snap;
    const r = readResults(out);
    const { attempted, answered, failed, blocked } = r.summary.calls;
    expect(final.calls).toEqual({ attempted, answered, failed, blocked });
    expect(answered).toBeGreaterThan(0);
    expect(dash.signal('SIGINT')).toBe(true);
    const dashRes = await dash.result;
    expect(dashRes.code, describeCli(dashRes)).toBe(0);
  }, 120_000);

  it('refuses a directory that does not exist, naming it', async () => {
    const missing = path.join(dir, 'nope');
    const res = await startCli(['dashboard', missing, '--listen', '127.0.0.1:0'], { timeoutSec: 30 }).result;
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${missing}: no such results directory or file`);
  }, 60_000);
});
