/**
 * What each report chart plots, from results.json only: series of points with
 * labels, colours and axes, independent of the renderer. The PDF draws these
 * with chart.js on @napi-rs/canvas (charts.ts); the HTML page hands the same
 * specs, as chart.js configs, to chart.js in the browser (html.ts). One place
 * computes every plotted number, so the two formats cannot disagree.
 */
import type { Results } from '../results/summary.js';
import { bi, type Bi } from './i18n.js';
import { searchOf } from './licence.js';
import { httpFlowsOf, httpLoadsOf, outboundOf } from './http-figures.js';
import { stageSpans } from '../load/stages.js';
import { fmtNum } from './format.js';

export type Pt = { x: number; y: number | null };

export interface Series {
  label: Bi | string;
  data: Pt[];
  color: string;
  dashed?: boolean;
  stepped?: boolean;
  /** Second (right-hand) y axis. */
  axis?: 'y' | 'y2';
  /** Draw markers (per point colour/style when given) instead of a bare line. */
  points?: { color: string[]; style: string[]; radius: number };
  /** Markers only, no line between them. */
  noLine?: boolean;
  /** Plain square markers of this radius (px) on every kept point; unlike `points`, the series is still decimated. */
  dots?: number;
}

export interface Axis {
  label: Bi;
  min?: number;
  max?: number;
}

export interface LineSpec {
  id: string;
  kind: 'line';
  title: Bi;
  /** What the chart plots, as a caption (definitions matter more than pictures). */
  caption: Bi;
  x: Axis;
  y: Axis;
  y2?: Axis;
  series: Series[];
}

export interface BarSpec {
  id: string;
  kind: 'bar';
  title: Bi;
  caption: Bi;
  y: Axis;
  labels: string[];
  values: number[];
  color: string;
}

export type ChartSpec = LineSpec | BarSpec;

/** The x axis of every chart over time (timeline[].t, seconds since run start) and the ms axis. */
export const SECONDS = bi('时间（秒）', 'time (s)');
export const MS = bi('毫秒', 'ms');
export const PALETTE = ['#1f4e9c', '#e08a00', '#2a9d3a', '#c0392b', '#7d3c98', '#17a2b8'];
const PASS_COLOR = '#1e7e34';
const FAIL_COLOR = '#c0392b';

/** Target over time from the stages (linear ramps between stage targets, as the executors schedule them). */
function stagePoints(r: Results): Pt[] {
  const spans = stageSpans(r.scenario.stages);
  const pts: Pt[] = [{ x: 0, y: spans[0]?.from ?? 0 }];
  for (const s of spans) pts.push({ x: s.startMs / 1000, y: s.from }, { x: s.endMs / 1000, y: s.to });
  return pts;
}

export function loadProfileSpec(r: Results): LineSpec {
  const unit = r.scenario.model === 'open' ? bi('目标呼叫速率（次/秒）', 'target calls per second') : bi('目标并发呼叫数（路）', 'target channels');
  return {
    id: 'load-profile', kind: 'line', title: bi('负载曲线', 'Load profile'),
    caption: bi('场景各阶段的目标值（阶段之间线性爬升）', 'scenario stage targets (linear ramps between stages)'),
    x: { label: SECONDS }, y: { label: unit },
    series: [{ label: unit, data: stagePoints(r), color: PALETTE[0] }],
  };
}

export function channelsSpec(r: Results): LineSpec {
  const series: Series[] = [{ label: bi('已建立呼叫（路）', 'established calls'), data: r.concurrencySeries.rows.map(([tMs, e]) => ({ x: tMs / 1000, y: e })), color: PALETTE[0] }];
  if (r.scenario.model === 'closed') series.push({ label: bi('目标', 'target'), data: stagePoints(r), color: '#888', dashed: true });
  return {
    id: 'channels', kind: 'line', title: bi('并发呼叫数（路）与目标', 'Active channels vs target'),
    caption: bi(`每 ${r.concurrencySeries.sampleMs} ms 采样的已建立（ACK 后）通话数，长序列按区间取最小/最大值`, `established (ACKed) calls sampled every ${r.concurrencySeries.sampleMs} ms; long series shown as per-bucket min/max`),
    x: { label: SECONDS }, y: { label: bi('并发呼叫数（路）', 'concurrent calls') }, series,
  };
}

