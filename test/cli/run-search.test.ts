/**
 * Capacity search end to end, through the built CLI: scenarios/capacity-search.yaml
 * (1000 → by 200, ceiling cut to 1800, 3 s ramps and 10 s steps to keep it short)
 * against the embedded call centre with `--capacity 1400`. Beyond 1400 channels
 * the call centre answers 503, so SER breaks there: the certified capacity must be
 * 1200 or 1400 (at exactly 1400 the closed model's make-before-break replacement
 * is the 1401st call, so 1400 itself may fail), the failing criterion is named,
 * and the run stops at the failing step, not at the ceiling. An HTTP load on the
 * embedded CTI API runs throughout, and its latency criterion is judged per step too.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readResults, report, requireBuiltCli, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import type { Results } from '../../src/results/summary.js';

let root = '';

beforeAll(() => {
  requireBuiltCli();
  root = tempDir('run-search');
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

describe('callcert run scenarios/capacity-search.yaml --capacity 1400 (steps 1000..1800 by 200, 3 s ramp + 10 s hold)', () => {
  let cli: CliResult;
  let r: Results;
  let search: NonNullable<Results['search']>;
  let why = '';

  beforeAll(async () => {
    const out = join(root, 'search');
    const args = [
      'run', 'scenarios/capacity-search.yaml', '--capacity', '1400', '--set', 'load.ceiling=1800', '--set', 'load.stepDuration=10s', '--set', 'load.ramp=3s',
      '--set', 'http.load=[{name: agents, url: /v1/agents, rate: 20, duration: 65s}]', '--set', 'criteria.http_latency_ms{load:agents}=["p(95)<500"]',
      '--out', out, '--quiet',
    ];
    cli = await runCli(args, { timeoutSec: 150 });
    r = readResults(out);
    search = r.search!;
    const steps = search?.steps.map((s) => ({ level: s.level, pass: s.pass, sustained: s.sustained, setupP95: s.setupMs.p95, ser: s.ser, attempted: s.attempted, failed: s.failed, byCode: s.failuresByCode }));
    why = `${describeCli(cli)}\nsearch: ${JSON.stringify({ ...search, steps })}\ncriteria: ${JSON.stringify(r.criteria)}\ninvalid: ${JSON.stringify(r.invalidReasons)}`;
    report('run-search capacity 1400', { exit: cli.code, wallMs: Math.round(cli.wallMs), durationMs: r.durationMs, certified: search?.certifiedCapacity, failedStep: search?.failedStep, failing: search?.failingCriterion, steps });
  }, 180_000);

  it('is a valid, finished run that certifies 1200 or 1400 channels and passes load.require (1000)', () => {
    expect(cli.timedOut, why).toBe(false);
    expect(r.state, why).toBe('finished');
    expect(r.valid, why).toBe(true);
    expect(r.interrupted, why).toBe(false);
    // A search runs as the closed model over generated stages; `search` says it was one.
    expect(r.scenario.model, why).toBe('closed');
    expect(r.scenario.stages.map((st) => st.target), why).toEqual([1000, 1000, 1200, 1200, 1400, 1400, 1600, 1600, 1800, 1800]);
    expect(search.levels, why).toEqual([1000, 1200, 1400, 1600, 1800]);
    expect([1200, 1400], why).toContain(search.certifiedCapacity);
    expect(r.verdict, why).toBe('passed');
    expect(cli.code, why).toBe(0);
    expect(r.criteria.find((c) => c.metric === 'certified_capacity'), why).toMatchObject({ criterion: '>=1000', actual: search.certifiedCapacity, pass: true });
    expect(cli.stdout, why).toMatch(new RegExp(`^certified capacity: ${search.certifiedCapacity} channels; step ${search.failedStep} failed ser >=0\\.999 \\(actual 0\\.\\d+\\)$`, 'm'));
  });

  it('names the failing step and criterion: SER, broken by the call centre’s 503s', () => {
    expect(search.stoppedBy, why).toBe('criterion');
    expect(search.failedStep, why).toBe(search.certifiedCapacity! + 200);
    expect(search.failingCriterion?.metric, why).toBe('ser');
    expect(search.failingCriterion?.criterion, why).toBe('>=0.999');
    expect(search.failingCriterion!.actual!, why).toBeLessThan(0.999);
    const failed = search.steps[search.steps.length - 1];
    expect(failed.pass, why).toBe(false);
    expect(failed.failuresByCode['503'], why).toBeGreaterThan(0);
    expect(failed.failed, why).toBe(failed.failuresByCode['503']);
  });

  it('records every step judged, each on its own hold window, passing steps clean', () => {
    const levels = search.steps.map((s) => s.level);
    expect(levels, why).toEqual(search.levels.slice(0, levels.length));
    for (const [i, s] of search.steps.entries()) {
      // 3 s ramp + 10 s hold per step: the hold of step i is [13i + 3, 13i + 13) s.
      expect([s.startMs, s.endMs], why).toEqual([13_000 * i + 3000, 13_000 * i + 13_000]);
      expect(s.criteria.map((c) => c.metric), why).toEqual(['setup_ms', 'ser', 'http_latency_ms{load:agents}']);
      // The API's latency over the step's own requests (20 a second).
      const api = s.criteria[2];
      expect(api.actual, why).not.toBeNull();
      expect(api.pass, why).toBe(api.actual! < 500);
      if (!s.pass) continue;
      expect(api.pass, why).toBe(true);
      expect(s.sustained, why).toBe(s.level);
      expect(s.failed, why).toBe(0);
      expect(s.ser, why).toBe(1);
      expect(s.setupMs.p95!, why).toBeLessThan(800);
      // closed model, 4–6 s holds: about level / 5 calls a second over the 10 s hold
      expect(s.attempted, why).toBeGreaterThan(s.level * 1.5);
    }
  });

  it('stops at the failing step instead of running on to the ceiling', () => {
    const failedEndMs = search.steps[search.steps.length - 1].endMs;
    // Judged within a couple of seconds of the step's end; the ceiling's hold would end at 65 s.
    expect(r.durationMs, why).toBeLessThan(failedEndMs + 6000);
    expect(r.durationMs, why).toBeLessThan(13_000 * 5);
  });
});
