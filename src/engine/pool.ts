/**
 * The worker pool: one piscina thread per segment, each running one long task.
 * piscina's default atomics mode parks idle workers with Atomics.wait, which
 * stalls their timers and sockets between tasks; our tasks are long-lived
 * event-loop programs, so atomics are disabled.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { MainToWorker, WorkerDone, WorkerError, WorkerInit } from './protocol.js';
import type { IntervalReport } from '../metrics/interval.js';

export interface PoolRun {
  /** Settles when every worker has finished or failed; never rejects. */
  done: Promise<Array<{ ok: true; value: WorkerDone } | { ok: false; worker: number; error: WorkerError }>>;
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
  for (let i = 0; i < count; i++) {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onReport);
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
  return {
    done,
    stop(reason: string) {
      const msg: MainToWorker = { type: 'stop', reason };
      for (const p of ports) p.postMessage(msg);
    },
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
