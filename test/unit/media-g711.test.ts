import { describe, expect, it } from 'vitest';
import { alawToLinear, linearToAlaw, linearToUlaw, silenceByte, ulawToLinear } from '../../src/media/g711.js';

describe('G.711', () => {
  it('silence and the extremes encode to the reference bytes', () => {
    expect(silenceByte('pcmu')).toBe(0xff);
    expect(silenceByte('pcma')).toBe(0xd5);
    // µ-law: the largest magnitudes are 0x80 (+) and 0x00 (−), decoding to ±32124 (8159·4 − 0x84 + … per the table).
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
    // A-law: 0xD5 decodes to +8 (segment 0, quantum 0: 0 << 4 + 8), the largest codes to ±32256.
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(alawToLinear(0xaa)).toBe(32256);
  });

  it('every byte decodes and re-encodes to itself (µ-law: but for the two zeros), and encoding is monotonic', () => {
    for (let b = 0; b < 256; b++) {
      expect(linearToAlaw(alawToLinear(b))).toBe(b);
      // µ-law has +0 (0xFF) and −0 (0x7F): both decode to 0, which encodes to 0xFF.
      expect(linearToUlaw(ulawToLinear(b))).toBe(b === 0x7f ? 0xff : b);
    }
    let last = -Infinity;
    for (let x = -32768; x <= 32767; x += 7) {
      const y = ulawToLinear(linearToUlaw(x));
      expect(y).toBeGreaterThanOrEqual(last);
      last = y;
    }
  });

  it('the quantisation error is at most half a step: 16 levels per segment, each segment twice the last', () => {
    // A segment spanning [lo, 2·lo) has 16 steps of lo/16: half a step is lo/32 <= |x|/32, plus the
    // first segments' fixed step (µ-law 8, A-law 16 in 16-bit units) near zero.
    for (const [enc, dec, first] of [[linearToUlaw, ulawToLinear, 8], [linearToAlaw, alawToLinear, 16]] as const) {
      for (let x = 0; x < 32000; x += 13) {
        expect(Math.abs(dec(enc(x)) - x)).toBeLessThanOrEqual(x / 32 + first);
        expect(Math.abs(dec(enc(-x)) + x)).toBeLessThanOrEqual(x / 32 + first);
      }
    }
  });
});
