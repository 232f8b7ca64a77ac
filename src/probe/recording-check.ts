/**
 * The checks one recording must pass, on its bytes, in order (the first failed is the cause):
 * a WAV or a pcap capture of its RTP (a media server's spool, media/pcap.ts) callcert can read
 * (`unreadable`; a pcap without G.711 RTP is unreadable too), a duration within tolerance of the call's talk time
 * (`duration_mismatch`), audio above the silence level (`silent`), and — with the media marker —
 * this call's own marker more often than any other call's (`wrong_call`: crossed or mixed-up
 * recordings). Pure: no I/O, so the probe's sources and these rules are tested apart.
 *
 * Level: RMS of the decoded 16-bit PCM in dBov as media/source.ts uses it (0 dBov: a full-scale
 * sine), marker bytes left out — a silent call with markers on must still read as silent.
 * The marker is found in G.711 bytes (as stored, or re-encoded from 16-bit PCM with the call's
 * law, which is exact for PCM that was decoded from G.711).
 *
 * A pcap's channels are its G.711 RTP streams (one per SSRC and UDP 5-tuple: each direction the
 * server received), their payloads in capture order; its duration is from the first G.711 packet
 * captured to the end of the last (the recording's span, as a WAV's length is).
 */
import { decoderOf, encoderOf, type G711Law } from '../media/g711.js';
import { MARKER_BYTES, readMarker } from '../media/source.js';
import { isPcap, readPcap, rtpStreams } from '../media/pcap.js';
import { parseWav } from '../media/wav.js';
import type { RecordingFailureCause } from '../results/schema.js';

export interface CheckExpectations {
  /** The call's talk time (answer → end), ms. */
  talkMs: number;
  toleranceMs: number;
  /** At or below this RMS level the recording is silent. */
  silenceDbov: number;
  /** This call's marker tag (its index), or null when markers are not checked. */
  markerTag: number | null;
  /** The law the call's audio was sent in (to find the marker in 16-bit PCM). */
  law: G711Law;
}

export type CheckResult =
  | { ok: true; durationMs: number; levelDbov: number; markerOwn: number; markerOther: number }
  | { ok: false; cause: RecordingFailureCause; detail: string };

const FULL_SCALE_SINE_RMS = 32767 / Math.SQRT2;

export function checkRecording(buf: Buffer, e: CheckExpectations): CheckResult {
  const audio = isPcap(buf) ? pcapAudio(buf) : wavAudio(buf, e.law);
  if ('error' in audio) return { ok: false, cause: 'unreadable', detail: audio.error };
  const diff = audio.durationMs - e.talkMs;
  if (Math.abs(diff) > e.toleranceMs) {
    return { ok: false, cause: 'duration_mismatch', detail: `lasts ${round(audio.durationMs)} ms, the call talked ${round(e.talkMs)} ms (tolerance ±${e.toleranceMs} ms)` };
  }
  const acc = { energy: 0, samples: 0, own: 0, other: 0 };
  for (const ch of audio.channels) scanChannel(ch.bytes, ch.linear, e.markerTag, acc);
  const { energy, samples, own, other } = acc;
  const levelDbov = samples === 0 || energy === 0 ? -Infinity : 20 * Math.log10(Math.sqrt(energy / samples) / FULL_SCALE_SINE_RMS);
  if (!(levelDbov > e.silenceDbov)) {
    return { ok: false, cause: 'silent', detail: `level ${Number.isFinite(levelDbov) ? `${round(levelDbov)} dBov` : 'no signal'}, at or below ${e.silenceDbov} dBov` };
  }
  if (e.markerTag !== null && (own === 0 || other > own)) {
    return { ok: false, cause: 'wrong_call', detail: `marker of this call (${e.markerTag}) found ${own} times, other calls' ${other} times` };
  }
  return { ok: true, durationMs: audio.durationMs, levelDbov, markerOwn: own, markerOther: other };
}

/** A recording's audio, one entry per channel: its G.711 bytes and their 16-bit samples. */
interface Audio {
  durationMs: number;
  channels: Array<{ bytes: Uint8Array; linear: Int16Array }>;
}

function wavAudio(buf: Buffer, callLaw: G711Law): Audio | { error: string } {
  const info = parseWav(buf);
  if ('error' in info) return info;
  const law = info.format === 'pcm16' ? callLaw : info.format;
  const decode = decoderOf(law);
  const encode = encoderOf(law);
  const bytesPerSample = info.format === 'pcm16' ? 2 : 1;
  const ch = info.channels;
  const channels: Audio['channels'] = [];
  for (let c = 0; c < ch; c++) {
    const bytes = Buffer.allocUnsafe(info.frames);
    const linear = new Int16Array(info.frames);
    for (let k = 0; k < info.frames; k++) {
      const at = info.dataOffset + (k * ch + c) * bytesPerSample;
      if (bytesPerSample === 2) {
        linear[k] = buf.readInt16LE(at);
        bytes[k] = encode(linear[k]);
      } else {
        bytes[k] = buf[at];
        linear[k] = decode(buf[at]);
      }
    }
    channels.push({ bytes, linear });
  }
  return { durationMs: info.durationMs, channels };
}

function pcapAudio(buf: Buffer): Audio | { error: string } {
  const file = readPcap(buf);
  if ('error' in file) return file;
  const streams = rtpStreams(file.datagrams).filter((s) => s.audioPackets > 0);
  if (streams.length === 0) return { error: `pcap: ${file.datagrams.length} UDP datagrams, no G.711 RTP stream (payload type 0 or 8)` };
  let first = Infinity;
  let end = -Infinity;
  const channels: Audio['channels'] = [];
  for (const s of streams) {
    first = Math.min(first, s.firstUs);
    end = Math.max(end, s.lastUs + s.lastFrameMs * 1000);
    const decode = decoderOf(s.law!);
    const linear = new Int16Array(s.audio.length);
    for (let k = 0; k < s.audio.length; k++) linear[k] = decode(s.audio[k]);
    channels.push({ bytes: s.audio, linear });
  }
  return { durationMs: (end - first) / 1000, channels };
}

const round = (v: number) => Math.round(v * 10) / 10;

/** One pass over a channel's G.711 bytes: energy of the decoded samples outside markers, and marker counts. */
function scanChannel(
  bytes: Uint8Array,
  linear: Int16Array,
  markerTag: number | null,
  acc: { energy: number; samples: number; own: number; other: number },
): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  for (let k = 0; k < n; ) {
    const tag = k + MARKER_BYTES <= n ? readMarker(buf, k, MARKER_BYTES) : -1;
    if (tag >= 0) {
      if (tag === markerTag) acc.own++;
      else acc.other++;
      k += MARKER_BYTES;
      continue;
    }
    acc.energy += linear[k] * linear[k];
    acc.samples++;
    k++;
  }
}
