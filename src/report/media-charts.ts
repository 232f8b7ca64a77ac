/**
 * The media section's charts. Over time: per second from results.json's
 * timeline[].media (each live stream's receiver sampled every second,
 * engine/worker/media-live.ts), so every point is in results.json and the
 * charts need no attachment. Per call: the MOS-CQE distribution over calls,
 * from the media records of the attached calls.jsonl (media-calls.ts).
 */
import { TM, bi } from './i18n.js';
import { MS, PALETTE, SECONDS, type BarSpec, type LineSpec, type Pt } from './chart-specs.js';
import { MAX_DOTS } from './chart-config.js';
import type { MediaCallPoint } from './media-calls.js';
import type { Results } from '../results/summary.js';

/** MOS-CQE's scale (ITU-T G.107 Annex B): 1 to 4.5. */
const MOS_MIN = 1;
const MOS_MAX = 4.5;

type MediaPoint = NonNullable<Results['timeline'][number]['media']>;

/**
 * One figure of timeline[].media per second, as recorded: a second without it (no media, or null —
 * MOS and jitter are null when no stream gave a whole-second sample) is a gap, never a zero.
 */
const perSecond = (r: Results, pick: (m: MediaPoint) => number | null): Pt[] =>
  r.timeline.map((p) => ({ x: p.t, y: p.media === undefined ? null : pick(p.media) }));

/** results.json written before timeline[].media existed has none: then there is nothing per second to draw. */
const hasMediaTimeline = (r: Results) => r.timeline.some((p) => p.media !== undefined);

// Markers too (up to MAX_DOTS points), so a second standing alone between gaps is still seen.
const DOTS = 2;
const gapsNote = bi(
  `空缺：该秒无值。超过 ${MAX_DOTS} 个点时只连线；点更多时每区间保留最低与最高值`,
  `gaps: seconds without a value. Over ${MAX_DOTS} points: a line without markers; many more: the lowest and highest of each interval are kept`,
);

export function mosTimelineSpec(r: Results): LineSpec | null {
  if (!hasMediaTimeline(r)) return null;
  return {
    id: 'mos-time', kind: 'line', title: bi('MOS-CQE 随时间（每秒）', 'MOS-CQE over time (per second)'),
    caption: bi(
      `results.json timeline[].media：每秒内有整秒采样的媒体流，其该秒 MOS-CQE（E 模型：该秒丢包，呼叫最近的 RTCP 往返时延或其假设值）的 p5 与 p50；右轴：每秒结束时已建立的呼叫数（timeline[].active）。${gapsNote.zh}`,
      `results.json timeline[].media: p5 and p50, over the streams sampled for the whole second, of each stream's MOS-CQE over that second (the E-model with that second's loss and the call's last RTCP round trip, or the assumed one); right axis: established channels at the end of each second (timeline[].active); ${gapsNote.en}`,
    ),
    x: { label: SECONDS }, y: { label: TM.mos, min: MOS_MIN, max: MOS_MAX }, y2: { label: bi('并发呼叫数（路）', 'concurrent calls'), min: 0 },
    series: [
      { label: 'MOS-CQE p5', data: perSecond(r, (m) => m.mosCqeP5), color: PALETTE[3], dots: DOTS },
      { label: 'MOS-CQE p50', data: perSecond(r, (m) => m.mosCqeP50), color: PALETTE[0], dots: DOTS },
      { label: bi('已建立呼叫（路）', 'established calls'), data: r.timeline.map((p) => ({ x: p.t, y: p.active })), color: '#888', dashed: true, axis: 'y2' },
    ],
  };
}

export function mediaQualityTimelineSpec(r: Results): LineSpec | null {
  if (!hasMediaTimeline(r)) return null;
  return {
    id: 'media-quality-time', kind: 'line', title: bi('抖动、丢包率与 RTP 发送滞后随时间（每秒）', 'Jitter, loss ratio and RTP send slip over time (per second)'),
    caption: bi(
      `results.json timeline[].media：每秒各媒体流在该秒结束时的抖动（RFC 3550 A.8）的 p95，与发生器 RTP 发送滞后 p99（虚线：callcert 自身的发送时序，抖动与之相近时可能来自发生器）；右轴：该秒丢包率，全部媒体流 max(0, 丢失) ÷ 期望。${gapsNote.zh}`,
      `results.json timeline[].media: p95 over streams of each stream's jitter at the end of the second (RFC 3550 A.8), and the generator's RTP send slip p99 (dashed: callcert's own send timing; jitter close to it may be the generator's); right axis: the second's loss ratio, max(0, lost) ÷ expected over all streams; ${gapsNote.en}`,
    ),
    x: { label: SECONDS }, y: { label: MS }, y2: { label: bi('丢包率', 'loss ratio'), min: 0 },
    series: [
      { label: bi('抖动 p95', 'jitter p95'), data: perSecond(r, (m) => m.jitterMsP95), color: PALETTE[1], dots: DOTS },
      { label: bi('RTP 发送滞后 p99', 'RTP send slip p99'), data: perSecond(r, (m) => m.sendSlipMsP99), color: PALETTE[4], dashed: true, dots: DOTS },
      { label: bi('丢包率', 'loss ratio'), data: perSecond(r, (m) => m.lossRatio), color: PALETTE[3], dots: DOTS, axis: 'y2' },
    ],
  };
}

/**
 * Calls per 0.1 of MOS-CQE, from the lowest populated band (at most 3.5, so a clean run still shows its
 * neighbourhood) to 4.5; the last band holds 4.5 itself. Bands are taken on the recorded 3 decimals.
 */
export function mosHistogramSpec(points: readonly MediaCallPoint[]): BarSpec | null {
  const tenths: number[] = [];
  for (const p of points) if (p.mosCqe !== null) tenths.push(Math.min(44, Math.floor(Math.round(p.mosCqe * 1000) / 100)));
  if (tenths.length === 0) return null;
  const lo = Math.min(35, Math.floor(Math.min(...tenths) / 5) * 5);
  const values = Array.from({ length: 45 - lo }, () => 0);
  for (const t of tenths) values[t - lo]++;
  const labels = values.map((_, i) => `${((lo + i) / 10).toFixed(1)}–${((lo + i + 1) / 10).toFixed(1)}`);
  return {
    id: 'mos-histogram', kind: 'bar', title: bi('MOS-CQE 分布（每呼叫）', 'MOS-CQE distribution (per call)'),
    caption: bi(
      `calls.jsonl 中 ${tenths.length} 通呼叫的 MOS-CQE（每通整通的值），按 0.1 分档（最后一档含 4.5）；分位数见上表（results.json）`,
      `MOS-CQE of the ${tenths.length} calls in calls.jsonl (each over its whole call), in bands of 0.1 (the last band includes 4.5); percentiles in the table above (results.json)`,
    ),
    y: { label: TM.calls }, labels, values, color: PALETTE[2],
  };
}
