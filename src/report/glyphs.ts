/**
 * No missing-glyph boxes: every character the report prints is looked up in
 * the embedded font's cmap before rendering. User-supplied text (client name,
 * a rare ideograph) that the font lacks is replaced by "?" and listed, rather
 * than rendered as .notdef boxes that pdftotext would silently drop.
 */
import { createRequire } from 'node:module';
import { FONT_REGULAR } from './fonts.js';

interface FontkitFont {
  hasGlyphForCodePoint(cp: number): boolean;
}

const require = createRequire(import.meta.url);
let font: FontkitFont | null = null;

function theFont(): FontkitFont {
  font ??= (require('fontkit') as { openSync(p: string): FontkitFont }).openSync(FONT_REGULAR);
  return font;
}

export function hasGlyph(cp: number): boolean {
  return theFont().hasGlyphForCodePoint(cp);
}

/** Characters of `s` the font cannot draw (control characters excepted). */
export function missingGlyphs(s: string): string[] {
  const out = new Set<string>();
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x20) continue;
    if (!hasGlyph(cp)) out.add(ch);
  }
  return [...out];
}

/** Keys of a pdfmake node whose string values are not printed text. */
const NOT_TEXT = new Set(['svg', 'image', 'style', 'color', 'alignment', 'font', 'layout', 'pageBreak', 'fillColor']);

/** Replaces undrawable characters in every printed string of a pdfmake document, in place; returns what was replaced. */
export function replaceMissingGlyphs(node: unknown, replaced = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      if (typeof v === 'string') node[i] = fix(v, replaced);
      else replaceMissingGlyphs(v, replaced);
    });
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (NOT_TEXT.has(k)) continue;
      if (typeof o[k] === 'string') o[k] = fix(o[k], replaced);
      else replaceMissingGlyphs(o[k], replaced);
    }
  }
  return replaced;
}

export function fix(s: string, replaced: Set<string>): string {
  const missing = missingGlyphs(s);
  if (missing.length === 0) return s;
  let out = s;
  for (const ch of missing) {
    replaced.add(ch);
    out = out.split(ch).join('?');
  }
  return out;
}
