import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDurationMs, parseDurationMs, tryParseDurationMs } from '../../src/util/duration.js';
import { isCallcertError } from '../../src/errors.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isCallcertError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['20s', 20_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.1s', 1_100],
    ['0.5ms', 0.5],
    ['0s', 0],
    ['0', 0],
    [' 20s ', 20_000],
    [0, 0],
  ] as const)('%j → %d ms', (input, ms) => {
    expect(parseDurationMs(input, 'call.hold')).toBe(ms);
  });

  it('rejects bare numbers with a hint', () => {
    expect(messageOf(() => parseDurationMs(20, 'call.hold'))).toBe(
      'CC_ERR_SCENARIO_INVALID: call.hold: expected a duration with a unit, got 20 (write 20s or 20000ms)',
    );
    expect(messageOf(() => parseDurationMs('20', '--hold'))).toBe(
      'CC_ERR_SCENARIO_INVALID: --hold: expected a duration with a unit, got "20" (write 20s or 20000ms)',
    );
  });

  it.each([
    ['20 s', 'call.hold: expected a duration such as 250ms, 20s, 1.5s, 2m, 1h or 1m30s, got "20 s" (no spaces inside a duration)'],
    ['20sec', 'call.hold: expected a duration such as 250ms, 20s, 1.5s, 2m, 1h or 1m30s, got "20sec"'],
    ['', 'call.hold: expected a duration such as 250ms, 20s, 1.5s, 2m, 1h or 1m30s, got ""'],
    ['-5s', 'call.hold: expected a duration >= 0, got "-5s"'],
    ['30s1m', 'call.hold: expected a duration with units from largest to smallest, each at most once (e.g. 1m30s), got "30s1m"'],
    ['1s1s', 'call.hold: expected a duration with units from largest to smallest, each at most once (e.g. 1m30s), got "1s1s"'],
    ['.5s', 'call.hold: expected a duration such as 250ms, 20s, 1.5s, 2m, 1h or 1m30s, got ".5s"'],
  ])('rejects %j', (input, message) => {
    expect(messageOf(() => parseDurationMs(input, 'call.hold'))).toBe(`CC_ERR_SCENARIO_INVALID: ${message}`);
  });

  it('rejects non-finite and negative numbers', () => {
    expect(tryParseDurationMs(-1).ok).toBe(false);
    expect(tryParseDurationMs(Infinity).ok).toBe(false);
    expect(tryParseDurationMs(NaN).ok).toBe(false);
    expect(tryParseDurationMs(`${'9'.repeat(400)}h`).ok).toBe(false);
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [0.5, '0.5ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [20_000, '20s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_600_500, '1h0.5s'],
    [5_400_000, '1h30m'],
    [-1_500, '-1.5s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('round-trips every whole number of milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 24 * 3_600_000 }), (ms) => parseDurationMs(formatDurationMs(ms), 'x') === ms),
      { numRuns: 2000 },
    );
  });
});
