/**
 * The simulator's recorder: a track lays payloads out by RTP timestamp (loss leaves silence,
 * reordering lands in place, DTMF events and non-RTP are skipped); a recorded call is two WAV
 * legs and a metadata file on disk with the echo's own RFC 3550 view; retention deletes the
 * oldest calls beyond maxCount, those older than maxAge, and applies to files already there.
 * Real port pairs and a real MediaStream echo over loopback; the clock is injected for age.
 */
import dgram from 'node:dgram';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RtpPortPool, type PortPair } from '../../src/media/ports.js';
import { writeRtpHeader } from '../../src/media/rtp/packet.js';
import { createSource, writeMarker } from '../../src/media/source.js';
import { parseWav } from '../../src/media/wav.js';
import { createAnswerer, type AnswerPlan } from '../../src/media/sdp/answer.js';
import { createOfferBuilder } from '../../src/media/sdp/offer.js';
import { parseSdp } from '../../src/media/sdp/parse.js';
import { MediaStream } from '../../src/media/stream.js';
import { SendSchedule } from '../../src/media/send-schedule.js';
import { realClock } from '../../src/load/clock.js';
import { mulberry32 } from '../../src/util/random.js';
import { recordingStem } from '../../src/media/recording-files.js';
import { RecordingTrack } from '../../src/simulator/recording-track.js';
import { CallRecorder, type RecordingMeta } from '../../src/simulator/recorder.js';
import type { ReceiverSummary } from '../../src/media/quality/receiver.js';

