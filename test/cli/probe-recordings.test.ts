/**
 * `callcert probe recordings RESULTS_DIR`, the retention re-check, through the built CLI: a small
 * run against the embedded call centre recording every call (the run's own probe reading the
 * directory, or an HTTP store started by the test that wants a bearer token), then the re-check
 * with that run's settings — all still there; two deleted → missing, named, exit 1; the blanked
 * token asked for again, never written.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCli, readCalls, readResults, requireBuiltCli, runCli, tempDir } from '../helpers/cli.js';
import { recordingAudioFile } from '../../src/media/recording-files.js';
import type { RetentionResults } from '../../src/probe/retention.js';

let root = '';
beforeAll(() => {
  requireBuiltCli();
  root = tempDir('probe-recordings');
});
afterAll(() => {
  if (root && !process.env.CALLCERT_KEEP_TMP) rmSync(root, { recursive: true, force: true });
});

/** 4 channels of 2 s holds for 3 s (about 8 calls), generous generator limits: the figures under test are counts. */
function scenario(name: string, recs: string, probe: string): string {
  const file = join(root, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
load:
  model: closed
  stages:
    - { duration: 0s, target: 4 }
    - { duration: 3s, target: 4 }
  gracefulStop: 10s
call: { hold: 2s, media: pcmu }
embedded: { recordings: { dir: ${recs} } }
recordings: ${probe}
workers: 1
generator: { maxScheduleSlipMsP99: 100, maxEventLoopLagMsP99: 200, maxMediaSendSlipMsP99: 100 }
`);
  return file;
}

interface Rec { id: string; answerMs: number | null }
const answeredOf = (out: string) => (readCalls(out) as unknown as Rec[]).filter((c) => c.answerMs !== null);
const retention = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RetentionResults;

describe('callcert probe recordings, directory source', () => {
  const recs = () => join(root, 'recs-dir');
  const out = () => join(root, 'out-dir');
  let answered: Rec[] = [];
  let runStartMs = 0;

  beforeAll(async () => {
    const file = scenario('dir', recs(), `{ directory: "${recs()}/{{callId}}.caller.wav" }`);
    const cli = await runCli(['run', file, '--quiet', '--out', out()], { timeoutSec: 60, cwd: root });
    expect(readResults(out()).summary.recordings?.completeness, describeCli(cli)).toBe(1);
    answered = answeredOf(out());
    runStartMs = Date.parse(readResults(out()).startedAt);
  }, 90_000);

  it('finds every recording still there, with the run it re-checked and the age of the oldest', async () => {
    const before = Date.now();
    const cli = await runCli(['probe', 'recordings', out()], { timeoutSec: 30, cwd: root });
    const why = describeCli(cli);
    expect(cli.code, why).toBe(0);
    const files = readdirSync(out()).filter((f) => /^retention-.*\.json$/.test(f));
    expect(files, why).toHaveLength(1);
    const r = retention(join(out(), files[0]));
    expect(r.kind, why).toBe('callcert-retention-probe');
    expect(r.summary, why).toMatchObject({ source: 'directory', checked: answered.length, valid: answered.length, completeness: 1 });
    expect(r.run.resultsSha256, why).toBe(createHash('sha256').update(readFileSync(join(out(), 'results.json'))).digest('hex'));
    expect(r.source, why).toEqual({ kind: 'directory', where: `${recs()}/{{callId}}.caller.wav` });
    // The oldest confirmed is the first answered call: now − (run start + its answer).
    const first = Math.min(...answered.map((c) => c.answerMs!));
    expect(r.oldestConfirmedAgeMs!, why).toBeGreaterThanOrEqual(before - (runStartMs + first) - 1);
    expect(r.oldestConfirmedAgeMs!, why).toBeLessThanOrEqual(Date.now() - (runStartMs + first) + 1);
    expect(r.oldestConfirmedAgeDays, why).toBe(Math.round((r.oldestConfirmedAgeMs! / 86_400_000) * 1000) / 1000);
    expect(cli.stdout, why).toContain(`${answered.length} of ${answered.length} checked still valid (completeness 1)`);
  }, 60_000);

  it('two recordings deleted since: missing, their calls named, exit 1', async () => {
    const gone = answered.slice(0, 2).map((c) => c.id);
    for (const id of gone) rmSync(join(recs(), recordingAudioFile(id, 'caller')));
    const file = join(root, 'retention-after-delete.json');
    const cli = await runCli(['probe', 'recordings', out(), '--out', file], { timeoutSec: 30, cwd: root });
    const why = describeCli(cli);
    expect(cli.code, why).toBe(1);
    const r = retention(file);
    expect(r.summary, why).toMatchObject({ checked: answered.length, valid: answered.length - 2 });
    expect(r.summary.failures.missing, why).toBe(2);
    expect([...(r.examples.missing ?? [])].sort(), why).toEqual([...gone].sort());
    expect(cli.stdout, why).toMatch(/failed: missing 2/);
  }, 60_000);

  it('the report cites the re-check beside the directory (attached, hashed), and verify accepts it', async () => {
    const pdf = join(root, 'report-dir.pdf');
    const meta = join(root, 'report.yaml');
    writeFileSync(meta, 'recordingRetention: 90 days (operator policy)\n');
    const rep = await runCli(['report', out(), '--lang', 'en', '--meta', meta, '--output', pdf], { timeoutSec: 60, cwd: root });
    expect(rep.code, describeCli(rep)).toBe(0);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    const r = retention(readdirSync(out()).filter((f) => /^retention-.*\.json$/.test(f)).map((f) => join(out(), f))[0]);
    // The row's cells interleave in pdftotext's reading order: the requirement's first words, then its evidence (not
    // applicable: the run was against the embedded simulator, the figures kept in the evidence).
    expect(text).toContain('Recording retention: recordings re-');
    expect(text).toContain("not applicable target: callcert's embedded simulator, evidence of no checked after the run platform (re-checked");
    expect(text).toContain(`${r.summary.valid} of ${r.summary.checked} recordings still valid, the oldest confirmed ${r.oldestConfirmedAgeDays} days old`);
    // What the operator declares is printed as declared, apart from the measured row.
    expect(text).toContain('Recording retention the platform declares (report.yaml; declared, not measured): 90 days (operator policy)');
    const attached = execFileSync('pdfdetach', ['-list', pdf], { encoding: 'utf8' });
    expect(attached).toMatch(/retention-.*\.json/);
    const v = await runCli(['verify', pdf], { timeoutSec: 60, cwd: root });
    expect(v.code, describeCli(v)).toBe(0);
  }, 90_000);

  it('bad input: not a run directory, a run without a recording probe', async () => {
    const none = await runCli(['probe', 'recordings', join(root, 'nowhere')], { timeoutSec: 20, cwd: root });
    expect(none.code, describeCli(none)).toBe(2);
    expect(none.stderr).toMatch(/nowhere: no such results directory or file \(expected a run's --out directory or its results\.json\)/);
    const plain = join(root, 'out-plain');
    await runCli(['run', '--concurrency', '2', '--hold', '1s', '--duration', '1s', '--media', 'none', '--out', plain, '--quiet'], { timeoutSec: 30, cwd: root });
    const cli = await runCli(['probe', 'recordings', plain], { timeoutSec: 20, cwd: root });
    expect(cli.code, describeCli(cli)).toBe(2);
    expect(cli.stderr).toMatch(/scenario\.resolved\.json: recordings: the run had no recording probe/);
  }, 60_000);
});

describe('callcert probe recordings, HTTP source with a bearer token', () => {
  const TOKEN = 'tok-5f2a9c';
  let server: Server;
  let base = '';
  const recs = () => join(root, 'recs-http');

  beforeAll(async () => {
    // The platform's recording store: the simulator's files over HTTP, behind a bearer token.
    server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
      const id = decodeURIComponent(req.url!.replace(/^\/rec\//, ''));
      const f = join(recs(), recordingAudioFile(id, 'caller'));
      if (!existsSync(f)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('asks for the blanked token again (from the environment), and never writes it', async () => {
    const file = scenario('http', recs(), `{ http: { url: "${base}/rec/{{callId}}", auth: { token: ${TOKEN} } } }`);
    const out = join(root, 'out-http');
    const run = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 60, cwd: root });
    expect(readResults(out).summary.recordings?.completeness, describeCli(run)).toBe(1);
    const n = answeredOf(out).length;
    // The run's resolved scenario holds the store's token blanked (it once held it in clear).
    expect(readFileSync(join(out, 'scenario.resolved.json'), 'utf8'), describeCli(run)).not.toContain(TOKEN);

    const without = await runCli(['probe', 'recordings', out], { timeoutSec: 20, cwd: root });
    expect(without.code, describeCli(without)).toBe(2);
    expect(without.stderr).toMatch(/recordings\.http\.auth: the run's credentials are blanked in the results; give them again \(--token-env VAR/);

    const unset = await runCli(['probe', 'recordings', out, '--token-env', 'CALLCERT_TEST_NO_SUCH_VAR'], { timeoutSec: 20, cwd: root });
    expect(unset.code, describeCli(unset)).toBe(2);

    const cli = await runCli(['probe', 'recordings', out, '--token-env', 'REC_TOKEN', '--out', join(root, 'ret-http.json')], {
      timeoutSec: 30, cwd: root, env: { REC_TOKEN: TOKEN },
    });
    const why = describeCli(cli);
    expect(cli.code, why).toBe(0);
    const text = readFileSync(join(root, 'ret-http.json'), 'utf8');
    expect(retention(join(root, 'ret-http.json')).summary, why).toMatchObject({ source: 'http', checked: n, valid: n });
    expect(text, why).not.toContain(TOKEN);
    expect(cli.stdout + cli.stderr, why).not.toContain(TOKEN);
  }, 90_000);
});
