/**
 * The HTML report: one self-contained page with the PDF's sections (the same
 * blocks from sections.ts) and interactive charts — chart.js's UMD build read
 * from node_modules at report time and inlined, the chart.js configs of
 * chart-config.ts embedded as JSON — plus the raw results.json with its
 * SHA-256. Nothing is fetched: no CDN; the report's font (Noto Sans SC, as in the
 * PDF) is embedded as WOFF2 subsets holding exactly the characters the page uses, so
 * the page reads the same on a machine without any CJK font, offline, from a mail
 * attachment.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { T, bi, tr, type ReportLang } from './i18n.js';
import { timeIn, type ReportMeta } from './meta.js';
import type { ReportModel } from './model.js';
import { cellOf, txt, type Block, type Section, type Text } from './blocks.js';
import { reportSections, SIMULATOR_BANNER, verdictText } from './sections.js';
import { reportTitle, SUBTITLE } from './run-kind.js';
import { chartConfig, type JsonChartConfig } from './chart-config.js';
import { FONT_BOLD, FONT_REGULAR } from './fonts.js';

/** Points kept per series in the page: per-second timelines up to 2 h are kept whole. */
export const HTML_BUCKETS = 4000;
export const CHARTS_ELEMENT_ID = 'callcert-charts';
export const RESULTS_ELEMENT_ID = 'callcert-results';

const require = createRequire(import.meta.url);

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * Text inside <script>: "<" written as the JSON escape \u003c, so no "</script" or
 * "<!--" can end or alter the block. JSON.parse reads it back unchanged.
 */
export const scriptJson = (json: string) => json.replace(/</g, '\\u003c');

let chartJsCode: string | null = null;
/** chart.js's UMD bundle as shipped in node_modules (the package's exports hide dist/, so resolve the entry and look beside it). */
export async function chartJs(): Promise<string> {
  if (chartJsCode === null) {
    const dist = path.dirname(require.resolve('chart.js'));
    chartJsCode = (await readFile(path.join(dist, 'chart.umd.min.js'), 'utf8')).replace(/<\/script/gi, '<\\/script');
  }
  return chartJsCode;
}

interface ChartEntry { canvas: string; config: JsonChartConfig }

interface Ctx {
  lang: ReportLang;
  L: (t: Text) => string;
  charts: ChartEntry[];
  meta: ReportMeta;
  topology: string | null;
}

function blockHtml(c: Ctx, b: Block): string {
  switch (b.kind) {
    case 'h2': return `<h3>${esc(c.L(b.title))}</h3>`;
    case 'p': {
      const cls = [b.tone, b.small ? 'small' : undefined].filter((x) => x !== undefined).join(' ');
      const inner = esc(c.L(b.text));
      return `<p${cls === '' ? '' : ` class="${cls}"`}>${b.strong ? `<b>${inner}</b>` : inner}</p>`;
    }
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul';
      return `<${tag}>${b.items.map((i) => `<li>${esc(c.L(i))}</li>`).join('')}</${tag}>`;
    }
    case 'table': return `<table><thead><tr>${b.head.map((h) => `<th>${esc(c.L(h))}</th>`).join('')}</tr></thead><tbody>${
      b.rows.map((r) => `<tr>${r.map((x) => {
        const k = cellOf(x);
        const cls = [k.tone, k.small ? 'mono' : undefined].filter((y) => y !== undefined).join(' ');
        return `<td${cls === '' ? '' : ` class="${cls}"`}>${esc(c.L(k.text))}</td>`;
      }).join('')}</tr>`).join('')}</tbody></table>`;
    case 'chart': {
      const id = `chart-${b.spec.id}-${c.charts.length}`;
      c.charts.push({ canvas: id, config: chartConfig(b.spec, c.lang, HTML_BUCKETS) });
      return `${b.heading === undefined ? '' : `<h3>${esc(c.L(b.heading))}</h3>`}<figure><figcaption><b>${esc(b.n)} ${esc(c.L(b.spec.title))}</b><br><span class="small muted">${esc(c.L(b.spec.caption))}</span></figcaption><div class="chart"><canvas id="${id}" role="img" aria-label="${esc(c.L(b.spec.title))}"></canvas></div></figure>`;
    }
    case 'code': return `<pre>${esc(b.text)}</pre>`;
    case 'notice': return `<div class="notice"><b>${esc(c.L(b.title))}</b><ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul></div>`;
    case 'lines': return `<pre class="mono">${esc(b.lines.join('\n'))}</pre>`;
    case 'topology': return c.topology !== null
      ? `<img class="topology" alt="${esc(c.L(bi('拓扑图', 'Topology diagram')))}" src="${c.topology}">`
      : `<p class="muted">${esc(c.L(bi('拓扑图', 'Topology diagram')))}: ${esc(c.L(T.notProvided))}</p>`;
  }
}