const root = join(tmpdir(), `callcert-recorder-${process.pid}`);
mkdirSync(root, { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirN = 0;
const freshDir = () => join(root, `d${++dirN}`);

const pools: RtpPortPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
async function pair(min: number): Promise<PortPair> {
  const p = new RtpPortPool({ address: '127.0.0.1', range: { min, max: min + 19 }, quarantineMs: 0 });
  await p.open(4);
  pools.push(p);
  return p.take()!;
}

/** An RTP packet of PCMU (pt 0) with `payload` at timestamp `ts`. */
function rtp(seq: number, ts: number, payload: Buffer, pt = 0): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  writeRtpHeader(b, 0, pt, seq, ts, 0x1234, false);
  payload.copy(b, 12);
  return b;
}
const frame = (byte: number) => Buffer.alloc(160, byte);

/** The answerer's plan for a PCMU offer (what the echo negotiates). */
function pcmuPlan(): AnswerPlan {
  const offered = parseSdp(createOfferBuilder({ address: '127.0.0.1' }).build(40002, 1, 1));
  if (!offered.ok) throw new Error(offered.error.message);
  const plan = createAnswerer({ address: '127.0.0.1' }).negotiate(offered.sdp);
  if (!plan.ok) throw new Error(plan.message);
  return plan;
}

const NO_STATS: ReceiverSummary = {
  clockRateHz: 8000, ssrc: null, ssrcChanges: 0, resyncs: 0, packetsReceived: 0, payloadBytesReceived: 0, packetsAccepted: 0,
  probationPackets: 0, badSequencePackets: 0, otherSsrcPackets: 0, expected: 0, cumulativeLost: 0, lostPackets: 0, lossPercent: null,
  duplicates: 0, reordered: 0, jitterMs: 0, jitterMaxMs: 0, maxGapMs: null, firstArrivalMs: null, lastArrivalMs: null,
  extendedHighestSeq: null,
};
const FROM = { address: '127.0.0.1', family: 'IPv4' as const, port: 9, size: 0 };

describe('RecordingTrack', () => {
  it('lays payloads out by timestamp: a lost frame is silence, a reordered one lands in place, a duplicate changes nothing', () => {
    const t = new RecordingTrack('pcmu', 0);
    t.add(rtp(1, 1000, frame(0x11)));
    t.add(rtp(3, 1320, frame(0x33))); // frame 2 (ts 1160) lost for now
    t.add(rtp(5, 1640, frame(0x55))); // frame 4 (ts 1480) never arrives
    t.add(rtp(2, 1160, frame(0x22))); // late
    t.add(rtp(3, 1320, frame(0x33))); // duplicate
    const b = t.bytes();
    expect(t.samples).toBe(800);
    expect(t.durationMs).toBe(100);
    expect([b[0], b[160], b[320], b[480], b[640]]).toEqual([0x11, 0x22, 0x33, 0xff, 0x55]);
    expect(b.subarray(480, 640).every((x) => x === 0xff)).toBe(true); // µ-law silence
    expect(t.packets).toBe(5);
  });

  it('skips telephone-event packets, non-RTP, empty payloads and a timestamp before the first; reads past CSRCs, extension and padding', () => {
    const t = new RecordingTrack('pcma', 8);
    t.add(rtp(1, 5000, frame(0x01), 8));
    t.add(rtp(2, 5160, Buffer.alloc(4, 0x09), 101)); // DTMF event
    t.add(Buffer.from([0x00, 0x08, 0, 0])); // version 0, too short
    t.add(rtp(3, 5160, Buffer.alloc(0), 8)); // no payload
    t.add(rtp(4, 4000, frame(0x04), 8)); // before the first packet: wraps, dropped
    // One CSRC, a one-word extension, 4 bytes of padding around a 160-byte payload at ts 5160.
    const p = Buffer.alloc(12 + 4 + 8 + 160 + 4);
    writeRtpHeader(p, 0, 8, 5, 5160, 1, false);
    p[0] = 0x80 | 0x20 | 0x10 | 1;
    p.writeUInt16BE(1, 12 + 4 + 2);
    p.fill(0x42, 24, 184);
    p[p.length - 1] = 4;
    t.add(p);
    expect(t.skipped).toBe(4);
    expect(t.packets).toBe(2);
    const b = t.bytes();
    expect(b.length).toBe(320);
    expect(b.subarray(160).every((x) => x === 0x42)).toBe(true);
  });
});

describe('CallRecorder', () => {
  it('records a call through a real echo: both legs as G.711 WAV with the sent bytes, the echo still answers, the metadata carries its RFC 3550 view', async () => {
    const dir = freshDir();
    const rec = await CallRecorder.open({ dir, maxAgeMs: null, maxCount: null });
    const p = await pair(47000);
    const plan = pcmuPlan();
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((r) => sender.bind(0, '127.0.0.1', () => r()));
    const media = { ...plan.media, remoteAddress: '127.0.0.1', remoteRtpPort: sender.address().port };
    const schedule = new SendSchedule<MediaStream>({ periodMs: 20, clock: realClock, send: () => {} });
    const stream = new MediaStream({ pair: p, media, send: 'echo', markerTag: null, schedule, now: () => performance.now(), random: mulberry32(1) });
    stream.start();
    const active = rec.attach('call-1@127.0.0.1', p, media);

    const src = createSource({ kind: 'tone', hz: 440, dbov: -10 }, 'pcmu');
    const sent: Buffer[] = [];
    let echoed = 0;
    sender.on('message', () => void echoed++);
    for (let n = 0; n < 50; n++) {
      const payload = Buffer.alloc(160);
      src.write(n, payload, 0);
      writeMarker(payload, 0, 7);
      sent.push(payload);
      sender.send(rtp(100 + n, 8000 + n * 160, payload), p.rtpPort, '127.0.0.1');
    }
    // Loopback delivers within milliseconds: wait (bounded) until all 50 arrived and came back.
    const done = () => stream.receiver.summary().packetsReceived >= 50 && echoed >= 50;
    for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    stream.stop();
    rec.finish(active, stream.receiver.summary());
    await rec.idle();
    sender.close();

    const stem = recordingStem('call-1@127.0.0.1');
    expect(readdirSync(dir).sort()).toEqual([`${stem}.caller.wav`, `${stem}.echo.wav`, `${stem}.json`]);
    for (const leg of ['caller', 'echo']) {
      const wav = readFileSync(join(dir, `${stem}.${leg}.wav`));
      const info = parseWav(wav);
      if ('error' in info) throw new Error(`${leg}: ${info.error}`);
      expect(info).toMatchObject({ format: 'pcmu', channels: 1, sampleRateHz: 8000, frames: 8000, durationMs: 1000 });
      expect(wav.subarray(info.dataOffset).equals(Buffer.concat(sent)), `${leg} leg holds exactly the payloads sent`).toBe(true);
    }
    expect(echoed).toBe(50);
    const meta = (await rec.meta('call-1@127.0.0.1'))!;
    expect(meta).toMatchObject<Partial<RecordingMeta>>({ callId: 'call-1@127.0.0.1', codec: 'PCMU', format: 'audio/wav' });
    expect(meta.platform).toMatchObject({ packetsReceived: 50, expected: 49, lostPackets: 0, lossRatio: 0, duplicates: 0 });
    expect(meta.directions.caller).toEqual({ file: `${stem}.caller.wav`, bytes: 8000 + 58, durationMs: 1000 });
    expect(rec.counters).toMatchObject({ recorded: 1, writeErrors: 0, deleted: 0 });
    expect(await rec.meta('nobody@127.0.0.1')).toBeNull();
    await rec.close();
  });

  /** Records `callId` with one frame through the tap (the pair's handler, as a datagram would call it). */
  async function recordOne(rec: CallRecorder, p: PortPair, callId: string): Promise<void> {
    p.onRtp = () => {};
    const a = rec.attach(callId, p, pcmuPlan().media);
    p.onRtp(rtp(1, 0, frame(0x10)), FROM);
    rec.finish(a, NO_STATS);
    await rec.idle();
  }

  it('maxCount: the oldest calls beyond it are deleted, all three files each', async () => {
    const dir = freshDir();
    const rec = await CallRecorder.open({ dir, maxAgeMs: null, maxCount: 3 });
    const p = await pair(47100);
    for (let k = 1; k <= 5; k++) await recordOne(rec, p, `c${k}`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json')).sort()).toEqual(['c3.json', 'c4.json', 'c5.json']);
    expect(readdirSync(dir)).toHaveLength(9);
    expect(rec.counters).toMatchObject({ recorded: 5, deleted: 2 });
    expect(await rec.meta('c1')).toBeNull();
    expect((await rec.meta('c5'))?.callId).toBe('c5');
    await rec.close();
  });

  it('maxAge: calls that ended longer ago are deleted when the next call ends; files already in the directory count by their age', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    // A previous run's recording, two hours old, and one a minute old.
    const now0 = Date.now();
    for (const [stem, ageMs] of [['old', 2 * 3600_000], ['recent', 60_000]] as const) {
      for (const f of [`${stem}.json`, `${stem}.caller.wav`, `${stem}.echo.wav`]) {
        writeFileSync(join(dir, f), '{}');
        utimesSync(join(dir, f), (now0 - ageMs) / 1000, (now0 - ageMs) / 1000);
      }
    }
    let now = now0;
    const rec = await CallRecorder.open({ dir, maxAgeMs: 3600_000, maxCount: null, now: () => now });
    await rec.idle();
    expect(existsSync(join(dir, 'old.json')), 'two hours old: deleted at open').toBe(false);
    expect(existsSync(join(dir, 'old.caller.wav'))).toBe(false);
    expect(existsSync(join(dir, 'recent.json'))).toBe(true);
    const p = await pair(47200);
    await recordOne(rec, p, 'a');
    now += 3600_000 + 1; // 'recent' and 'a' are now over an hour old
    await recordOne(rec, p, 'b');
    expect(readdirSync(dir).sort()).toEqual(['b.caller.wav', 'b.echo.wav', 'b.json']);
    expect(rec.counters.deleted).toBe(3);
    await rec.close();
  });
});
