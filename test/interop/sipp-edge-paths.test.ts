/**
 * Edge paths of a call against real SIPp peers, each counted on both sides:
 *   - CANCEL/487: a SIPp UAS that rings and never answers (uas-ring-forever.xml);
 *     callcert CANCELs at call.ringTimeout, SIPp answers 200 + 487 and needs the ACK.
 *   - INVITE retransmission: a SIPp UAS that answers 800 ms late with no provisional
 *     (uas-slow-answer.xml), beyond T1 over UDP, so callcert resends each INVITE once.
 *   - lost ACK: a SIPp UAC that never ACKs (uac-no-ack.xml) against `callcert simulate`;
 *     the simulator resends its 200 (Timer G) and gives up at Timer H (32 s).
 *   - the open model's cap: `--rate 50 --concurrency 20 --hold 5s`; every refused arrival
 *     is counted blocked and written to calls.jsonl, and SIPp sees only the attempted ones.
 * A few seconds of load each; the lost-ACK case waits out Timer H idle.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  countByCause,
  describeCli,
  parseTargetCounters,
  readCalls,
  readResults,
  report,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
  type CliProcess,
  type CliResult,
} from '../helpers/cli.js';
import { freeUdpPort, requireCommand, waitForPortBound } from '../helpers/procs.js';
import {
  describeSippResult,
  runSippUac,
  sippElements,
  sippFixture,
  sippRecvCount,
  sippSentCount,
  startSippUas,
  type SippResult,
} from '../helpers/sipp.js';

let root = '';
const running: CliProcess[] = [];

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireBuiltCli();
  root = tempDir('sipp-edge');
});

afterEach(async () => {
  for (const p of running.splice(0)) await p.proc.kill(2000);
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

/** Run callcert against a SIPp UAS playing `fixture`; stop the UAS gracefully; both sides' results. */
async function againstUas(
  name: string,
  fixture: string,
  args: string[],
  budgetSec: number,
): Promise<{ cli: CliResult; sipp: SippResult; out: string }> {
  const port = await freeUdpPort();
  const uas = await startSippUas({ scenario: sippFixture(fixture), localPort: port, timeoutSec: budgetSec + 10, workDir: tempDir(`uas-${name}`, root) });
  const out = join(root, `out-${name}`);
  let cli: CliResult;
  try {
    // Signalling only: SIPp's UAS here does not echo RTP.
    cli = await runCli(['run', '--target', `sip:service@127.0.0.1:${port}`, ...args, '--media', 'none', '--quiet', '--out', out], { timeoutSec: budgetSec });
  } finally {
    await uas.stop(5000);
  }
  return { cli, sipp: await uas.finished, out };
}

describe('CANCEL/487 against a SIPp UAS that never answers', () => {
  it('callcert CANCELs every call at ringTimeout; SIPp receives each CANCEL, sends 200 and 487, and gets the ACK', async () => {
    const { cli, sipp, out } = await againstUas(
      'cancel',
      'uas-ring-forever.xml',
      ['--rate', '10', '--ramp', '0s', '--duration', '2s', '--hold', '1s', '--set', 'call.ringTimeout=1s'],
      60,
    );
    const r = readResults(out);
    const c = r.summary.calls;
    const why = `${describeCli(cli)}\nUAS: ${describeSippResult(sipp)}\nsummary: ${JSON.stringify(r.summary.calls)}`;
    report('sipp-cancel', {
      exit: cli.code,
      callcert: { ...c, failuresByCause: r.summary.failuresByCause, failuresByCode: r.summary.failuresByCode },
      sipp: { inviteRecv: sippRecvCount(sipp, 'INVITE'), cancelRecv: sippRecvCount(sipp, 'CANCEL'), sent487: sippSentCount(sipp, '487'), ackRecv: sippRecvCount(sipp, 'ACK'), successful: sipp.stats.successfulCalls },
    });

    // 2 s at 10 cps, no ramp: 20 calls, each rung for 1 s and cancelled.
    expect(c.attempted, why).toBe(20);
    expect(c.answered, why).toBe(0);
    expect(c.failed, why).toBe(20);
    expect(r.summary.failuresByCause, why).toEqual({ ring_timeout: 20 });
    expect(r.summary.failuresByCode, why).toEqual({ 487: 20 });
    expect(countByCause(readCalls(out)), why).toEqual({ ring_timeout: 20 });
    // SIPp's side, message by message.
    expect(sippRecvCount(sipp, 'INVITE'), why).toBe(20);
    expect(sippSentCount(sipp, '180'), why).toBe(20);
    expect(sippRecvCount(sipp, 'CANCEL'), why).toBe(20);
    expect(sippElements(sipp, '200', 'send').map((m) => m.count), why).toEqual([20]);
    expect(sippSentCount(sipp, '487'), why).toBe(20);
    expect(sippRecvCount(sipp, 'ACK'), why).toBe(20);
    expect(sipp.stats.successfulCalls, why).toBe(20);
    expect(sipp.stats.failedCalls, why).toBe(0);
    // Without criteria, calls that did not end normally make the run exit 1.
    expect(r.valid, why).toBe(true);
    expect(cli.code, why).toBe(1);
  }, 90_000);
});

