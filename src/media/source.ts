/**
 * What a call says: G.711 payload frames computed once and read by frame number, so sending a
 * packet copies bytes and computes nothing. Sources are silence, a tone, or a prompt callcert
 * generates itself (no audio is fetched or shipped). A source is a loop of frames; frame n of a
 * call is frame n mod length.
 *
 * The optional per-call marker overwrites the first MARKER_BYTES of each frame with a magic and
 * the call's 32-bit tag, so an echo (or a bit-exact relay) shows which call's audio came back: a
 * call that hears another call's tag has crossed media. A platform that transcodes or mixes
 * changes the bytes, and then no marker is found (counted as such, never guessed).
 */
import { encoderOf, type G711Law } from './g711.js';

export const SAMPLE_RATE_HZ = 8000;

export type SourceSpec =
  | { kind: 'silence' }
  | { kind: 'tone'; hz: number; dbov: number }
  /** A generated prompt: tone bursts of changing pitch with pauses, speech-like in level and rhythm. */
  | { kind: 'prompt' };

export interface PayloadSource {
  readonly law: G711Law;
  readonly frameBytes: number;
  /** Frames in the loop. */
  readonly frames: number;
  /** Writes frame `n` (mod frames) into `out` at `offset`. */
  write(n: number, out: Buffer, offset: number): void;
}

/** Linear amplitude of a level in dBov (0 dBov: a full-scale sine). */
const amplitude = (dbov: number): number => 32767 * 10 ** (dbov / 20);

function encodeAll(samples: Float64Array, law: G711Law): Buffer {
  const enc = encoderOf(law);
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = enc(Math.round(samples[i]));
  return out;
}

/** The loop's samples: silence is one frame; a tone loops over whole seconds so its phase never jumps. */
function samplesOf(spec: SourceSpec, frameSamples: number): Float64Array {
  if (spec.kind === 'silence') return new Float64Array(frameSamples);
  if (spec.kind === 'tone') {
    if (!(spec.hz > 0 && spec.hz < SAMPLE_RATE_HZ / 2)) throw new RangeError(`tone ${spec.hz} Hz: expected between 0 and ${SAMPLE_RATE_HZ / 2} Hz`);
    // Whole seconds at an integer frequency repeat exactly; others repeat to within a sample.
    const seconds = Number.isInteger(spec.hz) ? 1 : 10;
    const a = amplitude(spec.dbov);
    const out = new Float64Array(seconds * SAMPLE_RATE_HZ);
    for (let i = 0; i < out.length; i++) out[i] = a * Math.sin((2 * Math.PI * spec.hz * i) / SAMPLE_RATE_HZ);
    return out;
  }
  return promptSamples();
}

/**
 * 6 s: syllable-like bursts of 120–280 ms (a fundamental and two harmonics, pitch gliding as in
 * speech, a raised-cosine envelope) at about −20 dBov, with 50–250 ms pauses — a deterministic
 * sequence, the same in every run, audible about half the time as speech is.
 */
function promptSamples(): Float64Array {
  const out = new Float64Array(6 * SAMPLE_RATE_HZ);
  let seed = 0x2545f491;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const a = amplitude(-20);
  let i = 0;
  while (i < out.length) {
    const burst = Math.floor((0.12 + 0.16 * rand()) * SAMPLE_RATE_HZ);
    const f0 = 110 + 140 * rand();
    const glide = (rand() - 0.5) * 60;
    let phase = 0;
    for (let k = 0; k < burst && i < out.length; k++, i++) {
      const f = f0 + (glide * k) / burst;
      phase += (2 * Math.PI * f) / SAMPLE_RATE_HZ;
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / burst);
      out[i] = a * env * (0.6 * Math.sin(phase) + 0.3 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase));
    }
    i += Math.floor((0.05 + 0.2 * rand()) * SAMPLE_RATE_HZ);
  }
  return out;
}

/** A source of `ptimeMs` frames in `law`. */
export function createSource(spec: SourceSpec, law: G711Law, ptimeMs = 20): PayloadSource {
  const frameBytes = (SAMPLE_RATE_HZ * ptimeMs) / 1000;
  if (!Number.isInteger(frameBytes)) throw new RangeError(`ptime ${ptimeMs} ms is no whole number of samples`);
  const samples = samplesOf(spec, frameBytes);
  // Whole frames only: a loop that ends mid-frame would click where it wraps.
  const frames = Math.max(1, Math.floor(samples.length / frameBytes));
  const pcm = encodeAll(samples.subarray(0, frames * frameBytes), law);
  // One view per frame, made once: TypedArray set() of a ready view is ~4× cheaper than Buffer copy() per packet.
  const views = Array.from({ length: frames }, (_, k) => pcm.subarray(k * frameBytes, (k + 1) * frameBytes));
  return {
    law,
    frameBytes,
    frames,
    write(n, out, offset) {
      out.set(views[n % frames], offset);
    },
  };
}

export const MARKER_BYTES = 6;
const MAGIC_0 = 0x43; // "C"
const MAGIC_1 = 0xc3;

/** Writes the marker of call `tag` at the start of a frame already in `out`. */
export function writeMarker(out: Buffer, offset: number, tag: number): void {
  out[offset] = MAGIC_0;
  out[offset + 1] = MAGIC_1;
  out.writeUInt32BE(tag >>> 0, offset + 2);
}

/** The tag a received payload carries, or −1 when it has no marker. */
export function readMarker(buf: Buffer, offset: number, length: number): number {
  if (length < MARKER_BYTES || buf[offset] !== MAGIC_0 || buf[offset + 1] !== MAGIC_1) return -1;
  return buf.readUInt32BE(offset + 2);
}
