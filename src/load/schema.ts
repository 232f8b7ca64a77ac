/**
 * The `load:` fields every load model shares (the stages, the graceful stop) and the stage
 * leaf HTTP flows reuse; each model adds its own fields in its module (models/*.ts), and
 * models/registry.ts assembles the `load:` schema from them.
 */
import { z } from 'zod';
import { DurationSchema, expect, numberSchema } from '../util/schema-fields.js';
import { tryParseDurationMs } from '../util/duration.js';
import { errors } from '../errors.js';
import type { Stage } from './types.js';
import type { SharedLoadInput } from './models/types.js';

export const LOAD_DEFAULTS = { gracefulStop: '30s' } as const;

export const StageSchema = z.strictObject(
  {
    // 0 is a step: the load jumps to `target` (e.g. `--ramp 0`).
    duration: DurationSchema,
    target: numberSchema({ min: 0 }).meta({ description: 'Calls per second (model: open) or concurrent calls (model: closed) reached at the end of the stage.' }),
  },
  { error: expect('a stage { duration, target }') },
);

export const StagesSchema = z
  .array(StageSchema, { error: expect('a list of stages [{ duration, target }, ...]') })
  .min(1, { error: expect('at least one stage { duration, target }') });

/** Shared by every model (stages only where the model takes them). */
export const SHARED_LOAD_FIELDS = {
  gracefulStop: DurationSchema.optional().meta({
    description:
      'After the last stage, how long calls still up may run to the end of their own hold (no new calls start); ' +
      'calls still up then are hung up and counted cut_at_end. 0s hangs up every call at the end of the last stage.',
    default: LOAD_DEFAULTS.gracefulStop,
  }),
  stages: StagesSchema.optional().meta({
    description: 'Models closed and open (required there): each stage moves the load linearly from the previous target (0 at start) to its target over its duration.',
  }),
};

/** A duration that passed the schema, in ms. */
export function durationMs(v: string | number): number {
  const r = tryParseDurationMs(v);
  if (!r.ok) throw errors.internal(`duration ${JSON.stringify(v)} passed validation but does not parse`);
  return r.ms;
}

/** `load.stages` as the engine runs them (none: []). */
export function normalizeStages(stages: SharedLoadInput['stages']): Stage[] {
  return (stages ?? []).map((s) => ({ durationMs: durationMs(s.duration), target: s.target }));
}
