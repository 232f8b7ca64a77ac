/**
 * `callcert run` with per-call data (call.data / --data) against the embedded call
 * centre, through the built CLI: a SIPp injection file drives the identities, order
 * unique fails the calls past the last row with cause data_exhausted (counted like
 * any cause, in results.json and calls.jsonl), the passwords of the file reach no
 * file of the output dir and no console line, and a bad file or a missing column
 * is a scenario error (exit 2, one line naming the file and the field).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByCause, describeCli, nonEmptyLines, readCalls, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';

let root = '';

beforeAll(() => {
  requireBuiltCli();
  root = tempDir('run-call-data');
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

const PASSWORDS = Array.from({ length: 10 }, (_, i) => `Inj-Secret-${i}-q7`);

describe('callcert run with call.data against the embedded call centre', () => {
  it('a SIPp injection file (--data), order unique: 10 calls get the 10 rows, the rest fail as data_exhausted; no password in the output', async () => {
    write('users.inf', 'SEQUENTIAL\n' + PASSWORDS.map((pw, i) => `${2000 + i};${pw};\n`).join(''));
    const out = join(root, 'out-unique');
    // 5 calls/s for 4 s: 20 arrivals; rows 0–9 are used by calls 0–9 (striped over 2 workers).
    const cli = await runCli(
      ['run', '--media', 'none', '--rate', '5', '--ramp', '0', '--duration', '4s', '--hold', '500ms', '--workers', '2', '--data', 'users.inf',
        // About per-call data, not generator health (run-saturation's): 20 calls make the slip p99 their worst two, and
        // two workers share the box's two cores with the other test files.
        '--set', 'generator.maxScheduleSlipMsP99=100',
        '--set', 'call.data.order=unique', '--set', 'call.from={{field0}}', '--set', 'call.headers.X-Agent=agent-{{field0}}',
        '--quiet', '--out', out, '--report', '--report-format', 'md,junit'],
      { timeoutSec: 40, cwd: root },
    );
    const r = readResults(out);
    const c = r.summary.calls;
    const calls = readCalls(out);
    const why = `${describeCli(cli)}\nsummary: ${JSON.stringify(c)} ${JSON.stringify(r.summary.failuresByCause)}`;
    report('run call.data unique', { exit: cli.code, callcert: c, failuresByCause: r.summary.failuresByCause, byCause: countByCause(calls) });

    expect(r.valid, why).toBe(true);
    expect(c.attempted, why).toBe(20);
    expect(c.completed, why).toBe(10);
    expect(c.failed, why).toBe(10);
    expect(c.noResponse, why).toBe(0);
    expect(r.summary.failuresByCause, why).toEqual({ data_exhausted: 10 });
    expect(r.summary.failuresByCode, why).toEqual({});
    expect(countByCause(calls), why).toEqual({ completed: 10, data_exhausted: 10 });
    expect(calls.filter((l) => l.cause === 'completed').map((l) => l.i).sort((a, b) => a - b), why).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(calls.filter((l) => l.cause === 'data_exhausted').every((l) => l.i >= 10 && l.id === null && l.startMs === null), why).toBe(true);
    // The embedded call centre saw only the 10 calls that had a row.
    expect((r.embeddedTarget as { invites: number }).invites, why).toBe(10);
    expect(cli.code, why).toBe(1);

    // scenario.resolved.json names the file and keeps the templates.
    const resolved = JSON.parse(readFileSync(join(out, 'scenario.resolved.json'), 'utf8')) as { call: Record<string, unknown> };
    expect(resolved.call, why).toMatchObject({ fromUser: '{{field0}}', headers: { 'X-Agent': 'agent-{{field0}}' }, data: { file: join(root, 'users.inf'), order: 'unique' } });
    const files = readdirSync(out);
    expect(files, why).toEqual(expect.arrayContaining(['results.json', 'calls.jsonl', 'scenario.resolved.json', 'junit.xml', 'summary.md']));
    for (const f of files) for (const pw of PASSWORDS) expect(readFileSync(join(out, f), 'latin1'), `${f} holds ${pw}`).not.toContain(pw);
    for (const pw of PASSWORDS) expect(cli.stdout + cli.stderr, why).not.toContain(pw);
  }, 60_000);

  it('a CSV in a scenario file, order sequential: rows recycle and every call completes', async () => {
    write('agents.csv', 'agent,number\na1,100\na2,101\na3,102\n');
    const scenario = write(
      'seq.yaml',
      `name: seq
load: { model: open, stages: [{ duration: 0s, target: 4 }, { duration: 2s, target: 4 }] }
call: { hold: 200ms, from: "{{agent}}", displayName: "Agent {{agent}}", to: "{{number}}", data: { file: agents.csv } }
`,
    );
    const out = join(root, 'out-seq');
    const cli = await runCli(['run', scenario, '--quiet', '--out', out], { timeoutSec: 30 });
    const r = readResults(out);
    const why = `${describeCli(cli)}\nsummary: ${JSON.stringify(r.summary.calls)} ${JSON.stringify(r.summary.failuresByCause)}`;
    expect(r.summary.calls.attempted, why).toBe(8);
    expect(r.summary.calls.completed, why).toBe(8);
    expect(cli.code, why).toBe(0);
  }, 40_000);
});

describe('bad call data → exit 2, one line naming the file and the field', () => {
  async function usageError(args: string[]): Promise<string> {
    const r = await runCli(args, { timeoutSec: 15, cwd: root });
    const why = describeCli(r);
    expect(r.code, why).toBe(2);
    const lines = nonEmptyLines(r.stderr);
    expect(lines, why).toHaveLength(1);
    return lines[0] as string;
  }

  it('a column the file does not have', async () => {
    write('short.csv', 'user,password\n1000,pw-never-shown-1\n');
    const out = join(root, 'out-missing');
    const line = await usageError(['run', '--rate', '1', '--duration', '1s', '--data', 'short.csv', '--set', 'call.to={{number}}', '--quiet', '--out', out]);
    expect(line).toContain(`command line: call.to: expected a column of ${join(root, 'short.csv')} (user, password), got "{{number}}"`);
    expect(line).toContain('[CC_ERR_SCENARIO_INVALID]');
    expect(line).not.toContain('pw-never-shown-1');
    expect(existsSync(out)).toBe(false);
  });

  it('a file that is not there, or malformed', async () => {
    expect(await usageError(['run', '--rate', '1', '--duration', '1s', '--data', 'nope.csv', '--quiet', '--out', join(root, 'o1')])).toContain(
      `command line: call.data.file: ${join(root, 'nope.csv')}: file not found`,
    );
    write('ragged.inf', 'RANDOM\na;b\nc\n');
    expect(await usageError(['run', '--rate', '1', '--duration', '1s', '--data', 'ragged.inf', '--quiet', '--out', join(root, 'o2')])).toContain(
      `call.data.file: ${join(root, 'ragged.inf')}: line 3: 1 field(s) separated by ";", expected 2 (as on line 2)`,
    );
  });
});
