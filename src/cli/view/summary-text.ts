/** The end-of-run summary printed to stdout: the verdict first, then the figures it rests on. */
import { verdictLabel, type Results } from '../../results/summary.js';
import { flowSummaryLines } from './flow-text.js';

/** The causes of a 2xx whose SDP answer gives no audio stream we can run (engine/worker/caller-media.ts). */
const SDP_ANSWER_CAUSES = ['media_bad_sdp', 'media_no_codec', 'media_no_stream', 'media_bad_answer'] as const;

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(3)} %`);
const ms = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(3)} ms`);

function searchLines(s: NonNullable<Results['search']>): string[] {
  const out = s.steps.map(
    (st) => `  step ${st.level}: ${(st.generator?.saturatedBy.length ?? 0) > 0 ? 'GENERATOR SATURATED' : st.pass ? 'pass' : 'FAIL'}  sustained ${st.sustained ?? 'n/a'}  setup p95 ${ms(st.setupMs.p95)}  SER ${pct(st.ser)}  ${st.attempted} attempted, ${st.failed} failed`,
  );
  const failing = s.failingCriterion === null ? '' : `; step ${s.failedStep} failed ${s.failingCriterion.metric} ${s.failingCriterion.criterion} (actual ${s.failingCriterion.actual ?? 'n/a'})`;
  const stopped =
    s.stoppedBy === 'ceiling'
      ? '; every level up to the ceiling passed'
      : s.stoppedBy === 'generator'
        ? `; the generator saturated at step ${s.generatorLimit} (${(s.generatorSaturatedBy ?? []).join('; ')}): this host's limit, the platform's capacity is at least the certified figure`
        : '';
  return [`certified capacity: ${s.certifiedCapacity ?? 'none'} channels${failing}${stopped}`, ...out];
}

/** No criteria: say so, and whether the exit code (SIPp's rule) found every call ended normally. */
function notJudgedNote(r: Results): string {
  if (r.verdict !== 'not_judged') return '';
  const n = r.summary.calls.notEndedNormally;
  const calls = n === 0 ? 'every attempted call ended normally' : `${n} of ${r.summary.calls.attempted} attempted calls did not end normally (exit 1)`;
  return ` (no pass criteria set: ${calls}; add criteria to the scenario or --criterion to judge the platform)`;
}

