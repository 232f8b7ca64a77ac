/**
 * The built CLI (`callcert run --target ...`) against a real SIPp UAS
 * (test/fixtures/sipp/uas-basic.xml: 180 + 200, mandatory ACK, BYE -> 200).
 *
 * Both sides count: callcert's results.json must agree with SIPp's own
 * per-message counters (read from its -trace_counts CSV after a graceful stop):
 *   INVITEs SIPp received == summary.calls.attempted
 *   ACKs SIPp received    == summary.calls.answered
 *   BYEs SIPp received    == summary.calls.completed
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByCause, describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir, type CallLine, type CliResult } from '../helpers/cli.js';
import { freeTcpPort, freeUdpPort, requireCommand } from '../helpers/procs.js';
import { describeSippResult, sippCurrentCallsBetween, sippElements, sippFixture, sippRecvCount, startSippUas, type SippResult } from '../helpers/sipp.js';
import type { Results } from '../../src/results/summary.js';

let root = '';

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireBuiltCli();
  root = tempDir('cli-sipp-uas');
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

interface Outcome {
  cli: CliResult;
  results: Results;
  calls: CallLine[];
  uas: SippResult;
  why: string;
}

/** Start the UAS, run callcert against it, stop the UAS gracefully, collect both sides. */
async function runAgainstSipp(
  transport: 'udp' | 'tcp',
  load: { concurrency: number; hold: string; ramp: string; duration: string },
  budgetSec: number,
  scenario: string | { builtin: string } = sippFixture('uas-basic.xml'),
  name: string = transport,
): Promise<Outcome> {
  const port = transport === 'udp' ? await freeUdpPort() : await freeTcpPort();
  const uasHandle = await startSippUas({
    scenario,
    localPort: port,
    transport,
    timeoutSec: budgetSec + 10,
    workDir: tempDir(`uas-${name}`, root),
  });
  const out = join(root, `out-${name}`);
  let cli: CliResult;
  let uas: SippResult;
  try {
    cli = await runCli(
      [
        'run',
        '--target', `sip:service@127.0.0.1:${port}`,
        ...(transport === 'tcp' ? ['--transport', 'tcp'] : []),
        '--concurrency', String(load.concurrency),
        '--hold', load.hold,
        '--ramp', load.ramp,
        '--duration', load.duration,
        '--media', 'none', // signalling only: SIPp's UAS here does not echo RTP
        '--out', out,
        '--quiet',
      ],
      { timeoutSec: budgetSec },
    );
  } finally {
    // SIGUSR1: SIPp lets the calls in progress finish, then writes its final counts.
    uas = await uasHandle.stop(5000);
  }
  const why = `${describeCli(cli)}\nUAS: ${describeSippResult(uas)}`;
  const results = readResults(out);
  const calls = readCalls(out);
  report(`cli-sipp-uas ${name}`, {
    exit: cli.code,
    wallMs: Math.round(cli.wallMs),
    callcert: { ...results.summary.calls, sustained: results.summary.concurrency.sustained, peak: results.summary.concurrency.peak },
    sipp: {
      inviteRecv: sippRecvCount(uas, 'INVITE'),
      ackRecv: sippRecvCount(uas, 'ACK'),
      byeRecv: sippRecvCount(uas, 'BYE'),
      sent200: sippElements(uas, '200', 'send').map((m) => m.count),
      successful: uas.stats.successfulCalls,
      failed: uas.stats.failedCalls,
    },
  });
  return { cli, results, calls, uas, why: `${why}\nsummary: ${JSON.stringify(results.summary.calls)} concurrency: ${JSON.stringify(results.summary.concurrency)}` };
}

