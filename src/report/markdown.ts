/**
 * GitHub-flavoured Markdown for a CI job summary ($GITHUB_STEP_SUMMARY): a
 * single run (verdict, key figures, criteria, validity) or a comparison
 * (regressions first, ▲/▼ deltas).
 */
import { verdictLabel, type Results } from '../results/summary.js';
import type { Comparison, MetricDelta } from '../compare/types.js';
import { evidenceProblem } from '../compare/compare.js';
import { formatDelta, formatNumber, formatTolerance, formatValue } from '../compare/format.js';
import { mediaOf, type RecordingFigures } from './media-figures.js';

const VERDICT_ICON: Record<string, string> = { passed: '✅', failed: '❌', not_judged: '➖', invalid: '⚠️', running: '⏳' };

/** `recordings`: summary.recordings as media-figures.ts `recordingsOf` read it from the raw results.json. */
export function markdownFromResults(results: Results, opts: { recordings?: RecordingFigures | null } = {}): string {
  const s = results.summary;
  const icon = VERDICT_ICON[results.verdict] ?? '❔';
  const out: string[] = [
    `## callcert: ${cell(results.scenario.name)} — ${icon} ${verdictLabel(results.verdict)}`,
    '',
    `Target \`${cell(results.target.uri)}\` (${results.target.transport}${results.target.embedded ? ', embedded call centre' : ''}), ` +
      `started ${results.startedAt}, ${formatNumber(results.durationMs / 1000)} s, callcert ${results.tool.version}.`,
    '',
    '### Key figures',
    '',
    '| figure | value |',
    '| --- | ---: |',
    row('calls attempted / answered / failed', `${s.calls.attempted} / ${s.calls.answered} / ${s.calls.failed}`),
    row('blocked calls', String(s.calls.blocked)),
    row('concurrency peak / sustained', `${s.concurrency.peak} / ${formatNumber(s.concurrency.sustained)}`),
    row('CPS offered / achieved', `${formatNumber(s.cps.offered)} / ${formatNumber(s.cps.achieved)}`),
    row('SER / SEER / ASR', `${formatNumber(s.ratios.ser)} / ${formatNumber(s.ratios.seer)} / ${formatNumber(s.ratios.asr)}`),
    row('setup p50 / p95 / p99', `${formatNumber(s.setupMs.p50)} / ${formatNumber(s.setupMs.p95)} / ${formatNumber(s.setupMs.p99)} ms`),
    row('PDD p95', formatValue(s.pddMs.p95, 'ms')),
    row('generator schedule slip p99', formatValue(results.generator.scheduleSlipMsP99, 'ms')),
  ];
  for (const [name, h] of Object.entries(s.http)) {
    out.push(row(`HTTP ${name}: rps / p95 / errors`, `${formatNumber(h.rps)} / ${formatValue(h.latencyMs.p95, 'ms')} / ${h.errors.total}`));
  }
  out.push(...mediaLines(results, opts.recordings ?? null));
  out.push(...platformLines(results));
  out.push(...outboundRulesLines(results));
  out.push('', '### Pass criteria', '');
  if (results.criteria.length === 0) {
    out.push('_No pass criteria in this scenario._');
  } else {
    out.push('| metric | criterion | actual | result |', '| --- | --- | ---: | :---: |');
    for (const c of results.criteria) {
      out.push(`| ${cell(c.metric)} | \`${cell(c.criterion)}\` | ${formatNumber(c.actual)} | ${c.pass ? '✅ pass' : '❌ fail'} |`);
    }
  }
  out.push('', '### Validity', '');
  const problem = evidenceProblem(results);
  if (problem === null) {
    out.push('✅ Valid: the generator kept to its schedule and the run was not interrupted.');
  } else {
    out.push('⚠️ **Not valid evidence** — the verdict cannot certify the platform:');
    const reasons = results.invalidReasons.length > 0 ? results.invalidReasons : [problem];
    for (const r of reasons) out.push(`- ${cell(r)}`);
  }
  return out.join('\n') + '\n';
}

/** The media table (summary.media, summary.recordings), figures as recorded; nothing for a signalling-only run. */
function mediaLines(results: Results, rec: RecordingFigures | null): string[] {
  const m = mediaOf(results);
  if (m === null && rec === null) return [];
  const out = ['', '### Media', '', '| figure | value |', '| --- | ---: |'];
  if (m !== null) {
    // As recorded, not formatNumber's 3 decimals: a per-call loss ratio has 6.
    const n = (v: number | null) => (v === null ? '—' : String(v));
    out.push(
      row(`calls with media / answered (${cell(m.codec)})`, `${m.calls.withMedia} / ${results.summary.calls.answered}`),
      row('one-way audio / crossed media calls', `${m.calls.oneWayAudio} / ${m.calls.crossedMedia}`),
      row('MOS-CQE p5 / p50 / min', `${n(m.mosCqe.p5)} / ${n(m.mosCqe.p50)} / ${n(m.mosCqe.min)}`),
      row('loss ratio all calls / per-call p95 / max', `${n(m.lossRatio)} / ${n(m.lossRatioPerCall.p95)} / ${n(m.lossRatioPerCall.max)}`),
      row('jitter p50 / p95 / max', `${n(m.jitterMs.p50)} / ${n(m.jitterMs.p95)} / ${n(m.jitterMs.max)} ms`),
      row('largest gap p95 / max', `${n(m.maxGapMs.p95)} / ${n(m.maxGapMs.max)} ms`),
      row('time to first media p95', `${n(m.firstMediaMs.p95)} ms`),
      row('RTCP round trip p50 / p95', `${n(m.rttMs.p50)} / ${n(m.rttMs.p95)} ms (${m.rttMs.count} calls)`),
      row('MOS estimator', cell(m.estimator.version)),
    );
  }
  if (rec !== null) out.push(row('recording completeness (valid / checked)', `${rec.completeness} (${rec.valid} / ${rec.checked})`));
  return out;
}

