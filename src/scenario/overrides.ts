/**
 * `--set path=value` overrides, applied to the raw (YAML-shaped) scenario
 * before validation:
 *
 *   --set load.stages[1].target=1500
 *   --set call.hold=30s
 *   --set 'call.hold={dist: exponential, mean: 20s}'
 *   --set 'criteria.setup_ms=["p(95)<800"]'
 *   --set target=null                      # use the embedded call centre
 *   --set http.load[0].headers.X-Tenant=acme   # any key of a free-keyed mapping (headers, vars, body)
 *
 * Paths are dotted keys with [N] list indexes (N may be the list length, to
 * append); they are checked against the scenario schema, so a typo fails here
 * with the valid keys listed rather than later as an "unknown field". Values are
 * parsed as YAML (so 1500 is a number and 30s a string); a value that YAML would
 * read as a block mapping or list ("a: b", "- x"), or one starting with a {{template}},
 * is kept as the plain string.
 */
import YAML from 'yaml';
import { errors } from '../errors.js';
import { describeValue } from '../util/duration.js';
import { fieldNamesAt, formatPath, isListAt, isRecordAt, keySuggestion } from './schema.js';
import { tryParseMetricName } from './criteria.js';

export type PathSegment = string | number;

export interface AppliedOverride {
  /** As given: "load.stages[1].target=1500". */
  text: string;
  path: PathSegment[];
  value: unknown;
}

const EXAMPLE = 'e.g. --set load.stages[1].target=1500';

function fail(text: string, why: string, details: Record<string, unknown> = {}): never {
  throw errors.overrideInvalid(`--set ${text}: ${why}`, { override: text, ...details });
}

/** "load.stages[1].target" → ["load", "stages", 1, "target"]. Throws CC_ERR_SCENARIO_OVERRIDE. */
export function parseOverridePath(pathText: string, text = pathText): PathSegment[] {
  const bad = (why: string): never => fail(text, `${why} in path ${JSON.stringify(pathText)} (${EXAMPLE})`);
  if (pathText === '') fail(text, `expected path=value (${EXAMPLE})`);
  const segs: PathSegment[] = [];
  let i = 0;
  let expectKey = true;
  while (i < pathText.length) {
    const c = pathText[i];
    if (c === '[') {
      if (segs.length === 0) bad('a list index needs a key before it');
      const close = pathText.indexOf(']', i);
      if (close < 0) bad('unclosed [');
      const inner = pathText.slice(i + 1, close).trim();
      if (!/^\d+$/.test(inner)) bad(`expected a list index [N], got [${inner}]`);
      segs.push(Number(inner));
      i = close + 1;
      expectKey = false;
    } else if (c === '.') {
      if (expectKey) bad('empty key');
      i++;
      expectKey = true;
      if (i === pathText.length) bad('empty key');
    } else if (c === ']') {
      bad('unexpected ]');
    } else {
      if (!expectKey) bad('expected . or [ after a list index');
      let j = i;
      while (j < pathText.length && pathText[j] !== '.' && pathText[j] !== '[' && pathText[j] !== ']') j++;
      segs.push(pathText.slice(i, j).trim());
      i = j;
      expectKey = false;
    }
  }
  return segs;
}

