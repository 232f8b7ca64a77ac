/**
 * The load models by type, and the `load:` schema assembled from them: the shared fields
 * (load/schema.ts), then each model's own. Checks common to all models live here too: stages
 * given where a model takes them, and no field of another model.
 */
import { z } from 'zod';
import { expectedGot } from '../../util/duration.js';
import { expect } from '../../util/schema-fields.js';
import { SHARED_LOAD_FIELDS } from '../schema.js';
import type { LoadSpec } from '../types.js';
import { closedModel } from './closed.js';
import { OPEN_FIELDS, openModel } from './open.js';
import { SEARCH_FIELDS, searchModel } from './search.js';
import type { LoadCheckContext, LoadModel, LoadProblem } from './types.js';

/** In this order in the schema's model list and its fields. */
export const LOAD_MODELS: readonly LoadModel[] = [closedModel, openModel, searchModel] as readonly LoadModel[];

export type LoadModelType = LoadModel['type'];

export function loadModel(type: string): LoadModel {
  const m = LOAD_MODELS.find((x) => x.type === type);
  if (m === undefined) throw new TypeError(`no load model ${type}`);
  return m;
}

const TYPES = LOAD_MODELS.map((m) => m.type) as [LoadModelType, ...LoadModelType[]];

export const LoadSchema = z
  .strictObject(
    {
      model: z
        .enum(TYPES, {
          error: expect('closed (stage targets are concurrent calls), open (stage targets are calls per second) or search (stepped capacity search)'),
        })
        .meta({ description: LOAD_MODELS.map((m) => m.summary).join('; ') + '.' }),
      // Each model's own fields, spelled out so the input type is inferred (a test checks they are LOAD_MODELS' fields),
      // in the order messages ("valid keys in load: …") and the JSON schema have always listed them.
      ...OPEN_FIELDS,
      ...SHARED_LOAD_FIELDS,
      ...SEARCH_FIELDS,
    },
    { error: expect('a mapping with model and stages') },
  )
  .meta({ description: 'How much load, and its shape over time.' });

/** The `load:` mapping once the schema passed it: the shared fields, and any model's. */
export type LoadInput = z.infer<typeof LoadSchema>;

/** Every model field, with the model it belongs to. */
const OWNER = new Map(LOAD_MODELS.flatMap((m) => Object.keys(m.fields).map((f) => [f, m.type] as const)));

/** All problems of a `load:` mapping at once: the shared rules, then the model's own. */
export function loadProblems(load: LoadInput & Record<string, unknown>, spec: LoadSpec, ctx: LoadCheckContext): LoadProblem[] {
  const model = loadModel(load.model);
  const out: LoadProblem[] = [];
  if (model.takesStages && load.stages === undefined) {
    out.push({ path: ['load', 'stages'], message: expectedGot('a list of stages [{ duration, target }, ...]', undefined) });
  }
  const foreign = [...(model.takesStages ? [] : ['stages']), ...OWNER.keys()].filter((f) => !(f in model.fields));
  for (const f of foreign) {
    const v = load[f];
    if (v === undefined || v === null) continue; // null is the explicit "none"
    const why = model.refuses[f] ?? `it belongs to model: ${OWNER.get(f) ?? 'closed, open'}`;
    out.push({ path: ['load', f], message: expectedGot(`no ${f} with model: ${model.type} (${why})`, v) });
  }
  return [...out, ...model.validate(load, spec, ctx)];
}

export const normalizeLoad = (load: LoadInput): LoadSpec => loadModel(load.model).normalize(load);

/** One line for humans; a search is normalised to a closed spec that carries it. */
export function describeLoad(spec: LoadSpec): string {
  return (spec.model === 'closed' && spec.search !== undefined ? searchModel : loadModel(spec.model)).describe(spec);
}
