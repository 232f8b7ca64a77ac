/**
 * The media sub-section of the results (present only when the run had media,
 * summary.media): what the calls' RTP did, the per-call distributions, the
 * per-second charts from results.json's timeline and the per-call MOS histogram
 * from calls.jsonl, recording completeness when the recording probe ran
 * (summary.recordings), and how each figure is defined. Figures as recorded.
 */
import { T, TM, bi, type Bi } from './i18n.js';
import { fmtMs, fmtNum, type ReportModel } from './model.js';
import type { Block, Cell } from './blocks.js';
import { counts, type Dist } from './http-figures.js';
import { mediaOf, type MediaFigures, type RecordingFigures, type ScaledFigures } from './media-figures.js';
import { mediaQualityTimelineSpec, mosHistogramSpec, mosTimelineSpec } from './media-charts.js';
import type { ChartSpec, LineSpec } from './chart-specs.js';
import type { PlatformMediaResults } from '../results/schema.js';

const bad = (n: number): Cell => (n > 0 ? { text: fmtNum(n), tone: 'bad' } : fmtNum(n));

function countRows(m: MediaFigures, answered: number): Cell[][] {
  const p = m.packets;
  return [
    [TM.callsWithMedia, `${fmtNum(m.calls.withMedia)} / ${fmtNum(answered)}`],
    [TM.oneWay, bad(m.calls.oneWayAudio)],
    // Without the marker crossed media cannot be seen: the 0 then proves nothing, and says so.
    [TM.crossed, m.marker ? bad(m.calls.crossedMedia) : [fmtNum(m.calls.crossedMedia), bi('（未带呼叫标记：无法检测）', ' (no marker: not detectable)')]],
    [TM.packets, `${fmtNum(p.sent)} / ${fmtNum(p.received)} / ${fmtNum(p.expected)} / ${fmtNum(p.lost)} / ${fmtNum(p.sendSkipped)}`],
    [TM.lossAll, fmtNum(m.lossRatio)],
  ];
}

const scaledRow = (label: Bi, s: ScaledFigures): Cell[] => [label, ...[s.count, s.min, s.p5, s.p50, s.p95, s.max, s.mean].map(fmtNum)];
const msRow = (label: Bi, s: Dist): Cell[] => [label, fmtNum(s.count), ...[s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean].map(fmtMs)];

function recordingBlocks(rec: RecordingFigures): Block[] {
  return [
    { kind: 'p', text: TM.recordings, strong: true },
    { kind: 'table', head: [T.item, T.value], widths: [170, '*'], rows: [
      [TM.recSource, rec.source],
      [TM.recChecked, `${fmtNum(rec.checked)} / ${fmtNum(rec.answered)}`],
      [TM.recValid, fmtNum(rec.valid)],
      [TM.recCompleteness, { text: fmtNum(rec.completeness), tone: rec.valid === rec.checked ? 'ok' : 'bad' }],
      [TM.recFailures, counts(rec.failures)],
      [TM.recTolerance, fmtMs(rec.toleranceMs)],
      [TM.recSample, rec.sample === null ? TM.recAll : fmtNum(rec.sample)],
    ] },
  ];
}

/** Labels of the estimator's known parameters; any other key is printed by its name. */
const ESTIMATOR_LABEL: Record<string, Bi> = {
  jitterBufferMs: bi('假设的远端抖动缓冲（毫秒）', 'assumed far-end jitter buffer (ms)'),
  rttMs: bi('无 RTCP 往返时延时假设的 RTT（毫秒）', 'RTT assumed for a call without an RTCP round trip (ms)'),
  ptimeMs: bi('打包时长（毫秒）', 'packetisation (ms)'),
};

