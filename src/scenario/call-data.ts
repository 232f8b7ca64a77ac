/**
 * `call.data`: per-call data (caller identities, numbers to dial, credentials)
 * from a file, read once on the main thread, validated at scenario load and
 * shipped to the workers as rows (engine/call-identity.ts picks call k's row).
 *
 * Two formats, told apart by the first line:
 *   - CSV with a header row naming the columns (parseCsv, as for http.flows feeders);
 *   - SIPp's injection file (`-inf`): a first line SEQUENTIAL, RANDOM or USER, then
 *     one `;`-separated row a line, no header; the columns are field0, field1, ...
 *     (a `;` ending a line ends the row; lines starting with # are comments).
 *     SEQUENTIAL and USER read the rows in order, RANDOM at random; the scenario's
 *     `order` wins over the file's.
 *
 * Orders: sequential (call k gets row k mod rows), random (the worker's seeded
 * generator), unique (call k gets row k; calls past the last row fail with
 * cause data_exhausted).
 *
 * Values referenced by a `{{column}}` are checked here for every row (a From user
 * must be a SIP user name, a header value one line, ...), so a bad row is a
 * scenario error naming the file, the line and the field, not a malformed INVITE.
 * Password values are never printed.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { FeederData } from '../http/flows/feeder.js';
import { CsvError, parseCsv, parseRecords, readTextFile } from '../util/csv.js';
import { compileTemplate, TemplateError, type Template } from '../http/flows/template.js';
import { expectedGot } from '../util/duration.js';
import { errors } from '../errors.js';
import type { Scenario } from './types.js';
import { SIP_USER_EXPECTED, SIP_USER_RE, type ScenarioInput } from './schema.js';

export type CallDataOrder = 'sequential' | 'random' | 'unique';

export interface CallDataSpec {
  /** Absolute path (relative paths are taken from the scenario file's folder). */
  file: string;
  /** null: the SIPp file's first line decides (sequential for CSV). */
  order: CallDataOrder | null;
}

/** What the workers get: the rows and how to pick them (pickRow), plus each row's line for messages. */
export interface CallData extends FeederData {
  format: 'csv' | 'sipp';
  /** Line of the file each row is on (1-based). */
  lines: number[];
}

const SIPP_ORDERS: Record<string, 'sequential' | 'random'> = { SEQUENTIAL: 'sequential', RANDOM: 'random', USER: 'sequential' };

/** Parses a SIPp injection file (first line already known to be one of SIPP_ORDERS). */
function parseSipp(rest: string): { columns: string[]; rows: string[][]; lines: number[] } {
  const records = parseRecords(rest, { delimiter: ';', quotes: false, firstLine: 2 }).filter((r) => !r.fields[0].startsWith('#'));
  if (records.length === 0) throw new CsvError('no data lines after the first line (SEQUENTIAL, RANDOM or USER)', 2);
  const rows: string[][] = [];
  let width = -1;
  let widthLine = 0;
  for (const r of records) {
    const fields = r.fields.length > 1 && r.fields[r.fields.length - 1] === '' ? r.fields.slice(0, -1) : r.fields;
    const cut = fields.map((f) => (f.endsWith('\r') ? f.slice(0, -1) : f));
    if (width < 0) {
      width = cut.length;
      widthLine = r.line;
    } else if (cut.length !== width) {
      throw new CsvError(`line ${r.line}: ${cut.length} field(s) separated by ";", expected ${width} (as on line ${widthLine})`, r.line);
    }
    rows.push(cut);
  }
  return { columns: Array.from({ length: width }, (_, i) => `field${i}`), rows, lines: records.map((r) => r.line) };
}

/** Parses call data text in either format; throws CsvError naming the line. */
export function parseCallData(text: string, order: CallDataOrder | null): CallData {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const nl = src.indexOf('\n');
  const first = (nl < 0 ? src : src.slice(0, nl)).trim();
  const sippOrder = Object.hasOwn(SIPP_ORDERS, first) ? SIPP_ORDERS[first] : undefined;
  if (sippOrder === undefined && /^(SEQUENTIAL|RANDOM|USER)\s*[,;]/.test(first)) {
    throw new CsvError(`line 1: expected SEQUENTIAL, RANDOM or USER alone (SIPp options such as PRINTF are not supported), got ${JSON.stringify(first)}`, 1);
  }
  let table: { columns: string[]; rows: string[][]; lines: number[] };
  if (sippOrder !== undefined) table = parseSipp(nl < 0 ? '' : src.slice(nl + 1));
  else {
    const csv = parseCsv(src);
    // parseCsv skips blank lines: recover each row's line for messages.
    const lines = parseRecords(src).slice(1).map((r) => r.line);
    table = { ...csv, lines };
  }
  const effective = order ?? sippOrder ?? 'sequential';
  return {
    columns: table.columns,
    rows: table.rows,
    lines: table.lines,
    format: sippOrder === undefined ? 'csv' : 'sipp',
    order: effective === 'random' ? 'random' : 'sequential',
    recycle: effective !== 'unique',
  };
}

/** Reads `spec.file`; throws CsvError (message without the file name). */
export function readCallData(spec: CallDataSpec): CallData {
  return parseCallData(readTextFile(spec.file), spec.order);
}

