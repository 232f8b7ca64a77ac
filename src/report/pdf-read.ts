/**
 * Just enough of a PDF reader for `callcert verify`, in pure Node: the object
 * table, streams (FlateDecode), the trailer's Info and Root, pages in page-tree
 * order, embedded files, and text through each font's ToUnicode map. It reads
 * what callcert's own writer (pdfkit via pdfmake) produces — classic xref,
 * direct /Length — and reports anything else as unreadable rather than guess.
 * The seal's incremental update (pades.ts) redefines a few objects after the
 * rendered ones: the last definition of an object number wins, as in a PDF
 * reader, and the trailer read is the last one.
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';

export interface PdfObject {
  num: number;
  /** The object's body up to its stream (a dictionary, a string, a number …), latin1. */
  body: string;
  stream: Buffer | null;
}

export class PdfReadError extends Error {}

export interface PdfDoc {
  objects: Map<number, PdfObject>;
  trailer: string;
}

/** Index of the `>>` closing the dictionary opened at `i` (which points at `<<`), skipping strings. */
function dictEnd(s: string, i: number): number {
  let depth = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '(') {
      // Literal string: balanced parentheses, backslash escapes.
      let d = 0;
      for (; i < s.length; i++) {
        if (s[i] === '\\') { i++; continue; }
        if (s[i] === '(') d++;
        else if (s[i] === ')' && --d === 0) break;
      }
    } else if (c === '<' && s[i + 1] === '<') {
      depth++;
      i++;
    } else if (c === '>' && s[i + 1] === '>') {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new PdfReadError('unterminated dictionary');
}

export function parsePdf(buf: Buffer): PdfDoc {
  if (buf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new PdfReadError('not a PDF (no %PDF- header)');
  const s = buf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const re = /(\d+) 0 obj\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const num = Number(m[1]);
    const start = re.lastIndex;
    let body: string;
    let stream: Buffer | null = null;
    if (s.startsWith('<<', start)) {
      const end = dictEnd(s, start);
      body = s.slice(start, end);
      const after = /^\s*stream\r?\n/.exec(s.slice(end, end + 16));
      if (after !== null) {
        const len = /\/Length (\d+)(?!\s+\d+\s+R)/.exec(body);
        if (len === null) throw new PdfReadError(`object ${num}: stream without a direct /Length`);
        const dataStart = end + after[0].length;
        const dataEnd = dataStart + Number(len[1]);
        if (!/^\s*endstream/.test(s.slice(dataEnd, dataEnd + 16))) throw new PdfReadError(`object ${num}: /Length does not end at endstream`);
        stream = buf.subarray(dataStart, dataEnd);
        re.lastIndex = dataEnd;
      } else {
        re.lastIndex = end;
      }
    } else {
      const end = s.indexOf('endobj', start);
      if (end < 0) throw new PdfReadError(`object ${num}: no endobj`);
      body = s.slice(start, end).trim();
      re.lastIndex = end;
    }
    objects.set(num, { num, body, stream });
  }
  const t = s.lastIndexOf('trailer');
  if (t < 0) throw new PdfReadError('no trailer (cross-reference streams are not read)');
  const open = s.indexOf('<<', t);
  const trailer = s.slice(open, dictEnd(s, open));
  return { objects, trailer };
}

export function refOf(dict: string, key: string): number | null {
  const m = new RegExp(`/${key}\\s+(\\d+)\\s+0\\s+R`).exec(dict);
  return m === null ? null : Number(m[1]);
}

export function obj(doc: PdfDoc, num: number | null, what: string): PdfObject {
  const o = num === null ? undefined : doc.objects.get(num);
  if (o === undefined) throw new PdfReadError(`missing ${what} object${num === null ? '' : ` ${num}`}`);
  return o;
}

export function decodeStream(o: PdfObject): Buffer {
  if (o.stream === null) throw new PdfReadError(`object ${o.num} has no stream`);
  if (/\/Filter\s*\/FlateDecode/.test(o.body)) {
    try {
      return inflateSync(o.stream);
    } catch (e) {
      throw new PdfReadError(`object ${o.num}: stream does not inflate (${(e as Error).message})`);
    }
  }
  if (/\/Filter/.test(o.body)) throw new PdfReadError(`object ${o.num}: unsupported stream filter`);
  return o.stream;
}