/** Server resources (results.json platform), one row per server, figures as recorded; nothing without a platform section. */
function platformLines(results: Results): string[] {
  const p = results.platform;
  if (p === undefined) return [];
  const n = (v: number | null) => (v === null ? '—' : String(v));
  const out = ['', '### Server resources', '', '| server | scrapes ok / failed | CPU % max / mean | memory % max / mean | failures |', '| --- | ---: | ---: | ---: | --- |'];
  for (const [name, i] of Object.entries(p.instances)) {
    const causes = Object.entries(i.scrapes.failuresByCause).map(([c, k]) => `${c} ${k}`).join(', ');
    out.push(`| ${cell(name)} | ${i.scrapes.ok} / ${i.scrapes.failed} | ${n(i.summary.cpuPct.max)} / ${n(i.summary.cpuPct.mean)} | ` +
      `${n(i.summary.memUsedPct.max)} / ${n(i.summary.memUsedPct.mean)} | ${causes === '' ? '—' : cell(causes)} |`);
  }
  return out;
}

/** The outbound-rule probe (summary.outboundRules), one row per limit with its source; nothing without the probe. */
function outboundRulesLines(results: Results): string[] {
  const o = results.summary.outboundRules;
  if (o === undefined) return [];
  const lines = o.lines.filter((l) => l.calls > 0).map((l) => `${l.line} ${l.calls}`).join(', ');
  const out = [
    '', '### Outbound-calling rules', '',
    `${o.invites} INVITEs at callcert's UAS on ${o.lines.filter((l) => l.calls > 0).length} line(s)${lines === '' ? '' : ` (${cell(lines)})`}; ${o.requests} originate requests.`, '',
    '| rule | limit | source | measured | violating calls | result | where |', '| --- | ---: | --- | ---: | ---: | :---: | --- |',
  ];
  const state = { pass: '✅ pass', fail: '❌ fail', 'not-tested': '— not tested' } as const;
  for (const r of o.rules) {
    const v = r.violation;
    const where = v === null ? '—' : cell(`${v.line !== null ? `line ${v.line}` : `callee ${v.callee}`}: ${v.calls.map((c) => `${c.callId} @ ${c.local}`).join(' / ')}`);
    out.push(`| ${r.rule} | ${cell(`${r.limit}${r.unit === 'ms' ? ' ms' : ''}`)} | ${cell(r.source)} | ${r.measured ?? '—'} | ${r.violations} | ${state[r.state]} | ${where} |`);
  }
  return out;
}

/** Order: regressed, missing, improved, new, ok — what needs attention first. */
const STATUS_ORDER: Record<MetricDelta['status'], number> = { regressed: 0, missing: 1, improved: 2, new: 3, ok: 4 };
const STATUS_LABEL: Record<MetricDelta['status'], string> = {
  regressed: '❌ regressed', missing: '⚠️ missing', improved: '✅ improved', new: 'ℹ️ new', ok: '✅ ok',
};

export function markdownFromComparison(c: Comparison): string {
  const head = c.verdict === 'invalid'
    ? '⚠️ current run is not valid evidence'
    : c.verdict === 'regressed'
      ? `❌ ${c.regressions} metric${c.regressions === 1 ? '' : 's'} regressed beyond tolerance`
      : '✅ no regression beyond tolerance';
  const out: string[] = [
    `## callcert compare: ${cell(c.current.scenario)} — ${head}`,
    '',
    `Baseline ${c.baseline.startedAt} (${c.baseline.verdict}) → current ${c.current.startedAt} (${c.current.verdict}); default tolerance ${c.tolerance.source}.`,
  ];
  if (c.currentProblem !== null) {
    out.push('', `> ⚠️ **Cannot certify no regression:** ${cell(c.currentProblem)}.`);
  }
  if (c.warnings.length > 0) {
    out.push('');
    for (const w of c.warnings) out.push(`> ⚠️ ${cell(w)}`);
  }
  out.push('', '| metric | baseline | current | change | tolerance | status |', '| --- | ---: | ---: | ---: | ---: | --- |');
  const sorted = [...c.metrics].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  for (const m of sorted) {
    out.push(`| ${cell(m.metric)} | ${formatValue(m.baseline, m.unit)} | ${formatValue(m.current, m.unit)} | ${arrow(m)} | ${cell(formatTolerance(m))} | ${STATUS_LABEL[m.status]} |`);
  }
  out.push('', '_▲/▼: the value went up/down; whether that is better depends on the metric (lower is better for latencies, failures and slip; higher for ratios, concurrency and rates)._');
  return out.join('\n') + '\n';
}

function arrow(m: MetricDelta): string {
  if (m.delta === null || m.delta === 0) return m.delta === 0 ? '0' : '—';
  return `${m.delta > 0 ? '▲' : '▼'} ${formatDelta(m)}`;
}

function row(label: string, value: string): string {
  return `| ${label} | ${value} |`;
}

/** Keeps user text from breaking the table: pipes escaped, newlines flattened. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