function definitions(m: MediaFigures, rec: RecordingFigures | null): Block[] {
  const { version, ...params } = m.estimator;
  const items: Bi[] = [
    bi('丢包（RFC 3550 A.3）：期望包数 = 扩展最高序号 − 起始序号 + 1；丢失 = 期望 − 实际收到的不同包数；每呼叫丢包率 = 丢失 ÷ 期望。',
      'Loss (RFC 3550 A.3): expected = extended highest sequence number − base + 1; lost = expected − distinct packets received; per-call loss ratio = lost ÷ expected.'),
    bi('抖动（RFC 3550 A.8）：按到达顺序，D = (R(i) − R(i−1)) − (S(i) − S(i−1))（到达时刻与 RTP 时间戳之差），J ← J + (|D| − J) / 16；取呼叫结束时的 J，换算为毫秒。',
      'Jitter (RFC 3550 A.8): in order of arrival, D = (R(i) − R(i−1)) − (S(i) − S(i−1)) (arrival time and RTP timestamp differences), J ← J + (|D| − J) / 16; the J at the call\'s end, in ms.'),
    bi('最大包间隔：相邻两个到达包之间的最长时间；首包时间：应答（200 OK）到收到第一个 RTP 包。',
      'Largest gap: the longest time between two consecutive arriving packets; time to first media: the answer (200 OK) to the first RTP packet received.'),
    bi('RTCP 往返时延（RFC 3550 §6.4.1）：A − LSR − DLSR，取每通呼叫最后一个报告；没有报告的呼叫不计入。',
      'RTCP round trip (RFC 3550 §6.4.1): A − LSR − DLSR, from each call\'s last report; calls without one are not counted.'),
    bi('单向音频：发送了媒体却未收到任何媒体的呼叫；串音：收到其他呼叫标记的呼叫。',
      'One-way audio: calls that sent media and received none; crossed media: calls that received another call\'s marker.'),
    bi('MOS-CQE：ITU-T G.107 E 模型的 R 值按附录 B 换算；单向时延 Ta = RTT/2 + 抖动缓冲 + 打包时长，丢包率为 Ppl；估计器及参数如下，取自 results.json。',
      'MOS-CQE: the ITU-T G.107 E-model\'s R mapped by Annex B; one-way delay Ta = RTT/2 + jitter buffer + packetisation, Ppl = the loss; the estimator and its parameters below, from results.json.'),
    bi('分布为各呼叫数值的 HDR 直方图分位数（MOS 取 3 位小数，丢包率取 6 位）。', 'Distributions are HDR-histogram percentiles over calls (MOS to 3 decimals, loss ratios to 6).'),
    bi('逐秒图（results.json timeline[].media）：每秒结束时对每条存活的媒体流取快照——该秒的发送、接收、期望与丢失包数，秒末的抖动，按该秒丢包计算的 MOS-CQE；在秒内结束的呼叫只计入其包数。分位数取自这些流。',
      "Per-second charts (results.json timeline[].media): at each second's end every live stream is sampled — packets sent, received, expected and lost in that second, its jitter at the second's end, its MOS-CQE with that second's loss; a call that ended within the second adds only its packets. Percentiles are over those streams."),
  ];
  if (rec !== null) {
    items.push(bi('录音完整率：录音有效（存在、时长在容差内、非静音）的呼叫所占比例，数值为录音探针记录的值。',
      'Recording completeness: the share of calls with a valid recording (present, duration within the tolerance, not silent), the value the recording probe recorded.'));
  }
  return [
    { kind: 'p', text: TM.definitions, strong: true },
    { kind: 'list', items },
    { kind: 'p', text: [TM.estimator, ': ', version] },
    { kind: 'table', head: [T.item, T.value], widths: [250, '*'], rows: Object.entries(params).map(([k, v]): Cell[] => [ESTIMATOR_LABEL[k] ?? k, fmtNum(v)]) },
  ];
}

/**
 * The per-second charts first (results.json alone, so their numbers do not depend on what is attached),
 * then the per-call histogram; a note says what is missing and why.
 */
function chartBlocks(model: ReportModel, n: string): Block[] {
  const r = model.results;
  const overTime = [mosTimelineSpec(r), mediaQualityTimelineSpec(r)].filter((c): c is LineSpec => c !== null);
  const hist = model.mediaCalls === null ? null : mosHistogramSpec(model.mediaCalls);
  const specs: ChartSpec[] = [...overTime, ...(hist === null ? [] : [hist])];
  const blocks: Block[] = specs.map((spec, i) => ({ kind: 'chart' as const, n: `${n}.${i + 1}`, spec }));
  if (overTime.length === 0) {
    blocks.push({ kind: 'p', tone: 'muted', small: true, text: bi(
      'results.json 的时间轴没有逐秒媒体数据（timeline[].media，由较早版本写出）：不绘制媒体随时间变化图。',
      'The results.json timeline has no per-second media figures (timeline[].media; written by an earlier version): no media charts over time.',
    ) });
  }
  if (hist === null) {
    blocks.push({ kind: 'p', tone: 'muted', small: true, text: bi(
      'calls.jsonl 未附入本报告（或无 MOS 记录）：不绘制每呼叫 MOS-CQE 分布图；其分位数见上表（results.json）。',
      'calls.jsonl is not attached to this report (or holds no MOS record): no per-call MOS-CQE distribution chart; its percentiles are in the table above (results.json).',
    ) });
  }
  return blocks;
}

/**
 * The media server's own count beside callcert's (summary.platformMedia, scenario platform.rtpengine): what
 * rtpengine received from callcert against what callcert sent, and from the far end against what callcert got.
 */
