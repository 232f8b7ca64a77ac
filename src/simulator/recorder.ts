/**
 * The simulator's call recorder: every answered call's audio, both directions, as WAV files in
 * one directory, with its metadata (times, sizes, codec, the simulator's own RFC 3550 view of what
 * it received) beside them, and a retention rule (max age, max count) that deletes the oldest.
 *
 * The packet path stays cheap: `attach` taps the call's RTP port and lays each payload into an
 * in-memory track (recording-track.ts, a copy of the payload); nothing touches the disk until the
 * call ends, when `finish` writes its files asynchronously (to a temporary name, then renamed, so
 * no reader sees half a file). The statistics are the echo stream's own receiver, not a second one.
 *
 * Files (media/recording-files.ts): `<stem>.caller.wav` (what the simulator received),
 * `<stem>.echo.wav` (what it sent back: the echo returns each valid packet as received, so the
 * same samples, or no audio when the call's direction kept the echo silent), `<stem>.json`.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortPair } from '../media/ports.js';
import type { NegotiatedMedia } from '../media/sdp/answer.js';
import type { ReceiverSummary } from '../media/quality/receiver.js';
import { wavHeader } from '../media/wav.js';
import { RECORDING_DIRECTIONS, recordingAudioFile, recordingMetaFile, recordingStem, type RecordingDirection } from '../media/recording-files.js';
import { RecordingTrack } from './recording-track.js';

export interface RecorderOptions {
  dir: string;
  /** Recordings whose call ended longer ago than this are deleted; null: no age limit. */
  maxAgeMs: number | null;
  /** At most this many calls' recordings are kept, the oldest deleted first; null: no limit. */
  maxCount: number | null;
  /** Wall clock, epoch ms (tests inject one). */
  now?: () => number;
}

/** The simulator's RFC 3550 view of the caller's stream (media/quality/receiver.ts ReceiverSummary, times dropped). */
export interface PlatformStats {
  packetsReceived: number;
  packetsAccepted: number;
  expected: number;
  lostPackets: number;
  lossRatio: number | null;
  duplicates: number;
  reordered: number;
  jitterMs: number;
  jitterMaxMs: number;
  maxGapMs: number | null;
  ssrcChanges: number;
}

export interface RecordingLeg {
  file: string;
  bytes: number;
  durationMs: number;
}

/** GET /v1/recordings/:callId (cti-api.ts) and `<stem>.json`. */
export interface RecordingMeta {
  callId: string;
  /** Wall clock of the answer and of the call's end, ISO 8601. */
  startedAt: string;
  endedAt: string;
  /** Answer → end at the simulator. */
  durationMs: number;
  /** The negotiated codec (PCMU, PCMA); the WAV stores it as received (format tag 7 µ-law, 6 A-law). */
  codec: string;
  format: 'audio/wav';
  directions: Record<RecordingDirection, RecordingLeg>;
  platform: PlatformStats;
}

export interface RecorderCounters {
  recorded: number;
  writeErrors: number;
  /** Calls whose files retention deleted. */
  deleted: number;
  bytesWritten: number;
}

/** A call being recorded: the tap's track and when it began. */
export interface ActiveRecording {
  readonly callId: string;
  readonly track: RecordingTrack;
  readonly codec: string;
  /** false when the call's direction keeps the echo silent (recvonly, inactive): its echo leg has no audio. */
  readonly echoes: boolean;
  readonly startedAtMs: number;
}

const SAMPLE_RATE_HZ = 8000;

export class CallRecorder {
  readonly counters: RecorderCounters = { recorded: 0, writeErrors: 0, deleted: 0, bytesWritten: 0 };
  /** Recordings on disk, oldest first: stem → end of the call (epoch ms). */
  private readonly index = new Map<string, number>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly deleting = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;