describe('INVITE retransmission over UDP against a SIPp UAS that answers after T1', () => {
  it("SIPp's count of resent INVITEs equals callcert's summary.retransmissions, and every call completes", async () => {
    const { cli, sipp, out } = await againstUas('retrans', 'uas-slow-answer.xml', ['--rate', '5', '--ramp', '0s', '--duration', '2s', '--hold', '1s'], 60);
    const r = readResults(out);
    const c = r.summary.calls;
    const inviteRetrans = sippElements(sipp, 'INVITE', 'recv').reduce((a, m) => a + m.retrans, 0);
    const why = `${describeCli(cli)}\nUAS: ${describeSippResult(sipp)}\nsummary: ${JSON.stringify(r.summary.calls)} retransmissions=${r.summary.retransmissions}`;
    report('sipp-invite-retrans', { exit: cli.code, callcert: { ...c, retransmissions: r.summary.retransmissions, setupP50: r.summary.setupMs.p50 }, sipp: { inviteRecv: sippRecvCount(sipp, 'INVITE'), inviteRetrans, statsRetrans: sipp.stats.retransmissions } });

    expect(cli.code, why).toBe(0);
    expect(r.valid, why).toBe(true);
    expect(c.attempted, why).toBe(10);
    expect(c.answered, why).toBe(10);
    expect(c.completed, why).toBe(10);
    expect(countByCause(readCalls(out)), why).toEqual({ completed: 10 });
    expect(sippRecvCount(sipp, 'INVITE'), why).toBe(10);
    expect(sippRecvCount(sipp, 'ACK'), why).toBe(10);
    expect(sippRecvCount(sipp, 'BYE'), why).toBe(10);
    // Timer A fired at least once per call (the 200 comes 800 ms after the INVITE, T1 is 500 ms),
    // and both sides count the same resends.
    expect(inviteRetrans, why).toBeGreaterThanOrEqual(10);
    expect(r.summary.retransmissions, why).toBe(inviteRetrans);
    // The answer came late, not never: setup includes the wait.
    expect(r.summary.setupMs.p50!, why).toBeGreaterThanOrEqual(800);
  }, 90_000);
});

