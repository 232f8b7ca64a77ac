/**
 * rtpengine (Debian rtpengine-daemon, 10.x) as a real media relay in interop tests.
 *
 * How rtpengine runs here (startRtpengine)
 *   timeout -k 5 N rtpengine --config-file=none --foreground --log-stderr --table=-1 \
 *     --interface=127.0.0.1 --listen-ng=127.0.0.1:<ng port> --port-min=A --port-max=B \
 *     --pidfile=<dir>/rtpengine.pid --num-threads=2 --delete-delay=D [--recording-dir=... --recording-method=pcap]
 *   - `--table=-1`: no kernel forwarding table, media is relayed in userspace (no module, no
 *     capabilities needed; it runs as root here anyway).
 *   - `--config-file=none`: the package's /etc/rtpengine/rtpengine.conf is not read.
 *   - ready when the ng port answers a `ping` with `pong`.
 *   - `--delete-delay`: a call the proxy deleted stays queryable that long (rtpengine's
 *     default is 30 s), so a test can read rtpengine's own counts after the run.
 *
 * The ng protocol client is callcert's own (src/platform/ng-client.ts, which documents the
 * commands and the reply's shape); it is re-exported here for the tests.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcap, type PcapUdp } from '../../src/media/pcap.js';
import { NgClient } from '../../src/platform/ng-client.js';
import { startKamailio, type KamailioHandle } from './kamailio.js';
import { freeUdpPort, requireCommand, spawnBounded, tailLines, type BoundedProcess } from './procs.js';

// The ng client is callcert's own (platform/): the tests drive rtpengine with what a run uses.
export { bdecode, bencode, type Bencode } from '../../src/platform/bencode.js';
export { NgClient, queryStreams, type NgDict, type RtpengineStream } from '../../src/platform/ng-client.js';

// ---- the daemon ------------------------------------------------------------------------

export interface RtpengineOptions {
  /** RTP port range rtpengine allocates from. */
  portMin: number;
  portMax: number;
  /** Hard time budget for the process, seconds (default 120). */
  timeoutSec?: number;
  /** Work dir (pidfile, recordings); fresh temp dir when omitted. */
  workDir?: string;
  /** Seconds a deleted call stays queryable (default 60). */
  deleteDelaySec?: number;
  /** Record every call as pcap into this directory (--recording-method=pcap). */
  recordingDir?: string;
  /** More raw arguments. */
  extraArgs?: string[];
}

export interface RtpengineHandle {
  ngHost: '127.0.0.1';
  ngPort: number;
  workDir: string;
  args: readonly string[];
  proc: BoundedProcess;
  ng: NgClient;
  log(): string;
  /** Close the ng client, SIGTERM, wait, SIGKILL the group if needed. */
  stop(): Promise<void>;
}

/** The argument list startRtpengine runs with (exported so a test can report it). */
export function rtpengineArgs(o: RtpengineOptions & { ngPort: number; workDir: string }): string[] {
  const args = [
    '--config-file=none',
    '--foreground',
    '--log-stderr',
    '--log-level=6',
    '--table=-1',
    '--interface=127.0.0.1',
    `--listen-ng=127.0.0.1:${o.ngPort}`,
    `--port-min=${o.portMin}`,
    `--port-max=${o.portMax}`,
    `--pidfile=${join(o.workDir, 'rtpengine.pid')}`,
    '--num-threads=2',
    `--delete-delay=${o.deleteDelaySec ?? 60}`,
  ];
  if (o.recordingDir !== undefined) args.push(`--recording-dir=${o.recordingDir}`, '--recording-method=pcap');
  return args.concat(o.extraArgs ?? []);
}

