/**
 * The worker's accounting of each call's end, on plain call records: completed vs cut_at_end,
 * failures by code and cause, aborted and no-response calls, the never-sent data_exhausted call,
 * calls left at the drain bound, and that take() hands over one interval and starts the next.
 */
import { describe, expect, it } from 'vitest';
import { Call } from '../../src/sip/ua/caller.js';
import { CallSlot } from '../../src/engine/worker/call-slot.js';
import { IntervalCollector } from '../../src/engine/worker/interval-collector.js';
import { countersOf } from '../../src/metrics/interval.js';

const T0 = 1000;
function call(o: Partial<Pick<Call<CallSlot>, 'sentAt' | 'provisionalAt' | 'answeredAt' | 'byeAt' | 'byeAnsweredAt' | 'endedAt' | 'finalCode' | 'cause' | 'normalEnd' | 'gotResponse'>> & { index?: number; intendedAt?: number; cutAtEnd?: boolean }) {
  const slot = new CallSlot(o.index ?? 0, o.intendedAt ?? T0, 1000);
  slot.cutAtEnd = o.cutAtEnd ?? false;
  const c = new Call<CallSlot>(`id${o.index ?? 0}`, 'tag', '<sip:a@h>', '<sip:b@h>', { address: '127.0.0.1', port: 5060 }, 'sip:b@h', null, '', slot);
  Object.assign(c, { sentAt: T0, ...o });
  return c;
}

describe('IntervalCollector', () => {
  it('counts completed, cut_at_end, failures, aborted, no-response and never-sent calls apart', () => {
    const m = new IntervalCollector(T0, 0);
    const ok = call({ index: 0, provisionalAt: T0 + 2, answeredAt: T0 + 5, byeAt: T0 + 1005, byeAnsweredAt: T0 + 1006, endedAt: T0 + 1006, finalCode: 200, cause: 'completed', normalEnd: true, gotResponse: true });
    m.answered(ok);
    m.ended(ok);
    const cut = call({ index: 1, answeredAt: T0 + 4, byeAt: T0 + 300, endedAt: T0 + 301, finalCode: 200, cause: 'completed', normalEnd: true, gotResponse: true, cutAtEnd: true });
    m.answered(cut);
    m.ended(cut);
    m.ended(call({ index: 2, provisionalAt: T0 + 3, endedAt: T0 + 10, finalCode: 486, cause: 'rejected', gotResponse: true }));
    m.ended(call({ index: 3, endedAt: T0 + 32_000, cause: 'timeout' }));
    m.ended(call({ index: 4, endedAt: T0 + 50, cause: 'aborted', gotResponse: true }));
    m.ended(call({ index: 5, sentAt: 0, endedAt: T0, cause: 'data_exhausted' }));
    m.blocked(6, T0 + 7);
    const d = m.take();
    const c = countersOf(d);
    const { answers, completed, cutAtEnd, failures, aborted, timeouts, noResponse, noProvisional, blocked } = c;
    expect({ answers, completed, cutAtEnd, failures, aborted, timeouts, noResponse, noProvisional, blocked })
      .toEqual({ answers: 2, completed: 1, cutAtEnd: 1, failures: 3, aborted: 1, timeouts: 1, noResponse: 1, noProvisional: 1,
        blocked: 1 });
    expect(c.failuresByCode).toEqual({ 486: 1 });
    expect(c.finalByCode).toEqual({ 200: 2, 486: 1 });
    expect(c.failuresByCause).toEqual({ rejected: 1, timeout: 1, data_exhausted: 1 });
    const lines = d.calls.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.i, l.cause])).toEqual([[0, 'completed'], [1, 'cut_at_end'], [2, 'rejected'], [3, 'timeout'], [4, 'aborted'], [5, 'data_exhausted'], [6, 'blocked']]);
    expect(lines[0]).toMatchObject({ intendedMs: 0, startMs: 0, slipMs: 0, pddMs: 2, setupMs: 5, durationMs: 1000, sddMs: 1 });
    expect(lines[5].id).toBe('id5');
    // A fresh interval.
    const next = m.take();
    expect(next.calls).toBe('');
    const n = countersOf(next);
    expect(n.attempts + n.answers + n.failures).toBe(0);
  });

  it('an early send is timed from the wire, a late one from its intended start', () => {
    const m = new IntervalCollector(T0, 0);
    const early = call({ index: 0, intendedAt: T0 + 10, sentAt: T0 + 9.2, answeredAt: T0 + 9.5, finalCode: 200, gotResponse: true });
    const late = call({ index: 1, intendedAt: T0 + 10, sentAt: T0 + 14, answeredAt: T0 + 14.5, finalCode: 200, gotResponse: true });
    for (const c of [early, late]) {
      Object.assign(c, { endedAt: c.answeredAt + 1, normalEnd: true, cause: 'completed' });
      m.ended(c);
    }
    const lines = m.take().calls.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.setupMs, l.slipMs])).toEqual([[0.3, 0], [4.5, 4]]);
  });

  it('calls left at the drain bound: answered ones drain_timeout, the others aborted', () => {
    const m = new IntervalCollector(T0, 0);
    m.unfinished(call({ index: 0, answeredAt: T0 + 5, finalCode: 200, gotResponse: true }));
    m.unfinished(call({ index: 1 }));
    const d = m.take();
    const c = countersOf(d);
    expect([c.aborted, c.noResponse]).toEqual([1, 1]);
    expect(c.failuresByCause).toEqual({ drain_timeout: 1 });
  });
});
