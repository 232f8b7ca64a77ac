/**
 * The time source of a schedule: monotonic milliseconds and one-shot timers. Injected so the
 * rules built on it (arrival catch-up, slots, drains) can be tested on fake time.
 */
export interface Clock {
  /** Monotonic ms (performance.now() scale). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
