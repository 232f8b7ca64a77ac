/**
 * `platform:` what callcert may ask the platform under test about its own view of the calls.
 * Today one part: `platform.rtpengine`, the media relay behind the SIP proxy, read over its ng
 * control protocol (bencode over UDP): while the run goes the main thread lists rtpengine's calls
 * and queries each (engine/platform-step.ts), keeping the last figures per Call-ID, so results
 * carry rtpengine's packets/bytes/errors per direction next to callcert's own counts.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { expectedGot, parseDurationMs } from '../util/duration.js';
import { PositiveDurationSchema, expect, numberSchema } from '../util/schema-fields.js';

export const PLATFORM_DEFAULTS = {
  interval: '2s',
  timeout: '1s',
  concurrency: 4,
  maxCalls: 10_000,
} as const;

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** "host:port" / "[v6]:port" → its parts, or null. */
export function parseHostPort(v: string): { host: string; port: number } | null {
  const m = HOST_PORT.exec(v);
  if (m === null) return null;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined && isIP(host) !== 6) return null;
  return { host, port };
}

const NG_EXPECTED = '"host:port" of rtpengine\'s ng control socket (its --listen-ng, e.g. "127.0.0.1:2223" or "[::1]:2223")';

const RtpengineSchema = z.strictObject(
  {
    ng: z.string({ error: expect(NG_EXPECTED) })
      .superRefine((v, ctx) => {
        if (parseHostPort(v) === null) ctx.addIssue({ code: 'custom', message: expectedGot(NG_EXPECTED, v), input: v });
      })
      .meta({ description: 'rtpengine\'s ng control socket, host:port (its --listen-ng).', examples: ['127.0.0.1:2223'] }),
    interval: PositiveDurationSchema.optional()
      .meta({ description: 'How often rtpengine\'s calls are listed and each queried; once more after the last call.', default: PLATFORM_DEFAULTS.interval }),
    timeout: PositiveDurationSchema.optional().meta({ description: 'Per ng request.', default: PLATFORM_DEFAULTS.timeout }),
    concurrency: numberSchema({ int: true, min: 1, max: 64 }).optional().meta({ description: 'ng queries in flight at once.', default: PLATFORM_DEFAULTS.concurrency }),
    maxCalls: numberSchema({ int: true, min: 1, max: 1_000_000 }).optional()
      .meta({ description: 'At most this many calls listed (ng list limit) and queried per round.', default: PLATFORM_DEFAULTS.maxCalls }),
  },
  { error: expect('a mapping { ng, interval, timeout, concurrency, maxCalls }') },
);

export const PlatformSchema = z
  .strictObject(
    {
      rtpengine: RtpengineSchema.optional().meta({
        description:
          'Read rtpengine\'s own per-call figures (ng list + query) while the run goes; written per call to platform-media.jsonl and as totals in summary.platformMedia, beside callcert\'s counts. Needs call.media. A failed query is counted, never fatal.',
      }),
    },
    { error: expect('a mapping { rtpengine }') },
  )
  .optional()
  .meta({ description: 'What callcert reads from the platform under test about the calls (its own view).' });

export interface RtpengineWatchSpec {
  host: string;
  port: number;
  /** As written, for the results. */
  ng: string;
  intervalMs: number;
  timeoutMs: number;
  concurrency: number;
  maxCalls: number;
}

export interface PlatformSpec {
  rtpengine: RtpengineWatchSpec | null;
}

export function normalizePlatform(p: z.infer<typeof PlatformSchema>): PlatformSpec {
  const r = p?.rtpengine;
  if (r === undefined) return { rtpengine: null };
  const hp = parseHostPort(r.ng)!;
  return {
    rtpengine: {
      host: hp.host, port: hp.port, ng: r.ng,
      intervalMs: parseDurationMs(r.interval ?? PLATFORM_DEFAULTS.interval, 'platform.rtpengine.interval'),
      timeoutMs: parseDurationMs(r.timeout ?? PLATFORM_DEFAULTS.timeout, 'platform.rtpengine.timeout'),
      concurrency: r.concurrency ?? PLATFORM_DEFAULTS.concurrency,
      maxCalls: r.maxCalls ?? PLATFORM_DEFAULTS.maxCalls,
    },
  };
}

/** Rules across sections: rtpengine's view is compared with callcert's media counts, so media must be on. */
export function platformProblems(
  s: { media: { codec: string | null }; platform: PlatformSpec },
): Array<{ path: Array<string | number>; message: string }> {
  if (s.platform.rtpengine === null || s.media.codec !== null) return [];
  return [{ path: ['platform', 'rtpengine'], message: expectedGot('call.media pcmu or pcma (rtpengine relays media; its figures are compared with callcert\'s; --media pcmu)', 'none') }];
}
