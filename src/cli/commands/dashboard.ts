/**
 * `callcert dashboard RESULTS_DIR`: the live dashboard's page served from a results directory — a finished
 * run, or one still being written (its results.json is rewritten every few seconds, atomically, while it
 * goes: each new version becomes a snapshot for the open pages). Serves until Ctrl-C.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, errors, isCallcertError } from '../../errors.js';
import { DASHBOARD_PORT } from '../../outputs/dashboard/index.js';
import { DashboardServer } from '../../outputs/dashboard/server.js';
import { isLoopback, parseListenAddress } from '../../outputs/prometheus/sink-args.js';
import { dashboardPage, dashboardSnapshot } from '../../report/dashboard-page.js';
import { readResults } from '../../results/read.js';
import type { Runtime } from '../runtime.js';

export interface DashboardFlags {
  /** HOST:PORT (default 127.0.0.1:9467). */
  listen?: string;
}

/** How often results.json is looked at for a new version (the run rewrites it every 5 s at the most often). */
const POLL_MS = 1000;

/** A results directory (its results.json) or a results.json; anything else is an error now, not a page that never fills. */
async function isDirectory(abs: string, given: string): Promise<boolean> {
  try {
    return (await stat(abs)).isDirectory();
  } catch {
    throw errors.resultsNotFound(`${given}: no such results directory or file (expected a run's --out directory or its results.json)`, { path: given });
  }
}

export async function dashboardCommand(dir: string, flags: DashboardFlags, rt: Runtime): Promise<ExitCode> {
  const at = parseListenAddress(flags.listen, '--listen', DASHBOARD_PORT);
  const abs = path.resolve(rt.cwd, dir);
  const file = (await isDirectory(abs, dir)) ? path.join(abs, 'results.json') : abs;
  const server = new DashboardServer({ ...at, option: '--listen', page: dashboardPage });
  await server.listen();
  const note = isLoopback(at.host) ? '' : ' (not loopback: the URL carries an access token; keep it to yourself)';
  rt.stderr.write(`callcert: dashboard of ${file} on ${server.url}${note}; Ctrl-C ends it\n`);
  let seen: number | null = null;
  let said = '';
  const look = async () => {
    let mtime: number;
    try {
      mtime = (await stat(file)).mtimeMs;
    } catch {
      // A run writes its first results.json a few seconds in.
      if (said !== 'waiting') rt.stderr.write(`callcert: dashboard: waiting for ${file} (a run writes it a few seconds after its start)\n`);
      said = 'waiting';
      return;
    }
    if (mtime === seen) return;
    seen = mtime;
    try {
      const { results } = await readResults(file);
      server.send('snapshot', dashboardSnapshot(results));
      if (said !== results.state) rt.stderr.write(`callcert: dashboard: ${file}: ${results.state}\n`);
      said = results.state;
    } catch (e) {
      // The run replaces the file atomically; anything else is said once per version and the last snapshot kept.
      rt.stderr.write(`callcert: dashboard: ${isCallcertError(e) ? e.message : (e as Error).message}; keeping the last snapshot\n`);
    }
  };
  await look();
  const timer = setInterval(() => void look(), POLL_MS);
  await new Promise<void>((resolve) => {
    const off = rt.onSignal(() => {
      off();
      resolve();
    });
  });
  clearInterval(timer);
  await server.close();
  return ExitCode.Passed;
}
