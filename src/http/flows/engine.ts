/**
 * Runs one instance of a scripted HTTP flow, step by step, and reports each
 * step and the whole flow to a sink. Timing is coordinated-omission free: a
 * step's latency runs from its INTENDED start — the end of the step before (a
 * think step's intended end is its start + pause, however late its timer
 * fires), or the flow's intended arrival for the first step — so a late
 * generator or a slow earlier step shows up, never hides.
 *
 * Failures are data: the first failed step ends the instance with one cause
 * (connect_refused, timeout, status, expect_failed, extract_failed,
 * poll_timeout, no_invite, feeder_exhausted, aborted, ...); nothing throws.
 */
import type { Dispatcher } from 'undici';
import { errorCause } from '../fixed-rate.js';
import { compileBody, compileTemplate, render, renderBody, TemplateError, type BodyTemplate, type Template, type VarValue } from './template.js';
import { parseJsonBody, parseJsonPath, pick, type JsonPath } from './extract.js';
import type { FlowCheckSpec, FlowRequestSpec, FlowSpec, FlowStepSpec } from './spec.js';

interface CompiledRequest {
  method: Dispatcher.HttpMethod;
  url: Template;
  headers: Array<[string, Template]>;
  body: { kind: 'json'; t: BodyTemplate } | { kind: 'text'; t: Template } | null;
  /** It names {{uas.*}}: the request that makes the platform call us (dial latency starts at its intended send). */
  originates: boolean;
}

interface CompiledCheck {
  status: ReadonlySet<number> | null;
  body: Array<{ path: JsonPath; equals: Template | string | number | boolean | null }>;
}

type CompiledStep =
  | { name: string; kind: 'request'; req: CompiledRequest; check: CompiledCheck; extract: Array<[string, JsonPath]> }
  | { name: string; kind: 'think'; minMs: number; maxMs: number }
  | { name: string; kind: 'poll'; req: CompiledRequest; check: CompiledCheck; everyMs: number; timeoutMs: number; extract: Array<[string, JsonPath]> }
  | { name: string; kind: 'waitCall'; timeoutMs: number };

export interface CompiledFlow {
  name: string;
  steps: CompiledStep[];
  stepNames: string[];
  /** Base for paths; null: URLs are absolute. */
  baseUrl: string | null;
}

