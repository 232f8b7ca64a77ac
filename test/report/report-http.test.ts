/**
 * The report of a real short run with the HTTP side: a throughput load on the
 * CTI API, a login → originate → poll → INVITE → recording flow, and the
 * outbound calls that flow makes the embedded platform place to callcert's
 * UAS. The PDF (pdftotext) and the HTML page must show summary.http,
 * summary.httpFlows and summary.outbound as recorded, the licence table may
 * claim only what the run measured, and verify still passes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, requireBuiltCli } from '../helpers/cli.js';
import { drawPageCharts, pageCharts, pageResults } from './html-page.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-report-http-'));
const out = path.join(dir, 'run');
const pdf = path.join(out, 'report.pdf');
/** Reading-order text, whitespace runs as one space and none around "/" (pdftotext spaces "7 / 7" either way). */
const flat = (file: string) => execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ').replace(/ ?\/ ?/g, '/');
const slash = (s: string) => s.replace(/ ?\/ ?/g, '/');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type D = { count: number; p50: number; p95: number; p99: number; max: number };
let results: {
  timeline: Array<{ t: number; http?: Record<string, unknown>; flows?: Record<string, unknown> }>;
  summary: {
    http: Record<string, {
      requests: number; sent: number; completed: number; dropped: number; rps: number; offeredRps: number; latencyMs: D;
      statusCodes: Record<string, number>; measurement: string;
    }>;
    httpFlows: Record<string, {
      started: number; completed: number; failed: number; blocked: number; flowMs: D;
      steps: Record<string, { count: number; latencyMs: D | null; statusCodes: Record<string, number>; errors: Record<string, number> }>;
    }>;
    outbound: {
      calls: { offered: number; answered: number; completed: number; failed: number };
      concurrency: { peak: number; sustained: number | null };
      dialLatencyMs: D;
    };
    media?: unknown;
  };
};
let resultsText = '';

