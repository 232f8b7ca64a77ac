/** `callcert simulate` (alias `callcert target`): the embedded call centre in the foreground. */
import { randomBytes } from 'node:crypto';
import { CallCentre } from '../../simulator/call-centre.js';
import { startCtiApi, type CtiApi } from '../../simulator/cti-api.js';
import { parseDurationMs } from '../../util/duration.js';
import { ExitCode, errors } from '../../errors.js';
import type { Runtime } from '../runtime.js';
import type { TransportKind } from '../../sip/transport/kinds.js';

export interface SimulateFlags {
  sipPort: number;
  address: string;
  transport: TransportKind;
  capacity: number;
  ring: string;
  answerRatio: number;
  calleeHangup?: string;
  duration?: string;
  /** Start the CTI REST API on this port (0: any free port). */
  ctiPort?: number;
  /** Bearer token of the CTI API (default: a random one, printed). */
  ctiToken?: string;
  ctiRate: number;
}

function flagDuration(value: string, flag: string): number {
  try {
    return parseDurationMs(value, flag);
  } catch (e) {
    throw errors.usage(`${flag}: ${(e as Error).message}`);
  }
}

export async function simulateCommand(flags: SimulateFlags, rt: Runtime): Promise<ExitCode> {
  if (flags.answerRatio > 1) throw errors.usage(`--answer-ratio expects a number from 0 to 1, got ${flags.answerRatio}`);
  const cc = await CallCentre.start({
    address: flags.address,
    port: flags.sipPort,
    transport: flags.transport,
    capacity: flags.capacity,
    ringMs: flagDuration(flags.ring, '--ring'),
    answerRatio: flags.answerRatio,
    calleeHangupMs: flags.calleeHangup === undefined ? null : flagDuration(flags.calleeHangup, '--callee-hangup'),
    onError: (m) => rt.stderr.write(`callcert simulate: ${m}\n`),
  });
  rt.stdout.write(`callcert simulate: embedded call centre listening on ${cc.uri} (capacity ${flags.capacity})\n`);
  let cti: CtiApi | null = null;
  if (flags.ctiPort !== undefined) {
    const token = flags.ctiToken ?? randomBytes(12).toString('hex');
    try {
      cti = await startCtiApi({ address: flags.address, port: flags.ctiPort, token, ratePerSec: flags.ctiRate });
    } catch (e) {
      await cc.close();
      throw e;
    }
    rt.stdout.write(`callcert simulate: CTI API on ${cti.url} (Authorization: Bearer ${token})\n`);
  }
  const durationMs = flags.duration === undefined ? null : flagDuration(flags.duration, '--duration');
  await new Promise<void>((resolve) => {
    const off = rt.onSignal(() => {
      off();
      resolve();
    });
    if (durationMs !== null) setTimeout(() => { off(); resolve(); }, durationMs);
  });
  await cti?.close();
  await cc.close();
  rt.stdout.write(JSON.stringify(cti === null ? { counters: cc.counters } : { counters: cc.counters, cti: cti.counters }, null, 2) + '\n');
  return ExitCode.Passed;
}
