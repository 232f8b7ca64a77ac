/**
 * The dashboard's server over real loopback sockets (the access token, the page, the event stream that
 * replays the last snapshot to a late client) and its snapshot of a real results.json: the report's own
 * chart configs, the counts as results.json has them. The browser side is test/cli/dashboard-browser.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardServer } from '../../src/outputs/dashboard/server.js';
import { chartConfig } from '../../src/report/chart-config.js';
import { channelsSpec } from '../../src/report/chart-specs.js';
import { dashboardPage, dashboardSnapshot } from '../../src/report/dashboard-page.js';
import { parseResults } from '../../src/results/read.js';
import { parseListenAddress } from '../../src/outputs/prometheus/sink-args.js';
import { DASHBOARD_PORT } from '../../src/outputs/dashboard/index.js';
import { readSse } from '../helpers/sse.js';

const results = parseResults(readFileSync(new URL('../fixtures/junit/smoke-results.json', import.meta.url)), 'smoke-results.json');
let server: DashboardServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

/** The first `snapshot` message of an event stream. */
async function firstSnapshot(url: string): Promise<Record<string, unknown>> {
  const msgs = await readSse(url, (m) => m.some((x) => x.event === 'snapshot'), 10_000);
  return msgs.find((x) => x.event === 'snapshot')!.data as Record<string, unknown>;
}

describe('the dashboard server', () => {
  it('on loopback: no token; the page is self-contained; a late client gets the last snapshot', async () => {
    server = new DashboardServer({ host: '127.0.0.1', port: 0, option: '--dashboard', page: dashboardPage });
    await server.listen();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await (await fetch(server.url)).text();
    expect(page).toContain('<title>callcert dashboard</title>');
    expect(page).toContain('new EventSource(');
    // Nothing fetched from elsewhere: no external src/href at all.
    expect(page).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    server.send('snapshot', dashboardSnapshot(results));
    const snap = await firstSnapshot(`${server.url}events`);
    expect(snap.calls).toEqual({
      attempted: results.summary.calls.attempted, answered: results.summary.calls.answered,
      failed: results.summary.calls.failed, blocked: results.summary.calls.blocked,
    });
    const charts = snap.charts as Array<{ id: string; config: unknown }>;
    expect(charts.map((c) => c.id)).toContain('channels');
    // The report's own chart config (600 points per series here, the report keeps 4000).
    expect(charts.find((c) => c.id === 'channels')!.config).toEqual(chartConfig(channelsSpec(results), 'en', 600));
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
  });

  it('off loopback: the URL carries a random token, anything without it is 401', async () => {
    server = new DashboardServer({ host: '0.0.0.0', port: 0, option: '--dashboard', page: dashboardPage });
    await server.listen();
    const m = /^http:\/\/0\.0\.0\.0:(\d+)\/\?token=([0-9a-f]{32})$/.exec(server.url);
    expect(m, server.url).not.toBeNull();
    const base = `http://127.0.0.1:${m![1]}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/events`)).status).toBe(401);
    expect((await fetch(`${base}/?token=${'0'.repeat(32)}`)).status).toBe(401);
    expect((await fetch(`${base}/?token=short`)).status).toBe(401);
    expect((await fetch(`${base}/?token=${m![2]}`)).status).toBe(200);
  });

  it('listens on 127.0.0.1:9467 unless told otherwise', () => {
    expect(parseListenAddress(undefined, '--dashboard', DASHBOARD_PORT)).toEqual({ host: '127.0.0.1', port: 9467 });
    expect(parseListenAddress('0.0.0.0', '--dashboard', DASHBOARD_PORT)).toEqual({ host: '0.0.0.0', port: 9467 });
  });
});