describe('lost ACK: a SIPp UAC that never ACKs, against callcert simulate', () => {
  it("the simulator counts noAck = calls after Timer H, and SIPp sees the 200 retransmitted", async () => {
    const calls = 10;
    const port = await freeUdpPort();
    // Timer H is 64 × T1 = 32 s after the 200: the simulator must outlive it.
    const sim = startCli(['simulate', '--sip-port', String(port), '--duration', '40s'], { timeoutSec: 60 });
    running.push(sim);
    await sim.waitForStdout('listening on', 10_000);
    await waitForPortBound('udp', '127.0.0.1', port, 5000, sim.proc);
    const uac = await runSippUac({
      scenario: sippFixture('uac-no-ack.xml'),
      target: `127.0.0.1:${port}`,
      calls,
      rate: 10,
      maxConcurrent: calls,
      timeoutSec: 20,
      workDir: tempDir('uac-no-ack', root),
    });
    const res = await sim.result;
    const counters = parseTargetCounters(res.stdout);
    const ok200 = sippElements(uac, '200', 'recv');
    const why = `${describeCli(res)}\nUAC: ${describeSippResult(uac)}\ncounters: ${JSON.stringify(counters)}`;
    report('sipp-no-ack', { sipp: { inviteSent: sippSentCount(uac, 'INVITE'), recv200: ok200.map((m) => m.count), retrans200: ok200.map((m) => m.retrans), successful: uac.stats.successfulCalls }, simulator: counters });

    expect(res.timedOut, why).toBe(false);
    expect(res.code, why).toBe(0);
    expect(sippSentCount(uac, 'INVITE'), why).toBe(calls);
    expect(ok200.map((m) => m.count), why).toEqual([calls]);
    // Timer G: the 200 is resent 0.5, 1.5 and 3.5 s after the first, all within SIPp's 4 s pause.
    expect(ok200[0]!.retrans, why).toBeGreaterThanOrEqual(calls);
    expect(uac.stats.successfulCalls, why).toBe(calls);
    // The simulator: every call answered, no ACK ever, freed at Timer H.
    expect(counters.invites, why).toBe(calls);
    expect(counters.answered, why).toBe(calls);
    expect(counters.acks, why).toBe(0);
    expect(counters.noAck, why).toBe(calls);
    expect(counters.completed, why).toBe(0);
    expect(counters.active, why).toBe(0);
  }, 90_000);
});

describe("the open model's concurrency cap against a SIPp UAS", () => {
  it('blocked = scheduled arrivals − attempted, SIPp receives exactly the attempted INVITEs, one blocked line per refused arrival', async () => {
    const { cli, sipp, out } = await againstUas(
      'blocked',
      'uas-basic.xml',
      ['--rate', '50', '--concurrency', '20', '--hold', '5s', '--ramp', '0s', '--duration', '3s'],
      60,
    );
    const r = readResults(out);
    const c = r.summary.calls;
    const lines = readCalls(out);
    const blockedLines = lines.filter((l) => l.cause === 'blocked');
    const why = `${describeCli(cli)}\nUAS: ${describeSippResult(sipp)}\nsummary: ${JSON.stringify(r.summary.calls)}`;
    report('sipp-blocked', { exit: cli.code, callcert: { ...c, offeredCps: r.summary.cps.offered }, sipp: { inviteRecv: sippRecvCount(sipp, 'INVITE'), byeRecv: sippRecvCount(sipp, 'BYE') }, lines: lines.length, blockedLines: blockedLines.length });

    // 3 s at 50/s, no ramp: 150 scheduled arrivals, numbered 0..149 in calls.jsonl.
    const scheduled = 150;
    expect(lines.length, why).toBe(scheduled);
    expect(lines.map((l) => l.i).sort((a, b) => a - b), why).toEqual(Array.from({ length: scheduled }, (_, k) => k));
    // The first 20 arrivals take the 20 channels and hold them 5 s, past the end of the
    // arrivals: every later arrival is refused.
    expect(c.attempted, why).toBe(20);
    expect(c.blocked, why).toBe(scheduled - c.attempted);
    expect(blockedLines.length, why).toBe(c.blocked);
    expect(blockedLines.every((l) => l.startMs === undefined && l.code === undefined), why).toBe(true);
    expect(countByCause(lines), why).toEqual({ completed: 20, blocked: 130 });
    expect(sippRecvCount(sipp, 'INVITE'), why).toBe(c.attempted);
    expect(sippRecvCount(sipp, 'BYE'), why).toBe(c.completed);
    expect(r.summary.concurrency.peak, why).toBe(20);
  }, 90_000);
});
