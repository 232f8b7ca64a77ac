/** `callcert report RESULTS_DIR`: the certification PDF (and HTML, JUnit, Markdown) from a run's results. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readResults } from '../../results/read.js';
import { ExitCode, errors } from '../../errors.js';
import type { Runtime } from '../runtime.js';
import { REPORT_LANGS, type ReportLang } from '../../report/i18n.js';

export const REPORT_FORMATS = ['pdf', 'html', 'junit', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportFlags {
  format?: string;
  lang?: string;
  meta?: string;
  output?: string;
  sign?: string;
  signP12?: string;
  signKey?: string;
  signCert?: string;
  signChain?: string;
  signPasswordEnv?: string;
}

const DEFAULT_NAME: Record<ReportFormat, string> = { pdf: 'report.pdf', html: 'report.html', junit: 'junit.xml', md: 'summary.md' };
const EXT: Record<ReportFormat, string> = { pdf: '.pdf', html: '.html', junit: '.xml', md: '.md' };

export function parseFormats(s: string | undefined): ReportFormat[] {
  const list = (s ?? 'pdf').split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  const bad = list.find((x) => !(REPORT_FORMATS as readonly string[]).includes(x));
  if (bad !== undefined || list.length === 0) throw errors.usage(`--format: expected a comma-separated list of ${REPORT_FORMATS.join(', ')}, got "${s ?? ''}"`);
  return [...new Set(list)] as ReportFormat[];
}

export function parseLang(s: string | undefined): ReportLang {
  const l = s ?? 'bilingual';
  if (!(REPORT_LANGS as readonly string[]).includes(l)) throw errors.usage(`--lang: expected one of ${REPORT_LANGS.join(', ')}, got "${l}"`);
  return l as ReportLang;
}

/** Where each format goes: -o names the file for one format; for several it is the stem each format's extension replaces. */
function outputPath(dir: string, f: ReportFormat, output: string | undefined, several: boolean, cwd: string): string {
  if (output === undefined) return path.join(dir, DEFAULT_NAME[f]);
  const o = path.resolve(cwd, output);
  if (!several) return o;
  return o.replace(/\.(pdf|html|xml|md)$/i, '') + EXT[f];
}

export interface WrittenReport {
  format: ReportFormat;
  file: string;
  bytes: number;
  ms: number;
  detail: string;
}

/** Used by `report` and by `run --report`. */
export async function writeReports(
  resultsPath: string, flags: ReportFlags, cwd: string, env: NodeJS.ProcessEnv = process.env,
): Promise<WrittenReport[]> {
  const formats = parseFormats(flags.format);
  const lang = parseLang(flags.lang);
  const signerFlags = {
    p12: flags.signP12, key: flags.signKey, cert: flags.signCert, chain: flags.signChain, passwordEnv: flags.signPasswordEnv,
  };
  const { loadSigner, wantsPades } = await import('../../report/signer.js');
  if (flags.signPasswordEnv !== undefined && !wantsPades(signerFlags)) {
    throw errors.usage('--sign-password-env is the password of --sign-p12 or --sign-key; neither was given');
  }
  if (wantsPades(signerFlags) && !formats.includes('pdf')) throw errors.usage('--sign-p12/--sign-key sign the PDF: add pdf to --format');
  // Read (and checked) before anything is rendered: a wrong password fails fast. The key stays in memory only.
  const pades = wantsPades(signerFlags) ? await loadSigner(signerFlags, (p) => path.resolve(cwd, p), env) : null;
  const loaded = await readResults(path.resolve(cwd, resultsPath));
  const out: WrittenReport[] = [];
  for (const f of formats) {
    const t0 = performance.now();
    const file = outputPath(loaded.dir, f, flags.output, formats.length > 1, cwd);
    let data: Buffer | string;
    let detail = '';
    if (f === 'pdf' || f === 'html') {
      const { buildModel, sha256Hex } = await import('../../report/model.js');
      const { defaultMeta, loadMeta, checkLicenceMode } = await import('../../report/meta.js');
      const model = await buildModel(loaded);
      const meta =
        flags.meta === undefined
          ? defaultMeta(sha256Hex(loaded.bytes))
          : await loadMeta(path.resolve(cwd, flags.meta), sha256Hex(loaded.bytes));
      checkLicenceMode(meta, loaded.results.target);
      if (f === 'pdf') {
        const { renderPdf } = await import('../../report/pdf.js');
        const { readPrivateKey } = await import('../../report/manifest.js');
        const key = flags.sign === undefined ? null : await readPrivateKey(path.resolve(cwd, flags.sign));
        const r = await renderPdf(model, { lang, meta, signKey: key, pades });
        data = r.pdf;
        detail = `${r.manifest.pages.length} pages, report ${meta.reportNumber}, verdict ${r.manifest.verdict}${key === null ? '' : ', manifest signed (Ed25519)'}`;
        detail += pades === null ? ', sealed with a whole-file SHA-256' : `, PAdES-signed by ${pades.chain[0].subject.replace(/\n/g, ', ')}`;
        if (r.replacedChars.length > 0) detail += `; characters the font lacks were printed as "?": ${r.replacedChars.join(' ')}`;
      } else {
        const { renderHtml } = await import('../../report/html.js');
        data = await renderHtml(model, { lang, meta });
        detail = `report ${meta.reportNumber}, verdict ${model.status}`;
      }
    } else if (f === 'junit') {
      const { junitFromResults } = await import('../../report/junit.js');
      data = junitFromResults(loaded.results);
    } else {
      const { markdownFromResults } = await import('../../report/markdown.js');
      const { recordingsOf } = await import('../../report/media-figures.js');
      data = markdownFromResults(loaded.results, { recordings: recordingsOf(loaded.results, loaded.bytes) });
    }
    try {
      await writeFile(file, data);
    } catch (e) {
      throw errors.outputDir(`${file}: cannot write the ${f} report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { path: file });
    }
    out.push({ format: f, file, bytes: Buffer.byteLength(data), ms: performance.now() - t0, detail });
  }
  return out;
}

export function formatWritten(w: WrittenReport): string {
  return `${w.format}: ${w.file} (${w.bytes} bytes, ${Math.round(w.ms)} ms${w.detail === '' ? '' : `; ${w.detail}`})\n`;
}

export async function reportCommand(results: string, flags: ReportFlags, rt: Runtime): Promise<ExitCode> {
  for (const w of await writeReports(results, flags, rt.cwd, rt.env)) rt.stdout.write(formatWritten(w));
  return ExitCode.Passed;
}
