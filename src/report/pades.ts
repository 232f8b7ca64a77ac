/**
 * The whole-file seal of a report, as ISO 32000-1 §12.8 signs a PDF: the
 * rendered PDF (manifest filled in) gets one incremental update holding a
 * dictionary with a /ByteRange [0 a b c] and a hex-string hole; the byte range
 * covers every byte of the file but that hole, and the hole holds
 *  - signed: a CMS SignedData (PAdES baseline B-B, /SubFilter
 *    /ETSI.CAdES.detached) in a signature field's /V /Contents, which Acrobat,
 *    poppler's pdfsig and any PDF validator check;
 *  - unsigned: the SHA-256 of the byte range in /CallcertFileDigest of the
 *    document Info, which only `callcert verify` reads (consistency, not
 *    authorship: whoever edits the file can recompute it).
 * Either way one flipped byte anywhere outside the hole changes the digest.
 * The update appends objects and a cross-reference section with /Prev:
 * nothing of the rendered PDF moves.
 */
import { createHash } from 'node:crypto';
import { buildSignedData, type SignerCredentials } from './cms.js';
import { infoRef, obj, pages, parsePdf, refOf, type PdfDoc } from './pdf-read.js';

export const FILE_DIGEST_KEY = 'CallcertFileDigest';
export const SIGNATURE_FIELD_NAME = 'callcert-signature';
/** 10 digits per ByteRange number: a report is far below 10 GB. */
const BYTE_RANGE_PLACEHOLDER = `[0 ${'9'.repeat(10)} ${'9'.repeat(10)} ${'9'.repeat(10)}]`;

export interface ByteRangeSeal {
  byteRange: [number, number, number, number];
  /** The bytes the range covers, hashed. */
  sha256: Buffer;
  /** The hole's content, hex-decoded (the CMS, zero-padded; or the digest). */
  value: Buffer;
}

