/**
 * rtpengine's own view of the calls, read while a run goes: every `intervalMs` one round — `list`
 * (at most maxCalls), then `query` for each listed call, `concurrency` at a time — keeping the
 * last reply's figures per Call-ID; once more when stopped, after the last call. On the main
 * thread, never on a worker: the ng socket is its own, the rounds do not overlap, and a failed
 * `list` or `query` (a timeout, an error reply) is counted and the round goes on. A call gone
 * between `list` and `query` ("Unknown call-id") is counted apart: it is no failure.
 *
 * A call's last figures are final when a round saw it after its end: rtpengine keeps a deleted
 * call `--delete-delay` seconds (30 by default), so an interval below that reads every call's
 * figures after its BYE.
 */
import { NgClient, queryStreams, queryTotals, type RtpengineStream, type Traffic } from './ng-client.js';
import type { RtpengineWatchSpec } from './schema.js';
import { wakeableSleep } from '../util/wakeable-sleep.js';

export interface RtpengineSnapshot {
  /** When the reply came, ms after the run's start. */
  atMs: number;
  streams: RtpengineStream[];
  totals: { rtp: Traffic; rtcp: Traffic };
}

export interface WatchCounters {
  /** Rounds whose `list` answered. */
  rounds: number;
  listFailures: number;
  queries: number;
  queryFailures: number;
  /** Listed, then gone before its query. */
  gone: number;
  /** The first failures' reasons (at most 5), for the log. */
  examples: string[];
}

export interface WatchResult {
  snapshots: Map<string, RtpengineSnapshot>;
  counters: WatchCounters;
}

export class RtpengineWatch {
  private readonly client: NgClient;
  private readonly snapshots = new Map<string, RtpengineSnapshot>();
  private readonly counters: WatchCounters = { rounds: 0, listFailures: 0, queries: 0, queryFailures: 0, gone: 0, examples: [] };
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly loop: Promise<void>;

  /** `now`: ms after the run's start. */
  constructor(
    private readonly spec: RtpengineWatchSpec,
    private readonly now: () => number,
  ) {
    this.client = new NgClient(spec.host, spec.port);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.round();
      if (this.stopping) break;
      const pause = wakeableSleep(this.spec.intervalMs);
      this.wake = pause.wake;
      await pause.done;
      this.wake = null;
    }
  }

  private fail(kind: 'listFailures' | 'queryFailures', why: string): void {
    this.counters[kind]++;
    if (this.counters.examples.length < 5) this.counters.examples.push(why);
  }

  private async round(): Promise<void> {
    let ids: string[];
    try {
      const r = await this.client.command('list', { limit: this.spec.maxCalls }, this.spec.timeoutMs);
      if (r.result !== 'ok' || !Array.isArray(r.calls)) {
        this.fail('listFailures', `list: ${JSON.stringify(r).slice(0, 200)}`);
        return;
      }
      ids = r.calls.filter((c): c is string => typeof c === 'string').slice(0, this.spec.maxCalls);
    } catch (e) {
      this.fail('listFailures', (e as Error).message);
      return;
    }
    this.counters.rounds++;
    let next = 0;
    const worker = async () => {
      for (let k = next++; k < ids.length; k = next++) await this.query(ids[k]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.spec.concurrency, ids.length) }, worker));
  }

  private async query(id: string): Promise<void> {
    this.counters.queries++;
    try {
      const r = await this.client.command('query', { 'call-id': id }, this.spec.timeoutMs);
      if (r.result === 'ok') {
        this.snapshots.set(id, { atMs: this.now(), streams: queryStreams(r), totals: queryTotals(r) });
      } else if (typeof r['error-reason'] === 'string' && /unknown call/i.test(r['error-reason'])) {
        this.counters.gone++;
      } else {
        this.fail('queryFailures', `query ${id}: ${JSON.stringify(r).slice(0, 200)}`);
      }
    } catch (e) {
      this.fail('queryFailures', `query ${id}: ${(e as Error).message}`);
    }
  }

  /** Ends the rounds, runs one more (the calls' last figures), closes the socket. */
  async stop(): Promise<WatchResult> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.round();
    await this.client.close();
    return { snapshots: this.snapshots, counters: this.counters };
  }
}
