/**
 * Turns a scenario's `http` section into the loads the workers run: relative
 * URLs resolved against `http.baseUrl` (or the embedded CTI API), the bearer
 * token added. Also the redaction applied to anything written to disk.
 */
import type { HttpLoadSpec, HttpSpec, Scenario } from '../scenario/types.js';

export function resolveHttpLoads(http: HttpSpec | null, embedded: { url: string; token: string } | null): HttpLoadSpec[] {
  if (http === null) return [];
  const base = http.baseUrl ?? embedded?.url ?? null;
  const token = http.token ?? (http.baseUrl === null ? embedded?.token ?? null : null);
  return http.load.map((l) => {
    // Validation guarantees a base for relative URLs; the check keeps this honest if it changes.
    if (l.url.startsWith('/') && base === null) throw new Error(`http.load "${l.name}": relative url ${l.url} with no base URL`);
    const url = l.url.startsWith('/') ? new URL(l.url, base!).href : l.url;
    const headers = { ...l.headers };
    if (token !== null && headers.authorization === undefined) headers.authorization = `Bearer ${token}`;
    return { ...l, url, headers };
  });
}

const REDACTED = '[redacted]';

/** The scenario as written to results: passwords, tokens and Authorization headers removed. */
export function redactScenario(s: Scenario): unknown {
  return {
    ...s,
    target: s.target === null ? null : { ...s.target, auth: s.target.auth === null ? null : { username: s.target.auth.username, password: REDACTED } },
    http:
      s.http === null
        ? null
        : {
            ...s.http,
            token: s.http.token === null ? null : REDACTED,
            load: s.http.load.map((l) => ({
              ...l,
              headers: Object.fromEntries(Object.entries(l.headers).map(([k, v]) => [k, k.toLowerCase() === 'authorization' ? REDACTED : v])),
            })),
          },
  };
}
