/**
 * The YAML shape of a scenario file, as zod 4 schemas. Every object is strict
 * (unknown keys are errors with did-you-mean hints), and every leaf carries its
 * own "expected X, got Y" message so that load.ts can print one line per issue.
 *
 * Schemas here only validate; they never transform. Defaults live in DEFAULTS
 * and are applied by load.ts when it builds the normalized Scenario (types.ts);
 * they are repeated as JSON-schema annotations with `.meta({ default })`.
 *
 * scenarios/schema.json is generated from ScenarioSchema (renderJsonSchema);
 * run `npm run schema` after changing anything here (test/unit/schema-json.test.ts
 * fails until you do).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { SIP_URI_EXAMPLE, parseSipUri } from '../sip/message/uri.js';
import { TRANSPORT_KINDS, isTransportKind } from '../sip/transport/types.js';
import type { CriterionMetric } from './types.js';
import { expectedGot } from '../util/duration.js';
import { DurationSchema, PositiveDurationSchema, durationMessage, expect, numberSchema, type ErrorFn } from '../util/schema-fields.js';

export { DurationSchema, PositiveDurationSchema };
import { LOAD_DEFAULTS, StageSchema } from '../load/schema.js';
import { LoadSchema } from '../load/models/registry.js';
import { OPEN_DEFAULTS } from '../load/models/open.js';
import { CallMediaSchema, MediaSchema } from '../media/schema.js';
import { SEARCH_DEFAULTS } from '../load/models/search.js';
import { EmbeddedRecordingsSchema, RecordingsSchema } from './recordings.js';
import { EmbeddedDialerSchema, OutboundRulesSchema } from './outbound-rules.js';
import { PlatformSchema } from '../platform/schema.js';
import {
  KNOWN_METRICS, METRIC_DESCRIPTIONS, METRIC_FORMS, PLAIN_METRICS, SELECTOR_METRICS, SELECTOR_TAGS, SELECTOR_VALUE_PATTERN,
  exampleOf, isHistogramMetric, metricForm, tryParseCriterionEntry, tryParseMetricName, type CriterionEntryInput,
} from './criteria.js';

/** Defaults applied by load.ts for everything optional. */
export const DEFAULTS = {
  description: '',
  transport: 'udp',
  port: 5060,
  embedded: { capacity: 2000, ring: '0s', answerRatio: 1, calleeHangup: null },
  arrivals: OPEN_DEFAULTS.arrivals,
  maxConcurrency: OPEN_DEFAULTS.maxConcurrency,
  gracefulStop: LOAD_DEFAULTS.gracefulStop,
  call: { hold: '20s', ringTimeout: '30s', from: 'callcert', sdp: true },
  workers: null,
  localAddress: '127.0.0.1',
  generator: { maxScheduleSlipMsP99: 20, maxEventLoopLagMsP99: 50, maxMediaSendSlipMsP99: 10 },
  http: { method: 'GET', connections: 8, start: '0s', timeout: '10s', expectStatus: [200] },
  search: SEARCH_DEFAULTS,
} as const;

// ---------------------------------------------------------------------------
// Messages

/** YAML turns `password: 1234` into a number: tell the user to quote it. */
function quoteHint(input: unknown): string | undefined {
  return typeof input === 'number' || typeof input === 'boolean' ? `quote it: "${String(input)}"` : undefined;
}

// ---------------------------------------------------------------------------
// target

const UNSUPPORTED_TRANSPORTS: Record<string, string> = {
  tls: 'TLS is not supported yet',
  ws: 'WebSocket is not supported yet',
  wss: 'WebSocket is not supported yet',
  sctp: 'SCTP is not supported yet',
};

function transportHint(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const lower = input.toLowerCase();
  if (UNSUPPORTED_TRANSPORTS[lower]) return UNSUPPORTED_TRANSPORTS[lower];
  if (isTransportKind(lower)) return `write ${lower} in lower case`;
  return undefined;
}

const TargetSchema = z
  .strictObject(
    {
      uri: z
        .string({ error: expect(`a SIP URI such as ${SIP_URI_EXAMPLE}`, quoteHint) })
        .superRefine((v, ctx) => {
          const r = parseSipUri(v);
          if ('error' in r) ctx.addIssue({ code: 'custom', message: expectedGot(r.error, v, r.hint), input: v });
          else if (r.transportParam !== null && !isTransportKind(r.transportParam)) {
            ctx.addIssue({
              code: 'custom',
              message: expectedGot('transport=udp or transport=tcp in the URI', v, UNSUPPORTED_TRANSPORTS[r.transportParam]),
              input: v,
            });
          }
        })
        .meta({
          description: 'Request-URI to call. Host and port (default 5060) are where requests go unless `proxy` is set.',
          pattern: '^[sS][iI][pP]:',
          examples: [SIP_URI_EXAMPLE, 'sip:127.0.0.1:5080'],
        }),
      transport: z
        .enum(TRANSPORT_KINDS, { error: expect('udp or tcp', transportHint) })
        .optional()
        .meta({ description: 'udp or tcp (tls and ws are not supported yet). Default: udp, or the ;transport= parameter of the URI.' }),
      proxy: z
        .string({ error: expect('host or host:port', quoteHint) })
        .superRefine((v, ctx) => {
          const r = parseSipUri(`sip:${v}`);
          if ('error' in r || r.user !== null || /[;?]/.test(v)) {
            ctx.addIssue({ code: 'custom', message: expectedGot('host or host:port (e.g. 10.0.0.1:5060)', v), input: v });
          }
        })
        .optional()
        .meta({ description: 'Send requests to this host[:port] (outbound proxy / SBC) instead of the URI host.' }),
      auth: z
        .strictObject(
          {
            username: z.string({ error: expect('a user name', quoteHint) }).min(1, { error: expect('a non-empty user name') }),
            password: z.string({ error: expect('a password string', quoteHint) }),
          },
          { error: expect('a mapping { username, password }') },
        )
        .nullable()
        .optional()
        .meta({ description: 'Digest credentials for 401/407 challenges.' }),
    },
    { error: expect(`a mapping such as { uri: ${SIP_URI_EXAMPLE} }`, (i) => (typeof i === 'string' ? `write target: { uri: ${i} }` : undefined)) },
  )
  .nullable()
  .optional()
  .meta({ description: 'The system under test. Omit (or null) to start the embedded call centre on loopback.' });

// ---------------------------------------------------------------------------
// embedded

