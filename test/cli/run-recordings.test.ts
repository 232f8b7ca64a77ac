/**
 * Recordings end to end, through the built CLI:
 * - `callcert run` with media against the embedded call centre recording every call, the probe
 *   fetching each recording from the embedded CTI API (HTTP) → completeness 1, the criterion passes;
 * - the same with the probe reading the directory, and a retention of 5 calls: the deleted ones are
 *   `missing`, the criterion fails (exit 1);
 * - a wrong template (the call's index for its Call-ID): every sampled call `missing`;
 * - `callcert simulate --recordings --cti-port` called by `callcert run --target`: the CTI API
 *   serves each call's metadata (with the simulator's RFC 3550 view) and its WAV by SIP Call-ID,
 *   and a problem+json 404 for an unknown one.
 * Small runs: 4 channels of 2 s holds for 3 s (about 8 calls), one worker.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readCalls, readResults, report, requireBuiltCli, runCli, startCli, tempDir } from '../helpers/cli.js';
import { freeUdpPort } from '../helpers/procs.js';
import { parseWav } from '../../src/media/wav.js';
import { recordingAudioFile, recordingStem } from '../../src/media/recording-files.js';

let root = '';
beforeAll(() => {
  requireBuiltCli();
  root = tempDir('run-recordings');
});
afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

/** A loopback run on a shared 2-core machine: generous generator limits, the figures under test are counts. */
const GENERATOR = 'generator: { maxScheduleSlipMsP99: 100, maxEventLoopLagMsP99: 200, maxMediaSendSlipMsP99: 100 }';

