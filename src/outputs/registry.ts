/**
 * Outputs by name (k6's --out): the CLI builds the ones a run uses from here, each from
 * `name` or `name=ARG` (`--sink prometheus=127.0.0.1:9466`). A new live sink (a dashboard) is a
 * folder beside these and one entry below.
 */
import type { Output } from '../engine/events.js';
import { errors } from '../errors.js';
import { ConsoleOutput, type ConsoleView } from './console/index.js';
import { DEFAULT_LINGER_MS, PrometheusOutput } from './prometheus/index.js';
import { RemoteWriteOutput } from './prometheus/remote-write.js';
import { parseListenAddress, parseRemoteWriteUrl } from './prometheus/sink-args.js';
import { ResultsDirOutput } from './results-dir/index.js';

export interface OutputContext {
  /** The run's output directory. */
  outDir: string;
  /** Where the console output draws. */
  view: ConsoleView;
  /** How long a scraped endpoint stays up after the run (`--sink-linger`); its own default when absent. */
  lingerMs?: number;
}

/** `arg`: what followed `name=`, or undefined. */
export type OutputFactory = (ctx: OutputContext, arg: string | undefined) => Output;

export const OUTPUTS: Readonly<Record<string, OutputFactory>> = {
  'results-dir': (ctx) => new ResultsDirOutput(ctx.outDir),
  console: (ctx) => new ConsoleOutput(ctx.view),
  prometheus: (ctx, arg) =>
    new PrometheusOutput({ ...parseListenAddress(arg, '--sink prometheus'), lingerMs: ctx.lingerMs ?? DEFAULT_LINGER_MS, view: ctx.view }),
  'prometheus-rw': (ctx, arg) => new RemoteWriteOutput({ url: parseRemoteWriteUrl(arg), view: ctx.view }),
};

export function createOutputs(specs: readonly string[], ctx: OutputContext): Output[] {
  return specs.map((spec) => {
    const at = spec.indexOf('=');
    const name = at < 0 ? spec : spec.slice(0, at);
    const make = Object.hasOwn(OUTPUTS, name) ? OUTPUTS[name] : undefined;
    if (make === undefined) throw errors.usage(`unknown output "${name}" (known: ${Object.keys(OUTPUTS).join(', ')})`);
    return make(ctx, at < 0 ? undefined : spec.slice(at + 1));
  });
}
