/**
 * Turns a scenario's `http` section into the loads the workers run: relative
 * URLs resolved against `http.baseUrl` (or the embedded CTI API), the bearer
 * token added. Also the redaction applied to the scenario written to disk.
 */
import type { HttpLoadSpec, HttpSpec, Scenario } from '../scenario/types.js';
import { readCsvFile } from '../util/csv.js';
import { errors } from '../errors.js';
import type { FlowWorkerSpec } from './flow-runs.js';
import { REDACTED, redactBody, redactHeaderValues, redactJson, redactUrl } from '../scenario/secrets.js';
import type { FlowRequestSpec } from '../http/flows/spec.js';
import type { RecordingAuth, RecordingSource } from '../scenario/recordings.js';

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

/**
 * The flows as workers get them: the base URL and bearer token resolved like http.load's,
 * and each feeder read here, once, on the main thread (validation already parsed it, so a
 * failure now means the file changed: reported as a scenario error naming it).
 */
export function resolveHttpFlows(http: HttpSpec | null, embedded: { url: string; token: string } | null): FlowWorkerSpec[] {
  if (http === null) return [];
  const base = http.baseUrl ?? embedded?.url ?? null;
  const token = http.token ?? (http.baseUrl === null ? embedded?.token ?? null : null);
  return http.flows.map((f, i) => {
    let feeder: FlowWorkerSpec['feeder'] = null;
    if (f.feeder !== null) {
      try {
        feeder = { ...readCsvFile(f.feeder.file), order: f.feeder.order, recycle: f.feeder.recycle };
      } catch (e) {
        throw errors.scenarioInvalid(`http.flows[${i}].feeder.file: ${f.feeder.file}: ${(e as Error).message}`, { file: f.feeder.file });
      }
    }
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    return { spec: f, baseUrl: base, headers, feeder };
  });
}

/**
 * The scenario as written to results (scenario.resolved.json): passwords, tokens, secret
 * headers and body fields, and credentials inside URLs removed (scenario/secrets.ts).
 */
export function redactScenario(s: Scenario): unknown {
  return {
    ...s,
    target:
      s.target === null
        ? null
        : {
            ...s.target,
            uri: redactUrl(s.target.uri),
            auth: s.target.auth === null ? null : { username: s.target.auth.username, password: redactPassword(s.target.auth.password) },
          },
    // call.data's rows never reach the scenario; its templates name columns and are kept.
    call: { ...s.call, headers: redactHeaderValues(s.call.headers) },
    http:
      s.http === null
        ? null
        : {
            ...s.http,
            baseUrl: s.http.baseUrl === null ? null : redactUrl(s.http.baseUrl),
            token: s.http.token === null ? null : REDACTED,
            load: s.http.load.map((l) => ({
              ...l,
              url: redactUrl(l.url),
              headers: redactHeaderValues(l.headers),
              body: l.body === null ? null : redactBody(l.body),
            })),
            flows: s.http.flows.map((f) => ({
              ...f,
              steps: f.steps.map((st) => ('request' in st ? { ...st, request: redactFlowRequest(st.request) } : st)),
            })),
          },
    recordings: s.recordings === null ? null : { ...s.recordings, source: redactRecordingSource(s.recordings.source) },
    // An exporter URL may carry a password (http://user:pass@host:9100/metrics) or a token in its query.
    platform: s.platform === null ? null : { ...s.platform, targets: s.platform.targets.map((t) => ({ ...t, url: redactUrl(t.url) })) },
  };
}

/** The recording probe's HTTP store: its credentials blanked (`callcert probe recordings` asks for them again). */
function redactRecordingSource(src: RecordingSource): RecordingSource {
  if (src.kind !== 'http') return src;
  const a = src.auth;
  const auth: RecordingAuth = a === null ? null : a.kind === 'bearer' ? { kind: 'bearer', token: REDACTED } : { kind: 'basic', username: a.username, password: REDACTED };
  return { ...src, url: redactUrl(src.url), headers: redactHeaderValues(src.headers), auth };
}

/** A password blanked, unless it only names call.data columns ({{password}}): then it is no credential. */
function redactPassword(pw: string): string {
  return /^(?:\{\{\s*[A-Za-z_][A-Za-z0-9_.-]*\s*\}\})+$/.test(pw) ? pw : REDACTED;
}

function redactFlowRequest(r: FlowRequestSpec): FlowRequestSpec {
  const body: FlowRequestSpec['body'] =
    r.body === null ? null : r.body.kind === 'json' ? { kind: 'json', value: redactJson(r.body.value) } : { kind: 'text', value: redactBody(r.body.value) };
  return { ...r, url: redactUrl(r.url), headers: redactHeaderValues(r.headers), body };
}