function scenario(name: string, embedded: string, probe: string): string {
  const file = join(root, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
load:
  model: closed
  stages:
    - { duration: 0s, target: 4 }
    - { duration: 3s, target: 4 }
  gracefulStop: 10s
call: { hold: 2s, media: pcmu }
embedded: { recordings: ${embedded} }
recordings: ${probe}
criteria:
  recording_completeness: [">=0.99"]
workers: 1
${GENERATOR}
`);
  return file;
}

interface Rec { id: string | null; i: number; answerMs: number | null; durationMs: number }

describe('callcert run with recordings', () => {
  it('the probe fetches every call\'s recording from the embedded CTI API: completeness 1, files on disk as the calls were', async () => {
    const recs = join(root, 'recs-http');
    const file = scenario('rec-http', `{ dir: ${recs} }`, '{ http: { url: "/v1/recordings/{{callId}}/audio?direction=caller" } }');
    const out = join(root, 'out-http');
    const cli = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 60, cwd: root });
    const r = readResults(out);
    const answered = (readCalls(out) as unknown as Rec[]).filter((c) => c.answerMs !== null);
    const why = `${describeCli(cli)}\nrecordings: ${JSON.stringify(r.summary.recordings)}`;
    report('run with recordings, HTTP probe', { exit: cli.code, calls: r.summary.calls.answered, recordings: r.summary.recordings });

    expect(answered.length, why).toBeGreaterThanOrEqual(4);
    expect(r.summary.recordings, why).toEqual({
      source: 'http', checked: answered.length, answered: answered.length, valid: answered.length, completeness: 1,
      failures: { missing: 0, duration_mismatch: 0, silent: 0, wrong_call: 0, fetch_error: 0, unreadable: 0 },
      toleranceMs: 1000, sample: null,
    });
    expect(r.criteria.find((c) => c.metric === 'recording_completeness'), why).toMatchObject({ actual: 1, pass: true });
    expect(cli.code, why).toBe(0);
    // Three files per answered call; each caller leg lasts its call's talk time within a frame or two.
    expect(readdirSync(recs).length, why).toBe(3 * answered.length);
    for (const c of answered) {
      const info = parseWav(readFileSync(join(recs, recordingAudioFile(c.id!, 'caller'))));
      if ('error' in info) throw new Error(`${c.id}: ${info.error}`);
      expect(info.format, why).toBe('pcmu');
      expect(Math.abs(info.durationMs - c.durationMs), `${c.id}: WAV ${info.durationMs} ms, call ${c.durationMs} ms`).toBeLessThan(100);
    }
    expect(cli.stdout, why).toMatch(/recordings \(http\): \d+ of \d+ checked valid, completeness 1/);
  });

  it('the probe reads the directory; a retention of 5 calls deleted the others: missing, counted, and the criterion fails', async () => {
    const recs = join(root, 'recs-dir');
    const file = scenario('rec-dir', `{ dir: ${recs}, maxCount: 5 }`, `{ directory: "${recs}/{{callId}}.caller.wav" }`);
    const out = join(root, 'out-dir');
    const cli = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 60, cwd: root });
    const r = readResults(out);
    const answered = (readCalls(out) as unknown as Rec[]).filter((c) => c.answerMs !== null).length;
    const rec = r.summary.recordings!;
    const why = `${describeCli(cli)}\nrecordings: ${JSON.stringify(rec)}`;
    report('run with recordings, directory probe, retention 5', { exit: cli.code, answered, recordings: rec });

    expect(answered, why).toBeGreaterThan(5);
    expect(readdirSync(recs).filter((f) => f.endsWith('.json')).length, why).toBe(5);
    expect(rec, why).toMatchObject({ source: 'directory', checked: answered, valid: 5, completeness: Math.round((5 / answered) * 1e6) / 1e6 });
    const none = { duration_mismatch: 0, silent: 0, wrong_call: 0, fetch_error: 0, unreadable: 0 };
    expect(rec.failures, why).toEqual({ missing: answered - 5, ...none });
    expect(r.criteria.find((c) => c.metric === 'recording_completeness'), why).toMatchObject({ actual: rec.completeness, pass: false });
    expect(r.verdict, why).toBe('failed');
    expect(cli.code, why).toBe(1);
  });

  it('a wrong template (the call\'s index where its Call-ID belongs): every sampled call is missing', async () => {
    const recs = join(root, 'recs-wrong');
    const file = scenario('rec-wrong', `{ dir: ${recs} }`, '{ http: { url: "/v1/recordings/{{index}}/audio" }, sample: 3 }');
    const out = join(root, 'out-wrong');
    const cli = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 60, cwd: root });
    const r = readResults(out);
    const rec = r.summary.recordings!;
    const why = `${describeCli(cli)}\nrecordings: ${JSON.stringify(rec)}`;
    expect(rec, why).toMatchObject({ source: 'http', checked: 3, valid: 0, completeness: 0, sample: 3 });
    expect(rec.answered, why).toBeGreaterThan(3);
    expect(rec.failures, why).toMatchObject({ missing: 3, fetch_error: 0 });
    expect(r.criteria.find((c) => c.metric === 'recording_completeness'), why).toMatchObject({ actual: 0, pass: false });
    expect(cli.code, why).toBe(1);
  });
});

describe('callcert simulate --recordings with its CTI API', () => {
  it('serves each call\'s metadata and WAV by SIP Call-ID, 404 problem+json for an unknown one', async () => {
    const sipPort = await freeUdpPort();
    const recs = join(root, 'recs-sim');
    const sim = startCli(
      ['simulate', '--sip-port', String(sipPort), '--recordings', recs, '--recording-retention', '1h,50', '--cti-port', '0', '--cti-token', 'tok', '--duration', '40s'],
      { timeoutSec: 60, cwd: root },
    );
    try {
      await sim.waitForStdout(/CTI API on http/, 15_000);
      const url = /CTI API on (http:\/\/[0-9.:]+)/.exec(sim.proc.stdoutSoFar())![1];
      const out = join(root, 'out-sim');
      const run = await runCli(
        ['run', '--target', `sip:ivr@127.0.0.1:${sipPort}`, '--concurrency', '3', '--ramp', '0', '--duration', '2s', '--hold', '1s', '--workers', '1',
          '--media', 'pcma', '--quiet', '--out', out, '--set', 'generator.maxMediaSendSlipMsP99=100', '--set', 'generator.maxScheduleSlipMsP99=100'],
        { timeoutSec: 60, cwd: root },
      );
      const answered = (readCalls(out) as unknown as Rec[]).filter((c) => c.answerMs !== null);
      const why = describeCli(run);
      expect(answered.length, why).toBeGreaterThanOrEqual(3);
      const auth = { authorization: 'Bearer tok' };
      for (const c of answered) {
        const res = await fetch(`${url}/v1/recordings/${encodeURIComponent(c.id!)}`, { headers: auth });
        expect(res.status, `${c.id}: ${why}`).toBe(200);
        const meta = (await res.json()) as {
          callId: string; durationMs: number; codec: string; url: string;
          directions: Record<'caller' | 'echo', { bytes: number; durationMs: number; url: string }>;
          platform: { packetsReceived: number; lostPackets: number; expected: number };
        };
        expect(meta.callId).toBe(c.id);
        expect(meta.codec).toBe('PCMA');
        expect(Math.abs(meta.durationMs - c.durationMs), `${c.id}: simulator ${meta.durationMs} ms, caller ${c.durationMs} ms`).toBeLessThan(200);
        expect(meta.platform.packetsReceived).toBeGreaterThan(40);
        expect(meta.platform.lostPackets).toBe(0);
        for (const d of ['caller', 'echo'] as const) {
          const audio = await fetch(meta.directions[d].url, { headers: auth });
          expect(audio.status).toBe(200);
          expect(audio.headers.get('content-type')).toBe('audio/wav');
          const bytes = Buffer.from(await audio.arrayBuffer());
          expect(bytes.length).toBe(meta.directions[d].bytes);
          const info = parseWav(bytes);
          if ('error' in info) throw new Error(`${c.id} ${d}: ${info.error}`);
          expect(info.format).toBe('pcma');
          expect(info.durationMs).toBe(meta.directions[d].durationMs);
          // The file on disk is the one served.
          expect(bytes.equals(readFileSync(join(recs, `${recordingStem(c.id!)}.${d}.wav`)))).toBe(true);
        }
      }
      const unknown = await fetch(`${url}/v1/recordings/nobody%40nowhere`, { headers: auth });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toBe('application/problem+json');
      expect(((await unknown.json()) as { detail: string }).detail).toBe('no recording and no call with id nobody@nowhere');
      const noAudio = await fetch(`${url}/v1/recordings/nobody%40nowhere/audio`, { headers: auth });
      expect(noAudio.status).toBe(404);
      const badDirection = await fetch(`${url}/v1/recordings/${encodeURIComponent(answered[0].id!)}/audio?direction=both`, { headers: auth });
      expect(badDirection.status).toBe(400);
      expect(((await badDirection.json()) as { detail: string }).detail).toBe('query parameter `direction` must be caller or echo, not both');
    } finally {
      sim.signal('SIGINT');
      const r = await sim.result;
      expect(r.code, r.stderr).toBe(0);
      const printed = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
      expect(printed.recordings).toMatchObject({ writeErrors: 0, deleted: 0 });
      expect(printed.recordings.recorded).toBeGreaterThanOrEqual(3);
    }
  });
});