function platformMediaBlocks(pm: PlatformMediaResults): Block[] {
  const c = pm.calls;
  const r = pm.rtpengine;
  const pair = (platform: number, own: number): Cell => (platform === own ? `${fmtNum(platform)} = ${fmtNum(own)}` : { text: `${fmtNum(platform)} ≠ ${fmtNum(own)}`, tone: 'bad' });
  return [
    { kind: 'p', strong: true, text: bi(`媒体服务器自身的统计（${pm.source}，ng ${pm.ng}）`, `The media server's own view (${pm.source}, ng ${pm.ng})`) },
    { kind: 'table', head: [T.item, T.value], widths: [260, '*'], rows: [
      [bi('呼叫：有媒体/被其统计/通话结束后读取/未出现', 'Calls: with media / seen by it / read after the call ended / not seen'),
        `${fmtNum(c.withMedia)} / ${fmtNum(c.seen)} / ${fmtNum(c.final)} / ${c.notSeen > 0 ? `${fmtNum(c.notSeen)} ⚠` : fmtNum(c.notSeen)}`],
      [bi('RTP：其自 callcert 收到 / callcert 发送', 'RTP: it received from callcert / callcert sent'), pair(r.rtp.fromCaller.packets, pm.callcert.rtpSent)],
      [bi('RTP：其自对端收到 / callcert 收到', 'RTP: it received from the far end / callcert received'), `${fmtNum(r.rtp.fromCallee.packets)} / ${fmtNum(pm.callcert.rtpReceived)}`],
      [bi('其计为错误的包（主叫侧/对端）', 'Packets it counted as errors (caller side / far end)'), `${fmtNum(r.rtp.fromCaller.errors)} / ${fmtNum(r.rtp.fromCallee.errors)}`],
      [bi('ng 请求：轮次/查询/失败（list/query）', 'ng requests: rounds / queries / failed (list/query)'),
        `${fmtNum(pm.rounds)} / ${fmtNum(pm.queries)} / ${fmtNum(pm.failures.list)}/${fmtNum(pm.failures.query)}`],
    ] },
    { kind: 'p', tone: 'muted', small: true, text: bi(
      '数值取自每通呼叫最后一次 ng query（逐呼叫见 platform-media.jsonl）；对端方向上，BYE 时仍在途的包使两数可差几个。',
      "Figures from each call's last ng query (per call in platform-media.jsonl); towards callcert, packets in flight at the BYE may leave the two a few apart.",
    ) },
  ];
}

/** The media sub-section numbered `n`, or nothing for a run without media. */
export function mediaBlocks(model: ReportModel, n: string): Block[] {
  const m = mediaOf(model.results);
  if (m === null) return [];
  const blocks: Block[] = [
    { kind: 'h2', title: [`${n} `, TM.title] },
    { kind: 'p', text: bi(
      `主叫侧每通应答呼叫双向承载 RTP：编解码 ${m.codec}，发送内容 ${m.source}，呼叫标记${m.marker ? '开启' : '关闭'}。`,
      `Each answered call carried RTP both ways on the caller side: codec ${m.codec}, source ${m.source}, call marker ${m.marker ? 'on' : 'off'}.`,
    ) },
    { kind: 'table', head: [T.item, T.value], widths: [220, '*'], rows: countRows(m, model.results.summary.calls.answered) },
    { kind: 'table', head: [TM.perCall, 'n', 'min', 'p5', 'p50', 'p95', 'max', 'mean'], widths: ['*', 40, 48, 48, 48, 48, 48, 48],
      rows: [scaledRow(TM.mos, m.mosCqe), scaledRow(TM.lossPerCall, m.lossRatioPerCall)] },
    { kind: 'table', head: [TM.figure, 'n', 'min', 'p50', 'p90', 'p95', 'p99', 'max', 'mean'], widths: ['*', 34, 40, 40, 40, 40, 40, 40, 40],
      rows: [
        msRow(TM.jitter, m.jitterMs), msRow(TM.maxGap, m.maxGapMs), msRow(TM.firstMedia, m.firstMediaMs),
        msRow(TM.rtt, m.rttMs), msRow(TM.sendSlip, m.sendSlipMs),
      ] },
  ];
  if (m.rttMs.count === 0 && m.calls.withMedia > 0) {
    blocks.push({ kind: 'p', tone: 'muted', small: true, text: bi(
      `没有呼叫得到 RTCP 往返时延：其 MOS 按估计器假设的 RTT ${fmtMs(m.estimator.rttMs)} ms 计算。`,
      `No call got an RTCP round trip: their MOS uses the estimator's assumed RTT of ${fmtMs(m.estimator.rttMs)} ms.`,
    ) });
  }
  blocks.push(...chartBlocks(model, n));
  const pm = model.results.summary.platformMedia;
  if (pm !== undefined) blocks.push(...platformMediaBlocks(pm));
  if (model.recordings !== null) blocks.push(...recordingBlocks(model.recordings));
  blocks.push(...definitions(m, model.recordings));
  return blocks;
}
