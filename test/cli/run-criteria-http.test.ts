/**
 * Criteria on HTTP loads, flows and outbound calls, through the built CLI against
 * the embedded call centre and its CTI API:
 * - a flow whose poll can never be met (every flow times out) fails
 *   flow_failures{flow:...} == 0 for real → verdict failed, exit 1, the entry naming
 *   the metric with its selector and the count results.json publishes, while the
 *   HTTP load's criteria beside it pass with the same figures as summary.http;
 * - an outbound campaign with dial_latency_ms p(95) < 0.001 ms (1 µs: no real
 *   INVITE arrives that fast) and abortOnFail stops within seconds of its delay,
 *   recorded as aborted by that criterion.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';

let root = '';

beforeAll(() => {
  requireBuiltCli();
  root = tempDir('run-criteria-http');
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

describe('a flow whose poll times out, beside an HTTP load that is fine (6 s)', () => {
  it('fails flow_failures{flow:stuck} ==0 with the real count, exit 1; the HTTP criteria pass on summary.http figures', async () => {
    const file = join(root, 'stuck.yaml');
    writeFileSync(file, `name: stuck
load:
  model: open
  stages: [{ duration: 1s, target: 2 }, { duration: 5s, target: 2 }]
call: { hold: 1s }
http:
  load:
    - { name: agents, url: /v1/agents, rate: 50, duration: 4s }
  flows:
    - name: stuck
      stages: [{ duration: 0s, target: 2 }, { duration: 3s, target: 2 }]
      timeout: 2s
      steps:
        - name: list
          request: { url: /v1/agents }
        - name: wait
          poll:
            request: { url: /v1/agents }
            until: { body: { $.never: true } }
            every: 200ms
            timeout: 1s
criteria:
  "flow_failures{flow:stuck}": ["==0"]
  "flow_failure_rate{flow:stuck}": ["<0.5"]
  "flow_step_ms{flow:stuck,step:list}": ["p(95)<500"]
  "http_latency_ms{load:agents}": ["p(95)<500"]
  "http_errors{load:agents}": ["==0"]
  "http_rps{load:agents}": [">=40"]
`);
    const out = join(root, 'stuck.out');
    const cli = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 60 });
    const r = readResults(out);
    const why = `${describeCli(cli)}\ncriteria: ${JSON.stringify(r.criteria)}\ninvalid: ${JSON.stringify(r.invalidReasons)}`;
    report('run-criteria-http stuck', { exit: cli.code, criteria: r.criteria });
    expect(r.valid, why).toBe(true);
    expect(cli.code, why).toBe(1);
    expect(r.verdict, why).toBe('failed');

    const flow = r.summary.httpFlows.stuck as {
      started: number;
      failed: number;
      errorsByCause: Record<string, number>;
      steps: Record<string, { latencyMs: { p95: number } }>;
    };
    // 2/s over 3 s: 6 flows, every one failing its poll.
    expect(flow, why).toMatchObject({ started: 6, failed: 6, errorsByCause: { poll_timeout: 6 } });
    const http = r.summary.http.agents as { rps: number; latencyMs: { p95: number }; errors: { total: number } };
    const byName = Object.fromEntries(r.criteria.map((c) => [c.metric, c]));
    expect(byName['flow_failures{flow:stuck}'], why).toMatchObject({ criterion: '==0', actual: 6, pass: false });
    expect(byName['flow_failure_rate{flow:stuck}'], why).toMatchObject({ criterion: '<0.5', actual: 1, pass: false });
    expect(byName['flow_step_ms{flow:stuck,step:list}'], why).toMatchObject({ actual: flow.steps.list.latencyMs.p95, pass: true });
    expect(byName['http_latency_ms{load:agents}'], why).toMatchObject({ actual: http.latencyMs.p95, pass: true });
    expect(byName['http_errors{load:agents}'], why).toMatchObject({ actual: http.errors.total, pass: true });
    expect(http.errors.total, why).toBe(0);
    expect(byName['http_rps{load:agents}'], why).toMatchObject({ actual: http.rps, pass: true });
    // The failure is decided while running (a count over its bound), so it was seen before the end.
    expect(byName['flow_failures{flow:stuck}'].firstFailedAtMs, why).toBeGreaterThan(0);
    expect(cli.stdout, why).toMatch(/^criterion flow_failures\{flow:stuck\} ==0: FAIL \(actual 6\)$/m);
    expect(cli.stdout, why).toMatch(/^verdict: FAILED$/m);
  }, 90_000);
});

describe('outbound campaign with dial_latency_ms p(95)<0.001 and abortOnFail (planned 15 s)', () => {
  it('is aborted by that criterion soon after delayAbortEval, exit 1, the entry naming the measured p95', async () => {
    const out = join(root, 'dial.out');
    const cli = await runCli(
      [
        'run', 'scenarios/outbound-campaign.yaml', '--quiet', '--out', out,
        '--set', 'load.stages=[{duration: 1s, target: 1}, {duration: 14s, target: 1}]',
        '--set', 'http.flows[0].stages=[{duration: 2s, target: 10}, {duration: 8s, target: 10}]',
        '--set', 'http.flows[0].steps[0].request.body.holdMs=5000',
        '--set', 'criteria.dial_latency_ms=[{threshold: "p(95)<0.001", abortOnFail: true, delayAbortEval: 2s}]',
      ],
      { timeoutSec: 90 },
    );
    const r = readResults(out);
    const why = `${describeCli(cli)}\nabortedBy: ${JSON.stringify(r.abortedBy)}\ncriteria: ${JSON.stringify(r.criteria)}\ninvalid: ${JSON.stringify(r.invalidReasons)}`;
    report('run-criteria-http dial', { exit: cli.code, durationMs: r.durationMs, abortedBy: r.abortedBy, criteria: r.criteria });
    expect(r.valid, why).toBe(true);
    expect(cli.code, why).toBe(1);
    expect(r.verdict, why).toBe('failed');
    expect(r.abortedBy, why).toMatchObject({ criterion: 'p(95)<0.001', metric: 'dial_latency_ms' });
    // Judged at the end of a timeline second, at or after the delay; the run stopped there,
    // before its planned 15 s.
    const atMs = r.abortedBy!.atMs;
    expect(atMs, why).toBeGreaterThanOrEqual(2000);
    expect(atMs % 1000, why).toBe(0);
    expect(r.timeline.map((p) => p.t), why).toContain(atMs / 1000);
    expect(atMs, why).toBeLessThanOrEqual(r.durationMs);
    expect(r.abortedBy!.actual, why).toBeGreaterThan(0.001);
    expect(r.durationMs, why).toBeLessThan(15_000);
    const dial = r.criteria.find((c) => c.metric === 'dial_latency_ms')!;
    const ob = r.summary.outbound!;
    expect(dial, why).toMatchObject({ criterion: 'p(95)<0.001', pass: false, abortOnFail: true, actual: ob.dialLatencyMs.p95 });
    expect(ob.dialLatencyMs.count, why).toBeGreaterThan(0);
    expect(cli.stdout, why).toMatch(/^aborted by criterion dial_latency_ms p\(95\)<0\.001 at \d+\.\d s \(actual [\d.]+\)$/m);
  }, 120_000);
});