export function cpsSpec(r: Results): LineSpec {
  const tl = r.timeline;
  return {
    id: 'cps', kind: 'line', title: bi('提供与实际呼叫速率', 'Offered vs achieved CPS'),
    caption: bi('每秒计划到达数与实际发出的 INVITE 数', 'scheduled arrivals and INVITEs sent per second'),
    x: { label: SECONDS }, y: { label: bi('呼叫/秒', 'calls per second') },
    series: [
      { label: bi('提供（计划）', 'offered (scheduled)'), data: tl.map((p) => ({ x: p.t, y: p.offered })), color: '#888', dashed: true },
      { label: bi('实际发送 INVITE', 'achieved (INVITEs sent)'), data: tl.map((p) => ({ x: p.t, y: p.attempts })), color: PALETTE[0] },
    ],
  };
}

export function setupSpec(r: Results): LineSpec {
  const tl = r.timeline;
  return {
    id: 'setup', kind: 'line', title: bi('呼叫建立时延 p50/p95/p99', 'Setup time p50/p95/p99'),
    caption: bi('每秒内建立成功的呼叫的呼叫建立时延分位数（计划发送 INVITE → 200 OK）', 'per-second percentiles of setup time of calls answered in that second (intended INVITE → 200 OK)'),
    x: { label: SECONDS }, y: { label: MS },
    series: [
      { label: 'p50', data: tl.map((p) => ({ x: p.t, y: p.setupMsP50 })), color: PALETTE[2] },
      { label: 'p95', data: tl.map((p) => ({ x: p.t, y: p.setupMsP95 })), color: PALETTE[1] },
      { label: 'p99', data: tl.map((p) => ({ x: p.t, y: p.setupMsP99 })), color: PALETTE[3] },
    ],
  };
}

/**
 * Per-second SER: answers / (answers + failures − 3xx failures) among calls
 * that got their final response in that second. The run-wide SER in the
 * tables is the RFC 6076 figure from results.json; this is its time profile.
 */
export function serSpec(r: Results): LineSpec {
  const pts: Pt[] = r.timeline.map((p) => {
    let redirects = 0;
    for (const [code, n] of Object.entries(p.failuresByCode)) if (code.startsWith('3')) redirects += n;
    const denom = p.answers + p.failures - redirects;
    return { x: p.t, y: denom > 0 ? p.answers / denom : null };
  });
  return {
    id: 'ser', kind: 'line', title: bi('呼叫建立成功率（SER）随时间', 'SER over time'),
    caption: bi('每秒：200 应答 /（应答 + 失败 − 3xx）', 'per second: answers / (answers + failures − 3xx)'),
    x: { label: SECONDS }, y: { label: bi('比率', 'ratio') },
    series: [{ label: 'SER', data: pts, color: PALETTE[0] }],
  };
}

export function failuresSpec(r: Results): BarSpec | null {
  const entries = [
    ...Object.entries(r.summary.failuresByCode).map(([k, v]) => [`SIP ${k}`, v] as const),
    ...Object.entries(r.summary.failuresByCause).map(([k, v]) => [k, v] as const),
  ].filter(([, v]) => v > 0);
  if (entries.length === 0) return null;
  return {
    id: 'failures', kind: 'bar', title: bi('按原因分类的失败', 'Failures by code'),
    caption: bi('按 SIP 最终响应码和原因（超时、传输错误）统计的失败呼叫', 'failed calls by final SIP code and by cause (timeout, transport error)'),
    y: { label: bi('失败次数', 'failures') }, labels: entries.map(([k]) => k), values: entries.map(([, v]) => v), color: FAIL_COLOR,
  };
}

