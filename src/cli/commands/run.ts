/** `callcert run`: build the scenario from file and flags, run it, print the verdict. */
import path from 'node:path';
import { startRun } from '../../engine/run.js';
import { LiveView, chooseViewMode } from '../view/live-view.js';
import { createOutputs } from '../../outputs/registry.js';
import type { DashboardRenderer } from '../../outputs/dashboard/index.js';
import { exitCodeOf } from '../exit-code.js';
import { loadScenarioForRun } from '../scenario-input.js';
import { formatSummary } from '../view/summary-text.js';
import { ExitCode, errors, isCallcertError, toInternal } from '../../errors.js';
import { VERSION } from '../../version.js';
import { parseDurationMs } from '../../util/duration.js';
import type { Runtime } from '../runtime.js';
import type { TransportKind } from '../../sip/transport/kinds.js';

export interface RunFlags {
  target?: string;
  rate?: number;
  concurrency?: number;
  hold?: string;
  ramp?: string;
  duration?: string;
  transport?: TransportKind;
  authUser?: string;
  authPassword?: string;
  /** call.data.file (a path from the working directory). */
  data?: string;
  /** call.media */
  media?: 'pcmu' | 'pcma' | 'none';
  workers?: number;
  /** embedded.capacity */
  capacity?: number;
  set: string[];
  /** Pass criteria added on the command line (`--criterion 'ser>=0.999'`, repeatable). */
  criterion?: string[];
  out?: string;
  quiet?: boolean;
  /** Write the report into the out dir when the run ends (`report` command options below). */
  report?: boolean;
  reportFormat?: string;
  meta?: string;
  lang?: string;
  /** Live sinks beside the results directory: `prometheus[=HOST:PORT]`, `prometheus-rw=URL` (repeatable). */
  sink?: string[];
  /** How long `--sink prometheus` and `--dashboard` keep serving the final figures after the run. */
  sinkLinger?: string;
  /** `--dashboard [HOST:PORT]`: true when given without an address. */
  dashboard?: string | boolean;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export async function runCommand(file: string | null, flags: RunFlags, rt: Runtime): Promise<ExitCode> {
  // `run --dashboard scenario.yaml` hands the file to the optional address: say so rather than "no scenario".
  if (typeof flags.dashboard === 'string' && /\.ya?ml$/i.test(flags.dashboard)) {
    throw errors.usage(`--dashboard ${flags.dashboard}: that is the scenario file; write --dashboard=HOST:PORT, or put --dashboard after the file`);
  }
  const scenario = await loadScenarioForRun(file, flags);
  // Report options are checked before the run: a typo must not cost a 30-minute certification run its report.
  if (flags.report === true) await checkReportFlags(flags, rt);
  const scenarioText = file === null ? null : await rt.fs.readText(path.resolve(rt.cwd, file));
  const outDir = path.resolve(rt.cwd, flags.out ?? path.join('results', `${scenario.name}-${stamp(new Date(rt.now()))}`));
  const view = new LiveView(rt, chooseViewMode(rt, flags.quiet === true));
  const lingerMs = flags.sinkLinger === undefined ? undefined : parseDurationMs(flags.sinkLinger, '--sink-linger');
  const specs = ['results-dir', 'console', ...(flags.sink ?? [])];
  let dashboard: DashboardRenderer | undefined;
  if (flags.dashboard !== undefined && flags.dashboard !== false) {
    specs.push(flags.dashboard === true ? 'dashboard' : `dashboard=${flags.dashboard}`);
    const { dashboardPage, dashboardSnapshot } = await import('../../report/dashboard-page.js');
    dashboard = { page: dashboardPage, snapshot: dashboardSnapshot };
  }
  const outputs = createOutputs(specs, { outDir, view, lingerMs, dashboard });
  const handle = await startRun({ scenario, scenarioText, scenarioFile: file, toolVersion: VERSION, outputs });
  view.message(`callcert ${VERSION}: ${scenario.name} → ${handle.target.uri} (${handle.target.transport}); results in ${outDir}`);
  let signals = 0;
  const off = rt.onSignal((sig) => {
    signals++;
    if (signals === 1) {
      view.message(`\ncallcert: ${sig}: stopping arrivals and hanging up open calls (again to force quit)`);
      handle.stop(sig);
    } else {
      rt.stderr.write(`callcert: ${sig} again: quitting; ${outDir} holds the results written so far\n`);
      rt.exit(ExitCode.RunInvalid);
    }
  });
  try {
    const { results } = await handle.done;
    const exitCode = exitCodeOf(results);
    rt.stdout.write(formatSummary(results, outDir));
    if (flags.report !== true) return exitCode;
    return await writeRunReport(outDir, flags, rt, exitCode);
  } finally {
    off();
  }
}

async function checkReportFlags(flags: RunFlags, rt: Runtime): Promise<void> {
  const { parseFormats, parseLang } = await import('./report.js');
  parseFormats(flags.reportFormat);
  parseLang(flags.lang);
  if (flags.meta !== undefined) {
    const { loadMeta } = await import('../../report/meta.js');
    await loadMeta(path.resolve(rt.cwd, flags.meta), '0'.repeat(64));
  }
}

/**
 * The report of any run, invalid and interrupted ones included (they say so); a report error keeps the run's own exit code
 * if that is not 0.
 */
async function writeRunReport(outDir: string, flags: RunFlags, rt: Runtime, runExit: ExitCode): Promise<ExitCode> {
  const { writeReports, formatWritten } = await import('./report.js');
  try {
    const written = await writeReports(outDir, { format: flags.reportFormat, lang: flags.lang, meta: flags.meta }, rt.cwd);
    for (const w of written) rt.stdout.write(formatWritten(w));
    return runExit;
  } catch (e) {
    const err = isCallcertError(e) ? e : toInternal(e);
    rt.stderr.write(`callcert: report: ${err.message} [${err.code}]\n`);
    return runExit !== ExitCode.Passed ? runExit : err.exitCode;
  }
}
