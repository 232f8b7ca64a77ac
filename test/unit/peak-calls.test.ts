/**
 * How many RTP port pairs a worker binds ahead (engine/worker/peak-calls.ts): the calls it holds at
 * the peak, plus the pairs resting in the pool's 1 s quarantine — a second's worth of call ends —
 * with 10 % and 32 spare. A capacity search at 1,800 channels with 5 s holds (360 ends a second)
 * once ran out of pairs and failed 2,304 calls as media_no_port; this is the count that must cover it.
 */
import { describe, expect, it } from 'vitest';
import { expectedPeakCalls } from '../../src/engine/worker/peak-calls.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import { WHOLE, equalPart } from '../../src/load/segments.js';

const closed = (target: number, hold: unknown) =>
  scenarioFromObject({ name: 'p', load: { model: 'closed', stages: [{ duration: '10s', target }] }, call: { hold, media: 'pcmu' } }, 'p.yaml');

describe('expectedPeakCalls', () => {
  it('closed model: the peak target plus a second of call ends (target ÷ mean hold), 10 % and 32 more', () => {
    expect(expectedPeakCalls(closed(1000, '20s'), WHOLE)).toBe(Math.ceil((1000 + 50) * 1.1) + 32);
    expect(expectedPeakCalls(closed(1800, { dist: 'uniform', min: '4s', max: '6s' }), WHOLE)).toBe(Math.ceil((1800 + 360) * 1.1) + 32);
  });

  it('holds under a second: a second of ends, down to 250 ms holds (four times the held pairs), no more', () => {
    // 200 channels of 500 ms end 400 times a second: all of them rest in quarantine at once.
    expect(expectedPeakCalls(closed(200, '500ms'), WHOLE)).toBe(Math.ceil((200 + 400) * 1.1) + 32);
    expect(expectedPeakCalls(closed(100, '200ms'), WHOLE)).toBe(Math.ceil((100 + 400) * 1.1) + 32);
  });

  it('each worker binds its share', () => {
    const total = Math.ceil((1000 + 50) * 1.1);
    expect(expectedPeakCalls(closed(1000, '20s'), equalPart(0, 2)) + expectedPeakCalls(closed(1000, '20s'), equalPart(1, 2))).toBe(total + 64);
  });
});
