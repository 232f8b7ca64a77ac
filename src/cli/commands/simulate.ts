/** `callcert simulate` (alias `callcert target`): the embedded call centre in the foreground. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { CallCentre } from '../../simulator/call-centre.js';
import { startCtiApi, type CtiApi } from '../../simulator/cti-api.js';
import { parseDurationMs } from '../../util/duration.js';
import { ExitCode, errors } from '../../errors.js';
import type { Runtime } from '../runtime.js';
import type { TransportKind } from '../../sip/transport/kinds.js';
import { RECORDING_DEFAULTS } from '../../scenario/recordings.js';
import { EmbeddedDialerSchema, normalizeEmbeddedDialer, type DialerLimitsSpec } from '../../scenario/outbound-rules.js';
import YAML from 'yaml';

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
  /** Echo RTP on ports of its own (commander: true unless --no-media). */
  media?: boolean;
  /** Record every answered call into this directory. */
  recordings?: string;
  /** "24h", "500" or "24h,500": max age and/or max count. */
  recordingRetention?: string;
  /** The CTI API's dialer limits, a YAML mapping as scenario embedded.dialer. */
  dialer?: string;
}

/** `--dialer`: a YAML flow mapping validated as a scenario's embedded.dialer; a usage error names the field. */
export function parseDialerFlag(spec: string): DialerLimitsSpec {
  let raw: unknown;
  try {
    raw = YAML.parse(spec);
  } catch (e) {
    throw errors.usage(`--dialer expects a mapping such as '{ minInterval: 6s, maxPerLinePerDay: 300 }': ${(e as Error).message.split('\n')[0]}`);
  }
  const r = EmbeddedDialerSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw errors.usage(`--dialer${i.path.length > 0 ? `.${i.path.join('.')}` : ''}: ${i.message}`);
  }
  const d = normalizeEmbeddedDialer(r.data);
  if (d === null) throw errors.usage('--dialer expects a mapping such as \'{ minInterval: 6s, maxPerLinePerDay: 300 }\'');
  return d;
}

/** The call centre's RTP ports (as the embedded run's, engine/run.ts). */
const SIMULATOR_MEDIA_PORTS = { min: 40000, max: 59999 };

/** `--recording-retention`: comma-separated; a whole number is the max count, a duration the max age. */
export function parseRetention(spec: string | undefined): { maxAgeMs: number | null; maxCount: number | null } {
  if (spec === undefined) return { maxAgeMs: null, maxCount: RECORDING_DEFAULTS.maxCount };
  let maxAgeMs: number | null = null;
  let maxCount: number | null = null;
  for (const part of spec.split(',').map((p) => p.trim())) {
    if (/^\d+$/.test(part) && Number(part) >= 1) maxCount = Number(part);
    else if (/^\d/.test(part) && !/^\d+$/.test(part)) maxAgeMs = flagDuration(part, '--recording-retention');
    else throw errors.usage(`--recording-retention expects a max age (e.g. 24h) and/or a max count of calls (e.g. 500), comma-separated, got "${spec}"`);
  }
  return { maxAgeMs, maxCount };
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
  if (flags.recordingRetention !== undefined && flags.recordings === undefined) throw errors.usage('--recording-retention applies with --recordings DIR');
  if (flags.dialer !== undefined && flags.ctiPort === undefined) throw errors.usage('--dialer applies to the CTI API\'s originate: add --cti-port');
  const dialer = flags.dialer === undefined ? null : parseDialerFlag(flags.dialer);
  const recordings = flags.recordings === undefined
    ? null
    : { dir: resolve(flags.recordings), ...parseRetention(flags.recordingRetention) };
  // Voice by default, as the one-liners send it: a caller's RTP would otherwise go nowhere and read as one-way audio.
  if (flags.media === false && recordings !== null) throw errors.usage('--recordings records the calls\' audio: it does not go with --no-media');
  const withMedia = flags.media !== false;
  const media = withMedia ? { ports: SIMULATOR_MEDIA_PORTS, initialPairs: Math.min(flags.capacity, 256) } : null;
  const cc = await CallCentre.start({
    address: flags.address,
    port: flags.sipPort,
    transport: flags.transport,
    capacity: flags.capacity,
    ringMs: flagDuration(flags.ring, '--ring'),
    answerRatio: flags.answerRatio,
    calleeHangupMs: flags.calleeHangup === undefined ? null : flagDuration(flags.calleeHangup, '--callee-hangup'),
    onError: (m) => rt.stderr.write(`callcert simulate: ${m}\n`),
    media,
    recordings,
  });
  rt.stdout.write(`callcert simulate: embedded call centre listening on ${cc.uri} (capacity ${flags.capacity})\n`);
  if (recordings !== null) rt.stdout.write(`callcert simulate: recording every answered call into ${recordings.dir}\n`);
  let cti: CtiApi | null = null;
  if (flags.ctiPort !== undefined) {
    const token = flags.ctiToken ?? randomBytes(12).toString('hex');
    try {
      cti = await startCtiApi({
        address: flags.address, port: flags.ctiPort, token, ratePerSec: flags.ctiRate, recordings: cc.recorder, dialer,
      });
    } catch (e) {
      await cc.close();
      throw e;
    }
    rt.stdout.write(`callcert simulate: CTI API on ${cti.url} (Authorization: Bearer ${token})\n`);
    if (dialer !== null) rt.stdout.write(`callcert simulate: dialer rules per line: ${JSON.stringify(dialer)}\n`);
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
  const extra = { ...(cc.mediaCounters ? { media: cc.mediaCounters } : {}), ...(cc.recorder ? { recordings: cc.recorder.counters } : {}) };
  rt.stdout.write(JSON.stringify(cti === null ? { counters: cc.counters, ...extra } : { counters: cc.counters, cti: cti.counters, ...extra }, null, 2) + '\n');
  return ExitCode.Passed;
}