function sectionHtml(c: Ctx, s: Section): string {
  const title = s.n === null ? c.L(s.title) : `${s.n} ${c.L(s.title)}`;
  return `<section id="${s.id}"><h2>${esc(title)}</h2>\n${s.blocks.map((b) => blockHtml(c, b)).join('\n')}</section>`;
}

/** Cover facts (the PDF's cover page) as a header table. */
function headerHtml(c: Ctx, m: ReportModel): string {
  const v = verdictText(m);
  const meta = c.meta;
  const sys = meta.system === null ? c.L(T.notProvided) : `${meta.system.name}${meta.system.version ? ` ${meta.system.version}` : ''}`;
  const rows: Array<[Text, string]> = [
    [T.reportNumber, meta.reportNumber],
    [T.system, sys],
    [T.client, meta.client ?? c.L(T.notProvided)],
    [T.lab, meta.lab ?? c.L(T.notProvided)],
    ...(meta.labAddress === null ? [] : [[bi('测试单位地址', 'Laboratory address'), meta.labAddress] as [Text, string]]),
    ...(meta.labContact === null ? [] : [[bi('联系方式', 'Contact'), meta.labContact] as [Text, string]]),
    [bi('检测类别', 'Test category'), meta.category],
    ...(meta.testLocation === null ? [] : [[bi('测试地点', 'Test location'), meta.testLocation] as [Text, string]]),
    ...(meta.receiptDate === null ? [] : [[bi('样品（环境）接收日期', 'System received'), meta.receiptDate] as [Text, string]]),
    ...meta.accreditation.map((a) => [bi('资质', 'Accreditation'), `${a.scheme} ${a.number}`] as [Text, string]),
    [T.runDate, timeIn(m.results.startedAt, meta.timeZone)],
    [T.date, meta.date],
  ];
  const banner = m.results.target.embedded ? `<p class="verdict bad">${esc(c.L(SIMULATOR_BANNER))}</p>` : '';
  return `<header>${banner}<h1>${esc(meta.title ?? c.L(reportTitle(m.results, meta)))}</h1>
<p class="muted">${esc(c.L(SUBTITLE))}</p>
<table class="cover">${rows.map(([k, val]) => `<tr><th>${esc(c.L(k))}</th><td>${esc(val)}</td></tr>`).join('')}</table>
<p class="verdict ${v.tone}">${esc(c.L(T.verdict))}: ${esc(c.L(v.text))}</p></header>`;
}

function rawResultsHtml(c: Ctx, m: ReportModel): string {
  const results = m.attachments.find((a) => a.name === 'results.json');
  if (results === undefined) return '';
  return `<section id="raw-results"><h2>${esc(c.L(bi('附录D 原始结果（results.json）', 'Appendix D: Raw results (results.json)')))}</h2>
<p>results.json SHA-256: <code id="results-sha256">${m.resultsSha256}</code> <span id="results-check" class="small"></span></p>
<p class="small muted">${esc(c.L(bi(
    '下方嵌入的是运行写出的 results.json 原文，仅将字符 “<” 写作等价的 JSON 转义 \\u003c，以免提前结束脚本块；还原后可按上方 SHA-256 校验（浏览器支持时本页自动校验）。',
    'Embedded below as written by the run, except that "<" is written as the equivalent JSON escape \\u003c so it cannot end the script block; undone, it hashes to the SHA-256 above (the page checks this itself where the browser allows).',
  )))}</p>
<script type="application/json" id="${RESULTS_ELEMENT_ID}">${scriptJson(results.data.toString('utf8'))}</script></section>`;
}

/** The embedded font's family name: not a system font's, so the page never silently uses another. */
export const PAGE_FONT = 'CallcertNotoSansSC';

/**
 * @font-face rules with Noto Sans SC Regular and Bold cut down (HarfBuzz, subset-font) to
 * the characters in `text`, as WOFF2 data URLs: ~80 KB per weight for a report's ~370
 * distinct Chinese characters, instead of the 10 MB fonts.
 */
async function fontFaces(text: string): Promise<string> {
  const { default: subsetFont } = await import('subset-font');
  const chars = [...new Set(text)].join('');
  const faces = await Promise.all(
    ([[FONT_REGULAR, 400], [FONT_BOLD, 700]] as const).map(async ([file, weight]) => {
      const woff2 = await subsetFont(await readFile(file), chars, { targetFormat: 'woff2' });
      return `@font-face{font-family:"${PAGE_FONT}";font-weight:${weight};font-style:normal;src:url(data:font/woff2;base64,${woff2.toString('base64')}) format("woff2")}`;
    }),
  );
  return faces.join('\n');
}

