/**
 * Retention, re-checked: `callcert probe recordings RESULTS_DIR`, run days after a run, fetches
 * the recordings of that run's answered calls again — with that run's own recording settings
 * (scenario.resolved.json `recordings`, paths already absolute) and records (calls.jsonl) — and
 * writes a small results file of its own: how many are still there and valid, and the age of the
 * oldest one confirmed (now − its call's answer). One run proves a recording exists; only a later
 * look proves it was kept (the licence asks ≥ 30 days).
 *
 * The resolved scenario has its secrets blanked: an HTTP source's credentials are given again
 * (`auth`), never read back from the file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../errors.js';
import { readResults } from '../results/read.js';
import type { G711Law } from '../media/g711.js';
import { REDACTED } from '../scenario/secrets.js';
import type { RecordingAuth, RecordingsProbeSpec } from '../scenario/recordings.js';
import type { RecordingFailureCause, RecordingsResults } from '../results/schema.js';
import { answeredCalls, probeRecordings, type CallCheck } from './recording-probe.js';

export const RETENTION_KIND = 'callcert-retention-probe';
export const RETENTION_SCHEMA_VERSION = 1;
/** Calls named per failure cause in the file: enough to look one up, not a second calls.jsonl. */
const EXAMPLES_PER_CAUSE = 10;

export interface RetentionResults {
  kind: typeof RETENTION_KIND;
  schemaVersion: number;
  tool: { name: 'callcert'; version: string };
  /** When this probe ran (ISO 8601, UTC). */
  probedAt: string;
  /** The run re-checked: its start and end, and the SHA-256 of its results.json. */
  run: { startedAt: string; endedAt: string | null; resultsSha256: string };
  /** The recording source probed (kind and where; credentials never). */
  source: { kind: RecordingsProbeSpec['source']['kind']; where: string };
  /** As summary.recordings of a run: calls checked, valid, completeness, failures by cause. */
  summary: RecordingsResults;
  /** Age of the oldest recording found valid: now − its call's answer, ms (null: none valid). */
  oldestConfirmedAgeMs: number | null;
  /** The same in days, 3 decimals. */
  oldestConfirmedAgeDays: number | null;
  /** now − the run's end, ms: how long the platform had to lose them. */
  runAgeMs: number | null;
  /** A few Call-IDs per failure cause. */
  examples: Partial<Record<RecordingFailureCause, string[]>>;
}

export interface RetentionOptions {
  /** Credentials for an HTTP source whose resolved scenario had them blanked. */
  auth: RecordingAuth;
  /** Where a path template goes: the run's http.baseUrl unless given. */
  baseUrl: string | null;
  /** Replaces the run's `recordings.sample` (null: keep the run's). */
  sample: number | null;
  toolVersion: string;
  now?: () => number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw errors.resultsNotFound(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected ${what}`, { path: file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.resultsInvalid(`${file}: not valid JSON (${(e as Error).message})`, { path: file });
  }
}

/** The run's recording settings, codec and base URL from its scenario.resolved.json. */
export function probeSettingsOf(doc: unknown, file: string): { spec: RecordingsProbeSpec; law: G711Law; baseUrl: string | null } {
  const bad = (field: string, expected: string): never => {
    throw errors.resultsInvalid(`${file}: ${field}: expected ${expected}`, { path: file, field });
  };
  if (!isObj(doc)) return bad('(document)', 'the resolved scenario a run writes (a JSON object)');
  const rec = doc.recordings;
  if (rec === null || rec === undefined) {
    throw errors.usage(`${file}: recordings: the run had no recording probe (scenario \`recordings:\`), so there is nothing to re-check`, { path: file });
  }
  if (!isObj(rec) || !isObj(rec.source)) return bad('recordings.source', 'a recording source { kind, … }');
  const codec = isObj(doc.media) ? doc.media.codec : undefined;
  if (codec !== 'pcmu' && codec !== 'pcma') return bad('media.codec', '"pcmu" or "pcma" (a run with a recording probe has media)');
  const src = rec.source;
  const kind = src.kind;
  if (kind === 'http') {
    if (typeof src.url !== 'string') bad('recordings.source.url', 'a URL template');
  } else if (kind === 'directory') {
    if (typeof src.pattern !== 'string') bad('recordings.source.pattern', 'a path template');
  } else if (kind === 'rtpengine') {
    if (typeof src.dir !== 'string') bad('recordings.source.dir', 'rtpengine\'s recording directory');
  } else {
    bad('recordings.source.kind', '"http", "directory" or "rtpengine"');
  }
  for (const k of ['toleranceMs', 'silenceDbov', 'delayMs', 'concurrency'] as const) {
    if (typeof rec[k] !== 'number') bad(`recordings.${k}`, 'a number');
  }
  if (typeof rec.marker !== 'boolean') bad('recordings.marker', 'true or false');
  if (rec.sample !== null && typeof rec.sample !== 'number') bad('recordings.sample', 'a number or null');
  const http = isObj(doc.http) ? doc.http : null;
  const baseUrl = typeof http?.baseUrl === 'string' ? http.baseUrl : null;
  return { spec: rec as unknown as RecordingsProbeSpec, law: codec, baseUrl };
}

