import type { MEASUREMENT_METHOD } from './fixed-rate.js';
import type { CLOSED_LOOP_METHOD } from './max-throughput.js';

/** What only the end of a run knows. */
export interface HttpRunTotals {
  requests: number;
  sent: number;
  dropped: number;
  elapsedMs: number;
  /** null for `rate: max` (nothing is offered: the closed loop sends as fast as responses return). */
  offeredRps: number | null;
  /** How latency was measured (written into results.json beside the figures). */
  measurement: typeof MEASUREMENT_METHOD | typeof CLOSED_LOOP_METHOD;
}
