/**
 * Piscina task: one long-lived task per worker thread. It says it is ready once its thread
 * has loaded, waits for the run's start time, owns its sockets and its segment of the plan,
 * streams an IntervalReport every second over the MessagePort, and resolves when its
 * segment is done (or stopped).
 */
import type { MessagePort } from 'node:worker_threads';
import { LoadDriver } from './load-driver.js';
import { CallerMedia } from './worker/caller-media.js';
import { expectedPeakCalls } from './worker/peak-calls.js';
import { workerPorts } from '../media/schema.js';
import { realClock } from '../load/clock.js';
import { mulberry32 } from '../util/random.js';
import type { MainToWorker, WorkerDone, WorkerInit, WorkerReady } from './protocol.js';

export default async function runSegment(init: WorkerInit): Promise<WorkerDone> {
  const { port } = init;
  // The media ports are bound before the worker says it is ready: binding a thousand pairs takes a while.
  let slipSink: (ms: number) => void = () => {};
  const media = await openCallerMedia(init, (ms) => slipSink(ms));
  const go = await startOrStop(port, init.worker);
  if (go.type === 'stop') {
    await media?.close();
    port.close();
    return { worker: init.worker, interrupted: true, stopReason: go.reason, unfinished: 0, uacStats: idleStats(), http: {} };
  }
  // Both clocks have sub-ms precision; timeOrigin differs per thread, the epoch does not.
  const startAt = go.runStartEpochMs - performance.timeOrigin;
  const driver = new LoadDriver({
    scenario: init.scenario,
    target: init.target,
    localAddress: init.localAddress,
    worker: init.worker,
    segment: init.segment,
    startAt,
    seed: init.seed,
    drainMs: init.drainMs,
    http: init.http,
    flows: init.flows ?? [],
    callData: init.callData ?? null,
    userAgent: init.userAgent,
    emit: (report) => port.postMessage(report),
    media,
  });
  slipSink = (ms) => driver.recordMediaSlip(ms);
  port.on('message', (m: MainToWorker) => {
    if (m.type === 'stop') driver.stop(m.reason, true);
  });
  injectFault(init.worker);
  try {
    return await driver.start();
  } finally {
    port.close();
  }
}

/** The caller legs' media of this worker (scenario call.media), its pool bound; null without media. */
async function openCallerMedia(init: WorkerInit, onSlip: (ms: number) => void): Promise<CallerMedia | null> {
  const spec = init.scenario.media;
  if (spec.codec === null) return null;
  const media = new CallerMedia({
    spec: { ...spec, codec: spec.codec },
    address: init.localAddress,
    ports: workerPorts(spec.ports, init.worker, init.workers),
    initialPairs: expectedPeakCalls(init.scenario, init.segment),
    clock: realClock,
    random: mulberry32((init.seed ^ 0x6d2b79f5) >>> 0),
    onSlip,
  });
  await media.open();
  return media;
}

/** Posts `ready`, then waits for the main thread's `start` (or a `stop` that came first). */
function startOrStop(port: MessagePort, worker: number): Promise<MainToWorker> {
  return new Promise((resolve) => {
    const first = (m: MainToWorker) => {
      port.off('message', first);
      resolve(m);
    };
    port.on('message', first);
    port.postMessage({ type: 'ready', worker } satisfies WorkerReady);
  });
}

const idleStats = (): WorkerDone['uacStats'] => ({ retransmissions: 0, strayResponses: 0, inDialogRequests: 0 });

/**
 * Test hook: CALLCERT_TEST_CRASH_WORKER="<index>:<ms>" makes that worker throw from
 * a timer after <ms>, the way a bug would, so tests can check that a crashed worker
 * is reported and the run marked invalid. Inert unless the variable is set.
 */
function injectFault(index: number): void {
  const spec = process.env.CALLCERT_TEST_CRASH_WORKER;
  if (spec === undefined) return;
  const [w, ms] = spec.split(':').map(Number);
  if (w !== index || !Number.isFinite(ms)) return;
  setTimeout(() => {
    throw new Error(`injected crash of worker ${index} (CALLCERT_TEST_CRASH_WORKER)`);
  }, ms);
}
