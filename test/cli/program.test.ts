/**
 * argv → typed options, with the command modules mocked (changesets-style table
 * test): checks what commander hands each command, and that bad flags are usage
 * errors (exit 2) before any command runs.
 */
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { memoryRuntime } from '../helpers/runtime.js';

const calls: Array<{ command: string; args: unknown[] }> = [];
vi.mock('../../src/cli/commands/run.js', () => ({
  runCommand: async (...args: unknown[]) => (calls.push({ command: 'run', args: args.slice(0, 2) }), 0),
}));
vi.mock('../../src/cli/commands/simulate.js', () => ({
  simulateCommand: async (...args: unknown[]) => (calls.push({ command: 'simulate', args: args.slice(0, 1) }), 0),
}));
vi.mock('../../src/cli/commands/dashboard.js', () => ({
  dashboardCommand: async (...args: unknown[]) => (calls.push({ command: 'dashboard', args: args.slice(0, 2) }), 0),
}));
vi.mock('../../src/cli/commands/validate.js', () => ({
  validateCommand: async (...args: unknown[]) => (calls.push({ command: 'validate', args: args.slice(0, 2) }), 0),
}));

const runtime = () => memoryRuntime({ cwd: '/tmp' });

async function parse(argv: string[]) {
  const rt = runtime();
  let exit: number | null = null;
  const program = buildProgram(rt, (c) => (exit = c));
  try {
    await program.parseAsync(['node', 'callcert', ...argv]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { usageError: e, stderr: rt.err(), exit };
  }
  return { usageError: null, stderr: rt.err(), exit };
}

beforeEach(() => {
  calls.length = 0;
});

describe('argv → command options', () => {
  it.each([
    [['run', '--rate', '200', '--hold', '1s', '--duration', '30s'], null, { rate: 200, hold: '1s', duration: '30s', set: [], criterion: [] }],
    [['run', 'scenarios/smoke.yaml', '--set', 'a=1', '--set', 'b=2', '--quiet'], 'scenarios/smoke.yaml', { set: ['a=1', 'b=2'], quiet: true, criterion: [] }],
    [['run', '--target', 'sip:ivr@10.0.0.5', '--concurrency', '1000', '--transport', 'tcp', '--workers', '2'], null,
      { target: 'sip:ivr@10.0.0.5', concurrency: 1000, transport: 'tcp', workers: 2, set: [], criterion: [] }],
    [['run', '--auth-user', 'u', '--auth-password', 'p', '--ramp', '0', '--out', 'o'], null, { authUser: 'u', authPassword: 'p', ramp: '0', out: 'o', set: [], criterion: [] }],
    [['run', '--sink', 'prometheus', '--sink', 'prometheus-rw=http://127.0.0.1:9090/api/v1/write', '--sink-linger', '30s'], null,
      { sink: ['prometheus', 'prometheus-rw=http://127.0.0.1:9090/api/v1/write'], sinkLinger: '30s', set: [], criterion: [] }],
    [['run', 'scenarios/smoke.yaml', '--dashboard'], 'scenarios/smoke.yaml', { dashboard: true, set: [], criterion: [] }],
    [['run', '--dashboard=0.0.0.0:9999', 'scenarios/smoke.yaml'], 'scenarios/smoke.yaml', { dashboard: '0.0.0.0:9999', set: [], criterion: [] }],
  ])('run %j', async (argv, file, flags) => {
    const r = await parse(argv as string[]);
    expect(r.usageError).toBeNull();
    expect(calls).toEqual([{ command: 'run', args: [file, flags] }]);
    expect(r.exit).toBe(0);
  });

  it.each(['simulate', 'target'])('%s (target is the alias) gets typed defaults', async (name) => {
    await parse([name]);
    expect(calls[0]).toEqual({
      command: 'simulate',
      args: [{ sipPort: 5060, address: '127.0.0.1', transport: 'udp', capacity: 2000, ring: '0s', answerRatio: 1, ctiRate: 50, media: true }],
    });
  });

  it('dashboard passes the results directory and the address', async () => {
    await parse(['dashboard', 'results/x', '--listen', ':9000']);
    expect(calls[0]).toEqual({ command: 'dashboard', args: ['results/x', { listen: ':9000' }] });
  });

  it('validate passes the file and overrides', async () => {
    await parse(['validate', 'x.yaml', '--set', 'name=y']);
    expect(calls[0]).toEqual({ command: 'validate', args: ['x.yaml', { set: ['name=y'] }] });
  });

  it.each([
    [['run', '--rate', '-5'], /--rate expects a number >= 0, got "-5"/],
    [['run', '--rate', 'abc'], /--rate expects a number >= 0, got "abc"/],
    [['run', '--concurrency', '2.5'], /--concurrency expects a whole number >= 0/],
    [['run', '--transport', 'tls'], /Allowed choices are udp, tcp/],
    [['target', '--sip-port', 'x'], /--sip-port expects a whole number/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['nosuch'], /unknown command 'nosuch'/],
  ])('%j is a usage error naming the problem, and runs nothing', async (argv, message) => {
    const r = await parse(argv as string[]);
    expect(r.usageError).not.toBeNull();
    // A commander rejection (not --help/--version, which carry exit code 0): main.ts turns
    // exactly these into exit 2 (docs/errors.md); the real process's exit 2 is checked in
    // bad-input.test.ts. No command ran, so the dispatch hook never set an exit code.
    expect(r.usageError!.code).toMatch(/^commander\.(invalidArgument|unknownOption|unknownCommand|error)$/);
    expect(r.usageError!.exitCode).not.toBe(0);
    expect(r.exit).toBeNull();
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(calls).toEqual([]);
  });
});
