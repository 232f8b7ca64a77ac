/**
 * Charts for the report: chart.js 4 drawn on @napi-rs/canvas's SVG canvas
 * (vector, text converted to paths so the SVG needs no font of its own), one
 * function per chart, each taking results.json data only. Long series are
 * reduced to min/max per bucket so a one-hour run stays small without hiding
 * a dip (plain sampling could skip the one second channels dropped).
 */
import { createRequire } from 'node:module';
import type { Results } from '../results/summary.js';
import { stageSpans } from '../engine/executors/types.js';
import { FONT_FAMILY, FONT_REGULAR } from './fonts.js';
import { tr, type ReportLang, bi, type Bi } from './i18n.js';

type ChartJs = typeof import('chart.js');
type NapiCanvas = typeof import('@napi-rs/canvas');
type ChartItem = ConstructorParameters<ChartJs['Chart']>[0];

const require = createRequire(import.meta.url);
let libs: { Chart: ChartJs['Chart']; canvas: NapiCanvas } | null = null;

function load() {
  if (libs !== null) return libs;
  const canvas = require('@napi-rs/canvas') as NapiCanvas;
  const cj = require('chart.js') as ChartJs;
  cj.Chart.register(...cj.registerables);
  canvas.GlobalFonts.registerFromPath(FONT_REGULAR, FONT_FAMILY);
  cj.Chart.defaults.font.family = FONT_FAMILY;
  cj.Chart.defaults.font.size = 13;
  cj.Chart.defaults.color = '#222';
  libs = { Chart: cj.Chart, canvas };
  return libs;
}

export const CHART_WIDTH_PX = 900;
export const CHART_HEIGHT_PX = 360;
/** Points kept per series; min/max pairs, so up to twice this many vertices. */
const MAX_BUCKETS = 900;

export interface ChartSvg {
  title: Bi;
  svg: string;
  /** What the chart plots, as a caption (definitions matter more than pictures). */
  caption: Bi;
}

type Pt = { x: number; y: number | null };
interface Series {
  label: string;
  data: Pt[];
  color: string;
  dashed?: boolean;
  stepped?: boolean;
}

/** Min and max of each bucket, in time order. */
export function minMaxDecimate(points: Pt[], buckets = MAX_BUCKETS): Pt[] {
  if (points.length <= buckets * 2) return points;
  const size = points.length / buckets;
  const out: Pt[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    let lo: Pt | null = null;
    let hi: Pt | null = null;
    for (let i = from; i < to; i++) {
      const p = points[i];
      if (p.y === null) continue;
      if (lo === null || p.y < (lo.y as number)) lo = p;
      if (hi === null || p.y > (hi.y as number)) hi = p;
    }
    if (lo === null || hi === null) continue;
    if (lo === hi) out.push(lo);
    else if (lo.x <= hi.x) out.push(lo, hi);
    else out.push(hi, lo);
  }
  return out;
}

function lineChart(lang: ReportLang, series: Series[], xLabel: Bi, yLabel: Bi): string {
  const { Chart, canvas } = load();
  const c = new canvas.Canvas(CHART_WIDTH_PX, CHART_HEIGHT_PX, canvas.SvgExportFlag.ConvertTextToPaths);
  const chart = new Chart(c.getContext('2d') as unknown as ChartItem, {
    type: 'line',
    data: {
      datasets: series.map((s) => ({
        label: s.label,
        data: minMaxDecimate(s.data),
        borderColor: s.color,
        backgroundColor: s.color,
        borderWidth: 1.5,
        borderDash: s.dashed ? [6, 4] : [],
        pointRadius: 0,
        stepped: s.stepped ?? false,
        spanGaps: false,
      })),
    },
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      parsing: false,
      scales: {
        x: { type: 'linear', title: { display: true, text: tr(lang, xLabel) } },
        // grace: a line held exactly at its maximum would otherwise sit on the frame, unreadable.
        y: { beginAtZero: true, grace: '8%', title: { display: true, text: tr(lang, yLabel) } },
      },
      plugins: { legend: { position: 'top' } },
    },
  });
  const svg = (c as unknown as { getContent(): Buffer }).getContent().toString('utf8');
  chart.destroy();
  return svg;
}

