/**
 * The pdfmake document definition of the certification report: the cover,
 * the signature boxes and the page furniture (header, footer with 第 X 页 共 Y 页)
 * are the PDF's own; every other section is laid out from the format-neutral
 * blocks of sections.ts, which the HTML page renders too.
 */
import { FONT_FAMILY } from './fonts.js';
import { T, bi, tr, pageLabel, type Bi, type ReportLang } from './i18n.js';
import { isValidStatus, type ReportModel } from './model.js';
import { chartSvg } from './charts.js';
import { cellOf, txt, type Block, type Section, type Text, type Tone } from './blocks.js';
import { reportSections, SIMULATOR_BANNER, verdictText } from './sections.js';
import { timeIn, type ReportMeta } from './meta.js';
import { isLoopbackTarget, LOOPBACK_NOTE, reportTitle, SUBTITLE } from './run-kind.js';

/** pdfmake content nodes (kept loose: pdfmake 0.3 ships no types of its own). */
export type Node = string | { [k: string]: unknown } | Node[];

const RED = '#c0392b';
const GREEN = '#1e7e34';
const GREY = '#666666';
const CONTENT_WIDTH_PT = 515; // A4 (595 pt) minus 40 pt margins
const TONE: Record<Tone, string> = { ok: GREEN, bad: RED, muted: GREY };

interface Ctx {
  m: ReportModel;
  meta: ReportMeta;
  lang: ReportLang;
  L: (s: Text) => string;
}

const notProvided = (c: Ctx, v: string | null | undefined) => (v === null || v === undefined || v === '' ? c.L(T.notProvided) : v);

function table(c: Ctx, b: Extract<Block, { kind: 'table' }>): Node {
  const cell = (x: Parameters<typeof cellOf>[0]): Node => {
    const k = cellOf(x);
    return { text: c.L(k.text), ...(k.tone === undefined ? {} : { color: TONE[k.tone] }), ...(k.small ? { fontSize: 6.5 } : {}) };
  };
  return {
    style: 'table',
    table: { headerRows: 1, widths: b.widths, dontBreakRows: true, body: [b.head.map((h) => ({ text: c.L(h), style: 'th' })), ...b.rows.map((r) => r.map(cell))] },
    layout: { hLineColor: '#999', vLineColor: '#999', hLineWidth: () => 0.5, vLineWidth: () => 0.5, fillColor: (row: number) => (row === 0 ? '#eeeeee' : null) },
  };
}

function notice(c: Ctx, title: Text, items: string[]): Node {
  return {
    margin: [0, 8, 0, 8],
    table: { widths: ['*'], body: [[{
      stack: [
        { text: c.L(title), bold: true, color: RED, fontSize: 12 },
        ...items.map((r) => ({ text: `• ${r}`, color: RED, fontSize: 9 })),
      ],
    }]] },
    layout: { hLineColor: RED, vLineColor: RED },
  };
}

function chartNode(c: Ctx, b: Extract<Block, { kind: 'chart' }>): Node {
  return {
    // The heading travels with its chart (an unbreakable stack), so it is never left alone at a page end.
    unbreakable: true,
    stack: [
      ...(b.heading === undefined ? [] : [{ text: c.L(b.heading), style: 'h2' }]),
      { text: `${b.n} ${c.L(b.spec.title)}`, style: 'h3' },
      { svg: chartSvg(b.spec, c.lang), width: CONTENT_WIDTH_PT },
      { text: c.L(b.spec.caption), style: 'caption' },
    ],
    margin: [0, 4, 0, 8],
  };
}

