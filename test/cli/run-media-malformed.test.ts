/**
 * Malformed RTP and RTCP never crash a run, and are counted, not measured.
 *
 * `callcert run --media pcmu` (a worker thread in a child process) calls the call centre, which
 * this test runs in its own process with its RTP echo. Once a call's media flows — the echo has
 * received 5 valid packets from the caller, so both streams are running — the test sends a fixed
 * number of malformed datagrams (random bytes; valid RTP and RTCP bit-flipped, overwritten,
 * truncated or extended; seeded, each checked to fail RFC 3550 A.1/A.2 validation) at four
 * ports of that call: the caller's RTP and RTCP ports (the addresses of callcert's offer, as
 * the echo read them) and the echo's. The call is held 3 s, so they have all arrived long
 * before it ends. Then, per call:
 *   - callcert's record counts exactly the datagrams sent at its two ports as `invalid`, and
 *     the echo's own summary exactly those sent at its two;
 *   - the real streams are untouched: no loss, no crossed media, every payload the call's own
 *     marker, nothing latched to the sprayer's address, what came back is what was sent;
 *   - the run completes every call with its results valid, the worker did not crash.
 */
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallCentre } from '../../src/simulator/call-centre.js';
import { MediaStream, type MediaSummary, type StreamOptions } from '../../src/media/stream.js';
import {
  decodeRtp, encodeRtp, parseRtcp, payloadTypeSet, RtcpCompound, RtcpStatus, RtpStatus, RtpView, rtcpCompoundBytes, writeRtcpCompound,
} from '../../src/media/rtp/packet.js';
import { mulberry32 } from '../../src/util/random.js';
import { describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';

const ECHO_PORTS = { min: 14600, max: 14799 };
/** Datagrams per port per call: RTP port and RTCP port of the caller, and of the echo. */
const PER_PORT = 10;
const CALLS = 12;

let root = '';
beforeAll(() => {
  requireBuiltCli();
  root = tempDir('media-malformed');
});
afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

/** Malformed datagrams from a seeded PRNG: each fails decodeRtp (for `forRtp`) or parseRtcp, whatever the port's stream negotiated. */
function malformedFactory(seed: number) {
  const rng = mulberry32(seed);
  const byte = () => Math.floor(rng() * 256);
  const pts = payloadTypeSet([0, 8, 101]);
  const view = new RtpView();
  const rtcp = new RtcpCompound();
  const validRtp = (): Buffer => {
    const payload = Buffer.from(Array.from({ length: 160 }, byte));
    const h = {
      payloadType: rng() < 0.5 ? 0 : 101, sequenceNumber: byte() * 256,
      timestamp: Math.floor(rng() * 2 ** 32), ssrc: Math.floor(rng() * 2 ** 32),
      marker: false, csrcs: rng() < 0.2 ? [1, 2] : [], extension: rng() < 0.2 ? { profile: 0xbede, data: new Uint8Array(4) } : null,
      paddingBytes: rng() < 0.2 ? 4 : 0,
    };
    const b = Buffer.alloc(12 + 4 * h.csrcs.length + (h.extension ? 8 : 0) + 160 + h.paddingBytes);
    encodeRtp(b, 0, h, payload);
    return b;
  };
  const validRtcp = (): Buffer => {
    const sender = { ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 };
    const spec = { ssrc: Math.floor(rng() * 2 ** 32), sender: rng() < 0.5 ? sender : null, block: null, cname: 'x'.repeat(Math.floor(rng() * 12)), bye: rng() < 0.3 };
    const b = Buffer.alloc(rtcpCompoundBytes(spec));
    writeRtcpCompound(b, 0, spec);
    return b;
  };
  const mutate = (src: Buffer): Buffer => {
    let b = Buffer.from(src);
    for (let e = 1 + Math.floor(rng() * 3); e > 0; e--) {
      const k = rng();
      if (k < 0.4 && b.length > 0) b[Math.floor(rng() * b.length)] ^= 1 << Math.floor(rng() * 8); // bit flip
      else if (k < 0.6 && b.length > 0) b[Math.floor(rng() * Math.min(b.length, 12))] = byte(); // a header byte overwritten
      else if (k < 0.8) b = b.subarray(0, Math.floor(rng() * b.length)); // truncated
      else b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 7) }, byte))]); // extended
    }
    return b;
  };
  const candidate = (): Buffer => {
    const k = rng();
    if (k < 0.3) return Buffer.from(Array.from({ length: Math.floor(rng() * 200) }, byte)); // random bytes, any length (0 too)
    return mutate(k < 0.65 ? validRtp() : validRtcp());
  };
  /** The next datagram that a stream on an RTP port (`forRtp`) or an RTCP port must refuse. */
  return (forRtp: boolean): Buffer => {
    for (let tries = 0; tries < 1000; tries++) {
      const b = candidate();
      const bad = forRtp ? decodeRtp(b, 0, b.length, view, pts) !== RtpStatus.OK : parseRtcp(b, 0, b.length, rtcp) !== RtcpStatus.OK;
      if (bad) return b;
    }
    throw new Error('no malformed datagram in 1000 tries');
  };
}

interface EchoCall {
  opts: StreamOptions;
  stream: MediaStream;
  sprayed: Promise<void> | null;
  summary: MediaSummary | null;
}

