import { describe, expect, it } from 'vitest';
import { MARKER_BYTES, createSource, readMarker, writeMarker } from '../../src/media/source.js';
import { decoderOf } from '../../src/media/g711.js';

const frame = (src: ReturnType<typeof createSource>, n: number) => {
  const b = Buffer.alloc(src.frameBytes);
  src.write(n, b, 0);
  return b;
};
const rms = (b: Buffer, law: 'pcmu' | 'pcma') => {
  const dec = decoderOf(law);
  let s = 0;
  for (const x of b) s += dec(x) ** 2;
  return Math.sqrt(s / b.length);
};

describe('media payload sources', () => {
  it('silence: one frame of the law’s silence byte', () => {
    const u = createSource({ kind: 'silence' }, 'pcmu');
    expect(u.frameBytes).toBe(160);
    expect(u.frames).toBe(1);
    expect([...frame(u, 7)].every((x) => x === 0xff)).toBe(true);
    expect([...frame(createSource({ kind: 'silence' }, 'pcma'), 0)].every((x) => x === 0xd5)).toBe(true);
  });

  it('a 1 kHz tone at −10 dBov: its level and its period, looping without a phase jump', () => {
    const src = createSource({ kind: 'tone', hz: 1000, dbov: -10 }, 'pcma');
    expect(src.frames).toBe(50); // 1 s of 20 ms frames
    // RMS of a sine of peak A is A/√2: 32767·10^(−10/20)/√2 = 7326.9; G.711 keeps it within ~1 %.
    expect(rms(frame(src, 3), 'pcma')).toBeGreaterThan(7326.9 * 0.99);
    expect(rms(frame(src, 3), 'pcma')).toBeLessThan(7326.9 * 1.01);
    // 8 samples per period at 1 kHz: sample i and i+8 encode alike, across the loop's wrap too.
    const last = frame(src, 49);
    const first = frame(src, 50);
    expect(first.equals(frame(src, 0))).toBe(true);
    expect(first[0]).toBe(last[152]);
    // 0.5 ms zero crossing pattern: samples 0 and 4 are sin(0) and sin(π).
    const dec = decoderOf('pcma');
    expect(Math.abs(dec(first[0]))).toBeLessThan(16);
    expect(Math.abs(dec(first[4]))).toBeLessThan(16);
  });

  it('the prompt: 6 s, the same every time, speech-like activity around −20 dBov', () => {
    const a = createSource({ kind: 'prompt' }, 'pcmu');
    const b = createSource({ kind: 'prompt' }, 'pcmu');
    expect(a.frames).toBe(300);
    const levels = Array.from({ length: a.frames }, (_, n) => rms(frame(a, n), 'pcmu'));
    expect(Array.from({ length: a.frames }, (_, n) => frame(a, n).equals(frame(b, n))).every(Boolean)).toBe(true);
    const active = levels.filter((l) => l > 200).length / levels.length;
    expect(active).toBeGreaterThan(0.4);
    expect(active).toBeLessThan(0.85);
    // Peak −20 dBov is 3277; bursts have an envelope, so frame RMS stays below the peak's RMS (2317).
    expect(Math.max(...levels)).toBeLessThan(2400);
    expect(Math.max(...levels)).toBeGreaterThan(900);
  });

  it('rejects tones outside 0–4 kHz and ptimes of no whole sample count', () => {
    expect(() => createSource({ kind: 'tone', hz: 4000, dbov: -10 }, 'pcmu')).toThrow(RangeError);
    expect(() => createSource({ kind: 'silence' }, 'pcmu', 0.1)).toThrow(RangeError);
  });

  it('a marker carries a call’s 32-bit tag; a frame without one reads −1', () => {
    const src = createSource({ kind: 'tone', hz: 400, dbov: -20 }, 'pcmu');
    const b = Buffer.alloc(12 + src.frameBytes);
    src.write(0, b, 12);
    expect(readMarker(b, 12, src.frameBytes)).toBe(-1);
    writeMarker(b, 12, 0xdeadbeef);
    expect(readMarker(b, 12, src.frameBytes)).toBe(0xdeadbeef);
    expect(readMarker(b, 12, MARKER_BYTES - 1)).toBe(-1);
  });
});
