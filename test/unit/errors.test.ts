/** docs/errors.md must list every error code with its exit code, and nothing else (fastify-style drift test). */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { errors, ExitCode, CallcertError, toInternal } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  const documented = new Map<string, number>();
  for (const m of doc.matchAll(/^\| `(CC_ERR_[A-Z_]+)` \| (\d) \|/gm)) documented.set(m[1], Number(m[2]));

  it('documents every code with its exit code', () => {
    const codes = new Map(Object.values(errors).map((f) => [f.code, f.exitCode as number]));
    expect(documented).toEqual(codes);
  });

  it('codes are unique and well-formed', () => {
    const codes = Object.values(errors).map((f) => f.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^CC_ERR_[A-Z]+_[A-Z_]+$/);
  });

  it('documents the exit codes', () => {
    for (const [name, code] of Object.entries(ExitCode)) {
      expect(doc, name).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    }
  });

  it('errors survive postMessage as plain data', () => {
    const e = errors.workerCrashed('boom', { worker: 1 });
    expect(structuredClone(e.toJSON())).toEqual({ code: 'CC_ERR_WORKER_CRASHED', message: 'boom', details: { worker: 1 } });
  });

  it('wraps unknown failures as internal errors asking for a bug report', () => {
    const e = toInternal(new TypeError('x is undefined'));
    expect(e).toBeInstanceOf(CallcertError);
    expect(e.exitCode).toBe(ExitCode.InternalError);
    expect(e.message).toMatch(/bug in callcert/);
  });
});