/** A PDF literal string `( … )` → its bytes as latin1 text (escapes resolved). */
export function literalString(body: string): string {
  const m = /^\(([\s\S]*)\)$/.exec(body.trim());
  if (m === null) throw new PdfReadError('expected a literal string');
  return m[1].replace(/\\([nrtbf()\\]|[0-7]{1,3}|\r?\n)/g, (_x, e: string) => {
    const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };
    if (e in map) return map[e];
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return '';
  });
}

/** The Info dictionary's object number (from the last trailer). */
export const infoRef = (doc: PdfDoc) => refOf(doc.trailer, 'Info');

/** A string-valued Info entry, direct or by reference. */
export function infoString(doc: PdfDoc, key: string): string | null {
  const infoNum = infoRef(doc);
  if (infoNum === null) return null;
  const info = obj(doc, infoNum, 'Info').body;
  const ref = refOf(info, key);
  if (ref !== null) return literalString(obj(doc, ref, `Info /${key}`).body);
  const direct = new RegExp(`/${key}\\s*(\\((?:\\\\.|[^\\\\)])*\\))`).exec(info);
  return direct === null ? null : literalString(direct[1]);
}

/** Page objects in page-tree order. */
export function pages(doc: PdfDoc): PdfObject[] {
  const root = obj(doc, refOf(doc.trailer, 'Root'), 'Root');
  const out: PdfObject[] = [];
  const visit = (num: number, depth: number) => {
    if (depth > 32) throw new PdfReadError('page tree too deep');
    const node = obj(doc, num, 'page tree');
    if (/\/Type\s*\/Pages\b/.test(node.body)) {
      const kids = /\/Kids\s*\[([^\]]*)\]/.exec(node.body);
      if (kids === null) throw new PdfReadError(`page tree node ${num} has no /Kids`);
      for (const k of kids[1].matchAll(/(\d+)\s+0\s+R/g)) visit(Number(k[1]), depth + 1);
    } else {
      out.push(node);
    }
  };
  visit(refOf(root.body, 'Pages') ?? -1, 0);
  return out;
}

/** The decoded content of one page (its content streams concatenated). */
export function pageContent(doc: PdfDoc, page: PdfObject): Buffer {
  const one = refOf(page.body, 'Contents');
  const arr = /\/Contents\s*\[([^\]]*)\]/.exec(page.body);
  const nums = arr !== null ? [...arr[1].matchAll(/(\d+)\s+0\s+R/g)].map((x) => Number(x[1])) : one !== null ? [one] : [];
  return Buffer.concat(nums.map((n) => decodeStream(obj(doc, n, 'page content'))));
}

export interface EmbeddedFile {
  name: string;
  data: Buffer;
}

/** Every file specification's embedded file (hidden ones included: a tamperer cannot slip one past). */
export function embeddedFiles(doc: PdfDoc): EmbeddedFile[] {
  const out: EmbeddedFile[] = [];
  for (const o of doc.objects.values()) {
    if (!/\/Type\s*\/Filespec\b/.test(o.body)) continue;
    const nameM = /\/UF\s*(\((?:\\.|[^\\)])*\))/.exec(o.body) ?? /\/F\s*(\((?:\\.|[^\\)])*\))/.exec(o.body);
    const ef = /\/EF\s*<<[^>]*?\/F\s+(\d+)\s+0\s+R/.exec(o.body);
    if (nameM === null || ef === null) throw new PdfReadError(`file specification ${o.num} without a name or embedded file`);
    out.push({ name: literalString(nameM[1]), data: decodeStream(obj(doc, Number(ef[1]), 'embedded file')) });
  }
  return out;
}

