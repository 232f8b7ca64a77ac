import { describe, expect, it } from 'vitest';
import { computeRatios, countRedirects, ISA_CODES, SEER_CODES, SER_CODES } from '../../src/metrics/rfc6076.js';

describe('RFC 6076 ratios', () => {
  it('computes the brief\'s example by hand', () => {
    // 1000 INVITEs: 980 × 200, 10 × 486, 10 × 503.
    const r = computeRatios({ invites: 1000, finalByCode: { 200: 980, 486: 10, 503: 10 }, timeouts: 0, completedNormally: 975 });
    expect(r.ser).toBeCloseTo(0.98, 12);
    expect(r.seer).toBeCloseTo(0.99, 12); // (980 + 10) / 1000
    expect(r.isa).toBeCloseTo(0.01, 12); // 10 / 1000
    expect(r.scr).toBeCloseTo(0.975, 12);
    expect(r.asr).toBeCloseTo(0.98, 12);
  });

  it('removes 3xx from the SER/SEER denominators only, and counts timeouts as 408', () => {
    // 200 INVITEs: 120 × 200, 20 × 302, 5 × 301, 10 × 480, 8 × 603, 6 × 408, 4 × 500, 7 × 504, 3 × 404, 2 × 600; 15 timeouts.
    const finalByCode = { 200: 120, 302: 20, 301: 5, 480: 10, 603: 8, 408: 6, 500: 4, 504: 7, 404: 3, 600: 2 };
    const r = computeRatios({ invites: 200, finalByCode, timeouts: 15, completedNormally: 110 });
    expect(countRedirects(finalByCode)).toBe(25);
    expect(r.ser).toBeCloseTo(120 / 175, 12);
    expect(r.seer).toBeCloseTo((120 + 10 + 8 + 2) / 175, 12);
    expect(r.isa).toBeCloseTo((6 + 4 + 7 + 15) / 200, 12);
    expect(r.scr).toBeCloseTo(110 / 200, 12);
    expect(r.asr).toBeCloseTo(120 / 200, 12);
  });

  it('returns null for a zero denominator', () => {
    expect(computeRatios({ invites: 0, finalByCode: {}, timeouts: 0, completedNormally: 0 }))
      .toEqual({ ser: null, seer: null, isa: null, scr: null, asr: null });
    // Every INVITE redirected: SER/SEER undefined, the others 0.
    expect(computeRatios({ invites: 4, finalByCode: { 302: 4 }, timeouts: 0, completedNormally: 0 }))
      .toEqual({ ser: null, seer: null, isa: 0, scr: 0, asr: 0 });
  });

  it('exports the code sets', () => {
    expect(SER_CODES).toEqual([200]);
    expect(SEER_CODES).toEqual([200, 480, 486, 600, 603]);
    expect(ISA_CODES).toEqual([408, 500, 503, 504]);
  });
});
