/**
 * Reads a run's results back for `report`, `verify` and `compare`. Accepts a
 * results directory or a results.json path; a document of an older
 * schemaVersion is migrated (migrate.ts), then validated against the declared
 * shape (schema.ts). Errors name the file, the first failing field and what was
 * expected, in one line.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../errors.js';
import type { z } from 'zod';
import { expectedGot } from '../util/duration.js';
import { migrateResults, OLDEST_SCHEMA_VERSION } from './migrate.js';
import { ResultsSchema, SCHEMA_VERSION, type Results } from './schema.js';

export interface LoadedResults {
  /** The parsed document. */
  results: Results;
  /** The exact bytes of results.json (hashed and attached as they are, never re-serialised). */
  bytes: Buffer;
  /** Absolute path of results.json. */
  file: string;
  /** Directory holding it (calls.jsonl, scenario.yaml, scenario.resolved.json sit beside it). */
  dir: string;
}

/** `p` is a results directory or a results.json file. */
export async function readResults(p: string): Promise<LoadedResults> {
  let file = path.resolve(p);
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'results.json');
  } catch {
    throw errors.resultsNotFound(`${p}: no such results directory or file (expected a run's --out directory or its results.json)`, { path: p });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw errors.resultsNotFound(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected the results.json a run writes`, { path: file });
  }
  return { results: parseResults(bytes, file), bytes, file, dir: path.dirname(file) };
}

/** The checks every reader of a results.json makes (`file` names it in errors: a path, or "attached results.json"). */
export function parseResults(bytes: Buffer, file: string): Results {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw errors.resultsInvalid(`${file}: not valid JSON (${(e as Error).message})`, { path: file });
  }
  const d = doc as { tool?: { name?: unknown }; schemaVersion?: unknown } | null;
  if (d === null || typeof d !== 'object' || Array.isArray(d) || d.tool?.name !== 'callcert' || typeof d.schemaVersion !== 'number') {
    throw errors.resultsInvalid(`${file}: not a callcert results document (expected tool.name "callcert" and a schemaVersion)`, { path: file });
  }
  const version = d.schemaVersion;
  if (version > SCHEMA_VERSION) {
    throw errors.resultsInvalid(`${file}: schemaVersion ${version} is newer than this callcert reads (${SCHEMA_VERSION}); upgrade callcert`, { path: file });
  }
  if (!Number.isInteger(version) || version < OLDEST_SCHEMA_VERSION) {
    throw errors.resultsInvalid(`${file}: schemaVersion ${version} was never written by callcert (expected ${OLDEST_SCHEMA_VERSION} to ${SCHEMA_VERSION})`, { path: file });
  }
  const migrated = version < SCHEMA_VERSION ? migrateResults(d as Record<string, unknown>, version) : d;
  const r = ResultsSchema.safeParse(migrated, { reportInput: true });
  if (!r.success) {
    const from = version === SCHEMA_VERSION ? '' : ` (migrated from schemaVersion ${version})`;
    throw errors.resultsInvalid(`${file}: ${issueText(r.error.issues[0])}${from}; expected a complete results.json of schemaVersion ${SCHEMA_VERSION}`, { path: file });
  }
  return r.data;
}

/** `summary.calls.attempted`, `timeline[3].t`; the document root is "results.json". */
function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out === '' ? 'results.json' : out;
}

/** One zod issue as `<path>: expected <what>, got <value>` (zod's own message for other kinds). */
function issueText(iss: z.core.$ZodIssue): string {
  const at = pathText(iss.path);
  if (iss.code === 'invalid_type') return `${at}: ${expectedGot(article(iss.expected), iss.input)}`;
  if (iss.code === 'invalid_value') return `${at}: ${expectedGot(`one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`, iss.input)}`;
  return `${at}: ${iss.message}`;
}

const article = (t: string): string => (t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : t === 'null' ? 'null' : `a ${t}`);