const hasRedacted = (a: RecordingAuth): boolean =>
  a !== null && (a.kind === 'bearer' ? a.token === REDACTED : a.username === REDACTED || a.password === REDACTED);

function sourceWhere(s: RecordingsProbeSpec['source']): string {
  return s.kind === 'http' ? s.url : s.kind === 'directory' ? s.pattern : s.dir;
}

/** Re-checks the recordings of the run in `dir` (its results.json, scenario.resolved.json and calls.jsonl). */
export async function probeRetention(dir: string, o: RetentionOptions): Promise<{ results: RetentionResults; checks: CallCheck[] }> {
  const now = o.now ?? Date.now;
  // The same reading as report and verify: migrated to today's schema and validated, errors naming the field.
  const { results: run, bytes: resultsBytes, dir: runDir } = await readResults(dir);
  const startedAt = Date.parse(run.startedAt);
  const endedAt = run.endedAt === null ? NaN : Date.parse(run.endedAt);

  const resolvedFile = path.join(runDir, 'scenario.resolved.json');
  const settings = probeSettingsOf(await readJson(resolvedFile, 'the resolved scenario the run wrote'), resolvedFile);
  let { spec } = settings;
  if (spec.source.kind === 'http') {
    const auth = o.auth ?? (hasRedacted(spec.source.auth) ? null : spec.source.auth);
    if (auth === null && spec.source.auth !== null) {
      throw errors.usage(
        `${resolvedFile}: recordings.http.auth: the run's credentials are blanked in the results; give them again (--token-env VAR, or --username U --password-env VAR)`,
        { path: resolvedFile },
      );
    }
    spec = { ...spec, source: { ...spec.source, auth } };
  }
  if (o.sample !== null) spec = { ...spec, sample: o.sample };
  // No wait this time: the calls ended days ago.
  spec = { ...spec, delayMs: 0 };

  const calls = await answeredCalls(path.join(runDir, 'calls.jsonl'));
  const { summary, checks } = await probeRecordings(spec, calls, {
    runStartEpochMs: startedAt,
    law: settings.law,
    http: { baseUrl: o.baseUrl ?? settings.baseUrl, defaultToken: null },
  });
  const t = now();
  let oldest: number | null = null;
  const examples: RetentionResults['examples'] = {};
  for (const c of checks) {
    if (c.valid) {
      const age = t - (startedAt + c.call.answerMs);
      if (oldest === null || age > oldest) oldest = age;
    } else if (c.cause !== null) {
      const list = (examples[c.cause] ??= []);
      if (list.length < EXAMPLES_PER_CAUSE) list.push(c.call.id);
    }
  }
  return {
    results: {
      kind: RETENTION_KIND,
      schemaVersion: RETENTION_SCHEMA_VERSION,
      tool: { name: 'callcert', version: o.toolVersion },
      probedAt: new Date(t).toISOString(),
      run: {
        startedAt: new Date(startedAt).toISOString(),
        endedAt: Number.isFinite(endedAt) ? new Date(endedAt).toISOString() : null,
        resultsSha256: createHash('sha256').update(resultsBytes).digest('hex'),
      },
      source: { kind: spec.source.kind, where: sourceWhere(spec.source) },
      summary,
      oldestConfirmedAgeMs: oldest === null ? null : Math.round(oldest),
      oldestConfirmedAgeDays: oldest === null ? null : Math.round((oldest / 86_400_000) * 1000) / 1000,
      runAgeMs: Number.isFinite(endedAt) ? Math.round(t - endedAt) : null,
      examples,
    },
    checks,
  };
}
