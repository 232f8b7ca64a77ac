/**
 * Recordings in a scenario, two sections:
 *
 * - `embedded.recordings`: the embedded call centre records every answered call (both
 *   directions, WAV) into a directory, with retention. **Off by default**: 1,000 channels of
 *   20 s holds write ~320 MB per minute (8 kB/s per direction per call).
 * - `recordings`: the recording probe. After the run, for every answered call (or a sample) it
 *   fetches the platform's recording — an HTTP URL template or a file template — and checks that it
 *   exists, lasts the call's talk time (± tolerance), is not silent and, with media.marker, holds
 *   this call's own audio. Its result is summary.recordings and the `recording_completeness`
 *   criterion.
 *
 * Templates take `{{callId}}` (the SIP Call-ID: percent-encoded in a URL, made a safe file name in
 * a directory template, media/recording-files.ts), `{{callIdRaw}}`, `{{callIdUrl}}` (percent-encoded
 * as encodeURIComponent does, in both: how rtpengine names its spool's files), `{{index}}` (the
 * call's number in the run), `{{worker}}` and `{{date}}` (the answer's UTC date, YYYY-MM-DD).
 * A third source, `rtpengine`, is rtpengine's `--recording-dir` spool (pcap), found per Call-ID
 * through its metadata files (probe/recording-fetch.ts).
 */
import { z } from 'zod';
import { DurationSchema, PositiveDurationSchema, expect, numberSchema } from '../util/schema-fields.js';
import { expectedGot, parseDurationMs } from '../util/duration.js';
import { compileTemplate, TemplateError } from '../http/flows/template.js';

export const RECORDING_VARS = ['callId', 'callIdRaw', 'callIdUrl', 'index', 'worker', 'date'] as const;

export const RECORDING_DEFAULTS = {
  /** Calls' recordings kept by default when recording is on (~640 MB at 20 s holds). */
  maxCount: 1000,
  sample: null,
  tolerance: '1s',
  silenceDbov: -50,
  delay: '0s',
  timeout: '10s',
  concurrency: 8,
} as const;

// ---------------------------------------------------------------------------------------------
// embedded.recordings

export const EmbeddedRecordingsSchema = z
  .strictObject(
    {
      dir: z.string({ error: expect('a directory path') }).min(1, { error: expect('a non-empty directory path') })
        .meta({ description: 'Directory the recordings are written to (created if missing); relative to the scenario file.' }),
      maxAge: PositiveDurationSchema.nullable().optional()
        .meta({ description: 'Delete recordings whose call ended longer ago than this (null: no age limit).', default: null }),
      maxCount: numberSchema({ int: true, min: 1 }).nullable().optional()
        .meta({ description: 'Keep at most this many calls\' recordings, deleting the oldest (null: no limit).', default: RECORDING_DEFAULTS.maxCount }),
    },
    { error: expect('a mapping { dir, maxAge, maxCount }') },
  )
  .nullable()
  .optional()
  .meta({
    description:
      'Record every answered call (what the call centre received and what it echoed, G.711 WAV, with its RFC 3550 view) into a directory. Needs call.media. Off by default: 1,000 channels of 20 s holds write ~320 MB a minute.',
    default: null,
  });

export interface EmbeddedRecordingsSpec {
  dir: string;
  maxAgeMs: number | null;
  maxCount: number | null;
}

export function normalizeEmbeddedRecordings(
  r: z.infer<typeof EmbeddedRecordingsSchema>,
  resolvePath: (p: string) => string,
): EmbeddedRecordingsSpec | null {
  if (r === undefined || r === null) return null;
  return {
    dir: resolvePath(r.dir),
    maxAgeMs: r.maxAge === undefined || r.maxAge === null ? null : parseDurationMs(r.maxAge, 'embedded.recordings.maxAge'),
    maxCount: r.maxCount === undefined ? RECORDING_DEFAULTS.maxCount : r.maxCount,
  };
}

// ---------------------------------------------------------------------------------------------
// recordings (the probe)

const templateCheck = (v: string, ctx: z.core.$RefinementCtx<string>) => {
  try {
    const t = compileTemplate(v);
    const bad = t.vars.find((n) => !(RECORDING_VARS as readonly string[]).includes(n));
    if (bad !== undefined) ctx.addIssue({ code: 'custom', message: expectedGot(`variables among ${RECORDING_VARS.map((n) => `{{${n}}}`).join(', ')}`, `{{${bad}}}`), input: v });
    else if (!['callId', 'callIdRaw', 'callIdUrl', 'index'].some((n) => t.vars.includes(n))) {
      ctx.addIssue({ code: 'custom', message: expectedGot('a template naming the call: {{callId}}, {{callIdRaw}}, {{callIdUrl}} or {{index}}', v), input: v });
    }
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    ctx.addIssue({ code: 'custom', message: expectedGot('a template with {{name}} variables', v, e.message), input: v });
  }
};

