/**
 * Execution segments, as k6's: a segment is a rational range (from, to] of [0, 1] of ONE
 * shared schedule, and segments nest — a machine's share of a run, then a worker's share of
 * that machine's — so any number of generators, each with any number of workers, together
 * produce exactly the single-generator load.
 *
 * A segment is the path of its levels. Each level is a position in a sequence of boundaries
 * 0 = b0 < b1 < … < bk = 1 (its siblings: k6's execution-segment sequence). Striping: with D the
 * common denominator of a level's boundaries, every run of D consecutive indexes gives segment j
 * exactly D·(b(j+1) − bj) of them, spread by largest deficit (at each index the segment furthest
 * behind its due share takes it; ties to the earlier one), so equal parts of n stripe as index
 * mod n. A nested level stripes the ranks of its parent's indexes.
 *
 * From that one rule: call index n belongs to exactly one segment (`ownsIndex`); a segment's
 * share of T channels is how many of the indexes 0 … T−1 it owns (`shareOf`), so shares sum to T
 * exactly and never drop while T rises; `nthIndex` lists a segment's indexes in order.
 */

/** A rational number, reduced, den > 0. */
export interface Fraction {
  num: number;
  den: number;
}

export interface SegmentLevel {
  /** 0 = first < … < last = 1, reduced fractions: the sequence this level's segment is part of. */
  boundaries: readonly Fraction[];
  /** This segment is (boundaries[position], boundaries[position + 1]]. */
  position: number;
}

/** Plain data (it crosses the worker MessagePort); the whole schedule has no levels. */
export interface Segment {
  levels: readonly SegmentLevel[];
}

/** The whole schedule, for a single worker. */
export const WHOLE: Segment = Object.freeze({ levels: Object.freeze([]) as readonly SegmentLevel[] });

/** A level's stripe is built once, in cycle × segments steps: both stay small. */
const MAX_CYCLE = 1_000_000;
const MAX_STRIPE_STEPS = 20_000_000;

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

export function fraction(num: number, den: number): Fraction {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || den <= 0) throw new RangeError(`invalid fraction ${num}/${den}`);
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

const cmp = (a: Fraction, b: Fraction): number => a.num * b.den - b.num * a.den;
const sub = (a: Fraction, b: Fraction): Fraction => fraction(a.num * b.den - b.num * a.den, a.den * b.den);
const mul = (a: Fraction, b: Fraction): Fraction => fraction(a.num * b.num, a.den * b.den);
const add = (a: Fraction, b: Fraction): Fraction => fraction(a.num * b.den + b.num * a.den, a.den * b.den);
export const formatFraction = (f: Fraction): string => (f.den === 1 ? String(f.num) : `${f.num}/${f.den}`);

/** Parses "3/8", "0.25" is not accepted: segments are exact. */
export function parseFraction(text: string): Fraction {
  const m = /^\s*(\d+)\s*(?:\/\s*(\d+))?\s*$/.exec(text);
  if (m === null) throw new RangeError(`invalid fraction "${text}": expected an integer or n/d`);
  return fraction(Number(m[1]), m[2] === undefined ? 1 : Number(m[2]));
}

/** Segment `position` of a sequence of boundaries (0 … 1, strictly increasing). */
export function segmentOf(boundaries: readonly Fraction[], position: number): Segment {
  const level: SegmentLevel = { boundaries: boundaries.map((b) => fraction(b.num, b.den)), position };
  assertLevel(level);
  return { levels: [level] };
}

/** Part `index` of `count` equal parts: (index/count, (index+1)/count]. */
export function equalPart(index: number, count: number): Segment {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`invalid segment ${index}/${count}`);
  }
  if (count === 1) return WHOLE;
  return segmentOf(Array.from({ length: count + 1 }, (_, k) => fraction(k, count)), index);
}

/** `inner`, a segment of `outer`'s share (a worker of a machine's segment), as a segment of the whole. */
export function nest(outer: Segment, inner: Segment): Segment {
  return { levels: [...outer.levels, ...inner.levels] };
}

export function assertSegment(seg: Segment): void {
  for (const level of seg.levels) assertLevel(level);
}

function assertLevel(level: SegmentLevel): void {
  const b = level.boundaries;
  const bad = (why: string) => new RangeError(`invalid segment sequence ${b.map(formatFraction).join(',')}: ${why}`);
  if (b.length < 2 || cmp(b[0], fraction(0, 1)) !== 0 || cmp(b[b.length - 1], fraction(1, 1)) !== 0) throw bad('must run from 0 to 1');
  for (let k = 1; k < b.length; k++) if (cmp(b[k - 1], b[k]) >= 0) throw bad('must be strictly increasing');
  if (!Number.isInteger(level.position) || level.position < 0 || level.position >= b.length - 1) throw bad(`no segment ${level.position}`);
  const cycle = cycleOf(b);
  if (cycle > MAX_CYCLE || cycle * (b.length - 1) > MAX_STRIPE_STEPS) throw bad(`common denominator ${cycle} too large`);
}

