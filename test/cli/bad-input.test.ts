/**
 * The built CLI refuses bad input with exit code 2 ("usage or scenario error:
 * nothing was run") and exactly one line on stderr — no stack trace, no help
 * dump — naming what is wrong and where.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, nonEmptyLines, requireBuiltCli, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { freeUdpPort } from '../helpers/procs.js';

let root = '';

beforeAll(() => {
  requireBuiltCli();
  root = tempDir('bad-input');
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

/** Write a scenario file into the temp dir; returns its absolute path. */
function scenarioFile(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

/** Run the CLI from the temp dir (so relative paths in messages are short). */
function cli(args: string[], timeoutSec = 15): Promise<CliResult> {
  return runCli(args, { timeoutSec, cwd: root });
}

/** Exit 2, one stderr line (returned), no stack trace, nothing on stdout. */
function expectUsageError(r: CliResult): string {
  const why = describeCli(r);
  expect(r.timedOut, why).toBe(false);
  expect(r.code, why).toBe(2);
  const lines = nonEmptyLines(r.stderr);
  expect(lines, why).toHaveLength(1);
  expect(r.stderr, why).not.toMatch(/^\s+at /m);
  expect(r.stdout.trim(), why).toBe('');
  return lines[0] as string;
}

describe('callcert CLI: bad input → exit 2 and one line on stderr', () => {
  it('malformed YAML: the line names file:line:col', async () => {
    scenarioFile('broken.yaml', 'name: broken\nload:\n  model: closed\n  stages: [{ duration: 10s, target: 10 }\ncall:\n  hold: 20s\n');
    const out = join(root, 'out-broken');
    const line = expectUsageError(await cli(['run', 'broken.yaml', '--out', out, '--quiet']));
    // The flow sequence opened on line 4 is never closed; YAML notices at line 5, column 1.
    expect(line).toMatch(/^callcert: broken\.yaml:[45]:\d+: /);
    expect(line).toContain('[CC_ERR_SCENARIO_SYNTAX]');
    expect(existsSync(out)).toBe(false);
  });

  it('unknown field: the line names the field path and a hint', async () => {
    scenarioFile('unknown.yaml', 'name: unknown-field\nload:\n  model: open\n  rate: 100\n  stages:\n    - { duration: 10s, target: 10 }\n');
    const line = expectUsageError(await cli(['run', 'unknown.yaml', '--out', join(root, 'out-unknown'), '--quiet']));
    expect(line).toMatch(/^callcert: unknown\.yaml: load: unknown field "rate"; /);
    expect(line).toContain('load.stages[].target'); // the hint: where the rate goes instead
    expect(line).toContain('[CC_ERR_SCENARIO_INVALID]');
  });

  it('misspelt field: the hint suggests the right name', async () => {
    scenarioFile('typo.yaml', 'name: typo\nload:\n  model: closed\n  stages:\n    - { duration: 10s, target: 10 }\ncall:\n  hodl: 20s\n');
    const line = expectUsageError(await cli(['run', 'typo.yaml', '--out', join(root, 'out-typo'), '--quiet']));
    expect(line).toMatch(/^callcert: typo\.yaml: call: unknown field "hodl"; did you mean "hold"\?/);
  });

  it('negative stage target in a file', async () => {
    scenarioFile(
      'negative.yaml',
      'name: negative\nload:\n  model: open\n  stages:\n    - { duration: 10s, target: 10 }\n    - { duration: 10s, target: -5 }\n',
    );
    const line = expectUsageError(await cli(['run', 'negative.yaml', '--out', join(root, 'out-negative'), '--quiet']));
    expect(line).toMatch(/^callcert: negative\.yaml: load\.stages\[1\]\.target: expected a number >= 0, got -5/);
  });

  // Regression: subcommand options rejected by commander used to exit 1 with two lines
  // (exitOverride was set after the subcommands were created).
  it('--dashboard before the scenario file: says the file went to the address', async () => {
    const line = expectUsageError(await cli(['run', '--dashboard', 'broken.yaml', '--quiet']));
    expect(line).toMatch(/^callcert: --dashboard broken\.yaml: that is the scenario file; write --dashboard=HOST:PORT/);
  });

  it('--dashboard with a bad address names the option and the form expected', async () => {
    const line = expectUsageError(await cli(['run', '--concurrency', '1', '--dashboard=127.0.0.1:99999', '--out', join(root, 'out-dash'), '--quiet']));
    expect(line).toContain('--dashboard=127.0.0.1:99999: the port must be 0 to 65535, got "99999" (expected HOST:PORT, e.g. 127.0.0.1:9467');
    expect(existsSync(join(root, 'out-dash'))).toBe(false);
  });

  it('--rate -5 exits 2 (a usage error, not "criteria failed")', async () => {
    const r = await cli(['run', '--rate', '-5', '--duration', '1s', '--quiet']);
    expect(r.code, describeCli(r)).toBe(2);
  });

  it('--rate -5 prints exactly one stderr line', async () => {
    const r = await cli(['run', '--rate', '-5', '--duration', '1s', '--quiet']);
    expect(nonEmptyLines(r.stderr), describeCli(r)).toHaveLength(1);
  });

  it('--rate -5 is refused before anything runs, with a line naming the flag', async () => {
    const out = join(root, 'out-rate');
    const r = await cli(['run', '--rate', '-5', '--duration', '1s', '--out', out, '--quiet']);
    const why = describeCli(r);
    expect(r.timedOut, why).toBe(false);
    expect(r.code, why).toBe(2);
    expect(nonEmptyLines(r.stderr)[0], why).toMatch(/--rate.*-5/);
    expect(r.stderr, why).not.toMatch(/^\s+at /m);
    expect(existsSync(out), why).toBe(false);
  });

  it('unreachable target: a line saying so, nothing written', async () => {
    const port = await freeUdpPort(); // nobody listens there: ICMP port unreachable
    const out = join(root, 'out-unreachable');
    const line = expectUsageError(await cli(['run', '--target', `sip:127.0.0.1:${port}`, '--rate', '1', '--duration', '1s', '--out', out, '--quiet']));
    expect(line).toContain('unreachable');
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(line).toContain('[CC_ERR_TARGET_UNREACHABLE]');
    expect(existsSync(out)).toBe(false);
  });

  it('callcert target on a UDP port another socket holds: "already in use"', async () => {
    const holder: Socket = createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      holder.once('error', reject);
      holder.bind(0, '127.0.0.1', () => resolve(holder.address().port));
    });
    try {
      const line = expectUsageError(await cli(['target', '--sip-port', String(port), '--duration', '2s']));
      expect(line).toContain('already in use');
      expect(line).toContain(String(port));
      expect(line).toContain('[CC_ERR_NET_PORT_IN_USE]');
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
  });

  it('missing scenario file', async () => {
    const out = join(root, 'out-missing');
    const line = expectUsageError(await cli(['run', 'no-such-scenario.yaml', '--out', out, '--quiet']));
    expect(line).toMatch(/^callcert: no-such-scenario\.yaml: scenario file not found/);
    expect(line).toContain('[CC_ERR_SCENARIO_NOT_FOUND]');
    expect(existsSync(out)).toBe(false);
  });
});
