/**
 * The scenario's `platform:` section: the platform's own servers, scraped while the run goes
 * (docs/platform.md). Each target is a Prometheus endpoint — node_exporter on a platform server,
 * or any exporter (Kamailio's, FreeSWITCH's): node_exporter's CPU, memory and network are read
 * into series (node-exporter.ts), every scrape is kept raw in platform.jsonl.
 *
 *   platform:
 *     interval: 5s
 *     targets:
 *       - { name: app1, url: http://10.0.0.11:9100/metrics }
 *       - { name: kamailio, url: http://10.0.0.12:9494/metrics }
 *
 * A `csv:` entry imports a server's figures the operator exported from their own monitoring
 * (platform/csv.ts: the column format), read once at the run's end.
 *
 * `rtpengine:` is the platform's own view of the calls' media: the media relay behind the SIP proxy,
 * read over its ng control protocol (bencode over UDP) while the run goes — rtpengine's calls listed and
 * each queried (engine/platform-step.ts), the last figures kept per Call-ID, so results carry its
 * packets/bytes/errors per direction next to callcert's own counts.
 *
 * The scenario schema composes it, as it does media's; `normalizePlatform` gives the spec
 * the engine's scraper runs (platform/scraper.ts).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { PositiveDurationSchema, expect, numberSchema } from '../util/schema-fields.js';
import { expectedGot, parseDurationMs } from '../util/duration.js';

export const PLATFORM_DEFAULTS = {
  interval: '5s',
  /** A scrape that takes longer fails (`timeout`); never more than the interval. */
  timeout: '2s',
  excludeDevices: ['lo'] as readonly string[],
} as const;

export const RTPENGINE_DEFAULTS = {
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
      .meta({ description: 'How often rtpengine\'s calls are listed and each queried; once more after the last call.', default: RTPENGINE_DEFAULTS.interval }),
    timeout: PositiveDurationSchema.optional().meta({ description: 'Per ng request.', default: RTPENGINE_DEFAULTS.timeout }),
    concurrency: numberSchema({ int: true, min: 1, max: 64 }).optional().meta({ description: 'ng queries in flight at once.', default: RTPENGINE_DEFAULTS.concurrency }),
    maxCalls: numberSchema({ int: true, min: 1, max: 1_000_000 }).optional()
      .meta({ description: 'At most this many calls listed (ng list limit) and queried per round.', default: RTPENGINE_DEFAULTS.maxCalls }),
  },
  { error: expect('a mapping { ng, interval, timeout, concurrency, maxCalls }') },
);

/** A target's name: a criterion selector value (platform_cpu_pct{instance:app1}), so no ":", "," or braces. */
export const PLATFORM_NAME_RE = /^[a-z0-9._-]{1,64}$/;
const NAME_EXPECTED = 'a name of lower-case letters, digits, ".", "_" and "-" (at most 64), e.g. app1';

const isHttpUrl = (v: string) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
};

const TargetSchema = z.strictObject(
  {
    name: z.string({ error: expect(NAME_EXPECTED) }).regex(PLATFORM_NAME_RE, { error: expect(NAME_EXPECTED) })
      .meta({ description: 'The server\'s name in results.json (platform.instances.<name>), the report and criteria (platform_cpu_pct{instance:<name>}).' }),
    url: z.string({ error: expect('an http(s) URL such as http://10.0.0.11:9100/metrics') })
      .refine(isHttpUrl, { error: expect('an http(s) URL such as http://10.0.0.11:9100/metrics') })
      .meta({ description: 'The Prometheus endpoint (text exposition format), e.g. node_exporter\'s http://HOST:9100/metrics.', examples: ['http://10.0.0.11:9100/metrics'] }),
  },
  { error: expect('a mapping { name, url }') },
);

const CsvSchema = z.strictObject(
  {
    name: z.string({ error: expect(NAME_EXPECTED) }).regex(PLATFORM_NAME_RE, { error: expect(NAME_EXPECTED) })
      .meta({ description: 'The server\'s name, as a target\'s (platform.instances.<name>, platform_cpu_pct{instance:<name>}).' }),
    file: z.string({ error: expect('a CSV file path') }).min(1, { error: expect('a non-empty CSV file path') })
      .meta({ description: 'The operator\'s CSV export (relative to the scenario file), read at the run\'s end: a header row with time and any of cpu_pct, mem_used_pct, mem_used_bytes, net_rx_bytes_per_sec, net_tx_bytes_per_sec (docs/platform.md).' }),
  },
  { error: expect('a mapping { name, file }') },
);

