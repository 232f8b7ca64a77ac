/**
 * How many calls a worker expects to have up at once at most: what its media port pool binds
 * ahead (it grows past this when needed). Closed model: its share of the highest stage target;
 * open model: its share of the cap, else of peak rate × (mean hold + a second of setup).
 * Make-before-break and ringing calls add some: 10 % and 32 more; and a released pair rests 1 s
 * before reuse (media/ports.ts quarantine), so a second's worth of call ends is bound besides.
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
  const holdMs = Math.max(1, meanHoldMs(s.call.hold));
  let total: number;
  let endsPerSec: number;
  if (s.load.model === 'closed') {
    total = peakTarget;
    endsPerSec = (peakTarget * 1000) / holdMs;
  } else {
    total = s.load.maxConcurrency ?? (peakTarget * (holdMs + 1000)) / 1000;
    endsPerSec = peakTarget;
  }
  // Holds down to 250 ms get their whole second of ends bound ahead (a 500 ms hold ends twice its channels a
  // second); below that the pool's background growth has to keep up, rather than binding without bound.
  return Math.ceil(shareOf(Math.ceil((total + Math.min(4 * total, endsPerSec)) * 1.1), seg)) + 32;
}
