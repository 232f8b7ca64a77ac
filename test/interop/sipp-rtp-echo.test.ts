/**
 * callcert's media against an independent echo: SIPp 3.6's built-in UAS with -rtp_echo answers
 * every call with its one media port and sends each RTP packet back to where it came from. What
 * callcert's caller legs received must be what they sent, call by call, and SIPp's answer SDP
 * (PCMU on its -mp port) must negotiate. And the one-liner's default voice against a UAS whose
 * 200 carries no SDP: every call is hung up and counted by its cause, and the summary says why.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByCause, describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';
import { freeUdpPort, requireCommand } from '../helpers/procs.js';
import { describeSippResult, sippFixture, startSippUas } from '../helpers/sipp.js';

let root = '';

beforeAll(() => {
  requireCommand('sipp', 'CI installs it: apt-get install sip-tester');
  requireBuiltCli();
  root = tempDir('sipp-rtp-echo');
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

describe('callcert media → SIPp UAS -rtp_echo', () => {
  it('30 calls with PCMU both ways: each call receives back what it sent, from SIPp’s one echo port', async () => {
    const port = await freeUdpPort();
    const mediaPort = 46000;
    const uas = await startSippUas({
      scenario: { builtin: 'uas' }, localPort: port, timeoutSec: 60, workDir: tempDir('uas', root),
      extraArgs: ['-rtp_echo', '-mp', String(mediaPort)],
    });
    const out = join(root, 'out');
    const cli = await runCli(
      ['run', '--target', `sip:s@127.0.0.1:${port}`, '--rate', '10', '--ramp', '0', '--duration', '3s', '--hold', '2s', '--workers', '1',
        '--media', 'pcmu', '--quiet', '--out', out],
      { timeoutSec: 60, cwd: root },
    );
    await uas.stop();
    const sipp = await uas.finished;
    const r = readResults(out);
    const media = readCalls(out).filter((c) => c.media !== undefined).map((c) => c.media as Record<string, number | string | boolean>);
    const why = `${describeCli(cli)}\nSIPp: ${describeSippResult(sipp)}\nmedia: ${JSON.stringify(r.summary.media)}`;
    report('media vs SIPp -rtp_echo', { exit: cli.code, calls: r.summary.calls, packets: r.summary.media?.packets });

    expect(r.summary.calls.completed, why).toBe(30);
    expect(media.length, why).toBe(30);
    for (const m of media) {
      expect(m.remote, why).toBe(`127.0.0.1:${mediaPort}`);
      expect(m.lost, why).toBe(0);
      expect(m.markerOther, why).toBe(0);
      expect(m.received as number, why).toBeGreaterThanOrEqual((m.sent as number) - 3);
      expect(m.received as number, why).toBeLessThanOrEqual(m.sent as number);
    }
    expect(r.summary.media!.calls.oneWayAudio, why).toBe(0);
  });
});

describe('the one-liner (voice by default) → SIPp UAS answering without SDP', () => {
  it('every answered call is hung up as media_bad_sdp, counted and said, with --media none named', async () => {
    const port = await freeUdpPort();
    const uas = await startSippUas({ scenario: sippFixture('uas-no-sdp.xml'), localPort: port, timeoutSec: 40, workDir: tempDir('uas-no-sdp', root) });
    const out = join(root, 'out-no-sdp');
    // No --media: the one-liner's default (pcmu) offers voice.
    const cli = await runCli(
      ['run', '--target', `sip:s@127.0.0.1:${port}`, '--rate', '5', '--ramp', '0', '--duration', '2s', '--hold', '1s', '--workers', '1', '--quiet', '--out', out],
      { timeoutSec: 40, cwd: root },
    );
    await uas.stop();
    const sipp = await uas.finished;
    const r = readResults(out);
    const why = `${describeCli(cli)}\nSIPp: ${describeSippResult(sipp)}`;
    report('default media vs SIPp without SDP', { exit: cli.code, calls: r.summary.calls, failuresByCause: r.summary.failuresByCause });

    expect(r.summary.media?.codec, why).toBe('pcmu');
    expect(r.summary.calls.attempted, why).toBe(10);
    expect(r.summary.calls.answered, why).toBe(10);
    expect(r.summary.calls.completed, why).toBe(0);
    expect(r.summary.failuresByCause, why).toEqual({ media_bad_sdp: 10 });
    expect(countByCause(readCalls(out)), why).toEqual({ media_bad_sdp: 10 });
    expect(r.summary.media!.calls.withMedia, why).toBe(0);
    expect(cli.code, why).toBe(1);
    expect(cli.stdout, why).toContain('failures by cause: media_bad_sdp: 10');
    expect(cli.stdout, why).toContain('media: 10 answered calls hung up for an SDP answer with no usable audio');
    expect(cli.stdout, why).toContain('--media none runs signalling only');
  });
});
