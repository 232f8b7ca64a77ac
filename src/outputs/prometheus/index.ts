/**
 * `--sink prometheus[=HOST:PORT]`: the run's figures on `/metrics` in the Prometheus text format
 * while it goes (run-metrics.ts, named from the catalogue by families.ts), on loopback unless told
 * otherwise. A scrape renders what the events brought so far; nothing here waits on a scraper (a
 * response is handed to the socket and the server takes at most a few connections). After the run
 * the endpoint lingers (`--sink-linger`, default 15 s) with the final values, so the last scrape
 * sees what results.json says; an interrupt ends the linger early.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Output, RunEvent, RunInfo } from '../../engine/events.js';
import { formatDurationMs } from '../../util/duration.js';
import { wakeableSleep } from '../../util/wakeable-sleep.js';
import { listenHttp } from '../http-listen.js';
import type { ConsoleView } from '../console/index.js';
import { PREFIX, type Family } from './families.js';
import { isLoopback, type ListenAddress } from './sink-args.js';
import { RunMetrics } from './run-metrics.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './text.js';

/** How long /metrics stays up after the run by default: one scrape interval of Prometheus' example config. */
export const DEFAULT_LINGER_MS = 15_000;
/** Concurrent scrape connections: a misbehaving scraper cannot pile up sockets and buffers. */
const MAX_CONNECTIONS = 16;

export interface PrometheusOptions extends ListenAddress {
  lingerMs: number;
  view: ConsoleView;
}

export class PrometheusOutput implements Output {
  readonly metrics = new RunMetrics();
  private server: Server | null = null;
  private url: string;
  private scrapes = 0;
  private finished = false;
  private endLinger: (() => void) | null = null;

  constructor(private readonly o: PrometheusOptions) {
    this.url = urlOf(o.host, o.port);
  }

  describe(): string {
    return `Prometheus metrics on ${this.url}`;
  }

  async start(info: RunInfo): Promise<void> {
    this.metrics.start(info);
    const server = createServer((req, res) => this.serve(req, res));
    server.maxConnections = MAX_CONNECTIONS;
    // A scraper that sends nothing, or never reads, is dropped rather than kept.
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    this.url = `${await listenHttp(server, this.o, '--sink prometheus', `--sink prometheus=${this.o.host}:PORT`)}${METRICS_PATH}`;
    this.server = server;
    const note = isLoopback(this.o.host) ? '' : ' (not loopback: anyone who reaches this address can read the figures)';
    this.o.view.message(`callcert: Prometheus metrics on ${this.url}${note}`);
  }

  add(e: RunEvent): void {
    this.metrics.add(e);
    if (e.type === 'finished') this.finished = true;
    // An interrupt after the run (Ctrl-C while lingering) ends the linger.
    else if (e.type === 'stopping' && this.finished) this.endLinger?.();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    if (this.o.lingerMs > 0 && this.finished) {
      this.o.view.message(`callcert: the final figures stay on ${this.url} for ${formatDurationMs(this.o.lingerMs)} (--sink-linger; Ctrl-C ends it)`);
      const linger = wakeableSleep(this.o.lingerMs);
      this.endLinger = linger.wake;
      await linger.done;
    }
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.o.view.message(`callcert: Prometheus: ${this.scrapes} scrape${this.scrapes === 1 ? '' : 's'} of ${this.url}`);
  }

  /** Scrapes served so far. */
  get scrapeCount(): number {
    return this.scrapes;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('callcert serves /metrics only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    this.scrapes++;
    const body = renderExposition([...this.metrics.families(), this.selfFamily()]);
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private selfFamily(): Family {
    const name = `${PREFIX}exposition_scrapes_total`;
    return { name, type: 'counter', help: 'Scrapes of this /metrics endpoint served during the run, this one included.', samples: [{ name, labels: [], value: this.scrapes }] };
  }
}

const METRICS_PATH = '/metrics';

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${METRICS_PATH}`;
}