export function healthSpec(r: Results): LineSpec {
  const tl = r.timeline;
  const lim = r.generator.limits;
  const end = tl.length > 0 ? tl[tl.length - 1].t : 0;
  return {
    id: 'health', kind: 'line', title: bi('负载发生器自检：发送时刻偏差与进程延迟', 'Generator health'),
    caption: bi('负载发生器每秒的发送时刻偏差与发生器进程延迟 p99，虚线为判定测试有效的上限', 'generator schedule slip and event-loop lag p99 per second; dashed: the limits beyond which the run is invalid'),
    x: { label: SECONDS }, y: { label: MS },
    series: [
      { label: bi('发送时刻偏差 p99', 'schedule slip p99'), data: tl.map((p) => ({ x: p.t, y: p.scheduleSlipMsP99 })), color: PALETTE[0] },
      { label: bi('发生器进程延迟 p99', 'event-loop lag p99'), data: tl.map((p) => ({ x: p.t, y: p.eventLoopLagMsP99 })), color: PALETTE[1] },
      { label: bi('发送时刻偏差上限', 'slip limit'), data: [{ x: 0, y: lim.maxScheduleSlipMsP99 }, { x: end, y: lim.maxScheduleSlipMsP99 }], color: PALETTE[0], dashed: true },
      { label: bi('进程延迟上限', 'lag limit'), data: [{ x: 0, y: lim.maxEventLoopLagMsP99 }, { x: end, y: lim.maxEventLoopLagMsP99 }], color: PALETTE[1], dashed: true },
    ],
  };
}

/** HTTP latency p95 per second: one series per throughput load (timeline[i].http) and per flow (timeline[i].flows). */
export function httpSpec(r: Results): LineSpec | null {
  const loadFigures = httpLoadsOf(r);
  const loads = Object.keys(loadFigures);
  // Fixed-rate loads are timed from intended send times; a closed-loop (max) load from actual sends: say which.
  const intended = loads.every((n) => (loadFigures[n].measurement ?? '').startsWith('intended-send-time'));
  const flows = Object.keys(httpFlowsOf(r));
  if (loads.length + flows.length === 0) return null;
  type Tp = { t: number; http?: Record<string, { latencyMsP95?: number | null }>; flows?: Record<string, { flowMsP95?: number | null }> };
  const tl = r.timeline as Tp[];
  const series: Series[] = [
    ...loads.map((name, i) => ({ label: `${name} p95`, data: tl.map((p) => ({ x: p.t, y: p.http?.[name]?.latencyMsP95 ?? null })), color: PALETTE[i % PALETTE.length] })),
    ...flows.map((name, i) => ({ label: bi(`流程 ${name} p95`, `flow ${name} p95`), data: tl.map((p) => ({ x: p.t, y: p.flows?.[name]?.flowMsP95 ?? null })), color: PALETTE[(loads.length + i) % PALETTE.length], dashed: true })),
  ];
  return {
    id: 'http', kind: 'line', title: bi('HTTP 延迟', 'HTTP latency'),
    caption: bi(
      [loads.length > 0 ? `每秒 HTTP 响应延迟 p95（${intended ? '从计划发送时间计' : '计时方法见 HTTP 负载表'}）` : '', flows.length > 0 ? '虚线：每秒完成的流程的整体时长 p95（从计划到达时间计）' : ''].filter((x) => x !== '').join('；'),
      [loads.length > 0 ? `HTTP response latency p95 per second (${intended ? 'from the intended send time' : "timed as each load's measurement in the HTTP load table states"})` : '', flows.length > 0 ? 'dashed: whole-flow time p95 of the flows completed in each second (from the intended arrival)' : ''].filter((x) => x !== '').join('; '),
    ),
    x: { label: SECONDS }, y: { label: MS }, series,
  };
}

/** Outbound (platform → callcert's UAS) calls established, from summary.outbound.concurrencySeries. */
export function outboundSpec(r: Results): LineSpec | null {
  const ob = outboundOf(r);
  if (ob === null || ob.concurrencySeries === undefined) return null;
  type Tp = { t: number; outbound?: { dialMsP95?: number | null } };
  const tl = r.timeline as Tp[];
  return {
    id: 'outbound', kind: 'line', title: bi('外呼并发与拨号时延', 'Outbound channels and dial latency'),
    caption: bi('callcert 被叫端已应答未结束的外呼数（100 ms 采样）；右轴：每秒拨号时延 p95（计划发送发起请求 → INVITE 到达）', "outbound calls answered by callcert's UAS and not yet ended (100 ms samples); right axis: dial latency p95 per second (intended send of the originate → INVITE arrival)"),
    x: { label: SECONDS }, y: { label: bi('外呼并发呼叫数（路）', 'outbound calls') }, y2: { label: MS },
    series: [
      { label: bi('外呼并发呼叫数（路）', 'outbound calls'), data: ob.concurrencySeries.rows.map(([tMs, n]) => ({ x: tMs / 1000, y: n })), color: PALETTE[0] },
      { label: bi('拨号时延 p95', 'dial latency p95'), data: tl.map((p) => ({ x: p.t, y: p.outbound?.dialMsP95 ?? null })), color: PALETTE[1], axis: 'y2' },
    ],
  };
}