/** For the run: readCallData, a failure being a scenario error naming the file (it changed since validation). */
export function readCallDataForRun(spec: CallDataSpec | null): CallData | null {
  if (spec === null) return null;
  try {
    return readCallData(spec);
  } catch (e) {
    throw errors.scenarioInvalid(`call.data.file: ${spec.file}: ${(e as Error).message}`, { file: spec.file });
  }
}

/** A relative data path resolved from the scenario file's folder, or the working directory for a command-line scenario. */
export function resolveDataPath(file: string, source: string): string {
  if (isAbsolute(file)) return file;
  const base = source.endsWith('.yaml') || source.endsWith('.yml') ? dirname(resolve(source)) : process.cwd();
  return resolve(base, file);
}

// ---------------------------------------------------------------------------
// Validation

type Path = Array<string | number>;
export interface CallDataProblem {
  path: Path;
  message: string;
}

/** What a rendered value must be, by where it goes. */
export type FieldKind = 'user' | 'display' | 'header' | 'authUser' | 'password';

const CHECKS: Record<FieldKind, { ok: (v: string) => boolean; expected: string }> = {
  user: { ok: (v) => SIP_USER_RE.test(v), expected: SIP_USER_EXPECTED },
  display: { ok: (v) => v.length <= 128 && !/[\r\n\0]/.test(v), expected: 'a display name on one line (at most 128 characters)' },
  header: { ok: (v) => !/[\r\n\0]/.test(v), expected: 'a header value on one line' },
  authUser: { ok: (v) => v !== '' && !/[\r\n\0]/.test(v), expected: 'a non-empty user name on one line' },
  password: { ok: () => true, expected: '' },
};

/** Every templated field of a call, with its scenario path and kind. */
export interface CallField {
  path: Path;
  text: string;
  kind: FieldKind;
}

export function callFields(input: ScenarioInput, s: Scenario): CallField[] {
  const out: CallField[] = [];
  const auth = s.target?.auth ?? null;
  // A From user taken from the auth user is checked as a SIP user at the auth user's path.
  out.push({ path: input.call?.from !== undefined ? ['call', 'from'] : ['target', 'auth', 'username'], text: s.call.fromUser, kind: 'user' });
  if (s.call.displayName !== null) out.push({ path: ['call', 'displayName'], text: s.call.displayName, kind: 'display' });
  if (s.call.toUser !== null) out.push({ path: ['call', 'to'], text: s.call.toUser, kind: 'user' });
  for (const [name, value] of Object.entries(s.call.headers)) out.push({ path: ['call', 'headers', name], text: value, kind: 'header' });
  if (auth !== null) {
    out.push({ path: ['target', 'auth', 'username'], text: auth.username, kind: 'authUser' });
    out.push({ path: ['target', 'auth', 'password'], text: auth.password, kind: 'password' });
  }
  return out;
}

function render(t: Template, row: readonly string[], index: ReadonlyMap<string, number>): string {
  let out = t.parts[0];
  for (let i = 1; i < t.parts.length; i += 2) out += row[index.get(t.parts[i])!] + t.parts[i + 1];
  return out;
}

/**
 * The rules of call.data and the {{column}} templates of the call: templates compile, name
 * columns of the file, and render valid values for every row; all problems at once.
 */
export function callDataProblems(input: ScenarioInput, s: Scenario): CallDataProblem[] {
  const out: CallDataProblem[] = [];
  const compiled: Array<CallField & { t: Template }> = [];
  for (const f of callFields(input, s)) {
    try {
      const t = compileTemplate(f.text);
      if (t.vars.length > 0) compiled.push({ ...f, t });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      out.push({ path: f.path, message: `expected {{column}} templates, got ${e.message}` });
    }
  }
  const spec = s.call.data;
  if (spec === null) {
    for (const f of compiled) {
      out.push({ path: f.path, message: `expected call.data (a file with a column ${f.t.vars[0]}) for {{${f.t.vars[0]}}}, got no call.data` });
    }
    return out;
  }
  let data: CallData;
  try {
    data = readCallData(spec);
  } catch (e) {
    out.push({ path: ['call', 'data', 'file'], message: `${spec.file}: ${(e as Error).message}` });
    return out;
  }
  const index = new Map(data.columns.map((c, i) => [c, i]));
  const usable = compiled.filter((f) => {
    const missing = f.t.vars.filter((v) => !index.has(v));
    for (const v of missing) {
      out.push({ path: f.path, message: expectedGot(`a column of ${spec.file} (${data.format === 'sipp' ? 'SIPp format: ' : ''}${data.columns.join(', ')})`, `{{${v}}}`) });
    }
    return missing.length === 0 && f.kind !== 'password';
  });
  for (const f of usable) {
    const check = CHECKS[f.kind];
    for (let r = 0; r < data.rows.length; r++) {
      const v = render(f.t, data.rows[r], index);
      if (!check.ok(v)) {
        out.push({ path: f.path, message: `${spec.file}: line ${data.lines[r]}: ${expectedGot(check.expected, v)} (from ${f.text})` });
        break;
      }
    }
  }
  return out;
}
