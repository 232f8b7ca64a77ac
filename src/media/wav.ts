/**
 * WAV (RIFF) files of telephone audio: G.711 as stored (format tags 7 µ-law, 6 A-law; 8-bit,
 * 8 kHz) or 16-bit PCM, mono or two channels (a recording's two directions side by side).
 * The simulator writes its recordings with these headers and the recording probe reads them
 * back; the header is 44 bytes for PCM, 46 + a `fact` chunk for G.711, per the RIFF spec's
 * rule that non-PCM formats carry cbSize and a sample count.
 */
import type { G711Law } from './g711.js';

export type WavFormat = G711Law | 'pcm16';

export interface WavInfo {
  format: WavFormat;
  channels: number;
  sampleRateHz: number;
  /** Offset and length of the `data` chunk's bytes. */
  dataOffset: number;
  dataBytes: number;
  /** Frames (one sample per channel) in the data, and their duration. */
  frames: number;
  durationMs: number;
}

const TAG: Record<WavFormat, number> = { pcm16: 1, pcma: 6, pcmu: 7 };
const BYTES_PER_SAMPLE: Record<WavFormat, number> = { pcm16: 2, pcma: 1, pcmu: 1 };

/** The header for `dataBytes` of audio; write it first (or again at the end, once the size is known). */
export function wavHeader(o: { format: WavFormat; channels: number; sampleRateHz: number; dataBytes: number }): Buffer {
  const pcm = o.format === 'pcm16';
  const fmtBytes = pcm ? 16 : 18;
  const factBytes = pcm ? 0 : 12;
  const b = Buffer.alloc(12 + 8 + fmtBytes + factBytes + 8);
  const bytesPerSample = BYTES_PER_SAMPLE[o.format];
  const blockAlign = bytesPerSample * o.channels;
  let p = 0;
  p = b.write('RIFF', p, 'latin1');
  p = b.writeUInt32LE(b.length - 8 + o.dataBytes, p);
  p += b.write('WAVE', p, 'latin1');
  p += b.write('fmt ', p, 'latin1');
  p = b.writeUInt32LE(fmtBytes, p);
  p = b.writeUInt16LE(TAG[o.format], p);
  p = b.writeUInt16LE(o.channels, p);
  p = b.writeUInt32LE(o.sampleRateHz, p);
  p = b.writeUInt32LE(o.sampleRateHz * blockAlign, p);
  p = b.writeUInt16LE(blockAlign, p);
  p = b.writeUInt16LE(bytesPerSample * 8, p);
  if (!pcm) {
    p = b.writeUInt16LE(0, p); // cbSize
    p += b.write('fact', p, 'latin1');
    p = b.writeUInt32LE(4, p);
    p = b.writeUInt32LE(Math.floor(o.dataBytes / blockAlign), p);
  }
  p += b.write('data', p, 'latin1');
  b.writeUInt32LE(o.dataBytes, p);
  return b;
}

/** Reads a WAV header; an error string says what is wrong with a file that is not one we can read. */
export function parseWav(buf: Buffer): WavInfo | { error: string } {
  const riff = buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WAVE';
  if (!riff) return { error: 'not a RIFF/WAVE file' };
  let p = 12;
  let fmt: { tag: number; channels: number; rate: number; bits: number } | null = null;
  while (p + 8 <= buf.length) {
    const id = buf.toString('latin1', p, p + 4);
    const size = buf.readUInt32LE(p + 4);
    const body = p + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) return { error: 'fmt chunk too short' };
      fmt = {
        tag: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (fmt === null) return { error: 'data chunk before fmt' };
      const format = (Object.keys(TAG) as WavFormat[]).find((f) => TAG[f] === fmt!.tag && BYTES_PER_SAMPLE[f] * 8 === fmt!.bits);
      if (format === undefined) return { error: `unsupported format tag ${fmt.tag} with ${fmt.bits} bits (expected PCM 16-bit, A-law or µ-law 8-bit)` };
      if (fmt.channels < 1 || fmt.rate < 1) return { error: `bad fmt: ${fmt.channels} channels at ${fmt.rate} Hz` };
      // A file still being written may declare more than it holds: count what is there.
      const dataBytes = Math.min(size, buf.length - body);
      const frames = Math.floor(dataBytes / (BYTES_PER_SAMPLE[format] * fmt.channels));
      const durationMs = (frames * 1000) / fmt.rate;
      return { format, channels: fmt.channels, sampleRateHz: fmt.rate, dataOffset: body, dataBytes, frames, durationMs };
    }
    p = body + size + (size & 1); // chunks are padded to even sizes
  }
  return { error: 'no data chunk' };
}
