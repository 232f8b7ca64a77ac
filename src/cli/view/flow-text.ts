/** Text for HTTP flows and outbound calls, shared by the live view and the end-of-run summary. */
import type { Progress } from '../../engine/events.js';
import type { Results } from '../../results/summary.js';

const ms = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(1)} ms`);
const causes = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');

/** Live panel lines (and, joined, the plain-line suffix). */
export function liveFlowLines(p: Progress): string[] {
  const out = (p.flows ?? []).map(
    (f) => `  FLOW ${f.name}  ${f.started} started/s  ${f.completed} done  ${f.failed} failed  ${f.blocked} blocked  p95 ${ms(f.flowMsP95)}  (total ${f.totalStarted} started, ${f.totalFailed} failed)`,
  );
  const o = p.outbound;
  if (o) out.push(`  UAS       ${o.established} established  ${o.offered} INVITEs/s  dial p95 ${ms(o.dialMsP95)}  (total ${o.totalAnswered} answered, ${o.totalFailed} failed)`);
  return out;
}

export function liveFlowSuffix(p: Progress): string {
  const f = (p.flows ?? []).map((x) => ` flow.${x.name}=${x.completed}/s,failed=${x.totalFailed},blocked=${x.blocked},p95=${ms(x.flowMsP95)}`).join('');
  const o = p.outbound;
  return f + (o ? ` uas.established=${o.established},dial_p95=${ms(o.dialMsP95)},failed=${o.totalFailed}` : '');
}

/** End-of-run lines: per flow one line of totals, one line of errors by cause (with the first example), one of steps. */
export function flowSummaryLines(r: Results): string[] {
  const lines: string[] = [];
  for (const [name, f] of Object.entries(r.summary.httpFlows)) {
    lines.push(`flow ${name}: ${f.started} started, ${f.completed} completed, ${f.failed} failed, ${f.blocked} blocked; flow time p50 ${ms(f.flowMs?.p50)} p95 ${ms(f.flowMs?.p95)} p99 ${ms(f.flowMs?.p99)}`);
    if (f.failed > 0) {
      const codes = Object.keys(f.unexpectedStatus).length > 0 ? ` [status codes: ${causes(f.unexpectedStatus)}]` : '';
      const first = Object.entries(f.errorExamples)[0];
      lines.push(`  errors by cause: ${causes(f.errorsByCause)}${codes}${first ? ` — e.g. ${first[0]}: ${first[1]}` : ''}`);
    }
    lines.push(`  steps: ${Object.entries(f.steps).map(([s, st]) => `${s} ${st.count}× p50 ${ms(st.latencyMs?.p50)} p95 ${ms(st.latencyMs?.p95)}`).join('; ')}`);
  }
  const o = r.summary.outbound;
  if (o !== null) {
    const c = o.calls;
    lines.push(`outbound (callcert UAS): ${c.offered} INVITEs, ${c.answered} answered, ${c.completed} completed, ${c.failed} failed, ${c.uncorrelated} uncorrelated${c.unfinished > 0 ? `, ${c.unfinished} still up at the end (hung up by callcert)` : ''}; concurrency peak ${o.concurrency.peak}, sustained ${o.concurrency.sustained ?? 'n/a'}`);
    lines.push(`  dial latency (API request → INVITE): p50 ${ms(o.dialLatencyMs.p50)} p95 ${ms(o.dialLatencyMs.p95)} p99 ${ms(o.dialLatencyMs.p99)} max ${ms(o.dialLatencyMs.max)} (${o.dialLatencyMs.count} calls)`);
  }
  return lines;
}
