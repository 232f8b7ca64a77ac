/**
 * The closed model's slot rules on fake time, without sockets: the segment's share launched,
 * make before break, a failed slot redialled only after FAILED_SLOT_RETRY_MS, an answered
 * call's slot refilled at once, ramp-down releases, nothing refilled once draining, and
 * call indexes striped over workers.
 */
import { equalPart } from '../../src/load/segments.js';
import { describe, expect, it } from 'vitest';
import { ClosedSlots, FAILED_SLOT_RETRY_MS, type SlotHost } from '../../src/engine/worker/closed-slots.js';
import { CallSlot } from '../../src/engine/worker/call-slot.js';
import type { Stage } from '../../src/load/types.js';
import { FakeClock } from '../helpers/fake-clock.js';

interface FakeCall {
  slot: CallSlot;
  up: boolean;
}

function setup(stages: Stage[], segment = equalPart(0, 1)) {
  const clock = new FakeClock();
  const startAt = clock.now();
  const endAt = startAt + stages.reduce((t, s) => t + s.durationMs, 0);
  const live: FakeCall[] = [];
  const launched: Array<{ index: number; intendedAt: number; replaces: number | null }> = [];
  const hungUp: number[] = [];
  let offered = 0;
  const state = { stopping: false, draining: false };
  const host: SlotHost<FakeCall> = {
    isStopping: () => state.stopping,
    isDraining: () => state.draining,
    launch(index, intendedAt, replaces) {
      const call: FakeCall = { slot: new CallSlot(index, intendedAt, 1000), up: false };
      call.slot.replaces = replaces as never;
      live.push(call);
      launched.push({ index, intendedAt, replaces: replaces?.slot.index ?? null });
      return call;
    },
    offer: () => void offered++,
    hangup(call) {
      hungUp.push(call.slot.index);
    },
    calls: () => live.values(),
    isEstablished: (c) => c.up,
    now: () => clock.now(),
    at: (when, fn) => void clock.setTimeout(fn, when - clock.now()),
  };
  const slots = new ClosedSlots<FakeCall>({ stages, segment, startAt, endAt }, host);
  const end = (c: FakeCall, answered: boolean) => {
    live.splice(live.indexOf(c), 1);
    slots.ended(c, answered);
  };
  return { clock, startAt, slots, live, launched, hungUp, state, end, offered: () => offered };
}

const hold4: Stage[] = [{ durationMs: 0, target: 4 }, { durationMs: 10_000, target: 4 }];

describe('ClosedSlots', () => {
  it('launches the target at the start, all intended at the stage time', () => {
    const t = setup(hold4);
    t.slots.run(t.startAt);
    expect(t.launched).toEqual([0, 1, 2, 3].map((index) => ({ index, intendedAt: t.startAt, replaces: null })));
    expect(t.slots.committed).toBe(4);
    expect(t.offered()).toBe(4);
  });

  it('make before break: a hold expiry starts the replacement first and hangs nothing up', () => {
    const t = setup(hold4);
    t.slots.run(t.startAt);
    for (const c of t.live) c.up = true;
    t.clock.advance(t.startAt + 1000);
    t.slots.holdExpired(t.live[0] as FakeCall);
    expect(t.launched.at(-1)).toEqual({ index: 4, intendedAt: t.startAt + 1000, replaces: 0 });
    expect(t.hungUp).toEqual([]);
    expect(t.slots.committed).toBe(4);
    // The old call's end (after the replacement's answer hung it up) does not free a slot again.
    t.end(t.live[0] as FakeCall, true);
    expect(t.launched).toHaveLength(5);
    expect(t.slots.committed).toBe(4);
  });

  it('an answered call that ends (callee hang-up) is replaced at once', () => {
    const t = setup(hold4);
    t.slots.run(t.startAt);
    t.clock.advance(t.startAt + 500);
    t.end(t.live[1] as FakeCall, true);
    expect(t.launched.at(-1)).toEqual({ index: 4, intendedAt: t.startAt + 500, replaces: null });
    expect(t.slots.committed).toBe(4);
  });

  it(`a failed attempt's slot is redialled only after ${FAILED_SLOT_RETRY_MS} ms`, () => {
    const t = setup(hold4);
    t.slots.run(t.startAt);
    t.clock.advance(t.startAt + 200);
    t.end(t.live[2] as FakeCall, false);
    t.clock.advance(t.startAt + 200 + FAILED_SLOT_RETRY_MS - 1);
    expect(t.launched).toHaveLength(4);
    expect(t.slots.committed).toBe(4); // the slot stays reserved meanwhile
    t.clock.advance(t.startAt + 200 + FAILED_SLOT_RETRY_MS);
    expect(t.launched.at(-1)).toEqual({ index: 4, intendedAt: t.startAt + 200 + FAILED_SLOT_RETRY_MS, replaces: null });
    expect(t.slots.committed).toBe(4);
  });

  it('ramp down: at the change, established calls beyond the target are released and hung up', () => {
    const t = setup([
      { durationMs: 0, target: 4 }, { durationMs: 1000, target: 4 },
      { durationMs: 0, target: 2 }, { durationMs: 1000, target: 2 },
    ]);
    t.slots.run(t.startAt);
    for (const c of t.live) c.up = true;
    t.clock.advance(t.startAt + 1000);
    expect(t.hungUp).toEqual([0, 1]);
    expect(t.slots.committed).toBe(2);
    expect(t.launched).toHaveLength(4);
  });

  it('draining: a hold expiry ends the call and frees its slot, and nothing is refilled', () => {
    const t = setup(hold4);
    t.slots.run(t.startAt);
    for (const c of t.live) c.up = true;
    t.state.draining = true;
    const c0 = t.live[0] as FakeCall;
    t.slots.holdExpired(c0);
    expect(t.hungUp).toEqual([0]);
    expect(t.slots.committed).toBe(3);
    t.end(c0, true);
    t.end(t.live[0] as FakeCall, true);
    expect(t.launched).toHaveLength(4);
    expect(t.slots.committed).toBe(2);
  });

  it("stripes call indexes over workers: worker 1 of 2 takes its share with indexes 1, 3, 5, …", () => {
    const t = setup(hold4, equalPart(1, 2));
    t.slots.run(t.startAt);
    expect(t.launched.map((l) => l.index)).toEqual([1, 3]);
    t.end(t.live[0] as FakeCall, true);
    expect(t.launched.map((l) => l.index)).toEqual([1, 3, 5]);
  });
});
