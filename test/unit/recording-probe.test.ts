/**
 * The recording probe's checks on real WAV bytes (valid, unreadable, duration mismatch, silent —
 * markers are no signal —, wrong call; 16-bit PCM read back through the call's law), its sample,
 * and its two sources end to end: a real HTTP server (bearer and Basic auth, 404 → missing, 500
 * and a refused connection → fetch_error) and a directory with `*` patterns.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSource, writeMarker } from '../../src/media/source.js';
import { ulawToLinear } from '../../src/media/g711.js';
import { wavHeader } from '../../src/media/wav.js';
import { recordingAudioFile } from '../../src/media/recording-files.js';
import { checkRecording, type CheckExpectations } from '../../src/probe/recording-check.js';
import { answeredCalls, probeRecordings, sampleCalls, type AnsweredCall } from '../../src/probe/recording-probe.js';
import type { RecordingsProbeSpec } from '../../src/scenario/recordings.js';

/** `seconds` of a µ-law source, each 20 ms frame starting with call `tag`'s marker (null: none). */
function audio(seconds: number, kind: 'tone' | 'silence', tag: number | null): Buffer {
  const src = createSource(kind === 'tone' ? { kind: 'tone', hz: 440, dbov: -20 } : { kind: 'silence' }, 'pcmu');
  const frames = (seconds * 1000) / 20;
  const out = Buffer.alloc(frames * 160);
  for (let n = 0; n < frames; n++) {
    src.write(n, out, n * 160);
    if (tag !== null) writeMarker(out, n * 160, tag);
  }
  return out;
}
const wav = (data: Buffer) => Buffer.concat([wavHeader({ format: 'pcmu', channels: 1, sampleRateHz: 8000, dataBytes: data.length }), data]);
/** The same audio decoded to 16-bit PCM, as a platform that stores PCM would keep it. */
function pcm16Wav(data: Buffer): Buffer {
  const pcm = Buffer.alloc(data.length * 2);
  for (let i = 0; i < data.length; i++) pcm.writeInt16LE(ulawToLinear(data[i]), i * 2);
  return Buffer.concat([wavHeader({ format: 'pcm16', channels: 1, sampleRateHz: 8000, dataBytes: pcm.length }), pcm]);
}

const EXPECT: CheckExpectations = { talkMs: 2000, toleranceMs: 1000, silenceDbov: -50, markerTag: 5, law: 'pcmu' };

describe('checkRecording', () => {
  it('a 2 s tone with the call\'s own marker is valid; its level is the tone\'s (−20 dBov)', () => {
    const r = checkRecording(wav(audio(2, 'tone', 5)), EXPECT);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.durationMs).toBe(2000);
    expect(r.markerOwn).toBe(100);
    expect(r.markerOther).toBe(0);
    expect(r.levelDbov).toBeGreaterThan(-21);
    expect(r.levelDbov).toBeLessThan(-19);
  });

  it('16-bit PCM decoded from the G.711 the call sent still shows its marker', () => {
    expect(checkRecording(pcm16Wav(audio(2, 'tone', 5)), EXPECT)).toMatchObject({ ok: true, markerOwn: 100 });
  });

  it.each([
    ['not a WAV', Buffer.from('<html>login</html>'), 'unreadable', /not a RIFF\/WAVE file/],
    ['3.5 s for a 2 s call', wav(audio(3.5, 'tone', 5)), 'duration_mismatch', /lasts 3500 ms, the call talked 2000 ms \(tolerance ±1000 ms\)/],
    ['0.9 s for a 2 s call', wav(audio(0.9, 'tone', 5)), 'duration_mismatch', /lasts 900 ms/],
    ['silence with markers (the markers are no signal)', wav(audio(2, 'silence', 5)), 'silent', /no signal, at or below -50 dBov/],
    ["another call's audio", wav(audio(2, 'tone', 6)), 'wrong_call', /marker of this call \(5\) found 0 times, other calls' 100 times/],
    ['no marker at all (a transcoding platform: set recordings.marker false)', wav(audio(2, 'tone', null)), 'wrong_call', /found 0 times/],
  ])('%s → %s', (_what, bytes, cause, detail) => {
    const r = checkRecording(bytes, EXPECT);
    expect(r).toMatchObject({ ok: false, cause });
    if (!r.ok) expect(r.detail).toMatch(detail);
  });

  it('without the marker check, audio with no marker is valid', () => {
    expect(checkRecording(wav(audio(2, 'tone', null)), { ...EXPECT, markerTag: null }).ok).toBe(true);
  });
});

