/**
 * `{{variable}}` templates for flow requests (URL, headers, JSON body).
 *
 * A template is compiled once (at scenario load, so an unknown or misspelt
 * variable is a scenario error naming its path, not a run-time surprise) into
 * literal and variable parts; rendering is a join. Variables are strings,
 * numbers, booleans or JSON values picked by `extract`. In a JSON body a string
 * that is exactly one `{{var}}` is replaced by the raw value (a number stays a
 * number); anywhere else values are interpolated as text.
 *
 * Built-ins (see BUILTIN_VARS): flowId (unique across workers), worker,
 * uas.uri / uas.user / uas.host / uas.port (callcert's own UAS, with a user
 * part unique to the flow instance — cc<flowId> for the scenario's first flow,
 * cc<flowId>-f<k> for its k-th — so the INVITE the platform sends back can be
 * matched to the flow that asked for it).
 */

export type VarValue = string | number | boolean | null | readonly unknown[] | { readonly [k: string]: unknown };
export type Vars = ReadonlyMap<string, VarValue> | Map<string, VarValue>;

export const BUILTIN_VARS = ['flowId', 'worker', 'uas.uri', 'uas.user', 'uas.host', 'uas.port'] as const;

const VAR_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export interface Template {
  readonly source: string;
  /** Alternating literal, variable, literal, ... (starts and ends with a literal). */
  readonly parts: readonly string[];
  readonly vars: readonly string[];
}

export class TemplateError extends Error {
  constructor(message: string, readonly variable: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Compiles `text`; throws TemplateError for a `{{` that does not open a valid `{{name}}`. */
export function compileTemplate(text: string): Template {
  const parts: string[] = [];
  const vars: string[] = [];
  let last = 0;
  for (const m of text.matchAll(VAR_RE)) {
    parts.push(text.slice(last, m.index), m[1]);
    vars.push(m[1]);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  for (let i = 0; i < parts.length; i += 2) {
    const at = parts[i].indexOf('{{');
    if (at >= 0) {
      const snippet = parts[i].slice(at, at + 24);
      throw new TemplateError(`"${snippet}" is not a variable: write {{name}} with letters, digits, "_", "." or "-"`, snippet);
    }
  }
  return { source: text, parts, vars };
}

function text(v: VarValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** Renders with `vars`; a missing variable throws TemplateError (validation normally rules that out). */
export function render(t: Template, vars: Vars): string {
  if (t.parts.length === 1) return t.parts[0];
  let out = t.parts[0];
  for (let i = 1; i < t.parts.length; i += 2) {
    const v = vars.get(t.parts[i]);
    if (v === undefined) throw new TemplateError(`variable {{${t.parts[i]}}} is not set`, t.parts[i]);
    out += text(v) + t.parts[i + 1];
  }
  return out;
}

/** A JSON body with templates in its string leaves (and keys left as they are). */
export type BodyTemplate =
  | { kind: 'text'; t: Template }
  | { kind: 'raw'; name: string }
  | { kind: 'value'; v: string | number | boolean | null }
  | { kind: 'array'; items: BodyTemplate[] }
  | { kind: 'object'; entries: Array<[string, BodyTemplate]> };

export function compileBody(v: unknown): BodyTemplate {
  if (typeof v === 'string') {
    const t = compileTemplate(v);
    // Exactly one variable and nothing else: keep the value's JSON type.
    if (t.vars.length === 1 && t.parts[0] === '' && t.parts[2] === '') return { kind: 'raw', name: t.vars[0] };
    return t.vars.length === 0 ? { kind: 'value', v } : { kind: 'text', t };
  }
  if (Array.isArray(v)) return { kind: 'array', items: v.map(compileBody) };
  if (typeof v === 'object' && v !== null) return { kind: 'object', entries: Object.entries(v).map(([k, x]) => [k, compileBody(x)]) };
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return { kind: 'value', v };
  throw new TemplateError(`a body value must be JSON (got ${typeof v})`, '');
}

export function bodyVars(b: BodyTemplate, out: string[] = []): string[] {
  switch (b.kind) {
    case 'text': out.push(...b.t.vars); break;
    case 'raw': out.push(b.name); break;
    case 'array': for (const i of b.items) bodyVars(i, out); break;
    case 'object': for (const [, x] of b.entries) bodyVars(x, out); break;
  }
  return out;
}

export function renderBody(b: BodyTemplate, vars: Vars): unknown {
  switch (b.kind) {
    case 'value': return b.v;
    case 'text': return render(b.t, vars);
    case 'raw': {
      const v = vars.get(b.name);
      if (v === undefined) throw new TemplateError(`variable {{${b.name}}} is not set`, b.name);
      return v;
    }
    case 'array': return b.items.map((i) => renderBody(i, vars));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of b.entries) o[k] = renderBody(x, vars);
      return o;
    }
  }
}
