/** The per-worker RTP send schedule on fake time: phases spread, packets due every period, catch-up bounded. */
import { describe, expect, it } from 'vitest';
import { SendSchedule } from '../../src/media/send-schedule.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup(o: { maxCatchUp?: number } = {}) {
  const clock = new FakeClock();
  const sent: Array<{ stream: number; n: number; dueAt: number; now: number }> = [];
  const send = (stream: number, n: number, dueAt: number, now: number) => void sent.push({ stream, n, dueAt, now });
  const sched = new SendSchedule<number>({ periodMs: 20, clock, ...o, send });
  return { clock, sent, sched };
}

describe('media send schedule', () => {
  it('spreads 1,000 streams over the 20 slots: 50 packets per millisecond, none bursting', () => {
    const { clock, sent, sched } = setup();
    for (let s = 0; s < 1000; s++) sched.add(s, clock.now());
    clock.advance(clock.now() + 200);
    // 200 ms: every stream sent 10 packets (its first one within the first 20 ms).
    const perStream = new Map<number, number>();
    for (const p of sent) perStream.set(p.stream, (perStream.get(p.stream) ?? 0) + 1);
    expect(perStream.size).toBe(1000);
    expect([...perStream.values()].every((c) => c === 10 || c === 11)).toBe(true);
    const perMs = new Map<number, number>();
    for (const p of sent) perMs.set(p.dueAt, (perMs.get(p.dueAt) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBe(50);
    // On time on fake time: sent at their due time.
    expect(sent.every((p) => p.now === p.dueAt)).toBe(true);
  });

  it('a stream is due every period from its first due time, numbered from 0', () => {
    const { clock, sent, sched } = setup();
    const start = clock.now() + 7.3;
    sched.add(1, start);
    clock.advance(start + 100);
    const mine = sent.filter((p) => p.stream === 1);
    expect(mine[0].dueAt).toBeGreaterThanOrEqual(start);
    expect(mine[0].dueAt - start).toBeLessThan(20);
    mine.forEach((p, k) => {
      expect(p.n).toBe(k);
      expect(p.dueAt).toBe(mine[0].dueAt + 20 * k);
    });
    expect(mine).toHaveLength(5);
  });

  it('removing a stream stops it at once; the others keep their phases', () => {
    const { clock, sent, sched } = setup();
    const a = sched.add(1, clock.now());
    sched.add(2, clock.now());
    sched.add(3, clock.now());
    clock.advance(clock.now() + 40);
    sched.remove(a);
    sched.remove(a); // twice is harmless
    const before = sent.length;
    clock.advance(clock.now() + 100);
    expect(sent.slice(before).some((p) => p.stream === 1)).toBe(false);
    expect(sent.slice(before).filter((p) => p.stream === 2)).toHaveLength(5);
    expect(sched.size).toBe(2);
  });

  it('a late tick catches up with its real due times, bounded per stream; the rest is skipped and counted', () => {
    const { clock, sent, sched } = setup({ maxCatchUp: 3 });
    const e = sched.add(9, clock.now());
    clock.advance(clock.now() + 1);
    const t0 = clock.now();
    // A 200 ms stall: the timer fires once, late.
    clock.advance(t0 + 200, true);
    const late = sent.filter((p) => p.now === t0 + 200);
    expect(late).toHaveLength(3);
    expect(late.map((p) => p.now - p.dueAt).every((slip) => slip > 0)).toBe(true);
    expect(e.skipped).toBeGreaterThan(0);
    // Numbers stay continuous (skipped ones are counted as sent: RTP timestamps keep the wall-clock pace).
    expect(e.sent).toBe(sent.length + e.skipped);
    clock.advance(t0 + 260);
    const after = sent.filter((p) => p.now > t0 + 200);
    expect(after.every((p) => p.now === p.dueAt)).toBe(true);
  });

  it('arms no timer with no stream, and stop() forgets all', () => {
    const { clock, sched, sent } = setup();
    expect(clock.timers).toHaveLength(0);
    sched.add(1, clock.now());
    expect(clock.timers).toHaveLength(1);
    sched.stop();
    expect(clock.timers).toHaveLength(0);
    clock.advance(clock.now() + 100);
    expect(sent).toHaveLength(0);
  });
});
