/**
 * The embedded call centre's CTI REST API, on loopback: originate real SIP calls,
 * follow them, list agents, read recording metadata.
 *
 *   POST /v1/calls              {to, from?, holdMs?} → 201 {id, state, to, createdAt, pacedMs?}; with dialer rules
 *                               (dialer.ts) 429 outbound-rule / 403 outside-calling-window problem+json naming the
 *                               rule, or accepted and placed `pacedMs` later
 *   GET  /v1/calls/:id          → 200 {id, state, to, from, finalCode, createdAt, answeredAt, endedAt, cause}
 *   GET  /v1/agents             → 200 {agents: [{id, state}]}
 *   GET  /v1/recordings/:callId → 200 the recording's metadata (recorder.ts RecordingMeta + urls) for a SIP Call-ID
 *                                 the call centre recorded; for an originated call's id {callId, url, durationMs, format, createdAt}
 *   GET  /v1/recordings/:callId/audio?direction=caller|echo → 200 audio/wav (default caller: what the platform received)
 *   POST /v1/sessions           {agentId} → 201 {token, agentId, createdAt} (an agent's login; 404 for an unknown agent)
 *
 * A session token is a bearer token like the API's own, so a scripted flow can log
 * an agent in and act with the token it got back (as a CTI client would).
 *
 * Every request needs `Authorization: Bearer <token>` (else 401 + WWW-Authenticate)
 * and passes a token bucket of `ratePerSec` (burst = ratePerSec; else 429 +
 * Retry-After). The bucket is checked before the token so guessing tokens is
 * rate-limited too. Every error is RFC 9457 application/problem+json.
 *
 * Why node:http and no framework: the API is four routes with one JSON body, so a
 * router/validation framework would be a new runtime dependency for ~40 lines of
 * dispatch; node:http is what such frameworks sit on anyway, and keeping the
 * dependency list short matters for a tool installed on call-centre networks.
 * Measured cost (2-core dev box, Node 20.20, server in its own process, one
 * keep-alive client sending 5,000 sequential authenticated GET /v1/agents after a
 * 1,000-request warm-up, 3 runs): 55-63 µs of server CPU per request, 89-108 µs
 * round trip — about 16,000 requests/s per core, far above what a CTI client sends.
 *
 * Started by `callcert target --cti-port` and by `callcert run` (http.load / http.flows with no base URL).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors } from '../errors.js';
import { problem, sendProblem, type Problem } from './problem.js';
import { serveRecording, recordingView } from './cti-recordings.js';
import type { CallRecorder } from './recorder.js';
import { DialerLimits } from './dialer.js';
import type { DialerLimitsSpec } from '../scenario/outbound-rules.js';
import {
  CallRegistry, OriginateError, SipOriginator, parseTarget, staticAgentPool,
  type Agent, type CtiCall, type OriginateFn,
} from './cti-calls.js';

export type { Agent, CtiCall, OriginateFn } from './cti-calls.js';

export interface CtiApiOptions {
  /** Listen address (default 127.0.0.1: the API is meant for loopback). */
  address?: string;
  /** 0 (default) for any free port. */
  port?: number;
  /** The bearer token every request must carry. */
  token: string;
  /** Sustained requests per second; burst is the same number (default 50). */
  ratePerSec?: number;
  /** How calls are placed; default: a SipOriginator owned (and closed) by this API instance. */
  originate?: OriginateFn;
  /** The agent list; default: a static pool of `agentCount` agents, busy while a call placed from them is live. */
  agents?: () => Agent[];
  /** Size of the default agent pool (default 10). */
  agentCount?: number;
  /** Ended calls kept for GET (default 100,000; oldest dropped first). */
  maxEndedCalls?: number;
  /** Default hold time of an originated call when the request gives none (default 5000 ms). */
  defaultHoldMs?: number;
  /** Monotonic clock (ms) of the rate limiter; performance.now by default (tests inject one). */
  now?: () => number;
  /** The call centre's recorder: /v1/recordings serves its calls by SIP Call-ID; null or absent: none. */
  recordings?: CallRecorder | null;
  /** Outbound limits per line (the request's `from`, else "cti") the originate enforces; null or absent: none. */
  dialer?: DialerLimitsSpec | null;
  /** Wall clock (epoch ms) of the dialer's rules; Date.now by default (tests inject one). */
  wallNow?: () => number;
}