const EmbeddedSchema = z
  .strictObject(
    {
      capacity: numberSchema({ int: true, min: 0 }).optional().meta({ description: 'Simultaneous calls accepted; calls beyond are refused.', default: DEFAULTS.embedded.capacity }),
      ring: DurationSchema.optional().meta({ description: 'Time between 180 Ringing and 200 OK.', default: DEFAULTS.embedded.ring }),
      answerRatio: numberSchema({ min: 0, max: 1 }).optional().meta({ description: 'Share of calls answered (the rest are rejected).', default: DEFAULTS.embedded.answerRatio }),
      calleeHangup: PositiveDurationSchema.nullable().optional().meta({ description: 'Hang up answered calls after this long (null: never; the caller hangs up).', default: null }),
      recordings: EmbeddedRecordingsSchema,
      dialer: EmbeddedDialerSchema,
    },
    { error: expect('a mapping of embedded call-centre options (capacity, ring, answerRatio, calleeHangup, recordings, dialer)') },
  )
  .optional()
  .meta({ description: 'Options of the embedded call centre (used when there is no target, and by `callcert target`).' });

// ---------------------------------------------------------------------------
// load

// ---------------------------------------------------------------------------
// call

const DISTS = ['fixed', 'uniform', 'exponential', 'normal'] as const;
const distError: ErrorFn = (iss) =>
  iss.code === 'invalid_union'
    ? expectedGot(`one of ${DISTS.join(', ')}`, (iss.input as { dist?: unknown } | undefined)?.dist)
    : expectedGot('a distribution mapping such as { dist: exponential, mean: 20s }', iss.input);

const DistributionSchema = z.discriminatedUnion(
  'dist',
  [
    z.strictObject({ dist: z.literal('fixed'), value: DurationSchema }, { error: distError }),
    z.strictObject({ dist: z.literal('uniform'), min: DurationSchema, max: DurationSchema }, { error: distError }),
    z.strictObject({ dist: z.literal('exponential'), mean: PositiveDurationSchema }, { error: distError }),
    z.strictObject(
      {
        dist: z.literal('normal'),
        mean: DurationSchema,
        stddev: DurationSchema,
        min: DurationSchema.optional().meta({ description: 'Draws below this are raised to it.', default: '0s' }),
      },
      { error: distError },
    ),
  ],
  { error: distError },
);

const HoldSchema = z
  .union([DurationSchema, DistributionSchema], {
    error: (iss) =>
      typeof iss.input === 'string' || typeof iss.input === 'number'
        ? durationMessage(iss.input, false)
        : expectedGot('a duration such as 20s, or a distribution such as { dist: exponential, mean: 20s }', iss.input),
  })
  .meta({ description: 'How long answered calls stay up before callcert sends BYE: a duration (fixed) or a distribution.' });

/** An HTTP (or SIP) header name (RFC 9110 token). */
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A SIP user part as callcert sends it (From, To, Request-URI). */
export const SIP_USER_RE = /^[A-Za-z0-9._~+-]{1,64}$/;
export const SIP_USER_EXPECTED = 'a SIP user name (letters, digits, . _ ~ + -; at most 64)';
/** A SIP user part, literal or with {{column}} templates (rendered values are checked per row, scenario/call-data.ts). */
export const SIP_USER_TEMPLATE_RE = /^(?:[A-Za-z0-9._~+-]|\{\{\s*[A-Za-z_][A-Za-z0-9_.-]*\s*\}\})+$/;
/** Headers callcert writes itself: call.headers may not repeat them. */
const RESERVED_SIP_HEADERS = new Set([
  'via', 'from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards', 'user-agent', 'content-length', 'content-type',
  'route', 'authorization', 'proxy-authorization',
]);

const CallSchema = z
  .strictObject(
    {
      hold: HoldSchema.optional().meta({ default: DEFAULTS.call.hold }),
      ringTimeout: PositiveDurationSchema.optional().meta({ description: 'CANCEL the INVITE when no final response arrived by then.', default: DEFAULTS.call.ringTimeout }),
      from: z
        .string({ error: expect(SIP_USER_EXPECTED, quoteHint) })
        .regex(SIP_USER_TEMPLATE_RE, { error: expect(`${SIP_USER_EXPECTED}, or {{column}} templates of call.data`) })
        .refine((v) => v.includes('{{') || SIP_USER_RE.test(v), { error: expect(SIP_USER_EXPECTED) })
        .optional()
        .meta({
          description: 'User part of the From URI; may hold {{column}} templates of call.data. Default: the auth user (target.auth.username) when it is a SIP user name, else "callcert".',
          examples: ['agent-7', '{{user}}'],
        }),
      displayName: z
        .string({ error: expect('a display name string', quoteHint) })
        .refine((v) => !/[\r\n\0]/.test(v) && v.length <= 128, { error: expect('a display name on one line (at most 128 characters)') })
        .optional()
        .meta({ description: 'Display name of the From header (sent quoted); may hold {{column}} templates. Default: none.', examples: ['Agent {{user}}'] }),
      to: z
        .string({ error: expect(SIP_USER_EXPECTED, quoteHint) })
        .regex(SIP_USER_TEMPLATE_RE, { error: expect(`${SIP_USER_EXPECTED}, or {{column}} templates of call.data`) })
        .refine((v) => v.includes('{{') || SIP_USER_RE.test(v), { error: expect(SIP_USER_EXPECTED) })
        .optional()
        .meta({ description: 'User part of the Request-URI and To (the number dialled); may hold {{column}} templates. Default: the user of target.uri.', examples: ['{{number}}'] }),
      headers: z
        .record(
          z
            .string()
            .regex(HEADER_NAME_RE, { error: expect('a SIP header name (letters, digits and !#$%&\'*+.^_`|~-)') }),
          z.string({ error: expect('a header value string', quoteHint) }).refine((v) => !/[\r\n]/.test(v), { error: expect('a header value on one line') }),
          { error: expect('a mapping of header: value, e.g. { X-Tenant: "{{tenant}}" }') },
        )
        .superRefine((h, ctx) => {
          for (const name of Object.keys(h)) {
            if (RESERVED_SIP_HEADERS.has(name.toLowerCase())) {
              ctx.addIssue({ code: 'custom', path: [name], input: name, message: expectedGot(`a header callcert does not set itself (not ${[...RESERVED_SIP_HEADERS].join(', ')})`, name) });
            }
          }
        })
        .optional()
        .meta({ description: 'Extra headers of every INVITE, in the order given; values may hold {{column}} templates.' }),
      data: z
        .strictObject(
          {
            file: z
              .string({ error: expect('a CSV file path', quoteHint) })
              .min(1, { error: expect('a CSV file path') })
              .meta({ description: 'CSV with a header row naming the columns, or a SIPp injection file (first line SEQUENTIAL, RANDOM or USER; ";"-separated; columns field0, field1, ...); relative to the scenario file.' }),
            order: z
              .enum(['sequential', 'random', 'unique'], { error: expect('sequential, random or unique') })
              .optional()
              .meta({ description: 'sequential: call k gets row k mod rows; random: a row at random; unique: call k gets row k, and calls past the last row fail (data_exhausted). Default: the SIPp file\'s first line (RANDOM: random), else sequential.' }),
          },
          { error: expect('a mapping { file, order }') },
        )
        .optional()
        .meta({ description: 'Per-call data: one row per call, its columns usable as {{column}} in call.from, call.displayName, call.to, call.headers and target.auth.' }),
      sdp: z.boolean({ error: expect('true or false') }).optional().meta({ description: 'Offer SDP (G.711) in the INVITE.', default: DEFAULTS.call.sdp }),
      media: CallMediaSchema.optional(),
    },
    { error: expect('a mapping of call options (hold, ringTimeout, from, displayName, to, headers, data, sdp, media)') },
  )
  .optional()
  .meta({ description: 'What each call does.' });

