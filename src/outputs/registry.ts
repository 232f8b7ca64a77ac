/**
 * Outputs by name (k6's --out): the CLI builds the ones a run uses from here, each from
 * `name` or `name=ARG` (`--sink prometheus=127.0.0.1:9466`; `--dashboard` is `dashboard=ARG`). A new live sink
 * is a folder beside these and one entry below.
 */
import type { Output } from '../engine/events.js';
import { errors } from '../errors.js';
import { ConsoleOutput, type ConsoleView } from './console/index.js';
import { DASHBOARD_PORT, DashboardOutput, type DashboardRenderer } from './dashboard/index.js';
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
  /** The dashboard's page and snapshots (the report layer, above this one, makes them); needed by `dashboard`. */
  dashboard?: DashboardRenderer;
}

/** `arg`: what followed `name=`, or undefined. */
export type OutputFactory = (ctx: OutputContext, arg: string | undefined) => Output;

export const OUTPUTS: Readonly<Record<string, OutputFactory>> = {
  'results-dir': (ctx) => new ResultsDirOutput(ctx.outDir),
  console: (ctx) => new ConsoleOutput(ctx.view),
  prometheus: (ctx, arg) =>
    new PrometheusOutput({ ...parseListenAddress(arg, '--sink prometheus'), lingerMs: ctx.lingerMs ?? DEFAULT_LINGER_MS, view: ctx.view }),
  'prometheus-rw': (ctx, arg) => new RemoteWriteOutput({ url: parseRemoteWriteUrl(arg), view: ctx.view }),
  dashboard: (ctx, arg) => {
    if (ctx.dashboard === undefined) throw new Error('the dashboard output needs its renderer (OutputContext.dashboard)');
    const at = parseListenAddress(arg, '--dashboard', DASHBOARD_PORT);
    return new DashboardOutput({ ...at, lingerMs: ctx.lingerMs ?? DEFAULT_LINGER_MS, view: ctx.view, renderer: ctx.dashboard });
  },
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
