/**
 * Passwords and tokens never appear in a report. The scenario YAML is shown in
 * an appendix, so its secret-looking values are replaced; the secret values
 * themselves are kept (in memory only) to check that nothing else the report
 * prints or attaches contains them.
 */
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { SECRET_KEY, redactUrisInText } from '../scenario/secrets.js';

export const REDACTED = '***';
/** Quoted: a bare *** would be a YAML alias. */
const REDACTED_YAML = '"***"';

export interface Redacted {
  /** The YAML with secret values replaced (comments and layout kept). */
  text: string;
  /** The secret values found (only strings of ≥ 4 characters: shorter ones would match innocent text). */
  secrets: string[];
}

export function redactScenarioYaml(yamlText: string): Redacted {
  const secrets: string[] = [];
  const doc = parseDocument(yamlText);
  if (doc.errors.length > 0) return { text: '(scenario.yaml could not be parsed; not shown)', secrets };
  // Source ranges of the values to blank out: the original text is kept as written (comments, layout),
  // only those spans are replaced.
  const spans: Array<[number, number]> = [];
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !SECRET_KEY.test(String(pair.key.value))) return;
      const v = pair.value as { range?: [number, number, number] } | null;
      const keep = (x: unknown) => String(x).length >= 4 && secrets.push(String(x));
      if (isScalar(pair.value)) keep(pair.value.value);
      else if (pair.value !== null && typeof pair.value === 'object') visit(pair.value as Parameters<typeof visit>[0], { Scalar: (_k, n) => void keep(n.value) });
      if (v?.range) spans.push([v.range[0], v.range[1]]);
      return visit.SKIP;
    },
  });
  let text = yamlText;
  for (const [a, b] of spans.sort((x, y) => y[0] - x[0])) text = text.slice(0, a) + REDACTED_YAML + text.slice(b);
  // Inside URIs: sip:user:pw@host, https://user:pw@host, ?access_token=….
  const inUris: string[] = [];
  text = redactUrisInText(text, REDACTED, inUris);
  for (const x of inUris) if (x.length >= 4) secrets.push(x);
  return { text, secrets };
}

/** Returns the first secret that occurs in `hay`, or null. */
export function findSecret(hay: string | Buffer, secrets: readonly string[]): string | null {
  for (const s of secrets) if (hay.includes(s)) return s;
  return null;
}

/** Masks every known secret inside a string (for fields like target URIs that the report prints). */
export function maskSecrets(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const x of secrets) out = out.split(x).join(REDACTED);
  return out;
}
