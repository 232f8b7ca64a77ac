/**
 * Scrapes the scenario's platform targets (platform/schema.ts) on the main thread, from the
 * run's start to its end: every `intervalMs` one GET per target (undici, bounded by
 * `timeoutMs`; a target still answering the last one is skipped that round), each scrape
 * written raw as one JSON line (`onRaw`, appended to platform.jsonl by the results directory)
 * as soon as it completes, so an interrupted run keeps what it scraped. node_exporter's CPU,
 * memory and network become one sample per scrape (node-exporter.ts). A failed scrape is
 * counted by cause and never stops anything.
 */
import type { Dispatcher } from 'undici';
import { parseExposition } from './exposition.js';
import { nodeCounters, nodeSample, type NodeCounters, type PlatformSample } from './node-exporter.js';
import type { PlatformSpec } from './schema.js';
import { summarizeSeries, type SeriesSummary } from './summary.js';
import { csvColumnsProblem, importCsv, type PlatformCsv } from './csv.js';

/** Why a scrape failed, in this order in results.json and the report. */
export const SCRAPE_FAILURE_CAUSES = ['refused', 'timeout', 'unreachable', 'http_status', 'too_large', 'no_samples', 'error', 'csv_unreadable', 'csv_columns'] as const;
export type ScrapeFailureCause = (typeof SCRAPE_FAILURE_CAUSES)[number];

/** A scrape body larger than this is refused (node_exporter serves ~60 kB). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The series figures, in results.json's order. */
export const PLATFORM_FIGURES = ['cpuPct', 'memUsedPct', 'memUsedBytes', 'netRxBytesPerSec', 'netTxBytesPerSec'] as const;
export type PlatformFigure = (typeof PLATFORM_FIGURES)[number];

export interface PlatformInstanceResults {
  /** prometheus: scraped while the run went; csv: the operator's monitoring export, read at its end. */
  source: 'prometheus' | 'csv';
  /** The endpoint, or the CSV file. */
  url: string;
  scrapes: {
    ok: number;
    failed: number;
    /** Rounds skipped because the previous scrape of this target was still going. */
    skipped: number;
    failuresByCause: Record<string, number>;
    /** The last failure: its cause, message and run time. */
    lastFailure: { cause: string; message: string; tMs: number } | null;
    /** Lines of successful scrapes that did not parse (skipped, the rest of the scrape kept). */
    unparsedLines: number;
  };
  /** node_exporter's metrics were in its scrapes (else only the raw file holds what it served). */
  nodeExporter: boolean;
  /** CPUs node_exporter reported (node_cpu_seconds_total{cpu}), memory total; null: not seen. */
  cpus: number | null;
  memTotalBytes: number | null;
  samples: PlatformSample[];
  summary: Record<PlatformFigure, SeriesSummary>;
}

export interface PlatformResults {
  intervalMs: number;
  timeoutMs: number;
  /** Where the raw scrapes are, beside results.json. */
  rawFile: string;
  instances: Record<string, PlatformInstanceResults>;
}

export const PLATFORM_RAW_FILE = 'platform.jsonl';

interface TargetState {
  source: 'prometheus' | 'csv';
  name: string;
  url: string;
  n: number;
  ok: number;
  failed: number;
  skipped: number;
  failures: Record<string, number>;
  lastFailure: { cause: string; message: string; tMs: number } | null;
  unparsed: number;
  inFlight: Promise<void> | null;
  prev: { tMs: number; counters: NodeCounters } | null;
  nodeExporter: boolean;
  cpus: number | null;
  memTotalBytes: number | null;
  samples: PlatformSample[];
}

class ScrapeError extends Error {
  constructor(readonly failure: ScrapeFailureCause, message: string) {
    super(message);
  }
}

/** undici's and the socket's errors, by what they say about the target. */
export function classifyError(e: unknown): { cause: ScrapeFailureCause; message: string } {
  if (e instanceof ScrapeError) return { cause: e.failure, message: e.message };
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const message = [err.message, err.cause?.message].filter((m) => m !== undefined && m !== '').join(': ') || String(e);
  if (code === 'ECONNREFUSED') return { cause: 'refused', message };
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || /TIMEOUT/.test(code) || code === 'ETIMEDOUT') return { cause: 'timeout', message };
  if (['ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'].includes(code)) return { cause: 'unreachable', message };
  return { cause: 'error', message };
}

