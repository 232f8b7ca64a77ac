/**
 * Every error callcert raises on purpose has a stable code `CC_ERR_<AREA>_<WHAT>`
 * (documented in docs/errors.md, checked by test/unit/errors.test.ts) and maps to
 * one of the process exit codes below.
 */

export const ExitCode = {
  /** Run finished, every pass criterion met. */
  Passed: 0,
  /** Run finished but at least one pass criterion failed. */
  CriteriaFailed: 1,
  /** Bad command line or scenario: nothing was run. */
  UsageError: 2,
  /** The run is not valid evidence: generator saturated, worker crashed, or interrupted. */
  RunInvalid: 3,
  /** A bug in callcert. */
  InternalError: 4,
  /** `callcert compare`: a metric regressed beyond its tolerance against the baseline. */
  Regression: 5,
  /** `callcert verify`: the report or its attached data was altered, or the signature does not match. */
  VerifyFailed: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CallcertError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly details: Record<string, unknown>;
  constructor(code: string, message: string, exitCode: ExitCode, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CallcertError';
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
  /** Plain object for postMessage: structuredClone drops custom fields of Error subclasses. */
  toJSON(): { code: string; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

type Factory = ((message: string, details?: Record<string, unknown>) => CallcertError) & {
  readonly code: string;
  readonly exitCode: ExitCode;
};

function createError(code: string, exitCode: ExitCode): Factory {
  const f = (message: string, details: Record<string, unknown> = {}) => new CallcertError(code, message, exitCode, details);
  return Object.assign(f, { code, exitCode });
}

/** Catalogue: the single source of codes. docs/errors.md must list each of these. */
export const errors = {
  usage: createError('CC_ERR_CLI_USAGE', ExitCode.UsageError),
  scenarioNotFound: createError('CC_ERR_SCENARIO_NOT_FOUND', ExitCode.UsageError),
  scenarioSyntax: createError('CC_ERR_SCENARIO_SYNTAX', ExitCode.UsageError),
  scenarioInvalid: createError('CC_ERR_SCENARIO_INVALID', ExitCode.UsageError),
  overrideInvalid: createError('CC_ERR_SCENARIO_OVERRIDE', ExitCode.UsageError),
  targetUnreachable: createError('CC_ERR_TARGET_UNREACHABLE', ExitCode.UsageError),
  portInUse: createError('CC_ERR_NET_PORT_IN_USE', ExitCode.UsageError),
  outputDir: createError('CC_ERR_OUTPUT_DIR', ExitCode.UsageError),
  workerCrashed: createError('CC_ERR_WORKER_CRASHED', ExitCode.RunInvalid),
  resultsNotFound: createError('CC_ERR_RESULTS_NOT_FOUND', ExitCode.UsageError),
  resultsInvalid: createError('CC_ERR_RESULTS_INVALID', ExitCode.UsageError),
  reportMetaInvalid: createError('CC_ERR_REPORT_META', ExitCode.UsageError),
  keyInvalid: createError('CC_ERR_REPORT_KEY', ExitCode.UsageError),
  verifyFailed: createError('CC_ERR_VERIFY_FAILED', ExitCode.VerifyFailed),
  compareInvalidRun: createError('CC_ERR_COMPARE_INVALID_RUN', ExitCode.RunInvalid),
  internal: createError('CC_ERR_INTERNAL_BUG', ExitCode.InternalError),
} as const;

export function isCallcertError(e: unknown): e is CallcertError {
  return e instanceof CallcertError;
}

/** Wraps anything unexpected: printed with a request to file a bug. */
export function toInternal(e: unknown): CallcertError {
  if (isCallcertError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const err = errors.internal(`${message} — this is a bug in callcert; please file an issue with the command you ran and --debug output`);
  if (e instanceof Error && e.stack) err.stack = e.stack;
  return err;
}
