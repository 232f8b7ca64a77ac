/** What a command may touch outside itself; injected so commands can be tested without a process. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';

/** The files a command reads and writes itself (paths are absolute or from `cwd`'s caller). */
export interface RuntimeFs {
  readText(file: string): Promise<string>;
  writeFile(file: string, data: string | Uint8Array): Promise<void>;
  mkdirp(dir: string): Promise<void>;
}

export interface Runtime {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  cwd: string;
  /** Registers a handler for SIGINT/SIGTERM; returns an unsubscribe function. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Ends the process now (a second Ctrl-C); a test runtime throws instead. */
  exit(code: number): never;
  /** Wall clock, ms since the epoch (output directory names). */
  now(): number;
  fs: RuntimeFs;
}

export const nodeFs: RuntimeFs = {
  readText: (file) => readFile(file, 'utf8'),
  writeFile: (file, data) => writeFile(file, data),
  mkdirp: async (dir) => {
    await mkdir(dir, { recursive: true });
  },
};

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
    exit: (code) => process.exit(code),
    now: () => Date.now(),
    fs: nodeFs,
  };
}
