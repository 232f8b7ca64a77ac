/**
 * Where the probe gets a call's recording: an HTTP(S) URL template (with bearer or Basic auth),
 * a file path template whose last part may hold `*` wildcards, or rtpengine's pcap spool. Each answer is the bytes, or
 * `missing` (404/410, no such file), or `error` (any other status, a timeout, a refused
 * connection, an unreadable file) — the probe counts the last two apart: a platform that does not
 * have a recording and a platform the probe could not ask are different findings.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Dispatcher } from 'undici';
import { compileTemplate, render, type Template, type VarValue } from '../http/flows/template.js';
import type { RecordingSource } from '../scenario/recordings.js';

export type Fetched = { kind: 'found'; bytes: Buffer } | { kind: 'missing'; detail: string } | { kind: 'error'; detail: string };

/** A call's template variables, raw; each source encodes callId its own way. */
export interface CallVars {
  callId: string;
  index: number;
  worker: number;
  /** UTC date of the answer, YYYY-MM-DD. */
  date: string;
}

export interface RecordingFetcher {
  fetch(v: CallVars): Promise<Fetched>;
  close(): Promise<void>;
}

/** A recording larger than this is not read (a 4 h G.711 call is 115 MB). */
const MAX_BYTES = 256 * 1024 * 1024;

export interface HttpContext {
  /** Where a path template goes (http.baseUrl or the embedded CTI API); null: paths are not allowed. */
  baseUrl: string | null;
  /** Used when the source has no auth and the path goes to the embedded CTI API. */
  defaultToken: string | null;
  concurrency: number;
}

export async function openFetcher(
  src: RecordingSource,
  http: HttpContext,
  fileStem: (callId: string) => string,
): Promise<RecordingFetcher> {
  if (src.kind === 'directory') return directoryFetcher(src.pattern, fileStem);
  if (src.kind === 'rtpengine') return rtpengineSpoolFetcher(src.dir);
  return httpFetcher(src, http);
}

function varsMap(v: CallVars, callId: string): Map<string, VarValue> {
  return new Map<string, VarValue>([
    ['callId', callId], ['callIdRaw', v.callId], ['callIdUrl', encodeURIComponent(v.callId)], ['index', v.index], ['worker', v.worker], ['date', v.date],
  ]);
}