// ---------------------------------------------------------------------------
// criteria

const HISTOGRAM_EXPR_PATTERN = '^\\s*(p\\s*\\([^)]*\\)|max|avg|mean|med)\\s*(<=|>=|==|<|>)\\s*\\S.*$';
const SCALAR_EXPR_PATTERN = '^\\s*(value\\s*)?(<=|>=|==|<|>)\\s*\\S.*$';

type IssueSink = { addIssue(i: { code: 'custom'; message: string; input: unknown; path: (string | number)[] }): void };

/** Issues of one criteria value (an expression, an options mapping or a list of them) for the metric `key`. */
function entryIssues(key: string, v: CriterionEntryInput | CriterionEntryInput[], ctx: IssueSink, prefix: (string | number)[] = []): void {
  const list = Array.isArray(v) ? v : [v];
  list.forEach((e, i) => {
    const r = tryParseCriterionEntry(key, e);
    if (!r.ok) {
      const path: (string | number)[] = [...prefix, ...(Array.isArray(v) ? [i] : []), ...(r.field === null ? [] : [r.field])];
      ctx.addIssue({ code: 'custom', message: expectedGot(r.expected, r.input, r.hint), input: r.input, path });
    }
  });
}

/** The shapes a criteria value may take (expressions are checked by entryIssues). */
function criterionValueSchema(metric: CriterionMetric) {
  const histogram = isHistogramMetric(metric);
  const example = exampleOf(metric);
  const expr = z
    .string({ error: expect(`an expression such as ${example}`, (i) => (typeof i === 'number' ? 'criteria are comparisons, not bare numbers' : undefined)) })
    .meta({ pattern: histogram ? HISTOGRAM_EXPR_PATTERN : SCALAR_EXPR_PATTERN });
  // k6's object form: { threshold, abortOnFail, delayAbortEval }.
  const withOptions = z.strictObject(
    {
      threshold: expr,
      abortOnFail: z.boolean({ error: expect('true or false') }).optional().meta({ description: 'Stop the run (gracefully, verdict failed) as soon as this criterion fails while running.', default: false }),
      delayAbortEval: DurationSchema.optional().meta({ description: 'Do not abort before this long after the start (let samples accumulate).', default: '0s' }),
    },
    { error: expect(`an expression such as ${example}, or { threshold: ${example}, abortOnFail: true, delayAbortEval: 10s }`) },
  );
  const entry = z.union([expr, withOptions], { error: expect(`an expression such as ${example}, or { threshold: ${example}, abortOnFail: true }`) });
  // One flat union (not entry | list): a mapping with a bad field is then reported at that field.
  return z.union([expr, withOptions, z.array(entry, { error: expect(`a list of expressions such as [${example}]`) })], {
    error: expect(`an expression such as ${example}, or a list of them`),
  });
}

function criterionListSchema(metric: CriterionMetric) {
  return criterionValueSchema(metric)
    .superRefine((v, ctx) => entryIssues(metric, v, ctx))
    .optional()
    .meta({ description: METRIC_DESCRIPTIONS[metric] });
}

const criteriaShape = Object.fromEntries(PLAIN_METRICS.map((m) => [m, criterionListSchema(m)])) as Record<
  CriterionMetric,
  ReturnType<typeof criterionListSchema>
>;

/** JSON schema of the keys with a selector (zod checks them in CriteriaSchema's refinement). */
function selectorKeysJson(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const value = `(?:\\s*:\\s*)${SELECTOR_VALUE_PATTERN}`;
  for (const m of SELECTOR_METRICS) {
    const tags = SELECTOR_TAGS[m] ?? [];
    // Its $ref (duration) points at the root's definitions: drop this document's own copy.
    const { $schema: _s, definitions: _d, ...json } = z.toJSONSchema(criterionValueSchema(m), { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
    out[`^${m}\\{${tags.map((t) => `${t}${value}`).join('\\s*,\\s*')}\\}$`] = { ...json, description: `${METRIC_DESCRIPTIONS[m]} Key: ${metricForm(m)}.` };
  }
  return out;
}

const CriteriaSchema = z
  .object(criteriaShape, { error: expect('a mapping of metric: [expressions], e.g. { ser: [">=0.999"] }') })
  // Keys with a selector (flow_ms{flow:agent-call}) are free-form to zod: the refinement parses them.
  .catchall(criterionValueSchema('http_latency_ms'))
  .superRefine((v, ctx) => {
    for (const key of Object.keys(v)) {
      if (Object.hasOwn(criteriaShape, key)) continue;
      const n = tryParseMetricName(key);
      if (!n.ok && n.unknown) ctx.addIssue({ code: 'custom', path: [], input: key, message: unknownFieldMessage(['criteria'], key) });
      else if (!n.ok) ctx.addIssue({ code: 'custom', path: [key], input: key, message: expectedGot(n.expected, key, n.hint) });
      else entryIssues(key, (v as Record<string, CriterionEntryInput | CriterionEntryInput[]>)[key], ctx, [key]);
    }
  })
  .optional()
  .meta({
    description:
      'Pass criteria, k6-style: metric: ["p(95)<800", ...], or entries { threshold, abortOnFail, delayAbortEval }. The run fails when any is not met. ' +
      'HTTP loads, flows and flow steps are named with a k6 selector: http_latency_ms{load:agents}, flow_failures{flow:agent-call}, flow_step_ms{flow:agent-call,step:login} (names from http.load / http.flows); dial_latency_ms and outbound_* need a uas section; platform servers as platform_cpu_pct{instance:app1} (names from platform.targets). ' +
      'Evaluated every second on the data so far and at the end; abortOnFail stops the run once a failure is decided (never for cps_achieved or http_rps; counts only above their bound; concurrency_sustained once its hold window has begun; outbound_concurrency_sustained once the flows are over). ' +
      'With load.model: search each step is judged on its own hold window (default: setup_ms p(95)<800 and ser >=0.999; SIP metrics only), and concurrency_sustained is the share of the step level held (e.g. ">=0.99").',
    additionalProperties: false,
    patternProperties: selectorKeysJson(),
  });

// ---------------------------------------------------------------------------
// http

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const HTTP_URL_EXAMPLE = 'http://127.0.0.1:8080';

/** true for an absolute http: or https: URL with a host. */
export function isAbsoluteHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '' && /^https?:\/\//i.test(v);
  } catch {
    return false;
  }
}

