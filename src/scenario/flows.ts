/**
 * `http.flows` and `uas` of a scenario: the normalized types, normalization
 * (defaults, durations to ms, feeder paths made absolute) and the cross-field
 * rules (templates and JSON paths compile, every {{variable}} is defined before
 * it is used, feeder files exist and parse, waitCall has a UAS to wait on).
 * Compiling here means a misspelt variable fails at load time, naming its path.
 */
import type { z } from 'zod';
import type { ScenarioInput, UasSchema } from './schema.js';
import type { FlowCheckSpec, FlowRequestSpec, FlowSpec, FlowStepSpec, HttpMethod } from '../http/flows/spec.js';
import { expectedGot, tryParseDurationMs } from '../util/duration.js';
import { BUILTIN_VARS, bodyVars, compileBody, compileTemplate, TemplateError } from '../http/flows/template.js';
import { parseJsonPath, PathSyntaxError } from '../http/flows/extract.js';
import { readCsvFile } from '../util/csv.js';
import { resolveDataPath } from './call-data.js';


export interface UasSpec {
  ringMs: number;
  /** null: the platform hangs up. */
  hangupMs: number | null;
  answerRatio: number;
  capacity: number;
  correlate: { kind: 'user' } | { kind: 'header'; name: string };
}

type FlowInput = NonNullable<NonNullable<ScenarioInput['http']>['flows']>[number];
type StepInput = FlowInput['steps'][number];
type RequestInput = NonNullable<StepInput['request']>;
type CheckInput = NonNullable<StepInput['expect']>;

export const FLOW_DEFAULTS = { maxConcurrent: 1000, connections: 16, everyMs: 250, arrivals: 'uniform', order: 'sequential' } as const;

function ms(v: string | number): number {
  const r = tryParseDurationMs(v);
  return r.ok ? r.ms : NaN;
}

