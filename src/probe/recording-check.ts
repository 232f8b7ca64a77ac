/**
 * The checks one recording must pass, on its bytes, in order (the first failed is the cause):
 * a WAV callcert can read (`unreadable`), a duration within tolerance of the call's talk time
 * (`duration_mismatch`), audio above the silence level (`silent`), and — with the media marker —
 * this call's own marker more often than any other call's (`wrong_call`: crossed or mixed-up
 * recordings). Pure: no I/O, so the probe's sources and these rules are tested apart.
 *
 * Level: RMS of the decoded 16-bit PCM in dBov as media/source.ts uses it (0 dBov: a full-scale
 * sine), marker bytes left out — a silent call with markers on must still read as silent.
 * The marker is found in G.711 bytes (as stored, or re-encoded from 16-bit PCM with the call's
 * law, which is exact for PCM that was decoded from G.711).
 */
import { decoderOf, encoderOf, type G711Law } from '../media/g711.js';
import { MARKER_BYTES, readMarker } from '../media/source.js';
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
  const info = parseWav(buf);
  if ('error' in info) return { ok: false, cause: 'unreadable', detail: info.error };
  const diff = info.durationMs - e.talkMs;
  if (Math.abs(diff) > e.toleranceMs) {
    return { ok: false, cause: 'duration_mismatch', detail: `lasts ${round(info.durationMs)} ms, the call talked ${round(e.talkMs)} ms (tolerance ±${e.toleranceMs} ms)` };
  }
  const { energy, samples, own, other } = scan(buf, info, e);
  const levelDbov = samples === 0 || energy === 0 ? -Infinity : 20 * Math.log10(Math.sqrt(energy / samples) / FULL_SCALE_SINE_RMS);
  if (!(levelDbov > e.silenceDbov)) {
    return { ok: false, cause: 'silent', detail: `level ${Number.isFinite(levelDbov) ? `${round(levelDbov)} dBov` : 'no signal'}, at or below ${e.silenceDbov} dBov` };
  }
  if (e.markerTag !== null && (own === 0 || other > own)) {
    return { ok: false, cause: 'wrong_call', detail: `marker of this call (${e.markerTag}) found ${own} times, other calls' ${other} times` };
  }
  return { ok: true, durationMs: info.durationMs, levelDbov, markerOwn: own, markerOther: other };
}

const round = (v: number) => Math.round(v * 10) / 10;

/** One pass per channel over its G.711 bytes: energy of the decoded samples outside markers, and marker counts. */
function scan(buf: Buffer, info: Exclude<ReturnType<typeof parseWav>, { error: string }>, e: CheckExpectations) {
  const law = info.format === 'pcm16' ? e.law : info.format;
  const decode = decoderOf(law);
  const encode = encoderOf(law);
  const bytesPerSample = info.format === 'pcm16' ? 2 : 1;
  const ch = info.channels;
  const bytes = Buffer.allocUnsafe(info.frames);
  const linear = new Int16Array(info.frames);
  let energy = 0;
  let samples = 0;
  let own = 0;
  let other = 0;
  for (let c = 0; c < ch; c++) {
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
    for (let k = 0; k < info.frames; ) {
      const tag = k + MARKER_BYTES <= info.frames ? readMarker(bytes, k, MARKER_BYTES) : -1;
      if (tag >= 0) {
        if (tag === e.markerTag) own++;
        else other++;
        k += MARKER_BYTES;
        continue;
      }
      energy += linear[k] * linear[k];
      samples++;
      k++;
    }
  }
  return { energy, samples, own, other };
}
