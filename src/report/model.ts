/**
 * Everything the report shows, computed only from results.json and the files a
 * run writes beside it. Numbers are carried as recorded (`fmtNum` prints JS's
 * shortest exact representation), so nothing shown can differ from the value
 * a verdict was decided on.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedResults } from '../results/read.js';
import type { Results } from '../results/summary.js';
import { errors } from '../errors.js';
import { redactScenarioYaml, findSecret, maskSecrets } from './redact.js';
import { licenceRows, type LicenceRow } from './licence.js';
import { toolDigest, type ToolDigest } from './tool-digest.js';
import { recheckVerdicts } from './recheck.js';
import { mediaOf, recordingsFrom, recordingsOf, type RecordingFigures } from './media-figures.js';
import { RETENTION_KIND, type RetentionResults } from '../probe/retention.js';
import { mediaCallPoints, type MediaCallPoint } from './media-calls.js';

/**
 * A record file (calls.jsonl, flows.jsonl, platform.jsonl, outbound-rules.jsonl) larger than this is not attached
 * (only its SHA-256 is printed):
 * keeps the PDF mailable.
 */
export const RECORDS_ATTACH_MAX_BYTES = 20 * 1024 * 1024;
/** Record files attached when present and not larger than RECORDS_ATTACH_MAX_BYTES (else listed with their hash). */
const RECORD_FILES: ReadonlyArray<[string, string]> = [
  ['calls.jsonl', 'callcert calls.jsonl (one record per call)'],
  ['flows.jsonl', 'callcert flows.jsonl (one record per HTTP flow instance, with its steps and outbound call)'],
  ['platform.jsonl', 'callcert platform.jsonl (one raw Prometheus scrape of a platform server per line)'],
  ['outbound-rules.jsonl', 'callcert outbound-rules.jsonl (the outbound-rule probe: every INVITE at callcert\'s UAS with its calling line, every originate with the API\'s answer)'],
];

export type RunStatus = 'passed' | 'failed' | 'not_judged' | 'invalid' | 'running';

export interface FileEvidence {
  name: string;
  sha256: string;
  bytes: number;
  /** Attached inside the PDF (the bytes as on disk). */
  attached: boolean;
  /** Why it is not attached, when it is not. */
  note: string | null;
}

export interface Attachment {
  name: string;
  data: Buffer;
  mime: string;
  description: string;
}

export interface ReportModel {
  results: Results;
  resultsSha256: string;
  status: RunStatus;
  /** Why the run is not valid evidence (interrupted, generator saturated, …); empty when valid. */
  invalidReasons: string[];
  files: FileEvidence[];
  attachments: Attachment[];
  /** scenario.yaml with credentials replaced, or null when the run had no scenario file. */
  scenarioYaml: string | null;
  /** Target URI with any credential masked. */
  targetUri: string;
  licence: LicenceRow[];
  tool: ToolDigest;
  /** summary.recordings (the recording probe), when the run has a well-formed one. */
  recordings: RecordingFigures | null;
  /** Each media call's MOS-CQE from the attached calls.jsonl (the histogram); null without media or calls.jsonl. */
  mediaCalls: MediaCallPoint[] | null;
  /** The retention re-checks of this run found beside it (retention-*.json), oldest first. */
  retention: RetentionResults[];
}

/** A retention-*.json of `callcert probe recordings`, or null when it is not one (checked field by field). */
export function retentionFrom(data: Buffer): RetentionResults | null {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
  const o = v as Partial<RetentionResults> | null;
  if (o === null || typeof o !== 'object' || o.kind !== RETENTION_KIND || typeof o.probedAt !== 'string') return null;
  if (typeof o.run?.resultsSha256 !== 'string' || recordingsFrom(o.summary) === null) return null;
  if (o.oldestConfirmedAgeDays !== null && typeof o.oldestConfirmedAgeDays !== 'number') return null;
  return o as RetentionResults;
}

export const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function readOptional(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch {
    return null;
  }
}

/** The verdict the report may show: anything but a finished valid run is not a pass, whatever results.json says. */
export function runStatus(r: Results): RunStatus {
  if (r.state !== 'finished') return 'running';
  if (!r.valid || r.interrupted || r.invalidReasons.length > 0) return 'invalid';
  if (r.criteria.length === 0 && r.verdict !== 'failed') return 'not_judged';
  return r.verdict === 'passed' && r.criteria.every((c) => c.pass) ? 'passed' : 'failed';
}

/** A finished, valid run (judged or not): the report shows its figures as evidence. */
export const isValidStatus = (s: RunStatus): boolean => s === 'passed' || s === 'failed' || s === 'not_judged';