/** Start rtpengine in userspace; resolves once its ng port answers `ping` (10 s at most). */
export async function startRtpengine(o: RtpengineOptions): Promise<RtpengineHandle> {
  const bin = requireCommand('rtpengine', 'apt-get install rtpengine-daemon');
  const workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'callcert-rtpengine-'));
  if (o.recordingDir !== undefined) mkdirSync(o.recordingDir, { recursive: true });
  const ngPort = await freeUdpPort();
  const args = rtpengineArgs({ ...o, ngPort, workDir });
  const proc = spawnBounded(bin, args, { timeoutSec: o.timeoutSec ?? 120, cwd: workDir });
  const ng = new NgClient('127.0.0.1', ngPort);
  const deadline = Date.now() + 10_000;
  let last = '';
  for (;;) {
    if (proc.done) {
      const r = await proc.exited;
      await ng.close();
      throw new Error(`rtpengine exited before answering ping (code ${r.code}, signal ${r.signal}): rtpengine ${args.join(' ')}\n${tailLines(r.stderr, 40)}`);
    }
    try {
      const r = await ng.command('ping', {}, 300);
      if (r.result === 'pong') break;
      last = JSON.stringify(r);
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) {
      await ng.close();
      await proc.kill(2000);
      throw new Error(`rtpengine did not answer ping on 127.0.0.1:${ngPort} within 10 s (${last})\n${tailLines(proc.stderrSoFar(), 40)}`);
    }
  }
  return {
    ngHost: '127.0.0.1',
    ngPort,
    workDir,
    args,
    proc,
    ng,
    log: () => proc.stderrSoFar(),
    async stop() {
      await ng.close();
      await proc.kill(5000);
    },
  };
}

// ---- the pcap spool (--recording-method=pcap) ----------------------------------------------

/**
 * Where rtpengine 10.5 (`--recording-dir=D --recording-method=pcap`, a call offered with
 * `record-call=on`) puts a call, measured here: `D/pcaps/<call-id, URL-encoded>-<16 hex>.pcap`
 * from the offer on, written through a buffer; `D/tmp/rtpengine-meta-<same>.tmp` while the call
 * lives, moved to `D/metadata/rtpengine-meta-<same>.txt` (the pcap path, each SDP, start and end) when the call is
 * deleted for good — at once with `--delete-delay=0`, else that many seconds after the delete.
 */
export function recordingName(callId: string): string {
  return encodeURIComponent(callId);
}

/** The UDP datagrams of a pcap file (the one reader, media/pcap.ts); throws on a file it cannot read. */
export function readPcapUdp(file: Buffer): PcapUdp[] {
  const r = readPcap(file);
  if ('error' in r) throw new Error(r.error);
  return r.datagrams;
}

// ---- Kamailio in front of a UAS, with rtpengine relaying the media -------------------------

/** The Kamailio fixture that hands every INVITE's and 2xx's SDP to rtpengine (kamailio-rtpengine.cfg). */
export const KAMAILIO_RTPENGINE_CFG = resolve(fileURLToPath(new URL('../fixtures/kamailio/kamailio-rtpengine.cfg', import.meta.url)));

export interface KamailioRtpengineOptions {
  rtpengine: RtpengineHandle;
  /** The UAS Kamailio routes every INVITE to (127.0.0.1). */
  uasPort: number;
  /** Add `record-call=on` to rtpengine_offer (needs rtpengine's recordingDir). */
  recordCalls?: boolean;
  timeoutSec?: number;
  workDir?: string;
}

/** Kamailio (kamailio-rtpengine.cfg) with its rtpengine module talking to `rtpengine`'s ng port. */
export function startKamailioWithRtpengine(o: KamailioRtpengineOptions): Promise<KamailioHandle> {
  const flags = `replace-origin replace-session-connection${o.recordCalls === true ? ' record-call=on' : ''}`;
  return startKamailio({
    uasPort: o.uasPort,
    timeoutSec: o.timeoutSec ?? 120,
    cfgTemplate: KAMAILIO_RTPENGINE_CFG,
    ...(o.workDir !== undefined ? { workDir: o.workDir } : {}),
    placeholders: { __RTPENGINE_SOCK__: `udp:${o.rtpengine.ngHost}:${o.rtpengine.ngPort}`, __RTPENGINE_OFFER_FLAGS__: flags },
  });
}
