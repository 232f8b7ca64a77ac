/**
 * Piscina task: one long-lived task per worker thread. It owns its sockets and
 * its segment of the plan, streams an IntervalReport every second over the
 * MessagePort, and resolves when its segment is done (or stopped).
 */
import { LoadDriver } from './load-driver.js';
import type { MainToWorker, WorkerDone, WorkerInit } from './protocol.js';

export default async function runSegment(init: WorkerInit): Promise<WorkerDone> {
  const { port } = init;
  // Both clocks have sub-ms precision; timeOrigin differs per thread, the epoch does not.
  const startAt = init.runStartEpochMs - performance.timeOrigin;
  const driver = new LoadDriver({
    scenario: init.scenario,
    target: init.target,
    localAddress: init.localAddress,
    segment: init.segment,
    startAt,
    seed: init.seed,
    drainMs: init.drainMs,
    http: init.http,
    flows: init.flows ?? [],
    callData: init.callData ?? null,
    userAgent: init.userAgent,
    emit: (report) => port.postMessage(report),
  });
  port.on('message', (m: MainToWorker) => {
    if (m.type === 'stop') driver.stop(m.reason, true);
  });
  injectFault(init.segment.index);
  try {
    return await driver.start();
  } finally {
    port.close();
  }
}

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