/** A path resolved against http.baseUrl (or the embedded CTI API): "/v1/agents", not "//host/x". */
export function isHttpPath(v: string): boolean {
  return v.startsWith('/') && !v.startsWith('//') && !/\s/.test(v);
}

function urlHint(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(input);
  if (scheme && !/^https?$/i.test(scheme[1])) return `${scheme[1].toLowerCase()}: URLs are not supported`;
  if (input !== '' && !input.includes(':') && !input.startsWith('/')) return `write /${input} or a full URL`;
  return undefined;
}

/** Case-insensitive JSON-schema pattern for the methods ("get" is accepted and upper-cased). */
const METHOD_PATTERN = `^(?:${HTTP_METHODS.map((m) => [...m].map((c) => `[${c}${c.toLowerCase()}]`).join('')).join('|')})$`;
const methodExpected = `one of ${HTTP_METHODS.join(', ')}`;

const HTTP_LOAD_NAME_RE = /^[a-z0-9._-]{1,64}$/;

const statusSchema = numberSchema({ int: true, min: 100, max: 599, what: 'an HTTP status code' });
const statusListError: ErrorFn = (iss) =>
  typeof iss.input === 'number'
    ? expectedGot('an HTTP status code between 100 and 599', iss.input)
    : expectedGot('an HTTP status code, or a list of them such as [200, 204]', iss.input);

const HttpLoadSchema = z.strictObject(
  {
    name: z
      .string({ error: expect('a name of lower-case letters, digits, ".", "_" and "-"', quoteHint) })
      .regex(HTTP_LOAD_NAME_RE, { error: expect('a name of lower-case letters, digits, ".", "_" and "-" (at most 64)') })
      .meta({ description: 'Unique name of this load; its results are under summary.http.<name>.' }),
    method: z
      .string({ error: expect(methodExpected) })
      .refine((v) => (HTTP_METHODS as readonly string[]).includes(v.toUpperCase()), { error: expect(methodExpected) })
      .optional()
      .meta({ description: `HTTP method: ${HTTP_METHODS.join(', ')} (any case).`, default: DEFAULTS.http.method, pattern: METHOD_PATTERN }),
    url: z
      .string({ error: expect('an absolute http(s) URL or a path starting with "/"', quoteHint) })
      .refine((v) => isAbsoluteHttpUrl(v) || isHttpPath(v), { error: expect('an absolute http(s) URL or a path starting with "/"', urlHint) })
      .meta({
        description: 'Absolute http(s) URL, or a path starting with "/" resolved against http.baseUrl (or the embedded CTI API when there is no target).',
        examples: ['/v1/agents', `${HTTP_URL_EXAMPLE}/v1/agents`],
      }),
    headers: z
      .record(
        z.string().regex(HEADER_NAME_RE, { error: expect('an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)') }),
        z
          .string({ error: expect('a header value string', quoteHint) })
          .refine((v) => !/[\r\n]/.test(v), { error: expect('a header value on one line') }),
        { error: expect('a mapping of header: value, e.g. { x-tenant: a }') },
      )
      .optional()
      .meta({ description: 'Request headers (names are case-insensitive; they are sent in lower case).' }),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown())], { error: expect('a string, or a mapping (sent as JSON)') })
      .optional()
      .meta({ description: 'Request body: a string as is, or a mapping sent as JSON (with content-type: application/json unless a content-type header is given).' }),
    connections: numberSchema({ int: true, min: 1, max: 1024 })
      .optional()
      .meta({ description: 'Connections (in-flight requests at most) to the server.', default: DEFAULTS.http.connections }),
    rate: z
      .union([numberSchema({ gt: 0 }), z.literal('max')], { error: expect('requests per second (a number > 0), or "max"') })
      .meta({
        description: 'Requests per second, sent at fixed intervals whatever the response times (open model; latency from the intended send time), '
          + 'or "max": as many as `connections` × `pipelining` keep busy (closed loop, autocannon; throughput, latency from the actual send).',
        examples: [200, 'max'],
      }),
    pipelining: numberSchema({ int: true, min: 1, max: 64 })
      .optional()
      .meta({ description: 'With rate: max, requests outstanding per connection (HTTP/1.1 pipelining; 1 = none).', default: 1 }),
    start: DurationSchema.optional().meta({ description: 'When to start, from the start of the run.', default: DEFAULTS.http.start }),
    duration: PositiveDurationSchema.meta({ description: 'How long to send requests; start + duration must be within the SIP load (load.stages).' }),
    timeout: PositiveDurationSchema.optional().meta({ description: 'A request without a response by then counts as a timeout.', default: DEFAULTS.http.timeout }),
    expectStatus: z
      .union([statusSchema, z.array(statusSchema, { error: statusListError }).min(1, { error: expect('at least one HTTP status code') })], { error: statusListError })
      .optional()
      .meta({ description: 'Status codes that count as success (a code or a list of them).', default: [...DEFAULTS.http.expectStatus] }),
  },
  { error: expect('an HTTP load { name, url, rate, duration }') },
).superRefine((l, ctx) => {
  // A fixed-rate run paces one request per connection at a time; pipelining only means something in a closed loop.
  if (l.pipelining !== undefined && l.pipelining !== 1 && l.rate !== 'max') {
    ctx.addIssue({
      code: 'custom', path: ['pipelining'], input: l.pipelining,
      message: expectedGot('pipelining only with rate: max', l.pipelining, 'a fixed-rate load sends one request per connection at a time'),
    });
  }
});

