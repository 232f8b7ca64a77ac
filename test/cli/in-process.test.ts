/**
 * The command line run in process through `runCli` and a memory Runtime: no dist/, no child
 * process. What the built-CLI tests (bad-input, compare) check over a spawn, for the paths
 * that start no worker: usage errors, validate, compare, --version.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { VERSION } from '../../src/version.js';
import { memoryRuntime } from '../helpers/runtime.js';

const argv = (...args: string[]) => ['node', 'callcert', ...args];
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'callcert-in-process-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runCli in process', () => {
  it('--version prints the version and exits 0', async () => {
    const rt = memoryRuntime();
    expect(await runCli(argv('--version'), rt)).toBe(0);
    expect(rt.out().trim()).toBe(VERSION);
  });

  it('a scenario with a typo: exit 2 and one line naming file and field, nothing written', async () => {
    const file = join(root, 'typo.yaml');
    writeFileSync(file, 'name: typo\nload:\n  model: closed\n  stages:\n    - { duration: 10s, target: 10 }\ncall:\n  hodl: 20s\n');
    const rt = memoryRuntime({ cwd: root });
    expect(await runCli(argv('run', file, '--out', join(root, 'out'), '--quiet'), rt)).toBe(2);
    const lines = rt.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`callcert: ${file}: call: unknown field "hodl"; did you mean "hold"? [CC_ERR_SCENARIO_INVALID]`);
    expect(rt.out()).toBe('');
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it('--auth-user without --auth-password is a usage error', async () => {
    const rt = memoryRuntime({ cwd: root });
    expect(await runCli(argv('run', '--auth-user', 'u', '--quiet'), rt)).toBe(2);
    expect(rt.err()).toBe('callcert: --auth-user and --auth-password go together [CC_ERR_CLI_USAGE]\n');
  });

  it('validate prints what the scenario will do and exits 0', async () => {
    const rt = memoryRuntime();
    expect(await runCli(argv('validate', resolve(import.meta.dirname, '../../scenarios/smoke.yaml')), rt)).toBe(0);
    expect(rt.out()).toMatch(/smoke/);
    expect(rt.out()).toMatch(/closed model/);
    expect(rt.err()).toBe('');
  });

  it('validate prints each criterion with its unit from the catalogue: ms for times, none for MOS and ratios', async () => {
    const rt = memoryRuntime();
    expect(await runCli(argv('validate', resolve(import.meta.dirname, '../../scenarios/soak-24h.yaml')), rt)).toBe(0);
    expect(rt.out()).toMatch(/criterion: setup_ms p\(95\) < 1000 ms\n/);
    expect(rt.out()).toMatch(/criterion: mos_cqe p\(5\) >= 4\n/);
    expect(rt.out()).toMatch(/criterion: rtp_loss_ratio p\(95\) < 0\.01\n/);
  });

  it('compare of a run with itself: exit 0, and the Markdown file is written through the runtime', async () => {
    const results = join(FIXTURES, 'junit', 'smoke-results.json');
    const md = join(root, 'cmp', 'compare.md');
    const rt = memoryRuntime({ cwd: root });
    expect(await runCli(argv('compare', results, results, '--md', md), rt)).toBe(0);
    expect(readFileSync(md, 'utf8')).toMatch(/setup_ms\.p95/);
  });
});
