/**
 * The Prometheus text exposition format (version 0.0.4), read into flat samples: what
 * node_exporter, Kamailio's and FreeSWITCH's exporters and any other `/metrics` endpoint
 * serve. Comments (# HELP, # TYPE and any other) are skipped; a sample line is
 *
 *   metric_name [ "{" label="value" { "," label="value" } [ "," ] "}" ] value [ timestamp ]
 *
 * with label values escaped as \\, \" and \n, and values in Go's float syntax (1e+10, NaN,
 * +Inf, -Inf). A line that does not parse is reported with its number and skipped: one odd
 * line of an exporter never loses the rest of its scrape. Never throws.
 */

export interface ExpositionSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  /** The sample's own timestamp (ms since the epoch), when the exporter gave one. */
  timestampMs: number | null;
}

export interface ExpositionError {
  /** 1-based line number. */
  line: number;
  message: string;
}

export interface Exposition {
  samples: ExpositionSample[];
  errors: ExpositionError[];
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** Go's float syntax as exporters write it (strconv.FormatFloat 'g'), plus NaN and ±Inf. */
export function parseFloatValue(s: string): number | null {
  switch (s) {
    case 'NaN': return NaN;
    case '+Inf': case 'Inf': return Infinity;
    case '-Inf': return -Infinity;
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

class LineError extends Error {}

/** One sample line (no comment, not blank). */
function parseLine(text: string): ExpositionSample {
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  if (!NAME_START.test(text[i] ?? '')) throw new LineError('expected a metric name');
  const nameStart = i;
  while (i < n && NAME_CHAR.test(text[i])) i++;
  const name = text.slice(nameStart, i);
  const labels: Record<string, string> = {};
  skipSpace();
  if (text[i] === '{') {
    i++;
    for (;;) {
      skipSpace();
      if (text[i] === '}') { i++; break; }
      if (!LABEL_START.test(text[i] ?? '')) throw new LineError(`expected a label name or "}" at column ${i + 1}`);
      const ls = i;
      while (i < n && LABEL_CHAR.test(text[i])) i++;
      const label = text.slice(ls, i);
      skipSpace();
      if (text[i] !== '=') throw new LineError(`expected "=" after label ${label}`);
      i++;
      skipSpace();
      if (text[i] !== '"') throw new LineError(`expected a quoted value for label ${label}`);
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw new LineError(`unterminated value of label ${label}`);
        const c = text[i++];
        if (c === '"') break;
        if (c === '\\') {
          const e = text[i++];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
        } else value += c;
      }
      if (Object.hasOwn(labels, label)) throw new LineError(`label ${label} given twice`);
      labels[label] = value;
      skipSpace();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; break; }
      throw new LineError(`expected "," or "}" after label ${label}`);
    }
  }
  const rest = text.slice(i).trim().split(/[ \t]+/);
  if (rest.length === 0 || rest[0] === '') throw new LineError(`expected a value after ${name}`);
  if (rest.length > 2) throw new LineError(`expected a value and at most a timestamp after ${name}`);
  const value = parseFloatValue(rest[0]);
  if (value === null) throw new LineError(`expected a number as the value of ${name}, got ${JSON.stringify(rest[0])}`);
  let timestampMs: number | null = null;
  if (rest.length === 2) {
    if (!/^-?\d+$/.test(rest[1])) throw new LineError(`expected an integer timestamp (ms) after the value of ${name}`);
    timestampMs = Number(rest[1]);
  }
  return { name, labels, value, timestampMs };
}

export function parseExposition(text: string): Exposition {
  const samples: ExpositionSample[] = [];
  const errors: ExpositionError[] = [];
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].endsWith('\r') ? lines[k].slice(0, -1) : lines[k];
    const t = line.trimStart();
    if (t === '' || t.startsWith('#')) continue;
    try {
      samples.push(parseLine(t));
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      errors.push({ line: k + 1, message: e.message });
    }
  }
  return { samples, errors };
}