function blockNode(c: Ctx, b: Block): Node {
  switch (b.kind) {
    case 'h2': return { text: c.L(b.title), style: 'h2', tocItem: true, tocMargin: [14, 0, 0, 0], tocStyle: { fontSize: 8.5 }, headlineLevel: 2 };
    case 'p': return {
      text: c.L(b.text), style: 'p',
      ...(b.tone === undefined ? {} : { color: TONE[b.tone] }),
      ...(b.small ? { fontSize: 8 } : {}),
      ...(b.strong ? { bold: true } : {}),
    };
    case 'list': return b.ordered ? { ol: b.items.map((i) => ({ text: c.L(i), style: 'p' })) } : { ul: b.items.map((i) => ({ text: c.L(i), style: 'p' })) };
    case 'table': return table(c, b);
    case 'chart': return chartNode(c, b);
    case 'code': return { text: b.text, style: 'code', preserveLeadingSpaces: true };
    case 'notice': return notice(c, b.title, b.items);
    case 'lines': return b.lines.map((l) => ({ text: l, fontSize: 7 }));
    case 'topology': return c.meta.topologyFile !== null
      ? { image: 'topology', fit: [CONTENT_WIDTH_PT, 300], alignment: 'center' }
      : { text: `${c.L(bi('拓扑图', 'Topology diagram'))}: ${c.L(T.notProvided)}`, style: 'p', color: GREY };
  }
}

function sectionNodes(c: Ctx, s: Section): Node[] {
  const title = s.n === null ? c.L(s.title) : `${s.n} ${c.L(s.title)}`;
  const out: Node[] = [{ text: title, style: 'h1', tocItem: true, headlineLevel: 1, ...(s.pageBreakBefore ? { pageBreak: 'before' } : {}) }];
  for (const b of s.blocks) out.push(blockNode(c, b));
  return out;
}

function cover(c: Ctx): Node[] {
  const r = c.m.results;
  const v = verdictText(c.m);
  const sys = c.meta.system === null ? c.L(T.notProvided) : `${c.meta.system.name}${c.meta.system.version ? ` ${c.meta.system.version}` : ''}`;
  const row = (k: Bi, val: string) => [{ text: c.L(k), style: 'coverKey' }, { text: val, style: 'coverVal' }];
  const title = reportTitle(r, c.meta);
  const tz = c.meta.timeZone;
  const when = `${timeIn(r.startedAt, tz)}${r.endedAt === null ? '' : ` — ${timeIn(r.endedAt, tz).slice(11)}`}`;
  const simulator = r.target.embedded;
  const loopback = isLoopbackTarget(r.target.uri);
  // A banner, a loopback note or an invalid-run notice: the cover's spacing shrinks so it stays one page.
  const crowded = simulator || loopback || !isValidStatus(c.m.status);
  // Marks on top of a banner or notice: the tightest spacing.
  const tight = crowded && c.meta.accreditation.length > 0;
  const number = { text: `${c.L(T.reportNumber)}: ${c.meta.reportNumber}`, alignment: 'right', fontSize: 10, margin: [0, 0, 0, crowded ? 16 : 90] };
  return [
    // The marks share the report number's line, so the cover keeps to one page.
    ...(c.meta.accreditation.length === 0 ? [number] : [{ columns: [...accreditationMarks(c), { width: '*', ...number, margin: [0, 30, 0, 0] }], margin: [0, 0, 0, crowded ? 8 : 60] }]),
    ...(simulator ? [{ margin: [0, 0, 0, tight ? 12 : 30], table: { widths: ['*'], body: [[{ text: c.L(SIMULATOR_BANNER), color: RED, bold: true, fontSize: 12, alignment: 'center', margin: [4, 6, 4, 6] }]] }, layout: { hLineColor: RED, vLineColor: RED, hLineWidth: () => 1.5, vLineWidth: () => 1.5 } }] : []),
    { text: c.meta.title ?? title.zh, style: 'coverTitle' },
    ...(c.lang === 'zh' ? [] : [{ text: c.meta.title === null ? title.en : '', style: 'coverSubtitle' }]),
    { text: c.L(SUBTITLE), alignment: 'center', fontSize: 11, color: GREY, margin: [0, 6, 0, tight ? 12 : crowded ? 30 : 70] },
    {
      margin: [60, 0, 60, 0],
      table: { widths: [150, '*'], body: [
        row(T.system, sys),
        row(T.client, notProvided(c, c.meta.client)),
        row(T.lab, notProvided(c, c.meta.lab)),
        ...(c.meta.labAddress === null ? [] : [row(bi('测试单位地址', 'Laboratory address'), c.meta.labAddress)]),
        ...(c.meta.labContact === null ? [] : [row(bi('联系方式', 'Contact'), c.meta.labContact)]),
        row(bi('检测类别', 'Test category'), c.meta.category),
        ...(c.meta.testLocation === null ? [] : [row(bi('测试地点', 'Test location'), c.meta.testLocation)]),
        ...(c.meta.receiptDate === null ? [] : [row(bi('样品（环境）接收日期', 'System received'), c.meta.receiptDate)]),
        row(T.runDate, when),
        row(T.date, c.meta.date),
      ] },
      layout: 'noBorders',
    },
    ...(loopback ? [{ text: c.L(LOOPBACK_NOTE), color: RED, fontSize: 9, alignment: 'center', margin: [40, 12, 40, 0] }] : []),
    { text: `${c.L(T.verdict)}: ${c.L(v.text)}`, color: TONE[v.tone], bold: true, fontSize: 13, alignment: 'center', margin: [0, tight ? 8 : crowded ? 20 : 50, 0, 0] },
    ...(isValidStatus(c.m.status) ? [] : [notice(c, bi('测试无效', 'Run not valid'), c.m.invalidReasons)]),
    // The lab's name where its seal goes; without a lab there is nothing to seal (the table says 未填写).
    ...(c.meta.lab === null ? [] : [{ text: `${c.meta.lab}  ${c.L(T.seal)}`, alignment: 'center', fontSize: 11, margin: [0, tight ? 6 : crowded ? 16 : 60, 0, 0] }]),
    { text: '', pageBreak: 'after' },
  ];
}

