/**
 * `--sink prometheus-rw=URL`: the same families as /metrics (run-metrics.ts), pushed to a
 * Prometheus remote-write receiver (Prometheus with --web.enable-remote-write-receiver, Mimir,
 * VictoriaMetrics, …). A timer takes a snapshot of every series every `pushIntervalMs`; snapshots
 * queue (at most `maxBacklog`, the oldest dropped and counted) and go out together in one POST, one
 * POST at a time, bounded by `timeoutMs`. The engine never waits: `add` only updates figures, a
 * push runs on the event loop between reports. A failed push keeps its snapshots for the next one
 * (refused, timeout, 5xx, 429), or drops them when the receiver rejects them (other 4xx, which a
 * retry would not change); every push is counted by outcome and cause, the first failure is said
 * once on the terminal, the totals at the end. Never fatal. The run's end pushes once more, so the
 * receiver's last sample is the final one.
 */
import type { Output, RunEvent, RunInfo } from '../../engine/events.js';
import { classifyError } from '../../platform/scraper.js';
import { redactUrl } from '../../scenario/secrets.js';
import type { ConsoleView } from '../console/index.js';
import { PREFIX, type Family } from './families.js';
import { RunMetrics } from './run-metrics.js';
import { writeRequestBody, type TimeSeries } from './write-request.js';

export const DEFAULT_PUSH_INTERVAL_MS = 5000;
/** The families remote write adds about itself (beside the run's). */
export const REMOTE_WRITE_FAMILIES = { pushes: `${PREFIX}remote_write_pushes_total`, dropped: `${PREFIX}remote_write_dropped_snapshots_total` } as const;
const DEFAULT_TIMEOUT_MS = 5000;
/** Snapshots kept while the receiver is away: 10 minutes at the default interval. */
const DEFAULT_MAX_BACKLOG = 120;

export interface RemoteWriteOptions {
  url: string;
  view: ConsoleView;
  pushIntervalMs?: number;
  timeoutMs?: number;
  maxBacklog?: number;
  /** Added to every series (the receiver has no scrape job to add them): job="callcert" by default. */
  labels?: Readonly<Record<string, string>>;
}

interface Snapshot {
  tMs: number;
  families: Family[];
}

export interface RemoteWriteStats {
  pushes: number;
  ok: number;
  failed: number;
  failuresByCause: Record<string, number>;
  /** Snapshots dropped: the backlog overflowed, or the receiver rejected them (4xx). */
  droppedSnapshots: number;
  samplesSent: number;
  lastFailure: string | null;
}

export class RemoteWriteOutput implements Output {
  readonly metrics = new RunMetrics();
  private readonly pushIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly maxBacklog: number;
  private readonly labels: ReadonlyArray<readonly [string, string]>;
  private timer: NodeJS.Timeout | null = null;
  private backlog: Snapshot[] = [];
  private inFlight: Promise<void> | null = null;
  readonly stats: RemoteWriteStats = {
    pushes: 0, ok: 0, failed: 0, failuresByCause: {}, droppedSnapshots: 0, samplesSent: 0, lastFailure: null,
  };

  constructor(private readonly o: RemoteWriteOptions) {
    this.pushIntervalMs = o.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS;
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBacklog = o.maxBacklog ?? DEFAULT_MAX_BACKLOG;
    this.labels = Object.entries(o.labels ?? { job: 'callcert' });
  }

  describe(): string {
    return `Prometheus remote write to ${redactUrl(this.o.url)}`;
  }

  async start(info: RunInfo): Promise<void> {
    this.metrics.start(info);
    this.timer = setInterval(() => this.tick(), this.pushIntervalMs);
    this.timer.unref();
  }

  add(e: RunEvent): void {
    this.metrics.add(e);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    this.snapshot();
    await this.push();
    const s = this.stats;
    const causes = Object.entries(s.failuresByCause).map(([c, n]) => `${n} ${c}`).join(', ');
    this.o.view.message(
      `callcert: Prometheus remote write to ${redactUrl(this.o.url)}: ${s.ok} of ${s.pushes} pushes ok` +
      (s.failed > 0 ? `, ${s.failed} failed (${causes})` : '') +
      (s.droppedSnapshots > 0 ? `, ${s.droppedSnapshots} snapshots dropped` : '') +
      (this.backlog.length > 0 ? `, ${this.backlog.length} snapshots never sent` : ''),
    );
  }

