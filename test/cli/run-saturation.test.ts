/**
 * Generator saturation in a real run, not in a hand-edited results.json: the embedded
 * call centre, with the scenario's slip limit set below what any timer can meet
 * (`generator.maxScheduleSlipMsP99=0.001`), so the run's own measured schedule slip
 * marks it invalid. A passing criterion must not turn that into a PASS anywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';

beforeAll(() => requireBuiltCli());

describe('a run whose generator misses its schedule-slip limit', () => {
  it('is invalid: valid false, verdict invalid, exit 3, the reason names the slip, and no output says PASSED', async () => {
    const out = join(tempDir('saturation'), 'out');
    const cli = await runCli(
      [
        'run', '--media', 'none', '--rate', '20', '--ramp', '0s', '--duration', '2s', '--hold', '500ms',
        '--set', 'generator.maxScheduleSlipMsP99=0.001',
        '--criterion', 'setup_ms p(95)<5000',
        '--report', '--report-format', 'junit,md',
        '--quiet', '--out', out,
      ],
      { timeoutSec: 60 },
    );
    const why = describeCli(cli);
    const r = readResults(out);
    report('saturation', { exit: cli.code, valid: r.valid, verdict: r.verdict, invalidReasons: r.invalidReasons, slipP99: r.generator.scheduleSlipMsP99 });

    expect(cli.code, why).toBe(3);
    expect(r.state, why).toBe('finished');
    expect(r.interrupted, why).toBe(false);
    expect(r.valid, why).toBe(false);
    expect(r.verdict, why).toBe('invalid');
    // The run itself was fine: 40 calls, all completed; only the generator's own figure fails.
    expect(r.summary.calls.attempted, why).toBe(40);
    expect(r.summary.calls.completed, why).toBe(40);
    expect(r.generator.limits.maxScheduleSlipMsP99, why).toBe(0.001);
    expect(r.generator.scheduleSlipMsP99, why).toBeGreaterThan(0.001);
    expect(r.invalidReasons, why).toEqual([
      `generator saturated: schedule slip p99 ${r.generator.scheduleSlipMsP99} ms > 0.001 ms (the numbers would measure callcert, not the target)`,
    ]);
    // The criterion itself passed, but nothing may say the run PASSED.
    expect(r.criteria.map((c) => c.pass), why).toEqual([true]);
    expect(cli.stdout, why).toMatch(/^verdict: INVALID — generator saturated: schedule slip p99 /m);
    expect(cli.stdout + cli.stderr, why).not.toMatch(/PASSED/);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<property name="verdict" value="invalid"\/>/);
    expect(junit).toMatch(/<testcase name="run validity"[^>]*>\s*<failure message="the run is not valid evidence \(generator saturated: schedule slip p99/);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toMatch(/^## callcert: adhoc — ⚠️ INVALID$/m);
    expect(md).not.toMatch(/PASSED/);
  }, 90_000);
});