/**
 * The capacity curve of a search (load.model: search): each step's setup p95
 * and SER against its level, as judged on the step's own hold window
 * (results.json search.steps). Passed steps are round green markers, the
 * failed step a red cross; a dashed vertical line marks the certified level.
 */
export function capacitySpec(r: Results): LineSpec | null {
  const search = searchOf(r);
  if (search === null || search.steps.length === 0) return null;
  const steps = search.steps;
  const markers = (radius: number) => ({
    color: steps.map((st) => (st.pass ? PASS_COLOR : FAIL_COLOR)),
    style: steps.map((st) => (st.pass ? 'circle' : 'crossRot')),
    radius,
  });
  const series: Series[] = [
    { label: bi('呼叫建立时延 p95（毫秒）', 'setup p95 (ms)'), data: steps.map((st) => ({ x: st.level, y: st.setupMs.p95 })), color: PALETTE[1], points: markers(6) },
    { label: 'SER', data: steps.map((st) => ({ x: st.level, y: st.ser })), color: PALETTE[0], axis: 'y2', points: markers(6) },
  ];
  const levels = steps.map((st) => st.level);
  const x0 = Math.min(...levels);
  const x1 = Math.max(...levels);
  // The criteria's limits, as dashed lines: SER always (its axis is scaled to the data anyway), setup only
  // when the limit lies near the measured values (an 800 ms limit over sub-millisecond points would flatten them).
  const maxP95 = Math.max(0, ...steps.map((st) => st.setupMs.p95 ?? 0));
  for (const c of r.criteria) {
    const ser = c.metric === 'ser' ? /^(>=|>)\s*(\d+(?:\.\d+)?)$/.exec(c.criterion.trim()) : null;
    if (ser !== null) series.push({ label: bi(`SER 准则 ${c.criterion}`, `SER criterion ${c.criterion}`), data: [{ x: x0, y: Number(ser[2]) }, { x: x1, y: Number(ser[2]) }], color: PALETTE[0], dashed: true, axis: 'y2' });
    const setup = c.metric === 'setup_ms' ? /^p\(95\)\s*(<=|<)\s*(\d+(?:\.\d+)?)$/.exec(c.criterion.trim()) : null;
    if (setup !== null && Number(setup[2]) <= 2 * maxP95) series.push({ label: bi(`建立 p95 准则 ${c.criterion}`, `setup criterion ${c.criterion}`), data: [{ x: x0, y: Number(setup[2]) }, { x: x1, y: Number(setup[2]) }], color: PALETTE[1], dashed: true });
  }
  if (search.certifiedCapacity !== null) {
    const top = Math.max(1, ...steps.map((st) => st.setupMs.p95 ?? 0));
    series.push({ label: bi(`验证容量 ${search.certifiedCapacity}`, `certified ${search.certifiedCapacity}`), data: [{ x: search.certifiedCapacity, y: 0 }, { x: search.certifiedCapacity, y: top }], color: PASS_COLOR, dashed: true });
  }
  const pad = levels.length > 1 ? (x1 - x0) / (levels.length - 1) / 2 : Math.max(1, x0 * 0.1);
  return {
    id: 'capacity', kind: 'line', title: bi('容量曲线：各台阶呼叫建立时延 p95 与 SER', 'Capacity curve: setup p95 and SER per step'),
    caption: bi(
      '横轴为台阶的提供并发呼叫数（路）；每台阶按其保持窗口判定。圆点：台阶通过；叉：台阶未通过；竖虚线：验证容量；横虚线：判定准则的限值（呼叫建立时延限值仅在接近测量值时画出）',
      "x: each step's offered channels; each step judged on its own hold window. Dot: step passed; cross: step failed; vertical dashed line: verified capacity; horizontal dashed lines: the criteria's limits (the setup limit only when near the measured values)",
    ),
    x: { label: bi('提供并发呼叫数（路）', 'offered channels'), min: x0 - pad, max: x1 + pad },
    y: { label: bi('呼叫建立时延 p95（毫秒）', 'setup p95 (ms)') },
    y2: { label: bi('SER（右轴）', 'SER (right axis)') },
    series,
  };
}