  private constructor(readonly o: RecorderOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Creates the directory, indexes recordings already in it (by age) and applies retention to them. */
  static async open(o: RecorderOptions): Promise<CallRecorder> {
    const r = new CallRecorder(o);
    await mkdir(o.dir, { recursive: true });
    const found: Array<[string, number]> = [];
    for (const name of await readdir(o.dir)) {
      if (!name.endsWith('.json')) continue;
      const st = await stat(join(o.dir, name)).catch(() => null);
      if (st?.isFile()) found.push([name.slice(0, -'.json'.length), st.mtimeMs]);
    }
    found.sort((a, b) => a[1] - b[1]);
    for (const [stem, t] of found) r.index.set(stem, t);
    r.enforce();
    if (o.maxAgeMs !== null) {
      // Age matters between calls too: sweep at a quarter of the limit (1 s to 1 min).
      r.timer = setInterval(() => r.enforce(), Math.min(60_000, Math.max(1000, o.maxAgeMs / 4)));
      r.timer.unref();
    }
    return r;
  }

  /** Starts recording a call whose RTP arrives on `pair` (after its MediaStream took the pair). */
  attach(callId: string, pair: PortPair, media: NegotiatedMedia): ActiveRecording {
    const law = media.codec.encodingName.toUpperCase() === 'PCMA' ? 'pcma' : 'pcmu';
    const rec: ActiveRecording = {
      callId, track: new RecordingTrack(law, media.codec.pt), codec: media.codec.encodingName.toUpperCase(),
      echoes: media.direction !== 'recvonly' && media.direction !== 'inactive', startedAtMs: this.now(),
    };
    const inner = pair.onRtp;
    const track = rec.track;
    // The stream first (it echoes at once), then a copy of the payload; stop() replaces the handler.
    pair.onRtp = (packet, from) => {
      inner(packet, from);
      track.add(packet);
    };
    return rec;
  }

  /** The call ended: its files are written in the background (`idle()` awaits them). */
  finish(rec: ActiveRecording, received: ReceiverSummary): void {
    const endedAtMs = this.now();
    const write = this.write(rec, received, endedAtMs)
      .catch(() => void this.counters.writeErrors++)
      .finally(() => this.pending.delete(rec.callId));
    this.pending.set(rec.callId, write);
  }

  private async write(rec: ActiveRecording, s: ReceiverSummary, endedAtMs: number): Promise<void> {
    const audio = rec.track.bytes();
    const legs = {} as Record<RecordingDirection, RecordingLeg>;
    for (const d of RECORDING_DIRECTIONS) {
      const data = d === 'echo' && !rec.echoes ? audio.subarray(0, 0) : audio;
      const header = wavHeader({ format: rec.track.law, channels: 1, sampleRateHz: SAMPLE_RATE_HZ, dataBytes: data.length });
      const file = recordingAudioFile(rec.callId, d);
      await this.writeAtomically(file, [header, data]);
      legs[d] = { file, bytes: header.length + data.length, durationMs: (data.length * 1000) / SAMPLE_RATE_HZ };
    }
    const meta: RecordingMeta = {
      callId: rec.callId,
      startedAt: new Date(rec.startedAtMs).toISOString(),
      endedAt: new Date(endedAtMs).toISOString(),
      durationMs: Math.max(0, endedAtMs - rec.startedAtMs),
      codec: rec.codec,
      format: 'audio/wav',
      directions: legs,
      platform: {
        packetsReceived: s.packetsReceived, packetsAccepted: s.packetsAccepted, expected: s.expected, lostPackets: s.lostPackets,
        lossRatio: s.expected > 0 ? Math.round((s.lostPackets / s.expected) * 1e6) / 1e6 : null,
        duplicates: s.duplicates, reordered: s.reordered,
        jitterMs: Math.round(s.jitterMs * 1000) / 1000, jitterMaxMs: Math.round(s.jitterMaxMs * 1000) / 1000,
        maxGapMs: s.maxGapMs === null ? null : Math.round(s.maxGapMs * 1000) / 1000, ssrcChanges: s.ssrcChanges,
      },
    };
    await this.writeAtomically(recordingMetaFile(rec.callId), [Buffer.from(JSON.stringify(meta, null, 2) + '\n', 'utf8')]);
    this.counters.recorded++;
    const stem = recordingStem(rec.callId);
    this.index.delete(stem); // a Call-ID seen again (a later run) is the newest
    this.index.set(stem, endedAtMs);
    this.enforce();
  }

  private async writeAtomically(name: string, parts: Buffer[]): Promise<void> {
    const tmp = join(this.o.dir, `.${name}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writev(parts);
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.o.dir, name));
    for (const p of parts) this.counters.bytesWritten += p.length;
  }

  /** Deletes the oldest recordings beyond maxCount and those older than maxAge. */
  private enforce(): void {
    const now = this.now();
    for (const [stem, endedAt] of this.index) {
      const overCount = this.o.maxCount !== null && this.index.size > this.o.maxCount;
      const tooOld = this.o.maxAgeMs !== null && now - endedAt > this.o.maxAgeMs;
      if (!overCount && !tooOld) break; // oldest first: the rest are younger
      this.index.delete(stem);
      this.counters.deleted++;
      const files = [`${stem}.json`, ...RECORDING_DIRECTIONS.map((d) => `${stem}.${d}.wav`)];
      const done: Promise<unknown> = Promise.all(files.map((f) => rm(join(this.o.dir, f), { force: true }))).catch(() => {})
        .finally(() => this.deleting.delete(done));
      this.deleting.add(done);
    }
  }

  /** A call's metadata once its files are written; null when there is none (never recorded, or deleted). */
  async meta(callId: string): Promise<RecordingMeta | null> {
    await this.pending.get(callId);
    if (!this.index.has(recordingStem(callId))) return null;
    try {
      return JSON.parse(await readFile(join(this.o.dir, recordingMetaFile(callId)), 'utf8')) as RecordingMeta;
    } catch {
      return null; // deleted by retention (or by hand) meanwhile
    }
  }

  audioPath(callId: string, direction: RecordingDirection): string {
    return join(this.o.dir, recordingAudioFile(callId, direction));
  }

  /** Resolves once every finished call's files are written and every deletion retention began is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0 || this.deleting.size > 0) await Promise.all([...this.pending.values(), ...this.deleting]);
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }
}
