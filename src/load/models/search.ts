/**
 * `load.model: search` as a load model: a capacity search is a closed model over stages it
 * generates (load/search.ts: ramp to each level, hold it), so its plan is the closed one and
 * the main thread judges each step (verdict/search-steps.ts).
 */
import { PositiveDurationSchema, DurationSchema, numberSchema } from '../../util/schema-fields.js';
import { expectedGot } from '../../util/duration.js';
import { LOAD_DEFAULTS, durationMs, normalizeStages } from '../schema.js';
import { describeSearch, searchStages } from '../search.js';
import type { SearchSpec } from '../types.js';
import { closedExecutor, describe as describeClosed } from './closed.js';
import type { LoadModel, LoadProblem, SharedLoadInput } from './types.js';

export const SEARCH_DEFAULTS = { ramp: '10s' } as const;

export const SEARCH_FIELDS = {
  start: numberSchema({ int: true, min: 1 }).optional().meta({ description: 'Search only (required): the first level, in concurrent channels.' }),
  step: numberSchema({ int: true, min: 1 }).optional().meta({ description: 'Search only (required): channels added at each step.' }),
  stepDuration: PositiveDurationSchema.optional().meta({ description: 'Search only (required): how long each level is held and judged.' }),
  ramp: DurationSchema.optional().meta({ description: 'Search only: ramp to each level (the first from 0).', default: SEARCH_DEFAULTS.ramp }),
  ceiling: numberSchema({ int: true, min: 1 })
    .optional()
    .meta({ description: 'Search only (required): the highest level offered (levels are start + k·step <= ceiling).' }),
  require: numberSchema({ int: true, min: 1 })
    .optional()
    .meta({ description: 'Search only: the verdict is passed only when the certified capacity is at least this (default: any passing step).' }),
};

type SearchInput = SharedLoadInput & {
  start?: number; step?: number; stepDuration?: string; ramp?: string | 0; ceiling?: number; require?: number;
};

/** The search's spec, or null while a required field is missing (validate reports it). */
function specOf(l: SearchInput): SearchSpec | null {
  if (l.start === undefined || l.step === undefined || l.stepDuration === undefined || l.ceiling === undefined) return null;
  return {
    start: l.start,
    step: l.step,
    stepDurationMs: durationMs(l.stepDuration),
    rampMs: durationMs(l.ramp ?? SEARCH_DEFAULTS.ramp),
    ceiling: l.ceiling,
    require: l.require ?? null,
  };
}

export const searchModel: LoadModel<SearchInput> = {
  type: 'search',
  summary: 'search: hold start, start+step, ... channels (closed model) until a step fails the criteria or the ceiling is passed',
  fields: SEARCH_FIELDS,
  takesStages: false,
  refuses: {
    stages: 'the steps are generated from start, step, stepDuration and ceiling',
    arrivals: 'a search holds channels (closed model)',
    maxConcurrency: 'the levels are the concurrency',
  },
  validate: (l, _spec, ctx) => {
    const out: LoadProblem[] = [];
    for (const f of ['start', 'step', 'stepDuration', 'ceiling'] as const) {
      if (l[f] === undefined) {
        out.push({ path: ['load', f], message: expectedGot(`load.${f} with model: search (e.g. start: 1000, step: 200, stepDuration: 2m, ceiling: 2000)`, undefined) });
      }
    }
    if (l.start !== undefined && l.ceiling !== undefined && l.ceiling < l.start) {
      out.push({ path: ['load', 'ceiling'], message: expectedGot(`a ceiling >= start (${l.start})`, l.ceiling) });
    }
    if (l.require !== undefined && l.ceiling !== undefined && l.require > l.ceiling) {
      out.push({ path: ['load', 'require'], message: expectedGot(`at most the ceiling (${l.ceiling}): no higher level is offered`, l.require) });
    }
    for (const c of ctx.criteria) {
      if (c.abortOnFail) {
        out.push({ path: ['criteria', c.name], message: expectedGot('no abortOnFail with model: search (the first failing step already stops the search)', c.source) });
      }
      if (c.metric === 'concurrency_sustained' && c.threshold > 1) {
        out.push({ path: ['criteria', c.metric], message: expectedGot('with model: search, a share of each step level between 0 and 1 (e.g. ">=0.99")', c.source) });
      }
    }
    return out;
  },
  normalize: (l) => {
    const gracefulStopMs = durationMs(l.gracefulStop ?? LOAD_DEFAULTS.gracefulStop);
    const search = specOf(l);
    return search === null
      ? { model: 'closed', stages: normalizeStages(l.stages), gracefulStopMs }
      : { model: 'closed', stages: searchStages(search), search, gracefulStopMs };
  },
  describe: (spec) => (spec.model === 'closed' && spec.search !== undefined ? describeSearch(spec.search) : describeClosed(spec)),
  plan: closedExecutor,
};