export const PlatformSchema = z
  .strictObject(
    {
      interval: PositiveDurationSchema.optional().meta({ description: 'Time between scrapes of each target, from the run\'s start to its end.', default: PLATFORM_DEFAULTS.interval }),
      timeout: PositiveDurationSchema.optional().meta({ description: 'A scrape that has not completed after this long fails (cause timeout); at most the interval.', default: PLATFORM_DEFAULTS.timeout }),
      targets: z.array(TargetSchema, { error: expect('a list of targets [{ name, url }, ...]') })
        .min(1, { error: expect('at least one target { name, url }') })
        .optional()
        .meta({ description: 'The Prometheus endpoints to scrape: node_exporter on each platform server, or any exporter (its metrics kept raw).' }),
      csv: z.array(CsvSchema, { error: expect('a list of CSV imports [{ name, file }, ...]') })
        .min(1, { error: expect('at least one CSV import { name, file }') })
        .optional()
        .meta({ description: 'Servers whose figures come from the operator\'s own monitoring, as CSV exports read at the run\'s end (instead of, or beside, targets).' }),
      excludeDevices: z.array(z.string({ error: expect('a network device name such as lo') }), { error: expect('a list of network device names such as [lo]') })
        .optional()
        .meta({ description: 'Network devices left out of the receive/transmit rates (node_network_*_bytes_total{device}).', default: [...PLATFORM_DEFAULTS.excludeDevices] }),
      rtpengine: RtpengineSchema.optional().meta({
        description:
          'Read rtpengine\'s own per-call figures (ng list + query) while the run goes; written per call to platform-media.jsonl and as totals in summary.platformMedia, beside callcert\'s counts. Needs call.media. A failed query is counted, never fatal.',
      }),
    },
    { error: expect('a mapping { interval, timeout, targets, csv, excludeDevices, rtpengine }') },
  )
  .nullable()
  .optional()
  .meta({ description: 'The platform under test, as it reports itself: its servers scraped over Prometheus while the run goes (CPU, memory and network per server in results.json platform, criteria platform_cpu_pct{instance:…}, the report), and/or rtpengine\'s own view of the calls\' media. A failed scrape or query is counted, never fatal. Omit for none.' });

export type PlatformInput = z.infer<typeof PlatformSchema>;

export interface PlatformTargetSpec {
  name: string;
  url: string;
}

export interface PlatformCsvSpec {
  name: string;
  /** Resolved against the scenario file. */
  file: string;
}

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
  intervalMs: number;
  timeoutMs: number;
  targets: readonly PlatformTargetSpec[];
  csv: readonly PlatformCsvSpec[];
  excludeDevices: readonly string[];
  /** rtpengine's ng view of the calls (null: not asked). */
  rtpengine: RtpengineWatchSpec | null;
}

function normalizeRtpengine(r: NonNullable<NonNullable<PlatformInput>['rtpengine']> | undefined): RtpengineWatchSpec | null {
  if (r === undefined) return null;
  const hp = parseHostPort(r.ng)!;
  return {
    host: hp.host, port: hp.port, ng: r.ng,
    intervalMs: parseDurationMs(r.interval ?? RTPENGINE_DEFAULTS.interval, 'platform.rtpengine.interval'),
    timeoutMs: parseDurationMs(r.timeout ?? RTPENGINE_DEFAULTS.timeout, 'platform.rtpengine.timeout'),
    concurrency: r.concurrency ?? RTPENGINE_DEFAULTS.concurrency,
    maxCalls: r.maxCalls ?? RTPENGINE_DEFAULTS.maxCalls,
  };
}

export function normalizePlatform(p: PlatformInput, resolvePath: (file: string) => string = (f) => f): PlatformSpec | null {
  if (p === undefined || p === null) return null;
  const intervalMs = parseDurationMs(p.interval ?? PLATFORM_DEFAULTS.interval, 'platform.interval');
  const timeoutMs = p.timeout === undefined
    ? Math.min(intervalMs, parseDurationMs(PLATFORM_DEFAULTS.timeout, 'platform.timeout'))
    : parseDurationMs(p.timeout, 'platform.timeout');
  return {
    intervalMs,
    timeoutMs,
    targets: (p.targets ?? []).map((t) => ({ name: t.name, url: t.url })),
    csv: (p.csv ?? []).map((c) => ({ name: c.name, file: resolvePath(c.file) })),
    excludeDevices: [...(p.excludeDevices ?? PLATFORM_DEFAULTS.excludeDevices)],
    rtpengine: normalizeRtpengine(p.rtpengine),
  };
}

type Path = Array<string | number>;

/**
 * Cross-field rules: something to read, names unique, the timeout within the interval, an interval a scrape
 * can keep; rtpengine's view is compared with callcert's media counts, so it needs call.media.
 */
export function platformProblems(
  p: PlatformInput, s: PlatformSpec | null, mediaCodec: string | null,
): Array<{ path: Path; message: string }> {
  const out: Array<{ path: Path; message: string }> = [];
  if (p === undefined || p === null || s === null) return out;
  const seen = new Set<string>();
  if (p.targets === undefined && p.csv === undefined && p.rtpengine === undefined) {
    out.push({ path: ['platform'], message: expectedGot('targets (Prometheus endpoints), csv (monitoring exports), rtpengine (its ng view), or several', 'none of them') });
  }
  if (s.rtpengine !== null && mediaCodec === null) {
    out.push({ path: ['platform', 'rtpengine'], message: expectedGot('call.media pcmu or pcma (rtpengine relays media; its figures are compared with callcert\'s; --media pcmu)', 'none') });
  }
  for (const [key, list] of [['targets', p.targets ?? []], ['csv', p.csv ?? []]] as const) {
    list.forEach((t, i) => {
      if (seen.has(t.name)) out.push({ path: ['platform', key, i, 'name'], message: expectedGot('a name no other target or csv import has', t.name) });
      seen.add(t.name);
    });
  }
  if (s.intervalMs < 200) out.push({ path: ['platform', 'interval'], message: expectedGot('at least 200ms', p.interval) });
  if (s.timeoutMs > s.intervalMs) out.push({ path: ['platform', 'timeout'], message: expectedGot(`at most platform.interval (${p.interval ?? PLATFORM_DEFAULTS.interval})`, p.timeout) });
  return out;
}