// http.flows: scripted multi-step flows (src/http/flows), and the UAS that answers outbound calls

const FLOW_VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JSON_PATH_EXAMPLE = '$.data.id';

const FlowRequestSchema = z.strictObject(
  {
    method: z
      .string({ error: expect(methodExpected) })
      .refine((v) => (HTTP_METHODS as readonly string[]).includes(v.toUpperCase()), { error: expect(methodExpected) })
      .optional()
      .meta({ description: `HTTP method (any case).`, default: DEFAULTS.http.method, pattern: METHOD_PATTERN }),
    url: z
      .string({ error: expect('an absolute http(s) URL or a path starting with "/"', quoteHint) })
      .refine((v) => isAbsoluteHttpUrl(v.replace(/\{\{[^}]*\}\}/g, 'x')) || isHttpPath(v), { error: expect('an absolute http(s) URL or a path starting with "/"', urlHint) })
      .meta({ description: 'URL or path (resolved against http.baseUrl, or the embedded CTI API); may hold {{variables}}.', examples: ['/v1/calls/{{callId}}'] }),
    headers: z
      .record(
        z.string().regex(HEADER_NAME_RE, { error: expect('an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)') }),
        z.string({ error: expect('a header value string', quoteHint) }).refine((v) => !/[\r\n]/.test(v), { error: expect('a header value on one line') }),
        { error: expect('a mapping of header: value, e.g. { authorization: "Bearer {{token}}" }') },
      )
      .optional()
      .meta({ description: 'Request headers; values may hold {{variables}}.' }),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown())], { error: expect('a string, or a mapping (sent as JSON)') })
      .optional()
      .meta({ description: 'A string as is, or a mapping sent as JSON; string leaves may hold {{variables}} ("{{n}}" alone keeps the value\'s JSON type).' }),
  },
  { error: expect('a request { method, url, headers, body }') },
);

const FlowCheckSchema = z.strictObject(
  {
    status: z
      .union([statusSchema, z.array(statusSchema, { error: statusListError }).min(1, { error: expect('at least one HTTP status code') })], { error: statusListError })
      .optional()
      .meta({ description: 'Status code(s) required (default: any 2xx).' }),
    body: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()], { error: expect('a string, number, boolean or null to compare with') }), {
        error: expect(`a mapping of JSON path: expected value, e.g. { "${JSON_PATH_EXAMPLE}": answered }`),
      })
      .optional()
      .meta({ description: 'JSON paths of the response body and the value each must equal (strings may hold {{variables}}).' }),
  },
  { error: expect('a check { status, body }') },
);

const ExtractSchema = z
  .record(z.string().regex(FLOW_VAR_RE, { error: expect('a variable name (letters, digits, "_")') }), z.string({ error: expect(`a JSON path such as ${JSON_PATH_EXAMPLE}`, quoteHint) }), {
    error: expect(`a mapping of variable: JSON path, e.g. { callId: "$.id" }`),
  })
  .optional()
  .meta({ description: 'Variables picked from the JSON response body (JSONPath subset: $.a.b[0]["c d"]).' });

const ThinkSchema = z.union(
  [
    DurationSchema,
    z.strictObject({ min: DurationSchema, max: DurationSchema }, { error: expect('a duration, or { min, max } for a uniform random pause') }),
  ],
  { error: expect('a duration such as 500ms, or { min: 200ms, max: 1s }') },
);

const FlowStepSchema = z.strictObject(
  {
    name: z
      .string({ error: expect('a step name', quoteHint) })
      .regex(HTTP_LOAD_NAME_RE, { error: expect('a name of lower-case letters, digits, ".", "_" and "-" (at most 64)') })
      .optional()
      .meta({ description: 'Key of the step in summary.httpFlows.<flow>.steps (default: <kind><n>, e.g. request1).' }),
    request: FlowRequestSchema.optional().meta({ description: 'Send one request.' }),
    expect: FlowCheckSchema.optional().meta({ description: 'request steps: what the response must be (else the flow fails with expect_failed; a wrong status is counted as status).' }),
    extract: ExtractSchema,
    think: ThinkSchema.optional().meta({ description: 'Pause: a fixed duration, or { min, max } uniform.' }),
    poll: z
      .strictObject(
        {
          request: FlowRequestSchema,
          until: FlowCheckSchema,
          every: PositiveDurationSchema.optional().meta({ description: 'Pause between attempts.', default: '250ms' }),
          timeout: PositiveDurationSchema.meta({ description: 'Give up (poll_timeout) when the condition is not met by then, counted from the step start.' }),
        },
        { error: expect('a poll { request, until, every, timeout }') },
      )
      .optional()
      .meta({ description: 'Repeat a request until its response meets `until`, or fail with poll_timeout.' }),
    waitCall: z
      .strictObject({ timeout: PositiveDurationSchema }, { error: expect('{ timeout } (how long to wait for the INVITE)') })
      .optional()
      .meta({ description: 'Wait for the INVITE the platform sends to {{uas.uri}} for this flow (else the flow fails with no_invite).' }),
  },
  { error: expect('a step with one of request, think, poll, waitCall') },
);