/** ToUnicode CMap (bfchar and bfrange forms) → glyph code → text. */
export function parseToUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  // Destination strings may be several UTF-16 units with spaces inside (ligatures: <0066 006c>).
  const utf16 = (hexIn: string) => {
    const hex = hexIn.replace(/\s+/g, '');
    const units: number[] = [];
    for (let i = 0; i + 4 <= hex.length; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
    return String.fromCharCode(...units);
  };
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const p of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) map.set(parseInt(p[1], 16), utf16(p[2]));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const r of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const lo = parseInt(r[1], 16);
      const hi = parseInt(r[2], 16);
      if (r[3].startsWith('[')) {
        const items = [...r[3].matchAll(/<([0-9a-fA-F\s]+)>/g)];
        items.forEach((it, i) => lo + i <= hi && map.set(lo + i, utf16(it[1])));
      } else {
        const base = parseInt(r[3].slice(1, -1), 16);
        for (let c = lo; c <= hi; c++) map.set(c, String.fromCharCode(base + c - lo));
      }
    }
  }
  return map;
}

export function pageFonts(doc: PdfDoc, page: PdfObject): Map<string, Map<number, string>> {
  const resRef = refOf(page.body, 'Resources');
  const res = resRef !== null ? obj(doc, resRef, 'Resources').body : page.body;
  const fonts = new Map<string, Map<number, string>>();
  const fontDict = /\/Font\s*<<([^>]*)>>/.exec(res);
  if (fontDict === null) return fonts;
  for (const f of fontDict[1].matchAll(/\/([^\s/]+)\s+(\d+)\s+0\s+R/g)) {
    const font = obj(doc, Number(f[2]), `font ${f[1]}`);
    const tu = refOf(font.body, 'ToUnicode');
    fonts.set(f[1], tu === null ? new Map() : parseToUnicode(decodeStream(obj(doc, tu, 'ToUnicode')).toString('latin1')));
  }
  return fonts;
}

/**
 * Text of a page, one line per text baseline: text objects at the same y are
 * joined (pdfmake writes CJK glyphs one per text object), a change of y starts
 * a new line. Only 2-byte hex strings (Identity-H, what pdfkit writes) are read.
 */
export function pageText(doc: PdfDoc, page: PdfObject): string {
  const fonts = pageFonts(doc, page);
  const content = pageContent(doc, page).toString('latin1');
  let font = new Map<number, string>();
  let y: string | null = null;
  let line = '';
  const lines: string[] = [];
  const re = /\/([^\s/]+)\s+[\d.]+\s+Tf|([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+Tm|\[((?:<[0-9a-fA-F]*>|[\s\d.-])*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g;
  for (const m of content.matchAll(re)) {
    if (m[1] !== undefined) font = fonts.get(m[1]) ?? new Map();
    else if (m[7] !== undefined) {
      if (y !== null && m[7] !== y) { lines.push(line); line = ''; }
      y = m[7];
    } else {
      const hexes = m[8] !== undefined ? [...m[8].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]) : [m[9]];
      for (const h of hexes) for (let i = 0; i + 4 <= h.length; i += 4) line += font.get(parseInt(h.slice(i, i + 4), 16)) ?? '\uFFFD';
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/**
 * SHA-256 over every stream that is neither a page's content nor an embedded
 * file (fonts, images, ToUnicode maps, …), in object-number order: swapping a
 * glyph outline or the topology image changes it. Raw (still compressed) bytes.
 */
export function resourceStreamsSha256(doc: PdfDoc): string {
  const content = new Set<number>();
  for (const p of pages(doc)) {
    const arr = /\/Contents\s*\[([^\]]*)\]/.exec(p.body);
    const one = refOf(p.body, 'Contents');
    if (arr !== null) for (const x of arr[1].matchAll(/(\d+)\s+0\s+R/g)) content.add(Number(x[1]));
    else if (one !== null) content.add(one);
  }
  const h = createHash('sha256');
  for (const num of [...doc.objects.keys()].sort((a, b) => a - b)) {
    const o = doc.objects.get(num) as PdfObject;
    if (o.stream === null || content.has(num) || /\/Type\s*\/EmbeddedFile\b/.test(o.body)) continue;
    h.update(`${num}:${createHash('sha256').update(o.stream).digest('hex')}\n`);
  }
  return h.digest('hex');
}