/** Numbers that must agree between callcert and SIPp, whatever the load. */
function expectBothSidesAgree(o: Outcome, transport: 'udp' | 'tcp' = 'udp'): void {
  const { results: r, uas, why } = o;
  const c = r.summary.calls;
  expect(r.state, why).toBe('finished');
  expect(r.valid, why).toBe(true);
  expect(r.interrupted, why).toBe(false);
  expect(c.attempted, why).toBeGreaterThan(0);
  expect(c.failed, why).toBe(0);
  expect(c.aborted, why).toBe(0);
  expect(c.unfinished, why).toBe(0);
  expect(c.answered, why).toBe(c.attempted);
  expect(c.completed, why).toBe(c.attempted);
  expect(r.summary.ratios.ser, why).toBe(1);
  expect(r.summary.parseErrors, why).toBe(0);

  // SIPp's side: what it received and sent, message by message.
  expect(sippRecvCount(uas, 'INVITE'), why).toBe(c.attempted);
  expect(sippRecvCount(uas, 'ACK'), why).toBe(c.answered);
  expect(sippRecvCount(uas, 'BYE'), why).toBe(c.completed);
  // 200 to the INVITE (first "200" element) and 200 to the BYE (second one)
  expect(sippElements(uas, '200', 'send').map((m) => m.count), why).toEqual([c.answered, c.completed]);
  if (transport === 'udp') {
    expect(uas.stats.successfulCalls, why).toBe(c.completed);
    expect(uas.stats.failedCalls, why).toBe(0);
  } else {
    // SIPp's built-in UAS ends each call with a timewait; a call still in it when callcert
    // closes its TCP connection at the end of the run is counted "failed" by SIPp although
    // every message of it was exchanged (checked message by message above). Seen in CI: 57 + 2.
    expect((uas.stats.successfulCalls ?? 0) + (uas.stats.failedCalls ?? 0), why).toBe(c.completed);
  }
  // SIPp exits 1 when it counted any failed call (see above for TCP), 0 otherwise.
  const sippFailed = uas.stats.failedCalls ?? 0;
  expect(uas.stats.currentCalls, why).toBe(0);
  expect(uas.exit.code, why).toBe(sippFailed > 0 ? 1 : 0);

  // calls.jsonl: one line per attempted call, every one completed by our BYE.
  expect(o.calls.length, why).toBe(c.attempted);
  expect(countByCause(o.calls), why).toEqual({ completed: c.completed });
  // Call-IDs are unique, as SIPp would otherwise have merged calls.
  expect(new Set(o.calls.map((l) => l.id)).size, why).toBe(c.attempted);
}

/**
 * uas-basic.xml without its 500 ms timewait: SIPp's CurrentCall then counts a call from
 * its INVITE to the 200 of its BYE, the same span as callcert's channel plus the
 * make-before-break overlap, so SIPp's per-second CurrentCall can check the hold stage.
 */
function uasWithoutTimewait(): string {
  const xml = readFileSync(sippFixture('uas-basic.xml'), 'utf8');
  const stripped = xml.replace('<timewait milliseconds="500" />', '');
  if (stripped === xml) throw new Error('uas-basic.xml has no <timewait milliseconds="500" /> to strip');
  const file = join(root, 'uas-basic-no-timewait.xml');
  writeFileSync(file, stripped);
  return file;
}

/** SIPp's CurrentCall rows inside callcert's sustained window (epoch ms from results.json). */
function sippHoldWindow(o: Outcome): number[] {
  const w = o.results.summary.concurrency.sustainedWindowMs;
  if (w === null) throw new Error(`no sustained window in results.json\n${o.why}`);
  const t0 = Date.parse(o.results.startedAt);
  return sippCurrentCallsBetween(o.uas.stats, t0 + w[0], t0 + w[1]);
}

