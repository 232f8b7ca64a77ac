/**
 * Report blocks for the HTTP side of a run, each present only when the run
 * had it: throughput loads (summary.http), scripted flows (summary.httpFlows)
 * and the calls the platform placed to callcert's UAS (summary.outbound).
 * Figures as recorded; the measurement method is quoted from results.json.
 */
import type { Results } from '../results/summary.js';
import { T, bi, type Bi } from './i18n.js';
import { fmtMs, fmtNum } from './model.js';
import type { Block, Cell } from './blocks.js';
import { counts, httpFlowsOf, httpLoadsOf, outboundOf, type Dist } from './http-figures.js';

const pct = (d: Dist | null): string => (d === null ? '—'
  : `p50 ${fmtMs(d.p50)} · p95 ${fmtMs(d.p95)} · p99 ${fmtMs(d.p99)} · max ${fmtMs(d.max)} (n=${fmtNum(d.count)})`);

function loads(r: Results): Block[] {
  const out: Block[] = [];
  for (const [name, h] of Object.entries(httpLoadsOf(r))) {
    const rows: Cell[][] = [
      [bi('请求', 'Request'), `${h.method} ${h.url}`.trim() || '—'],
      [bi('方式', 'Mode'), h.mode],
      // null in results written before they were recorded (schema 1, migrated): the row is left out.
      ...(h.connections === null ? [] : [[bi('连接数/流水线深度', 'Connections/pipelining'), `${fmtNum(h.connections)} / ${fmtNum(h.pipelining)}`] as Cell[]]),
      [bi('请求：总数/发送/完成/丢弃', 'Requests: total/sent/completed/dropped'), `${fmtNum(h.requests)} / ${fmtNum(h.sent)} / ${fmtNum(h.completed)} / ${fmtNum(h.dropped)}`],
      [bi('速率：提供/实际（次/秒）', 'Rate: offered/achieved (req/s)'), `${fmtNum(h.offeredRps)} / ${fmtNum(h.rps)}`],
      [bi('延迟（毫秒）', 'Latency (ms)'), pct(h.latencyMs)],
      [bi('状态码', 'Status codes'), counts(h.statusCodes)],
      [bi('错误：总数/按原因', 'Errors: total/by cause'), `${fmtNum(h.errors.total)} / ${counts(h.errors.byCause)}`],
      [bi('计时方法', 'Measurement'), h.measurement],
    ];
    out.push({ kind: 'p', text: bi(`HTTP 负载“${name}”`, `HTTP load "${name}"`), strong: true }, { kind: 'table', head: [T.item, T.value], widths: [170, '*'], rows });
  }
  return out;
}

function flows(r: Results): Block[] {
  const out: Block[] = [];
  for (const [name, f] of Object.entries(httpFlowsOf(r))) {
    out.push(
      { kind: 'p', text: bi(`HTTP 流程“${name}”`, `HTTP flow "${name}"`), strong: true },
      { kind: 'table', head: [T.item, T.value], widths: [170, '*'], rows: [
        [bi('流程：开始/完成/失败/阻塞', 'Flows: started/completed/failed/blocked'), `${fmtNum(f.started)} / ${fmtNum(f.completed)} / ${fmtNum(f.failed)} / ${fmtNum(f.blocked)}`],
        [bi('流程时长（毫秒）', 'Flow time (ms)'), pct(f.flowMs)],
        [bi('失败原因', 'Failures by cause'), counts(f.errorsByCause)],
        [bi('非预期状态码', 'Unexpected status'), counts(f.unexpectedStatus)],
      ] },
    );
    const steps = Object.entries(f.steps);
    if (steps.length > 0) {
      // One number per cell: a percentile list wrapped inside a cell reads badly and extracts worse.
      const q = (d: Dist | null, k: 'p50' | 'p95' | 'p99' | 'max') => (d === null ? '—' : fmtMs(d[k]));
      out.push({
        kind: 'table', widths: [80, 38, 48, 48, 48, 48, '*', '*'],
        head: [bi('步骤', 'Step'), bi('次数', 'Count'), 'p50 (ms)', 'p95 (ms)', 'p99 (ms)', 'max (ms)', bi('状态码', 'Status'), bi('错误', 'Errors')],
        rows: steps.map(([s, st]): Cell[] => [`${s} (${st.kind})`, fmtNum(st.count), q(st.latencyMs, 'p50'), q(st.latencyMs, 'p95'), q(st.latencyMs, 'p99'), q(st.latencyMs, 'max'), counts(st.statusCodes), counts(st.errors)]),
      });
      out.push({ kind: 'p', tone: 'muted', small: true, text: bi('步骤次数含失败；延迟仅统计成功的步骤（定义见附录 C：httpStepMs）。', 'Step counts include failures; latencies cover successful steps only (definition: httpStepMs, Appendix C).') });
    }
  }
  return out;
}

function outbound(r: Results): Block[] {
  const ob = outboundOf(r);
  if (ob === null) return [];
  const w = ob.concurrency.sustainedWindowMs;
  return [{ kind: 'table', head: [T.item, T.value], widths: [170, '*'], rows: [
    [bi('外呼：提供/应答/完成/失败', 'Outbound calls: offered/answered/completed/failed'), `${fmtNum(ob.calls.offered)} / ${fmtNum(ob.calls.answered)} / ${fmtNum(ob.calls.completed)} / ${fmtNum(ob.calls.failed)}`],
    [bi('未关联/未结束', 'Uncorrelated/unfinished'), `${fmtNum(ob.calls.uncorrelated)} / ${fmtNum(ob.calls.unfinished)}`],
    [bi('外呼并发：峰值/持续', 'Outbound channels: peak/sustained'), `${fmtNum(ob.concurrency.peak)} / ${fmtNum(ob.concurrency.sustained)}`],
    [bi('持续窗口（毫秒）', 'Sustained window (ms)'), w === null ? '—' : `${fmtMs(w[0])} – ${fmtMs(w[1])}`],
    [bi('拨号时延（毫秒）', 'Dial latency (ms)'), pct(ob.dialLatencyMs)],
  ] }];
}

/** The HTTP sub-sections this run has, each with its title (numbered by the caller). */
export function httpSections(r: Results): Array<{ title: Bi; blocks: Block[] }> {
  const parts: Array<{ title: Bi; blocks: Block[] }> = [
    { title: bi('HTTP 负载', 'HTTP load'), blocks: loads(r) },
    { title: bi('HTTP 流程', 'HTTP flows'), blocks: flows(r) },
    { title: bi('外呼（平台呼叫 callcert 被叫端）', 'Outbound calls (the platform calls callcert\'s UAS)'), blocks: outbound(r) },
  ];
  return parts.filter((p) => p.blocks.length > 0);
}