  private tick(): void {
    this.snapshot();
    if (this.inFlight === null) void this.push();
  }

  private snapshot(): void {
    this.backlog.push({ tMs: Date.now(), families: [...this.metrics.families(), ...this.selfFamilies()] });
    const over = this.backlog.length - this.maxBacklog;
    if (over > 0) {
      this.backlog.splice(0, over);
      this.stats.droppedSnapshots += over;
    }
  }

  /** One POST with every queued snapshot; resolves when it is settled (never rejects). */
  private push(): Promise<void> {
    if (this.backlog.length === 0) return Promise.resolve();
    const batch = this.backlog;
    this.backlog = [];
    const series = toTimeSeries(batch, this.labels);
    const p = this.post(writeRequestBody(series)).then((outcome) => {
      this.stats.pushes++;
      if (outcome === null) {
        this.stats.ok++;
        for (const ts of series) this.stats.samplesSent += ts.samples.length;
        return;
      }
      this.stats.failed++;
      this.stats.failuresByCause[outcome.cause] = (this.stats.failuresByCause[outcome.cause] ?? 0) + 1;
      if (this.stats.lastFailure === null) {
        this.o.view.message(`callcert: Prometheus remote write to ${redactUrl(this.o.url)} failed (${outcome.message}); the run goes on, failures are counted`);
      }
      this.stats.lastFailure = outcome.message;
      if (outcome.retry) {
        this.backlog = [...batch, ...this.backlog];
        const over = this.backlog.length - this.maxBacklog;
        if (over > 0) {
          this.backlog.splice(0, over);
          this.stats.droppedSnapshots += over;
        }
      } else {
        this.stats.droppedSnapshots += batch.length;
      }
    }).finally(() => {
      this.inFlight = null;
    });
    this.inFlight = p;
    return p;
  }

  /** null: accepted; else why not, and whether the same data may be sent again. */
  private async post(body: Uint8Array): Promise<{ cause: string; message: string; retry: boolean } | null> {
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'user-agent': 'callcert',
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return null;
      const retry = res.status >= 500 || res.status === 429;
      return { cause: `http_${res.status}`, message: `HTTP ${res.status}${text === '' ? '' : `: ${text.trim().slice(0, 200)}`}`, retry };
    } catch (e) {
      const { cause, message } = classifyError(e);
      return { cause, message, retry: true };
    }
  }

  private selfFamilies(): Family[] {
    const s = this.stats;
    const { pushes, dropped } = REMOTE_WRITE_FAMILIES;
    return [
      {
        name: pushes, type: 'counter', help: 'Remote-write pushes by outcome (ok, or the failure cause: refused, timeout, http_<status>, …).',
        samples: [
          { name: pushes, labels: [['outcome', 'ok']], value: s.ok },
          ...Object.entries(s.failuresByCause).map(([c, n]) => ({ name: pushes, labels: [['outcome', c]] as Array<[string, string]>, value: n })),
        ],
      },
      { name: dropped, type: 'counter', help: 'Snapshots never delivered: the backlog overflowed while the receiver was away, or it rejected them.', samples: [{ name: dropped, labels: [], value: s.droppedSnapshots }] },
    ];
  }
}

/** Snapshots → one time series per sample name and labels, with a sample per snapshot, oldest first. */
export function toTimeSeries(batch: readonly Snapshot[], extra: ReadonlyArray<readonly [string, string]>): TimeSeries[] {
  const byKey = new Map<string, { labels: Array<readonly [string, string]>; samples: Array<readonly [number, number]> }>();
  for (const snap of batch) {
    for (const f of snap.families) {
      for (const s of f.samples) {
        const key = `${s.name}\u0000${s.labels.map(([k, v]) => `${k}\u0001${v}`).join('\u0000')}`;
        let ts = byKey.get(key);
        if (ts === undefined) {
          const own = new Set(s.labels.map(([k]) => k));
          byKey.set(key, (ts = { labels: [['__name__', s.name], ...extra.filter(([k]) => !own.has(k)), ...s.labels], samples: [] }));
        }
        ts.samples.push([s.value, snap.tMs]);
      }
    }
  }
  return [...byKey.values()];
}
