/**
 * Scenario file → frozen Scenario (types.ts):
 *
 *   read → parse YAML → apply --set overrides → validate (schema.ts) →
 *   normalize (defaults, durations to ms) → cross-field rules → deep freeze
 *
 * Every problem is reported as one line `<file>: <path>: <what was expected>, got <what>`;
 * all problems of a stage are reported together in one CC_ERR_SCENARIO_INVALID
 * whose message joins the lines with "\n" and whose details.issues lists them.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import YAML from 'yaml';
import type { z } from 'zod';
import { errors } from '../errors.js';
import type { Criterion, Distribution, HttpLoadSpec, HttpSpec, LoadSpec, Scenario, Stage, TargetSpec, Transport } from './types.js';
import { describeValue, expectedGot, formatDurationMs, tryParseDurationMs } from '../util/duration.js';
import { SEARCH_DEFAULT_CRITERIA, criteriaTargetProblems, tryParseCriterionEntry, type CriterionEntryInput } from './criteria.js';
import { loadProblems, normalizeLoad } from '../load/models/registry.js';
import { MEDIA_DEFAULTS, normalizeMedia } from '../media/schema.js';
import { normalizeEmbeddedRecordings, normalizeRecordings, recordingsProblems } from './recordings.js';
import { normalizeEmbeddedDialer, normalizeOutboundRules, outboundRulesProblems } from './outbound-rules.js';
import { normalizePlatform, platformProblems } from '../platform/schema.js';
import { DEFAULTS, SIP_USER_RE, SIP_USER_TEMPLATE_RE, ScenarioSchema, formatPath, isHttpPath, unknownFieldMessage } from './schema.js';
import { parseSipUri } from '../sip/message/uri.js';
import { isTransportKind, type TransportKind } from '../sip/transport/types.js';
import { callDataProblems, resolveDataPath } from './call-data.js';
import type { DistributionInput, ScenarioInput } from './schema.js';
import { applyOverrides, type AppliedOverride, type PathSegment } from './overrides.js';
import { bodyOnGetProblem, flowProblems, normalizeFlows, normalizeUas } from './flows.js';

export interface ScenarioProblem {
  path: PathSegment[];
  /** "expected ..., got ..." (without file and path). */
  message: string;
}

export interface LoadOptions {
  /** `--set path=value` overrides, applied in order before validation. */
  overrides?: readonly string[];
}

// ---------------------------------------------------------------------------
// Reading

/** Parses scenario YAML text; syntax errors throw CC_ERR_SCENARIO_SYNTAX `<file>:<line>:<col>: <yaml message>`. */
export function parseScenarioText(text: string, file: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = YAML.parseDocument(source, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw errors.scenarioSyntax(`${where}: ${message}`, {
      file,
      line: pos?.line ?? null,
      col: pos?.col ?? null,
      yamlCode: e.code,
      errorCount: doc.errors.length,
    });
  }
  try {
    return doc.toJS();
  } catch (e) {
    // e.g. an alias whose anchor is missing, or too many aliases
    throw errors.scenarioSyntax(`${file}: ${e instanceof Error ? e.message : String(e)}`, { file, line: null, col: null });
  }
}

/** Reads and parses a scenario file without validating it (for the CLI, which may apply flags on top). */
export async function readScenarioRaw(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'scenario file not found'
        : code === 'EISDIR' ? 'is a directory, expected a scenario file (.yaml)'
          : `cannot read the scenario file: ${(e as Error).message}`;
    throw errors.scenarioNotFound(`${file}: ${why}`, { file, errno: code ?? null });
  }
  return parseScenarioText(text, file);
}

/** Reads, overrides, validates and normalizes a scenario file. */
export async function loadScenarioFile(file: string, opts: LoadOptions = {}): Promise<Scenario> {
  const raw = await readScenarioRaw(file);
  return scenarioFromObject(raw, file, opts);
}

// ---------------------------------------------------------------------------
// Validation

type ZodIssue = z.core.$ZodIssue;

