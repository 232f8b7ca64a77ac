/**
 * The server-resources charts (服务器资源占用): per platform target, its CPU % and memory used %
 * over the run, and its network bytes/s, each with the load on the right-hand axis —
 * established channels at the end of each second (results.json timeline[].active). Every point
 * is a sample of results.json platform.instances[].samples, at its scrape's time; a sample
 * without the figure (a first scrape's CPU) is a gap, and a failed scrape has no sample.
 */
import { bi } from './i18n.js';
import { PALETTE, SECONDS, type LineSpec, type Pt } from './chart-specs.js';
import type { Results } from '../results/summary.js';

type Instance = NonNullable<Results['platform']>['instances'][string];
type Sample = Instance['samples'][number];

const pts = (i: Instance, pick: (s: Sample) => number | null): Pt[] => i.samples.map((s) => ({ x: s.tMs / 1000, y: pick(s) }));
const load = (r: Results) => ({
  label: bi('已建立呼叫（路）', 'established calls'), data: r.timeline.map((p) => ({ x: p.t, y: p.active })), color: '#888', dashed: true, axis: 'y2' as const,
});
const DOTS = 2;

export function platformCpuMemSpec(r: Results, name: string, i: Instance): LineSpec {
  return {
    id: `platform-cpu-mem-${name}`, kind: 'line',
    title: bi(`${name}：CPU 与内存占用`, `${name}: CPU and memory`),
    caption: bi(
      `results.json platform.instances.${name}.samples：每次抓取 ${i.url} 的 CPU 占用 = 100 × (1 − Δidle ÷ Δtotal)（node_cpu_seconds_total，全部 CPU，与上次抓取之差）与内存占用 = (MemTotal − MemAvailable) ÷ MemTotal；右轴：每秒结束时已建立的呼叫数（timeline[].active）。抓取失败处无点。`,
      `results.json platform.instances.${name}.samples: at each scrape of ${i.url}, CPU busy = 100 × (1 − Δidle ÷ Δtotal) (node_cpu_seconds_total over all CPUs, since the previous scrape) and memory used = (MemTotal − MemAvailable) ÷ MemTotal; right axis: established channels at the end of each second (timeline[].active). A failed scrape has no point.`,
    ),
    x: { label: SECONDS }, y: { label: bi('%', '%'), min: 0, max: 100 }, y2: { label: bi('并发呼叫数（路）', 'concurrent calls'), min: 0 },
    series: [
      { label: bi('CPU 占用 %', 'CPU busy %'), data: pts(i, (s) => s.cpuPct), color: PALETTE[3], dots: DOTS },
      { label: bi('内存占用 %', 'memory used %'), data: pts(i, (s) => s.memUsedPct), color: PALETTE[0], dots: DOTS },
      load(r),
    ],
  };
}

export function platformNetSpec(r: Results, name: string, i: Instance): LineSpec | null {
  if (!i.samples.some((s) => s.netRxBytesPerSec !== null || s.netTxBytesPerSec !== null)) return null;
  return {
    id: `platform-net-${name}`, kind: 'line',
    title: bi(`${name}：网络流量`, `${name}: network traffic`),
    caption: bi(
      `results.json platform.instances.${name}.samples：两次抓取之间 node_network_receive/transmit_bytes_total 之差 ÷ 时间差（未排除的网卡之和），字节/秒；右轴：已建立的呼叫数。`,
      `results.json platform.instances.${name}.samples: Δ node_network_receive/transmit_bytes_total between two scrapes ÷ their time apart (summed over the devices not excluded), bytes/s; right axis: established channels.`,
    ),
    x: { label: SECONDS }, y: { label: bi('字节/秒', 'bytes/s'), min: 0 }, y2: { label: bi('并发呼叫数（路）', 'concurrent calls'), min: 0 },
    series: [
      { label: bi('接收', 'received'), data: pts(i, (s) => s.netRxBytesPerSec), color: PALETTE[2], dots: DOTS },
      { label: bi('发送', 'sent'), data: pts(i, (s) => s.netTxBytesPerSec), color: PALETTE[1], dots: DOTS },
      load(r),
    ],
  };
}
