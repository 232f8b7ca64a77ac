/** Process entry: parse argv, run the command, print errors as one line, exit with the documented code. */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { processRuntime } from './runtime.js';
import { ExitCode, isCallcertError, toInternal } from '../errors.js';

// `callcert … | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const rt = processRuntime();
const debug = process.argv.includes('--debug');
let exitCode: ExitCode = ExitCode.Passed;
const program = buildProgram(rt, (code) => (exitCode = code));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; everything else commander rejects is a usage error.
    exitCode = e.exitCode === 0 ? ExitCode.Passed : ExitCode.UsageError;
  } else {
    const err = isCallcertError(e) ? e : toInternal(e);
    rt.stderr.write(`callcert: ${err.message} [${err.code}]\n`);
    if (debug && err.stack) rt.stderr.write(err.stack + '\n');
    exitCode = err.exitCode;
  }
}
process.exitCode = exitCode;
// Sockets and worker threads are closed by now; exit explicitly so a stray handle cannot hang CI.
setTimeout(() => process.exit(exitCode), 50).unref();