export async function buildModel(loaded: LoadedResults): Promise<ReportModel> {
  const { results, bytes, dir } = loaded;
  const resultsSha256 = sha256Hex(bytes);
  const { problems } = recheckVerdicts(results);
  if (problems.length > 0) throw errors.resultsInvalid(`${loaded.file}: ${problems[0]}; a report would show a verdict its data do not support`, { path: loaded.file });
  const status = runStatus(results);
  const invalidReasons = [...results.invalidReasons];
  if (results.interrupted && !invalidReasons.some((r) => /interrupt/i.test(r))) invalidReasons.unshift('run was interrupted');
  if (status === 'running') invalidReasons.unshift(`results.json state is "${results.state}": the run had not finished when it was written`);
  if (status === 'invalid' && invalidReasons.length === 0) invalidReasons.push('results.json marks the run as not valid');

  const scenarioRaw = await readOptional(path.join(dir, 'scenario.yaml'));
  const redacted = scenarioRaw === null ? null : redactScenarioYaml(scenarioRaw.toString('utf8'));
  const secrets = redacted?.secrets ?? [];

  const files: FileEvidence[] = [];
  const attachments: Attachment[] = [];
  let mediaCalls: MediaCallPoint[] | null = null;
  const leak = findSecret(bytes, secrets);
  if (leak !== null) {
    throw errors.resultsInvalid(`${loaded.file}: contains a credential from scenario.yaml; refusing to attach it to a report (remove it from results.json)`, { path: loaded.file });
  }
  files.push({ name: 'results.json', sha256: resultsSha256, bytes: bytes.length, attached: true, note: null });
  attachments.push({ name: 'results.json', data: bytes, mime: 'application/json', description: 'callcert results.json (raw, as written by the run)' });

  // The per-call and per-flow-instance records the summary figures were computed from.
  for (const [name, description] of RECORD_FILES) {
    const file = path.join(dir, name);
    const size = await stat(file).then((st) => st.size, () => null);
    if (size === null) continue;
    if (size <= RECORDS_ATTACH_MAX_BYTES) {
      const data = await readFile(file);
      const secret = findSecret(data, secrets);
      files.push({ name, sha256: sha256Hex(data), bytes: data.length, attached: secret === null, note: secret === null ? null : 'contains a credential: not attached' });
      if (secret === null) attachments.push({ name, data, mime: 'application/x-ndjson', description });
      if (secret === null && name === 'calls.jsonl' && mediaOf(results) !== null) mediaCalls = await mediaCallPoints(data);
    } else {
      files.push({ name, sha256: await sha256File(file), bytes: size, attached: false, note: `larger than ${RECORDS_ATTACH_MAX_BYTES} bytes: hash only` });
    }
  }
  if (scenarioRaw !== null) {
    // The raw file may hold credentials: hash it (results.json records the same hash) but never attach it.
    files.push({ name: 'scenario.yaml', sha256: sha256Hex(scenarioRaw), bytes: scenarioRaw.length, attached: false, note: 'may contain credentials: hash only; shown redacted in Appendix A' });
  }
  const resolved = await readOptional(path.join(dir, 'scenario.resolved.json'));
  if (resolved !== null) {
    const secret = findSecret(resolved, secrets);
    files.push({ name: 'scenario.resolved.json', sha256: sha256Hex(resolved), bytes: resolved.length, attached: secret === null, note: secret === null ? null : 'contains a credential: not attached' });
    if (secret === null) attachments.push({ name: 'scenario.resolved.json', data: resolved, mime: 'application/json', description: 'the scenario as run, credentials redacted' });
  }

  // Retention re-checks (`callcert probe recordings`), run later into the same directory: attached, hashed, cited.
  const retention: RetentionResults[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^retention-.*\.json$/.test(n)).sort()) {
    const data = await readFile(path.join(dir, name));
    const doc = retentionFrom(data);
    if (doc === null || doc.run.resultsSha256 !== resultsSha256) {
      files.push({ name, sha256: sha256Hex(data), bytes: data.length, attached: false, note: 'not a retention re-check of this run: not used' });
      continue;
    }
    retention.push(doc);
    files.push({ name, sha256: sha256Hex(data), bytes: data.length, attached: true, note: null });
    attachments.push({ name, data, mime: 'application/json', description: `callcert probe recordings, ${doc.probedAt}: this run's recordings re-checked` });
  }

  const recordings = recordingsOf(results, bytes);
  return {
    results, resultsSha256, status, invalidReasons, files, attachments,
    scenarioYaml: redacted?.text ?? null,
    targetUri: maskSecrets(results.target.uri, secrets),
    licence: licenceRows(results, status, recordings, retention),
    tool: await toolDigest(),
    recordings,
    mediaCalls,
    retention,
  };
}

export { fmtBytes, fmtDurationMs, fmtMs, fmtNum } from './format.js';
