/**
 * The whole command line as a function: argv in, exit code out, every error printed as one
 * line on the runtime's stderr. main.ts calls it with the process; tests call it in process
 * with a runtime of their own.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import type { Runtime } from './runtime.js';
import { ExitCode, isCallcertError, toInternal } from '../errors.js';

/** `argv` as process.argv gives it: [node, script, ...args]. */
export async function runCli(argv: readonly string[], rt: Runtime): Promise<ExitCode> {
  const debug = argv.includes('--debug');
  let exitCode: ExitCode = ExitCode.Passed;
  const program = buildProgram(rt, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; everything else commander rejects is a usage error.
      return e.exitCode === 0 ? ExitCode.Passed : ExitCode.UsageError;
    }
    const err = isCallcertError(e) ? e : toInternal(e);
    rt.stderr.write(`callcert: ${err.message} [${err.code}]\n`);
    if (debug && err.stack) rt.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  return exitCode;
}
