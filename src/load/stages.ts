/**
 * The stage geometry every load model shares: a stage moves the load linearly from the
 * previous target (0 at start) to its own target over its duration; a zero-length stage is
 * a step. Time is ms from run start, and stages are half-open [start, end), so the value at
 * a boundary is the next stage's.
 */
import type { Stage } from './types.js';

export interface StageWindow {
  startMs: number;
  endMs: number;
  target: number;
}

/** One stage with its absolute position and start value. */
export interface StageSpan {
  startMs: number;
  endMs: number;
  from: number;
  to: number;
}

export function stageSpans(stages: readonly Stage[]): StageSpan[] {
  const spans: StageSpan[] = [];
  let t = 0;
  let from = 0;
  for (const s of stages) {
    spans.push({ startMs: t, endMs: t + s.durationMs, from, to: s.target });
    t += s.durationMs;
    from = s.target;
  }
  return spans;
}

export function totalDurationMs(stages: readonly Stage[]): number {
  let t = 0;
  for (const s of stages) t += s.durationMs;
  return t;
}

/** Linear value of a span at t (t within the span). Multiplies before dividing so integer inputs give exact grid values. */
export function spanValueAt(span: StageSpan, tMs: number): number {
  const d = span.endMs - span.startMs;
  if (d <= 0 || span.from === span.to) return span.to;
  return span.from + ((span.to - span.from) * (tMs - span.startMs)) / d;
}

/** The stage target at t, unrounded; 0 before the start and from the end of the last stage on. */
export function targetAt(stages: readonly Stage[], tMs: number): number {
  if (!(tMs >= 0)) return 0;
  for (const span of stageSpans(stages)) {
    if (tMs < span.endMs) return spanValueAt(span, tMs);
  }
  return 0;
}

/** Stages that hold the previous target (the sustained part of a run), merged when adjacent. */
export function flatStageWindows(stages: readonly Stage[]): StageWindow[] {
  const windows: StageWindow[] = [];
  for (const span of stageSpans(stages)) {
    if (span.endMs <= span.startMs || span.from !== span.to) continue;
    const last = windows[windows.length - 1];
    if (last && last.endMs === span.startMs && last.target === span.to) last.endMs = span.endMs;
    else windows.push({ startMs: span.startMs, endMs: span.endMs, target: span.to });
  }
  return windows;
}

function fmtSeconds(ms: number): string {
  return `${Math.round(ms) / 1000} s`;
}

/** "0→100 cps over 10 s, hold 100 cps for 60 s" */
export function describeStages(stages: readonly Stage[], unit: string): string {
  if (stages.length === 0) return 'no stages';
  return stageSpans(stages)
    .map((s) => {
      const d = s.endMs - s.startMs;
      if (d <= 0) return `step to ${s.to} ${unit}`;
      if (s.from === s.to) return `hold ${s.to} ${unit} for ${fmtSeconds(d)}`;
      return `${s.from}→${s.to} ${unit} over ${fmtSeconds(d)}`;
    })
    .join(', ');
}
