/**
 * Execution segments (as in k6): worker `index` of `count` owns the slice
 * [index/count, (index+1)/count) of ONE shared schedule, so the workers
 * together produce exactly the single-worker load, with no rounding drift.
 */

export interface Segment {
  /** 0-based worker number, 0 <= index < count. */
  index: number;
  /** Number of workers sharing the schedule, >= 1. */
  count: number;
}

export function assertSegment(seg: Segment): void {
  if (!Number.isInteger(seg.count) || seg.count < 1 || !Number.isInteger(seg.index) || seg.index < 0 || seg.index >= seg.count) {
    throw new RangeError(`invalid segment ${seg.index}/${seg.count}`);
  }
}

/** The whole schedule, for a single worker. */
export const WHOLE: Segment = Object.freeze({ index: 0, count: 1 });

/**
 * This segment's part of `total` (channels, calls): floor(total·(i+1)/n) − floor(total·i/n).
 * The sum telescopes, so the shares of all n segments add up to floor(total) exactly.
 * Note that a share is not monotonic in total (5 workers: worker 2 holds 1 of 2 but 0 of 3).
 */
export function shareOf(total: number, seg: Segment): number {
  if (!(total > 0)) return 0;
  const { index: i, count: n } = seg;
  // The end points are taken exactly: total·n/n can be off by an ulp in floats.
  const hi = i + 1 === n ? Math.floor(total) : Math.floor((total * (i + 1)) / n);
  const lo = i === 0 ? 0 : Math.floor((total * i) / n);
  return hi - lo;
}

/** Striping of call indexes: call n belongs to this segment when n mod count === index. */
export function ownsIndex(n: number, seg: Segment): boolean {
  return n % seg.count === seg.index;
}