const AuthSchema = z.union(
  [
    z.strictObject({ token: z.string().min(1) }),
    z.strictObject({ username: z.string().min(1), password: z.string() }),
  ],
  { error: expect('{ token } (Authorization: Bearer) or { username, password } (Basic)') },
);

const HttpSourceSchema = z.strictObject(
  {
    url: z.string({ error: expect('a URL template') })
      .superRefine((v, ctx) => {
        const plain = v.replace(/\{\{[^}]*\}\}/g, 'x');
        const ok = /^https?:\/\/[^/\s]/i.test(plain) || (plain.startsWith('/') && !plain.startsWith('//'));
        if (!ok) ctx.addIssue({ code: 'custom', message: expectedGot('an absolute http(s) URL or a path starting with "/"', v), input: v });
        else templateCheck(v, ctx);
      })
      .meta({
        description: 'The recording\'s audio (a WAV file). A path is resolved against http.baseUrl, or the embedded CTI API when there is no target.',
        examples: ['/v1/recordings/{{callId}}/audio?direction=caller', 'https://pbx.example/recordings/{{date}}/{{callId}}.wav'],
      }),
    auth: AuthSchema.optional().meta({ description: 'Credentials: { token } for a bearer token, { username, password } for Basic. Default: none (the embedded CTI API\'s own token for it).' }),
    headers: z.record(z.string(), z.string({ error: expect('a header value string') }), { error: expect('a mapping of header names to values') }).optional()
      .meta({ description: 'Extra request headers.' }),
    timeout: PositiveDurationSchema.optional().meta({ description: 'Per request.', default: RECORDING_DEFAULTS.timeout }),
  },
  { error: expect('a mapping { url, auth, headers, timeout }') },
);

export const RecordingsSchema = z
  .strictObject(
    {
      http: HttpSourceSchema.optional().meta({ description: 'Fetch each call\'s recording over HTTP(S).' }),
      directory: z.string({ error: expect('a file path template') })
        .superRefine((v, ctx) => templateCheck(v, ctx))
        .optional()
        .meta({
          description: 'Read each call\'s recording from a file: a path template whose last part may hold * wildcards (relative to the scenario file).',
          examples: ['./recordings/{{callId}}.caller.wav', '/var/spool/rec/{{date}}/*{{callIdRaw}}*.wav', '/var/spool/rtpengine/pcaps/{{callIdUrl}}-*.pcap'],
        }),
      rtpengine: z.string({ error: expect('a directory path (rtpengine\'s --recording-dir)') }).min(1, { error: expect('a non-empty directory path (rtpengine\'s --recording-dir)') })
        .optional()
        .meta({
          description: 'Read each call\'s recording from rtpengine\'s pcap spool (--recording-dir with --recording-method=pcap): the pcap its metadata/ file names for the Call-ID, else the one in pcaps/ named after it (relative to the scenario file).',
          examples: ['/var/spool/rtpengine'],
        }),
      sample: numberSchema({ int: true, min: 1 }).nullable().optional()
        .meta({ description: 'Check this many answered calls, evenly spread over the run (null: every answered call).', default: null }),
      tolerance: DurationSchema.optional().meta({ description: 'How far a recording\'s duration may be from the call\'s talk time (answer → end).', default: RECORDING_DEFAULTS.tolerance }),
      silenceDbov: numberSchema({ min: -96, max: 0, what: 'a level in dBov' }).optional()
        .meta({ description: 'A recording whose RMS level (decoded PCM) is at or below this is silent.', default: RECORDING_DEFAULTS.silenceDbov }),
      marker: z.boolean({ error: expect('true or false') }).optional()
        .meta({ description: 'Require the call\'s own media marker in its recording (default: media.marker; off for a platform that transcodes).' }),
      delay: DurationSchema.optional().meta({ description: 'Wait this long after the last call before fetching (a platform may finalise recordings late).', default: RECORDING_DEFAULTS.delay }),
      concurrency: numberSchema({ int: true, min: 1, max: 64 }).optional().meta({ description: 'Recordings fetched at once.', default: RECORDING_DEFAULTS.concurrency }),
    },
    { error: expect('a mapping { http | directory | rtpengine, sample, tolerance, silenceDbov, marker, delay, concurrency }') },
  )
  .nullable()
  .optional()
  .meta({ description: 'Recording probe: after the run, check each answered call\'s recording on the platform (recording_completeness, summary.recordings). Needs call.media.' });