/** Every chart over time that has data, in report order (the load profile and the capacity curve are drawn in their own sections). */
/**
 * callcert's own memory over the run (timeline[].memory): among the charts over time for a short
 * run; in the stability section (hours on the x axis, the window named) for a run with a hold of
 * at least 1 h.
 */
type Memory = NonNullable<Results['timeline'][number]['memory']>;

const MIB = 1024 * 1024;
const hOf = (ms: number) => fmtNum(Math.round((ms / 3_600_000) * 1000) / 1000);

/** Whether any second of the timeline carries a memory sample (results written before it was recorded have none). */
export const hasMemory = (r: Results): boolean => r.timeline.some((p) => p.memory !== undefined);

/** `window` (the stability window, ms): the x axis in hours and the window named; null: seconds. */
export function generatorMemorySpec(r: Results, window: readonly [number, number] | null): LineSpec {
  const xOf = (t: number) => (window === null ? t : t / 3600);
  const series = (pick: (m: Memory) => number | null): Pt[] =>
    r.timeline.map((p) => {
      const v = p.memory === undefined ? null : pick(p.memory);
      return { x: xOf(p.t), y: v === null ? null : Math.round((v / MIB) * 10) / 10 };
    });
  const where = window === null
    ? { zh: '', en: '' }
    : { zh: `稳定性时段：第 ${hOf(window[0])} 至 ${hOf(window[1])} 小时。`, en: ` Stability window: hour ${hOf(window[0])} to ${hOf(window[1])}.` };
  return {
    id: window === null ? 'generator-memory' : 'stability-memory', kind: 'line',
    title: bi('callcert 自身内存随时间变化', "callcert's own memory over the run"),
    caption: bi(
      `results.json timeline[].memory，每秒一点（MiB = 字节 ÷ 1048576）：进程常驻内存 rssBytes（主线程与工作线程同属一个进程）、主线程堆 mainHeapUsedBytes、工作线程堆之和 workersHeapUsedBytes；右轴：已建立的通道（timeline[].active）。${where.zh}`,
      `results.json timeline[].memory, one point a second (MiB = bytes ÷ 1048576): the process resident set rssBytes (main thread and workers are one process), the main thread's heap mainHeapUsedBytes, the workers' heaps summed workersHeapUsedBytes; right axis: established channels (timeline[].active).${where.en}`,
    ),
    x: { label: window === null ? SECONDS : bi('时间（小时）', 'time (h)'), min: 0 }, y: { label: bi('MiB', 'MiB'), min: 0 }, y2: { label: bi('通道', 'channels'), min: 0 },
    series: [
      { label: 'RSS', data: series((m) => m.rssBytes), color: PALETTE[0] },
      { label: bi('主线程堆', 'main heap'), data: series((m) => m.mainHeapUsedBytes), color: PALETTE[1] },
      { label: bi('工作线程堆', "workers' heap"), data: series((m) => m.workersHeapUsedBytes), color: PALETTE[2] },
      { label: bi('已建立通道', 'established channels'), data: r.timeline.map((p) => ({ x: xOf(p.t), y: p.active })), color: '#888', dashed: true, axis: 'y2' },
    ],
  };
}

export function resultSpecs(r: Results): ChartSpec[] {
  // A run with a stability window draws its memory chart in the stability section (hours on the x axis).
  const memory = hasMemory(r) && (r.stability ?? null) === null ? generatorMemorySpec(r, null) : null;
  return [channelsSpec(r), cpsSpec(r), setupSpec(r), serSpec(r), failuresSpec(r), healthSpec(r), memory, httpSpec(r), outboundSpec(r)]
    .filter((c): c is ChartSpec => c !== null);
}
