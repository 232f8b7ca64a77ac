/**
 * Outputs by name (k6's --out): the CLI builds the ones a run uses from here. A new live sink
 * (Prometheus, a dashboard) is a folder beside these and one entry below.
 */
import type { Output } from '../engine/events.js';
import { errors } from '../errors.js';
import { ConsoleOutput, type ConsoleView } from './console/index.js';
import { ResultsDirOutput } from './results-dir/index.js';

export interface OutputContext {
  /** The run's output directory. */
  outDir: string;
  /** Where the console output draws. */
  view: ConsoleView;
}

export type OutputFactory = (ctx: OutputContext) => Output;

export const OUTPUTS: Readonly<Record<string, OutputFactory>> = {
  'results-dir': (ctx) => new ResultsDirOutput(ctx.outDir),
  console: (ctx) => new ConsoleOutput(ctx.view),
};

export function createOutputs(names: readonly string[], ctx: OutputContext): Output[] {
  return names.map((n) => {
    const make = OUTPUTS[n];
    if (make === undefined) throw errors.usage(`unknown output "${n}" (known: ${Object.keys(OUTPUTS).join(', ')})`);
    return make(ctx);
  });
}
