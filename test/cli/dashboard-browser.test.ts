/**
 * `--dashboard` in a real browser: Debian's Chromium, headless, driven by playwright-core (pointed at
 * /usr/bin/chromium; it never downloads one). During a short closed-model run against the embedded call
 * centre, bound off loopback so the URL carries an access token, the page loads and goes live, its channel
 * tile and the channel chart rise during the ramp, and once the run finishes it shows results.json's final
 * counts. A screenshot of the final page is kept (test-artifacts/, path printed). A wrong or missing token
 * gets 401, from the browser and from a plain request.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readResults, REPO_ROOT, startCli, tempDir } from '../helpers/cli.js';
import { freeTcpPort, requireCommand } from '../helpers/procs.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const dir = tempDir('dashboard-browser');
let browser: Browser | null = null;

beforeAll(async () => {
  requireCommand(CHROMIUM, 'apt-get install chromium');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Until `f()` gives a value that is not undefined, polling every 200 ms. */
async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the live dashboard in headless Chromium', () => {
  it('loads, rises with the ramp, ends on the counts of results.json; a wrong token gets 401', async () => {
    const port = await freeTcpPort();
    const out = path.join(dir, 'out');
    const target = 8;
    const run = startCli([
      'run', '--concurrency', String(target), '--ramp', '6s', '--duration', '3s', '--hold', '2s', '--media', 'none',
      '--workers', '1', '--criterion', 'ser>=0.99', '--criterion', 'setup_ms p(95)<2000', '--out', out,
      '--dashboard', `0.0.0.0:${port}`, '--sink-linger', '60s',
    ], { timeoutSec: 120 });
    const printed = await until('dashboard URL', () => /dashboard on (http:\/\/\S+)/.exec(run.proc.stderrSoFar())?.[1]
      ?? (run.proc.done ? 'exited' : undefined), 30_000);
    expect(printed, run.proc.stderrSoFar()).toMatch(new RegExp(`^http://0\\.0\\.0\\.0:${port}/\\?token=[0-9a-f]{32}$`));
    const url = printed.replace('0.0.0.0', '127.0.0.1');
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });

    const bad = await page.goto(url.replace(/token=\w+/, `token=${'f'.repeat(32)}`));
    expect(bad?.status()).toBe(401);
    expect((await fetch(url.replace(/\?token=\w+/, ''))).status).toBe(401);
    expect((await fetch(url.replace(/\?token=\w+/, 'events'))).status).toBe(401);

    const ok = await page.goto(url);
    expect(ok?.status()).toBe(200);
    await until('live link', async () => ((await page.textContent('#link')) === 'live' ? true : undefined), 20_000);

    // During the ramp: the channel tile and the channel chart's established calls, as the page shows them.
    const tile: number[] = [];
    const chartMax: number[] = [];
    const num = async (id: string) => Number((await page.textContent(id))?.replace(/[^\d.]/g, '') || NaN);
    await until('the end of the ramp', async () => {
      const state = (await page.textContent('#state')) ?? '';
      const active = await num('#active');
      if (Number.isFinite(active) && state.startsWith('running')) tile.push(active);
      const m = await page.evaluate(() => {
        type Drawn = { data: { datasets: Array<{ data: Array<{ y: number | null }> }> } };
        const c = (globalThis as unknown as { callcertCharts?: Record<string, Drawn> }).callcertCharts?.channels;
        if (c === undefined) return null;
        return Math.max(0, ...c.data.datasets[0].data.map((p) => p.y ?? 0));
      });
      if (m !== null) chartMax.push(m);
      return state.startsWith('finished') || tile.some((v) => v >= target) ? true : undefined;
    }, 60_000);
    const firstPositive = tile.findIndex((v) => v > 0);
    expect(firstPositive, `tile values ${tile.join(',')}`).toBeGreaterThanOrEqual(0);
    expect(Math.max(...tile.slice(firstPositive)), `tile values ${tile.join(',')}`).toBeGreaterThan(tile[firstPositive]);
    expect(tile.some((v) => v > 0 && v < target), `tile values ${tile.join(',')}: one below the target during the ramp`).toBe(true);
    expect(chartMax.length, 'channel chart drawn').toBeGreaterThan(0);
    expect(Math.max(...chartMax)).toBeGreaterThan(chartMax[0]);

    await until('the finished state', async () => ((await page.textContent('#state'))?.startsWith('finished') ? true : undefined), 60_000);
    const shown = { attempted: await num('#attempted'), answered: await num('#answered'), failed: await num('#failed') };
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${shot}; channel tile during the ramp: ${tile.join(',')}`);

    // Ctrl-C ends the linger; the run's results.json is then complete.
    expect(run.signal('SIGINT')).toBe(true);
    const res = await run.result;
    expect(res.code, describeCli(res)).toBe(0);
    const r = readResults(out);
    expect(shown).toEqual({ attempted: r.summary.calls.attempted, answered: r.summary.calls.answered, failed: r.summary.calls.failed });
    expect(r.summary.calls.answered).toBeGreaterThan(0);
    expect(await page.textContent('#state')).toBe(`finished · ${r.verdict}`);
  }, 180_000);
});