function barChart(lang: ReportLang, labels: string[], values: number[], yLabel: Bi, color: string): string {
  const { Chart, canvas } = load();
  const c = new canvas.Canvas(CHART_WIDTH_PX, CHART_HEIGHT_PX, canvas.SvgExportFlag.ConvertTextToPaths);
  const chart = new Chart(c.getContext('2d') as unknown as ChartItem, {
    type: 'bar',
    data: { labels, datasets: [{ label: tr(lang, yLabel), data: values, backgroundColor: color }] },
    options: { animation: false, responsive: false, devicePixelRatio: 1, scales: { y: { beginAtZero: true } } },
  });
  const svg = (c as unknown as { getContent(): Buffer }).getContent().toString('utf8');
  chart.destroy();
  return svg;
}

const SECONDS = bi('时间（秒）', 'time (s)');

/** Target over time from the stages (linear ramps between stage targets, as the executors schedule them). */
function stagePoints(r: Results): Pt[] {
  const spans = stageSpans(r.scenario.stages);
  const pts: Pt[] = [{ x: 0, y: spans[0]?.from ?? 0 }];
  for (const s of spans) {
    pts.push({ x: s.startMs / 1000, y: s.from }, { x: s.endMs / 1000, y: s.to });
  }
  return pts;
}

export function loadProfileChart(r: Results, lang: ReportLang): ChartSvg {
  const unit = r.scenario.model === 'closed' ? bi('目标并发通道', 'target channels') : bi('目标呼叫速率（次/秒）', 'target calls per second');
  return {
    title: bi('负载曲线', 'Load profile'),
    svg: lineChart(lang, [{ label: tr(lang, unit), data: stagePoints(r), color: '#1f4e9c' }], SECONDS, unit),
    caption: bi('场景各阶段的目标值（阶段之间线性爬升）', 'scenario stage targets (linear ramps between stages)'),
  };
}

export function channelsChart(r: Results, lang: ReportLang): ChartSvg {
  const rows = r.concurrencySeries.rows;
  const est: Pt[] = rows.map(([tMs, e]) => ({ x: tMs / 1000, y: e }));
  const series: Series[] = [{ label: tr(lang, bi('已建立通道', 'established channels')), data: est, color: '#1f4e9c' }];
  if (r.scenario.model === 'closed') series.push({ label: tr(lang, bi('目标', 'target')), data: stagePoints(r), color: '#888', dashed: true });
  return {
    title: bi('并发通道与目标', 'Active channels vs target'),
    svg: lineChart(lang, series, SECONDS, bi('通道', 'channels')),
    caption: bi(`每 ${r.concurrencySeries.sampleMs} ms 采样的已建立（ACK 后）通话数，长序列按区间取最小/最大值`, `established (ACKed) calls sampled every ${r.concurrencySeries.sampleMs} ms; long series shown as per-bucket min/max`),
  };
}

export function cpsChart(r: Results, lang: ReportLang): ChartSvg {
  const tl = r.timeline;
  return {
    title: bi('提供与实际呼叫速率', 'Offered vs achieved CPS'),
    svg: lineChart(lang, [
      { label: tr(lang, bi('提供（计划）', 'offered (scheduled)')), data: tl.map((p) => ({ x: p.t, y: p.offered })), color: '#888', dashed: true },
      { label: tr(lang, bi('实际发送 INVITE', 'achieved (INVITEs sent)')), data: tl.map((p) => ({ x: p.t, y: p.attempts })), color: '#1f4e9c' },
    ], SECONDS, bi('呼叫/秒', 'calls per second')),
    caption: bi('每秒计划到达数与实际发出的 INVITE 数', 'scheduled arrivals and INVITEs sent per second'),
  };
}

export function setupChart(r: Results, lang: ReportLang): ChartSvg {
  const tl = r.timeline;
  return {
    title: bi('呼叫建立时间 p50/p95/p99', 'Setup time p50/p95/p99'),
    svg: lineChart(lang, [
      { label: 'p50', data: tl.map((p) => ({ x: p.t, y: p.setupMsP50 })), color: '#2a9d3a' },
      { label: 'p95', data: tl.map((p) => ({ x: p.t, y: p.setupMsP95 })), color: '#e08a00' },
      { label: 'p99', data: tl.map((p) => ({ x: p.t, y: p.setupMsP99 })), color: '#c0392b' },
    ], SECONDS, bi('毫秒', 'ms')),
    caption: bi('每秒内建立成功的呼叫的建立时间分位数（计划发送 INVITE → 200 OK）', 'per-second percentiles of setup time of calls answered in that second (intended INVITE → 200 OK)'),
  };
}

/**
 * Per-second SER: answers / (answers + failures − 3xx failures) among calls
 * that got their final response in that second. The run-wide SER in the
 * tables is the RFC 6076 figure from results.json; this is its time profile.
 */
