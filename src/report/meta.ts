/**
 * report.yaml: what the run cannot know (report number, client, system under
 * test, lab, people, standards, topology image). Strict schema, so a misspelt
 * key is an error naming the file and field rather than a silently empty cover.
 * Without --meta every field is "未填写 / not provided" and the report number
 * is derived from the results hash, so two reports of one run share a number.
 * Times are printed in `timeZone` (default the machine's) with their UTC offset.
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

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The machine's IANA time zone (UTC when it has none). */
export const machineTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** `d`'s calendar date (YYYY-MM-DD) in time zone `tz`. */
export function dateIn(d: Date, tz: string): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** "2026-12-03 01:46:31 UTC+08:00": an instant as local time in `tz`, with its offset. */
export function timeIn(iso: string, tz: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
  }).formatToParts(d).map((x) => [x.type, x.value]));
  const off = String(p.timeZoneName).replace(/^GMT$/, 'GMT+00:00').replace(/^GMT/, 'UTC');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${off}`;
}
const names = z.union([text.transform((s) => [s]), z.array(text).min(1)]);

const MetaSchema = z
  .object({
    reportNumber: text.max(64).optional(),
    title: text.optional(),
    client: text.optional(),
    /**
     * licence: the report is filed with a licence application, so it refuses the embedded simulator as its
     * object and an empty system identity (checkLicenceMode); demo (default): any run, simulator runs marked.
     */
    mode: z.enum(['demo', 'licence']).optional(),
    system: z.object({
      name: text, version: text.optional(), vendor: text.optional(),
      /** 自建 / 租用 / 云, or the operator's own words. */
      deployment: text.optional(),
    }).strict().optional(),
    /** The system's specified capacity (channels, 委托方声明): a stage above it makes the run a 压力测试. */
    ratedChannels: z.number().int().positive().optional(),
    /** Who set the pass criteria: client (委托方要求) or scenario (场景设定, the default). */
    criteriaSource: z.enum(['client', 'scenario']).optional(),
    /** IANA time zone the report's times are printed in (e.g. Asia/Shanghai); default: the machine's. */
    timeZone: text.refine(validTimeZone).optional(),
    lab: text.optional(),
    labAddress: text.optional(),
    /** Phone and/or e-mail of the laboratory, for enquiries and objections. */
    labContact: text.optional(),
    /** Where the test was done: the lab, the client's data centre, remote over the Internet — with the address. */
    testLocation: text.optional(),
    /** 检测类别; default 委托测试. */
    category: text.optional(),
    /** The date the system (environment, accounts) was handed over for the test, YYYY-MM-DD. */
    receiptDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    /** Days after receipt within which objections are heard (the notice); default 15. */
    objectionDays: z.number().int().positive().optional(),
    testers: names.optional(),
    reviewers: names.optional(),
    approver: text.optional(),
    standards: z.array(text).min(1).optional(),
    /** PNG or JPEG, relative to report.yaml. */
    topology: text.optional(),
    /**
     * The lab's accreditation marks for the cover (资质认定 CMA, CNAS): printed only as report.yaml gives them —
     * whether the test is within the lab's accredited scope is the lab's statement, not callcert's.
     */
    accreditation: z.array(z.object({
      scheme: z.enum(['CMA', 'CNAS']),
      number: text,
      /** PNG or JPEG of the mark, relative to report.yaml; without it the scheme's name is printed in a box. */
      image: text.optional(),
    }).strict()).min(1).max(4).optional(),
    /** Report date (YYYY-MM-DD); default: today. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    /** The recording retention the platform's operator declares, e.g. "90 days": printed as declared, never as measured. */
    recordingRetention: text.optional(),
  })
  .strict();

export type ReportMode = 'demo' | 'licence';

export interface AccreditationMark {
  scheme: 'CMA' | 'CNAS';
  number: string;
  /** Absolute path of the mark's image, checked to exist; null: the scheme's name in a box. */
  imageFile: string | null;
}

export interface SystemIdentity {
  name: string;
  version: string | null;
  vendor: string | null;
  deployment: string | null;
}

export interface ReportMeta {
  reportNumber: string;
  mode: ReportMode;
  title: string | null;
  client: string | null;
  system: SystemIdentity | null;
  ratedChannels: number | null;
  criteriaSource: 'client' | 'scenario';
  /** IANA time zone every time and date of the report is printed in. */
  timeZone: string;
  lab: string | null;
  labAddress: string | null;
  labContact: string | null;
  testLocation: string | null;
  category: string;
  receiptDate: string | null;
  objectionDays: number;
  testers: string[];
  reviewers: string[];
  approver: string | null;
  standards: readonly string[];
  /** Absolute path of the topology image, checked to exist. */
  topologyFile: string | null;
  /** The accreditation marks for the cover, in report.yaml's order (empty: none). */
  accreditation: AccreditationMark[];
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

export function defaultMeta(resultsSha256: string, now = new Date(), timeZone = machineTimeZone()): ReportMeta {
  return {
    reportNumber: defaultReportNumber(resultsSha256), mode: 'demo', title: null, client: null, system: null, ratedChannels: null, criteriaSource: 'scenario', timeZone, lab: null,
    labAddress: null, labContact: null, testLocation: null, category: '委托测试', receiptDate: null, objectionDays: 15,
    testers: [], reviewers: [], approver: null, standards: DEFAULT_STANDARDS, topologyFile: null, accreditation: [],
    date: dateIn(now, timeZone), recordingRetention: null, source: null,
  };
}

/** What a licence-mode report needs and the run does not say: the system's identity, each in report.yaml. */
const IDENTITY_FIELDS = ['name', 'version', 'vendor', 'deployment'] as const;

/**
 * A licence-mode report (report.yaml `mode: licence`) is about one identified platform: it refuses a run
 * against callcert's embedded simulator and a system identity with an empty field. One error naming the
 * file and the field.
 */
export function checkLicenceMode(meta: ReportMeta, target: { embedded: boolean; uri: string }): void {
  if (meta.mode !== 'licence') return;
  const file = meta.source ?? 'report.yaml';
  if (target.embedded) {
    throw errors.reportMetaInvalid(`${file}: mode: licence refuses this run: its target was callcert's embedded simulated call centre, not the platform under test (run against the platform, or drop mode: licence for a self-check report)`, { path: file, field: 'mode' });
  }
  for (const f of IDENTITY_FIELDS) {
    if (meta.system === null || meta.system[f] === null) {
      throw errors.reportMetaInvalid(`${file}: system.${f}: expected a non-empty string (mode: licence needs the system's name, version, vendor and deployment)`, { path: file, field: `system.${f}` });
    }
  }
}

