/**
 * `callcert verify REPORT.pdf`: checks a report against itself, in pure Node.
 *  1. the manifest in the document Info parses (and, with a public key, its Ed25519 signature matches);
 *  2. every page's content stream hashes to the manifest's value (a changed figure, word or drawing fails),
 *     no page carries annotations (an overlay), and fonts/images hash to the manifest's value;
 *  3. every attachment is listed in the manifest with the same SHA-256, and every listed attachment is there;
 *  4. the "NAME SHA-256: HEX" lines printed in the report equal the manifest's hashes;
 *  5. the verdicts in the attached results.json follow from its own measurements and criteria,
 *     and the verdict the report shows is the one those data allow;
 *  6. the whole file: its seal's /ByteRange covers every byte but the seal's own hex string, and
 *     - PAdES-signed: the CMS digest is that range's SHA-256, the signature verifies with the
 *       embedded certificate (and, with --ca, that certificate chains to the given CA);
 *     - unsigned: Info /CallcertFileDigest is that range's SHA-256.
 *     One byte changed anywhere (a resource dictionary, the trailer) fails here if not before.
 * Without a signature, 1–6 prove consistency, not authorship: whoever edits the PDF
 * can recompute an unsigned manifest and digest. The result says which was checked.
 * 1–5 run first because they say what was altered; 6 catches every other byte.
 */
import { readFile } from 'node:fs/promises';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { errors } from '../errors.js';
import type { Results } from '../results/summary.js';
import { recheckVerdicts } from './recheck.js';
import { parseResults } from '../results/read.js';
import { MANIFEST_INFO_KEY, checkSignature, decodeEnvelope, parseManifest, publicKeySha256, type Manifest, type Envelope } from './manifest.js';
import { embeddedFiles, infoRef, infoString, obj, refOf, pageContent, pageText, pages, parsePdf, PdfReadError, resourceStreamsSha256, type PdfDoc } from './pdf-read.js';
import { runStatus, sha256Hex } from './model.js';
import { FILE_DIGEST_KEY, SealError, readByteRangeSeal, signatureFields, type SignatureField } from './pades.js';
import { checkSignedData } from './cms.js';
import { DerError, readDer } from './der.js';
import { checkChain, type ChainCheck } from './chain.js';

export interface VerifyReport {
  file: string;
  manifest: Manifest;
  /** "checked" with a matching key; "unchecked" when signed but no key given; "none" when unsigned. */
  signature: 'checked' | 'unchecked' | 'none';
  signerKeySha256: string | null;
  attachments: string[];
  pages: number;
  /** The verdict recomputed from the attached results.json. */
  verdict: string;
  /** How the whole file was sealed, and what of it was checked. */
  seal: FileSeal;
}

export type FileSeal =
  | { kind: 'digest'; byteRange: number[] }
  | {
      kind: 'pades';
      byteRange: number[];
      subFilter: string;
      /** The signer certificate's subject (X.509 multi-line form) and SHA-256 of its DER. */
      subject: string;
      certificateSha256: string;
      /** /M of the signature dictionary, as written. */
      signingTime: string | null;
      chain: ChainCheck;
    };

export interface VerifyOptions {
  pubkey: KeyObject | null;
  /** CA certificates (PEM): the signer's certificate must chain to one of them. */
  ca?: X509Certificate[];
}

function fail(file: string, why: string, details: Record<string, unknown> = {}): never {
  throw errors.verifyFailed(`${file}: ${why}`, { path: file, ...details });
}