describe('sample and records', () => {
  it('a sample is evenly spread over the run and deterministic; null or more than there are: all', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    expect(sampleCalls(xs, 4)).toEqual([12, 37, 62, 87]);
    expect(sampleCalls(xs, null)).toHaveLength(100);
    expect(sampleCalls(xs.slice(0, 3), 10)).toEqual([0, 1, 2]);
  });

  it('answered calls are the records with an answer and a Call-ID, in call order', async () => {
    const jsonl = [
      { id: 'b@h', i: 2, w: 1, answerMs: 50, durationMs: 2000, media: { codec: 'PCMA' } },
      { id: null, i: 3, cause: 'media_no_port' },
      { id: 'c@h', i: 4, answerMs: null, durationMs: 0, code: 486 },
      { id: 'a@h', i: 0, w: 0, answerMs: 10, durationMs: 1999 },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const expected = [
      { id: 'a@h', i: 0, w: 0, answerMs: 10, durationMs: 1999, codec: null },
      { id: 'b@h', i: 2, w: 1, answerMs: 50, durationMs: 2000, codec: 'PCMA' },
    ];
    expect(await answeredCalls(Buffer.from(jsonl))).toEqual(expected);
    // The same read from the file, streamed (what the run does after its calls).
    const file = join(tmpdir(), `callcert-answered-${process.pid}.jsonl`);
    writeFileSync(file, jsonl);
    try {
      expect(await answeredCalls(file)).toEqual(expected);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('a calls.jsonl line that is not JSON stops the probe, naming the line', async () => {
    await expect(answeredCalls(Buffer.from('{"id":"a@h","i":0,"answerMs":1}\n{"id":\n'))).rejects.toThrow(/^calls\.jsonl line 2: /);
  });
});

const calls: AnsweredCall[] = [0, 1, 2, 3, 4, 5].map((i) => ({ id: `call${i}@127.0.0.1`, i, w: 0, answerMs: 100, durationMs: 2000, codec: 'PCMU' }));
const spec = (source: RecordingsProbeSpec['source']): RecordingsProbeSpec => ({
  source, sample: null, toleranceMs: 1000, silenceDbov: -50, marker: true, delayMs: 0, concurrency: 3,
});
const ctx = (baseUrl: string | null) => ({ runStartEpochMs: Date.UTC(2025, 4, 1, 23, 59, 59, 950), law: 'pcmu' as const, http: { baseUrl, defaultToken: null } });

describe('probeRecordings over HTTP', () => {
  let server: http.Server;
  let base = '';
  const seen: string[] = [];
  beforeAll(async () => {
    // call0, call1: valid; call2: another call's audio; call3: 404; call4: 500; call5: not a WAV.
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? '-'}`);
      const m = /^\/rec\/2025-05-0[12]\/call(\d)%40127\.0\.0\.1$/.exec(req.url ?? '');
      const i = m === null ? -1 : Number(m[1]);
      if (i === 3 || i < 0) return void res.writeHead(404).end();
      if (i === 4) return void res.writeHead(500).end('boom');
      const body = i === 5 ? Buffer.from('nope') : wav(audio(2, 'tone', i === 2 ? 9 : i));
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('counts every failure by cause; completeness = valid ÷ checked; Basic auth and {{date}} (UTC, of the answer) reach the server', async () => {
    seen.length = 0;
    const src = { kind: 'http' as const, url: `${base}/rec/{{date}}/{{callId}}`, auth: { kind: 'basic' as const, username: 'rec', password: 'pw' }, headers: {}, timeoutMs: 5000 };
    const { summary, checks } = await probeRecordings(spec(src), calls, ctx(null));
    expect(summary).toEqual({
      source: 'http', checked: 6, answered: 6, valid: 2, completeness: 0.333333,
      failures: { missing: 1, duration_mismatch: 0, silent: 0, wrong_call: 1, fetch_error: 1, unreadable: 1 },
      toleranceMs: 1000, sample: null,
    });
    expect(checks.map((c) => c.cause)).toEqual([null, null, 'wrong_call', 'missing', 'fetch_error', 'unreadable']);
    expect(checks[4].detail).toBe(`500 from ${base}/rec/2025-05-02/call4%40127.0.0.1`);
    expect(seen).toContain(`/rec/2025-05-02/call0%40127.0.0.1 Basic ${Buffer.from('rec:pw').toString('base64')}`);
  });

  it('a path goes to the base URL with a bearer token; a sample of 2 checks 2', async () => {
    seen.length = 0;
    const src = { kind: 'http' as const, url: '/rec/{{date}}/{{callId}}', auth: { kind: 'bearer' as const, token: 't0k' }, headers: {}, timeoutMs: 5000 };
    const { summary } = await probeRecordings({ ...spec(src), sample: 2 }, calls, ctx(base));
    expect(summary).toMatchObject({ checked: 2, answered: 6, sample: 2 });
    expect(seen.every((l) => l.endsWith(' Bearer t0k'))).toBe(true);
  });

  it('a refused connection is a fetch_error for every call, not a crash', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const src = { kind: 'http' as const, url: `http://127.0.0.1:${port}/{{callId}}`, auth: null, headers: {}, timeoutMs: 2000 };
    const { summary, checks } = await probeRecordings(spec(src), calls.slice(0, 2), ctx(null));
    expect(summary).toMatchObject({ checked: 2, valid: 0, completeness: 0, failures: { fetch_error: 2 } });
    expect(checks[0].detail).toMatch(/ECONNREFUSED/);
  });
});

describe('probeRecordings over a directory', () => {
  const dir = join(tmpdir(), `callcert-probe-${process.pid}`);
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    for (const i of [0, 1, 2]) writeFileSync(join(dir, recordingAudioFile(`call${i}@127.0.0.1`, 'caller')), wav(audio(2, 'tone', i)));
    writeFileSync(join(dir, 'rtp-7-call4@127.0.0.1-x.wav'), wav(audio(2, 'tone', 4)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('{{callId}} is the simulator\'s file stem; files that are not there are missing', async () => {
    const { summary } = await probeRecordings(spec({ kind: 'directory', pattern: join(dir, '{{callId}}.caller.wav') }), calls, ctx(null));
    expect(summary).toMatchObject({ source: 'directory', checked: 6, valid: 3, failures: { missing: 3 } });
  });

  it('a * pattern finds a file by part of its name; one file for every call is the wrong call for all but its own', async () => {
    const byPart = await probeRecordings(spec({ kind: 'directory', pattern: join(dir, '*-{{callIdRaw}}-*.wav') }), calls, ctx(null));
    expect(byPart.summary).toMatchObject({ valid: 1, failures: { missing: 5 } });
    expect(byPart.checks[4].valid).toBe(true);
    const same = await probeRecordings(spec({ kind: 'directory', pattern: join(dir, 'call0*.caller.wav') }), calls, ctx(null));
    expect(same.summary).toMatchObject({ valid: 1, failures: { wrong_call: 5 } });
  });
});

describe('probeRecordings over an rtpengine spool', () => {
  // The check goes by the bytes (a WAV or a pcap, media/pcap.ts has its own tests): WAV content keeps this about finding files.
  const dir = join(tmpdir(), `callcert-probe-rtpe-${process.pid}`);
  const enc = (i: number) => encodeURIComponent(`call${i}@127.0.0.1`);
  beforeAll(() => {
    for (const d of ['pcaps', 'metadata']) mkdirSync(join(dir, d), { recursive: true });
    const pcap = (name: string, tag: number) => writeFileSync(join(dir, 'pcaps', name), wav(audio(2, 'tone', tag)));
    const meta = (i: number, hex: string, path: string) => writeFileSync(join(dir, 'metadata', `rtpengine-meta-${enc(i)}-${hex}.txt`), `${path}\n\n\nTimestamp started ms: 1\n`);
    pcap(`${enc(0)}-00aa.pcap`, 0);
    meta(0, '00aa', join(dir, 'pcaps', `${enc(0)}-00aa.pcap`));
    pcap(`${enc(1)}-01bb.pcap`, 1);
    meta(1, '01bb', `/elsewhere/pcaps/${enc(1)}-01bb.pcap`); // a spool copied from another host
    pcap(`${enc(2)}-02cc.pcap`, 2); // still being written: no metadata yet
    meta(3, '03dd', join(dir, 'pcaps', `${enc(3)}-03dd.pcap`)); // its pcap removed
    pcap(`${encodeURIComponent('call4@127.0.0.1-2')}-04ee.pcap`, 4); // another call whose Call-ID starts with call 4's
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('metadata first (the path it names, else the same name in pcaps/), then a pcap named after the Call-ID; nothing else is taken for it', async () => {
    const { summary, checks } = await probeRecordings(spec({ kind: 'rtpengine', dir }), calls, ctx(null));
    expect(summary).toMatchObject({ source: 'rtpengine', checked: 6, valid: 3, failures: { missing: 3 } });
    expect(checks.map((c) => c.valid)).toEqual([true, true, true, false, false, false]);
    expect(checks[3].detail).toMatch(/rtpengine-meta-call3%40127\.0\.0\.1-03dd\.txt names .*call3%40127\.0\.0\.1-03dd\.pcap, which does not exist$/);
    expect(checks[4].detail).toBe(`no rtpengine metadata or pcap for Call-ID call4@127.0.0.1 in ${dir}`);
  });

  it('a missing spool is every call missing, not an error', async () => {
    const { summary } = await probeRecordings(spec({ kind: 'rtpengine', dir: join(dir, 'nope') }), calls, ctx(null));
    expect(summary).toMatchObject({ checked: 6, valid: 0, failures: { missing: 6, fetch_error: 0 } });
  });
});
