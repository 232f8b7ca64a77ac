/** The issues a scenario object's validation lists (CallcertError details.issues), for tests of a section's errors. */
import { isCallcertError, type CallcertError } from '../../src/errors.js';
import { scenarioFromObject } from '../../src/scenario/load.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawScenario = Record<string, any>;

/** `base()` mutated by `mutate`, loaded as x.yaml: the issues it was refused with (throws when it loads). */
export function scenarioIssues(base: () => RawScenario, mutate: (o: RawScenario) => void): string[] {
  const o = base();
  mutate(o);
  try {
    scenarioFromObject(o, 'x.yaml');
  } catch (e) {
    if (isCallcertError(e)) return (e as CallcertError).details.issues as string[];
    throw e;
  }
  throw new Error('expected a scenario error');
}
