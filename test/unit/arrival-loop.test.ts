/**
 * The shared arrival loop on fake time: arrivals at their intended times, a stalled tick
 * catching up with its backlog in order (each arrival keeping its intended time), one timer
 * armed at a time, stop, and the end of the schedule.
 */
import { describe, expect, it } from 'vitest';
import { ArrivalLoop, fixedRateArrivals } from '../../src/load/arrival-loop.js';
import { FakeClock } from '../helpers/fake-clock.js';

function run(ratePerSec: number, total: number) {
  const clock = new FakeClock();
  const got: Array<[number, number, number]> = [];
  let exhausted = 0;
  const loop = new ArrivalLoop(fixedRateArrivals(ratePerSec, total), {
    startAt: clock.now(),
    onArrival: (i, intended) => got.push([i, intended, clock.now()]),
    onExhausted: () => exhausted++,
    clock,
  });
  return { clock, got, loop, exhausted: () => exhausted };
}

describe('ArrivalLoop', () => {
  it('hands each arrival over at its intended time, with one timer armed at a time', () => {
    const r = run(100, 5); // every 10 ms
    r.loop.start();
    expect(r.got).toEqual([[0, 1000, 1000]]);
    r.clock.advance(1045);
    expect(r.got).toEqual([[0, 1000, 1000], [1, 1010, 1010], [2, 1020, 1020], [3, 1030, 1030], [4, 1040, 1040]]);
    expect(r.exhausted()).toBe(1);
    // One re-armed timer per pending arrival, never several at once.
    expect(r.clock.armed).toBe(4);
    expect(r.clock.timers).toHaveLength(0);
  });

  it('a late tick catches up with its backlog in order, each arrival keeping its intended time', () => {
    const r = run(100, 10);
    r.loop.start();
    r.clock.advance(1055, true); // the first timer (due at 1010) only fires at 1055
    expect(r.got.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.got.slice(1).map(([, intended, at]) => [intended, at])).toEqual([
      [1010, 1055], [1020, 1055], [1030, 1055], [1040, 1055], [1050, 1055],
    ]);
    r.clock.advance(1100);
    expect(r.got.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.exhausted()).toBe(1);
  });

  it('stop: nothing more is handed over, and the end of the schedule is not reported', () => {
    const r = run(100, 10);
    r.loop.start();
    r.clock.advance(1025);
    r.loop.stop();
    r.clock.advance(2000);
    expect(r.got.map(([i]) => i)).toEqual([0, 1, 2]);
    expect(r.exhausted()).toBe(0);
    expect(r.clock.timers).toHaveLength(0);
  });

  it('an empty schedule ends at once', () => {
    const r = run(100, 0);
    r.loop.start();
    expect(r.got).toEqual([]);
    expect(r.exhausted()).toBe(1);
  });
});

describe('fixedRateArrivals', () => {
  it('gives exactly `total` arrivals k·1000/rate apart', () => {
    const it = fixedRateArrivals(2000, 20_000);
    let n = 0;
    let last = -1;
    for (let a = it.next(); a !== null; a = it.next()) {
      expect(a.index).toBe(n);
      last = a.atMs;
      n++;
    }
    expect(n).toBe(20_000);
    expect(last).toBe(9999.5);
  });
});