function normRequest(r: RequestInput): FlowRequestSpec {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  let body: FlowRequestSpec['body'] = null;
  if (typeof r.body === 'string') body = { kind: 'text', value: r.body };
  else if (r.body !== undefined) {
    body = { kind: 'json', value: r.body };
    if (!Object.hasOwn(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  return { method: (r.method ?? 'GET').toUpperCase() as HttpMethod, url: r.url, headers, body };
}

function normCheck(c: CheckInput | undefined): FlowCheckSpec {
  const st = c?.status;
  return {
    status: st === undefined ? null : typeof st === 'number' ? [st] : [...st],
    body: Object.entries(c?.body ?? {}).map(([path, equals]) => ({ path, equals })),
  };
}

function stepKind(s: StepInput): FlowStepSpec['kind'] | null {
  const kinds = (['request', 'think', 'poll', 'waitCall'] as const).filter((k) => s[k] !== undefined);
  return kinds.length === 1 ? kinds[0] : null;
}

function normStep(s: StepInput, i: number): FlowStepSpec {
  const kind = stepKind(s) ?? 'think';
  const name = s.name ?? `${kind.toLowerCase()}${i + 1}`;
  switch (kind) {
    case 'request':
      return { name, kind, request: normRequest(s.request!), expect: normCheck(s.expect), extract: { ...(s.extract ?? {}) } };
    case 'poll': {
      const p = s.poll!;
      return {
        name,
        kind,
        request: normRequest(p.request),
        until: normCheck(p.until),
        everyMs: p.every === undefined ? FLOW_DEFAULTS.everyMs : ms(p.every),
        timeoutMs: ms(p.timeout),
        extract: { ...(s.extract ?? {}) },
      };
    }
    case 'waitCall':
      return { name, kind, timeoutMs: ms(s.waitCall!.timeout) };
    case 'think': {
      const t = s.think ?? 0;
      return typeof t === 'object' ? { name, kind, minMs: ms(t.min), maxMs: ms(t.max) } : { name, kind, minMs: ms(t), maxMs: ms(t) };
    }
  }
}

/** `source` is the scenario file (relative feeder paths are resolved from its folder) or e.g. "command line" (cwd). */
export function normalizeFlows(flows: readonly FlowInput[] | undefined, source: string, defaultTimeoutMs: number): FlowSpec[] {
  return (flows ?? []).map((f) => ({
    name: f.name,
    arrivals: f.arrivals ?? FLOW_DEFAULTS.arrivals,
    stages: f.stages.map((s) => ({ durationMs: ms(s.duration), target: s.target })),
    maxConcurrent: f.maxConcurrent ?? FLOW_DEFAULTS.maxConcurrent,
    connections: f.connections ?? FLOW_DEFAULTS.connections,
    timeoutMs: f.timeout === undefined ? defaultTimeoutMs : ms(f.timeout),
    vars: { ...(f.vars ?? {}) },
    feeder: f.feeder === undefined ? null : {
      file: resolveDataPath(f.feeder.file, source),
      order: f.feeder.order ?? FLOW_DEFAULTS.order,
      recycle: f.feeder.recycle ?? true,
    },
    steps: f.steps.map(normStep),
  }));
}

export function normalizeUas(u: z.infer<typeof UasSchema>): UasSpec | null {
  if (u === undefined || u === null) return null;
  return {
    ringMs: u.ring === undefined ? 0 : ms(u.ring),
    hangupMs: u.hangup === undefined || u.hangup === null ? null : ms(u.hangup),
    answerRatio: u.answerRatio ?? 1,
    capacity: u.capacity ?? 100_000,
    correlate: u.correlate === undefined || u.correlate === 'user' ? { kind: 'user' } : { kind: 'header', name: u.correlate.header.toLowerCase() },
  };
}

type Path = Array<string | number>;
export interface FlowProblem {
  path: Path;
  message: string;
}

const NO_BODY_METHODS = new Set(['GET', 'HEAD']);

/** The rule for a body on GET/HEAD (shared with http.load): rejected, since servers and proxies may drop it. */
export function bodyOnGetProblem(method: string, hasBody: boolean, path: Path): FlowProblem | null {
  if (!hasBody || !NO_BODY_METHODS.has(method)) return null;
  return { path, message: expectedGot(`no body with method ${method} (servers and proxies may drop or reject it; use POST or PUT to send one)`, 'a body') };
}

/** Cross-field rules of http.flows (and uas); all problems at once. */
export function flowProblems(
  flows: readonly FlowSpec[],
  raw: readonly FlowInput[],
  o: { uas: UasSpec | null; runMs: number; baseUrl: string | null; hasTarget: boolean },
): FlowProblem[] {
  const out: FlowProblem[] = [];
  const seen = new Map<string, number>();
  flows.forEach((f, fi) => {
    const at = (...p: Path): Path => ['http', 'flows', fi, ...p];
    const first = seen.get(f.name);
    if (first === undefined) seen.set(f.name, fi);
    else out.push({ path: at('name'), message: expectedGot(`a name not used by another flow (http.flows[${first}] is also named ${JSON.stringify(f.name)})`, f.name) });
    const flowMs = f.stages.reduce((a, s) => a + s.durationMs, 0);
    if (flowMs > o.runMs) out.push({ path: at('stages'), message: expectedGot(`stages within the run (load.stages last ${o.runMs} ms)`, `${flowMs} ms`) });
    if (!f.stages.some((s) => s.target > 0)) out.push({ path: at('stages'), message: 'expected at least one stage with target > 0 (flow starts per second), got only 0' });
    const defined = new Set<string>([...BUILTIN_VARS, ...Object.keys(f.vars)]);
    if (f.feeder !== null) {
      try {
        for (const c of readCsvFile(f.feeder.file).columns) defined.add(c);
      } catch (e) {
        out.push({ path: at('feeder', 'file'), message: `${f.feeder.file}: ${(e as Error).message}` });
        // Unknown columns: do not report every variable they would have defined.
        defined.add('*');
      }
    }
    const stepNames = new Map<string, number>();
    f.steps.forEach((s, si) => {
      const sp = (...p: Path): Path => at('steps', si, ...p);
      const r = raw[fi].steps[si];
      if (stepKind(r) === null) {
        out.push({ path: sp(), message: expectedGot('exactly one of request, think, poll, waitCall in a step', Object.keys(r).join(', ') || 'none') });
        return;
      }
      const other = stepNames.get(s.name);
      if (other === undefined) stepNames.set(s.name, si);
      else out.push({ path: sp('name'), message: expectedGot(`a step name not used by another step (steps[${other}] is also ${JSON.stringify(s.name)})`, s.name) });
      if (r.expect !== undefined && s.kind !== 'request') out.push({ path: sp('expect'), message: expectedGot('expect only on a request step (a poll has until)', 'expect') });
      if (r.extract !== undefined && s.kind !== 'request' && s.kind !== 'poll') out.push({ path: sp('extract'), message: expectedGot('extract only on a request or poll step', 'extract') });
      const useVars = (names: string[], p: Path) => {
        for (const v of names) {
          if (v.startsWith('uas.') && o.uas === null) {
            out.push({ path: p, message: expectedGot('a uas section for {{uas.*}} (callcert answers the calls it names)', `{{${v}}}`) });
          } else if (!defined.has(v) && !defined.has('*')) {
            out.push({ path: p, message: expectedGot(`a variable defined before this step (built-ins ${BUILTIN_VARS.join(', ')}; vars; feeder columns; extract of an earlier step)`, `{{${v}}}`) });
          }
        }
      };
      const checkTemplate = (text: string, p: Path) => {
        try {
          useVars([...compileTemplate(text).vars], p);
        } catch (e) {
          if (e instanceof TemplateError) out.push({ path: p, message: `expected {{name}} templates, got ${e.message}` });
          else throw e;
        }
      };
      const checkPath = (path: string, p: Path) => {
        try {
          parseJsonPath(path);
        } catch (e) {
          if (e instanceof PathSyntaxError) out.push({ path: p, message: `expected a JSON path (subset: $.a.b[0]["c d"]), got ${e.message}` });
          else throw e;
        }
      };
      const checkRequest = (req: FlowRequestSpec, p: Path) => {
        checkTemplate(req.url, [...p, 'url']);
        if (req.url.startsWith('/') && o.baseUrl === null && o.hasTarget) {
          out.push({ path: [...p, 'url'], message: expectedGot('an absolute URL, or http.baseUrl when a target is given', req.url) });
        }
        for (const [k, v] of Object.entries(req.headers)) checkTemplate(v, [...p, 'headers', k]);
        if (req.body?.kind === 'text') checkTemplate(req.body.value, [...p, 'body']);
        if (req.body?.kind === 'json') {
          try {
            useVars(bodyVars(compileBody(req.body.value)), [...p, 'body']);
          } catch (e) {
            if (e instanceof TemplateError) out.push({ path: [...p, 'body'], message: `expected {{name}} templates, got ${e.message}` });
            else throw e;
          }
        }
        const get = bodyOnGetProblem(req.method, req.body !== null, [...p, 'body']);
        if (get !== null) out.push(get);
      };
      const checkCheck = (c: FlowCheckSpec, p: Path) => {
        for (const b of c.body) {
          checkPath(b.path, [...p, 'body', b.path]);
          if (typeof b.equals === 'string') checkTemplate(b.equals, [...p, 'body', b.path]);
        }
      };
      if (s.kind === 'request') {
        checkRequest(s.request, sp('request'));
        checkCheck(s.expect, sp('expect'));
      } else if (s.kind === 'poll') {
        checkRequest(s.request, sp('poll', 'request'));
        checkCheck(s.until, sp('poll', 'until'));
      } else if (s.kind === 'think') {
        if (s.minMs > s.maxMs) out.push({ path: sp('think', 'max'), message: expectedGot(`a duration >= min (${s.minMs} ms)`, `${s.maxMs} ms`) });
      } else if (s.kind === 'waitCall' && o.uas === null) {
        out.push({ path: sp('waitCall'), message: expectedGot('a uas section (callcert must answer the call to see it arrive)', 'no uas') });
      }
      if (s.kind === 'request' || s.kind === 'poll') {
        for (const [name, path] of Object.entries(s.extract)) {
          checkPath(path, sp('extract', name));
          defined.add(name);
        }
      }
    });
  });
  return out;
}