beforeAll(async () => {
  requireBuiltCli();
  const scenario = path.join(dir, 'report-http.yaml');
  writeFileSync(scenario, `name: report-http
load:
  model: open
  stages:
    - { duration: 1s, target: 2 }
    - { duration: 8s, target: 2 }
call:
  hold: 1s
uas:
  ring: 0s
http:
  load:
    - { name: agents, url: /v1/agents, rate: 50, duration: 4s, connections: 2 }
  flows:
    - name: agent-call
      stages:
        - { duration: 1s, target: 2 }
        - { duration: 3s, target: 2 }
      timeout: 5s
      steps:
        - name: login
          request: { method: POST, url: /v1/sessions, body: { agentId: agent-1 } }
          expect: { status: 201 }
          extract: { token: $.token }
        - name: originate
          request:
            method: POST
            url: /v1/calls
            headers: { authorization: "Bearer {{token}}" }
            body: { to: "{{uas.uri}}", from: agent-1, holdMs: 500 }
          expect: { status: 201 }
          extract: { callId: $.id }
        - name: invite
          waitCall: { timeout: 5s }
        - name: recording
          poll:
            request: { url: "/v1/recordings/{{callId}}", headers: { authorization: "Bearer {{token}}" } }
            until: { status: 200 }
            every: 200ms
            timeout: 4s
criteria:
  ser: [">=0.99"]
`);
  const r = await runCli(['run', scenario, '--workers', '1', '--quiet', '--out', out, '--report', '--report-format', 'pdf,html'], { timeoutSec: 60 });
  expect(r.code, r.stderr).toBe(0);
  resultsText = readFileSync(path.join(out, 'results.json'), 'utf8');
  results = JSON.parse(resultsText);
}, 90_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Milliseconds to 0.1 ms (GB/T 8170 rounding of the recorded value), as every ms figure in the report prints. */
const ms = (v: number) => (Math.round(v * 10) / 10).toFixed(1);
const dist = (d: D) => `p50 ${ms(d.p50)} · p95 ${ms(d.p95)} · p99 ${ms(d.p99)} · max ${ms(d.max)} (n=${d.count})`;

describe('report of a run with HTTP load, flows and outbound calls', () => {
  it('the run measured all three (the report below is checked against these)', () => {
    const s = results.summary;
    expect(s.http.agents.completed).toBeGreaterThan(100);
    expect(s.httpFlows['agent-call'].completed).toBeGreaterThan(3);
    expect(s.httpFlows['agent-call'].failed).toBe(0);
    expect(s.outbound.calls.answered).toBeGreaterThan(3);
    expect(s.outbound.calls.failed).toBe(0);
    expect(s.httpFlows['agent-call'].steps.recording.statusCodes['200']).toBe(s.httpFlows['agent-call'].steps.recording.count);
  });

  it('the PDF has the HTTP load, flow and outbound sections with the figures as recorded', () => {
    const t = flat(pdf);
    for (const title of ['7.3 HTTP 负载/HTTP load', '7.4 HTTP 流程/HTTP flows', '外呼（平台呼叫 callcert 被叫端）', 'HTTP 延迟', '外呼并发与拨号时延']) expect(t, title).toContain(title);
    const h = results.summary.http.agents;
    expect(t).toContain(slash(`${h.requests} / ${h.sent} / ${h.completed} / ${h.dropped}`));
    expect(t).toContain(slash(`${h.offeredRps} / ${h.rps}`));
    expect(t).toContain(dist(h.latencyMs));
    expect(t).toContain(`200×${h.statusCodes['200']}`);
    expect(t).toContain(h.measurement);
    const f = results.summary.httpFlows['agent-call'];
    expect(t).toContain(slash(`${f.started} / ${f.completed} / ${f.failed} / ${f.blocked}`));
    expect(t).toContain(dist(f.flowMs));
    // Step rows read in layout mode (one table row per line, whichever page it lands on); the kind may wrap below the name.
    const layout = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    // Not vacuous: the flow's four steps, each on its row.
    expect(Object.keys(f.steps)).toHaveLength(4);
    for (const [name, st] of Object.entries(f.steps)) {
      const d = st.latencyMs!;
      expect(layout, name).toMatch(new RegExp(`${esc(name)}(?: \\(\\w+\\))?\\s+${st.count}\\s+${[d.p50, d.p95, d.p99, d.max].map((v) => esc(ms(v))).join('\\s+')}\\s`));
    }
    const ob = results.summary.outbound;
    expect(t).toContain(slash(`${ob.calls.offered} / ${ob.calls.answered} / ${ob.calls.completed} / ${ob.calls.failed}`));
    expect(t).toContain(slash(`${ob.concurrency.peak} / ${ob.concurrency.sustained}`));
    expect(t).toContain(dist(ob.dialLatencyMs));
    // Every latency list in these tables has one decimal, whatever the recorded precision (not vacuous: three lists above).
    const lists = t.match(/p50 \S+ · p95 \S+ · p99 \S+ · max \S+ \(n=/g) ?? [];
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const l of lists) expect(l).toMatch(/^p50 \d+\.\d · p95 \d+\.\d · p99 \d+\.\d · max \d+\.\d \(n=$/);
  });

  it('the licence table names the outbound calls and recording metadata measured, each row not applicable (simulator)', () => {
    const t = flat(pdf);
    const ob = results.summary.outbound;
    const rec = results.summary.httpFlows['agent-call'].steps.recording;
    // Against the embedded simulator no row is evidence of a platform: every one is not applicable, the conclusion says so.
    expect(t).toContain("Licence requirements: not applicable, every one (target: callcert's embedded simulator, evidence of no platform).");
    expect(t).not.toMatch(/符合\/conforms|measured: met/);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect((html.match(/<td class="muted">不适用 \/ not applicable<\/td>/g) ?? []).length).toBeGreaterThanOrEqual(7);
    // The table cells (one per row in HTML; the PDF wraps them) keep what was measured.
    expect(html).toContain(`the platform placed ${ob.calls.offered} calls to callcert&#39;s UAS: ${ob.calls.answered} answered, ${ob.calls.failed} failed`);
    expect(html).toContain('<td>通话录音：录音元数据可经 API 获取 / Call recording: recording metadata retrievable via the API</td>');
    expect(html).toContain(`flow agent-call step recording: ${rec.count} of ${rec.count} succeeded (${rec.statusCodes['200']} 2xx responses), 0 errors; the audio itself was not checked`);
  });

  it('attaches flows.jsonl byte for byte: one record per flow instance, as many as the flow section counts', () => {
    const detached = path.join(dir, 'flows-detached.jsonl');
    execFileSync('pdfdetach', ['-savefile', 'flows.jsonl', '-o', detached, pdf]);
    const raw = readFileSync(path.join(out, 'flows.jsonl'));
    expect(readFileSync(detached).equals(raw)).toBe(true);
    const recs = raw.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { flow: string; ok: boolean; dialMs: number | null });
    const f = results.summary.httpFlows['agent-call'];
    expect(recs.filter((x) => x.flow === 'agent-call' && x.ok)).toHaveLength(f.completed);
    expect(recs.filter((x) => x.dialMs !== null)).toHaveLength(results.summary.outbound.dialLatencyMs.count);
  });

  it('verify passes on the PDF', async () => {
    const v = await runCli(['verify', pdf], { timeoutSec: 30 });
    expect(v.code, v.stderr).toBe(0);
  });

  it('the HTML page has the same sections and figures, and an HTTP latency chart over the whole timeline', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    for (const title of ['HTTP 负载', 'HTTP 流程', '外呼（平台呼叫 callcert 被叫端）', '许可技术要求对照', '附录A 测试场景']) expect(html, title).toContain(title);
    const f = results.summary.httpFlows['agent-call'];
    expect(html).toContain(dist(f.flowMs));
    expect(html).toContain(dist(results.summary.outbound.dialLatencyMs));
    const charts = pageCharts(html);
    const http = charts.find((c) => c.canvas.startsWith('chart-http'))!;
    expect(http.config.data.datasets.map((d) => d.label)).toEqual(['agents p95', '流程 agent-call p95 / flow agent-call p95']);
    const n = results.timeline.length;
    for (const d of http.config.data.datasets) expect(d.data).toHaveLength(n);
    expect((http.config.data.datasets[0].data as Array<{ x: number; y: number | null }>).map((p) => p.y))
      .toEqual(results.timeline.map((p) => (p.http?.agents as { latencyMsP95: number | null } | undefined)?.latencyMsP95 ?? null));
    expect(charts.some((c) => c.canvas.startsWith('chart-outbound'))).toBe(true);
    expect(pageResults(html).text).toBe(resultsText);
    // What chart.js itself holds once it drew the page's config: one point per timeline second in each dataset.
    expect(drawPageCharts(html).find((d) => d.canvas.startsWith('chart-http'))!.lengths).toEqual([n, n]);
  });
});