/** The lab's CMA/CNAS marks, top left of the cover, each with its certificate number (report.yaml accreditation): one column each. */
function accreditationMarks(c: Ctx): Node[] {
  return c.meta.accreditation.map((a, i) => ({
    width: 80,
    stack: [
      a.imageFile === null
        ? { table: { widths: [56], heights: [34], body: [[{ text: a.scheme, bold: true, fontSize: 13, alignment: 'center', margin: [0, 8, 0, 0] }]] } }
        : { image: `mark${i}`, fit: [56, 34] },
      { text: a.number, fontSize: 7 },
    ],
  }));
}

/** 目录: section titles with their page numbers (pdfmake's toc, from the h1 and h2 headings). */
function tableOfContents(c: Ctx): Node[] {
  return [
    { toc: { title: { text: c.L(bi('目录', 'Contents')), style: 'h1' }, numberStyle: { fontSize: 9 } } },
    { text: '', pageBreak: 'after' },
  ];
}

function signatureBlock(c: Ctx): Node {
  const names = (xs: string[]) => (xs.length === 0 ? '' : xs.join('、'));
  const row = (role: Bi, who: string) => [
    { text: c.L(role), bold: true, margin: [0, 10, 0, 10] },
    { text: who, margin: [0, 10, 0, 10] },
    { text: `${c.L(bi('签字', 'Signature'))}:`, color: GREY, margin: [0, 10, 0, 10] },
    { text: `${c.L(T.signDate)}:`, color: GREY, margin: [0, 10, 0, 10] },
  ];
  return {
    columns: [
      { width: '*', table: { widths: [70, '*', 110, 80], body: [
        row(T.prepared, names(c.meta.testers)),
        row(T.reviewed, names(c.meta.reviewers)),
        row(T.approved, c.meta.approver ?? ''),
      ] } },
      { width: 120, margin: [10, 0, 0, 0], table: { widths: ['*'], heights: [118], body: [[{ text: c.L(T.seal), alignment: 'center', color: GREY, margin: [0, 50, 0, 0] }]] } },
    ],
    margin: [0, 16, 0, 0],
  };
}

function conclusionSeal(c: Ctx): Node {
  return {
    unbreakable: true, margin: [0, 12, 0, 0],
    columns: [
      { width: '*', text: `${c.L(T.lab)}: ${notProvided(c, c.meta.lab)}`, margin: [0, 40, 0, 0] },
      { width: 120, table: { widths: ['*'], heights: [90], body: [[{ text: c.L(T.seal), alignment: 'center', color: GREY, margin: [0, 36, 0, 0] }]] } },
    ],
  };
}

