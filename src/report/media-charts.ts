/**
 * The media section's charts, from each call's media record in the attached
 * calls.jsonl (media-calls.ts): the distribution of MOS-CQE over calls, and
 * MOS-CQE, jitter and loss per call against the time the call ended. The
 * timeline has no per-second media figures, so nothing here is per second;
 * the captions say so.
 */
import { TM, bi } from './i18n.js';
import { PALETTE, type BarSpec, type LineSpec } from './chart-specs.js';
import { MAX_DOTS } from './chart-config.js';
import type { MediaCallPoint } from './media-calls.js';

/** MOS-CQE's scale (ITU-T G.107 Annex B): 1 to 4.5. */
const MOS_MIN = 1;
const MOS_MAX = 4.5;

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
      `calls.jsonl 中 ${tenths.length} 通呼叫的 MOS-CQE，按 0.1 分档（最后一档含 4.5）；分位数见上表（results.json）`,
      `MOS-CQE of the ${tenths.length} calls in calls.jsonl, in bands of 0.1 (the last band includes 4.5); percentiles in the table above (results.json)`,
    ),
    y: { label: TM.calls }, labels, values, color: PALETTE[2],
  };
}

const perCallNote = bi(
  `每个点为一通呼叫（calls.jsonl），位于其结束时刻；results.json 的时间轴没有逐秒媒体数据。超过 ${MAX_DOTS} 个点时连线，点更多时每区间保留最低与最高值`,
  `each point is one call (calls.jsonl) at the time it ended; the results.json timeline has no per-second media figures. Over ${MAX_DOTS} points: joined by a line; many more: the lowest and highest of each interval are kept`,
);

export function mosOverTimeSpec(points: readonly MediaCallPoint[]): LineSpec | null {
  const data = points.filter((p) => p.mosCqe !== null).map((p) => ({ x: p.endS, y: p.mosCqe }));
  if (data.length === 0) return null;
  return {
    id: 'mos-time', kind: 'line', title: bi('MOS-CQE 随时间（每呼叫）', 'MOS-CQE over time (per call)'),
    caption: perCallNote,
    x: { label: TM.callEnd }, y: { label: TM.mos, min: MOS_MIN, max: MOS_MAX },
    series: [{ label: 'MOS-CQE', data, color: PALETTE[0], noLine: true, dots: 2 }],
  };
}

export function lossJitterOverTimeSpec(points: readonly MediaCallPoint[]): LineSpec | null {
  if (points.length === 0) return null;
  return {
    id: 'media-quality-time', kind: 'line', title: bi('抖动与丢包率随时间（每呼叫）', 'Jitter and loss ratio over time (per call)'),
    caption: bi(`${perCallNote.zh}；右轴：丢包率`, `${perCallNote.en}; right axis: loss ratio`),
    x: { label: TM.callEnd }, y: { label: bi('抖动（毫秒）', 'jitter (ms)') }, y2: { label: bi('丢包率', 'loss ratio'), min: 0 },
    series: [
      { label: bi('抖动', 'jitter'), data: points.map((p) => ({ x: p.endS, y: p.jitterMs })), color: PALETTE[1], noLine: true, dots: 2 },
      { label: bi('丢包率', 'loss ratio'), data: points.map((p) => ({ x: p.endS, y: p.lossRatio })), color: PALETTE[3], noLine: true, dots: 2, axis: 'y2' },
    ],
  };
}

/** The media charts that have data, in section order. */
export const mediaChartSpecs = (points: readonly MediaCallPoint[]) =>
  [mosHistogramSpec(points), mosOverTimeSpec(points), lossJitterOverTimeSpec(points)].filter((c): c is BarSpec | LineSpec => c !== null);
