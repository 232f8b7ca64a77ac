/**
 * ITU-T G.711 companding, µ-law (PCMU, RTP payload type 0) and A-law (PCMA, 8), for 16-bit
 * linear samples — the segment-search form of the reference implementation. Used to make
 * the payloads callcert sends (tones, prompts) and to read back what it receives (echo
 * checks, recordings), so both directions are computed, not stored.
 */

const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const ULAW_BIAS = 0x84;
const ULAW_CLIP = 8159;

function segment(v: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (v <= ends[i]) return i;
  return ends.length;
}

/** 16-bit linear → µ-law byte. */
export function linearToUlaw(sample: number): number {
  let v = sample >> 2;
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  if (v > ULAW_CLIP) v = ULAW_CLIP;
  v += ULAW_BIAS >> 2;
  const seg = segment(v, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

/** µ-law byte → 16-bit linear. */
export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** 16-bit linear → A-law byte. */
export function linearToAlaw(sample: number): number {
  let v = sample >> 3;
  let mask = 0xd5;
  if (v < 0) {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  const q = seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return ((seg << 4) | q) ^ mask;
}

/** A-law byte → 16-bit linear. */
export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

export type G711Law = 'pcmu' | 'pcma';

export const encoderOf = (law: G711Law): ((sample: number) => number) => (law === 'pcmu' ? linearToUlaw : linearToAlaw);
export const decoderOf = (law: G711Law): ((byte: number) => number) => (law === 'pcmu' ? ulawToLinear : alawToLinear);

/** The byte a silent sample encodes to: 0xFF in µ-law, 0xD5 in A-law. */
export const silenceByte = (law: G711Law): number => encoderOf(law)(0);
