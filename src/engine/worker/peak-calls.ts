/**
 * How many calls a worker expects to have up at once at most: what its media port pool binds
 * ahead (it grows past this when needed). Closed model: its share of the highest stage target;
 * open model: its share of the cap, else of peak rate × (mean hold + a second of setup).
 * Make-before-break and ringing calls add some: 10 % and 32 more.
 */
import type { Scenario } from '../../scenario/types.js';
import { shareOf, type Segment } from '../../load/segments.js';

function meanHoldMs(h: Scenario['call']['hold']): number {
  switch (h.dist) {
    case 'fixed': return h.valueMs;
    case 'uniform': return (h.minMs + h.maxMs) / 2;
    default: return h.meanMs;
  }
}

export function expectedPeakCalls(s: Scenario, seg: Segment): number {
  const peakTarget = Math.max(0, ...s.load.stages.map((st) => st.target));
  let total: number;
  if (s.load.model === 'closed') total = peakTarget;
  else if (s.load.maxConcurrency !== null) total = s.load.maxConcurrency;
  else total = (peakTarget * (meanHoldMs(s.call.hold) + 1000)) / 1000;
  return Math.ceil(shareOf(Math.ceil(total * 1.1), seg)) + 32;
}