/** PDF date string D:YYYYMMDDHHmmSSZ. */
const pdfDate = (d: Date) => `D:${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/** A PDF text string as UTF-16BE hex with BOM (any report number reads right). */
function pdfTextString(t: string): string {
  const b = Buffer.from(t, 'utf16le');
  b.swap16();
  return `<FEFF${b.toString('hex').toUpperCase()}>`;
}

interface NewObject {
  num: number;
  body: string;
}

/** Adds `entry` (e.g. "/AcroForm << … >>") before the closing ">>" of a dictionary body. */
function withEntry(dictBody: string, entry: string): string {
  const end = dictBody.lastIndexOf('>>');
  return `${dictBody.slice(0, end)}${entry}\n>>`;
}

function startxrefOf(pdf: Buffer): number {
  const s = pdf.subarray(Math.max(0, pdf.length - 1024)).toString('latin1');
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(s);
  if (m === null) throw new Error('rendered PDF does not end with startxref/%%EOF');
  return Number(m[1]);
}

/** The incremental update: objects, an xref section for them, a trailer with /Prev. */
function appendUpdate(pdf: Buffer, doc: PdfDoc, objects: NewObject[], size: number): Buffer {
  const head = pdf[pdf.length - 1] === 0x0a ? '' : '\n';
  let text = head;
  const offsets = new Map<number, number>();
  for (const o of objects) {
    offsets.set(o.num, pdf.length + Buffer.byteLength(text, 'latin1'));
    text += `${o.num} 0 obj\n${o.body}\nendobj\n`;
  }
  const xrefAt = pdf.length + Buffer.byteLength(text, 'latin1');
  const nums = [...offsets.keys()].sort((a, b) => a - b);
  text += 'xref\n';
  for (let i = 0; i < nums.length;) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    text += `${nums[i]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) text += `${String(offsets.get(nums[k])).padStart(10, '0')} 00000 n \n`;
    i = j + 1;
  }
  const id = /\/ID\s*(\[[^\]]*\])/.exec(doc.trailer);
  text += `trailer\n<<\n/Size ${size}\n/Root ${refOf(doc.trailer, 'Root')} 0 R\n/Info ${infoRef(doc)} 0 R\n${id === null ? '' : `/ID ${id[1]}\n`}/Prev ${startxrefOf(pdf)}\n>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(text, 'latin1')]);
}

function sizeOf(doc: PdfDoc): number {
  const m = /\/Size\s+(\d+)/.exec(doc.trailer);
  if (m === null) throw new Error('rendered PDF trailer has no /Size');
  return Number(m[1]);
}

/**
 * Fills the ByteRange placeholder around the hole `<…>` that follows `key`, and
 * returns the bytes it covers: [0, a) and [b, end), a and b the hole's bounds.
 */
function fillByteRange(pdf: Buffer, key: string): { a: number; b: number; covered: Buffer[] } {
  const br = pdf.lastIndexOf(`/ByteRange ${BYTE_RANGE_PLACEHOLDER}`, undefined, 'latin1');
  const a = pdf.indexOf(`${key} <`, br, 'latin1') + key.length + 1;
  const b = pdf.indexOf('>', a, 'latin1') + 1;
  if (br < 0 || a <= key.length || b <= a) throw new Error('byte range placeholder not found in the PDF update');
  const range = `[0 ${a} ${b} ${pdf.length - b}]`.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ');
  pdf.write(range, br + '/ByteRange '.length, 'latin1');
  return { a, b, covered: [pdf.subarray(0, a), pdf.subarray(b)] };
}

const sha256Of = (parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Unsigned report: the SHA-256 of every byte but its own hex string, in Info /CallcertFileDigest. */
export function sealWithDigest(rendered: Buffer): Buffer {
  const doc = parsePdf(rendered);
  const n = sizeOf(doc);
  const info = obj(doc, infoRef(doc), 'Info');
  const pdf = appendUpdate(rendered, doc, [
    { num: info.num, body: withEntry(info.body, `/${FILE_DIGEST_KEY} ${n} 0 R`) },
    { num: n, body: `<<\n/Type /${FILE_DIGEST_KEY}\n/ByteRange ${BYTE_RANGE_PLACEHOLDER}\n/SHA256 <${'0'.repeat(64)}>\n>>` },
  ], n + 1);
  const { a, covered } = fillByteRange(pdf, '/SHA256');
  pdf.write(sha256Of(covered).toString('hex'), a + 1, 'latin1');
  return pdf;
}

export interface SealSignOptions {
  credentials: SignerCredentials;
  signingTime: Date;
  reason: string;
}

/** Bytes reserved for the CMS: the certificates it carries plus room for attributes and the signature. */
const cmsReserve = (c: SignerCredentials) => c.chain.reduce((s, x) => s + x.raw.length, 0) + 4096;

/** Signed report: an invisible signature field whose value is a PAdES B-B CMS over the byte range. */
export function sealWithSignature(rendered: Buffer, opts: SealSignOptions): Buffer {
  const doc = parsePdf(rendered);
  const n = sizeOf(doc);
  const sigNum = n;
  const fieldNum = n + 1;
  const root = obj(doc, refOf(doc.trailer, 'Root'), 'Root');
  if (/\/AcroForm\b/.test(root.body)) throw new Error('rendered PDF already has a form');
  const page1 = pages(doc)[0];
  if (/\/Annots\b/.test(page1.body)) throw new Error('rendered PDF page 1 already has annotations');
  const reserve = cmsReserve(opts.credentials);
  const reason = pdfTextString(opts.reason);
  const pdf = appendUpdate(rendered, doc, [
    { num: root.num, body: withEntry(root.body, `/AcroForm << /Fields [${fieldNum} 0 R] /SigFlags 3 >>`) },
    { num: page1.num, body: withEntry(page1.body, `/Annots [${fieldNum} 0 R]`) },
    {
      num: sigNum,
      body: `<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n/ByteRange ${BYTE_RANGE_PLACEHOLDER}\n/Contents <${'0'.repeat(reserve * 2)}>\n/M (${pdfDate(opts.signingTime)})\n/Reason ${reason}\n>>`,
    },
    // Invisible (zero-size) widget, printable and locked: the signature field every reader lists.
    { num: fieldNum, body: `<<\n/Type /Annot\n/Subtype /Widget\n/FT /Sig\n/T (${SIGNATURE_FIELD_NAME})\n/V ${sigNum} 0 R\n/F 132\n/Rect [0 0 0 0]\n/P ${page1.num} 0 R\n>>` },
  ], n + 2);
  const { a, covered } = fillByteRange(pdf, '/Contents');
  const cms = buildSignedData(sha256Of(covered), opts.credentials);
  if (cms.length > reserve) throw new Error(`CMS signature is ${cms.length} bytes, more than the ${reserve} reserved`);
  pdf.write(cms.toString('hex'), a + 1, 'latin1');
  return pdf;
}

export class SealError extends Error {}

/**
 * Reads a seal's dictionary: its /ByteRange must start at 0, end at the end of
 * the file, and leave out exactly its own `key <hex>` value; returns the hash of
 * what it covers and the hole's bytes. Throws SealError saying what is wrong.
 */
export function readByteRangeSeal(bytes: Buffer, dictBody: string, key: string): ByteRangeSeal {
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(dictBody);
  if (m === null) throw new SealError('no /ByteRange');
  const br = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number];
  const [start, a, b, rest] = br;
  if (start !== 0 || a <= 0 || b <= a || b + rest !== bytes.length) {
    throw new SealError(`/ByteRange [${br.join(' ')}] does not cover the whole ${bytes.length}-byte file but one hole: bytes were added after it was written, or it was edited`);
  }
  const hole = bytes.subarray(a, b).toString('latin1');
  if (!/^<[0-9a-fA-F]*>$/.test(hole) || bytes.subarray(Math.max(0, a - key.length - 1), a).toString('latin1').trimEnd() !== key) {
    throw new SealError(`/ByteRange leaves out bytes ${a}–${b}, which are not the ${key} hex string`);
  }
  const value = new RegExp(`${key.replace('/', '\\/')}\\s*<([0-9a-fA-F]*)>`).exec(dictBody);
  if (value === null || value[1] !== hole.slice(1, -1)) throw new SealError(`the ${key} the /ByteRange leaves out is not this dictionary's`);
  return { byteRange: br, sha256: sha256Of([bytes.subarray(0, a), bytes.subarray(b)]), value: Buffer.from(hole.slice(1, -1), 'hex') };
}

export interface SignatureField {
  field: number;
  sig: number;
  dict: string;
}

/** The document's signature fields (AcroForm /Fields whose /FT is /Sig and /V a dictionary). */
export function signatureFields(doc: PdfDoc): SignatureField[] {
  const root = obj(doc, refOf(doc.trailer, 'Root'), 'Root');
  const form = /\/AcroForm\s*<<[^>]*\/Fields\s*\[([^\]]*)\]/.exec(root.body);
  if (form === null) return [];
  const out: SignatureField[] = [];
  for (const r of form[1].matchAll(/(\d+)\s+0\s+R/g)) {
    const f = obj(doc, Number(r[1]), 'form field');
    if (!/\/FT\s*\/Sig\b/.test(f.body)) continue;
    const v = refOf(f.body, 'V');
    if (v === null) continue;
    out.push({ field: f.num, sig: v, dict: obj(doc, v, 'signature').body });
  }
  return out;
}