const HttpFlowSchema = z.strictObject(
  {
    name: z
      .string({ error: expect('a flow name', quoteHint) })
      .regex(HTTP_LOAD_NAME_RE, { error: expect('a name of lower-case letters, digits, ".", "_" and "-" (at most 64)') })
      .meta({ description: 'Unique name; results are under summary.httpFlows.<name>.' }),
    arrivals: z.enum(['uniform', 'poisson'], { error: expect('uniform or poisson') }).optional().meta({ description: 'How flow starts are spaced.', default: 'uniform' }),
    stages: z
      .array(StageSchema, { error: expect('a list of stages [{ duration, target }, ...]') })
      .min(1, { error: expect('at least one stage { duration, target }') })
      .meta({ description: 'Open model: stage targets are flow starts per second, ramped linearly like load.stages (from the run start).' }),
    maxConcurrent: numberSchema({ int: true, min: 1 }).optional().meta({ description: 'At most this many flows in progress; starts beyond are counted as blocked.', default: 1000 }),
    connections: numberSchema({ int: true, min: 1, max: 1024 }).optional().meta({ description: 'Connections per origin.', default: 16 }),
    timeout: PositiveDurationSchema.optional().meta({ description: 'Per request: no response by then counts as timeout.', default: DEFAULTS.http.timeout }),
    vars: z
      .record(z.string().regex(FLOW_VAR_RE, { error: expect('a variable name (letters, digits, "_")') }), z.union([z.string(), z.number(), z.boolean()], { error: expect('a string, number or boolean') }), {
        error: expect('a mapping of variable: value'),
      })
      .optional()
      .meta({ description: 'Constant variables of the flow.' }),
    feeder: z
      .strictObject(
        {
          file: z.string({ error: expect('a CSV file path', quoteHint) }).min(1, { error: expect('a CSV file path') }).meta({ description: 'CSV with a header row (the column names become variables); relative to the scenario file.' }),
          order: z.enum(['sequential', 'random'], { error: expect('sequential or random') }).optional().meta({ description: 'One row per flow, in file order or at random.', default: 'sequential' }),
          recycle: z.boolean({ error: expect('true or false') }).optional().meta({ description: 'sequential: start over after the last row (false: further flows fail with feeder_exhausted).', default: true }),
        },
        { error: expect('a feeder { file, order, recycle }') },
      )
      .optional(),
    steps: z.array(FlowStepSchema, { error: expect('a list of steps') }).min(1, { error: expect('at least one step') }),
  },
  { error: expect('a flow { name, stages, steps }') },
);

export const UasSchema = z
  .strictObject(
    {
      ring: DurationSchema.optional().meta({ description: 'Time between 180 Ringing and 200 OK.', default: '0s' }),
      hangup: PositiveDurationSchema.nullable().optional().meta({ description: 'Hang up answered calls after this long; null (default): the platform hangs up.', default: null }),
      answerRatio: numberSchema({ min: 0, max: 1 }).optional().meta({ description: 'Share of calls answered (the rest get 486/480).', default: 1 }),
      capacity: numberSchema({ int: true, min: 1 }).optional().meta({ description: 'Calls accepted at once per worker; beyond: 503.', default: 100000 }),
      correlate: z
        .union([z.literal('user'), z.strictObject({ header: z.string().regex(HEADER_NAME_RE, { error: expect('an HTTP/SIP header name') }) })], {
          error: expect('user (the Request-URI user part, as in {{uas.uri}}) or { header: X-Name } (its value must be the flow\'s {{uas.user}})'),
        })
        .optional()
        .meta({ description: 'How an INVITE is matched to the flow that asked for it.', default: 'user' }),
    },
    { error: expect('a mapping { ring, hangup, answerRatio, capacity, correlate }') },
  )
  .nullable()
  .optional()
  .meta({ description: 'callcert answers the platform\'s outbound calls (each worker on its own port; {{uas.uri}} in a flow names it). Omit for none.' });

const HttpSchema = z
  .strictObject(
    {
      baseUrl: z
        .string({ error: expect(`an absolute http(s) URL such as ${HTTP_URL_EXAMPLE}`, quoteHint) })
        .refine(isAbsoluteHttpUrl, { error: expect(`an absolute http(s) URL such as ${HTTP_URL_EXAMPLE}`, urlHint) })
        .optional()
        .meta({
          description: 'Base of relative http.load[].url paths. Default: the embedded CTI API when there is no target.',
          examples: [HTTP_URL_EXAMPLE],
        }),
      token: z
        .string({ error: expect('a bearer token string', quoteHint) })
        .min(1, { error: expect('a non-empty bearer token') })
        .optional()
        .meta({ description: 'Bearer token sent with every request (Authorization: Bearer <token>).' }),
      load: z
        .array(HttpLoadSchema, { error: expect('a list of HTTP loads [{ name, url, rate, duration }, ...]') })
        .min(1, { error: expect('at least one HTTP load { name, url, rate, duration }') })
        .optional()
        .meta({ description: 'Fixed-rate HTTP loads run beside the SIP load, each timed from its intended send times.' }),
      flows: z
        .array(HttpFlowSchema, { error: expect('a list of flows [{ name, stages, steps }, ...]') })
        .min(1, { error: expect('at least one flow { name, stages, steps }') })
        .optional()
        .meta({ description: 'Scripted multi-step HTTP flows (request, extract, expect, think, poll, waitCall) arriving as an open model.' }),
    },
    { error: expect('a mapping { baseUrl, token, load, flows }') },
  )
  .nullable()
  .optional()
  .meta({ description: 'HTTP (CTI / REST API) load run beside the SIP load. Omit (or null) for none.' });

// ---------------------------------------------------------------------------
// root

const GeneratorSchema = z
  .strictObject(
    {
      maxScheduleSlipMsP99: numberSchema({ gt: 0 }).optional().meta({ description: 'The run is invalid when the p99 schedule slip exceeds this (ms) and at least two calls left later than it (one late call is not saturation).', default: DEFAULTS.generator.maxScheduleSlipMsP99 }),
      maxEventLoopLagMsP99: numberSchema({ gt: 0 }).optional().meta({ description: 'The run is invalid when any worker’s event-loop delay p99 exceeds this (ms).', default: DEFAULTS.generator.maxEventLoopLagMsP99 }),
      maxMediaSendSlipMsP99: numberSchema({ gt: 0 })
        .optional()
        .meta({ description: 'With call.media: the run is invalid when the p99 RTP send slip exceeds this (ms): jitter the generator adds itself.', default: DEFAULTS.generator.maxMediaSendSlipMsP99 }),
    },
    { error: expect('a mapping { maxScheduleSlipMsP99, maxEventLoopLagMsP99, maxMediaSendSlipMsP99 }') },
  )
  .optional()
  .meta({ description: 'Self-checks of the load generator: beyond these limits the run is not valid evidence.' });

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const ScenarioSchema = z
  .strictObject(
    {
      name: z
        .string({ error: expect('a name of lower-case letters, digits, ".", "_" and "-"', quoteHint) })
        .regex(NAME_RE, { error: expect('a name of lower-case letters, digits, ".", "_" and "-" (at most 64)') })
        .meta({ description: 'Scenario name (lower-case letters, digits, ".", "_", "-"); used in report file names.' }),
      description: z.string({ error: expect('a string', quoteHint) }).optional().meta({ description: 'Free text shown in reports.' }),
      target: TargetSchema,
      embedded: EmbeddedSchema,
      load: LoadSchema,
      call: CallSchema,
      media: MediaSchema,
      criteria: CriteriaSchema,
      http: HttpSchema,
      uas: UasSchema,
      recordings: RecordingsSchema,
      outboundRules: OutboundRulesSchema,
      platform: PlatformSchema,
      workers: numberSchema({ int: true, min: 1 }).nullable().optional().meta({ description: 'Worker threads (default: CPU cores − 1, at least 1).' }),
      localAddress: z
        .string({ error: expect('an IPv4 or IPv6 address', quoteHint) })
        .refine((v) => isIP(v) !== 0, { error: expect('an IPv4 or IPv6 address') })
        .optional()
        .meta({
          description:
            'Local address to bind SIP sockets to (IPv4 or IPv6, e.g. ::1). Left out, it follows the target: 127.0.0.1 or ::1 for a loopback target of that family, else the source address the route picks; without a target the embedded call centre listens on it. Set, it must be of the target\'s family.',
          default: DEFAULTS.localAddress,
        }),
      generator: GeneratorSchema,
    },
    { error: expect('a scenario mapping (name, load, call, criteria, ...)') },
  )
  .meta({
    title: 'callcert scenario',
    description: 'A callcert load-test scenario. See scenarios/quickstart.yaml for a commented example.',
  });

