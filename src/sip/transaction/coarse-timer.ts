/**
 * One shared coarse timer for the long RFC 3261 timeouts (B, F, H: 32 s; ring
 * timeouts of tens of seconds). Arming a native timer per call for these would
 * cost a Timeout object each and almost none of them ever fire; a bucket per
 * tick costs a Set insertion. Resolution is `tickMs`: fine for 32 s deadlines.
 */
export class CoarseTimer<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private interval: NodeJS.Timeout | null = null;
  private lastTick: number;

  constructor(
    private readonly tickMs: number,
    private readonly onExpire: (item: T) => void,
    private readonly now: () => number,
  ) {
    this.lastTick = Math.floor(now() / tickMs);
  }

  /** Returns the slot to pass to remove(). */
  add(item: T, delayMs: number): number {
    const slot = Math.ceil((this.now() + delayMs) / this.tickMs);
    let bucket = this.buckets.get(slot);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(slot, bucket);
    }
    bucket.add(item);
    if (this.interval === null) this.start();
    return slot;
  }

  remove(item: T, slot: number): void {
    if (slot < 0) return;
    const bucket = this.buckets.get(slot);
    if (bucket !== undefined) {
      bucket.delete(item);
      if (bucket.size === 0) this.buckets.delete(slot);
    }
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }

  private start(): void {
    this.lastTick = Math.floor(this.now() / this.tickMs);
    this.interval = setInterval(() => this.tick(), this.tickMs);
    this.interval.unref();
  }

  /** Fires every bucket whose slot has passed, oldest first. */
  tick(): void {
    const current = Math.floor(this.now() / this.tickMs);
    for (let slot = this.lastTick; slot <= current; slot++) {
      const bucket = this.buckets.get(slot);
      if (bucket === undefined) continue;
      this.buckets.delete(slot);
      for (const item of bucket) this.onExpire(item);
    }
    this.lastTick = current + 1;
    if (this.buckets.size === 0 && this.interval !== null) {
      clearInterval(this.interval);
      this.interval = null;
    }
  }

  stop(): void {
    if (this.interval !== null) clearInterval(this.interval);
    this.interval = null;
    this.buckets.clear();
  }
}
