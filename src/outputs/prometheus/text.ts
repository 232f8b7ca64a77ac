/**
 * The Prometheus text exposition format, version 0.0.4 (what Prometheus, VictoriaMetrics, Grafana
 * Agent and every OpenMetrics-capable scraper read): per family one # HELP and one # TYPE line,
 * then its samples. Label values escape \\, \" and newline; HELP escapes \\ and newline; values
 * in Go's float syntax (NaN, +Inf, -Inf).
 */
import type { Family } from './families.js';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderExposition(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels.length === 0 ? '' : `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      lines.push(`${s.name}${labels} ${formatValue(s.value)}`);
    }
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
