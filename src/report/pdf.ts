/**
 * Renders the certification PDF: pdfmake with Noto Sans SC as the only font,
 * the raw files attached as PDF embedded files, and the manifest (hashes of
 * attachments and of each page's content, optionally signed) written into the
 * document Info. pdfkit writes the Info strings uncompressed, so the PDF is
 * rendered once with a fixed-size placeholder there, the page hashes are read
 * from the finished bytes, and the placeholder is overwritten in place with a
 * value of the same length: no xref offset moves. Last, the whole file is
 * sealed (pades.ts): an incremental update whose /ByteRange covers every byte
 * but one hex string, holding a PAdES signature or, unsigned, a SHA-256.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { randomUUID, type KeyObject } from 'node:crypto';
import { errors } from '../errors.js';
import { FONT_BOLD, FONT_FAMILY, FONT_REGULAR } from './fonts.js';
import type { ReportLang } from './i18n.js';
import type { ReportMeta } from './meta.js';
import { sha256Hex, type ReportModel } from './model.js';
import { buildDocDefinition } from './pdf-doc.js';
import { fix, replaceMissingGlyphs } from './glyphs.js';
import { MANIFEST_FORMAT, MANIFEST_INFO_KEY, MANIFEST_RESERVED_CHARS, encodeEnvelope, signManifest, type Manifest } from './manifest.js';
import { pageContent, pages, parsePdf, resourceStreamsSha256 } from './pdf-read.js';
import { sealWithDigest, sealWithSignature } from './pades.js';
import type { SignerCredentials } from './cms.js';

interface PdfMake {
  virtualfs: { writeFileSync(name: string, data: Buffer): void; storage: Record<string, unknown> };
  setFonts(f: unknown): void;
  setUrlAccessPolicy(cb: (url: string) => boolean): void;
  setLocalAccessPolicy(cb: (path: string) => boolean): void;
  createPdf(doc: unknown): { getBuffer(): Promise<Buffer> };
}

const require = createRequire(import.meta.url);
const PLACEHOLDER = 'CCMANIFEST'.padEnd(MANIFEST_RESERVED_CHARS, '~');

export interface PdfOptions {
  lang: ReportLang;
  meta: ReportMeta;
  signKey: KeyObject | null;
  /** The lab's certificate and key: the file is sealed with a PAdES signature; null: with a file digest. */
  pades?: SignerCredentials | null;
  now?: Date;
}

export interface RenderedPdf {
  pdf: Buffer;
  manifest: Manifest;
  /** Characters the font could not draw, replaced by "?". */
  replacedChars: string[];
}

function pdfmake(): PdfMake {
  const p = require('pdfmake') as PdfMake;
  p.setFonts({ [FONT_FAMILY]: { normal: FONT_REGULAR, bold: FONT_BOLD, italics: FONT_REGULAR, bolditalics: FONT_BOLD } });
  // Nothing in the report is fetched: no URL, and no local file but the two fonts.
  p.setUrlAccessPolicy(() => false);
  p.setLocalAccessPolicy((f) => f === FONT_REGULAR || f === FONT_BOLD);
  return p;
}

export async function renderPdf(m: ReportModel, opts: PdfOptions): Promise<RenderedPdf> {
  const pm = pdfmake();
  const replaced = new Set<string>();
  // The report number is also printed by the header/footer functions, which the content walk cannot reach.
  const meta = { ...opts.meta, reportNumber: fix(opts.meta.reportNumber, replaced) };
  const doc = buildDocDefinition(m, meta, opts.lang);
  replaceMissingGlyphs(doc.content, replaced);
  (doc.info as Record<string, string>)[MANIFEST_INFO_KEY] = PLACEHOLDER;
  const dataUri = async (f: string) => `data:${/\.png$/i.test(f) ? 'image/png' : 'image/jpeg'};base64,${(await readFile(f)).toString('base64')}`;
  const images: Record<string, string> = {};
  if (opts.meta.topologyFile !== null) images.topology = await dataUri(opts.meta.topologyFile);
  for (const [i, a] of opts.meta.accreditation.entries()) if (a.imageFile !== null) images[`mark${i}`] = await dataUri(a.imageFile);
  if (Object.keys(images).length > 0) doc.images = images;
  // pdfmake resolves attachment sources by name through its virtual file system (Buffers are not accepted).
  const prefix = `callcert-${randomUUID()}`;
  const files: Record<string, unknown> = {};
  for (const a of m.attachments) {
    const vname = `${prefix}/${a.name}`;
    pm.virtualfs.writeFileSync(vname, a.data);
    files[a.name] = {
      src: vname,
      name: a.name,
      description: a.description,
      type: a.mime,
      creationDate: new Date(m.results.endedAt ?? m.results.startedAt),
    };
  }
  doc.files = files;
  let pdf: Buffer;
  try {
    pdf = await pm.createPdf(doc).getBuffer();
  } finally {
    // The virtual fs has no unlink: drop the entries so a long-lived process does not keep the data.
    for (const a of m.attachments) delete pm.virtualfs.storage[`${prefix}/${a.name}`];
  }

  const parsed = parsePdf(pdf);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    reportNumber: meta.reportNumber,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    tool: { name: m.tool.name, version: m.tool.version },
    verdict: m.status,
    files: m.files.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes, attached: f.attached })),
    pages: pages(parsed).map((p) => sha256Hex(pageContent(parsed, p))),
    resources: resourceStreamsSha256(parsed),
  };
  const text = JSON.stringify(manifest);
  const encoded = encodeEnvelope({ manifest: text, signature: opts.signKey === null ? null : signManifest(text, opts.signKey) });
  if (encoded.length > MANIFEST_RESERVED_CHARS) throw errors.internal(`report manifest is ${encoded.length} characters, more than the ${MANIFEST_RESERVED_CHARS} reserved`);
  const at = pdf.indexOf(`(${PLACEHOLDER})`, 0, 'latin1');
  if (at < 0 || pdf.indexOf(`(${PLACEHOLDER})`, at + 1, 'latin1') >= 0) throw errors.internal('report manifest placeholder not found exactly once in the rendered PDF');
  pdf.write(encoded.padEnd(MANIFEST_RESERVED_CHARS, ' '), at + 1, 'latin1');
  const sealed = opts.pades === undefined || opts.pades === null
    ? sealWithDigest(pdf)
    : sealWithSignature(pdf, { credentials: opts.pades, signingTime: new Date(manifest.generatedAt), reason: `callcert pressure-test report ${meta.reportNumber}` });
  return { pdf: sealed, manifest, replacedChars: [...replaced] };
}