export interface CtiApiCounters {
  requests: number;
  /** Responses by status code. */
  responses: Record<string, number>;
  originated: number;
  /** Agent logins (POST /v1/sessions). */
  sessions: number;
  unauthorized: number;
  rateLimited: number;
  /** The dialer's decisions (options.dialer): calls placed, of them paced, refused by rule. */
  dialer: { placed: number; paced: number; refused: Record<string, number> } | null;
}

export interface CtiApi {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly counters: CtiApiCounters;
  /** The registry (live and recently ended calls), for in-process inspection. */
  readonly calls: CallRegistry;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_HOLD_MS = 3_600_000;
const FROM_RE = /^[A-Za-z0-9._~-]{1,64}$/;
const POST_FIELDS = new Set(['to', 'from', 'holdMs']);
/** Sessions kept; the oldest is forgotten beyond this (its token then gets 401). */
const MAX_SESSIONS = 100_000;

/** Token bucket: `rate` tokens per second, at most `rate` stored. */
class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly now: () => number,
  ) {
    this.tokens = rate;
    this.last = now();
  }
  /** 0 when allowed, else whole seconds until a token is available (≥ 1). */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

class HttpProblem extends Error {
  constructor(
    readonly problem: Problem & { rule?: string; line?: string },
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}
const fail = (...args: Parameters<typeof problem>) => new HttpProblem(problem(...args));

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function callView(c: CtiCall) {
  return {
    id: c.id, state: c.state, to: c.to, from: c.from, holdMs: c.holdMs, finalCode: c.finalCode,
    createdAt: iso(c.createdAt), answeredAt: iso(c.answeredAt), endedAt: iso(c.endedAt), cause: c.cause,
  };
}

/** A path segment percent-decoded (a SIP Call-ID holds "@"); one that does not decode is taken as written. */
function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const media = contentType.split(';')[0].trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Answer 413 (the connection is then closed), discarding the rest of the body.
        req.removeAllListeners('data');
        req.resume();
        reject(fail('payloadTooLarge', `the body exceeds ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface OriginateBody {
  to: string;
  from: string | null;
  holdMs: number;
}

/** A request body that must be a JSON object (400 otherwise). */
function parseJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw fail('badRequest', `the body is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('badRequest', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Validates the POST /v1/calls body; every 400 names the field. */
function parseOriginate(text: string, defaultHoldMs: number): OriginateBody {
  const o = parseJsonObject(text);
  for (const k of Object.keys(o)) if (!POST_FIELDS.has(k)) throw fail('badRequest', `unknown field \`${k}\` (expected to, from, holdMs)`);
  if (o.to === undefined) throw fail('badRequest', 'missing required field `to` (a SIP URI, e.g. sip:ivr@127.0.0.1:5060)');
  if (typeof o.to !== 'string' || o.to === '') throw fail('badRequest', 'field `to` must be a non-empty string');
  let from: string | null = null;
  if (o.from !== undefined && o.from !== null) {
    if (typeof o.from !== 'string' || !FROM_RE.test(o.from)) throw fail('badRequest', 'field `from` must be 1-64 characters of A-Z a-z 0-9 . _ ~ -');
    from = o.from;
  }
  let holdMs = defaultHoldMs;
  if (o.holdMs !== undefined) {
    if (typeof o.holdMs !== 'number' || !Number.isInteger(o.holdMs) || o.holdMs < 0 || o.holdMs > MAX_HOLD_MS) {
      throw fail('badRequest', `field \`holdMs\` must be an integer from 0 to ${MAX_HOLD_MS}`);
    }
    holdMs = o.holdMs;
  }
  return { to: o.to, from, holdMs };
}

/** Validates the POST /v1/sessions body: {agentId}. */
function parseLogin(text: string): string {
  const o = parseJsonObject(text);
  for (const k of Object.keys(o)) if (k !== 'agentId') throw fail('badRequest', `unknown field \`${k}\` (expected agentId)`);
  if (typeof o.agentId !== 'string' || !FROM_RE.test(o.agentId)) throw fail('badRequest', 'field `agentId` must be 1-64 characters of A-Z a-z 0-9 . _ ~ -');
  return o.agentId;
}

export async function startCtiApi(opts: CtiApiOptions): Promise<CtiApi> {
  const address = opts.address ?? '127.0.0.1';
  const rate = opts.ratePerSec ?? 50;
  if (!(rate > 0)) throw new RangeError('ratePerSec must be > 0');
  if (opts.token === '') throw new RangeError('token must not be empty');
  const tokenDigest = digest(`Bearer ${opts.token}`);
  const bucket = new TokenBucket(rate, opts.now ?? (() => performance.now()));
  const registry = new CallRegistry(opts.maxEndedCalls ?? 100_000);
  const defaultHoldMs = opts.defaultHoldMs ?? 5000;
  let owned: SipOriginator | null = null;
  let originate: OriginateFn;
  if (opts.originate !== undefined) originate = opts.originate;
  else {
    owned = await SipOriginator.open({ address: '127.0.0.1' });
    originate = owned.originate;
  }
  const agents = opts.agents ?? staticAgentPool(opts.agentCount ?? 10, () => registry.busyAgents());
  const dialer = opts.dialer == null ? null : new DialerLimits(opts.dialer);
  const wallNow = opts.wallNow ?? (() => Date.now());
  /** Paced calls waiting to be placed: cleared (the call failed, cause aborted) when the API closes. */
  const pacing = new Map<NodeJS.Timeout, () => void>();
  const counters: CtiApiCounters = {
    requests: 0, responses: {}, originated: 0, sessions: 0, unauthorized: 0, rateLimited: 0, dialer: dialer?.counters ?? null,
  };
  /** "Bearer <session token>" digest (hex) → agent id; insertion-ordered for eviction. */
  const sessions = new Map<string, string>();
  let baseUrl = '';

  const json = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    const body = JSON.stringify(value);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
  };
  const only = (req: http.IncomingMessage, method: string) => {
    if (req.method !== method) {
      throw new HttpProblem(problem('methodNotAllowed', `${req.method} is not allowed here; use ${method}`), { allow: method });
    }
  };

  /** Places the call `delayMs` from now (the dialer paces its line); a failure then ends it as failed. */
  function paced(delayMs: number): OriginateFn {
    return (call, onEnd) => {
      const endFailed = (cause: string) => {
        call.state = 'failed';
        call.cause = cause;
        call.endedAt = Date.now();
        onEnd();
      };
      const t = setTimeout(() => {
        pacing.delete(t);
        try {
          originate(call, onEnd);
        } catch (e) {
          endFailed(e instanceof OriginateError ? 'rejected' : 'error');
        }
      }, delayMs);
      pacing.set(t, () => endFailed('aborted'));
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const wait = bucket.take();
    if (wait > 0) {
      counters.rateLimited++;
      throw new HttpProblem(problem('tooManyRequests', `more than ${rate} requests per second; retry in ${wait} s`), { 'retry-after': String(wait) });
    }
    const auth = req.headers.authorization;
    // Session tokens are looked up by digest: a Map lookup does not leak timing about the token itself.
    if (auth === undefined || (!timingSafeEqual(digest(auth), tokenDigest) && !sessions.has(digest(auth).toString('hex')))) {
      counters.unauthorized++;
      const detail = auth === undefined ? 'the Authorization header is missing' : 'the bearer token is not valid';
      throw new HttpProblem(problem('unauthorized', detail), { 'www-authenticate': 'Bearer realm="callcert-cti"' });
    }
    const path = (req.url ?? '/').split('?')[0];
    const seg = path.split('/');
    // seg[0] is '' (leading slash)
    if (seg.length === 3 && seg[1] === 'v1' && seg[2] === 'calls') {
      only(req, 'POST');
      if (!isJsonType(req.headers['content-type'])) {
        throw fail('unsupportedMediaType', `Content-Type must be application/json, not ${req.headers['content-type'] ?? '(none)'}`);
      }
      const body = parseOriginate(await readBody(req), defaultHoldMs);
      let place = originate;
      let pacedMs = 0;
      if (dialer !== null) {
        const line = body.from ?? 'cti';
        // The target is checked before a rule books the line: a bad request is no call of it.
        if (opts.originate === undefined) {
          try {
            parseTarget(body.to, false);
          } catch (e) {
            if (e instanceof OriginateError) throw fail('badRequest', e.message);
            throw e;
          }
        }
        const d = dialer.decide(line, wallNow());
        if (d.kind === 'refuse') {
          const p = { ...problem(d.status === 403 ? 'outsideWindow' : 'outboundRule', d.detail), rule: d.rule, line };
          throw new HttpProblem(p, d.retryAfterS === null ? {} : { 'retry-after': String(d.retryAfterS) });
        }
        pacedMs = Math.round(d.delayMs);
        if (pacedMs > 0) place = paced(pacedMs);
      }
      let call: CtiCall;
      try {
        call = registry.create(body, place);
      } catch (e) {
        if (e instanceof OriginateError) throw fail(e.status === 400 ? 'badRequest' : 'unavailable', e.message);
        throw e;
      }
      counters.originated++;
      const view = { id: call.id, state: call.state, to: call.to, createdAt: iso(call.createdAt), ...(pacedMs > 0 ? { pacedMs } : {}) };
      return json(res, 201, view, { location: `/v1/calls/${call.id}` });
    }
    if (seg.length === 4 && seg[1] === 'v1' && seg[2] === 'calls' && seg[3] !== '') {
      only(req, 'GET');
      const call = registry.get(seg[3]);
      if (call === undefined) throw fail('notFound', `no call with id ${seg[3]}`);
      return json(res, 200, callView(call));
    }
    if (seg.length === 3 && seg[1] === 'v1' && seg[2] === 'sessions') {
      only(req, 'POST');
      if (!isJsonType(req.headers['content-type'])) {
        throw fail('unsupportedMediaType', `Content-Type must be application/json, not ${req.headers['content-type'] ?? '(none)'}`);
      }
      const agentId = parseLogin(await readBody(req));
      if (!agents().some((a) => a.id === agentId)) throw fail('notFound', `no agent with id ${agentId}`);
      const token = randomBytes(16).toString('hex');
      sessions.set(digest(`Bearer ${token}`).toString('hex'), agentId);
      if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      counters.sessions++;
      return json(res, 201, { token, agentId, createdAt: new Date().toISOString() });
    }
    if (seg.length === 3 && seg[1] === 'v1' && seg[2] === 'agents') {
      only(req, 'GET');
      return json(res, 200, { agents: agents() });
    }
    if ((seg.length === 4 || (seg.length === 5 && seg[4] === 'audio')) && seg[1] === 'v1' && seg[2] === 'recordings' && seg[3] !== '') {
      only(req, 'GET');
      const id = decodeSegment(seg[3]);
      const meta = (await opts.recordings?.meta(id)) ?? null;
      if (seg.length === 5) {
        if (meta === null || opts.recordings == null) throw fail('notFound', `no recording of call ${id}${opts.recordings == null ? ' (this call centre does not record: callcert simulate --recordings DIR)' : ''}`);
        const direction = new URL(req.url ?? '/', 'http://x').searchParams.get('direction') ?? 'caller';
        if (direction !== 'caller' && direction !== 'echo') throw fail('badRequest', `query parameter \`direction\` must be caller or echo, not ${direction}`);
        if (!(await serveRecording(res, opts.recordings.audioPath(id, direction)))) throw fail('notFound', `the ${direction} audio of call ${id} is gone (deleted by retention)`);
        return;
      }
      if (meta !== null) return json(res, 200, recordingView(meta, `${baseUrl}/v1/recordings/${encodeURIComponent(id)}`));
      const call = registry.get(id);
      if (call === undefined) throw fail('notFound', `no recording and no call with id ${id}`);
      if (call.answeredAt === null) throw fail('notFound', `call ${call.id} was not answered: it has no recording`);
      if (call.endedAt === null) throw fail('notFound', `call ${call.id} is still in progress: its recording exists once it ends`);
      return json(res, 200, {
        callId: call.id,
        // An originated call's own record: its audio is kept by whoever answered it, under its SIP Call-ID.
        url: `${baseUrl}/v1/recordings/${call.id}/audio`,
        durationMs: Math.max(0, call.endedAt - call.answeredAt),
        format: 'audio/wav',
        createdAt: iso(call.endedAt),
      });
    }
    throw fail('notFound', `no route for ${path}`);
  }

  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 }, (req, res) => {
    counters.requests++;
    res.on('finish', () => {
      const k = String(res.statusCode);
      counters.responses[k] = (counters.responses[k] ?? 0) + 1;
    });
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpProblem) {
        // Don't leave an unread body in the connection (e.g. a 401 on a POST): close it instead.
        const headers = req.complete ? e.headers : { ...e.headers, connection: 'close' };
        return sendProblem(res, e.problem, headers);
      }
      sendProblem(res, problem('internal', e instanceof Error ? e.message : String(e)));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await owned?.close();
    const err = e as Error & { code?: string };
    if (err.code === 'EADDRINUSE') throw errors.portInUse(`TCP ${address}:${opts.port} is already in use (CTI API)`, { address, port: opts.port });
    throw e;
  }
  const a = server.address() as AddressInfo;
  baseUrl = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;

  let closing: Promise<void> | null = null;
  return {
    url: baseUrl,
    counters,
    calls: registry,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        for (const [t, abort] of pacing) {
          clearTimeout(t);
          abort();
        }
        pacing.clear();
        await owned?.close();
      })();
      return closing;
    },
  };
}