describe('malformed RTP/RTCP at a run’s media ports', () => {
  it(`${CALLS} calls: every malformed datagram is counted as invalid on the port it hit, and no real stream is disturbed`, async () => {
    // The echo's streams live in this process: watch each one start and stop (its own summary is what the echo measured).
    const echoCalls: EchoCall[] = [];
    const proto = MediaStream.prototype as unknown as { start(): void; stop(): MediaSummary };
    const origStart = proto.start;
    const origStop = proto.stop;
    const byStream = new Map<MediaStream, EchoCall>();
    proto.start = function (this: MediaStream) {
      const c: EchoCall = { opts: (this as unknown as { o: StreamOptions }).o, stream: this, sprayed: null, summary: null };
      echoCalls.push(c);
      byStream.set(this, c);
      return origStart.call(this);
    };
    proto.stop = function (this: MediaStream) {
      const s = origStop.call(this);
      const c = byStream.get(this);
      if (c !== undefined) c.summary = s;
      return s;
    };

    const sprayer = createSocket('udp4');
    await new Promise<void>((r) => sprayer.bind(0, '127.0.0.1', () => r()));
    const next = malformedFactory(0xbad5eed);
    const send = (b: Buffer, port: number) => new Promise<void>((r, j) => sprayer.send(b, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    const spray = async (c: EchoCall): Promise<void> => {
      // Wait (bounded) until the caller's RTP reaches the echo: both streams are then running.
      for (let i = 0; i < 200 && c.stream.receiver.summary().packetsReceived < 5; i++) await new Promise((r) => setTimeout(r, 10));
      const m = c.opts.media;
      const targets = [m.remoteRtpPort, m.remoteRtcpPort, c.opts.pair.rtpPort, c.opts.pair.rtcpPort];
      for (let k = 0; k < PER_PORT; k++) for (const [i, port] of targets.entries()) await send(next(i % 2 === 0), port);
    };

    const cc = await CallCentre.start({
      capacity: 50, ringMs: 10, answerRatio: 1, calleeHangupMs: null, address: '127.0.0.1', port: 0, transport: 'udp',
      media: { ports: ECHO_PORTS, initialPairs: 16 },
    });
    const poll = setInterval(() => {
      for (const c of echoCalls) if (c.sprayed === null) c.sprayed = spray(c);
    }, 5);
    const out = join(root, 'out');
    let cli;
    try {
      cli = await runCli(
        ['run', '--target', cc.uri, '--rate', '6', '--ramp', '0', '--duration', '2s', '--hold', '3s', '--workers', '1', '--media', 'pcmu', '--quiet', '--out', out],
        { timeoutSec: 40, cwd: root },
      );
      await Promise.all(echoCalls.map((c) => c.sprayed));
    } finally {
      clearInterval(poll);
      await cc.close();
      sprayer.close();
      proto.start = origStart;
      proto.stop = origStop;
    }

    const r = readResults(out);
    const calls = readCalls(out);
    const why0 = `${describeCli(cli)}\nsummary: ${JSON.stringify(r.summary.calls)} valid=${r.valid} ${JSON.stringify(r.invalidReasons)}`;
    // The run completed: every call answered and completed, results valid, exit 0 (no criteria, all calls normal).
    expect(cli.code, why0).toBe(0);
    expect(r.valid, why0).toBe(true);
    expect(r.summary.calls.attempted, why0).toBe(CALLS);
    expect(r.summary.calls.completed, why0).toBe(CALLS);
    expect(echoCalls.length, why0).toBe(CALLS);

    const echoByPort = new Map(echoCalls.map((c) => [c.opts.pair.rtpPort, c]));
    const rows = calls.map((c) => {
      const m = c.media as {
        sent: number; received: number; lost: number; invalid: number; markerOwn: number; markerOther: number;
        remote: string; latched: boolean;
      };
      const echoPort = Number(m.remote.slice(m.remote.lastIndexOf(':') + 1));
      return { id: c.id, cause: c.cause, callcert: m, echo: echoByPort.get(echoPort)?.summary ?? null };
    });
    report('malformed RTP/RTCP', {
      perPort: PER_PORT,
      calls: rows.map((x) => ({
        callcertInvalid: x.callcert.invalid, echoInvalid: x.echo?.invalidPackets,
        sent: x.callcert.sent, received: x.callcert.received, lost: x.callcert.lost,
      })),
    });
    for (const { id, cause, callcert: m, echo } of rows) {
      const w = `${why0}\ncall ${id}: ${JSON.stringify(m)}\necho: ${JSON.stringify(echo)}`;
      expect(cause, w).toBe('completed');
      expect(echo, w).not.toBeNull();
      // Counted, on the side they hit: PER_PORT at the RTP port and PER_PORT at the RTCP port of each.
      expect(m.invalid, w).toBe(2 * PER_PORT);
      expect(echo!.invalidPackets, w).toBe(2 * PER_PORT);
      // Not measured: the real streams are as they would be without them.
      expect(m.lost, w).toBe(0);
      expect(m.markerOther, w).toBe(0);
      expect(m.markerOwn, w).toBe(m.received);
      expect(m.latched, w).toBe(false);
      expect(m.received, w).toBeGreaterThanOrEqual(m.sent - 3);
      expect(m.received, w).toBeLessThanOrEqual(m.sent);
      expect(echo!.lostPackets, w).toBe(0);
      expect(echo!.latched, w).toBe(false);
      expect(echo!.packetsSent, w).toBe(echo!.packetsReceived);
    }
    expect(r.summary.media!.calls.oneWayAudio, why0).toBe(0);
  }, 60_000);
});
