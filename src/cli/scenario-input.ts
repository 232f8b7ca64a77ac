/**
 * Turns `callcert run [FILE] [flags]` into one validated Scenario: the file (or
 * nothing), then the load/target flags on top, then every --set override, then
 * validation — so errors name the file or "command line" and the field.
 */
import path from 'node:path';
import { buildScenarioFromFlags, readScenarioRaw, scenarioFromObject, type ScenarioFlags } from '../scenario/load.js';
import { parseDurationMs } from '../util/duration.js';
import type { Scenario } from '../scenario/types.js';
import { errors } from '../errors.js';
import type { RunFlags } from './commands/run.js';

function flagMs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDurationMs(value, flag);
  } catch (e) {
    throw errors.usage(`${flag}: ${(e as Error).message.replace(/^[^:]*: /, '')}`);
  }
}

export function scenarioFlags(flags: RunFlags): ScenarioFlags {
  return {
    target: flags.target,
    rate: flags.rate,
    concurrency: flags.concurrency,
    holdMs: flagMs(flags.hold, '--hold'),
    rampMs: flagMs(flags.ramp, '--ramp'),
    durationMs: flagMs(flags.duration, '--duration'),
    transport: flags.transport,
    authUser: flags.authUser,
    authPassword: flags.authPassword,
    // From the working directory, whatever folder the scenario file is in.
    dataFile: flags.data === undefined ? undefined : path.resolve(flags.data),
    media: flags.media,
    workers: flags.workers,
    capacity: flags.capacity,
  };
}

/**
 * `--criterion 'ser>=0.999'`, `--criterion 'setup_ms p(95)<500'`: the metric (with an optional
 * `{…}` selector), then the threshold as the scenario writes it; added to the scenario's own
 * criteria and validated with them, so the syntax and checks are the same.
 */
export function addCriteria(raw: Record<string, unknown>, specs: readonly string[]): void {
  if (specs.length === 0) return;
  const criteria = (typeof raw.criteria === 'object' && raw.criteria !== null ? { ...(raw.criteria as Record<string, unknown>) } : {}) as Record<string, unknown>;
  for (const spec of specs) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\{[^}]*\})?)\s*(\S.*?)\s*$/.exec(spec);
    if (m === null) throw errors.usage(`--criterion ${JSON.stringify(spec)}: expected a metric and a threshold, e.g. 'ser>=0.999' or 'setup_ms p(95)<500'`);
    const [, metric, threshold] = m;
    const prev = criteria[metric];
    criteria[metric] = prev === undefined ? [threshold] : [...(Array.isArray(prev) ? prev : [prev]), threshold];
  }
  raw.criteria = criteria;
}

export async function loadScenarioForRun(file: string | null, flags: RunFlags): Promise<Scenario> {
  if ((flags.authUser === undefined) !== (flags.authPassword === undefined)) {
    throw errors.usage('--auth-user and --auth-password go together');
  }
  const base = file === null ? null : await readScenarioRaw(file);
  const raw = buildScenarioFromFlags(base, scenarioFlags(flags));
  addCriteria(raw as Record<string, unknown>, flags.criterion ?? []);
  return scenarioFromObject(raw, file ?? 'command line', { overrides: flags.set });
}
