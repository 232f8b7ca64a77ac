/**
 * Closed model: the engine keeps a target number of concurrent calls
 * (channels), starting a new call as soon as one ends. Stage targets are
 * channel counts; the target at t is the linear stage value, floored, and each
 * worker keeps shareOf(target) of it so the workers' channels sum exactly.
 *
 * Times for nextChangeMs are whole milliseconds: the engine arms timers in ms,
 * and on a ramp down the new (lower) value only holds strictly after the
 * crossing instant, which has no earliest real-valued time.
 */
import type { LoadSpec, Stage } from '../types.js';
import { shareOf } from '../segments.js';
import type { Segment } from '../segments.js';
import type { ClosedExecutorModule, LoadModel, LoadProblem, SharedLoadInput } from './types.js';
import { expectedGot } from '../../util/duration.js';
import { LOAD_DEFAULTS, durationMs, normalizeStages } from '../schema.js';
import { describeStages, flatStageWindows, spanValueAt, stageSpans, targetAt, totalDurationMs, type StageSpan } from '../stages.js';

export { flatStageWindows, totalDurationMs };

/** Whole-run channel target at t: floor of the linear stage value; 0 before 0 and from the end on. */
export function targetConcurrencyAt(stages: readonly Stage[], tMs: number): number {
  return Math.max(0, Math.floor(targetAt(stages, tMs)));
}

/** This segment's channel target at t. */
export function segmentTargetAt(stages: readonly Stage[], tMs: number, seg: Segment): number {
  return shareOf(targetConcurrencyAt(stages, tMs), seg);
}

/**
 * The first whole ms after tMs at which this segment's target differs from its
 * target at tMs, or null when it never changes again (the target is 0 after the run).
 * Computed from the ramp equations, so the engine can sleep until then instead of polling.
 */
export function nextChangeMs(stages: readonly Stage[], tMs: number, seg: Segment): number | null {
  const cur = segmentTargetAt(stages, tMs, seg);
  const first = Math.floor(tMs) + 1;
  for (const span of stageSpans(stages)) {
    const lo = Math.max(first, Math.ceil(span.startMs));
    if (lo >= span.endMs) continue; // over already, or zero-length
    if (segmentTargetAt(stages, lo, seg) !== cur) return lo;
    if (span.from === span.to) continue;
    const t = nextChangeInRamp(span, lo, cur, seg);
    if (t !== null) return t;
  }
  const end = Math.max(first, Math.ceil(totalDurationMs(stages)));
  return cur !== 0 ? end : null;
}

/** Within a ramp whose segment target at `lo` is `cur`: first whole ms it differs, or null. */
function nextChangeInRamp(span: StageSpan, lo: number, cur: number, seg: Segment): number | null {
  const up = span.to > span.from;
  const floorAt = (t: number) => Math.max(0, Math.floor(spanValueAt(span, t)));
  // Channel totals the ramp passes through before its end (the end value belongs to the next stage).
  const last = up ? Math.ceil(span.to) - 1 : Math.max(0, Math.floor(span.to));
  const dur = span.endMs - span.startMs;
  let t = lo;
  for (;;) {
    // Next total (in ramp direction) at which this segment's share differs. Shares never
    // fall as the total rises and step by at most 1 per total, so this is short.
    let m = floorAt(t);
    do m += up ? 1 : -1;
    while ((up ? m <= last : m >= last) && shareOf(m, seg) === cur);
    if (up ? m > last : m < last) return null;
    // First whole ms where the floored total reaches m: L(t) >= m going up, L(t) < m + 1 going down.
    const reached = (x: number) => (up ? floorAt(x) >= m : floorAt(x) <= m);
    const level = up ? m : m + 1;
    const exact = span.startMs + ((level - span.from) * dur) / (span.to - span.from);
    let next = Math.max(t + 1, up ? Math.ceil(exact) : Math.floor(exact) + 1);
    // The analytic root can be off by one ms through rounding: settle it on the real predicate.
    while (next - 1 > t && reached(next - 1)) next--;
    while (next < span.endMs && !reached(next)) next++;
    if (next >= span.endMs) return null;
    // A steep ramp can jump past m onto a total whose share equals cur again: keep going.
    if (shareOf(floorAt(next), seg) !== cur) return next;
    t = next;
  }
}

export function describe(load: LoadSpec): string {
  if (load.model !== 'closed') throw new TypeError(`closed executor cannot describe an ${load.model} load`);
  return `closed model: ${describeStages(load.stages, 'channels')}`;
}

export const closedExecutor = {
  type: 'closed',
  describe,
  totalDurationMs,
  flatStageWindows,
  targetConcurrencyAt,
  segmentTargetAt,
  nextChangeMs,
} as const satisfies ClosedExecutorModule;

type ClosedInput = SharedLoadInput;

export const closedModel: LoadModel<ClosedInput> = {
  type: 'closed',
  summary: 'closed: keep N calls up (targets are concurrent calls)',
  fields: {},
  takesStages: true,
  refuses: {
    maxConcurrency: 'its stage targets already are the concurrency',
    arrivals: 'arrivals pace the call starts of model: open',
  },
  validate: (_l, spec) => {
    const out: LoadProblem[] = [];
    spec.stages.forEach((st, i) => {
      if (!Number.isInteger(st.target)) {
        out.push({ path: ['load', 'stages', i, 'target'], message: expectedGot('a whole number of concurrent calls with model: closed', st.target) });
      }
    });
    return out;
  },
  normalize: (l) => ({
    model: 'closed',
    stages: normalizeStages(l.stages),
    gracefulStopMs: durationMs(l.gracefulStop ?? LOAD_DEFAULTS.gracefulStop),
  }),
  describe,
  plan: closedExecutor,
};
