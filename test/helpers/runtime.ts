/** A Runtime for running commands in process: output captured, no signals, exit as an exception. */
import { PassThrough } from 'node:stream';
import { nodeFs, type Runtime } from '../../src/cli/runtime.js';

export class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`exit(${code})`);
  }
}

export interface MemoryRuntime extends Runtime {
  out(): string;
  err(): string;
}

export function memoryRuntime(o: { cwd?: string; env?: NodeJS.ProcessEnv; nowMs?: number } = {}): MemoryRuntime {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  return {
    env: o.env ?? {},
    stdout,
    stderr,
    cwd: o.cwd ?? process.cwd(),
    onSignal: () => () => {},
    exit: (code) => {
      throw new ExitCalled(code);
    },
    now: () => o.nowMs ?? Date.UTC(2026, 0, 2, 3, 4, 5),
    fs: nodeFs,
    out: () => out,
    err: () => err,
  };
}
