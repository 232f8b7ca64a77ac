/**
 * The stability sub-section (稳定性测试 / Stability), present when the run has a stability window — a
 * hold of at least 1 h (results.json stability; load/stability.ts): per hour of the hold the calls,
 * SER and setup percentiles from the hour's merged histogram, the generator's memory and the platform
 * servers' memory; the drift rules' outcome; the generator-memory chart. Figures from
 * stability-figures.ts, each traceable to results.json (docs/stability.md).
 */
import { T, bi, type Bi } from './i18n.js';
import { fmtMs, fmtNum, type ReportModel } from './model.js';
import type { Block, Cell, Text } from './blocks.js';
import { generatorMemorySpec } from './chart-specs.js';
import { MEMORY_DRIFT_SHARE, SETUP_DRIFT_FACTOR, stabilityFigures, type Drift, type StabilityFigures } from './stability-figures.js';

const MIB = 1024 * 1024;
/** MiB to 0.1 (bytes ÷ 1,048,576): the table's unit; results.json keeps bytes. */
const mib = (b: number | null): string => (b === null ? '—' : (Math.round((b / MIB) * 10) / 10).toFixed(1));
const hOf = (ms: number) => fmtNum(Math.round((ms / 3_600_000) * 1000) / 1000);

const DRIFT_LABEL: Record<string, Bi> = {
  rss: bi('callcert 进程常驻内存（RSS）', "callcert's process resident set (RSS)"),
  workersHeap: bi('callcert 工作线程堆（合计）', "callcert's workers' heaps (summed)"),
};
const driftLabel = (series: string): Text => (series.startsWith('platform:') ? [bi('平台服务器内存：', 'Platform server memory: '), series.slice(9)] : DRIFT_LABEL[series]);

const flag = (drift: boolean, measured: boolean): Cell => (!measured
  ? { text: T.notMeasured, tone: 'muted' }
  : drift ? { text: bi('漂移', 'DRIFT'), tone: 'bad' } : { text: bi('无漂移', 'no drift'), tone: 'ok' });

function hourTable(f: StabilityFigures): Block {
  return {
    kind: 'table',
    head: [
      bi('小时', 'Hour'), bi('时段（秒）', 'Span (s)'), bi('尝试/应答/失败', 'Attempted/answered/failed'), bi('SER（6 位小数）', 'SER (6 decimals)'),
      bi('建立时延 p50/p95/p99（毫秒）', 'Setup p50/p95/p99 (ms)'), bi('RSS 均值/最大（MiB）', 'RSS mean/max (MiB)'),
      bi('主线程堆最大（MiB）', 'Main heap max (MiB)'), bi('工作线程堆最大（MiB）', 'Workers\' heap max (MiB)'),
    ],
    widths: [28, 70, 80, 40, '*', 62, 44, 48],
    rows: f.rows.map((r) => {
      const h = r.hour;
      return [
        fmtNum(h.hour), `${fmtNum(h.startMs / 1000)}–${fmtNum(h.endMs / 1000)}`,
        `${fmtNum(h.attempted)} / ${fmtNum(h.answered)} / ${fmtNum(h.failed)}`, h.ser === null ? '—' : h.ser.toFixed(6),
        `${fmtMs(h.setupMs.p50)} / ${fmtMs(h.setupMs.p95)} / ${fmtMs(h.setupMs.p99)}`,
        `${mib(r.rss.mean)} / ${mib(r.rss.max)}`, mib(r.mainHeap.max), mib(r.workersHeap.max),
      ];
    }),
  };
}

function platformTable(f: StabilityFigures): Block | null {
  const names = Object.keys(f.rows[0].platform);
  if (names.length === 0) return null;
  return {
    kind: 'table',
    head: [bi('小时', 'Hour'), ...names.map((n) => [n, bi(' 内存均值/最大（MiB）', ' memory mean/max (MiB)')])],
    widths: [28, ...names.map(() => '*')],
    rows: f.rows.map((r) => [fmtNum(r.hour.hour), ...names.map((n) => `${mib(r.platform[n].mean)} / ${mib(r.platform[n].max)}`)]),
  };
}

