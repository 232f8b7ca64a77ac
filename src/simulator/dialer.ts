/**
 * The embedded call centre's dialer rules (scenario `embedded.dialer`): what its CTI API's
 * originate does with a call that would break an outbound limit of its line (the request's
 * `from`). Per line it keeps the times its calls were (or will be) placed:
 *
 * - outside the calling window → refused, 403 `outside-window`;
 * - over the daily cap (calendar day in `tz`) → refused, 429 `daily-cap`;
 * - sooner than `minIntervalMs` after the line's last call → `mode: refuse`: 429 `min-interval`
 *   with Retry-After; `mode: pace`: accepted and placed once the interval has passed (the calls
 *   of one line queue behind each other);
 * - `violate: true`: every call placed at once, no rule applied (a non-compliant dialer).
 *
 * Pure apart from the clock it is given (epoch ms), so it is unit-tested without timers.
 */
import type { DialerLimitsSpec } from '../scenario/outbound-rules.js';
import { inWindow, localDayMinute } from '../util/local-time.js';

export type DialerDecision =
  | { kind: 'place'; delayMs: number }
  | { kind: 'refuse'; status: 403 | 429; rule: 'outside-window' | 'daily-cap' | 'min-interval'; detail: string; retryAfterS: number | null };

interface LineState {
  /** When the line's latest call was (or is scheduled to be) placed, epoch ms. */
  last: number;
  day: string;
  count: number;
}

export class DialerLimits {
  private readonly lines = new Map<string, LineState>();
  readonly counters = { placed: 0, paced: 0, refused: {} as Record<string, number> };

  constructor(private readonly spec: DialerLimitsSpec) {}

  /** Decides one originate on `line` at `now` (epoch ms) and, when placed, books it. */
  decide(line: string, now: number): DialerDecision {
    const s = this.spec;
    if (s.violate) {
      this.counters.placed++;
      return { kind: 'place', delayMs: 0 };
    }
    const { day } = localDayMinute(now, s.tz);
    if (s.window !== null && !inWindow(localDayMinute(now, s.window.tz).minute, s.window)) {
      return this.refuse({ kind: 'refuse', status: 403, rule: 'outside-window', detail: `line ${line}: calls are allowed from ${s.window.from} to ${s.window.to} (${s.window.tz}) only`, retryAfterS: null });
    }
    let st = this.lines.get(line);
    if (st !== undefined && st.day !== day) st = { ...st, day, count: 0 };
    const count = st?.count ?? 0;
    if (s.maxPerLinePerDay !== null && count >= s.maxPerLinePerDay) {
      return this.refuse({ kind: 'refuse', status: 429, rule: 'daily-cap', detail: `line ${line}: ${count} calls today (${day}, ${s.tz}); the cap is ${s.maxPerLinePerDay} a day`, retryAfterS: null });
    }
    let at = now;
    if (s.minIntervalMs !== null && st !== undefined && now - st.last < s.minIntervalMs) {
      const wait = st.last + s.minIntervalMs - now;
      if (s.mode === 'refuse') {
        return this.refuse({
          kind: 'refuse', status: 429, rule: 'min-interval',
          detail: `line ${line}: its last call was ${Math.round(now - st.last)} ms ago; at least ${s.minIntervalMs} ms must pass between two calls of one line`,
          retryAfterS: Math.max(1, Math.ceil(wait / 1000)),
        });
      }
      at = now + wait;
      this.counters.paced++;
    }
    this.lines.set(line, { last: at, day, count: count + 1 });
    this.counters.placed++;
    return { kind: 'place', delayMs: at - now };
  }

  private refuse(d: Extract<DialerDecision, { kind: 'refuse' }>): DialerDecision {
    this.counters.refused[d.rule] = (this.counters.refused[d.rule] ?? 0) + 1;
    return d;
  }
}
