/** The load models as modules: the registry's schema is exactly their fields, and the shared rules apply to each. */
import { describe, expect, it } from 'vitest';
import { LOAD_MODELS, LoadSchema, describeLoad, loadModel, loadProblems, normalizeLoad } from '../../src/load/models/registry.js';
import { SHARED_LOAD_FIELDS } from '../../src/load/schema.js';

const ctx = { criteria: [] };

describe('load model registry', () => {
  it("the load schema's fields are model, the shared ones and exactly each model's own", () => {
    const own = LOAD_MODELS.flatMap((m) => Object.keys(m.fields));
    expect(new Set(own).size).toBe(own.length); // no field claimed by two models
    expect(Object.keys(LoadSchema.shape).sort()).toEqual(['model', ...Object.keys(SHARED_LOAD_FIELDS), ...own].sort());
    expect(LoadSchema.shape.model.options).toEqual(LOAD_MODELS.map((m) => m.type));
  });

  it('normalises each model to the spec the engine runs, and describes it', () => {
    const stages = [{ duration: '10s', target: 100 }, { duration: '1m', target: 100 }];
    const open = normalizeLoad({ model: 'open', stages, arrivals: 'poisson' });
    expect(open).toEqual({
      model: 'open', arrivals: 'poisson', maxConcurrency: null, gracefulStopMs: 30_000,
      stages: [{ durationMs: 10_000, target: 100 }, { durationMs: 60_000, target: 100 }],
    });
    expect(describeLoad(open)).toBe('open model (poisson arrivals): 0→100 cps over 10 s, hold 100 cps for 60 s');
    const closed = normalizeLoad({ model: 'closed', stages, gracefulStop: '5s' });
    expect(closed).toEqual({ model: 'closed', gracefulStopMs: 5000, stages: [{ durationMs: 10_000, target: 100 }, { durationMs: 60_000, target: 100 }] });
    const search = normalizeLoad({ model: 'search', start: 100, step: 50, stepDuration: '30s', ceiling: 200 });
    expect(search.model).toBe('closed');
    expect(search.stages.map((s) => s.target)).toEqual([100, 100, 150, 150, 200, 200]);
    expect(describeLoad(search)).toMatch(/^capacity search: 100, 150, 200 channels/);
    expect(loadModel('search').plan).toBe(loadModel('closed').plan);
  });

  it("refuses another model's fields, naming why, and asks for stages where a model takes them", () => {
    const problems = (load: Record<string, unknown>) =>
      loadProblems(load as never, normalizeLoad(load as never), ctx).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(problems({ model: 'closed', stages: [{ duration: '1s', target: 2 }], arrivals: 'poisson', start: 5 })).toEqual([
      'load.arrivals: expected no arrivals with model: closed (arrivals pace the call starts of model: open), got "poisson"',
      'load.start: expected no start with model: closed (it belongs to model: search), got 5',
    ]);
    expect(problems({ model: 'open' })).toEqual(['load.stages: expected a list of stages [{ duration, target }, ...], got nothing']);
    expect(problems({ model: 'search', start: 10, step: 1, stepDuration: '1s', ceiling: 20, stages: [] })).toEqual([
      'load.stages: expected no stages with model: search (the steps are generated from start, step, stepDuration and ceiling), got an empty list',
    ]);
    expect(problems({ model: 'closed', stages: [{ duration: '1s', target: 2.5 }] })).toEqual([
      'load.stages.0.target: expected a whole number of concurrent calls with model: closed, got 2.5',
    ]);
  });
});