export async function verifyReport(file: string, opts: VerifyOptions): Promise<VerifyReport> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw errors.resultsNotFound(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a callcert report PDF`, { path: file });
  }
  let doc: PdfDoc;
  try {
    doc = parsePdf(bytes);
  } catch (e) {
    return fail(file, `cannot read the PDF structure (${(e as Error).message}); a callcert report rewritten by another tool cannot be verified`);
  }
  try {
    return check(file, bytes, doc, opts);
  } catch (e) {
    if (e instanceof PdfReadError) fail(file, `damaged PDF: ${e.message}`);
    if (e instanceof SealError || e instanceof DerError) fail(file, `the whole-file seal does not check out: ${e.message}`);
    throw e;
  }
}

function check(file: string, bytes: Buffer, doc: PdfDoc, opts: VerifyOptions): VerifyReport {
  const pubkey = opts.pubkey;
  const sigFields = signatureFields(doc);
  if (sigFields.length > 1) fail(file, `${sigFields.length} signature fields: callcert signs a report once, a later signature was added`);
  const raw = infoString(doc, MANIFEST_INFO_KEY);
  if (raw === null) fail(file, `no /${MANIFEST_INFO_KEY} in the document info: not a callcert report, or rewritten by another tool`);
  let env: Envelope;
  let manifest: Manifest;
  try {
    env = decodeEnvelope(raw);
    manifest = parseManifest(env.manifest);
  } catch (e) {
    return fail(file, `the report manifest is damaged (${(e as Error).message})`);
  }

  // 1. Signature first: with a key, nothing below means anything if the manifest is not the signed one.
  let signature: VerifyReport['signature'] = env.signature === null ? 'none' : 'unchecked';
  if (pubkey !== null) {
    if (env.signature === null) fail(file, 'the report is not signed, but --pubkey was given');
    const want = publicKeySha256(pubkey);
    if (env.signature.publicKeySha256 !== want) fail(file, `signed with another key (key SHA-256 ${env.signature.publicKeySha256.slice(0, 16)}…, given ${want.slice(0, 16)}…)`);
    if (!checkSignature(env.manifest, env.signature, pubkey)) fail(file, 'the Ed25519 signature does not match the manifest: the manifest was altered after signing');
    signature = 'checked';
  }

  // 2. Pages.
  const pageObjs = pages(doc);
  if (pageObjs.length !== manifest.pages.length) fail(file, `${pageObjs.length} pages, the manifest lists ${manifest.pages.length}: pages were added or removed`);
  const texts: string[] = [];
  pageObjs.forEach((p, i) => {
    // callcert writes no annotations but the table of contents' links (internal, invisible): any other one added later
    // could overlay a figure without touching the content stream.
    if (/\/Annots\b/.test(p.body) && !onlySignatureWidget(doc, p.body, sigFields[0]) && !onlyInternalLinks(doc, p.body)) fail(file, `page ${i + 1} has annotations added after the report was written (they can cover printed text)`, { page: i + 1 });
    if (sha256Hex(pageContent(doc, p)) !== manifest.pages[i]) fail(file, `page ${i + 1} content differs from the manifest: text or drawing on that page was altered`, { page: i + 1 });
    texts.push(pageText(doc, p));
  });

  if (resourceStreamsSha256(doc) !== manifest.resources) fail(file, 'a font, image or other embedded stream differs from the manifest: the report\'s drawing resources were altered');

  // 3. Attachments.
  const attached = embeddedFiles(doc);
  const listed = new Map(manifest.files.map((f) => [f.name, f]));
  for (const a of attached) {
    const f = listed.get(a.name);
    if (f === undefined || !f.attached) fail(file, `attachment ${a.name} is not listed in the manifest: a file was added`);
    const h = sha256Hex(a.data);
    if (h !== f.sha256) fail(file, `attachment ${a.name} SHA-256 ${h} differs from the manifest's ${f.sha256}: the attached data was altered`, { attachment: a.name });
  }
  for (const f of manifest.files) {
    if (f.attached && !attached.some((a) => a.name === f.name)) fail(file, `attachment ${f.name} listed in the manifest is missing from the PDF`);
  }

  // 4. Printed hashes.
  const printed = new Map<string, string>();
  for (const line of texts.join('\n').split('\n')) {
    const mm = /^(\S+) SHA-256: ([0-9a-f]{64})$/.exec(line.trim());
    if (mm !== null) printed.set(mm[1], mm[2]);
  }
  for (const f of manifest.files) {
    const p = printed.get(f.name);
    if (p === undefined) fail(file, `no printed "${f.name} SHA-256:" line found in the report text`);
    if (p !== f.sha256) fail(file, `printed SHA-256 of ${f.name} (${p}) differs from the manifest's ${f.sha256}`);
  }

  // 5. Verdicts against the attached data.
  const resultsFile = attached.find((a) => a.name === 'results.json');
  if (resultsFile === undefined) fail(file, 'no results.json attached');
  let results: Results;
  try {
    results = parseResults(resultsFile.data, 'attached results.json');
  } catch (e) {
    return fail(file, (e as Error).message);
  }
  const { problems, verdict } = recheckVerdicts(results);
  if (problems.length > 0) fail(file, `attached results.json is inconsistent: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`);
  const shown = runStatus(results);
  if (manifest.verdict !== shown) fail(file, `the report shows verdict "${manifest.verdict}" but its attached results.json allows only "${shown}"`);

  // 6. The whole file.
  const seal = sigFields.length === 1 ? checkPades(file, bytes, sigFields[0], opts.ca) : checkDigest(file, bytes, doc);

  return {
    file, manifest, signature, signerKeySha256: env.signature?.publicKeySha256 ?? null,
    attachments: attached.map((a) => a.name), pages: pageObjs.length, verdict, seal,
  };
}

