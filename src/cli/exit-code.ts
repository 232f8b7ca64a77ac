/** The process exit code of a finished run (README's table; `callcert run --help`). */
import { ExitCode } from '../errors.js';
import type { Results } from '../results/summary.js';

/**
 * Invalid → 3; passed → 0; failed → 1. Not judged (no criteria): SIPp's rule, 0 only when every
 * attempted call ended normally (failed, aborted and unanswered calls count against it).
 */
export function exitCodeOf(r: Pick<Results, 'valid' | 'verdict'> & { summary: { calls: { notEndedNormally: number } } }): ExitCode {
  if (!r.valid) return ExitCode.RunInvalid;
  if (r.verdict === 'passed') return ExitCode.Passed;
  if (r.verdict === 'not_judged' && r.summary.calls.notEndedNormally === 0) return ExitCode.Passed;
  return ExitCode.CriteriaFailed;
}
