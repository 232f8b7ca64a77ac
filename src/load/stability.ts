/**
 * The stability window of a run (稳定性测试, docs/stability.md): the longest hold — a flat stage
 * window (stages.ts flatStageWindows: stages that keep the previous target, merged when
 * adjacent) with a target above 0 — when it lasts at least STABILITY_MIN_HOLD_MS. Its hours are
 * counted from the hold's start, so hour 1 never holds the ramp; the last one is shorter when
 * the hold is not a whole number of hours. A tie keeps the earliest hold.
 */
import type { Stage } from './types.js';
import { flatStageWindows, type StageWindow } from './stages.js';

/** A hold shorter than this gets no stability section. */
export const STABILITY_MIN_HOLD_MS = 3_600_000;
/** The length of one row of the per-hour table. */
export const STABILITY_HOUR_MS = 3_600_000;

export interface StabilityHourSpan {
  /** 1-based hour of the hold. */
  hour: number;
  startMs: number;
  endMs: number;
}

export function stabilityWindow(stages: readonly Stage[]): StageWindow | null {
  let best: StageWindow | null = null;
  for (const w of flatStageWindows(stages)) {
    if (w.target <= 0 || w.endMs - w.startMs < STABILITY_MIN_HOLD_MS) continue;
    if (best === null || w.endMs - w.startMs > best.endMs - best.startMs) best = w;
  }
  return best;
}

/** The hours of a window, [start, end) each, the last one cut at the window's end. */
export function stabilityHours(w: { startMs: number; endMs: number }): StabilityHourSpan[] {
  const out: StabilityHourSpan[] = [];
  for (let h = 0, t = w.startMs; t < w.endMs; h++, t += STABILITY_HOUR_MS) {
    out.push({ hour: h + 1, startMs: t, endMs: Math.min(w.endMs, t + STABILITY_HOUR_MS) });
  }
  return out;
}
