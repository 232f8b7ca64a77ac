/**
 * The report's media section on real runs: a short `run --media pcmu` against the
 * embedded call centre (its echo), whose section figures must be results.json's
 * summary.media as recorded, in the PDF text (pdftotext) and in the HTML page, with
 * the charts over time carrying results.json's timeline[].media second by second
 * (with or without calls.jsonl attached) and the MOS histogram calls.jsonl's
 * records; a signalling-only run has no media section; a hand-added
 * summary.recordings (the recording probe's shape, not declared by this schema
 * version) is shown and makes the recording licence row measured evidence.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli, describeCli } from '../helpers/cli.js';
import { drawPageCharts, pageCharts, type PageChart } from './html-page.js';
import { TM, tr, type Bi } from '../../src/report/i18n.js';
import type { Results } from '../../src/results/summary.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-report-media-'));
/** The PDF's text on one line, read across page breaks: a page's footer and the next page's header are left out. */
const flat = (file: string) => execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ')
  .replace(/ 报告编号 \/ Report No\.: \S+ 第 \d+ 页 共 \d+ 页 \/ Page \d+ of \d+ 报告编号 \/ Report No\.: \S+ 呼叫中心系统(?:负载测试（容量验证）|压力测试)报告 \/ Call Centre System (?:Load Test \(Capacity Verification\)|Stress Test) Report /g, ' ');
const layout = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const htmlEsc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const shown = (v: number | string | null) => (v === null ? '—' : String(v));
/** Milliseconds to 0.1 ms, as every ms figure in the report prints. */
const ms1 = (v: number | null) => (v === null ? null : (Math.round(v * 10) / 10).toFixed(1));
/** A table row in pdftotext -layout: the Chinese label (never wrapped), then the values in order on its line. */
const pdfRow = (label: Bi, values: Array<number | string | null>) => new RegExp(`${esc(label.zh)}[^\\n]*?\\s${values.map((v) => esc(shown(v))).join('\\s+')}(\\s|$)`, 'm');
/** The same row in the HTML page. */
const htmlRow = (label: Bi, values: Array<number | string | null>) => `<tr><td>${htmlEsc(tr('bilingual', label))}</td>${values.map((v) => `<td>${shown(v)}</td>`).join('')}</tr>`;

type Media = NonNullable<Results['summary']['media']>;
type MediaSecond = NonNullable<Results['timeline'][number]['media']>;
/** One timeline[].media figure per second as the chart should hold it: null where the second has none. */
const perSecond = (r: Results, pick: (m: MediaSecond) => number | null) =>
  r.timeline.map((p) => ({ x: p.t, y: p.media === undefined ? null : pick(p.media) }));
const chart = (charts: PageChart[], id: string) => charts.find((c) => c.canvas.startsWith(`chart-${id}-`));
/** The two per-second media charts hold results.json's timeline exactly, and the page's chart.js draws every second. */
function expectPerSecondCharts(html: string, r: Results) {
  const charts = pageCharts(html);
  const mos = chart(charts, 'mos-time')!;
  expect(mos.config.data.datasets.map((d) => [d.data, d.yAxisID])).toEqual([
    [perSecond(r, (m) => m.mosCqeP5), 'y'],
    [perSecond(r, (m) => m.mosCqeP50), 'y'],
    [r.timeline.map((p) => ({ x: p.t, y: p.active })), 'y2'],
  ]);
  const q = chart(charts, 'media-quality-time')!;
  expect(q.config.data.datasets.map((d) => [d.data, d.yAxisID])).toEqual([
    [perSecond(r, (m) => m.jitterMsP95), 'y'],
    [perSecond(r, (m) => m.sendSlipMsP99), 'y'],
    [perSecond(r, (m) => m.lossRatio), 'y2'],
  ]);
  const n = r.timeline.length;
  const drawn = drawPageCharts(html);
  expect(drawn.find((d) => d.canvas === mos.canvas)!.lengths).toEqual([n, n, n]);
  expect(drawn.find((d) => d.canvas === q.canvas)!.lengths).toEqual([n, n, n]);
  // Neither a caption nor the note for older results says the timeline lacks media: this one has it.
  expect(html).not.toContain('has no per-second media figures');
}
const scaled = (s: Media['mosCqe']) => [s.count, s.min, s.p5, s.p50, s.p95, s.max, s.mean];
const ms = (s: Media['jitterMs']) => [s.count, ...[s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean].map(ms1)];

