/** Process entry: parse argv, run the command, print errors as one line, exit with the documented code. */
import { runCli } from './cli.js';
import { processRuntime } from './runtime.js';

// `callcert … | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const exitCode = await runCli(process.argv, processRuntime());
process.exitCode = exitCode;
// Sockets and worker threads are closed by now; exit explicitly so a stray handle cannot hang CI.
setTimeout(() => process.exit(exitCode), 50).unref();
