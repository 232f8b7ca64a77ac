/**
 * Calls in flight when the arrivals end run to their own end: a SIPp UAS that hangs up
 * 1.5 s after the ACK (test/fixtures/sipp/uas-hangup.xml), `--rate 20 --hold 10s
 * --duration 20s`. Every call must end `callee_hangup` — none cut short by callcert's
 * BYE at the end of the load — and SIPp's own counters must show every BYE it sent
 * answered with 200.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { countByCause, describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';
import { freeUdpPort, requireCommand } from '../helpers/procs.js';
import { describeSippResult, sippElements, sippFixture, sippRecvCount, sippSentCount, startSippUas } from '../helpers/sipp.js';

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireBuiltCli();
});

describe('callcert run → SIPp UAS that hangs up first (open model, 20 cps, 10 s holds, 20 s)', () => {
  it('every call ends callee_hangup, SIPp sees every BYE answered, nothing is cut_at_end', async () => {
    const root = tempDir('callee-hangup');
    const port = await freeUdpPort();
    const uas = await startSippUas({ scenario: sippFixture('uas-hangup.xml'), localPort: port, timeoutSec: 120, workDir: tempDir('sipp', root) });
    const out = join(root, 'out');
    let cli;
    let sipp;
    try {
      cli = await runCli(['run', '--target', `sip:service@127.0.0.1:${port}`, '--rate', '20', '--hold', '10s', '--duration', '20s', '--media', 'none', '--quiet', '--out', out], { timeoutSec: 90 });
    } finally {
      sipp = await uas.stop(5000);
    }
    const why = `${describeCli(cli)}\nUAS: ${describeSippResult(sipp)}`;
    const r = readResults(out);
    const c = r.summary.calls;
    report('sipp-callee-hangup', { exit: cli.code, calls: c, sipp: { byeSent: sippSentCount(sipp, 'BYE'), ok200Recv: sippRecvCount(sipp, '200'), successful: sipp.stats.successfulCalls, failed: sipp.stats.failedCalls } });
    expect(cli.code, why).toBe(0);
    expect(r.valid, why).toBe(true);
    // The default 10 s ramp to 20 cps, then 20 s at 20 cps: 100 + 400 arrivals.
    expect(c.attempted, why).toBe(500);
    expect(c.answered, why).toBe(500);
    expect(c.cutAtEnd, why).toBe(0);
    expect(countByCause(readCalls(out)), why).toEqual({ callee_hangup: 500 });
    // SIPp's side: it sent every BYE and got each one's 200; every call counted successful.
    expect(sippRecvCount(sipp, 'INVITE'), why).toBe(500);
    expect(sippElements(sipp, 'BYE', 'send').map((m) => m.count), why).toEqual([500]);
    expect(sippRecvCount(sipp, '200'), why).toBe(500);
    expect(sipp.stats.successfulCalls, why).toBe(500);
    expect(sipp.stats.failedCalls, why).toBe(0);
  }, 150_000);
});