function compileRequest(r: FlowRequestSpec, defaultHeaders: Record<string, string>): CompiledRequest {
  const headers: Record<string, string> = { ...defaultHeaders, ...r.headers };
  const url = compileTemplate(r.url);
  const hs = Object.entries(headers).map(([k, v]): [string, Template] => [k, compileTemplate(v)]);
  const body = r.body === null ? null : r.body.kind === 'json' ? { kind: 'json' as const, t: compileBody(r.body.value) } : { kind: 'text' as const, t: compileTemplate(r.body.value) };
  const all = [r.url, ...Object.values(headers), JSON.stringify(r.body?.value ?? '')].join('\n');
  return { method: r.method, url, headers: hs, body, originates: /\{\{\s*uas\./.test(all) };
}

function compileCheck(c: FlowCheckSpec): CompiledCheck {
  return {
    status: c.status === null ? null : new Set(c.status),
    body: c.body.map((b) => ({ path: parseJsonPath(b.path), equals: typeof b.equals === 'string' ? compileTemplate(b.equals) : b.equals })),
  };
}

const extractList = (e: Record<string, string>) => Object.entries(e).map(([k, p]): [string, JsonPath] => [k, parseJsonPath(p)]);

/** Compiles a validated flow; `defaultHeaders` (e.g. the bearer token) apply unless a step sets the same header. */
export function compileFlow(spec: FlowSpec, baseUrl: string | null, defaultHeaders: Record<string, string> = {}): CompiledFlow {
  const steps = spec.steps.map((s: FlowStepSpec): CompiledStep => {
    switch (s.kind) {
      case 'request': return { name: s.name, kind: s.kind, req: compileRequest(s.request, defaultHeaders), check: compileCheck(s.expect), extract: extractList(s.extract) };
      case 'poll': return { name: s.name, kind: s.kind, req: compileRequest(s.request, defaultHeaders), check: compileCheck(s.until), everyMs: s.everyMs, timeoutMs: s.timeoutMs, extract: extractList(s.extract) };
      case 'think': return { ...s };
      case 'waitCall': return { ...s };
    }
  });
  return { name: spec.name, steps, stepNames: steps.map((s) => s.name), baseUrl };
}

/** One flow instance: its variables and its side of the SIP correlation. */
export class FlowInstance {
  /** performance.now() of the intended send of the originating request (0: not sent yet). */
  originateAt = 0;
  /** performance.now() at which its INVITE arrived at our UAS (0: not yet). */
  inviteAt = 0;
  private waiter: (() => void) | null = null;
  constructor(
    readonly id: number,
    /** performance.now() of the intended arrival. */
    readonly intendedAt: number,
    readonly vars: Map<string, VarValue>,
  ) {}

  /** Called by the UAS when the INVITE for this instance arrives. */
  invite(at: number): void {
    if (this.inviteAt !== 0) return;
    this.inviteAt = at;
    this.waiter?.();
  }

  /** Resolves true when the INVITE has arrived (or arrives within timeoutMs), false otherwise. */
  waitInvite(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.inviteAt !== 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(t);
        signal.removeEventListener('abort', onAbort);
        this.waiter = null;
        resolve(v);
      };
      const onAbort = () => done(false);
      const t = setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.waiter = () => done(true);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export interface FlowEnv {
  /** undici dispatcher (an Agent: one pool per origin). */
  dispatcher: Dispatcher;
  now(): number;
  random(): number;
  /** Aborting it ends requests and pauses of every instance (drain expired). */
  signal: AbortSignal;
}

export interface FlowSink {
  /** A step that ended: latency when it succeeded, status when a response came, cause when it failed. */
  step(name: string, latencyMs: number | null, status: number | null, cause: string | null): void;
}

export interface FlowOutcome {
  ok: boolean;
  cause: string | null;
  /** The step that failed, and why in words (for calls-like records and debugging). */
  step: string | null;
  detail: string | null;
  /** Flow end − intended arrival (successful flows). */
  flowMs: number | null;
}

class StepFailure extends Error {
  constructor(readonly reason: string, message: string, readonly status: number | null = null) {
    super(message);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new StepFailure('aborted', 'the run ended'));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(new StepFailure('aborted', 'the run ended'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Request failure causes, as the issue names them (errorCause from fixed-rate, ECONNREFUSED renamed). */
export function requestCause(err: unknown): string {
  const c = errorCause(err);
  return c === 'econnrefused' ? 'connect_refused' : c;
}

interface Response {
  status: number;
  contentType: string | undefined;
  text: string;
}

async function send(req: CompiledRequest, flow: CompiledFlow, vars: Map<string, VarValue>, env: FlowEnv): Promise<Response> {
  let url: URL;
  let headers: Record<string, string>;
  let body: string | undefined;
  try {
    const u = render(req.url, vars);
    url = new URL(u, flow.baseUrl ?? undefined);
    headers = {};
    for (const [k, t] of req.headers) headers[k] = render(t, vars);
    body = req.body === null ? undefined : req.body.kind === 'json' ? JSON.stringify(renderBody(req.body.t, vars)) : render(req.body.t, vars);
  } catch (e) {
    if (e instanceof TemplateError) throw new StepFailure('template', e.message);
    throw new StepFailure('bad_url', (e as Error).message);
  }
  try {
    const res = await env.dispatcher.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers, body, signal: env.signal });
    const text = await res.body.text();
    const ct = res.headers['content-type'];
    return { status: res.statusCode, contentType: Array.isArray(ct) ? ct[0] : ct, text };
  } catch (e) {
    const cause = env.signal.aborted ? 'aborted' : requestCause(e);
    throw new StepFailure(cause, `${req.method} ${url.href}: ${(e as Error).message}`);
  }
}

/** null when the response meets the check, else why not (`cause` says whether status or body). */
function checkResponse(
  c: CompiledCheck,
  res: Response,
  vars: Map<string, VarValue>,
  json: () => unknown,
): { cause: string; detail: string } | null {
  const okStatus = c.status === null ? res.status >= 200 && res.status < 300 : c.status.has(res.status);
  if (!okStatus) return { cause: 'status', detail: `status ${res.status}, expected ${c.status === null ? '2xx' : [...c.status].join(' or ')}` };
  for (const b of c.body) {
    const doc = json();
    const got = pick(b.path, doc);
    if (!got.ok) return { cause: 'expect_failed', detail: got.reason };
    const want = typeof b.equals === 'object' && b.equals !== null ? render(b.equals, vars) : b.equals;
    if (got.value !== want) return { cause: 'expect_failed', detail: `${b.path.source} is ${JSON.stringify(got.value)}, expected ${JSON.stringify(want)}` };
  }
  return null;
}

function jsonOf(res: Response, cause: string): () => unknown {
  let parsed: { json: unknown } | null = null;
  return () => {
    if (parsed !== null) return parsed.json;
    const p = parseJsonBody(res.text, res.contentType);
    if (!p.ok) throw new StepFailure(cause, p.reason, res.status);
    parsed = { json: p.json };
    return p.json;
  };
}

function extractInto(list: Array<[string, JsonPath]>, json: () => unknown, vars: Map<string, VarValue>): void {
  for (const [name, path] of list) {
    let doc: unknown;
    try {
      doc = json();
    } catch (e) {
      // Name what was being extracted: "callId = $.id: the body is not JSON (...)".
      if (e instanceof StepFailure) throw new StepFailure(e.reason, `${name} = ${path.source}: ${e.message}`, e.status);
      throw e;
    }
    const got = pick(path, doc);
    if (!got.ok) throw new StepFailure('extract_failed', `${name} = ${path.source}: ${got.reason}`);
    vars.set(name, got.value as VarValue);
  }
}

/** Runs `inst` through `flow`; never throws. */
export async function runFlowInstance(flow: CompiledFlow, inst: FlowInstance, env: FlowEnv, sink: FlowSink): Promise<FlowOutcome> {
  let stepStart = inst.intendedAt;
  for (const step of flow.steps) {
    try {
      let status: number | null = null;
      switch (step.kind) {
        case 'think': {
          const pause = step.minMs + env.random() * (step.maxMs - step.minMs);
          const end = stepStart + pause;
          await sleep(end - env.now(), env.signal);
          // The next step is intended at the pause's intended end, however late this timer fired.
          sink.step(step.name, pause, null, null);
          stepStart = end;
          continue;
        }
        case 'waitCall': {
          if (!(await inst.waitInvite(stepStart + step.timeoutMs - env.now(), env.signal))) {
            throw new StepFailure(env.signal.aborted ? 'aborted' : 'no_invite', `no INVITE for ${String(inst.vars.get('uas.uri'))} within ${step.timeoutMs} ms`);
          }
          // The INVITE may have come before this step began (it races the originate's response).
          const end = Math.max(env.now(), stepStart);
          sink.step(step.name, Math.max(0, inst.inviteAt - stepStart), null, null);
          stepStart = end;
          continue;
        }
        case 'request': {
          if (step.req.originates && inst.originateAt === 0) inst.originateAt = stepStart;
          const res = await send(step.req, flow, inst.vars, env);
          status = res.status;
          const json = jsonOf(res, 'expect_failed');
          const bad = checkResponse(step.check, res, inst.vars, json);
          if (bad !== null) throw new StepFailure(bad.cause, bad.detail, status);
          extractInto(step.extract, jsonOf(res, 'extract_failed'), inst.vars);
          break;
        }
        case 'poll': {
          const deadline = stepStart + step.timeoutMs;
          for (let attempt = 0; ; attempt++) {
            if (step.req.originates && inst.originateAt === 0) inst.originateAt = stepStart;
            const res = await send(step.req, flow, inst.vars, env);
            status = res.status;
            let bad: { cause: string; detail: string } | null;
            try {
              bad = checkResponse(step.check, res, inst.vars, jsonOf(res, 'extract_failed'));
            } catch (e) {
              // A non-JSON answer while polling (e.g. an HTML error page) is not "not yet": it fails.
              throw e instanceof StepFailure ? e : new StepFailure('other', String(e));
            }
            if (bad === null) {
              extractInto(step.extract, jsonOf(res, 'extract_failed'), inst.vars);
              break;
            }
            // Bounded: every attempt waits everyMs (> 0) and the deadline is fixed.
            if (env.now() + step.everyMs > deadline) {
              throw new StepFailure('poll_timeout', `${step.name}: not met within ${step.timeoutMs} ms after ${attempt + 1} attempt(s) (last: ${bad.detail})`, status);
            }
            await sleep(step.everyMs, env.signal);
          }
          break;
        }
      }
      const end = env.now();
      sink.step(step.name, end - stepStart, status, null);
      stepStart = end;
    } catch (e) {
      const f = e instanceof StepFailure ? e : new StepFailure('other', String(e));
      sink.step(step.name, null, f.status, f.reason);
      return { ok: false, cause: f.reason, step: step.name, detail: f.message, flowMs: null };
    }
  }
  return { ok: true, cause: null, step: null, detail: null, flowMs: stepStart - inst.intendedAt };
}
