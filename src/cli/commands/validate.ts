/** `callcert validate FILE`: load and check a scenario, print what it will do. */
import { loadScenarioFile } from '../../scenario/load.js';
import { describeLoad } from '../../load/models/registry.js';
import { describeCriterion } from '../../scenario/criteria.js';
import { formatDurationMs } from '../../util/duration.js';
import { ExitCode } from '../../errors.js';
import type { Runtime } from '../runtime.js';

export async function validateCommand(file: string, flags: { set: string[] }, rt: Runtime): Promise<ExitCode> {
  const s = await loadScenarioFile(file, { overrides: flags.set });
  const load = describeLoad(s.load);
  const target = s.target === null ? `embedded call centre (capacity ${s.embedded.capacity})` : `${s.target.uri} over ${s.target.transport}`;
  const lines = [
    `${file}: valid scenario "${s.name}"`,
    `  target:   ${target}`,
    `  load:     ${load}`,
    `  hold:     ${s.call.hold.dist} (${JSON.stringify(s.call.hold)})`,
    `  ring timeout: ${formatDurationMs(s.call.ringTimeoutMs)}`,
    ...s.criteria.map((c) => `  criterion: ${describeCriterion(c)}${c.abortOnFail ? ` (abortOnFail${c.delayAbortEvalMs > 0 ? ` after ${formatDurationMs(c.delayAbortEvalMs)}` : ''})` : ''}`),
  ];
  rt.stdout.write(lines.join('\n') + '\n');
  return ExitCode.Passed;
}