const EXPECTED: Record<string, string> = {
  reportNumber: 'a string of at most 64 characters',
  system: 'a mapping { name, version, vendor, deployment }',
  mode: 'demo or licence',
  ratedChannels: 'a positive whole number of channels',
  criteriaSource: 'client or scenario',
  timeZone: 'an IANA time zone such as Asia/Shanghai',
  testers: 'a name or a list of names',
  reviewers: 'a name or a list of names',
  standards: 'a non-empty list of strings',
  topology: 'a PNG or JPEG path relative to report.yaml',
  accreditation: 'a list of 1 to 4 marks { scheme: CMA or CNAS, number, image: a PNG or JPEG path relative to report.yaml (optional) }',
  date: 'a date YYYY-MM-DD',
  receiptDate: 'a date YYYY-MM-DD',
  objectionDays: 'a positive whole number of days',
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
  const topologyFile = m.topology === undefined ? null : await imageFile(file, 'topology', m.topology, EXPECTED.topology!);
  const accreditation: AccreditationMark[] = [];
  for (const [i, a] of (m.accreditation ?? []).entries()) {
    const field = `accreditation.${i}.image`;
    const img = a.image === undefined ? null : await imageFile(file, field, a.image, 'a PNG or JPEG path relative to report.yaml');
    accreditation.push({ scheme: a.scheme, number: a.number, imageFile: img });
  }
  const d = defaultMeta(resultsSha256, now, m.timeZone);
  return {
    reportNumber: m.reportNumber ?? d.reportNumber,
    mode: m.mode ?? 'demo',
    title: m.title ?? null,
    client: m.client ?? null,
    system: m.system
      ? { name: m.system.name, version: m.system.version ?? null, vendor: m.system.vendor ?? null, deployment: m.system.deployment ?? null }
      : null,
    ratedChannels: m.ratedChannels ?? null,
    criteriaSource: m.criteriaSource ?? 'scenario',
    timeZone: d.timeZone,
    lab: m.lab ?? null,
    labAddress: m.labAddress ?? null,
    labContact: m.labContact ?? null,
    testLocation: m.testLocation ?? null,
    category: m.category ?? d.category,
    receiptDate: m.receiptDate ?? null,
    objectionDays: m.objectionDays ?? d.objectionDays,
    testers: m.testers ?? [],
    reviewers: m.reviewers ?? [],
    approver: m.approver ?? null,
    standards: m.standards ?? DEFAULT_STANDARDS,
    topologyFile,
    accreditation,
    date: m.date ?? d.date,
    recordingRetention: m.recordingRetention ?? null,
    source: path.resolve(file),
  };
}

/** An image path of report.yaml, resolved beside it and checked to be a PNG or JPEG file that exists. */
async function imageFile(file: string, field: string, given: string, expected: string): Promise<string> {
  const abs = path.resolve(path.dirname(file), given);
  const ok = /\.(png|jpe?g)$/i.test(abs) && (await stat(abs).then((st) => st.isFile(), () => false));
  if (!ok) throw errors.reportMetaInvalid(`${file}: ${field}: expected ${expected}, got "${given}" (${abs})`, { path: file, field });
  return abs;
}