const cycleOf = (b: readonly Fraction[]): number => b.reduce((d, f) => (d / gcd(d, f.den)) * f.den, 1);

/** The segment's range of the whole, (from, to]. */
export function segmentRange(seg: Segment): { from: Fraction; to: Fraction } {
  let from = fraction(0, 1);
  let width = fraction(1, 1);
  for (const { boundaries: b, position: p } of seg.levels) {
    from = add(from, mul(width, b[p]));
    width = mul(width, sub(b[p + 1], b[p]));
  }
  return { from, to: add(from, width) };
}

/** The segment's fraction of the load, e.g. 0.25 for (1/4, 1/2]. */
export function segmentLength(seg: Segment): number {
  const { from, to } = segmentRange(seg);
  const w = sub(to, from);
  return w.num / w.den;
}

/** "(1/4, 1/2]", or "whole" for the whole schedule. */
export function describeSegment(seg: Segment): string {
  if (seg.levels.length === 0) return 'whole';
  const { from, to } = segmentRange(seg);
  return `(${formatFraction(from)}, ${formatFraction(to)}]`;
}

/** A level's stripe: per cycle of `cycle` indexes, the offsets this segment owns, in order. */
interface Stripe {
  cycle: number;
  offsets: Int32Array;
  /** offset → its rank among `offsets`, or −1. */
  rankAt: Int32Array;
}

const stripes = new WeakMap<SegmentLevel, Stripe>();

function stripeOf(level: SegmentLevel): Stripe {
  let s = stripes.get(level);
  if (s === undefined) {
    s = buildStripe(level);
    stripes.set(level, s);
  }
  return s;
}

function buildStripe({ boundaries: b, position }: SegmentLevel): Stripe {
  const cycle = cycleOf(b);
  const counts = b.slice(1).map((f, j) => ((f.num * cycle) / f.den) - ((b[j].num * cycle) / b[j].den));
  const given = new Array<number>(counts.length).fill(0);
  const mine: number[] = [];
  const rankAt = new Int32Array(cycle).fill(-1);
  for (let r = 1; r <= cycle; r++) {
    // Deficit of segment j after r indexes, in units of 1/cycle: r·count_j − cycle·given_j (exact integers).
    let best = 0;
    let bestDeficit = -Infinity;
    for (let j = 0; j < counts.length; j++) {
      const d = r * counts[j] - cycle * given[j];
      if (d > bestDeficit) {
        bestDeficit = d;
        best = j;
      }
    }
    given[best]++;
    if (best === position) {
      rankAt[r - 1] = mine.length;
      mine.push(r - 1);
    }
  }
  return { cycle, offsets: Int32Array.from(mine), rankAt };
}

/** True when global index n belongs to this segment. */
export function ownsIndex(n: number, seg: Segment): boolean {
  let k = n;
  for (const level of seg.levels) {
    const s = stripeOf(level);
    const rank = s.rankAt[k % s.cycle];
    if (rank < 0) return false;
    k = Math.floor(k / s.cycle) * s.offsets.length + rank;
  }
  return true;
}

/**
 * This segment's part of `total` (channels, a cap): how many of the indexes 0 … floor(total) − 1 it
 * owns. The shares of a sequence's segments add up to floor(total) exactly, and a share never
 * drops while the total rises (a ramp up never takes a channel from a worker).
 */
export function shareOf(total: number, seg: Segment): number {
  if (!(total > 0)) return 0;
  let t = Math.floor(total);
  for (const level of seg.levels) {
    const s = stripeOf(level);
    const rest = t % s.cycle;
    // Offsets below `rest`, by binary search (a cycle can be long).
    let lo = 0;
    let hi = s.offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s.offsets[mid] < rest) lo = mid + 1;
      else hi = mid;
    }
    t = Math.floor(t / s.cycle) * s.offsets.length + lo;
  }
  return t;
}

/** The segment's j-th index (0-based), in increasing order. */
export function nthIndex(j: number, seg: Segment): number {
  let k = j;
  for (let l = seg.levels.length - 1; l >= 0; l--) {
    const s = stripeOf(seg.levels[l]);
    const per = s.offsets.length;
    k = Math.floor(k / per) * s.cycle + s.offsets[k % per];
  }
  return k;
}
