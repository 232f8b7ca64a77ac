/**
 * report.yaml: what the run cannot know (report number, client, system under
 * test, lab, people, standards, topology image). Strict schema, so a misspelt
 * key is an error naming the file and field rather than a silently empty cover.
 * Without --meta every field is "未填写 / not provided" and the report number
 * is derived from the results hash, so two reports of one run share a number.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { errors } from '../errors.js';

/** Cited when report.yaml gives no `standards`: the documents callcert's metrics follow. */
export const DEFAULT_STANDARDS: readonly string[] = [
  'IETF RFC 3261 SIP: Session Initiation Protocol',
  'IETF RFC 6076 Basic Telephony SIP End-to-End Performance Metrics',
  'IETF RFC 3550 RTP: A Transport Protocol for Real-Time Applications (media metrics, when measured)',
];

const text = z.string().trim().min(1);
const names = z.union([text.transform((s) => [s]), z.array(text).min(1)]);

const MetaSchema = z
  .object({
    reportNumber: text.max(64).optional(),
    title: text.optional(),
    client: text.optional(),
    system: z.object({ name: text, version: text.optional() }).strict().optional(),
    lab: text.optional(),
    testers: names.optional(),
    reviewers: names.optional(),
    approver: text.optional(),
    standards: z.array(text).min(1).optional(),
    /** PNG or JPEG, relative to report.yaml. */
    topology: text.optional(),
    /** Report date (YYYY-MM-DD); default: today. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    /** The recording retention the platform's operator declares, e.g. "90 days": printed as declared, never as measured. */
    recordingRetention: text.optional(),
  })
  .strict();

export interface ReportMeta {
  reportNumber: string;
  title: string | null;
  client: string | null;
  system: { name: string; version: string | null } | null;
  lab: string | null;
  testers: string[];
  reviewers: string[];
  approver: string | null;
  standards: readonly string[];
  /** Absolute path of the topology image, checked to exist. */
  topologyFile: string | null;
  date: string;
  /** Declared recording retention (report.yaml), or null. */
  recordingRetention: string | null;
  /** The file the meta came from, or null for defaults. */
  source: string | null;
}

/** `resultsSha256` names an unnumbered report: CC- + the first 12 hex digits of results.json's hash. */
export function defaultReportNumber(resultsSha256: string): string {
  return `CC-${resultsSha256.slice(0, 12).toUpperCase()}`;
}

export function defaultMeta(resultsSha256: string, now = new Date()): ReportMeta {
  return {
    reportNumber: defaultReportNumber(resultsSha256), title: null, client: null, system: null, lab: null,
    testers: [], reviewers: [], approver: null, standards: DEFAULT_STANDARDS, topologyFile: null,
    date: now.toISOString().slice(0, 10), recordingRetention: null, source: null,
  };
}

const EXPECTED: Record<string, string> = {
  reportNumber: 'a string of at most 64 characters',
  system: 'a mapping { name, version }',
  testers: 'a name or a list of names',
  reviewers: 'a name or a list of names',
  standards: 'a non-empty list of strings',
  topology: 'a PNG or JPEG path relative to report.yaml',
  date: 'a date YYYY-MM-DD',
};

export async function loadMeta(file: string, resultsSha256: string, now = new Date()): Promise<ReportMeta> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw errors.reportMetaInvalid(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a report.yaml`, { path: file });
  }
  let doc: unknown;
  try {
    doc = parseYaml(raw) ?? {};
  } catch (e) {
    throw errors.reportMetaInvalid(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`, { path: file });
  }
  const parsed = MetaSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || '(root)';
    const top = String(issue.path[0] ?? '');
    const expected = issue.code === 'unrecognized_keys'
      ? `no key ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: ${Object.keys(MetaSchema.shape).join(', ')})`
      : EXPECTED[top] ?? 'a non-empty string';
    throw errors.reportMetaInvalid(`${file}: ${field}: expected ${expected}`, { path: file, field });
  }
  const m = parsed.data;
  let topologyFile: string | null = null;
  if (m.topology !== undefined) {
    topologyFile = path.resolve(path.dirname(file), m.topology);
    const ok = /\.(png|jpe?g)$/i.test(topologyFile) && (await stat(topologyFile).then((s) => s.isFile(), () => false));
    if (!ok) throw errors.reportMetaInvalid(`${file}: topology: expected ${EXPECTED.topology}, got "${m.topology}" (${topologyFile})`, { path: file, field: 'topology' });
  }
  const d = defaultMeta(resultsSha256, now);
  return {
    reportNumber: m.reportNumber ?? d.reportNumber,
    title: m.title ?? null,
    client: m.client ?? null,
    system: m.system ? { name: m.system.name, version: m.system.version ?? null } : null,
    lab: m.lab ?? null,
    testers: m.testers ?? [],
    reviewers: m.reviewers ?? [],
    approver: m.approver ?? null,
    standards: m.standards ?? DEFAULT_STANDARDS,
    topologyFile,
    date: m.date ?? d.date,
    recordingRetention: m.recordingRetention ?? null,
    source: path.resolve(file),
  };
}