/** A union branch that failed at its root (wrong type) was not what the user meant. */
function isMismatch(branch: readonly ZodIssue[]): boolean {
  return branch.every((i) => i.path.length === 0 && i.code !== 'unrecognized_keys');
}

function problemsFromZod(issues: readonly ZodIssue[], prefix: PathSegment[] = [], out: ScenarioProblem[] = []): ScenarioProblem[] {
  for (const iss of issues) {
    const path = [...prefix, ...(iss.path as PathSegment[])];
    if (iss.code === 'unrecognized_keys') {
      const holder = (iss as { input?: unknown }).input;
      for (const key of iss.keys) out.push({ path, message: unknownFieldMessage(path, key, holder) });
      continue;
    }
    if (iss.code === 'invalid_union' && iss.errors.length > 0) {
      const live = iss.errors.filter((branch) => !isMismatch(branch));
      if (live.length === 1) {
        problemsFromZod(live[0], path, out);
        continue;
      }
    }
    out.push({ path, message: iss.message });
  }
  return out;
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}

function throwProblems(source: string, problems: ScenarioProblem[], applied: readonly AppliedOverride[]): never {
  const lines: string[] = [];
  for (const p of problems) {
    const where = p.path.length > 0 ? `${formatPath(p.path)}: ` : '';
    const from = [...applied].reverse().find((o) => startsWith(p.path, o.path));
    const line = `${source}: ${where}${p.message}${from ? ` (from --set ${from.text})` : ''}`;
    if (!lines.includes(line)) lines.push(line);
  }
  throw errors.scenarioInvalid(lines.join('\n'), { file: source, issues: lines });
}

/**
 * Validates and normalizes a YAML-shaped object. `source` names it in messages
 * (a file name, or e.g. "command line").
 */
export function scenarioFromObject(obj: unknown, source: string, opts: LoadOptions = {}): Scenario {
  const { value, applied } = applyOverrides(obj, opts.overrides ?? []);
  if (value === null || value === undefined) {
    throwProblems(source, [{ path: [], message: 'expected a scenario mapping (name, load, call, criteria, ...), got an empty document' }], applied);
  }
  const parsed = ScenarioSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throwProblems(source, problemsFromZod(parsed.error.issues), applied);
  const scenario = normalize(parsed.data, source);
  const problems = crossFieldProblems(parsed.data, scenario);
  if (problems.length > 0) throwProblems(source, problems, applied);
  return deepFreeze(scenario);
}

// ---------------------------------------------------------------------------
// Normalization

function ms(v: string | number): number {
  const r = tryParseDurationMs(v);
  if (!r.ok) throw errors.internal(`duration ${describeValue(v)} passed validation but does not parse`);
  return r.ms;
}

export function normalizeHold(h: DistributionInput): Distribution {
  if (typeof h === 'string' || typeof h === 'number') return { dist: 'fixed', valueMs: ms(h) };
  switch (h.dist) {
    case 'fixed':
      return { dist: 'fixed', valueMs: ms(h.value) };
    case 'uniform':
      return { dist: 'uniform', minMs: ms(h.min), maxMs: ms(h.max) };
    case 'exponential':
      return { dist: 'exponential', meanMs: ms(h.mean) };
    case 'normal':
      return { dist: 'normal', meanMs: ms(h.mean), stddevMs: ms(h.stddev), minMs: ms(h.min ?? 0) };
  }
}

function normalizeTarget(t: NonNullable<ScenarioInput['target']>): TargetSpec {
  const uri = parseSipUri(t.uri);
  if ('error' in uri) throw errors.internal(`target.uri ${t.uri} passed validation but does not parse`);
  let { host, port } = uri;
  if (t.proxy !== undefined) {
    const proxy = parseSipUri(`sip:${t.proxy}`);
    if ('error' in proxy) throw errors.internal(`target.proxy ${t.proxy} passed validation but does not parse`);
    ({ host, port } = proxy);
  }
  const transport: Transport =
    t.transport ?? (uri.transportParam !== null && isTransportKind(uri.transportParam) ? uri.transportParam : DEFAULTS.transport);
  return {
    uri: t.uri,
    host,
    port,
    transport,
    auth: t.auth ? { username: t.auth.username, password: t.auth.password } : null,
  };
}