async function httpFetcher(src: Extract<RecordingSource, { kind: 'http' }>, ctx: HttpContext): Promise<RecordingFetcher> {
  const { Agent, request } = await import('undici');
  const timeout = src.timeoutMs;
  const connections = ctx.concurrency;
  const agent: Dispatcher = new Agent({ connections, headersTimeout: timeout, bodyTimeout: timeout, connect: { timeout } });
  const t: Template = compileTemplate(src.url);
  const headers: Record<string, string> = { ...src.headers };
  const fallback = ctx.defaultToken !== null && src.url.startsWith('/') ? { kind: 'bearer' as const, token: ctx.defaultToken } : null;
  const auth = src.auth ?? fallback;
  if (auth?.kind === 'bearer') headers.authorization = `Bearer ${auth.token}`;
  else if (auth?.kind === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
  return {
    async fetch(v) {
      const rendered = render(t, varsMap(v, encodeURIComponent(v.callId)));
      const url = rendered.startsWith('/') ? `${ctx.baseUrl ?? ''}${rendered}` : rendered;
      try {
        const res = await request(url, { dispatcher: agent, headers, signal: AbortSignal.timeout(src.timeoutMs) });
        if (res.statusCode === 404 || res.statusCode === 410) {
          await res.body.dump();
          return { kind: 'missing', detail: `${res.statusCode} from ${url}` };
        }
        if (res.statusCode < 200 || res.statusCode > 299) {
          await res.body.dump();
          return { kind: 'error', detail: `${res.statusCode} from ${url}` };
        }
        const length = Number(res.headers['content-length'] ?? 0);
        if (length > MAX_BYTES) {
          await res.body.dump();
          return { kind: 'error', detail: `${url}: ${length} bytes, more than the ${MAX_BYTES} read` };
        }
        return { kind: 'found', bytes: Buffer.from(await res.body.arrayBuffer()) };
      } catch (e) {
        return { kind: 'error', detail: `${url}: ${(e as Error).message}` };
      }
    },
    close: () => agent.close(),
  };
}

function directoryFetcher(pattern: string, fileStem: (callId: string) => string): RecordingFetcher {
  const t = compileTemplate(pattern);
  // One listing per directory for wildcard patterns: thousands of calls, one readdir.
  const listings = new Map<string, Promise<string[]>>();
  const list = (dir: string) => {
    let p = listings.get(dir);
    if (p === undefined) {
      p = readdir(dir).then((names) => names.sort());
      listings.set(dir, p);
    }
    return p;
  };
  return {
    async fetch(v) {
      const path = render(t, varsMap(v, fileStem(v.callId)));
      try {
        let file = path;
        const name = basename(path);
        if (name.includes('*')) {
          const re = new RegExp(`^${name.split('*').map(escapeRegExp).join('.*')}$`);
          const match = (await list(dirname(path))).find((n) => re.test(n) && !n.startsWith('.'));
          if (match === undefined) return { kind: 'missing', detail: `no file matches ${path}` };
          file = join(dirname(path), match);
        }
        return { kind: 'found', bytes: await readFile(file) };
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENOENT') return { kind: 'missing', detail: `no file ${path}` };
        return { kind: 'error', detail: `${path}: ${err.code ?? ''} ${err.message}` };
      }
    },
    close: async () => {},
  };
}

/**
 * rtpengine's spool (`--recording-dir=DIR --recording-method=pcap`), as rtpengine 10 writes it:
 * `DIR/pcaps/<Call-ID>-<16 hex>.pcap` from the offer on, and once the call is gone for good
 * (its `--delete-delay` after the delete) `DIR/metadata/rtpengine-meta-<same>.txt`, whose first
 * line is the pcap's path; the Call-ID percent-encoded as encodeURIComponent does. The metadata
 * file is asked first (rtpengine may have been told to put pcaps elsewhere, and its presence says
 * the pcap is closed); then a pcap named after the Call-ID, still being written or without
 * metadata. The exact name (Call-ID, dash, hex) keeps a Call-ID that is a prefix of another's
 * from matching it.
 */
function rtpengineSpoolFetcher(dir: string): RecordingFetcher {
  // One listing per directory, indexed by the encoded Call-ID: thousands of calls, one readdir each, no scan per call.
  const indexes = new Map<string, Promise<Map<string, string>>>();
  const index = (d: string, re: RegExp) => {
    let p = indexes.get(d);
    if (p === undefined) {
      p = readdir(d).then(
        (names) => {
          const byId = new Map<string, string>();
          for (const n of names.sort()) {
            const m = re.exec(n);
            if (m !== null && !byId.has(m[1]!)) byId.set(m[1]!, n);
          }
          return byId;
        },
        (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? new Map<string, string>() : Promise.reject(e)),
      );
      indexes.set(d, p);
    }
    return p;
  };
  const metaDir = join(dir, 'metadata');
  const pcapDir = join(dir, 'pcaps');
  // The hex suffix is the name's last dash group, so a Call-ID holding dashes keeps them.
  const META = /^rtpengine-meta-(.+)-[0-9a-f]+\.txt$/;
  const PCAP = /^(.+)-[0-9a-f]+\.pcap$/;
  return {
    async fetch(v) {
      const key = encodeURIComponent(v.callId);
      try {
        const meta = (await index(metaDir, META)).get(key);
        if (meta !== undefined) {
          const named = (await readFile(join(metaDir, meta), 'utf8')).split('\n', 1)[0]!.trim();
          // The path as rtpengine wrote it, else the same name in this spool's pcaps/ (a spool copied elsewhere).
          for (const file of named === '' ? [] : [named, join(pcapDir, basename(named))]) {
            try {
              return { kind: 'found', bytes: await readFile(file) };
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
            }
          }
          return { kind: 'missing', detail: `${join(metaDir, meta)} names ${named || 'no pcap'}, which does not exist` };
        }
        const pcap = (await index(pcapDir, PCAP)).get(key);
        if (pcap === undefined) return { kind: 'missing', detail: `no rtpengine metadata or pcap for Call-ID ${v.callId} in ${dir}` };
        return { kind: 'found', bytes: await readFile(join(pcapDir, pcap)) };
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENOENT') return { kind: 'missing', detail: `${dir}: ${err.message}` };
        return { kind: 'error', detail: `${dir}: ${err.code ?? ''} ${err.message}` };
      }
    },
    close: async () => {},
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
