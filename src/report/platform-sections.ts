/**
 * The server-resources sub-section (服务器资源占用 / Server resources), present when the run
 * scraped the platform's servers (results.json platform): per target, how its scrapes went
 * (failures by cause, shown, never hidden), max / mean / p95 of CPU %, memory and network,
 * and the charts of platform-charts.ts. Figures as recorded.
 */
import { T, bi, type Bi } from './i18n.js';
import { fmtMs, fmtNum, type ReportModel } from './model.js';
import type { Block, Cell } from './blocks.js';
import { platformCpuMemSpec, platformNetSpec } from './platform-charts.js';
import type { Results } from '../results/summary.js';

type Platform = NonNullable<Results['platform']>;
type Instance = Platform['instances'][string];

export const platformOf = (r: Results): Platform | null => r.platform ?? null;

export const TP = {
  title: bi('服务器资源占用', 'Server resources'),
  scrapes: bi('抓取：成功/失败/跳过', 'Scrapes: ok/failed/skipped'),
  csvRows: bi('CSV：导入行/读取失败/运行时段外行', 'CSV: rows imported/read failures/rows outside the run'),
  causes: bi('失败原因', 'Failures by cause'),
  lastFailure: bi('最后一次失败', 'Last failure'),
  cpus: bi('CPU 数 / 内存总量（字节）', 'CPUs / memory total (bytes)'),
  figure: bi('指标', 'Figure'),
  cpu: bi('CPU 占用（%）', 'CPU busy (%)'),
  memPct: bi('内存占用（%）', 'Memory used (%)'),
  memBytes: bi('内存占用（字节）', 'Memory used (bytes)'),
  rx: bi('网络接收（字节/秒）', 'Network received (bytes/s)'),
  tx: bi('网络发送（字节/秒）', 'Network sent (bytes/s)'),
};

const causes = (c: Record<string, number>): string => {
  const e = Object.entries(c);
  return e.length === 0 ? '—' : e.map(([k, v]) => `${k} ${v}`).join(', ');
};

function rows(i: Instance): Cell[][] {
  const row = (label: Bi, s: Instance['summary']['cpuPct']): Cell[] => [label, fmtNum(s.count), fmtNum(s.max), fmtNum(s.mean), fmtNum(s.p95)];
  return [
    row(TP.cpu, i.summary.cpuPct), row(TP.memPct, i.summary.memUsedPct), row(TP.memBytes, i.summary.memUsedBytes),
    row(TP.rx, i.summary.netRxBytesPerSec), row(TP.tx, i.summary.netTxBytesPerSec),
  ];
}

/** `chartN`: the next chart's number within the sub-section (numbered 7.x.1, 7.x.2, … across servers). */
function instanceBlocks(r: Results, name: string, i: Instance, n: string, chartN: { k: number }): Block[] {
  const sc = i.scrapes;
  const blocks: Block[] = [
    { kind: 'p', text: i.source === 'csv' ? [name, ' — ', bi('运维监控导出的 CSV：', 'CSV export of the operator\'s monitoring: '), i.url] : [name, ' — ', i.url], strong: true },
    { kind: 'table', head: [T.item, T.value], widths: [170, '*'], rows: [
      [i.source === 'csv' ? TP.csvRows : TP.scrapes, { text: `${fmtNum(sc.ok)} / ${fmtNum(sc.failed)} / ${fmtNum(sc.skipped)}`, tone: sc.failed > 0 ? 'bad' : 'ok' }],
      [TP.causes, sc.failed > 0 ? { text: causes(sc.failuresByCause), tone: 'bad' } : '—'],
      [TP.lastFailure, sc.lastFailure === null ? '—' : `${sc.lastFailure.cause} @ ${fmtMs(sc.lastFailure.tMs)} ms: ${sc.lastFailure.message}`],
      [TP.cpus, `${fmtNum(i.cpus)} / ${fmtNum(i.memTotalBytes)}`],
    ] },
  ];
  if (!i.nodeExporter) {
    blocks.push({ kind: 'p', tone: 'muted', small: true, text: bi(
      sc.ok === 0 ? '没有一次抓取成功：无资源数据（未测得）。'
        : i.source === 'csv' ? 'CSV 中没有 CPU 或内存数据：其数值仅保存在原始文件中。'
          : '该端点不是 node_exporter（无 node_cpu_seconds_total / node_memory_*）：其指标仅保存在原始抓取文件中。',
      sc.ok === 0 ? 'No scrape succeeded: no resource figures (not measured).'
        : i.source === 'csv' ? 'The CSV holds no CPU or memory figure: its values are kept in the raw file only.'
          : 'This endpoint is not node_exporter (no node_cpu_seconds_total / node_memory_*): its metrics are kept in the raw scrape file only.',
    ) });
    return blocks;
  }
  blocks.push({ kind: 'table', head: [TP.figure, 'n', 'max', 'mean', 'p95'], widths: ['*', 40, 80, 80, 80], rows: rows(i) });
  const specs = [platformCpuMemSpec(r, name, i), platformNetSpec(r, name, i)].filter((s) => s !== null);
  for (const spec of specs) blocks.push({ kind: 'chart', n: `${n}.${++chartN.k}`, spec });
  return blocks;
}

