/**
 * Building blocks of the scenario schema that every layer's own schema fragment uses (the
 * load models', the scenario's): zod leaves whose every error reads "expected X, got Y",
 * numbers with bounds, and durations with units (util/duration.ts).
 */
import { z } from 'zod';
import { DURATION_EXAMPLES, DURATION_PATTERN, expectedGot, tryParseDurationMs } from './duration.js';

export type Issue = { input?: unknown; code?: string };
export type ErrorFn = (iss: Issue) => string;

/** Error map producing `expected <what>, got <input>[ (<hint>)]`. */
export function expect(what: string, hint?: (input: unknown) => string | undefined): ErrorFn {
  return (iss) => expectedGot(what, iss.input, hint?.(iss.input));
}

export function durationMessage(input: unknown, positive: boolean): string {
  const r = tryParseDurationMs(input);
  if (!r.ok) return expectedGot(r.expected, input, r.hint);
  if (positive && r.ms <= 0) return expectedGot('a duration > 0', input);
  return expectedGot(`a duration such as ${DURATION_EXAMPLES}`, input);
}

export function numberSchema(o: { int?: boolean; min?: number; gt?: number; max?: number; what?: string }) {
  let desc = o.what ?? (o.int ? 'a whole number' : 'a number');
  if (o.min !== undefined && o.max !== undefined) desc += ` between ${o.min} and ${o.max}`;
  else if (o.min !== undefined) desc += ` >= ${o.min}`;
  else if (o.gt !== undefined) desc += ` > ${o.gt}`;
  const error = expect(desc);
  let s = z.number({ error });
  if (o.int) s = s.int({ error });
  if (o.min !== undefined) s = s.min(o.min, { error });
  if (o.gt !== undefined) s = s.gt(o.gt, { error });
  if (o.max !== undefined) s = s.max(o.max, { error });
  return s;
}

/** Like DURATION_PATTERN, but at least one non-zero digit and no bare 0. */
const POSITIVE_DURATION_PATTERN = '^(?=.*[1-9])(?:\\d+(?:\\.\\d+)?(?:ms|h|m|s))+$';

function durationSchema(positive: boolean) {
  const error: ErrorFn = (iss) => durationMessage(iss.input, positive);
  // abort: a string that misses the pattern must fail the union as a whole
  // (one message from `error`), not pass it as "the string branch, with an issue".
  const base = positive
    ? z.string({ error }).regex(new RegExp(POSITIVE_DURATION_PATTERN), { error, abort: true })
    : z.union([z.string().regex(new RegExp(DURATION_PATTERN), { error, abort: true }), z.literal(0)], { error });
  // The pattern accepts "30s1m"; the parser does not (largest unit first).
  return base.superRefine((v, ctx) => {
    const r = tryParseDurationMs(v);
    if (!r.ok || (positive && r.ms <= 0)) ctx.addIssue({ code: 'custom', message: durationMessage(v, positive), input: v });
  });
}

/** A duration >= 0: "250ms", "20s", "1.5s", "2m", "1h", "1m30s", or 0. */
export const DurationSchema = durationSchema(false).meta({
  id: 'duration',
  description: `A duration with a unit: ${DURATION_EXAMPLES} (ms, s, m, h; largest unit first). Bare numbers other than 0 are not allowed.`,
});
/** A duration > 0. */
export const PositiveDurationSchema = durationSchema(true).meta({
  id: 'positiveDuration',
  description: `A duration > 0 with a unit: ${DURATION_EXAMPLES} (ms, s, m, h; largest unit first).`,
});