export function formatSummary(r: Results, outDir: string): string {
  const s = r.summary;
  const lines = [
    '',
    `verdict: ${verdictLabel(r.verdict)}${r.valid ? '' : ` — ${r.invalidReasons.join('; ')}`}${notJudgedNote(r)}`,
    `calls: ${s.calls.attempted} attempted, ${s.calls.answered} answered, ${s.calls.failed} failed, ${s.calls.blocked} blocked, ${s.calls.completed} completed, ${s.calls.aborted} aborted` +
      `, ${s.calls.cutAtEnd ?? 'n/a'} cut at end, ${s.calls.noResponse ?? 'n/a'} with no response at all`,
    `concurrency: peak ${s.concurrency.peak}, sustained ${s.concurrency.sustained ?? 'n/a'}${s.concurrency.target !== null ? ` (target ${s.concurrency.target})` : ''}`,
    `cps: offered ${s.cps.offered}, achieved ${s.cps.achieved}`,
    `SER ${pct(s.ratios.ser)}  SEER ${pct(s.ratios.seer)}  ISA ${pct(s.ratios.isa)}  SCR ${pct(s.ratios.scr)}`,
    `setup: p50 ${ms(s.setupMs.p50)}  p95 ${ms(s.setupMs.p95)}  p99 ${ms(s.setupMs.p99)}  max ${ms(s.setupMs.max)}`,
  ];
  const m = s.media;
  if (m) {
    const loss = m.lossRatio === null ? 'n/a' : `${(m.lossRatio * 100).toFixed(3)} %`;
    lines.push(
      `media (${m.codec}): ${m.calls.withMedia} calls, ${m.packets.sent} RTP packets sent, ${m.packets.received} received, loss ${loss}, ` +
        `jitter p95 ${ms(m.jitterMs.p95)}, MOS-CQE p5 ${m.mosCqe.p5 ?? 'n/a'} p50 ${m.mosCqe.p50 ?? 'n/a'}, ` +
        `one-way audio ${m.calls.oneWayAudio}, crossed media ${m.calls.crossedMedia}`,
    );
  }
  const rec = s.recordings;
  if (rec) {
    const failed = Object.entries(rec.failures).filter(([, n]) => n > 0).map(([k, n]) => `${k}: ${n}`);
    lines.push(
      `recordings (${rec.source}): ${rec.valid} of ${rec.checked} checked valid, completeness ${rec.completeness}` +
        `${rec.sample === null ? '' : ` (sample of ${rec.answered} answered)`}${failed.length > 0 ? `; ${failed.join(', ')}` : ''}`,
    );
  }
  const or = s.outboundRules;
  if (or) {
    const perLine = or.lines.filter((l) => l.calls > 0).map((l) => `${l.line} ${l.calls} (least interval ${ms(l.minIntervalMs)})`).join(', ');
    lines.push(`outbound rules: ${or.invites} INVITEs on ${or.lines.filter((l) => l.calls > 0).length} line(s): ${perLine || 'none'}; ${or.violations ?? 'n/a'} call(s) broke a limit`);
    for (const x of or.rules) {
      const v = x.violation;
      const where = v === null ? '' : v.line !== null ? ` — line ${v.line}: ${v.calls.map((c) => c.callId).join(' / ')}` : ` — callee ${v.callee}`;
      lines.push(`  ${x.rule} ${x.limit}${x.unit === 'ms' ? ' ms' : ''}: ${x.state.toUpperCase()} (measured ${x.measured ?? 'n/a'}; source: ${x.source})${where}`);
    }
  }
  for (const [name, i] of Object.entries(r.platform?.instances ?? {})) {
    const n = (v: number | null, unit: string) => (v === null ? 'n/a' : `${v}${unit}`);
    const sc = i.scrapes;
    const failed = Object.entries(sc.failuresByCause).map(([k, v]) => `${k}: ${v}`).join(', ');
    lines.push(
      `platform ${name} (${i.source === 'csv' ? 'csv' : 'scraped'}): ${sc.ok} ok, ${sc.failed} failed${failed === '' ? '' : ` (${failed})`}; ` +
        `CPU max ${n(i.summary.cpuPct.max, ' %')} mean ${n(i.summary.cpuPct.mean, ' %')}, memory max ${n(i.summary.memUsedPct.max, ' %')}`,
    );
  }
  const codes = Object.entries(s.failuresByCode);
  if (codes.length > 0) lines.push(`failures by code: ${codes.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  const causes = Object.entries(s.failuresByCause);
  if (causes.length > 0) lines.push(`failures by cause: ${causes.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  const unusable = SDP_ANSWER_CAUSES.reduce((n, c) => n + (s.failuresByCause[c] ?? 0), 0);
  // Media is on by default in one-liners: a signalling-only platform fails every call this way.
  if (unusable > 0) lines.push(`media: ${unusable} answered calls hung up for an SDP answer with no usable audio (${SDP_ANSWER_CAUSES.join(', ')}); --media none runs signalling only`);
  lines.push(`generator: ${r.generator.workers} worker(s), schedule slip p99 ${ms(r.generator.scheduleSlipMsP99)}, event-loop lag p99 ${ms(r.generator.eventLoopLagMsP99)}, CPU ${r.generator.cpuPct.toFixed(1)} % of one core`);
  for (const [name, h] of Object.entries(s.http)) {
    lines.push(`HTTP ${name}: ${h.completed}/${h.requests} completed at ${h.rps}/s (${h.offeredRps === null ? 'closed loop, rate: max' : `offered ${h.offeredRps}/s`}), p50 ${ms(h.latencyMs.p50)} p95 ${ms(h.latencyMs.p95)} p99 ${ms(h.latencyMs.p99)}, errors ${h.errors.total}${h.errors.total > 0 ? ` (${Object.entries(h.errors.byCause).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`);
  }
  lines.push(...flowSummaryLines(r));
  for (const c of r.criteria) {
    const step = c.step !== null && c.metric !== 'certified_capacity' ? ` at step ${c.step}` : '';
    lines.push(`criterion ${c.metric} ${c.criterion}${step}: ${c.pass ? 'pass' : 'FAIL'} (actual ${c.actual ?? 'n/a'})`);
  }
  if (r.abortedBy !== null) {
    lines.push(`aborted by criterion ${r.abortedBy.metric} ${r.abortedBy.criterion} at ${(r.abortedBy.atMs / 1000).toFixed(1)} s (actual ${r.abortedBy.actual})`);
  }
  if (r.search !== null) lines.push(...searchLines(r.search));
  lines.push(`results: ${outDir}/results.json, ${outDir}/calls.jsonl${r.platform === undefined ? '' : `, ${outDir}/${r.platform.rawFile}`}`, '');
  return lines.join('\n');
}
