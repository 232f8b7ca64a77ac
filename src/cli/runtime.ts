/** What a command may touch outside itself; injected so commands can be tested without a process. */
export interface Runtime {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  cwd: string;
  /** Registers a handler for SIGINT/SIGTERM; returns an unsubscribe function. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
}

export function processRuntime(): Runtime {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    onSignal(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}
