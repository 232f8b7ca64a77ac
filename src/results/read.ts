/**
 * Reads a run's results back for `report`, `verify` and `compare`. Accepts a
 * results directory or a results.json path; errors name the file and what was
 * expected, in one line.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../errors.js';
import { SCHEMA_VERSION, type Results } from './summary.js';

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
  const d = doc as Partial<Results> | null;
  if (d === null || typeof d !== 'object' || d.tool?.name !== 'callcert' || typeof d.schemaVersion !== 'number') {
    throw errors.resultsInvalid(`${file}: not a callcert results document (expected tool.name "callcert" and a schemaVersion)`, { path: file });
  }
  if (d.schemaVersion > SCHEMA_VERSION) {
    throw errors.resultsInvalid(`${file}: schemaVersion ${d.schemaVersion} is newer than this callcert reads (${SCHEMA_VERSION}); upgrade callcert`, { path: file });
  }
  if (d.summary === undefined || d.criteria === undefined || d.timeline === undefined) {
    throw errors.resultsInvalid(`${file}: missing summary, criteria or timeline (expected a complete results.json)`, { path: file });
  }
  return d as Results;
}
