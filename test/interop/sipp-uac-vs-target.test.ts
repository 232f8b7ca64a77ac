/**
 * SIPp's built-in UAC (`-sn uac`) against `callcert target` (the embedded call
 * centre as a foreground process): SIPp's statistics and the counters callcert
 * target prints on exit must both account for every call.
 *
 * Scaled down from `sipp -sn uac -r 200 -l 2000 -d 5000 -m 5000` to
 * `-r 100 -l 500 -d 1000 -m 500` (~6 s on a shared 2-core runner).
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, parseTargetCounters, report, requireBuiltCli, startCli, tempDir, type CliProcess } from '../helpers/cli.js';
import { freeUdpPort, requireCommand, waitForPortBound } from '../helpers/procs.js';
import { describeSippResult, runSippUac, sippRecvCount, sippSentCount } from '../helpers/sipp.js';

let root = '';
const running: CliProcess[] = [];

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireBuiltCli();
  root = tempDir('sipp-uac-vs-target');
});

afterEach(async () => {
  for (const p of running.splice(0)) await p.proc.kill(2000);
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

describe('SIPp UAC → callcert target', () => {
  it('500 calls at 100 cps, 1 s holds: SIPp 500 successful / 0 failed; target counts 500 invites, answers, completions', async () => {
    const calls = 500;
    const port = await freeUdpPort();
    const target = startCli(['target', '--sip-port', String(port), '--duration', '30s'], { timeoutSec: 40 });
    running.push(target);
    await target.waitForStdout('listening on', 10_000);
    await waitForPortBound('udp', '127.0.0.1', port, 5000, target.proc);

    const uac = await runSippUac({
      scenario: { builtin: 'uac' },
      target: `127.0.0.1:${port}`,
      calls,
      rate: 100,
      maxConcurrent: 500,
      callDurationMs: 1000,
      timeoutSec: 25,
      workDir: tempDir('uac', root),
    });

    // Stop the target now (SIGINT) rather than waiting for its --duration.
    const sentAt = performance.now();
    expect(target.signal('SIGINT')).toBe(true);
    const res = await target.result;
    const stopMs = performance.now() - sentAt;
    const why = `${describeCli(res)}\nUAC: ${describeSippResult(uac)}`;

    expect(res.timedOut, why).toBe(false);
    expect(res.code, why).toBe(0);
    // SIGINT ended it, not --duration 30s (nor the 40 s `timeout` wrapper).
    expect(res.wallMs, why).toBeLessThan(30_000);
    const counters = parseTargetCounters(res.stdout);
    report('sipp-uac-vs-target', {
      stopMs: Math.round(stopMs),
      sipp: {
        created: uac.stats.totalCallsCreated,
        successful: uac.stats.successfulCalls,
        failed: uac.stats.failedCalls,
        retrans: uac.stats.retransmissions,
        inviteSent: sippSentCount(uac, 'INVITE'),
        ackSent: sippSentCount(uac, 'ACK'),
        byeSent: sippSentCount(uac, 'BYE'),
        recv200: sippRecvCount(uac, '200'),
        elapsedMs: uac.stats.elapsedMs,
      },
      target: counters,
    });

    // SIPp's side
    expect(uac.stats, why).not.toBeNull();
    expect(uac.exit.code, why).toBe(0);
    expect(uac.stats.totalCallsCreated, why).toBe(calls);
    expect(uac.stats.successfulCalls, why).toBe(calls);
    expect(uac.stats.failedCalls, why).toBe(0);
    expect(sippSentCount(uac, 'INVITE'), why).toBe(calls);
    expect(sippSentCount(uac, 'ACK'), why).toBe(calls);
    expect(sippSentCount(uac, 'BYE'), why).toBe(calls);
    // 200 to the INVITE and 200 to the BYE
    expect(sippRecvCount(uac, '200'), why).toBe(2 * calls);

    // callcert target's side, from the JSON it printed on SIGINT
    const cwhy = `${why}\ncounters: ${JSON.stringify(counters)}`;
    expect(counters.invites, cwhy).toBe(calls);
    expect(counters.answered, cwhy).toBe(calls);
    expect(counters.acks, cwhy).toBe(calls);
    expect(counters.byesReceived, cwhy).toBe(calls);
    expect(counters.completed, cwhy).toBe(calls);
    expect(counters.byesSent, cwhy).toBe(0);
    expect(counters.cancels, cwhy).toBe(0);
    expect(counters.noAck, cwhy).toBe(0);
    expect(counters.parseErrors, cwhy).toBe(0);
    expect(counters.active, cwhy).toBe(0);
    // 200 to every INVITE and to every BYE
    expect(counters.responsesSent['200'], cwhy).toBe(2 * calls);
    // -d 1000 at 100 cps: about 100 calls up at once. How many depends on how evenly SIPp
    // keeps its rate on a busy host, so only the logical bounds: the target saw calls
    // overlap, never more than SIPp had open at its own peak, never more than -l.
    const sippPeak = Math.max(...uac.stats.rows.map((row) => row.currentCalls));
    expect(counters.peakActive, cwhy).toBeGreaterThan(1);
    expect(counters.peakActive, cwhy).toBeLessThanOrEqual(calls);
    expect(sippPeak, cwhy).toBeLessThanOrEqual(calls);
  }, 60_000);
});