/** An exporter URL's user:password (undici ignores them) as a Basic Authorization header, and the URL without them. */
export function basicAuthOf(raw: string): { url: string; authorization: string | null } {
  const u = new URL(raw);
  if (u.username === '' && u.password === '') return { url: raw, authorization: null };
  const cred = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${Buffer.from(cred, 'utf8').toString('base64')}` };
}

export interface PlatformScraperOptions {
  /** One raw scrape, a JSON line with its newline. */
  onRaw(line: string): void;
  /** The URL as it may be written into results.json (credentials blanked). */
  redact?(url: string): string;
}

export class PlatformScraper {
  private readonly targets: TargetState[];
  private runStartEpochMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private round = 0;
  private stopped = false;
  private agent: Dispatcher | null = null;
  private request: typeof import('undici').request | null = null;

  constructor(private readonly spec: Omit<PlatformSpec, 'rtpengine'>, private readonly o: PlatformScraperOptions) {
    const prom = spec.targets.map((t) => ({ source: 'prometheus' as const, name: t.name, url: t.url }));
    const csv = spec.csv.map((c) => ({ source: 'csv' as const, name: c.name, url: c.file }));
    this.targets = [...prom, ...csv].map((t) => ({
      ...t, n: 0, ok: 0, failed: 0, skipped: 0, failures: {}, lastFailure: null, unparsed: 0,
      inFlight: null, prev: null, nodeExporter: false, cpus: null, memTotalBytes: null, samples: [],
    }));
  }

  /** Loads undici and opens its connection pool (before the run's start, off its clock). */
  async open(): Promise<void> {
    const { Agent, request } = await import('undici');
    const t = this.spec.timeoutMs;
    this.agent = new Agent({ connections: 1, headersTimeout: t, bodyTimeout: t, connect: { timeout: t } });
    this.request = request;
  }

  /** The first round at the run's start (`runStartEpochMs`, in the future or now), then every interval. */
  start(runStartEpochMs: number): void {
    this.runStartEpochMs = runStartEpochMs;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.runStartEpochMs === null) return;
    const due = this.runStartEpochMs + this.round * this.spec.intervalMs;
    this.timer = setTimeout(() => {
      this.round++;
      this.scrapeAll();
      this.schedule();
    }, Math.max(0, due - Date.now()));
  }

  private scrapeAll(): void {
    for (const t of this.targets) {
      if (t.source !== 'prometheus') continue;
      if (t.inFlight !== null) {
        t.skipped++;
        continue;
      }
      t.inFlight = this.scrape(t).finally(() => {
        t.inFlight = null;
      });
    }
  }

  private async scrape(t: TargetState): Promise<void> {
    const start = this.runStartEpochMs ?? Date.now();
    const sentAt = Date.now();
    const tMs = Math.max(0, sentAt - start);
    const n = ++t.n;
    const base = { instance: t.name, n, tMs, at: new Date(sentAt).toISOString() };
    try {
      if (this.request === null) throw new ScrapeError('error', 'scraper not opened');
      const { url, authorization } = basicAuthOf(t.url);
      const res = await this.request(url, {
        dispatcher: this.agent ?? undefined,
        headers: {
          accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', 'user-agent': 'callcert platform scraper',
          ...(authorization === null ? {} : { authorization }),
        },
        signal: AbortSignal.timeout(this.spec.timeoutMs),
      });
      if (res.statusCode < 200 || res.statusCode > 299) {
        await res.body.dump();
        throw new ScrapeError('http_status', `HTTP ${res.statusCode} from ${this.o.redact?.(t.url) ?? t.url}`);
      }
      if (Number(res.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
        await res.body.dump();
        throw new ScrapeError('too_large', `body larger than ${MAX_BODY_BYTES} bytes`);
      }
      const body = await res.body.text();
      if (body.length > MAX_BODY_BYTES) throw new ScrapeError('too_large', `body larger than ${MAX_BODY_BYTES} bytes`);
      const durationMs = Date.now() - sentAt;
      const parsed = parseExposition(body);
      if (parsed.samples.length === 0) {
        this.o.onRaw(`${JSON.stringify({ ...base, ok: false, cause: 'no_samples', durationMs, status: res.statusCode, body })}\n`);
        throw new ScrapeError('no_samples', `no sample in the ${body.length} bytes served${parsed.errors[0] ? ` (line ${parsed.errors[0].line}: ${parsed.errors[0].message})` : ''}`);
      }
      t.ok++;
      t.unparsed += parsed.errors.length;
      this.o.onRaw(`${JSON.stringify({ ...base, ok: true, durationMs, status: res.statusCode, unparsedLines: parsed.errors.length, body })}\n`);
      const counters = nodeCounters(parsed.samples, this.spec.excludeDevices);
      if (counters.cpu !== null || counters.mem !== null) t.nodeExporter = true;
      if (counters.cpu !== null) t.cpus = counters.cpu.cpus;
      if (counters.mem !== null) t.memTotalBytes = counters.mem.totalBytes;
      t.samples.push(nodeSample(tMs, counters, t.prev));
      t.prev = { tMs, counters };
    } catch (e) {
      const { cause, message } = classifyError(e);
      t.failed++;
      t.failures[cause] = (t.failures[cause] ?? 0) + 1;
      t.lastFailure = { cause, message, tMs };
      // A failed scrape breaks the rates: the next good one starts a new pair.
      t.prev = null;
      if (cause !== 'no_samples') this.o.onRaw(`${JSON.stringify({ ...base, ok: false, cause, error: message })}\n`);
    }
  }

  /** One last round at the run's end (unless one was just done), then waits for every scrape and closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.runStartEpochMs !== null && this.round > 0) {
      const lastRoundAt = this.runStartEpochMs + (this.round - 1) * this.spec.intervalMs;
      if (Date.now() - lastRoundAt >= Math.min(1000, this.spec.intervalMs / 2)) this.scrapeAll();
    }
    await Promise.all(this.targets.map((t) => t.inFlight));
    await this.agent?.close();
  }

  /**
   * A CSV import (platform.csv) at the run's end: `text` the file as read and `table` its RFC 4180
   * parse, or `error` why it could not be read or parsed. Its rows within the run become the
   * server's samples; the whole file goes to the raw file. A file that cannot be used is counted
   * (csv_unreadable, csv_columns), never fatal.
   */
  addCsv(
    name: string,
    got: PlatformCsv,
  ): void {
    const t = this.targets.find((x) => x.name === name && x.source === 'csv');
    if (t === undefined) return;
    const n = ++t.n;
    const start = this.runStartEpochMs;
    const tMs = start === null ? 0 : Math.max(0, Date.now() - start);
    const base = { instance: name, n, tMs, at: new Date().toISOString(), source: 'csv', file: t.url };
    const fail = (cause: ScrapeFailureCause, message: string) => {
      t.failed++;
      t.failures[cause] = (t.failures[cause] ?? 0) + 1;
      t.lastFailure = { cause, message, tMs };
      this.o.onRaw(`${JSON.stringify({ ...base, ok: false, cause, error: message, ...(got.text === null ? {} : { body: got.text }) })}\n`);
    };
    if ('error' in got) return fail('csv_unreadable', got.error);
    const problem = csvColumnsProblem(got.table.columns);
    if (problem !== null) return fail('csv_columns', problem);
    const imp = start === null
      ? { samples: [], outsideRun: got.table.rows.length, badRows: 0, firstBadRow: null }
      : importCsv(got.table, start, tMs);
    // For a CSV: ok = rows imported, skipped = rows outside the run, unparsedLines = rows that did not parse.
    t.ok += imp.samples.length;
    t.skipped += imp.outsideRun;
    t.unparsed += imp.badRows;
    if (imp.firstBadRow !== null) t.lastFailure = { cause: 'csv_row', message: imp.firstBadRow, tMs };
    t.samples.push(...imp.samples);
    t.nodeExporter = imp.samples.some((x) => x.cpuPct !== null || x.memUsedPct !== null);
    const counts = { rows: got.table.rows.length, imported: imp.samples.length, outsideRun: imp.outsideRun, badRows: imp.badRows };
    this.o.onRaw(`${JSON.stringify({ ...base, ok: true, ...counts, body: got.text })}\n`);
  }

  /** Each target's series so far, as results.json's platform part. */
  result(): PlatformResults {
    const instances: Record<string, PlatformInstanceResults> = {};
    for (const t of this.targets) {
      const samples = [...t.samples];
      instances[t.name] = {
        source: t.source,
        url: t.source === 'prometheus' ? (this.o.redact?.(t.url) ?? t.url) : t.url,
        scrapes: {
          ok: t.ok, failed: t.failed, skipped: t.skipped,
          failuresByCause: Object.fromEntries(
            SCRAPE_FAILURE_CAUSES.filter((c) => t.failures[c] !== undefined).map((c) => [c, t.failures[c]]),
          ),
          lastFailure: t.lastFailure, unparsedLines: t.unparsed,
        },
        nodeExporter: t.nodeExporter,
        cpus: t.cpus,
        memTotalBytes: t.memTotalBytes,
        samples,
        summary: Object.fromEntries(
          PLATFORM_FIGURES.map((f) => [f, summarizeSeries(samples.map((s) => s[f]))]),
        ) as Record<PlatformFigure, SeriesSummary>,
      };
    }
    return { intervalMs: this.spec.intervalMs, timeoutMs: this.spec.timeoutMs, rawFile: PLATFORM_RAW_FILE, instances };
  }

  /** One figure's values so far (criteria while running); null: no such target. */
  series(instance: string, figure: PlatformFigure): Array<number | null> | null {
    const t = this.targets.find((x) => x.name === instance);
    return t === undefined ? null : t.samples.map((s) => s[figure]);
  }
}
