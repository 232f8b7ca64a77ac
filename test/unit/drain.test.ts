/**
 * A worker's stop on fake time: established calls BYE'd at once in paced batches, those still
 * in their hold marked cut at end, calls being set up hung up after the grace, and the drain
 * bound giving up on what is left.
 */
import { describe, expect, it } from 'vitest';
import { drainCalls, STOP_BYE_BATCH, STOP_BYE_INTERVAL_MS, STOP_SETUP_GRACE_MS, type DrainHost } from '../../src/engine/worker/drain.js';
import { FakeClock } from '../helpers/fake-clock.js';

interface FakeCall {
  id: number;
  up: boolean;
  slot: { holdTimer: unknown; cutAtEnd: boolean };
}

function setup(established: number, settingUp: number, holdRunning: (i: number) => boolean) {
  const clock = new FakeClock();
  const live: FakeCall[] = [];
  for (let i = 0; i < established + settingUp; i++) {
    live.push({ id: i, up: i < established, slot: { holdTimer: i < established && holdRunning(i) ? `t${i}` : null, cutAtEnd: false } });
  }
  const hungUp: Array<[number, number]> = [];
  const cleared: unknown[] = [];
  let gaveUpAt: number | null = null;
  const host: DrainHost<FakeCall> = {
    calls: () => live.values(),
    isEstablished: (c) => c.up,
    hangup: (c) => {
      // As the UAC does: a call hung up is no longer established (it is terminating).
      c.up = false;
      hungUp.push([c.id, clock.now()]);
    },
    clearTimer: (h) => void cleared.push(h),
    now: () => clock.now(),
    at: (when, fn) => void clock.setTimeout(fn, when - clock.now()),
    giveUp: () => void (gaveUpAt = clock.now()),
  };
  return { clock, live, hungUp, cleared, host, gaveUpAt: () => gaveUpAt };
}

describe('drainCalls', () => {
  it(`BYEs established calls ${STOP_BYE_BATCH} per ${STOP_BYE_INTERVAL_MS} ms, starting at once`, () => {
    const t = setup(250, 0, () => false);
    const t0 = t.clock.now();
    drainCalls(t.host, 10_000);
    expect(t.hungUp).toHaveLength(100);
    t.clock.advance(t0 + STOP_BYE_INTERVAL_MS);
    expect(t.hungUp).toHaveLength(200);
    t.clock.advance(t0 + 2 * STOP_BYE_INTERVAL_MS);
    expect(t.hungUp).toHaveLength(250);
    expect(new Set(t.hungUp.map(([id]) => id)).size).toBe(250);
    expect(t.hungUp.at(-1)?.[1]).toBe(t0 + 2 * STOP_BYE_INTERVAL_MS);
  });

  it('marks a call still in its hold cut at end and clears its hold timer; a call past its hold is not cut', () => {
    const t = setup(4, 0, (i) => i % 2 === 0);
    drainCalls(t.host, 10_000);
    expect(t.live.map((c) => c.slot.cutAtEnd)).toEqual([true, false, true, false]);
    expect(t.cleared).toEqual(['t0', 't2']);
    expect(t.live.every((c) => c.slot.holdTimer === null)).toBe(true);
  });

  it(`calls being set up are hung up after ${STOP_SETUP_GRACE_MS} ms (or half the drain bound), and the bound gives up`, () => {
    const t = setup(1, 2, () => false);
    const t0 = t.clock.now();
    drainCalls(t.host, 10_000);
    expect(t.hungUp).toEqual([[0, t0]]);
    t.clock.advance(t0 + STOP_SETUP_GRACE_MS - 1);
    expect(t.hungUp).toHaveLength(1);
    t.clock.advance(t0 + STOP_SETUP_GRACE_MS);
    expect(t.hungUp.slice(1).map(([id, at]) => [id, at - t0])).toEqual([[0, 2000], [1, 2000], [2, 2000]]);
    expect(t.gaveUpAt()).toBeNull();
    t.clock.advance(t0 + 10_000);
    expect(t.gaveUpAt()).toBe(t0 + 10_000);

    const short = setup(0, 1, () => false);
    const s0 = short.clock.now();
    drainCalls(short.host, 1000);
    short.clock.advance(s0 + 500);
    expect(short.hungUp).toEqual([[0, s0 + 500]]);
  });
});
