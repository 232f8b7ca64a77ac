/**
 * The worker pool: one piscina thread per segment, each running one long task.
 * piscina's default atomics mode parks idle workers with Atomics.wait, which
 * stalls their timers and sockets between tasks; our tasks are long-lived
 * event-loop programs, so atomics are disabled.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { MainToWorker, WorkerDone, WorkerError, WorkerInit, WorkerReady } from './protocol.js';
import type { IntervalReport } from '../metrics/interval.js';

export interface PoolRun {
  /** Settles when every worker has finished or failed; never rejects. */
  done: Promise<Array<{ ok: true; value: WorkerDone } | { ok: false; worker: number; error: WorkerError }>>;
  /**
   * Resolves once every worker has loaded and waits for `start` — or once any of them has
   * failed or finished without (then `start` still releases the others). Never rejects.
   */
  ready: Promise<void>;
  /** Releases every waiting worker with the run's 0 (wall-clock ms). */
  start(runStartEpochMs: number): void;
  stop(reason: string): void;
}

export function startWorkers(
  count: number,
  initFor: (index: number) => Omit<WorkerInit, 'port'>,
  onReport: (r: IntervalReport) => void,
): PoolRun {
  const pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: count,
    maxThreads: count,
    concurrentTasksPerWorker: 1,
    atomics: 'disabled',
    idleTimeout: 60_000,
  });
  const ports: Array<import('node:worker_threads').MessagePort> = [];
  const tasks = [];
  const readyOnes: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const { port1, port2 } = new MessageChannel();
    let isReady!: () => void;
    readyOnes.push(new Promise<void>((r) => (isReady = r)));
    port1.on('message', (m: IntervalReport | WorkerReady) => {
      if (m.type === 'ready') isReady();
      else onReport(m);
    });
    ports.push(port1);
    const init: WorkerInit = { ...initFor(i), port: port2 };
    tasks.push(
      pool.run(init, { transferList: [port2] }).then(
        (value: WorkerDone) => ({ ok: true as const, value }),
        (e: unknown) => ({ ok: false as const, worker: i, error: toWorkerError(e) }),
      ),
    );
  }
  const done = Promise.all(tasks).then(async (results) => {
    // Let the last reports posted before the task resolved drain from the ports.
    await new Promise((r) => setImmediate(r));
    for (const p of ports) p.close();
    await pool.destroy();
    return results;
  });
  const post = (msg: MainToWorker) => {
    for (const p of ports) p.postMessage(msg);
  };
  return {
    done,
    ready: Promise.race([Promise.all(readyOnes).then(() => undefined), Promise.race(tasks).then(() => undefined)]),
    start: (runStartEpochMs) => post({ type: 'start', runStartEpochMs }),
    stop: (reason) => post({ type: 'stop', reason }),
  };
}

function toWorkerError(e: unknown): WorkerError {
  if (e !== null && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; details?: unknown };
    return {
      code: typeof o.code === 'string' ? o.code : 'CC_ERR_WORKER_CRASHED',
      message: typeof o.message === 'string' ? o.message : String(e),
      details: typeof o.details === 'object' && o.details !== null ? (o.details as Record<string, unknown>) : {},
    };
  }
  return { code: 'CC_ERR_WORKER_CRASHED', message: String(e), details: {} };
}
