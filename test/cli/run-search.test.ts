/**
 * Capacity search end to end, through the built CLI: scenarios/capacity-search.yaml
 * scaled down (levels 20 → 80 by 20, 2 s ramps and 6 s steps, 2 s holds) against the
 * embedded call centre with `--capacity 50`. Beyond 50 channels the call centre
 * answers 503, so SER breaks at the 60-channel step: the certified capacity is 40
 * exactly, the failing criterion is named, and the run stops at the failing step,
 * not at the ceiling. An HTTP load on the embedded CTI API runs throughout, and its
 * latency criterion is judged per step too. The setup and API latency criteria are
 * loose (5 s): this test is about the search's logic, not the host's speed; a
 * 1,400-channel search is a load run, for `npm run bench` or a closing note.
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

describe('callcert run scenarios/capacity-search.yaml --capacity 50 (steps 20..80 by 20, 2 s ramp + 6 s hold)', () => {
  let cli: CliResult;
  let r: Results;
  let search: NonNullable<Results['search']>;
  let why = '';

  beforeAll(async () => {
    const out = join(root, 'search');
    const args = [
      'run', 'scenarios/capacity-search.yaml', '--capacity', '50',
      '--set', 'load.start=20', '--set', 'load.step=20', '--set', 'load.ceiling=80', '--set', 'load.require=20',
      '--set', 'load.stepDuration=6s', '--set', 'load.ramp=2s', '--set', 'call.hold=2s',
      '--set', 'criteria.setup_ms=["p(95)<5000"]',
      '--set', 'http.load=[{name: agents, url: /v1/agents, rate: 20, duration: 32s}]', '--set', 'criteria.http_latency_ms{load:agents}=["p(95)<5000"]',
      '--out', out, '--quiet',
    ];
    cli = await runCli(args, { timeoutSec: 90 });
    r = readResults(out);
    search = r.search!;
    const steps = search?.steps.map((s) => ({
      level: s.level,
      pass: s.pass,
      sustained: s.sustained,
      setupP95: s.setupMs.p95,
      ser: s.ser,
      attempted: s.attempted,
      failed: s.failed,
      byCode: s.failuresByCode,
    }));
    why = `${describeCli(cli)}\nsearch: ${JSON.stringify({ ...search, steps })}\ncriteria: ${JSON.stringify(r.criteria)}\ninvalid: ${JSON.stringify(r.invalidReasons)}`;
    report('run-search capacity 50', { exit: cli.code, wallMs: Math.round(cli.wallMs), durationMs: r.durationMs, certified: search?.certifiedCapacity, failedStep: search?.failedStep, failing: search?.failingCriterion, steps });
  }, 120_000);

  it('is a valid, finished run that certifies exactly 40 channels and passes load.require (20)', () => {
    expect(cli.timedOut, why).toBe(false);
    expect(r.state, why).toBe('finished');
    expect(r.valid, why).toBe(true);
    expect(r.interrupted, why).toBe(false);
    // A search runs as the closed model over generated stages; `search` says it was one.
    expect(r.scenario.model, why).toBe('closed');
    expect(r.scenario.stages.map((st) => st.target), why).toEqual([20, 20, 40, 40, 60, 60, 80, 80]);
    expect(search.levels, why).toEqual([20, 40, 60, 80]);
    // 40 channels (41 with a make-before-break replacement) fit in 50; 60 do not.
    expect(search.certifiedCapacity, why).toBe(40);
    expect(r.verdict, why).toBe('passed');
    expect(cli.code, why).toBe(0);
    expect(r.criteria.find((c) => c.metric === 'certified_capacity'), why).toMatchObject({ criterion: '>=20', actual: 40, pass: true });
    expect(cli.stdout, why).toMatch(/^certified capacity: 40 channels; step 60 failed ser >=0\.999 \(actual 0\.\d+\)$/m);
  });

  it('names the failing step and criterion: SER, broken by the call centre’s 503s', () => {
    expect(search.stoppedBy, why).toBe('criterion');
    expect(search.failedStep, why).toBe(60);
    expect(search.failingCriterion?.metric, why).toBe('ser');
    expect(search.failingCriterion?.criterion, why).toBe('>=0.999');
    expect(search.failingCriterion!.actual!, why).toBeLessThan(0.999);
    expect(search.steps.map((s) => [s.level, s.pass]), why).toEqual([[20, true], [40, true], [60, false]]);
    const failed = search.steps[search.steps.length - 1];
    expect(failed.failuresByCode['503'], why).toBeGreaterThan(0);
    expect(failed.failed, why).toBe(failed.failuresByCode['503']);
  });

  it('records every step judged, each on its own hold window, passing steps clean', () => {
    expect(search.steps, why).toHaveLength(3);
    for (const [i, s] of search.steps.entries()) {
      // 2 s ramp + 6 s hold per step: the hold of step i is [8i + 2, 8i + 8) s.
      expect([s.startMs, s.endMs], why).toEqual([8000 * i + 2000, 8000 * i + 8000]);
      expect(s.criteria.map((c) => c.metric), why).toEqual(['setup_ms', 'ser', 'http_latency_ms{load:agents}']);
      // The API's latency over the step's own requests (20 a second): judged, and well within 5 s.
      const api = s.criteria[2];
      expect(api.actual, why).not.toBeNull();
      expect(api.pass, why).toBe(true);
      if (!s.pass) continue;
      expect(s.sustained, why).toBe(s.level);
      expect(s.failed, why).toBe(0);
      expect(s.ser, why).toBe(1);
      // closed model, 2 s holds over a 6 s hold window: every channel places 3 calls or so.
      expect(s.attempted, why).toBeGreaterThanOrEqual(s.level * 2);
    }
  });

  it('stops at the failing step instead of running on to the ceiling', () => {
    // The ceiling's (80) hold would end at 32 s.
    expect(r.durationMs, why).toBeLessThan(32_000);
    expect(r.durationMs, why).toBeGreaterThanOrEqual(search.steps[search.steps.length - 1].startMs);
  });
});

/**
 * Voice judged per step: each level's MOS, loss and jitter over the live streams' seconds within its hold.
 * A clean loopback G.711 call scores MOS-CQE 4.375 (RTT ≈ 0, the 40 ms jitter buffer and 20 ms ptime
 * assumed; docs/media.md), so a bound of 4.0 passes every level and one of 4.4 fails the first, with the
 * measured value as the failing actual. Media slip bound 100 ms: this is about judging, not the host.
 */