function driftRows(f: StabilityFigures): Cell[][] {
  const mem = (d: Drift): Cell[] => [
    driftLabel(d.series), d.slopePerHour === null ? '—' : `${mib(d.slopePerHour)} MiB/h`,
    `${mib(d.growth)} / ${mib(d.limit)}`, fmtNum(d.samples), flag(d.drift, d.growth !== null && d.limit !== null),
  ];
  const sd = f.setupDrift;
  return [
    ...f.memoryDrift.map(mem),
    [
      bi('呼叫建立时延 p95：末小时/首小时', 'Setup p95: last hour / first hour'),
      sd.ratio === null ? '—' : `× ${fmtNum(sd.ratio)}`,
      `${fmtMs(sd.lastP95)} ms (h${fmtNum(sd.lastHour)}) / ${fmtMs(sd.firstP95)} ms (h1)`,
      '—', flag(sd.drift, sd.ratio !== null),
    ],
  ];
}

/** The sub-section numbered `n`, or nothing for a run without a hold of at least 1 h. */
export function stabilityBlocks(model: ReportModel, n: string): Block[] {
  const r = model.results;
  const f = stabilityFigures(r);
  if (f === null) return [];
  const [w0, w1] = f.s.windowMs;
  const drifted = f.memoryDrift.filter((d) => d.drift).length + (f.setupDrift.drift ? 1 : 0);
  const blocks: Block[] = [
    { kind: 'h2', title: bi(`${n} ${T.stability.zh}`, `${n} ${T.stability.en}`) },
    { kind: 'p', text: bi(
      `稳定性时段为持续时间最长且不少于 1 小时的保持阶段：第 ${fmtNum(w0 / 1000)} s 至第 ${fmtNum(w1 / 1000)} s（${hOf(w1 - w0)} 小时，目标 ${fmtNum(f.s.target)}）。每小时从保持开始起算，最后一小时可能不足 1 小时；某秒计入其区间起点所在的小时。呼叫数、SER 与建立时延百分位取自该小时合并后的直方图（results.json stability.hours，精确值，不是每秒百分位的统计）；内存取自该小时各秒的 timeline[].memory 与平台抓取样本。`,
      `The stability window is the longest hold lasting at least 1 h: ${fmtNum(w0 / 1000)} s to ${fmtNum(w1 / 1000)} s (${hOf(w1 - w0)} h, target ${fmtNum(f.s.target)}). Hours count from the hold's start; the last may be shorter; a second counts in the hour its interval starts in. Calls, SER and setup percentiles come from the hour's merged histogram (results.json stability.hours: exact, not a statistic of per-second percentiles); memory from the hour's timeline[].memory seconds and platform scrapes.`,
    ) },
    hourTable(f),
  ];
  const pt = platformTable(f);
  if (pt !== null) blocks.push({ kind: 'p', text: bi('平台服务器内存占用（每小时的抓取样本，platform.instances[].samples[].memUsedBytes）：', 'Platform servers\' memory used per hour (that hour\'s scrapes, platform.instances[].samples[].memUsedBytes):') }, pt);
  blocks.push(
    { kind: 'p', strong: true, tone: drifted > 0 ? 'bad' : 'ok', text: drifted > 0
      ? bi(`发现漂移：${drifted} 项（见下表）。`, `Drift found: ${drifted} (table below).`)
      : bi('未发现漂移。', 'No drift found.') },
    { kind: 'table', head: [bi('序列', 'Series'), bi('最小二乘斜率', 'Least-squares slope'), bi('保持期预测增长/限值（MiB）或末/首', 'Predicted growth/limit (MiB) or last/first'), 'n', T.result], widths: ['*', 80, 120, 44, 60], rows: driftRows(f) },
    { kind: 'list', items: [
      bi(`内存漂移：对稳定性时段内每个样本（秒或抓取）做最小二乘直线拟合，斜率 × 时段长度即拟合预测的整段增长；超过首小时均值的 ${fmtNum(MEMORY_DRIFT_SHARE * 100)}% 判为漂移。`,
        `Memory drift: a least-squares line through every sample (second or scrape) of the window; its slope × the window's length is the growth the fit predicts over the hold; above ${fmtNum(MEMORY_DRIFT_SHARE * 100)} % of the first hour's mean it is drift.`),
      bi(`建立时延漂移：最后一个完整小时（无完整小时则最后一小时）的 p95 超过首小时 p95 的 ${fmtNum(SETUP_DRIFT_FACTOR)} 倍判为漂移。`,
        `Setup drift: the last full hour's p95 (the last hour when none is full) above ${fmtNum(SETUP_DRIFT_FACTOR)} × the first hour's p95.`),
    ] },
    { kind: 'chart', n: `${n}.1`, spec: generatorMemorySpec(r, f.s.windowMs) },
  );
  return blocks;
}
