/** `callcert run`: build the scenario from file and flags, run it, print the verdict. */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { startRun } from '../../engine/run.js';
import { LiveView, chooseViewMode } from '../live-view.js';
import { loadScenarioForRun } from '../scenario-input.js';
import { formatSummary } from '../summary-text.js';
import { ExitCode } from '../../errors.js';
import { VERSION } from '../version.js';
import type { Runtime } from '../runtime.js';

export interface RunFlags {
  target?: string;
  rate?: number;
  concurrency?: number;
  hold?: string;
  ramp?: string;
  duration?: string;
  transport?: 'udp' | 'tcp';
  authUser?: string;
  authPassword?: string;
  workers?: number;
  set: string[];
  out?: string;
  quiet?: boolean;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export async function runCommand(file: string | null, flags: RunFlags, rt: Runtime): Promise<ExitCode> {
  const scenario = await loadScenarioForRun(file, flags);
  const scenarioText = file === null ? null : await readFile(file, 'utf8');
  const outDir = path.resolve(rt.cwd, flags.out ?? path.join('results', `${scenario.name}-${stamp(new Date())}`));
  const view = new LiveView(rt, chooseViewMode(rt, flags.quiet === true));
  const handle = await startRun({
    scenario, scenarioText, scenarioFile: file, outDir, toolVersion: VERSION,
    onProgress: (p) => view.update(p),
  });
  view.message(`callcert ${VERSION}: ${scenario.name} → ${handle.target.uri} (${handle.target.transport}); results in ${outDir}`);
  let signals = 0;
  const off = rt.onSignal((sig) => {
    signals++;
    if (signals === 1) {
      view.message(`\ncallcert: ${sig}: stopping arrivals and hanging up open calls (again to force quit)`);
      handle.stop(sig);
    } else {
      rt.stderr.write(`callcert: ${sig} again: quitting; ${outDir} holds the results written so far\n`);
      process.exit(ExitCode.RunInvalid);
    }
  });
  try {
    const { results, exitCode } = await handle.done;
    rt.stdout.write(formatSummary(results, outDir));
    return exitCode;
  } finally {
    off();
  }
}