describe('callcert run → SIPp UAS over UDP (100 channels, 3 s holds)', () => {
  let o: Outcome;
  beforeAll(async () => {
    o = await runAgainstSipp('udp', { concurrency: 100, hold: '3s', ramp: '2s', duration: '8s' }, 40, uasWithoutTimewait());
  }, 60_000);

  it('callcert and SIPp count the same INVITEs, ACKs and BYEs', () => {
    expectBothSidesAgree(o);
    // 10 s of load with 3 s holds: 100 first calls + roughly 100 replacements per 3 s.
    const c = o.results.summary.calls;
    expect(c.attempted, o.why).toBeGreaterThanOrEqual(250);
    expect(c.attempted, o.why).toBeLessThanOrEqual(450);
    expect(o.results.target, o.why).toMatchObject({ transport: 'udp', embedded: false });
  });

  // Regression: a ramp step whose timer fired a fraction of a ms early used to leave the
  // run one channel short for the whole hold stage.
  // The peer corroborates the headline figure: SIPp's own CurrentCall, sampled every second
  // (-fd 1), never drops below the target during the hold window and overshoots it by at
  // most the one replacement call of make-before-break.
  it('sustains exactly 100 established channels through the hold stage, and SIPp sees 100..101 open calls', () => {
    const cc = o.results.summary.concurrency;
    const rows = sippHoldWindow(o);
    report('cli-sipp-uas udp hold window', { sustained: cc.sustained, peak: cc.peak, windowMs: cc.sustainedWindowMs, sippCurrentCall: rows });
    expect(cc.target, o.why).toBe(100);
    expect(cc.sustained, o.why).toBe(100);
    expect(cc.peak, o.why).toBeGreaterThanOrEqual(100);
    expect(cc.peak, o.why).toBeLessThanOrEqual(101);
    // An 8 s hold stage less the 1 s settle: 6 or 7 one-second rows.
    expect(rows.length, `${o.why}\nrows: ${JSON.stringify(rows)}`).toBeGreaterThanOrEqual(5);
    expect(Math.min(...rows), `${o.why}\nrows: ${JSON.stringify(rows)}`).toBeGreaterThanOrEqual(100);
    expect(Math.max(...rows), `${o.why}\nrows: ${JSON.stringify(rows)}`).toBeLessThanOrEqual(101);
  });
});

describe('callcert run --transport tcp → SIPp UAS -t t1 (20 channels, 2 s holds)', () => {
  let o: Outcome;
  beforeAll(async () => {
    o = await runAgainstSipp('tcp', { concurrency: 20, hold: '2s', ramp: '1s', duration: '4s' }, 30);
  }, 60_000);

  it('callcert and SIPp count the same INVITEs, ACKs and BYEs', () => {
    expectBothSidesAgree(o, 'tcp');
    const c = o.results.summary.calls;
    // 5 s of load, 2 s holds: 20 first calls + ~2 generations of replacements.
    expect(c.attempted, o.why).toBeGreaterThanOrEqual(40);
    expect(c.attempted, o.why).toBeLessThanOrEqual(80);
    expect(o.results.target, o.why).toMatchObject({ transport: 'tcp', embedded: false });
  });

  // Regression: a ramp step whose timer fired a fraction of a ms early used to leave the
  // run one channel short for the whole hold stage.
  it('sustains exactly 20 established channels through the hold stage', () => {
    expect(o.results.summary.concurrency.target, o.why).toBe(20);
    expect(o.results.summary.concurrency.sustained, o.why).toBe(20);
    expect(o.results.summary.concurrency.peak, o.why).toBeGreaterThanOrEqual(20);
    expect(o.results.summary.concurrency.peak, o.why).toBeLessThanOrEqual(21);
  });
});

// SIPp's own built-in UAS (`sipp -sn uas`), as issue 02 names it: 180 + 200, ACK, BYE -> 200,
// then a 4 s timewait (the graceful stop waits for it).
describe('callcert run → SIPp built-in UAS (-sn uas) over UDP (10 channels, 1 s holds)', () => {
  let o: Outcome;
  beforeAll(async () => {
    o = await runAgainstSipp('udp', { concurrency: 10, hold: '1s', ramp: '0s', duration: '2s' }, 30, { builtin: 'uas' }, 'builtin');
  }, 60_000);

  it('callcert and SIPp count the same INVITEs, ACKs and BYEs', () => {
    expectBothSidesAgree(o);
    expect(o.uas.messages.map((m) => `${m.name}/${m.kind}`), o.why).toEqual(['INVITE/recv', '180/send', '200/send', 'ACK/recv', 'BYE/recv', '200/send', 'Pause/pause']);
    expect(o.results.summary.concurrency.sustained, o.why).toBe(10);
  });
});
