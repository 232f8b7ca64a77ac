/**
 * What counts as a credential in a scenario, and how it is blanked out, in one
 * place for everything that writes or prints scenario data: scenario.resolved.json
 * and results.json (engine/http-setup.ts, results/summary.ts) and the report's
 * scenario appendix (report/redact.ts).
 *
 * Credentials hide in three kinds of places: values under a secret-looking key
 * (`password`, `token`, `Authorization`, `X-Api-Key`, …), the userinfo of a URI
 * (`https://bob:pw@host`, `sip:alice:pw@host`), and URL query parameters with a
 * secret-looking name (`?access_token=…`, `&sig=…`). A `{{template}}` is a variable
 * name, not a credential, and is kept.
 */

/** Keys (YAML keys, header names, JSON fields) whose values are credentials. */
export const SECRET_KEY = /pass(word|wd)?$|token|secret|authori[sz]ation|api[-_]?key|credential|cookie/i;
/** Query parameter names that carry credentials, beyond SECRET_KEY (pre-signed URLs, API keys). */
const SECRET_QUERY_PARAM = /^(key|sig|signature|access[-_]?key|x-amz-signature|x-amz-credential)$/i;
/**
 * Values blanked but not reported as found: a flag such as `?token=true` is no credential,
 * and reporting "true" would make the report refuse every file containing the word.
 */
const NOT_A_SECRET = /^(true|false|null|yes|no|on|off|\d{1,6})$/i;

export const REDACTED = '[redacted]';

export function isSecretName(name: string): boolean {
  return SECRET_KEY.test(name);
}

const isTemplate = (v: string) => v.includes('{{');

// scheme:[//]user:password@ (the password may not contain @, / or whitespace)
const URI_PASSWORD = /([a-z][a-z0-9+.-]*:(?:\/\/)?[^\s:@/]+):([^\s@/]+)@/gi;
// ?name=value or &name=value (value up to the next &, #, whitespace or quote)
const QUERY_PARAM = /([?&])([A-Za-z0-9_.~-]+)=([^&#\s"'<>]*)/g;

/**
 * Replaces credentials inside URIs in `text` (userinfo passwords, secret query
 * parameters) with `mask`; `found` receives each value replaced, except query flags
 * (NOT_A_SECRET), and each query value also URL-decoded.
 */
export function redactUrisInText(text: string, mask: string = REDACTED, found?: string[]): string {
  return text
    .replace(URI_PASSWORD, (m, pre: string, pw: string) => {
      if (isTemplate(pw)) return m;
      found?.push(pw);
      return `${pre}:${mask}@`;
    })
    .replace(QUERY_PARAM, (m, sep: string, name: string, value: string) => {
      if (value === '' || isTemplate(value) || !(SECRET_KEY.test(name) || SECRET_QUERY_PARAM.test(name))) return m;
      if (!NOT_A_SECRET.test(value)) found?.push(decodeQueryValue(value), value);
      return `${sep}${name}=${mask}`;
    });
}

function decodeQueryValue(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '));
  } catch {
    return v;
  }
}

/** A URL (or URI) with its credentials blanked out. */
export function redactUrl(url: string): string {
  return redactUrisInText(url);
}

/** Header values under secret names blanked out (templated values name a variable and are kept). */
export function redactHeaderValues(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, isSecretName(k) && !isTemplate(v) ? REDACTED : v]));
}

/** A JSON value with everything under a secret key blanked out (templates kept), at any depth. */
export function redactJson(v: unknown, underSecret = false): unknown {
  if (Array.isArray(v)) return v.map((x) => redactJson(x, underSecret));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, redactJson(x, underSecret || isSecretName(k))]),
    );
  }
  if (!underSecret || v === null || typeof v === 'boolean') return v;
  return typeof v === 'string' && isTemplate(v) ? v : REDACTED;
}

/** A request body as written in a scenario: JSON has its secret fields blanked, text its URI credentials. */
export function redactBody(body: string): string {
  try {
    return JSON.stringify(redactJson(JSON.parse(body)));
  } catch {
    return redactUrisInText(body);
  }
}