/** Body sections; the notices and the summary (with its signature boxes) each end their page. */
function body(c: Ctx): Node[] {
  const out: Node[] = [];
  for (const s of reportSections(c.m, c.meta)) {
    out.push(...sectionNodes(c, s));
    if (s.id === 'summary') out.push(signatureBlock(c));
    // The seal at the conclusion (检验检测专用章), beside the lab's name.
    if (s.id === 'conclusion') out.push(conclusionSeal(c));
    if (s.id === 'notices' || s.id === 'summary') out.push({ text: '', pageBreak: 'after' });
    if (s.id === 'notices') out.push(...tableOfContents(c));
  }
  return out;
}

export function buildDocDefinition(m: ReportModel, meta: ReportMeta, lang: ReportLang): Record<string, unknown> {
  const c: Ctx = { m, meta, lang, L: (s) => txt(lang, s) };
  return {
    pageSize: 'A4',
    pageMargins: [40, 50, 40, 50],
    defaultStyle: { font: FONT_FAMILY, fontSize: 9.5, lineHeight: 1.2 },
    info: { title: `${tr(lang, reportTitle(m.results, meta))} ${meta.reportNumber}`, author: meta.lab ?? 'callcert', subject: m.results.scenario.name, creator: `callcert ${m.tool.version}`, producer: 'callcert (pdfmake)' },
    // The 骑缝章 (perforation seal) strip in the right margin of every page: stamped across the edges of the stacked pages.
    background: () => ({ stack: [
      { canvas: [{ type: 'rect', x: 563, y: 330, w: 24, h: 180, dash: { length: 3 }, lineColor: '#bbbbbb', lineWidth: 0.5 }] },
      { text: '骑\n缝\n章', fontSize: 6.5, color: '#bbbbbb', lineHeight: 1, absolutePosition: { x: 572, y: 408 } },
    ] }),
    header: (page: number) => (page === 1 ? null : {
      columns: [
        { text: `${c.L(T.reportNumber)}: ${meta.reportNumber}`, fontSize: 7.5, color: GREY },
        { text: c.L(reportTitle(m.results, meta)), fontSize: 7.5, color: GREY, alignment: 'right' },
      ],
      margin: [40, 22, 40, 0],
    }),
    footer: (page: number, pages: number) => ({
      columns: [
        { text: `${c.L(T.reportNumber)}: ${meta.reportNumber}`, fontSize: 7.5 },
        { text: pageLabel(lang, page, pages), fontSize: 7.5, alignment: 'right' },
      ],
      margin: [40, 16, 40, 0],
    }),
    styles: {
      coverTitle: { fontSize: 24, bold: true, alignment: 'center' },
      coverSubtitle: { fontSize: 14, alignment: 'center', margin: [0, 6, 0, 0] },
      coverKey: { fontSize: 11, bold: true, margin: [0, 4, 0, 4] },
      coverVal: { fontSize: 11, margin: [0, 4, 0, 4] },
      h1: { fontSize: 14, bold: true, margin: [0, 12, 0, 6] },
      h2: { fontSize: 11, bold: true, margin: [0, 8, 0, 4] },
      h3: { fontSize: 10, bold: true, margin: [0, 4, 0, 2] },
      p: { margin: [0, 0, 0, 4] },
      th: { bold: true, fontSize: 8.5 },
      table: { fontSize: 8.5, margin: [0, 2, 0, 6] },
      caption: { fontSize: 7.5, color: GREY, italics: false },
      code: { fontSize: 7.5, lineHeight: 1.1, margin: [0, 0, 0, 4] },
    },
    content: [
      ...cover(c), ...body(c),
    ],
    // A heading never ends a page: with nothing after it on the page it moves to the next one.
    pageBreakBefore: (node: { headlineLevel?: number }, followingNodesOnPage: unknown[]) =>
      node.headlineLevel !== undefined && followingNodesOnPage.length === 0,
  };
}
