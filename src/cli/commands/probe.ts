/**
 * `callcert probe recordings RESULTS_DIR`: the retention re-check (probe/retention.ts). Writes
 * RESULTS_DIR/retention-<UTC time>.json (or --out), which `callcert report` picks up; prints
 * the figures. Exit 0 when every call checked still has a valid recording, 1 when some do not.
 */
import path from 'node:path';
import { errors, ExitCode } from '../../errors.js';
import { probeRetention } from '../../probe/retention.js';
import type { RecordingAuth } from '../../scenario/recordings.js';
import { VERSION } from '../../version.js';
import type { Runtime } from '../runtime.js';

export interface ProbeRecordingsFlags {
  out?: string;
  tokenEnv?: string;
  username?: string;
  passwordEnv?: string;
  baseUrl?: string;
  sample?: number;
}

function fromEnv(rt: Runtime, name: string, flag: string): string {
  const v = rt.env[name];
  if (v === undefined || v === '') throw errors.usage(`${flag} ${name}: the environment variable is not set`);
  return v;
}

function authOf(flags: ProbeRecordingsFlags, rt: Runtime): RecordingAuth {
  if (flags.tokenEnv !== undefined && (flags.username !== undefined || flags.passwordEnv !== undefined)) {
    throw errors.usage('--token-env and --username/--password-env are two kinds of credentials: give one');
  }
  if (flags.tokenEnv !== undefined) return { kind: 'bearer', token: fromEnv(rt, flags.tokenEnv, '--token-env') };
  if ((flags.username === undefined) !== (flags.passwordEnv === undefined)) throw errors.usage('--username and --password-env go together (HTTP Basic)');
  if (flags.username !== undefined) return { kind: 'basic', username: flags.username, password: fromEnv(rt, flags.passwordEnv!, '--password-env') };
  return null;
}

export async function probeRecordingsCommand(dir: string, flags: ProbeRecordingsFlags, rt: Runtime): Promise<ExitCode> {
  const runDir = path.resolve(rt.cwd, dir);
  const { results } = await probeRetention(runDir, {
    auth: authOf(flags, rt), baseUrl: flags.baseUrl ?? null, sample: flags.sample ?? null, toolVersion: VERSION, now: () => rt.now(),
  });
  const stamp = results.probedAt.replace(/[:.]/g, '-');
  const out = flags.out === undefined ? path.join(runDir, `retention-${stamp}.json`) : path.resolve(rt.cwd, flags.out);
  await rt.fs.writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  const s = results.summary;
  const failures = Object.entries(s.failures).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  const age = results.oldestConfirmedAgeDays === null ? 'none confirmed' : `oldest confirmed ${results.oldestConfirmedAgeDays} days old`;
  rt.stdout.write(
    `recordings of the run started ${results.run.startedAt}: ${s.valid} of ${s.checked} checked still valid (completeness ${s.completeness}); ${age}` +
      `${failures === '' ? '' : `; failed: ${failures}`}\nresults: ${out}\n`,
  );
  return s.checked > 0 && s.valid === s.checked ? ExitCode.Passed : ExitCode.CriteriaFailed;
}
