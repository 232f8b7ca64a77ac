/**
 * The time source of a schedule: monotonic milliseconds and one-shot timers. Injected so the
 * rules built on it (arrival catch-up, slots, drains) can be tested on fake time.
 */
export interface Clock {
  /** Monotonic ms (performance.now() scale). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  /** `fn(arg)` after `ms`: one bound handler for many timers instead of a closure per timer (the hot path). */
  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setTimeoutWith: (fn, ms, arg) => setTimeout(fn, ms, arg),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
