/** Number formatting shared by the compare table, JUnit messages and Markdown. */
import type { MetricDelta } from './types.js';

/** Up to 3 decimals, trailing zeros dropped; `—` for a missing value. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return String(Math.round(n * 1000) / 1000);
}

/** Value with its unit where the unit reads naturally after a number. */
export function formatValue(n: number | null | undefined, unit: string): string {
  const s = formatNumber(n);
  if (s === '—') return s;
  return unit === 'ms' ? `${s} ms` : s;
}

/** "10% (±1 ms)": the tolerance as given and, for a percentage, the amount it allowed (floors included). */
export function formatTolerance(m: MetricDelta): string {
  if (m.tolerance.kind !== 'percent' || m.allowedWorse === null) return m.tolerance.source;
  return `${m.tolerance.source} (±${formatValue(m.allowedWorse, m.unit)})`;
}

/** "+1.49 ms (+99.5%)" style; `—` when a side is missing. */
export function formatDelta(m: MetricDelta): string {
  if (m.delta === null) return '—';
  const sign = m.delta > 0 ? '+' : '';
  const abs = `${sign}${formatValue(m.delta, m.unit)}`;
  if (m.deltaPct === null) return m.delta === 0 ? abs : `${abs} (new from 0)`;
  const pctSign = m.deltaPct > 0 ? '+' : '';
  return `${abs} (${pctSign}${(Math.round(m.deltaPct * 10) / 10).toFixed(1)}%)`;
}