/** callcert's own signature widget: the one page annotation it writes (invisible, zero-size, the signature field). */
function onlySignatureWidget(doc: PdfDoc, pageBody: string, field: SignatureField | undefined): boolean {
  const annots = /\/Annots\s*\[\s*(\d+)\s+0\s+R\s*\]/.exec(pageBody);
  if (field === undefined || annots === null || Number(annots[1]) !== field.field) return false;
  const w = doc.objects.get(field.field)?.body ?? '';
  return /\/Rect\s*\[\s*0\s+0\s+0\s+0\s*\]/.test(w) && !/\/AP\b/.test(w);
}

/** A page whose annotations are all invisible links to a place in the document (the table of contents'): they draw nothing. */
function onlyInternalLinks(doc: PdfDoc, pageBody: string): boolean {
  const list = /\/Annots\s*\[([\d\s R]*)\]/.exec(pageBody);
  if (list === null) return false;
  const refs = [...list[1]!.matchAll(/(\d+)\s+0\s+R/g)].map((x) => Number(x[1]));
  return refs.length > 0 && refs.every((n) => {
    const a = doc.objects.get(n)?.body ?? '';
    const action = /\/A\s+(\d+)\s+0\s+R/.exec(a);
    const target = action === null ? '' : doc.objects.get(Number(action[1]))?.body ?? '';
    return /\/Subtype\s*\/Link\b/.test(a) && !/\/AP\b/.test(a) && /\/Border\s*\[\s*0\s+0\s+0\s*\]/.test(a) && /\/S\s*\/GoTo\b/.test(target) && !/\/(URI|F)\b/.test(target);
  });
}

function checkDigest(file: string, bytes: Buffer, doc: PdfDoc): FileSeal {
  const ref = refOf(obj(doc, infoRef(doc), 'Info').body, FILE_DIGEST_KEY);
  if (ref === null) fail(file, `neither a signature nor /${FILE_DIGEST_KEY} in the document info: the whole-file seal was removed (or the report predates it)`);
  const seal = readByteRangeSeal(bytes, obj(doc, ref, FILE_DIGEST_KEY).body, '/SHA256');
  if (!seal.value.equals(seal.sha256)) fail(file, `the file's SHA-256 ${seal.sha256.toString('hex')} differs from the recorded ${seal.value.toString('hex')}: a byte of the PDF was altered (outside what checks 1–5 read)`);
  return { kind: 'digest', byteRange: seal.byteRange };
}

function checkPades(file: string, bytes: Buffer, field: SignatureField, ca: X509Certificate[] | undefined): FileSeal {
  const subFilter = /\/SubFilter\s*\/([^\s/<>[\]()]+)/.exec(field.dict)?.[1] ?? '';
  if (subFilter !== 'ETSI.CAdES.detached') fail(file, `signature /SubFilter /${subFilter}: callcert writes ETSI.CAdES.detached`);
  const seal = readByteRangeSeal(bytes, field.dict, '/Contents');
  // The hole is the DER CMS, then zero padding: a changed padding byte is an alteration too.
  let cmsLen: number;
  try {
    cmsLen = readDer(seal.value).raw.length;
  } catch (e) {
    return fail(file, `the signature value is not DER (${(e as Error).message}): the signature was altered`);
  }
  if (seal.value.subarray(cmsLen).some((b) => b !== 0)) fail(file, 'bytes after the CMS in /Contents are not zero padding: the signature was altered');
  let signer: ReturnType<typeof checkSignedData>;
  try {
    signer = checkSignedData(seal.value.subarray(0, cmsLen), seal.sha256);
  } catch (e) {
    return fail(file, `PAdES signature: ${(e as Error).message}`);
  }
  const m = /\/M\s*\(([^)]*)\)/.exec(field.dict);
  const chain = checkChain(signer.signer, signer.certificates, ca, pdfDateToDate(m?.[1] ?? null));
  if (chain.status === 'failed') fail(file, `signer certificate: ${chain.why}`);
  return {
    kind: 'pades', byteRange: seal.byteRange, subFilter, subject: signer.signer.subject,
    certificateSha256: sha256Hex(signer.signer.raw), signingTime: m?.[1] ?? null, chain,
  };
}

/** D:YYYYMMDDHHmmSS[Z|±HH'mm'] → Date (null if absent or unreadable). */
function pdfDateToDate(s: string | null): Date | null {
  const m = s === null ? null : /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(s);
  return m === null ? null : new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}
