/**
 * Tolerances for `callcert compare`.
 *
 *   "10%"   relative: a change up to 10 % of the baseline value in the worse
 *           direction is accepted (with an absolute floor per unit, see FLOORS;
 *           for SER-like ratios, 10 % of the failed share 1 − value)
 *   "5ms"   absolute, latency metrics only ("1.5s" = 1500 ms)
 *   "0.001" absolute, in the metric's own unit (ratio, calls, channels, cps, rps)
 *
 * Errors name the flag and what was expected, in one line.
 */
import { errors } from '../errors.js';
import type { Direction, Tolerance } from './types.js';

const TOLERANCE = /^(\d+(?:\.\d+)?)(%|ms|s)?$/;

export const TOLERANCE_EXAMPLES = '10%, 0.5%, 5ms, 1.5s or 0.001';

/** `flag` is the option the text came from, for the error message. */
export function parseTolerance(text: string, flag: string): Tolerance {
  const m = TOLERANCE.exec(text.trim());
  if (!m) throw errors.usage(`${flag}: expected a tolerance like ${TOLERANCE_EXAMPLES}, got "${text}"`);
  const n = Number(m[1]);
  const unit = m[2];
  if (unit === '%') return { kind: 'percent', value: n, source: `${m[1]}%` };
  if (unit === 'ms') return { kind: 'absolute', value: n, unit: 'ms', source: `${m[1]}ms` };
  if (unit === 's') return { kind: 'absolute', value: n * 1000, unit: 'ms', source: `${m[1]}s` };
  return { kind: 'absolute', value: n, source: m[1] };
}

/** `--tolerance-for METRIC=TOL` (repeatable): METRIC is an id (`setup_ms.p95`) or a group (`setup_ms`, `http.orig`). */
export function parsePerMetric(items: readonly string[], flag = '--tolerance-for'): Record<string, Tolerance> {
  const out: Record<string, Tolerance> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) {
      throw errors.usage(`${flag}: expected METRIC=TOLERANCE (e.g. setup_ms.p95=20% or failed_calls=2), got "${item}"`);
    }
    const metric = item.slice(0, eq).trim();
    out[metric] = parseTolerance(item.slice(eq + 1), `${flag} ${metric}`);
  }
  return out;
}

/**
 * Floors under a percent tolerance, in each unit: a relative change of a tiny
 * baseline is noise (a 0.4 ms → 0.9 ms setup p95 on loopback is scheduling
 * jitter), and a baseline of 0 makes any relative change infinite. A count of 0
 * (failed calls) keeps floor 0 on purpose: new failures on a clean baseline regress.
 */
export const FLOORS: Readonly<Record<string, number>> = {
  ms: 1,
  ratio: 0.001,
  calls: 0,
  channels: 0,
  cps: 0,
  rps: 0,
};

/**
 * The largest change in the worse direction accepted for `baseline` under `t`,
 * in the metric's unit. For a higher-is-better ratio (SER 0.999) the percentage
 * applies to what is missing to 1 (0.001): "10 % more failed attempts", not
 * "SER may drop by 0.1", which would hide any real regression.
 */
export function allowedWorse(t: Tolerance, baseline: number, unit: string, direction: Direction): number {
  if (t.kind === 'absolute') return t.value;
  const reference = unit === 'ratio' && direction === 'higher' ? Math.max(1 - baseline, 0) : Math.abs(baseline);
  return Math.max((reference * t.value) / 100, FLOORS[unit] ?? 0);
}
