/**
 * Run the built callcert CLI (`node bin/callcert.js ...`) as a real process,
 * bounded in time through spawnBounded (coreutils `timeout`), and read what a
 * run leaves behind (OUT/results.json, OUT/calls.jsonl).
 *
 * The CLI runs from dist/: build first (`npm run build`, or `npm test`, which does).
 * A missing build fails the test with that hint rather than running stale or no code.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Results } from '../../src/results/schema.js';
import { parseResults } from '../../src/results/read.js';
import { spawnBounded, tailLines, type BoundedProcess, type BoundedResult } from './procs.js';
import type { CallCentreCounters } from '../../src/simulator/call-centre.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const CLI_BIN = join(REPO_ROOT, 'bin', 'callcert.js');
const CLI_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** The newest modification time (ms) of the .ts files under `dir`, and that file. */
function newestSource(dir: string): { path: string; mtimeMs: number } {
  let best = { path: '', mtimeMs: 0 };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const cand = e.isDirectory() ? newestSource(p) : e.name.endsWith('.ts') ? { path: p, mtimeMs: statSync(p).mtimeMs } : best;
    if (cand.mtimeMs > best.mtimeMs) best = cand;
  }
  return best;
}

/** Throw when dist/ has not been built, or is older than a source file (`npx vitest` after an edit would run stale code). */
export function requireBuiltCli(): void {
  if (!existsSync(CLI_MAIN)) {
    throw new Error(`${CLI_MAIN} not found: run \`npm run build\` first (npm test builds before running vitest)`);
  }
  const built = statSync(CLI_MAIN).mtimeMs;
  const src = newestSource(join(REPO_ROOT, 'src'));
  if (src.mtimeMs > built) {
    throw new Error(`dist/ is older than ${src.path}: run \`npm run build\` first (npm test builds before running vitest)`);
  }
}

export interface CliOptions {
  /** Hard time budget, seconds (the `timeout` wrapper sends SIGTERM, then SIGKILL 5 s later). */
  timeoutSec: number;
  /** Working directory; the repository root by default (so scenarios/... paths resolve). */
  cwd?: string;
  /** Extra environment on top of process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface CliResult extends BoundedResult {
  /** Wall time from spawn to exit, ms. */
  wallMs: number;
  /** The arguments, for assertion messages. */
  args: readonly string[];
}

export interface CliProcess {
  proc: BoundedProcess;
  /** Settles when the CLI exits. */
  result: Promise<CliResult>;
  /** Send a signal to the node process itself (not to the `timeout` wrapper). */
  signal(sig: NodeJS.Signals): boolean;
  /** Resolve once stdout contains `needle` (rejects if the process exits first or after timeoutMs). */
  waitForStdout(needle: string | RegExp, timeoutMs: number): Promise<void>;
}

/** Start `node bin/callcert.js ...args` in the background. */
export function startCli(args: readonly string[], opts: CliOptions): CliProcess {
  requireBuiltCli();
  const started = performance.now();
  const proc = spawnBounded(process.execPath, [CLI_BIN, ...args], {
    timeoutSec: opts.timeoutSec,
    cwd: opts.cwd ?? REPO_ROOT,
    // No TTY anyway; make sure nothing tries to colour or animate.
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
  });
  const result = proc.exited.then((r) => ({ ...r, wallMs: performance.now() - started, args }));
  return {
    proc,
    result,
    signal: (sig) => proc.signalCommand(sig),
    async waitForStdout(needle, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const has = () => (typeof needle === 'string' ? proc.stdoutSoFar().includes(needle) : needle.test(proc.stdoutSoFar()));
      for (;;) {
        if (has()) return;
        if (proc.done) {
          const r = await proc.exited;
          throw new Error(`callcert ${args.join(' ')} exited (code ${r.code}) before printing ${String(needle)}\nstdout: ${tailLines(r.stdout, 20)}\nstderr: ${tailLines(r.stderr, 20)}`);
        }
        if (Date.now() >= deadline) throw new Error(`callcert ${args.join(' ')}: no ${String(needle)} on stdout within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Run `node bin/callcert.js ...args` to completion. */
export function runCli(args: readonly string[], opts: CliOptions): Promise<CliResult> {
  return startCli(args, opts).result;
}

/** A fresh empty dir under `parent` (default: the OS temp dir), for --out dirs, SIPp work dirs, scenario files. */
export function tempDir(prefix: string, parent = tmpdir()): string {
  return mkdtempSync(join(parent, `callcert-${prefix}-`));
}

/**
 * OUT/results.json, parsed and validated against the declared schema (results/schema.ts), as every
 * reader does; and the schema declares every field the run wrote (validation drops nothing).
 */
export function readResults(outDir: string): Results {
  const file = join(outDir, 'results.json');
  const bytes = readFileSync(file);
  const r = parseResults(bytes, file);
  assert.deepStrictEqual(r, JSON.parse(bytes.toString('utf8')), `${file}: a field the run wrote is not declared in src/results/schema.ts`);
  return r;
}

/** One line of OUT/calls.jsonl (blocked arrivals carry only i, intendedMs and cause). */
export interface CallLine {
  id?: string;
  i: number;
  w?: number;
  intendedMs: number;
  startMs?: number;
  setupMs?: number;
  code?: number;
  cause: string;
  durationMs?: number;
  [k: string]: unknown;
}

/** OUT/calls.jsonl, one object per line. */
export function readCalls(outDir: string): CallLine[] {
  const text = readFileSync(join(outDir, 'calls.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CallLine);
}

/** Count of calls.jsonl lines by cause. */
export function countByCause(calls: readonly CallLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.cause] = (out[c.cause] ?? 0) + 1;
  return out;
}

/** Non-empty lines of a stream. */
export function nonEmptyLines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() !== '');
}

/** Counters of the embedded call centre, as `callcert target` prints them on exit. */
export type TargetCounters = CallCentreCounters;

/**
 * The `{ "counters": {...} }` document `callcert target` prints to stdout when it
 * stops (after its banner line). Throws when it is missing or not JSON.
 */
export function parseTargetCounters(stdout: string): TargetCounters {
  const start = stdout.search(/^\{/m);
  if (start < 0) throw new Error(`no counters JSON in callcert target stdout:\n${tailLines(stdout, 20)}`);
  const doc = JSON.parse(stdout.slice(start)) as { counters?: TargetCounters };
  if (doc.counters === undefined) throw new Error(`callcert target printed JSON without "counters":\n${stdout.slice(start, start + 2000)}`);
  return doc.counters;
}

/** One-paragraph description of a CLI run for assertion messages. */
export function describeCli(r: CliResult): string {
  return (
    `callcert ${r.args.join(' ')}\n  exit=${r.code}${r.timedOut ? ' (timed out)' : ''} signal=${r.signal} wall=${Math.round(r.wallMs)} ms` +
    `\n  stdout (tail): ${tailLines(r.stdout, 25)}\n  stderr (tail): ${tailLines(r.stderr, 25)}`
  );
}

/** Print measured numbers (both sides) when CALLCERT_TEST_REPORT is set; silent otherwise. */
export function report(label: string, numbers: Record<string, unknown>): void {
  if (process.env.CALLCERT_TEST_REPORT) process.stderr.write(`[measured] ${label}: ${JSON.stringify(numbers)}\n`);
}
