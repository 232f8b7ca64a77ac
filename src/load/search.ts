/**
 * Capacity search (`load.model: search`): a stepped closed model. The levels
 * are start, start+step, ... up to the ceiling; each is reached by a linear
 * ramp (the first from 0) and then held for stepDuration:
 *
 *   channels
 *   1400 |                         ____________
 *   1200 |           ____________ /
 *   1000 |  ________/
 *        | /
 *        +-ramp-hold-ramp--hold---ramp--hold----> t
 *
 * The workers run the generated stages with the closed executor; the main
 * thread judges each step on its hold window (verdict/search-steps.ts), so the
 * windows are known before the run starts. Data arrive in whole-second
 * intervals: a step is judged on the intervals that lie wholly inside its hold.
 *
 * scenario/load.ts calls searchStages when it normalises `load.model: search`,
 * so the frozen Scenario carries the stages every other part (workers, reports,
 * sustained-concurrency windows) already reads.
 */
import type { SearchSpec, Stage } from './types.js';

export interface SearchStepWindow {
  /** Channels held in this step. */
  level: number;
  /** Start of the ramp to this level (ms after run start). */
  rampStartMs: number;
  /** The hold: the window the step is judged on, [holdStartMs, endMs). */
  holdStartMs: number;
  endMs: number;
}

/** The levels offered: start + k·step for every k with a level <= ceiling (at least the start). */
export function searchLevels(s: Pick<SearchSpec, 'start' | 'step' | 'ceiling'>): number[] {
  const out: number[] = [];
  for (let level = s.start; level <= s.ceiling; level += s.step) out.push(level);
  return out;
}

/** The closed-model stages of a search: per level, a ramp stage then a hold stage. */
export function searchStages(s: SearchSpec): Stage[] {
  return searchLevels(s).flatMap((level) => [
    { durationMs: s.rampMs, target: level },
    { durationMs: s.stepDurationMs, target: level },
  ]);
}

/** Each step's ramp and hold windows, in run time. */
export function searchStepWindows(s: SearchSpec): SearchStepWindow[] {
  let t = 0;
  return searchLevels(s).map((level) => {
    const w = { level, rampStartMs: t, holdStartMs: t + s.rampMs, endMs: t + s.rampMs + s.stepDurationMs };
    t = w.endMs;
    return w;
  });
}

/** The whole-second report intervals (seq covers [seq·1000, seq·1000+1000) ms) wholly inside [fromMs, toMs). */
export function intervalsWithin(fromMs: number, toMs: number): { firstSeq: number; endSeq: number } {
  return { firstSeq: Math.ceil(fromMs / 1000), endSeq: Math.floor(toMs / 1000) };
}

export function describeSearch(s: SearchSpec): string {
  const levels = searchLevels(s);
  const secs = (ms: number) => `${ms / 1000} s`;
  return (
    `capacity search: ${levels.join(', ')} channels (ramp ${secs(s.rampMs)}, hold ${secs(s.stepDurationMs)} each), ` +
    `stop at the first step failing the criteria${s.require !== null ? `; passes when >= ${s.require} is certified` : ''}`
  );
}
