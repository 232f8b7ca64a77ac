/**
 * One direction of a call's recording, in memory until the call ends: G.711 payload bytes laid
 * out by RTP timestamp from the first packet (one byte per sample at 8 kHz), in 1 s chunks
 * allocated as audio arrives. A lost packet leaves its chunk's silence, a duplicate writes the
 * same bytes again, a reordered one lands where it belongs — as a recorder that plays out by
 * timestamp would store it. `add` is O(payload) with no allocation but a chunk per second.
 *
 * Why G.711 as received, not 16-bit PCM: it is bit-exact (the per-call marker survives, so the
 * probe can tell whose audio a file holds), half the size, and costs no transcoding at the
 * call's end; WAV format tags 7 (µ-law) and 6 (A-law) are read by every audio tool.
 */
import type { G711Law } from '../media/g711.js';
import { silenceByte } from '../media/g711.js';

/** Samples per chunk: one second at G.711's 8 kHz clock. */
const CHUNK = 8000;
/** Audio past this from the first packet is dropped (a wild timestamp must not allocate GBs). */
const MAX_SAMPLES = 4 * 3600 * CHUNK;

export class RecordingTrack {
  private readonly chunks: Array<Buffer | undefined> = [];
  private readonly silence: number;
  private ts0 = 0;
  private started = false;
  /** Samples from the first packet's timestamp to the end of the latest audio. */
  samples = 0;
  packets = 0;
  /** Packets not laid out: not RTP v2, another payload type (telephone-event), no payload, or out of range. */
  skipped = 0;

  constructor(
    readonly law: G711Law,
    /** The negotiated payload type of the codec: other types (DTMF events) are no audio. */
    private readonly pt: number,
  ) {
    this.silence = silenceByte(law);
  }

  /** One received datagram; whatever is not this codec's RTP is skipped. */
  add(p: Buffer): void {
    const len = p.length;
    if (len < 12 || p[0] >> 6 !== 2 || (p[1] & 0x7f) !== this.pt) return void this.skipped++;
    let off = 12 + 4 * (p[0] & 0x0f);
    if (p[0] & 0x10) {
      if (off + 4 > len) return void this.skipped++;
      off += 4 + 4 * p.readUInt16BE(off + 2);
    }
    const end = p[0] & 0x20 ? len - p[len - 1] : len;
    if (end <= off) return void this.skipped++;
    const ts = p.readUInt32BE(4);
    if (!this.started) {
      this.started = true;
      this.ts0 = ts;
    }
    // Modulo 2^32: a timestamp just before the first packet's wraps to a huge offset and is dropped.
    const pos = (ts - this.ts0) >>> 0;
    const n = end - off;
    if (pos + n > MAX_SAMPLES) return void this.skipped++;
    this.write(p, off, n, pos);
    if (pos + n > this.samples) this.samples = pos + n;
    this.packets++;
  }

  private write(p: Buffer, off: number, n: number, pos: number): void {
    while (n > 0) {
      const c = Math.floor(pos / CHUNK);
      const at = pos - c * CHUNK;
      const k = Math.min(n, CHUNK - at);
      const chunk = (this.chunks[c] ??= Buffer.allocUnsafe(CHUNK).fill(this.silence));
      p.copy(chunk, at, off, off + k);
      off += k;
      pos += k;
      n -= k;
    }
  }

  get durationMs(): number {
    return (this.samples * 1000) / CHUNK;
  }

  /** The audio as one buffer (silence where nothing arrived); called once, at the call's end. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(this.samples);
    for (let c = 0; c * CHUNK < this.samples; c++) {
      const from = c * CHUNK;
      const to = Math.min(this.samples, from + CHUNK);
      const chunk = this.chunks[c];
      if (chunk === undefined) out.fill(this.silence, from, to);
      else chunk.copy(out, from, 0, to - from);
    }
    return out;
  }
}
