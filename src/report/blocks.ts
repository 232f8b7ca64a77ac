/**
 * The report's body as format-neutral blocks: headings, paragraphs, tables,
 * charts, code. sections.ts builds them once from the ReportModel; pdf-doc.ts
 * lays them out with pdfmake and html.ts writes them as HTML, so both formats
 * carry the same sections, wording and figures. Text is bilingual (`Bi`) or
 * language-neutral (numbers, identifiers); each renderer picks the language.
 */
import { tr, type Bi, type ReportLang } from './i18n.js';
import type { ChartSpec } from './chart-specs.js';

export type Tone = 'ok' | 'bad' | 'muted';
/** An array is concatenated after each part is translated (a label followed by a language-neutral note). */
export type Text = string | Bi | Text[];
export type Cell = Text | { text: Text; tone?: Tone; small?: boolean };

export type Block =
  | { kind: 'h2'; title: Text }
  | { kind: 'p'; text: Text; tone?: Tone; small?: boolean; strong?: boolean }
  | { kind: 'list'; items: Text[]; ordered?: boolean }
  /** widths: pdfmake column widths (points or '*'); HTML ignores them. */
  | { kind: 'table'; head: Text[]; rows: Cell[][]; widths: Array<string | number> }
  /** heading: a sub-heading kept on the same page as the chart. */
  | { kind: 'chart'; n: string; spec: ChartSpec; heading?: Text }
  | { kind: 'code'; text: string }
  /** Boxed notice (a run that is not valid evidence). */
  | { kind: 'notice'; title: Text; items: string[] }
  /** Small monospace-ish lines a machine reads back (`NAME SHA-256: HEX`). */
  | { kind: 'lines'; lines: string[] }
  | { kind: 'topology' };

export interface Section {
  id: string;
  /** Section number as printed ("7"), or null for unnumbered pages (notices, summary, appendices). */
  n: string | null;
  title: Bi;
  blocks: Block[];
  /** Starts a new page in the PDF. */
  pageBreakBefore?: boolean;
}

export const txt = (lang: ReportLang, t: Text): string => (typeof t === 'string' ? t : Array.isArray(t) ? t.map((x) => txt(lang, x)).join('') : tr(lang, t));

export function cellOf(c: Cell): { text: Text; tone?: Tone; small?: boolean } {
  return typeof c === 'object' && !Array.isArray(c) && 'text' in c ? c : { text: c };
}