type HttpLoadInput = NonNullable<NonNullable<ScenarioInput['http']>['load']>[number];

function normalizeHttpLoad(l: HttpLoadInput): HttpLoadSpec {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(l.headers ?? {})) headers[k.toLowerCase()] = v;
  let body: string | null = null;
  if (typeof l.body === 'string') body = l.body;
  else if (l.body !== undefined) {
    body = JSON.stringify(l.body);
    if (!Object.hasOwn(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  const expect = l.expectStatus ?? DEFAULTS.http.expectStatus;
  return {
    name: l.name,
    method: (l.method ?? DEFAULTS.http.method).toUpperCase() as HttpLoadSpec['method'],
    url: l.url,
    headers,
    body,
    connections: l.connections ?? DEFAULTS.http.connections,
    ratePerSec: l.rate === 'max' ? null : l.rate,
    pipelining: l.pipelining ?? 1,
    startMs: ms(l.start ?? DEFAULTS.http.start),
    durationMs: ms(l.duration),
    timeoutMs: ms(l.timeout ?? DEFAULTS.http.timeout),
    expectStatus: typeof expect === 'number' ? [expect] : [...expect],
  };
}

function normalizeHttp(h: NonNullable<ScenarioInput['http']>, source: string): HttpSpec {
  const load = (h.load ?? []).map(normalizeHttpLoad);
  return { baseUrl: h.baseUrl ?? null, token: h.token ?? null, load, flows: normalizeFlows(h.flows, source, ms(DEFAULTS.http.timeout)) };
}

/** Applies defaults and converts durations; expects input that passed ScenarioSchema. */
export function normalize(input: ScenarioInput, source = 'command line'): Scenario {
  const load: LoadSpec = normalizeLoad(input.load);
  const search = load.model === 'closed' ? (load.search ?? null) : null;
  const criteria: Criterion[] = [];
  // A search with no criteria is judged on the default ones (criteria.ts SEARCH_DEFAULT_CRITERIA).
  const given = input.criteria !== undefined && Object.values(input.criteria).some((v) => v !== undefined);
  for (const [metric, entries] of Object.entries(given || search === null ? (input.criteria ?? {}) : SEARCH_DEFAULT_CRITERIA)) {
    if (entries === undefined) continue;
    for (const e of Array.isArray(entries) ? entries : [entries]) {
      const r = tryParseCriterionEntry(metric, e as CriterionEntryInput);
      if (!r.ok) throw errors.internal(`criterion ${metric}: ${JSON.stringify(e)} passed validation but does not parse`);
      criteria.push(r.criterion);
    }
  }
  const e = input.embedded ?? {};
  const c = input.call ?? {};
  const g = input.generator ?? {};
  return {
    name: input.name,
    description: input.description ?? DEFAULTS.description,
    target: input.target ? normalizeTarget(input.target) : null,
    embedded: {
      capacity: e.capacity ?? DEFAULTS.embedded.capacity,
      ringMs: ms(e.ring ?? DEFAULTS.embedded.ring),
      answerRatio: e.answerRatio ?? DEFAULTS.embedded.answerRatio,
      calleeHangupMs: e.calleeHangup === undefined || e.calleeHangup === null ? DEFAULTS.embedded.calleeHangup : ms(e.calleeHangup),
      recordings: normalizeEmbeddedRecordings(e.recordings, (p) => resolveDataPath(p, source)),
      dialer: normalizeEmbeddedDialer(e.dialer),
    },
    load,
    call: {
      hold: normalizeHold(c.hold ?? DEFAULTS.call.hold),
      ringTimeoutMs: ms(c.ringTimeout ?? DEFAULTS.call.ringTimeout),
      fromUser: c.from ?? defaultFromUser(input.target?.auth?.username),
      displayName: c.displayName ?? null,
      toUser: c.to ?? null,
      headers: { ...(c.headers ?? {}) },
      data: c.data === undefined ? null : { file: resolveDataPath(c.data.file, source), order: c.data.order ?? null },
      sdp: c.sdp ?? DEFAULTS.call.sdp,
    },
    media: normalizeMedia(c.media, input.media),
    criteria,
    http: input.http ? normalizeHttp(input.http, source) : null,
    uas: normalizeUas(input.uas),
    recordings: normalizeRecordings(input.recordings, input.media?.marker ?? MEDIA_DEFAULTS.marker, (p) => resolveDataPath(p, source)),
    outboundRules: normalizeOutboundRules(input.outboundRules),
    platform: normalizePlatform(input.platform, (p) => resolveDataPath(p, source)),
    workers: input.workers ?? DEFAULTS.workers,
    localAddress: input.localAddress ?? DEFAULTS.localAddress,
    generator: {
      maxScheduleSlipMsP99: g.maxScheduleSlipMsP99 ?? DEFAULTS.generator.maxScheduleSlipMsP99,
      maxEventLoopLagMsP99: g.maxEventLoopLagMsP99 ?? DEFAULTS.generator.maxEventLoopLagMsP99,
      maxMediaSendSlipMsP99: g.maxMediaSendSlipMsP99 ?? DEFAULTS.generator.maxMediaSendSlipMsP99,
    },
  };
}

/**
 * The From user when call.from is not given: the auth user, so that a proxy requiring the From
 * user to be the digest user (Kamailio's auth_check flag 1) accepts the calls; "callcert" when
 * there is no auth user or it is no SIP user name (e.g. an e-mail address).
 */
export function defaultFromUser(authUser: string | undefined): string {
  if (authUser === undefined) return DEFAULTS.call.from;
  return SIP_USER_RE.test(authUser) || (authUser.includes('{{') && SIP_USER_TEMPLATE_RE.test(authUser)) ? authUser : DEFAULTS.call.from;
}
/** Indexes of stages that keep the previous target (> 0): where sustained concurrency is measured. */
export function flatStageIndexes(stages: readonly Stage[]): number[] {
  const out: number[] = [];
  stages.forEach((s, i) => {
    const prev = i === 0 ? 0 : stages[i - 1].target;
    if (s.target > 0 && s.target === prev) out.push(i);
  });
  return out;
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip) || /^::ffff:127\./i.test(ip);
}

/** Rules that span fields; all problems at once. */
export function crossFieldProblems(input: ScenarioInput, s: Scenario): ScenarioProblem[] {
  const out: ScenarioProblem[] = loadProblems(input.load, s.load, { criteria: s.criteria });
  // Without stages (a search missing its fields, or no stages given) the stage rules below would only repeat that.
  if (out.length > 0 && s.load.stages.length === 0) return out;
  const l = input.load;
  if (!s.load.stages.some((st) => st.durationMs > 0)) {
    out.push({ path: ['load', 'stages'], message: 'expected at least one stage with a duration > 0 (a 0 duration is a step), got only 0' });
  }
  if (!s.load.stages.some((st) => st.target > 0)) {
    out.push({ path: ['load', 'stages'], message: 'expected at least one stage with target > 0, got only targets of 0' });
  }
  if (l.model !== 'search' && s.criteria.some((c) => c.metric === 'concurrency_sustained') && flatStageIndexes(s.load.stages).length === 0) {
    out.push({
      path: ['criteria', 'concurrency_sustained'],
      message: 'expected load.stages to have a flat stage (one keeping the target of the stage before it) to measure sustained concurrency, got none',
    });
  }
  if (s.media.codec !== null && !s.call.sdp) {
    out.push({ path: ['call', 'sdp'], message: expectedGot(`true with call.media: ${s.media.codec} (the codec is negotiated in the SDP; call.media none or --media none for signalling only)`, false) });
  }
  const hold = s.call.hold;
  if (hold.dist === 'uniform' && hold.minMs > hold.maxMs) {
    const h = input.call?.hold as { max?: unknown } | undefined;
    out.push({ path: ['call', 'hold', 'max'], message: expectedGot(`a duration >= min (${formatDurationMs(hold.minMs)})`, h?.max) });
  }
  if (input.target?.transport !== undefined) {
    const param = parseSipUri(input.target.uri);
    if (!('error' in param) && param.transportParam !== null && param.transportParam !== input.target.transport) {
      out.push({
        path: ['target', 'transport'],
        message: expectedGot(`${param.transportParam} (target.uri says ;transport=${param.transportParam})`, input.target.transport),
      });
    }
  }
  if (s.target && input.localAddress !== undefined) {
    const local = input.localAddress;
    const family = isIP(s.target.host);
    if (family !== 0 && isIP(local) !== family) {
      out.push({ path: ['localAddress'], message: expectedGot(`an IPv${family} address to reach ${s.target.host}`, local) });
    } else if (family !== 0 && isLoopback(local) && !isLoopback(s.target.host)) {
      out.push({ path: ['localAddress'], message: expectedGot(`an address that can reach ${s.target.host} (a loopback address reaches only this machine)`, local) });
    }
  }
  if (s.target === null && s.embedded.ringMs >= s.call.ringTimeoutMs) {
    out.push({
      path: ['embedded', 'ring'],
      message: expectedGot(`less than call.ringTimeout (${formatDurationMs(s.call.ringTimeoutMs)}), or every call is cancelled before it is answered`, input.embedded?.ring),
    });
  }
  out.push(...callDataProblems(input, s));
  out.push(...httpProblems(input, s));
  out.push(...recordingsProblems(input, s));
  out.push(...outboundRulesProblems(input, s));
  out.push(...platformProblems(input.platform, s.platform, s.media.codec));
  // Selectors name existing HTTP loads / flows / steps; outbound metrics need a uas (scenario/criteria.ts).
  out.push(...criteriaTargetProblems(s));
  return out;
}

function httpProblems(input: ScenarioInput, s: Scenario): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  if (!input.http || !s.http) return out;
  const raw = input.http.load ?? [];
  const runMs = s.load.stages.reduce((a, st) => a + st.durationMs, 0);
  const firstByName = new Map<string, number>();
  s.http.load.forEach((l, i) => {
    const at = (field: string): PathSegment[] => ['http', 'load', i, field];
    const first = firstByName.get(l.name);
    if (first === undefined) firstByName.set(l.name, i);
    else out.push({ path: at('name'), message: expectedGot(`a name not used by another HTTP load (http.load[${first}] is also named ${JSON.stringify(l.name)})`, l.name) });
    const headerNames = new Map<string, string>();
    for (const name of Object.keys(raw[i].headers ?? {})) {
      const other = headerNames.get(name.toLowerCase());
      if (other === undefined) headerNames.set(name.toLowerCase(), name);
      else {
        out.push({
          path: ['http', 'load', i, 'headers', name],
          message: expectedGot(`each header once (header names are case-insensitive: ${JSON.stringify(other)} is given too)`, name),
        });
      }
    }
    if (isHttpPath(l.url) && s.http?.baseUrl === null && s.target !== null) {
      out.push({ path: at('url'), message: expectedGot('an absolute URL or http.baseUrl when a target is given', l.url) });
    }
    const getBody = bodyOnGetProblem(l.method, l.body !== null, at('body'));
    if (getBody !== null) out.push(getBody);
    if (l.startMs + l.durationMs > runMs) {
      out.push({
        path: at('duration'),
        message: expectedGot(
          `start + duration within the run (load.stages last ${formatDurationMs(runMs)})`,
          raw[i].duration,
          `start ${formatDurationMs(l.startMs)} + ${formatDurationMs(l.durationMs)} = ${formatDurationMs(l.startMs + l.durationMs)}`,
        ),
      });
    }
  });
  if (s.http.load.length === 0 && s.http.flows.length === 0) {
    out.push({ path: ['http'], message: expectedGot('http.load or http.flows (or no http section)', 'neither') });
  }
  out.push(
    ...flowProblems(s.http.flows, input.http.flows ?? [], { uas: s.uas, runMs, baseUrl: s.http.baseUrl, hasTarget: s.target !== null }),
  );
  return out;
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

// ---------------------------------------------------------------------------
// Command-line flags

export interface ScenarioFlags {
  /** --target: Request-URI of the system under test. */
  target?: string;
  /** --rate: calls per second (open model). */
  rate?: number;
  /** --concurrency: concurrent calls (closed model), or the cap of an open model when --rate is given too. */
  concurrency?: number;
  /** --hold */
  holdMs?: number;
  /** --ramp: how long to ramp from 0 to the target; 0 jumps straight to it. */
  rampMs?: number;
  /** --duration: how long to hold the target after the ramp. */
  durationMs?: number;
  transport?: TransportKind;
  authUser?: string;
  authPassword?: string;
  /** --data: call.data.file (an absolute path). */
  dataFile?: string;
  /** --media: call.media (without a file: FLAG_DEFAULTS.media). */
  media?: 'pcmu' | 'pcma' | 'none';
  workers?: number;
  /** --capacity: the embedded call centre's capacity (embedded.capacity). */
  capacity?: number;
}

/**
 * Defaults of a scenario built from flags alone (the hold time default is the schema's, 20s).
 * Voice is on (a channel without audio is not a channel); a scenario file keeps its own
 * `call.media`, whose schema default stays none.
 */
export const FLAG_DEFAULTS = { name: 'adhoc', durationMs: 60_000, rampMs: 10_000, media: 'pcmu' } as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFlag(flag: string, v: number | undefined, o: { int?: boolean; min: number; strict?: boolean }): void {
  if (v === undefined) return;
  const ok = typeof v === 'number' && Number.isFinite(v) && (o.strict ? v > o.min : v >= o.min) && (!o.int || Number.isInteger(v));
  if (!ok) {
    throw errors.usage(`${flag}: ${expectedGot(`${o.int ? 'a whole number' : 'a number'} ${o.strict ? '>' : '>='} ${o.min}`, v)}`, { flag });
  }
}

function peakTarget(stages: unknown): number | undefined {
  if (!Array.isArray(stages)) return undefined;
  const targets = stages.map((s) => (isPlainObject(s) ? s.target : undefined)).filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return targets.length > 0 ? Math.max(...targets) : undefined;
}

/**
 * Applies command-line flags on top of a raw (YAML-shaped) scenario, or on top
 * of defaults when `base` is null, and returns the raw object for
 * scenarioFromObject(). Durations are written back as strings ("1m30s").
 *
 * - --rate R: open model, stages [ramp to R, hold R for --duration]; with
 *   --concurrency C too, C becomes load.maxConcurrency.
 * - --concurrency C alone: closed model, stages [ramp to C, hold C for --duration].
 * - With a base file, the stages are replaced only when --rate, --concurrency,
 *   --duration or --ramp is given (the level then defaults to the file's peak
 *   target, the model to the file's).
 * - --duration defaults to 60s, --ramp to 10s (a stage always ramps linearly from
 *   the previous target, so a flat load needs a ramp stage first; --ramp 0 makes
 *   it a 1ms step).
 * - --media defaults to pcmu without a file; a file keeps its own call.media.
 *
 * Throws CC_ERR_CLI_USAGE for flag values that cannot work (no load given and no
 * file, negative rate, --transport without a target, ...).
 */
export function buildScenarioFromFlags(base: unknown | null, flags: ScenarioFlags): unknown {
  checkFlag('--rate', flags.rate, { min: 0, strict: true });
  checkFlag('--concurrency', flags.concurrency, { min: 1, int: true });
  checkFlag('--hold', flags.holdMs, { min: 0 });
  checkFlag('--ramp', flags.rampMs, { min: 0 });
  checkFlag('--duration', flags.durationMs, { min: 0, strict: true });
  checkFlag('--workers', flags.workers, { min: 1, int: true });
  checkFlag('--capacity', flags.capacity, { min: 0, int: true });

  const hasBase = base !== null && base !== undefined;
  if (hasBase && !isPlainObject(base)) return base; // validation reports what is wrong with it
  if (!hasBase && flags.rate === undefined && flags.concurrency === undefined) {
    throw errors.usage('give --rate <calls/s> (open model) or --concurrency <calls> (closed model), or a scenario file');
  }
  const out: Record<string, unknown> = hasBase
    ? structuredClone(base as Record<string, unknown>)
    : { name: FLAG_DEFAULTS.name, description: 'Built from command-line flags' };

  const loadFlags =
    flags.rate !== undefined || flags.concurrency !== undefined || flags.durationMs !== undefined || flags.rampMs !== undefined;
  if (loadFlags) {
    const baseLoad = isPlainObject(out.load) ? out.load : {};
    let load: Record<string, unknown>;
    let level: number;
    if (flags.rate !== undefined) {
      level = flags.rate;
      load = { model: 'open' };
      if (baseLoad.model === 'open' && baseLoad.arrivals !== undefined) load.arrivals = baseLoad.arrivals;
      const cap = flags.concurrency ?? (baseLoad.model === 'open' ? baseLoad.maxConcurrency : undefined);
      if (cap !== undefined) load.maxConcurrency = cap;
    } else if (flags.concurrency !== undefined) {
      level = flags.concurrency;
      load = { model: 'closed' };
    } else {
      const peak = peakTarget(baseLoad.stages);
      if (baseLoad.model === 'search') {
        throw errors.usage('--duration and --ramp reshape load.stages, which a capacity search generates: use --set load.stepDuration=<d> or --set load.ramp=<d>');
      }
      if (peak === undefined || baseLoad.model === undefined) {
        throw errors.usage('--duration and --ramp reshape the load of the scenario, which has none: give --rate or --concurrency too');
      }
      level = peak;
      load = { ...baseLoad };
    }
    const rampMs = flags.rampMs ?? FLAG_DEFAULTS.rampMs;
    const durationMs = flags.durationMs ?? FLAG_DEFAULTS.durationMs;
    load.stages = [
      // A 0 ms first stage is a step straight to the level (a 1 ms ramp would add rate/2000 arrivals).
      { duration: formatDurationMs(rampMs), target: level },
      { duration: formatDurationMs(durationMs), target: level },
    ];
    out.load = load;
  }

  if (flags.holdMs !== undefined) {
    out.call = { ...(isPlainObject(out.call) ? out.call : {}), hold: formatDurationMs(flags.holdMs) };
  }
  if (flags.target !== undefined) {
    out.target = { ...(isPlainObject(out.target) ? out.target : {}), uri: flags.target };
  }
  if (flags.transport !== undefined || flags.authUser !== undefined || flags.authPassword !== undefined) {
    const target = out.target;
    if (!isPlainObject(target)) {
      throw errors.usage('--transport and --auth-user/--auth-password apply to a target: give --target sip:... (or a scenario with a target)');
    }
    if (flags.transport !== undefined) target.transport = flags.transport;
    if (flags.authUser !== undefined || flags.authPassword !== undefined) {
      if (flags.authUser === undefined || flags.authPassword === undefined) throw errors.usage('--auth-user and --auth-password go together');
      target.auth = { username: flags.authUser, password: flags.authPassword };
    }
  }
  if (flags.dataFile !== undefined) {
    const call = isPlainObject(out.call) ? out.call : {};
    out.call = { ...call, data: { ...(isPlainObject(call.data) ? call.data : {}), file: flags.dataFile } };
  }
  const media = flags.media ?? (hasBase ? undefined : FLAG_DEFAULTS.media);
  if (media !== undefined) out.call = { ...(isPlainObject(out.call) ? out.call : {}), media };
  if (flags.workers !== undefined) out.workers = flags.workers;
  if (flags.capacity !== undefined) {
    if (isPlainObject(out.target)) throw errors.usage('--capacity sets the embedded call centre\'s capacity: it does not apply with a target (--target or the scenario\'s target)');
    out.embedded = { ...(isPlainObject(out.embedded) ? out.embedded : {}), capacity: flags.capacity };
  }
  return out;
}
