/**
 * `callcert run --media pcmu` against the embedded call centre, through the built CLI: every
 * answered call carries RTP both ways (the simulator echoes it on ports of its own), each
 * call's media summary is in calls.jsonl, and summary.media is exactly the sum of those records.
 * A port range too small for the load fails the extra calls unsent (media_no_port), counted,
 * never a crash.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByCause, describeCli, readCalls, readResults, report, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';

let root = '';

beforeAll(() => {
  requireBuiltCli();
  root = tempDir('run-media');
});

afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

interface MediaRecord {
  codec: string; sent: number; received: number; expected: number; lost: number; lossRatio: number | null;
  jitterMs: number; markerOwn: number; markerOther: number; mosCqe: number | null; sendSkipped: number; invalid: number;
}

/**
 * These tests count packets and causes; the generator's health has its own test below. With a few
 * streams the send slip's p99 is its worst samples, and on a 2-core host shared with other test
 * files two 11 ms timer delays marked a 4-channel run invalid: count with a 100 ms bound.
 */
const COUNTING = ['--set', 'generator.maxMediaSendSlipMsP99=100'];

describe('callcert run --media against the embedded call centre', () => {
  it('20 channels, 2 workers: every call sends and hears its own echo; summary.media is the sum of calls.jsonl', async () => {
    const out = join(root, 'out-echo');
    const cli = await runCli(
      ['run', '--concurrency', '20', '--ramp', '1s', '--duration', '3s', '--hold', '2s', '--workers', '2', '--media', 'pcmu', '--quiet', '--out', out,
        '--criterion', 'mos_cqe p(5)>=4.0', '--criterion', 'rtp_loss_ratio p(95)<0.01', '--criterion', 'rtp_one_way_audio==0', ...COUNTING],
      { timeoutSec: 60, cwd: root },
    );
    const r = readResults(out);
    const calls = readCalls(out);
    const media = calls.filter((c) => c.media !== undefined).map((c) => c.media as MediaRecord);
    const m = r.summary.media!;
    const why = `${describeCli(cli)}\nmedia: ${JSON.stringify(m)}`;
    report('run --media pcmu (embedded echo)', { exit: cli.code, calls: r.summary.calls, media: { ...m, estimator: undefined } });

    expect(m, why).not.toBeNull();
    expect(r.summary.calls.answered, why).toBeGreaterThan(20);
    // Every answered call ran media; nothing was lost on loopback; every call heard only itself.
    expect(media.length, why).toBe(r.summary.calls.answered);
    expect(m.calls.withMedia, why).toBe(media.length);
    for (const x of media) {
      expect(x.codec, why).toBe('PCMU');
      expect(x.sent, why).toBeGreaterThan(0);
      expect(x.lost, why).toBe(0);
      expect(x.markerOther, why).toBe(0);
      expect(x.markerOwn, why).toBe(x.received);
      expect(x.invalid, why).toBe(0);
      // The last echoes may arrive after the caller stopped listening: never more than sent.
      expect(x.received, why).toBeLessThanOrEqual(x.sent);
      expect(x.received, why).toBeGreaterThanOrEqual(x.sent - 3);
      expect(x.mosCqe, why).not.toBeNull();
    }
    // summary.media is the records, summed.
    const sum = (f: (x: MediaRecord) => number) => media.reduce((a, x) => a + f(x), 0);
    expect(m.packets, why).toEqual({
      sent: sum((x) => x.sent), received: sum((x) => x.received), expected: sum((x) => x.expected),
      lost: 0, sendSkipped: sum((x) => x.sendSkipped),
    });
    expect(m.calls.oneWayAudio, why).toBe(0);
    expect(m.calls.crossedMedia, why).toBe(0);
    // The sockets: each worker bound its peak's worth of pairs ahead; nothing dropped, no socket error.
    expect(m.ports!.pairs, why).toBeGreaterThanOrEqual(20);
    expect(m.ports!.socketErrors, why).toBe(0);
    expect(m.ports!.shortfalls, why).toEqual([]);
    expect(m.socketDrops, why).toBe(0);
    expect(m.lossRatio, why).toBe(0);
    expect(m.lossRatioPerCall.max, why).toBe(0);
    expect(m.mosCqe.count, why).toBe(media.length);
    // MOS from the records: the median of the summary lies within the records' range.
    const mos = media.map((x) => x.mosCqe!).sort((a, b) => a - b);
    expect(m.mosCqe.p50!, why).toBeGreaterThanOrEqual(mos[0] - 0.01);
    expect(m.mosCqe.p50!, why).toBeLessThanOrEqual(mos[mos.length - 1] + 0.01);
    expect(m.estimator.version, why).toMatch(/^callcert-emodel-1/);
    expect(cli.stdout, why).toMatch(/media \(pcmu\): \d+ calls/);
    // Second by second: the timeline's media adds up to the per-call counts, and a second with streams has its MOS.
    const points = r.timeline.filter((p) => p.media !== undefined).map((p) => p.media!);
    expect(points.length, why).toBeGreaterThan(2);
    const per = (f: (p: (typeof points)[number]) => number) => points.reduce((a, p) => a + f(p), 0);
    const seconds = {
      sent: per((p) => p.packetsSent), received: per((p) => p.packetsReceived), expected: per((p) => p.expected), lost: per((p) => p.lost),
    };
    expect(seconds, why).toEqual({ sent: m.packets.sent, received: m.packets.received, expected: m.packets.expected, lost: 0 });
    for (const p of points) {
      if (p.streams === 0) continue;
      expect(p.mosCqeP5!, why).toBeGreaterThanOrEqual(4);
      expect(p.mosCqeP50!, why).toBeLessThanOrEqual(4.5);
      expect(p.lossRatio, why).toBe(0);
    }
    expect(Math.max(...points.map((p) => p.streams)), why).toBeGreaterThanOrEqual(15);
    // Criteria on the media figures: each actual is the figure summary.media prints.
    const crit = Object.fromEntries(r.criteria.map((c) => [c.metric, c]));
    expect(crit.mos_cqe, why).toMatchObject({ actual: m.mosCqe.p5, pass: true });
    expect(crit.rtp_loss_ratio, why).toMatchObject({ actual: 0, pass: true });
    expect(crit.rtp_one_way_audio, why).toMatchObject({ actual: 0, pass: true });
  });

  it('a media criterion with --media none is a scenario error naming the field', async () => {
    const cli = await runCli(['run', '--concurrency', '2', '--duration', '1s', '--media', 'none', '--criterion', 'mos_cqe p(5)>=4', '--quiet', '--out', join(root, 'out-x')], { timeoutSec: 30, cwd: root });
    expect(cli.code, describeCli(cli)).toBe(2);
    expect(cli.stderr, describeCli(cli)).toContain('criteria.mos_cqe: expected call.media pcmu or pcma');
  });

  it('a run whose RTP left later than generator.maxMediaSendSlipMsP99 allows is INVALID, and says the slip is why', async () => {
    const out = join(root, 'out-slip');
    // 1 µs: any real timer misses it, so the measured slip (not a stub) crosses the bound.
    const cli = await runCli(
      ['run', '--concurrency', '5', '--ramp', '0', '--duration', '2s', '--hold', '5s', '--workers', '1', '--media', 'pcmu',
        '--set', 'generator.maxMediaSendSlipMsP99=0.001', '--set', 'load.gracefulStop=0s', '--quiet', '--out', out],
      { timeoutSec: 60, cwd: root },
    );
    const r = readResults(out);
    const why = describeCli(cli);
    expect(cli.code, why).toBe(3);
    expect(r.valid, why).toBe(false);
    expect(r.verdict, why).toBe('invalid');
    const reason = r.invalidReasons.find((x) => x.includes('RTP send slip'));
    expect(reason, why).toBeDefined();
    expect(reason, why).toContain(`p99 ${r.summary.media!.sendSlipMs.p99} ms > 0.001 ms`);
    expect(cli.stdout, why).not.toContain('PASSED');
  });

  it('a port range of 4 pairs per worker for 10 channels: the calls past it fail unsent as media_no_port', async () => {
    const out = join(root, 'out-noport');
    const cli = await runCli(
      ['run', '--concurrency', '10', '--ramp', '0', '--duration', '2s', '--hold', '5s', '--workers', '1', '--media', 'pcma',
        '--set', 'media.ports.min=45000', '--set', 'media.ports.max=45007', '--set', 'load.gracefulStop=0s', ...COUNTING, '--quiet', '--out', out],
      { timeoutSec: 60, cwd: root },
    );
    const r = readResults(out);
    const calls = readCalls(out);
    const byCause = countByCause(calls);
    const why = `${describeCli(cli)}\n${JSON.stringify(byCause)}`;
    report('run --media with too few ports', { exit: cli.code, byCause, failuresByCause: r.summary.failuresByCause });
    // 4 pairs: 4 calls held; the others fail unsent, counted, and are retried by the closed model.
    expect(r.summary.media!.calls.withMedia, why).toBe(4);
    // The pool bound the whole range (4 pairs) and says why it stopped there.
    expect(r.summary.media!.ports!.pairs, why).toBe(4);
    expect(r.summary.media!.ports!.shortfalls.join(' '), why).toContain('the range ends at 45007');
    expect(byCause.media_no_port, why).toBeGreaterThan(0);
    expect(r.summary.failuresByCause.media_no_port, why).toBe(byCause.media_no_port);
    expect(calls.filter((c) => c.cause === 'media_no_port').every((c) => c.id === null && c.startMs === null), why).toBe(true);
    // The generator, not the platform, failed those calls: the run says so and is not a verdict on the platform.
    expect(r.valid, why).toBe(false);
    expect(r.invalidReasons.join('\n'), why).toContain(`generator short of RTP ports: ${byCause.media_no_port} calls failed unsent (media_no_port)`);
    expect(cli.code, why).toBe(3);
  });
});