/** The page's own script: draw each embedded chart config, and check the embedded results.json against its printed hash. */
const PAGE_SCRIPT = `(function () {
  var specs = JSON.parse(document.getElementById('${CHARTS_ELEMENT_ID}').textContent);
  function draw() {
    if (!window.Chart) return;
    // Canvas text does not fall back like HTML text: the charts use the embedded font, once it is loaded.
    window.Chart.defaults.font.family = '"${PAGE_FONT}", sans-serif';
    specs.forEach(function (s) {
      var el = document.getElementById(s.canvas);
      if (!el) return;
      s.config.options = Object.assign({}, s.config.options, { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'nearest', axis: 'x', intersect: false } });
      new window.Chart(el, s.config);
    });
  }
  if (document.fonts && document.fonts.load) {
    Promise.all([document.fonts.load('12px "${PAGE_FONT}"'), document.fonts.load('bold 12px "${PAGE_FONT}"')]).then(draw, draw);
  } else draw();
  var raw = document.getElementById('${RESULTS_ELEMENT_ID}');
  var out = document.getElementById('results-check');
  if (!raw || !out || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var text = raw.textContent.replace(/\\\\u003c/g, '<');
  window.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(function (buf) {
    var hex = Array.prototype.map.call(new Uint8Array(buf), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
    var ok = hex === document.getElementById('results-sha256').textContent;
    out.textContent = ok ? '✓ matches the embedded data' : '✗ the embedded data hash to ' + hex;
    out.className = 'small ' + (ok ? 'ok' : 'bad');
  });
})();`;

const STYLE = `body{font-family:"${PAGE_FONT}","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border:1px solid #999;padding:3px 6px;font-size:13px;text-align:left;vertical-align:top}th{background:#eee}
table.cover{width:auto}table.cover th{background:none;border:none;padding-right:2em}table.cover td{border:none}
.ok{color:#1e7e34}.bad{color:#c0392b}.muted{color:#666}.small{font-size:12px}.mono,code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace,"${PAGE_FONT}";font-size:12px;word-break:break-all}
.verdict{font-size:1.2em;font-weight:bold}.notice{border:1px solid #c0392b;color:#c0392b;padding:.5em 1em;margin:.8em 0}
figure{margin:1em 0}.chart{position:relative;height:360px}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap}img.topology{max-width:100%}
@media print{.chart{height:300px}section{break-inside:auto}}`;

export async function renderHtml(m: ReportModel, opts: { lang: ReportLang; meta: ReportMeta }): Promise<string> {
  const lang = opts.lang;
  let topology: string | null = null;
  if (opts.meta.topologyFile !== null) {
    const mime = /\.png$/i.test(opts.meta.topologyFile) ? 'image/png' : 'image/jpeg';
    topology = `data:${mime};base64,${(await readFile(opts.meta.topologyFile)).toString('base64')}`;
  }
  const c: Ctx = { lang, L: (t) => txt(lang, t), charts: [], meta: opts.meta, topology };
  const all = reportSections(m, opts.meta);
  const sections = all.map((s) => sectionHtml(c, s));
  const nav = `<nav class="small"><ol>${all.map((s) => `<li><a href="#${s.id}">${esc(s.n === null ? c.L(s.title) : `${s.n} ${c.L(s.title)}`)}</a></li>`).join('')}</ol></nav>`;
  const about = `<p class="small muted">${esc(c.L(bi(
    '本页与同一 results.json 生成的 PDF 报告内容相同；原始文件作为附件嵌入 PDF（附录 B），本页嵌入 results.json（附录 D）。图表可交互：悬停查看数值，点击图例隐藏或显示曲线。',
    'This page carries the same report as the PDF made from the same results.json; the raw files are attached inside the PDF (Appendix B), and this page embeds results.json (Appendix D). Charts are interactive: hover for values, click a legend entry to hide or show a series.',
  )))}</p>`;
  const title = `${esc(tr(lang, reportTitle(m.results, opts.meta)))} ${esc(opts.meta.reportNumber)}`;
  const body = `${headerHtml(c, m)}
${about}
${nav}
${sections.join('\n')}
${rawResultsHtml(c, m)}
<footer class="small muted"><p>${esc(c.L(T.reportNumber))}: ${esc(opts.meta.reportNumber)} · callcert ${esc(m.tool.version)}</p></footer>
<script type="application/json" id="${CHARTS_ELEMENT_ID}">${scriptJson(JSON.stringify(c.charts))}</script>`;
  // Every character the page can show: its text, entities undone, and the chart labels inside the configs.
  const shown = `${title} ${unescapeHtml(body)} ${JSON.stringify(c.charts)}`;
  return `<!doctype html>
<html lang="${lang === 'en' ? 'en' : 'zh-CN'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="callcert ${esc(m.tool.version)}">
<title>${title}</title>
<style>${await fontFaces(shown)}
${STYLE}</style></head>
<body>
${body}
<script>${await chartJs()}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

function unescapeHtml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|#39);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" })[e] ?? _m);
}