describe('callcert run --media pcmu with model: search (levels 10 → 30 by 10): media criteria judged per step', () => {
  const searchArgs = (out: string, criteria: string[]) => [
    'run', 'scenarios/capacity-search.yaml', '--media', 'pcmu', '--workers', '1',
    '--set', 'load.start=10', '--set', 'load.step=10', '--set', 'load.ceiling=30', '--set', 'load.require=10',
    // Calls of 2–4 s: each hold window has calls that start and end in it (with calls outliving the step, a
    // step's SER could rest on no outcome at all when the last ramp call is answered before the hold starts).
    '--set', 'load.stepDuration=4s', '--set', 'load.ramp=1s', '--set', 'call.hold={dist: uniform, min: 2s, max: 4s}', '--set', 'load.gracefulStop=0s',
    '--set', 'criteria.setup_ms=["p(95)<5000"]', '--set', 'generator.maxMediaSendSlipMsP99=100',
    ...criteria.flatMap((c) => ['--criterion', c]), '--out', out, '--quiet',
  ];

  it('MOS-CQE p(5)>=4.0 and loss p(95)<0.01 hold at every level: 30 certified, each step judged on its own streams', async () => {
    const out = join(root, 'search-media-pass');
    const cli = await runCli(searchArgs(out, ['mos_cqe p(5)>=4.0', 'rtp_loss_ratio p(95)<0.01']), { timeoutSec: 90 });
    const r = readResults(out);
    const why = `${describeCli(cli)}\nsearch: ${JSON.stringify(r.search)}\ninvalid: ${JSON.stringify(r.invalidReasons)}`;
    report('run-search with media (pass)', { exit: cli.code, steps: r.search?.steps.map((s) => ({ level: s.level, criteria: s.criteria })) });
    expect(r.search!.certifiedCapacity, why).toBe(30);
    expect(r.search!.steps.map((s) => s.level), why).toEqual([10, 20, 30]);
    for (const s of r.search!.steps) {
      // The generator judged on the step too: healthy (slip bound 100 ms), its own figures recorded.
      expect(s.generator, why).toMatchObject({ saturatedBy: [], mediaNoPort: 0 });
      expect(s.generator!.mediaSendSlipMsP99, why).not.toBeNull();
      const mos = s.criteria.find((c) => c.metric === 'mos_cqe')!;
      const loss = s.criteria.find((c) => c.metric === 'rtp_loss_ratio')!;
      expect(mos.actual, why).toBeGreaterThanOrEqual(4);
      expect(mos.actual, why).toBeLessThanOrEqual(4.5);
      expect(mos.pass, why).toBe(true);
      expect(loss.actual, why).toBe(0);
    }
  }, 120_000);

  it('MOS-CQE p(5)>=4.4 fails the first level with the measured MOS, and nothing is certified', async () => {
    const out = join(root, 'search-media-fail');
    const cli = await runCli(searchArgs(out, ['mos_cqe p(5)>=4.4']), { timeoutSec: 90 });
    const r = readResults(out);
    const why = `${describeCli(cli)}\nsearch: ${JSON.stringify(r.search)}`;
    expect(r.search!.failedStep, why).toBe(10);
    expect(r.search!.certifiedCapacity, why).toBeNull();
    expect(r.search!.failingCriterion, why).toMatchObject({ metric: 'mos_cqe' });
    const actual = r.search!.failingCriterion!.actual!;
    expect(actual, why).toBeGreaterThan(4);
    expect(actual, why).toBeLessThan(4.4);
    expect(cli.code, why).toBe(1);
  }, 120_000);

  it('a generator saturated on the first step (send slip bound 1 µs) ends the search there: nothing healthy measured, INVALID', async () => {
    const out = join(root, 'search-media-generator');
    const args = searchArgs(out, ['mos_cqe p(5)>=4.0']).map((a) => (a === 'generator.maxMediaSendSlipMsP99=100' ? 'generator.maxMediaSendSlipMsP99=0.001' : a));
    const cli = await runCli(args, { timeoutSec: 90 });
    const r = readResults(out);
    const why = `${describeCli(cli)}
search: ${JSON.stringify(r.search)}
invalid: ${JSON.stringify(r.invalidReasons)}`;
    expect(r.search, why).toMatchObject({ stoppedBy: 'generator', generatorLimit: 10, certifiedCapacity: null, failingCriterion: null });
    expect(r.search!.steps, why).toHaveLength(1);
    const st = r.search!.steps[0];
    // Its criterion held; the step is not a platform result all the same.
    expect(st.criteria[st.criteria.length - 1], why).toMatchObject({ metric: 'mos_cqe', pass: true });
    expect(st.pass, why).toBe(false);
    expect(st.generator!.mediaSendSlipMsP99!, why).toBeGreaterThan(0.001);
    expect(st.generator!.saturatedBy, why).toEqual([expect.stringMatching(/^generator saturated: RTP send slip p99 [\d.]+ ms > 0\.001 ms/)]);
    expect(r.valid, why).toBe(false);
    expect(r.invalidReasons, why).toEqual([expect.stringMatching(/^step 10: generator saturated: RTP send slip p99/)]);
    expect(cli.stdout, why).toMatch(/^ {2}step 10: GENERATOR SATURATED/m);
    expect(cli.stdout, why).toMatch(/the generator saturated at step 10 \(generator saturated: RTP send slip/);
    // The search stopped at the first step, not at the ceiling (30's hold ends at 15 s).
    expect(r.durationMs, why).toBeLessThan(15_000);
  }, 120_000);
});