export function serChart(r: Results, lang: ReportLang): ChartSvg {
  const pts: Pt[] = r.timeline.map((p) => {
    let redirects = 0;
    for (const [code, n] of Object.entries(p.failuresByCode)) if (code.startsWith('3')) redirects += n;
    const denom = p.answers + p.failures - redirects;
    return { x: p.t, y: denom > 0 ? p.answers / denom : null };
  });
  return {
    title: bi('呼叫建立成功率（SER）随时间', 'SER over time'),
    svg: lineChart(lang, [{ label: 'SER', data: pts, color: '#1f4e9c' }], SECONDS, bi('比率', 'ratio')),
    caption: bi('每秒：200 应答 /（应答 + 失败 − 3xx）', 'per second: answers / (answers + failures − 3xx)'),
  };
}

export function failuresChart(r: Results, lang: ReportLang): ChartSvg | null {
  const entries = [
    ...Object.entries(r.summary.failuresByCode).map(([k, v]) => [`SIP ${k}`, v] as const),
    ...Object.entries(r.summary.failuresByCause).map(([k, v]) => [k, v] as const),
  ].filter(([, v]) => v > 0);
  if (entries.length === 0) return null;
  return {
    title: bi('按原因分类的失败', 'Failures by code'),
    svg: barChart(lang, entries.map(([k]) => k), entries.map(([, v]) => v), bi('失败次数', 'failures'), '#c0392b'),
    caption: bi('按 SIP 最终响应码和原因（超时、传输错误）统计的失败呼叫', 'failed calls by final SIP code and by cause (timeout, transport error)'),
  };
}

export function healthChart(r: Results, lang: ReportLang): ChartSvg {
  const tl = r.timeline;
  const lim = r.generator.limits;
  const end = tl.length > 0 ? tl[tl.length - 1].t : 0;
  const series: Series[] = [
    { label: tr(lang, bi('调度滞后 p99', 'schedule slip p99')), data: tl.map((p) => ({ x: p.t, y: p.scheduleSlipMsP99 })), color: '#1f4e9c' },
    { label: tr(lang, bi('事件循环延迟 p99', 'event-loop lag p99')), data: tl.map((p) => ({ x: p.t, y: p.eventLoopLagMsP99 })), color: '#e08a00' },
    { label: tr(lang, bi('调度滞后上限', 'slip limit')), data: [{ x: 0, y: lim.maxScheduleSlipMsP99 }, { x: end, y: lim.maxScheduleSlipMsP99 }], color: '#1f4e9c', dashed: true },
    { label: tr(lang, bi('延迟上限', 'lag limit')), data: [{ x: 0, y: lim.maxEventLoopLagMsP99 }, { x: end, y: lim.maxEventLoopLagMsP99 }], color: '#e08a00', dashed: true },
  ];
  return {
    title: bi('压力发生器健康状况', 'Generator health'),
    svg: lineChart(lang, series, SECONDS, bi('毫秒', 'ms')),
    caption: bi('发生器每秒的调度滞后与事件循环延迟 p99，虚线为判定运行有效的上限', 'generator schedule slip and event-loop lag p99 per second; dashed: the limits beyond which the run is invalid'),
  };
}

export function httpChart(r: Results, lang: ReportLang): ChartSvg | null {
  const names = Object.keys(r.summary.http);
  if (names.length === 0) return null;
  const colors = ['#1f4e9c', '#e08a00', '#2a9d3a', '#c0392b', '#7d3c98'];
  const series: Series[] = names.map((name, i) => ({
    label: `${name} p95`,
    data: r.timeline.map((p) => ({ x: p.t, y: p.http?.[name]?.latencyMsP95 ?? null })),
    color: colors[i % colors.length],
  }));
  return {
    title: bi('HTTP 延迟', 'HTTP latency'),
    svg: lineChart(lang, series, SECONDS, bi('毫秒', 'ms')),
    caption: bi('每秒 HTTP 响应延迟 p95（从计划发送时间计）', 'HTTP response latency p95 per second (from the intended send time)'),
  };
}

/** Every results chart that has data, in report order. */
export function resultCharts(r: Results, lang: ReportLang): ChartSvg[] {
  return [channelsChart(r, lang), cpsChart(r, lang), setupChart(r, lang), serChart(r, lang), failuresChart(r, lang), healthChart(r, lang), httpChart(r, lang)]
    .filter((c): c is ChartSvg => c !== null);
}
