/**
 * results.json `stability`: the stability window (load/stability.ts) and each hour of it the run
 * reached, from the hour's merged counters and setup_ms histogram (Aggregator.trackPeriods), so
 * the per-hour setup percentiles are exact, as the whole run's are. docs/stability.md.
 */
import type { Aggregator } from '../metrics/aggregate/aggregate.js';
import { summarizeMs } from '../metrics/histograms.js';
import { computeRatios } from '../metrics/rfc6076.js';
import { STABILITY_HOUR_MS, stabilityWindow } from '../load/stability.js';
import type { Stage } from '../load/types.js';
import type { StabilityResults } from './schema.js';

/** null: no hold of at least an hour. Hours that start at or after `elapsedMs` are not reached yet. */
export function stabilitySummary(agg: Aggregator, stages: readonly Stage[], elapsedMs: number): StabilityResults | null {
  const w = stabilityWindow(stages);
  if (w === null) return null;
  const hours = agg.periods()
    .filter((p) => p.startMs < elapsedMs)
    .map((p, i) => {
      const c = p.counters;
      const ratios = computeRatios({
        invites: c.attempts - c.aborted, finalByCode: c.finalByCode, timeouts: c.timeouts, completedNormally: c.completed + c.cutAtEnd,
      });
      return {
        hour: i + 1, startMs: p.startMs, endMs: p.endMs,
        attempted: c.attempts, answered: c.answers, failed: c.failures, ser: ratios.ser, setupMs: summarizeMs(p.setup),
      };
    });
  return { windowMs: [w.startMs, w.endMs], target: w.target, hourMs: STABILITY_HOUR_MS, hours };
}