/** What a scenario file looks like once validated (not yet normalized; durations are still strings). */
export type ScenarioInput = z.infer<typeof ScenarioSchema>;
export type DistributionInput = z.infer<typeof HoldSchema>;

// ---------------------------------------------------------------------------
// Introspection (for unknown-key messages and --set)

type Schema = z.core.$ZodType;
interface LooseDef {
  type: string;
  innerType?: Schema;
  options?: Schema[];
  shape?: Record<string, Schema>;
  element?: Schema;
  in?: Schema;
  valueType?: Schema;
}
const defOf = (s: Schema): LooseDef => s._zod.def as unknown as LooseDef;

/** The concrete alternatives of a schema: optional/nullable wrappers and unions flattened. */
function alternatives(s: Schema): Schema[] {
  const d = defOf(s);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return d.innerType ? alternatives(d.innerType) : [];
    case 'union':
      return (d.options ?? []).flatMap(alternatives);
    case 'pipe':
      return d.in ? alternatives(d.in) : [];
    default:
      return [s];
  }
}

/** Schemas reachable from `from` (default: the scenario root) along `path`; empty when the path does not exist. */
export function schemasAt(path: readonly (string | number)[], from: Schema = ScenarioSchema): Schema[] {
  let current: Schema[] = [from];
  for (const seg of path) {
    const next: Schema[] = [];
    for (const s of current) {
      for (const alt of alternatives(s)) {
        const d = defOf(alt);
        if (d.type === 'object' && typeof seg === 'string' && d.shape && Object.hasOwn(d.shape, seg)) next.push(d.shape[seg]);
        else if (d.type === 'array' && typeof seg === 'number' && d.element) next.push(d.element);
        else if (d.type === 'record' && typeof seg === 'string' && d.valueType) next.push(d.valueType);
      }
    }
    current = next;
  }
  return current;
}

