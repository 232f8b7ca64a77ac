/**
 * The HTML report: one self-contained page (no script, no external resource)
 * with the PDF's main sections. Charts are the same chart.js drawings as the
 * PDF's, inlined as SVG rather than re-run by an inlined chart.js in the
 * browser: one renderer for both formats, and the page works offline and
 * without JavaScript.
 */
import { T, bi, tr, type ReportLang, type Bi } from './i18n.js';
import type { ReportMeta } from './meta.js';
import { fmtDurationMs, fmtNum, type ReportModel } from './model.js';
import { loadProfileChart, resultCharts } from './charts.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function tableHtml(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export async function renderHtml(m: ReportModel, opts: { lang: ReportLang; meta: ReportMeta }): Promise<string> {
  const L = (s: Bi) => tr(opts.lang, s);
  const r = m.results;
  const s = r.summary;
  const ok = m.status === 'passed';
  const verdict = m.status === 'passed' ? L(T.pass) : m.status === 'failed' ? L(T.fail) : m.status === 'running' ? L(T.running) : L(T.invalid);
  const crit = r.criteria.map((c) => [`${c.metric} ${c.criterion}`, fmtNum(c.actual),
    !c.pass ? L(T.fail) : m.status === 'passed' || m.status === 'failed' ? L(T.pass) : L(T.metButInvalid)]);
  const charts = [loadProfileChart(r, opts.lang), ...resultCharts(r, opts.lang)]
    .map((c) => `<figure><figcaption><b>${esc(L(c.title))}</b> — ${esc(L(c.caption))}</figcaption>${c.svg.replace(/^<\?xml[^>]*>/, '')}</figure>`).join('\n');
  const sections = [
    `<h2>${esc(L(T.summary))}</h2><p class="${ok ? 'ok' : 'bad'}"><b>${esc(L(T.verdict))}: ${esc(verdict)}</b></p>`,
    m.invalidReasons.length > 0 ? `<ul class="bad">${m.invalidReasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '',
    `<h2>${esc(L(T.requirements))}</h2>${tableHtml([L(T.requirement), L(T.measured), L(T.result)], crit)}`,
    `<h2>${esc(L(T.keyFigures))}</h2>${tableHtml([L(T.item), L(T.value)], [
      [L(bi('呼叫尝试/应答/失败', 'Calls attempted/answered/failed')), `${s.calls.attempted} / ${s.calls.answered} / ${s.calls.failed}`],
      [L(bi('并发峰值/持续', 'Channels peak/sustained')), `${fmtNum(s.concurrency.peak)} / ${fmtNum(s.concurrency.sustained)}`],
      ['SER', fmtNum(s.ratios.ser)],
      [L(bi('建立时间 p50/p95/p99（毫秒）', 'Setup p50/p95/p99 (ms)')), `${fmtNum(s.setupMs.p50)} / ${fmtNum(s.setupMs.p95)} / ${fmtNum(s.setupMs.p99)}`],
      [L(bi('时长', 'Duration')), fmtDurationMs(r.durationMs)],
    ])}`,
    `<h2>${esc(L(T.licence))}</h2>${tableHtml([L(T.requirement), L(T.status), L(T.evidence)], m.licence.map((l) => [L(l.requirement), l.state, L(l.evidence)]))}`,
    `<h2>${esc(L(T.charts))}</h2>${charts}`,
    `<h2>${esc(L(T.appendixHashes))}</h2>${tableHtml(['file', 'bytes', 'SHA-256', ''], m.files.map((f) => [f.name, String(f.bytes), f.sha256, f.attached ? 'in the PDF' : f.note ?? '']))}`,
    `<h2>${esc(L(T.appendixDefinitions))}</h2>${tableHtml(['metric', 'definition'], Object.entries(r.definitions as Record<string, string>))}`,
    m.scenarioYaml === null ? '' : `<h2>${esc(L(T.appendixScenario))}</h2><pre>${esc(m.scenarioYaml)}</pre>`,
  ];
  return `<!doctype html>
<html lang="${opts.lang === 'en' ? 'en' : 'zh-CN'}"><head><meta charset="utf-8"><title>${esc(L(T.title))} ${esc(opts.meta.reportNumber)}</title>
<style>body{font-family:"Noto Sans SC",sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #999;padding:2px 6px;font-size:13px}th{background:#eee}.ok{color:#1e7e34}.bad{color:#c0392b}figure{margin:1em 0}svg{max-width:100%;height:auto}pre{background:#f6f6f6;padding:.5em;font-size:12px}</style></head>
<body><h1>${esc(L(T.title))}</h1><p>${esc(L(T.reportNumber))}: ${esc(opts.meta.reportNumber)} · ${esc(r.scenario.name)} · ${esc(r.startedAt)} · ${esc(m.targetUri)}</p>
${sections.join('\n')}
</body></html>
`;
}
