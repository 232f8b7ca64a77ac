/**
 * `--dashboard [HOST:PORT]`: a live web page of the run (server.ts), loopback by default on 9467. Every
 * `progress` event goes to the browsers as it is (the tiles: channels, target, CPS, counts, criteria); every
 * 2 s, while a browser is connected, the run's partial results become a snapshot with the report's charts
 * (the renderer is injected by the CLI: the report layer builds the page and the chart configs, above this
 * one). The final results are the last snapshot; the page then lingers like `/metrics` (`--sink-linger`).
 */
import type { Output, RunEvent, RunInfo } from '../../engine/events.js';
import type { Results } from '../../results/summary.js';
import { formatDurationMs } from '../../util/duration.js';
import { wakeableSleep } from '../../util/wakeable-sleep.js';
import type { ConsoleView } from '../console/index.js';
import { isLoopback, type ListenAddress } from '../prometheus/sink-args.js';
import { DashboardServer } from './server.js';

/** The dashboard's port when none is given: beside /metrics' 9466. */
export const DASHBOARD_PORT = 9467;
/** Snapshots at most this often; less often when building one would cost the main thread more than 2 %. */
const SNAPSHOT_MS = 2000;

/** What the report layer gives the dashboard: its page and a snapshot of a results.json. */
export interface DashboardRenderer {
  page(): Promise<string>;
  snapshot(results: Results): unknown;
}

export interface DashboardOptions extends ListenAddress {
  lingerMs: number;
  view: ConsoleView;
  renderer: DashboardRenderer;
}

export class DashboardOutput implements Output {
  private readonly server: DashboardServer;
  private started = false;
  private finished = false;
  private snapshotAtMs = -Infinity;
  private snapshotEveryMs = SNAPSHOT_MS;
  /** A browser connected since the last snapshot: it gets one at the next progress event. */
  private wanted = true;
  private endLinger: (() => void) | null = null;

  constructor(private readonly o: DashboardOptions) {
    this.server = new DashboardServer({ ...o, option: '--dashboard', page: () => o.renderer.page(), onClient: () => { this.wanted = true; } });
  }

  describe(): string {
    return `dashboard on ${this.o.host}:${this.o.port}`;
  }

  async start(_info: RunInfo): Promise<void> {
    await this.server.listen();
    this.started = true;
    const note = isLoopback(this.o.host) ? '' : ' (not loopback: the URL carries an access token; keep it to yourself)';
    this.o.view.message(`callcert: dashboard on ${this.server.url}${note}`);
  }

  add(e: RunEvent): void {
    if (!this.started) return;
    switch (e.type) {
      case 'progress': {
        if (this.server.clientCount === 0) return;
        this.server.send('progress', e.progress);
        const due = e.progress.elapsedMs - this.snapshotAtMs >= this.snapshotEveryMs;
        if (!due && !this.wanted) return;
        const t0 = performance.now();
        this.server.send('snapshot', this.o.renderer.snapshot(e.partialResults()));
        this.snapshotEveryMs = Math.max(SNAPSHOT_MS, Math.round((performance.now() - t0) * 50));
        this.snapshotAtMs = e.progress.elapsedMs;
        this.wanted = false;
        return;
      }
      case 'finished':
        this.finished = true;
        this.server.send('snapshot', this.o.renderer.snapshot(e.results));
        return;
      case 'stopping':
        // An interrupt after the run (Ctrl-C while lingering) ends the linger.
        if (this.finished) this.endLinger?.();
        return;
      default:
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    if (this.o.lingerMs > 0 && this.finished) {
      this.o.view.message(`callcert: the dashboard stays on ${this.server.url} for ${formatDurationMs(this.o.lingerMs)} (--sink-linger; Ctrl-C ends it)`);
      const linger = wakeableSleep(this.o.lingerMs);
      this.endLinger = linger.wake;
      await linger.done;
    }
    this.started = false;
    await this.server.close();
  }
}