/** false when `alt` has a literal field (a discriminator such as dist: fixed) that `value` contradicts. */
function matchesDiscriminators(shape: Record<string, Schema>, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  for (const [k, field] of Object.entries(shape)) {
    const d = field._zod.def as unknown as { type: string; values?: unknown[] };
    if (d.type === 'literal' && Object.hasOwn(value, k) && !(d.values ?? []).includes((value as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * Field names valid in the mapping at `path` (empty when it is not a mapping).
 * With `value` (the mapping found there), alternatives whose discriminator
 * contradicts it are left out: { dist: fixed } allows dist and value only.
 */
export function fieldNamesAt(path: readonly (string | number)[], value?: unknown): string[] {
  const names = new Set<string>();
  for (const s of schemasAt(path)) {
    for (const alt of alternatives(s)) {
      const d = defOf(alt);
      if (d.type === 'object' && d.shape && matchesDiscriminators(d.shape, value)) for (const k of Object.keys(d.shape)) names.add(k);
    }
  }
  return [...names];
}

/** true when the value at `path` may be a list. */
export function isListAt(path: readonly (string | number)[]): boolean {
  return schemasAt(path).some((s) => alternatives(s).some((a) => defOf(a).type === 'array'));
}

/** true when the value at `path` may be a free-keyed mapping (headers, vars): any key goes, validation checks it. */
export function isRecordAt(path: readonly (string | number)[]): boolean {
  return schemasAt(path).some((s) => alternatives(s).some((a) => defOf(a).type === 'record'));
}

// ---------------------------------------------------------------------------
// Unknown-key hints

/** Renders a path: load.stages[2].target; keys that are not identifiers are quoted: criteria["a b"]. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    // A criteria key with its selector reads as written: criteria.flow_ms{flow:agent-call}.
    else if (/^[A-Za-z_$][\w$-]*(\{[\w.:,-]*\})?$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

const OPEN_TARGET = 'use load.stages[].target with model: open (calls per second)';
const CLOSED_TARGET = 'use load.stages[].target with model: closed (concurrent calls)';
const CALL_HOLD = 'use call.hold (e.g. hold: 20s)';

/** Keys people write that mean something callcert spells differently. Key: parent pattern + "." + key ("" parent = top level). */
const RENAMED: Record<string, string> = {
  duration: 'use load.stages (each stage has a duration)',
  stages: 'move it under load: (load.stages)',
  model: 'move it under load: (load.model)',
  rate: OPEN_TARGET,
  cps: OPEN_TARGET,
  concurrency: CLOSED_TARGET,
  channels: CLOSED_TARGET,
  hold: CALL_HOLD,
  holdTime: CALL_HOLD,
  hold_time: CALL_HOLD,
  hold_ms: CALL_HOLD,
  holdMs: CALL_HOLD,
  uri: 'use target.uri',
  transport: 'use target.transport',
  auth: 'use target.auth',
  ringTimeout: 'use call.ringTimeout',
  thresholds: 'use criteria (e.g. criteria: { setup_ms: ["p(95)<800"] })',
  capacity: 'use embedded.capacity',
  'load.rate': OPEN_TARGET,
  'load.cps': OPEN_TARGET,
  'load.rps': OPEN_TARGET,
  'load.concurrency': CLOSED_TARGET,
  'load.channels': CLOSED_TARGET,
  'load.vus': CLOSED_TARGET,
  'load.duration': 'use load.stages[].duration',
  'load.ramp': 'add a ramp stage to load.stages (e.g. { duration: 60s, target: 1000 })',
  'load.rampUp': 'add a ramp stage to load.stages (e.g. { duration: 60s, target: 1000 })',
  'load.executor': 'use load.model (closed or open)',
  'load.stages[].rate': 'use target (calls per second with model: open)',
  'load.stages[].cps': 'use target (calls per second with model: open)',
  'load.stages[].concurrency': 'use target (concurrent calls with model: closed)',
  'load.stages[].channels': 'use target (concurrent calls with model: closed)',
  'load.stages[].vus': 'use target (concurrent calls with model: closed)',
  'load.stages[].time': 'use duration',
  'load.stages[].ramp': 'use duration (every stage ramps linearly to its target)',
  'call.holdTime': CALL_HOLD,
  'call.hold_time': CALL_HOLD,
  'call.hold_ms': CALL_HOLD,
  'call.holdMs': CALL_HOLD,
  'call.holding': CALL_HOLD,
  'call.duration': CALL_HOLD,
  'call.timeout': 'use call.ringTimeout',
  'call.feeder': 'use call.data: { file, order }',
  'call.inf': 'use call.data: { file, order } (SIPp injection files are read as they are)',
  'call.csv': 'use call.data: { file, order }',
  'call.fromUser': 'use call.from',
  'call.toUser': 'use call.to',
  'call.display': 'use call.displayName',
  'call.auth': 'use target.auth (its username and password may hold {{column}} templates of call.data)',
  'target.host': `put host and port in target.uri (e.g. ${SIP_URI_EXAMPLE}), or use target.proxy`,
  'target.port': `put host and port in target.uri (e.g. ${SIP_URI_EXAMPLE}), or use target.proxy`,
  'target.user': 'use target.auth: { username, password } (or put the user in target.uri)',
  'target.username': 'use target.auth: { username, password }',
  'target.password': 'use target.auth: { username, password }',
  'http.url': 'use http.baseUrl (and put each request in http.load)',
  'http.rate': 'put each request, with its rate, in http.load',
  'http.requests': 'use http.load',
  'http.load[].rps': 'use rate (requests per second)',
  'http.load[].qps': 'use rate (requests per second)',
  'http.load[].path': 'use url (a path starting with "/", or a full URL)',
  'http.load[].endpoint': 'use url (a path starting with "/", or a full URL)',
  'http.load[].concurrency': 'use connections',
  'http.load[].status': 'use expectStatus (e.g. expectStatus: [200, 204])',
  'http.load[].json': 'use body (a mapping is sent as JSON)',
  'http.load[].data': 'use body (a mapping is sent as JSON)',
};

/** Metric names people write for the ones callcert knows. */
const METRIC_ALIASES: Record<string, string> = {
  setup: 'setup_ms',
  setup_time: 'setup_ms',
  call_setup: 'setup_ms',
  pdd: 'pdd_ms',
  post_dial_delay: 'pdd_ms',
  concurrency: 'concurrency_sustained (or concurrency_peak)',
  concurrent_calls: 'concurrency_sustained (or concurrency_peak)',
  cps: 'cps_achieved',
  failures: 'failed_calls',
  failed: 'failed_calls',
  errors: 'failed_calls',
  blocked: 'blocked_calls',
  // k6's built-in HTTP metrics
  http_req_duration: 'http_latency_ms{load:<name>} (or flow_step_ms{flow:<name>,step:<name>})',
  http_req_failed: 'http_error_rate{load:<name>}',
  http_reqs: 'http_rps{load:<name>}',
  latency_ms: 'http_latency_ms{load:<name>}',
  dial_latency: 'dial_latency_ms',
  dial_ms: 'dial_latency_ms',
  outbound_failures: 'outbound_failed',
};

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The closest valid name: same letters ignoring case, "_" and "-", or Levenshtein distance <= 2. */
export function closestName(key: string, valid: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const exact = valid.find((v) => squash(v) === squash(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const v of valid) {
    const d = levenshtein(key.toLowerCase(), v.toLowerCase());
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 && bestDistance < key.length ? best : undefined;
}

function parentPattern(parent: readonly (string | number)[]): string {
  return formatPath(parent.map((s) => (typeof s === 'number' ? -1 : s))).replace(/\[-1\]/g, '[]');
}

/** A rename hint or a did-you-mean for a key that is not valid under `parent`; undefined when nothing is close. */
export function keySuggestion(parent: readonly (string | number)[], key: string, valid: readonly string[]): string | undefined {
  const pattern = parentPattern(parent);
  if (pattern === 'criteria') {
    // flw_ms{flow:x}: the metric part is compared, the selector kept.
    const brace = key.indexOf('{');
    const base = brace < 0 ? key : key.slice(0, brace).trim();
    const alias = METRIC_ALIASES[base] ?? METRIC_ALIASES[base.toLowerCase()];
    if (alias) return `use ${alias}`;
    const close = closestName(base, KNOWN_METRICS);
    return close ? `did you mean "${close}${brace < 0 ? '' : key.slice(brace)}"?` : undefined;
  }
  const renamed = RENAMED[pattern === '' ? key : `${pattern}.${key}`];
  if (renamed) return renamed;
  const close = closestName(key, valid);
  return close ? `did you mean "${close}"?` : undefined;
}

/** keySuggestion, or else the list of valid keys. */
export function unknownKeyHint(parent: readonly (string | number)[], key: string, valid: readonly string[]): string {
  const suggestion = keySuggestion(parent, key, valid);
  if (suggestion) return suggestion;
  if (parentPattern(parent) === 'criteria') return `known metrics: ${METRIC_FORMS.join(', ')}`;
  return valid.length > 0 ? `expected one of ${valid.join(', ')}` : `${formatPath(parent) || 'this value'} has no fields`;
}

/** `unknown field "x"; <hint>` (`unknown metric` under criteria); `value` is the mapping holding the key. */
export function unknownFieldMessage(parent: readonly (string | number)[], key: string, value?: unknown): string {
  const what = parent.length === 1 && parent[0] === 'criteria' ? 'metric' : 'field';
  return `unknown ${what} ${JSON.stringify(key)}; ${unknownKeyHint(parent, key, fieldNamesAt(parent, value))}`;
}

// ---------------------------------------------------------------------------
// JSON schema

/** The JSON schema (draft-07, what yaml-language-server and VS Code understand best) of scenario files. */
export function buildJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ScenarioSchema, { target: 'draft-07', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
}

/** scenarios/schema.json, byte for byte. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
