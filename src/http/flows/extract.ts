/**
 * A small JSONPath subset for `extract` and `expect`/`until` body checks:
 *
 *   $            the whole document
 *   $.a.b        object members (identifier-like names)
 *   $.a[0]       array elements (index >= 0; [-1] is the last)
 *   $["a b"]     members with any name, in double quotes
 *
 * No wildcards, filters or recursive descent: a flow picks one value, and a
 * path that could match several would hide which one was used. Paths are
 * parsed at scenario load (errors name the offending character); a path that
 * does not match the response is a per-flow `extract_failed`, with the first
 * segment that was missing in the reason.
 */

export type PathSeg = string | number;

export interface JsonPath {
  readonly source: string;
  readonly segs: readonly PathSeg[];
}

export class PathSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathSyntaxError';
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

export function parseJsonPath(source: string): JsonPath {
  const bad = (at: number, what: string): never => {
    throw new PathSyntaxError(`${JSON.stringify(source)}: ${what} at character ${at + 1} (a path such as $.data.items[0].id)`);
  };
  if (!source.startsWith('$')) bad(0, 'expected "$"');
  const segs: PathSeg[] = [];
  let i = 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '.') {
      const m = IDENT.exec(source.slice(i + 1));
      if (m === null) bad(i + 1, 'expected a member name after "."');
      segs.push(m![0]);
      i += 1 + m![0].length;
    } else if (c === '[') {
      const close = source.indexOf(']', i);
      if (close < 0) bad(i, 'unclosed "["');
      const inner = source.slice(i + 1, close).trim();
      if (/^-?\d+$/.test(inner)) segs.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) segs.push(JSON.parse(inner) as string);
      else bad(i + 1, `expected an index or a "quoted name" in [], got [${inner}]`);
      i = close + 1;
    } else {
      bad(i, `unexpected ${JSON.stringify(c)}`);
    }
  }
  return { source, segs };
}

function show(segs: readonly PathSeg[], n: number): string {
  let out = '$';
  for (const s of segs.slice(0, n)) out += typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  return out;
}

export type PickResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** The value at `path` in `doc`; a miss says where and why. */
export function pick(path: JsonPath, doc: unknown): PickResult {
  let cur = doc;
  for (let k = 0; k < path.segs.length; k++) {
    const s = path.segs[k];
    if (typeof s === 'number') {
      if (!Array.isArray(cur)) return { ok: false, reason: `${show(path.segs, k)} is ${kind(cur)}, not an array` };
      const idx = s < 0 ? cur.length + s : s;
      if (idx < 0 || idx >= cur.length) return { ok: false, reason: `${show(path.segs, k)} has ${cur.length} element(s), no [${s}]` };
      cur = cur[idx];
    } else {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return { ok: false, reason: `${show(path.segs, k)} is ${kind(cur)}, not an object` };
      if (!Object.hasOwn(cur, s)) return { ok: false, reason: `${show(path.segs, k + 1)} is missing` };
      cur = (cur as Record<string, unknown>)[s];
    }
  }
  return { ok: true, value: cur };
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export type ParsedBody = { ok: true; json: unknown } | { ok: false; reason: string };

/** Parses a response body as JSON; the reason quotes the content-type and the first bytes. */
export function parseJsonBody(text: string, contentType: string | undefined): ParsedBody {
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch {
    const head = text.slice(0, 40).replace(/\s+/g, ' ');
    return { ok: false, reason: `the body is not JSON (content-type ${contentType ?? 'none'}, starts ${JSON.stringify(head)})` };
  }
}