export type RecordingsInput = z.infer<typeof RecordingsSchema>;

export type RecordingAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string } | null;

export type RecordingSource =
  | { kind: 'http'; url: string; auth: RecordingAuth; headers: Record<string, string>; timeoutMs: number }
  | { kind: 'directory'; pattern: string }
  | { kind: 'rtpengine'; dir: string };

export interface RecordingsProbeSpec {
  source: RecordingSource;
  /** null: every answered call. */
  sample: number | null;
  toleranceMs: number;
  silenceDbov: number;
  marker: boolean;
  delayMs: number;
  concurrency: number;
}

export function normalizeRecordings(
  r: RecordingsInput,
  markerDefault: boolean,
  resolvePath: (p: string) => string,
): RecordingsProbeSpec | null {
  if (r === undefined || r === null) return null;
  const ms = (v: string | number, path: string) => parseDurationMs(v, path);
  let source: RecordingSource;
  if (r.http !== undefined) {
    const a = r.http.auth;
    source = {
      kind: 'http', url: r.http.url, headers: { ...(r.http.headers ?? {}) },
      auth: a === undefined ? null : 'token' in a ? { kind: 'bearer', token: a.token } : { kind: 'basic', username: a.username, password: a.password },
      timeoutMs: ms(r.http.timeout ?? RECORDING_DEFAULTS.timeout, 'recordings.http.timeout'),
    };
  } else if (r.rtpengine !== undefined) {
    source = { kind: 'rtpengine', dir: resolvePath(r.rtpengine) };
  } else {
    // A missing source is a cross-field problem (recordingsProblems); normalise to something inert.
    source = { kind: 'directory', pattern: resolvePath(r.directory ?? '.') };
  }
  return {
    source,
    sample: r.sample ?? null,
    toleranceMs: ms(r.tolerance ?? RECORDING_DEFAULTS.tolerance, 'recordings.tolerance'),
    silenceDbov: r.silenceDbov ?? RECORDING_DEFAULTS.silenceDbov,
    marker: r.marker ?? markerDefault,
    delayMs: ms(r.delay ?? RECORDING_DEFAULTS.delay, 'recordings.delay'),
    concurrency: r.concurrency ?? RECORDING_DEFAULTS.concurrency,
  };
}

type Path = Array<string | number>;

/** Rules across sections; `media`: call.media's codec (null: none); `target`: a SIP target is given. */
export function recordingsProblems(
  input: { embedded?: { recordings?: unknown } | null; recordings?: RecordingsInput },
  s: { media: { codec: string | null }; target: unknown; http: { baseUrl: string | null } | null; recordings: RecordingsProbeSpec | null },
): Array<{ path: Path; message: string }> {
  const out: Array<{ path: Path; message: string }> = [];
  const er = input.embedded?.recordings;
  if (er !== undefined && er !== null) {
    if (s.target !== null) out.push({ path: ['embedded', 'recordings'], message: expectedGot('no target (the embedded call centre records only when it is the target)', 'a target') });
    else if (s.media.codec === null) out.push({ path: ['embedded', 'recordings'], message: expectedGot('call.media pcmu or pcma (the call centre records the RTP it echoes; --media pcmu)', 'none') });
  }
  const r = input.recordings;
  if (r === undefined || r === null) return out;
  const sources = (['http', 'directory', 'rtpengine'] as const).filter((k) => r[k] !== undefined);
  if (sources.length !== 1) {
    out.push({ path: ['recordings'], message: expectedGot('exactly one source: http, directory or rtpengine', sources.length === 0 ? 'none' : sources.join(' and ')) });
  }
  if (s.media.codec === null) {
    out.push({ path: ['recordings'], message: expectedGot('call.media pcmu or pcma (a recording of a call without audio cannot be told from a silent one; --media pcmu)', 'none') });
  }
  if (r.http !== undefined && r.http.url.startsWith('/') && (s.http === null || s.http.baseUrl === null) && s.target !== null) {
    out.push({ path: ['recordings', 'http', 'url'], message: expectedGot('an absolute URL, or http.baseUrl, when a target is given (a path goes to the embedded CTI API)', r.http.url) });
  }
  return out;
}
