/**
 * The CTI API's originate under dialer rules (options.dialer, simulator/dialer.ts), over real
 * loopback HTTP with a stub originator and an injected wall clock: refusals are problem+json
 * naming the rule and the line (429 min-interval with Retry-After, 429 daily-cap, 403
 * outside-window); pacing accepts with pacedMs and places the call that much later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCtiApi, type CtiApi, type CtiCall, type OriginateFn } from '../../src/simulator/cti-api.js';
import type { DialerLimitsSpec } from '../../src/scenario/outbound-rules.js';

const TOKEN = 'dialer-token';
const T0 = Date.UTC(2026, 11, 3, 2, 0, 0); // 10:00 Asia/Shanghai

let api: CtiApi | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

async function start(dialer: Partial<DialerLimitsSpec>, clock: { now: number }) {
  const placed: Array<{ call: CtiCall; at: number }> = [];
  const originate: OriginateFn = (call) => void placed.push({ call, at: performance.now() });
  api = await startCtiApi({
    token: TOKEN, ratePerSec: 1000, originate, wallNow: () => clock.now,
    dialer: { minIntervalMs: null, maxPerLinePerDay: null, window: null, tz: 'Asia/Shanghai', mode: 'refuse', violate: false, ...dialer },
  });
  const post = (from: string, to = 'sip:cc1@127.0.0.1:5090') => fetch(`${api!.url}/v1/calls`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ to, from, holdMs: 100 }),
  });
  return { placed, post };
}

describe('CTI API dialer rules', () => {
  it('refuses a call too soon after its line\'s last (429 min-interval, Retry-After) and the one over the cap (429 daily-cap)', async () => {
    const clock = { now: T0 };
    const { placed, post } = await start({ minIntervalMs: 6000, maxPerLinePerDay: 2 }, clock);
    expect((await post('95001')).status).toBe(201);
    expect((await post('95002')).status).toBe(201);
    clock.now += 2000;
    const soon = await post('95001');
    expect(soon.status).toBe(429);
    expect(soon.headers.get('content-type')).toBe('application/problem+json');
    expect(soon.headers.get('retry-after')).toBe('4');
    expect(await soon.json()).toMatchObject({ type: 'https://callcert.dev/problems/outbound-rule', status: 429, rule: 'min-interval', line: '95001' });
    clock.now += 4000;
    expect((await post('95001')).status).toBe(201);
    clock.now += 6000;
    const cap = await post('95001');
    expect(cap.status).toBe(429);
    expect(await cap.json()).toMatchObject({ rule: 'daily-cap', line: '95001', detail: expect.stringContaining('the cap is 2 a day') });
    // The next Shanghai day starts the line's count again.
    clock.now += 86_400_000;
    expect((await post('95001')).status).toBe(201);
    expect(placed.map((p) => p.call.from)).toEqual(['95001', '95002', '95001', '95001']);
    expect(api!.counters.dialer).toEqual({ placed: 4, paced: 0, refused: { 'min-interval': 1, 'daily-cap': 1 } });
  });

  it('403 outside the window; violate places everything', async () => {
    const clock = { now: Date.UTC(2026, 11, 3, 13, 30) }; // 21:30 Shanghai
    const w = { from: '08:00', to: '21:00', fromMin: 480, toMin: 1260, tz: 'Asia/Shanghai' };
    const { post } = await start({ window: w }, clock);
    const res = await post('95001');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: 'https://callcert.dev/problems/outside-calling-window', rule: 'outside-window' });
    await api!.close();
    const v = await start({ window: w, minIntervalMs: 6000, violate: true }, clock);
    for (let k = 0; k < 3; k++) expect((await v.post('95001')).status).toBe(201);
    expect(v.placed).toHaveLength(3);
  });

  it('paces: accepted with pacedMs, placed that much later', async () => {
    const clock = { now: T0 };
    const { placed, post } = await start({ minIntervalMs: 150, mode: 'pace' }, clock);
    expect((await post('95001')).status).toBe(201);
    const res = await post('95001');
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ state: 'dialing', pacedMs: 150 });
    expect(placed).toHaveLength(1);
    // Placed once its 150 ms have passed (polled, bounded: a busy machine only makes it later).
    for (let k = 0; k < 100 && placed.length < 2; k++) await new Promise((r) => setTimeout(r, 50));
    expect(placed).toHaveLength(2);
    expect(placed[1].at - placed[0].at).toBeGreaterThanOrEqual(140);
  });
});