/** YAML scalar (or flow collection) → value; a block mapping/list or invalid YAML stays the plain string. */
export function parseOverrideValue(valueText: string, text = valueText): unknown {
  const trimmed = valueText.trim();
  // "{{user}}" is a template (call.data columns, flow variables), not a flow mapping keyed by a mapping.
  if (trimmed.startsWith('{{')) return valueText;
  const doc = YAML.parseDocument(valueText);
  if (doc.errors.length > 0) {
    if (/^[[{"']/.test(trimmed)) {
      const first = doc.errors[0].message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      fail(text, `the value is not valid YAML: ${first}`);
    }
    return valueText;
  }
  let v: unknown;
  try {
    v = doc.toJS();
  } catch {
    return valueText;
  }
  if (v !== null && typeof v === 'object') {
    const flow = Array.isArray(v) ? trimmed.startsWith('[') : trimmed.startsWith('{');
    if (!flow) return valueText;
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks `path` against the scenario schema; returns it with numeric keys of lists turned into indexes. */
function checkPath(text: string, path: PathSegment[]): PathSegment[] {
  const out: PathSegment[] = [];
  for (const seg of path) {
    const parent = [...out];
    const where = parent.length === 0 ? 'at the top level' : `in ${formatPath(parent)}`;
    if (typeof seg === 'number' || (/^\d+$/.test(seg) && isListAt(parent))) {
      if (!isListAt(parent)) fail(text, `${formatPath(parent)} is not a list`, { path: formatPath(parent) });
      out.push(Number(seg));
      continue;
    }
    // Criteria keys with a selector (criteria.flow_ms{flow:x}) are not fixed fields: the schema parses them.
    if (parent.length === 1 && parent[0] === 'criteria' && tryParseMetricName(seg).ok) {
      out.push(seg);
      continue;
    }
    // Free-keyed mappings (http.load[0].headers.X-Tenant): any key; the schema then checks it as a name.
    if (isRecordAt(parent) && fieldNamesAt(parent).length === 0) {
      out.push(seg);
      continue;
    }
    const keys = fieldNamesAt(parent);
    if (keys.length === 0) {
      fail(text, `${formatPath(parent)} has no fields (it is ${isListAt(parent) ? 'a list: use an index such as [0]' : 'a single value'})`, {
        path: formatPath(parent),
      });
    }
    if (!keys.includes(seg)) {
      const full = formatPath([...parent, seg]);
      const suggestion = keySuggestion(parent, seg, keys);
      const what = parent.length === 1 && parent[0] === 'criteria' ? 'metric' : 'key';
      fail(text, `${full}: unknown ${what} ${JSON.stringify(seg)}; valid keys ${where}: ${keys.join(', ')}${suggestion ? `; ${suggestion}` : ''}`, {
        path: full,
        validKeys: keys,
      });
    }
    out.push(seg);
  }
  return out;
}

/** Sets `value` at `path` in `root` (mutates), creating mappings and list entries on the way. */
function setAt(text: string, root: Record<string, unknown>, path: PathSegment[], value: unknown): void {
  let cursor: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    const here = formatPath(path.slice(0, i));
    if (typeof seg === 'number') {
      if (!Array.isArray(cursor)) fail(text, `${here} is ${describeValue(cursor)}, not a list`);
      const list = cursor as unknown[];
      if (seg > list.length) {
        fail(text, `${here} has ${list.length} entr${list.length === 1 ? 'y' : 'ies'}; index ${seg} is out of range (use [${list.length}] to append)`);
      }
      if (last) {
        list[seg] = value;
        return;
      }
      cursor = descend(text, list, seg, path, i);
    } else {
      const obj = cursor as Record<string, unknown>;
      if (last) {
        obj[seg] = value;
        return;
      }
      cursor = descend(text, obj, seg, path, i);
    }
  }
}

function descend(
  text: string,
  container: Record<string, unknown> | unknown[],
  seg: PathSegment,
  path: PathSegment[],
  i: number,
): Record<string, unknown> | unknown[] {
  const get = () => (container as Record<string | number, unknown>)[seg];
  const set = (v: unknown) => {
    (container as Record<string | number, unknown>)[seg] = v;
  };
  const nextIsIndex = typeof path[i + 1] === 'number';
  const child = get();
  if (child === undefined || child === null) {
    const fresh = nextIsIndex ? [] : {};
    set(fresh);
    return fresh;
  }
  if (nextIsIndex ? Array.isArray(child) : isPlainObject(child)) return child as Record<string, unknown> | unknown[];
  const here = formatPath(path.slice(0, i + 1));
  fail(text, `${here} is ${describeValue(child)}, not a ${nextIsIndex ? 'list' : 'mapping'}; set ${here} as a whole instead (e.g. --set '${here}={...}')`, {
    path: here,
  });
}

/**
 * Applies the overrides in order to a deep copy of `raw` (a missing/empty
 * document counts as {}). Throws CC_ERR_SCENARIO_OVERRIDE
 * `--set <override>: <what is wrong>` on the first bad one.
 */
export function applyOverrides(raw: unknown, overrides: readonly string[]): { value: unknown; applied: AppliedOverride[] } {
  if (overrides.length === 0) return { value: raw, applied: [] };
  const root = raw === undefined || raw === null ? {} : structuredClone(raw);
  if (!isPlainObject(root)) {
    fail(overrides[0], `the scenario is ${describeValue(root)}, not a mapping`);
  }
  const applied: AppliedOverride[] = [];
  for (const text of overrides) {
    const eq = text.indexOf('=');
    if (eq <= 0) fail(text, `expected path=value (${EXAMPLE})`);
    const pathText = text.slice(0, eq).trim();
    const path = checkPath(text, parseOverridePath(pathText, text));
    const value = parseOverrideValue(text.slice(eq + 1), text);
    setAt(text, root, path, value);
    applied.push({ text, path, value });
  }
  return { value: root, applied };
}