/** The sub-section numbered `n`, or nothing for a run that scraped no platform server. */
export function platformBlocks(model: ReportModel, n: string): Block[] {
  const p = platformOf(model.results);
  if (p === null) return [];
  const r = model.results;
  const names = Object.keys(p.instances);
  const failed = names.filter((x) => p.instances[x].scrapes.failed > 0);
  const csv = names.filter((x) => p.instances[x].source === 'csv');
  const scraped = names.filter((x) => p.instances[x].source === 'prometheus');
  const blocks: Block[] = [{ kind: 'h2', title: [`${n} `, TP.title] }];
  if (scraped.length > 0) blocks.push(
    { kind: 'p', text: bi(
      `运行期间每 ${fmtNum(p.intervalMs / 1000)} 秒抓取一次平台服务器的 Prometheus 端点（超时 ${fmtMs(p.timeoutMs)} ms）：${scraped.join('、')}。原始抓取内容保存在 ${p.rawFile}（SHA-256 见附录）。抓取失败只计数，不影响运行。`,
      `The platform servers' Prometheus endpoints were scraped every ${fmtNum(p.intervalMs / 1000)} s during the run (timeout ${fmtMs(p.timeoutMs)} ms): ${scraped.join(', ')}. The raw scrapes are in ${p.rawFile} (SHA-256 in the appendix). A failed scrape is counted, never fatal to the run.`,
    ) },
  );
  if (csv.length > 0) {
    blocks.push({ kind: 'p', text: bi(
      `${csv.join('、')} 的数据来自运维方自有监控导出的 CSV，运行结束时读取，按时间对齐到本次运行的时间轴（运行时段外的行不计入）；CSV 全文保存在 ${p.rawFile}。`,
      `${csv.join(', ')}: figures from CSV exports of the operator's own monitoring, read at the run's end and aligned on its timeline (rows outside the run left out); each CSV is kept whole in ${p.rawFile}.`,
    ) });
  }
  if (failed.length > 0) {
    blocks.push({ kind: 'p', tone: 'bad', text: bi(
      `抓取失败：${failed.map((x) => `${x}（${p.instances[x].scrapes.failed} 次：${causes(p.instances[x].scrapes.failuresByCause)}）`).join('；')}。`,
      `Failed scrapes: ${failed.map((x) => `${x} (${p.instances[x].scrapes.failed}: ${causes(p.instances[x].scrapes.failuresByCause)})`).join('; ')}.`,
    ) });
  }
  const chartN = { k: 0 };
  for (const name of names) blocks.push(...instanceBlocks(r, name, p.instances[name], n, chartN));
  blocks.push({ kind: 'list', items: [
    bi('CPU 占用：两次抓取之间 100 × (1 − Δidle ÷ Δtotal)，node_cpu_seconds_total 对全部 CPU 与全部模式求和（iowait、steal 计为忙）；第一次抓取无 CPU 值。',
      'CPU busy: between two scrapes, 100 × (1 − Δidle ÷ Δtotal), node_cpu_seconds_total summed over all CPUs and modes (iowait and steal count as busy); the first scrape has no CPU figure.'),
    bi('内存占用：node_memory_MemTotal_bytes − node_memory_MemAvailable_bytes，及其占 MemTotal 的百分比。',
      'Memory used: node_memory_MemTotal_bytes − node_memory_MemAvailable_bytes, and its share of MemTotal in %.'),
    bi('统计为各次抓取样本的最大值、平均值与 p95（最近秩）；判定准则 platform_* 读取同一批样本。',
      'Figures are the max, mean and p95 (nearest rank) over the scrapes\' samples; the platform_* criteria read the same samples.'),
  ] });
  return blocks;
}