beforeAll(() => requireBuiltCli());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report of a run with media', () => {
  const out = path.join(dir, 'media');
  let r: Results;
  let m: Media;
  let calls: Array<{ media?: { mosCqe: number | null } }>;
  beforeAll(async () => {
    // Holds of 3 s: the first RTCP report goes out 1–3 s into a call, so most calls get a round trip.
    // Send-slip bound 100 ms: the report's media section is under test, not the host's timing under CI load.
    const cli = await runCli(['run', '--concurrency', '4', '--ramp', '0', '--duration', '4s', '--hold', '3s', '--workers', '1', '--media', 'pcmu',
      '--set', 'generator.maxMediaSendSlipMsP99=100', '--criterion', 'mos_cqe p(5)>=4.0', '--criterion', 'rtp_loss_ratio p(95)<0.01', '--quiet', '--out', out, '--report', '--report-format', 'pdf,html'], { timeoutSec: 90 });
    expect(cli.code, describeCli(cli)).toBe(0);
    r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as Results;
    m = r.summary.media!;
    calls = readFileSync(path.join(out, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  }, 120_000);

  it('prints summary.media as recorded in the PDF', () => {
    expect(m).toBeTruthy();
    expect(m.calls.withMedia).toBeGreaterThanOrEqual(4);
    expect(m.rttMs.count).toBeGreaterThan(0); // not vacuous: the RTT row holds numbers
    const t = layout(path.join(out, 'report.pdf'));
    expect(t).toMatch(/7\.3 语音媒体 \/ Voice media/);
    expect(t).toMatch(new RegExp(`${esc(TM.callsWithMedia.zh)}[^\\n]*\\s${m.calls.withMedia}\\s*/\\s*${r.summary.calls.answered}\\b`));
    expect(t).toMatch(pdfRow(TM.oneWay, [m.calls.oneWayAudio]));
    expect(t).toMatch(pdfRow(TM.crossed, [m.calls.crossedMedia]));
    const p = m.packets;
    expect(t).toMatch(new RegExp(`${esc(TM.packets.zh)}[^\\n]*\\s${[p.sent, p.received, p.expected, p.lost, p.sendSkipped].join('\\s*/\\s*')}\\b`));
    expect(t).toMatch(pdfRow(TM.lossAll, [m.lossRatio]));
    expect(t).toMatch(pdfRow(TM.mos, scaled(m.mosCqe)));
    expect(t).toMatch(pdfRow(TM.lossPerCall, scaled(m.lossRatioPerCall)));
    expect(t).toMatch(pdfRow(TM.jitter, ms(m.jitterMs)));
    expect(t).toMatch(pdfRow(TM.maxGap, ms(m.maxGapMs)));
    expect(t).toMatch(pdfRow(TM.firstMedia, ms(m.firstMediaMs)));
    expect(t).toMatch(pdfRow(TM.rtt, ms(m.rttMs)));
    expect(t).toMatch(pdfRow(TM.sendSlip, ms(m.sendSlipMs)));
    // The estimator, as results.json holds it: its version verbatim and every parameter.
    const f = flat(path.join(out, 'report.pdf'));
    expect(f).toContain(`MOS 估计方法 / MOS estimator: ${m.estimator.version}`);
    expect(t).toMatch(new RegExp(`assumed far-end jitter buffer \\(ms\\)\\s+${m.estimator.jitterBufferMs}\\b`));
    expect(t).toMatch(new RegExp(`packetisation \\(ms\\)\\s+${m.estimator.ptimeMs}\\b`));
    expect(f).toContain('RFC 3550 A.3');
    expect(f).toContain('RFC 3550 A.8');
    // Summary page, analysis and the voice licence row quote the same figures.
    expect(t).toMatch(new RegExp(`MOS-CQE p5\\s+${esc(String(m.mosCqe.p5))}\\b`));
    expect(f).toContain(`Voice media: ${m.calls.withMedia} of ${r.summary.calls.answered} answered calls carried media; MOS-CQE p5 ${m.mosCqe.p5}, p50 ${m.mosCqe.p50}; loss ratio over all calls ${m.lossRatio}`);
    // Against the embedded simulator the voice row is not applicable, its measured figures kept as the detail (HTML: one cell).
    expect(f).toContain("Licence requirements: not applicable, every one (target: callcert's embedded simulator, evidence of no platform).");
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<td>语音：并发呼叫承载双向语音 / Voice: the concurrent calls carry two-way audio</td><td class="muted">不适用 / not applicable</td>');
    expect(html).toContain(htmlEsc(`target: callcert's embedded simulator, evidence of no platform (pcmu: ${m.calls.withMedia} of ${r.summary.calls.answered} answered calls carried media, 0 one-way audio, 0 crossed media; `
      + `MOS-CQE p5 ${m.mosCqe.p5}, per-call loss ratio p95 ${m.lossRatioPerCall.p95}; media criteria mos_cqe p(5)>=4.0: pass, rtp_loss_ratio p(95)<0.01: pass)`));
  });

  it('shows the same figures in the HTML page, the MOS histogram of every media call of calls.jsonl, and the timeline per second', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h3>7.3 语音媒体 / Voice media</h3>');
    expect(html).toContain(htmlRow(TM.mos, scaled(m.mosCqe)));
    expect(html).toContain(htmlRow(TM.lossPerCall, scaled(m.lossRatioPerCall)));
    const msRows = [
      [TM.jitter, m.jitterMs], [TM.maxGap, m.maxGapMs], [TM.firstMedia, m.firstMediaMs], [TM.rtt, m.rttMs], [TM.sendSlip, m.sendSlipMs],
    ] as const;
    for (const [label, d] of msRows) {
      expect(html).toContain(htmlRow(label, ms(d)));
    }
    expect(html).toContain(htmlRow(TM.lossAll, [m.lossRatio]));
    expect(html).toContain(htmlEsc(`MOS 估计方法 / MOS estimator: ${m.estimator.version}`));
    const media = calls.filter((c) => c.media !== undefined);
    expect(media.length).toBe(m.calls.withMedia);
    const charts = pageCharts(html);
    const hist = charts.find((c) => c.canvas.startsWith('chart-mos-histogram'))!;
    const counts = hist.config.data.datasets[0].data as number[];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(m.mosCqe.count);
    // Each band holds the calls whose recorded MOS falls in it.
    hist.config.data.labels!.forEach((band, i) => {
      const [lo, hi] = band.split('–').map(Number);
      const inBand = (v: number) => v >= lo && (v < hi || (hi === 4.5 && v <= hi));
      expect(counts[i], band).toBe(media.filter((c) => inBand(c.media!.mosCqe!)).length);
    });
    expectPerSecondCharts(html, r);
    // Chart numbers: the per-second charts first, then the histogram.
    expect(html).toContain('<b>7.3.1 MOS-CQE 随时间（每秒） / MOS-CQE over time (per second)</b>');
    expect(html).toContain('<b>7.3.3 MOS-CQE 分布（每呼叫） / MOS-CQE distribution (per call)</b>');
  });

  it('charts the timeline per second from results.json alone, without calls.jsonl attached', async () => {
    // Not vacuous: seconds with sampled streams hold MOS and jitter values, and a second with none live at
    // its end (the last: its calls ended within it, adding only their packets) holds none — a gap, not a zero.
    const sampled = r.timeline.filter((p) => (p.media?.streams ?? 0) > 0);
    expect(sampled.length).toBeGreaterThanOrEqual(2);
    for (const p of sampled) expect([p.media!.mosCqeP5, p.media!.mosCqeP50, p.media!.jitterMsP95]).not.toContain(null);
    const unsampled = r.timeline.filter((p) => (p.media?.streams ?? 0) === 0);
    expect(unsampled.length).toBeGreaterThan(0);
    for (const p of unsampled) expect([p.media?.mosCqeP5 ?? null, p.media?.jitterMsP95 ?? null]).toEqual([null, null]);
    // The per-second packets add up to summary.media's: the timeline is the run's.
    expect(r.timeline.reduce((a, p) => a + (p.media?.packetsReceived ?? 0), 0)).toBe(m.packets.received);

    const d = path.join(dir, 'no-calls');
    cpSync(out, d, { recursive: true });
    rmSync(path.join(d, 'calls.jsonl'));
    const g = await runCli(['report', d, '--format', 'pdf,html'], { timeoutSec: 60 });
    expect(g.code, describeCli(g)).toBe(0);
    const html = readFileSync(path.join(d, 'report.html'), 'utf8');
    expectPerSecondCharts(html, r);
    expect(chart(pageCharts(html), 'mos-histogram')).toBeUndefined();
    expect(html).toContain(htmlEsc('calls.jsonl is not attached to this report (or holds no MOS record): no per-call MOS-CQE distribution chart'));
    const f = flat(path.join(d, 'report.pdf'));
    expect(f).toContain('7.3.1 MOS-CQE 随时间（每秒）');
    expect(f).toContain('7.3.2 抖动、丢包率与 RTP 发送滞后随时间（每秒）');
    expect(f).not.toContain('MOS-CQE 分布（每呼叫）');
  }, 90_000);

  it('with a hand-added summary.recordings: shows the completeness, and the recording row is measured evidence', async () => {
    const d = path.join(dir, 'recordings');
    cpSync(out, d, { recursive: true });
    const recordings = { source: 'http', checked: 6, answered: r.summary.calls.answered, valid: 5, completeness: 0.833333, failures: { too_short: 1 }, toleranceMs: 1000, sample: 6 };
    writeFileSync(path.join(d, 'results.json'), JSON.stringify({ ...r, summary: { ...r.summary, recordings } }, null, 2));
    const g = await runCli(['report', d, '--format', 'pdf,html,md'], { timeoutSec: 60 });
    expect(g.code, describeCli(g)).toBe(0);
    const pdf = path.join(d, 'report.pdf');
    const t = layout(pdf);
    expect(t).toMatch(pdfRow(TM.recValid, [5]));
    expect(t).toMatch(pdfRow(TM.recCompleteness, [0.833333]));
    expect(t).toMatch(new RegExp(`${esc(TM.recChecked.zh)}[^\\n]*\\s6\\s*/\\s*${r.summary.calls.answered}\\b`));
    expect(t).toMatch(new RegExp(`${esc(TM.recFailures.zh)}[^\\n]*too_short×1`));
    const f = flat(pdf);
    // 5 of 6 checked calls valid, no criterion: measured, not met.
    expect(f).toContain("Licence requirements: not applicable, every one (target: callcert's embedded simulator, evidence of no platform).");
    const html = readFileSync(path.join(d, 'report.html'), 'utf8');
    expect(html).toContain(htmlRow(TM.recCompleteness, [0.833333]).replace('<td>0.833333</td>', '<td class="bad">0.833333</td>'));
    expect(html).toContain(htmlEsc(`evidence of no platform (HTTP, 6 of ${r.summary.calls.answered} answered calls checked (sample of 6), 5 valid, completeness 0.833333, duration tolerance 1000.0 ms, failures too_short×1; no criterion: every checked call must have a valid recording)`));
    const md = readFileSync(path.join(d, 'summary.md'), 'utf8');
    expect(md).toContain('| recording completeness (valid / checked) | 0.833333 (5 / 6) |');
    expect(md).toContain(`| MOS-CQE p5 / p50 / min | ${m.mosCqe.p5} / ${m.mosCqe.p50} / ${m.mosCqe.min} |`);
    expect((await runCli(['verify', pdf], { timeoutSec: 30 })).code).toBe(0);

    // The same figures from a real platform (target.embedded false): 5 of 6 does not conform; every checked call valid conforms.
    const real = { ...r, target: { ...r.target, embedded: false }, summary: { ...r.summary, recordings } };
    writeFileSync(path.join(d, 'results.json'), JSON.stringify(real));
    expect((await runCli(['report', d, '--format', 'html'], { timeoutSec: 60 })).code).toBe(0);
    const recRow = () => /Call recording: recording completeness \(recording probe\)<\/td><td[^>]*>[^<]*<\/td>/.exec(readFileSync(path.join(d, 'report.html'), 'utf8'))?.[0];
    expect(recRow()).toMatch(/<td class="bad">不符合 \/ does not conform<\/td>$/);
    writeFileSync(path.join(d, 'results.json'), JSON.stringify({ ...real, summary: { ...r.summary, recordings: { ...recordings, valid: 6, completeness: 1, failures: {}, sample: null } } }));
    expect((await runCli(['report', d, '--format', 'html'], { timeoutSec: 60 })).code).toBe(0);
    expect(readFileSync(path.join(d, 'report.html'), 'utf8')).toMatch(/Call recording: recording completeness \(recording probe\)<\/td><td class="ok">符合 \/ conforms<\/td>/);
  }, 90_000);
});

describe('report of a signalling-only run', () => {
  const out = path.join(dir, 'none');
  beforeAll(async () => {
    const cli = await runCli(['run', '--concurrency', '2', '--ramp', '0', '--duration', '2s', '--hold', '1s', '--workers', '1', '--media', 'none',
      '--quiet', '--out', out, '--report', '--report-format', 'pdf,html'], { timeoutSec: 60 });
    expect(cli.code, describeCli(cli)).toBe(0);
  }, 90_000);

  it('has no media section, and the voice licence row says no media was carried', () => {
    const r = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as Results;
    expect(r.summary.media ?? null).toBeNull();
    const f = flat(path.join(out, 'report.pdf'));
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    for (const text of [f, html]) {
      expect(text).not.toMatch(/7\.\d 语音媒体|Voice media:|Voice media</);
      expect(text).not.toContain('MOS-CQE');
      expect(text).toContain('signalling only: the run carried no media');
    }
    expect(pageCharts(html).some((c) => c.canvas.startsWith('chart-mos'))).toBe(false);
  });
});
