/**
 * `callcert run` with http.flows: bad input is counted per cause and shown in one
 * line per flow, and the run goes on (an HTML body where JSON is extracted, a 5xx
 * storm, a port nobody listens on); a missing feeder file stops it before it
 * starts with one line naming the file and the field.
 */
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort } from '../helpers/procs.js';
import { nonEmptyLines, readResults, runCli, tempDir } from '../helpers/cli.js';

let dir: string;
let html: http.Server;
let storm: http.Server;
const urlOf = (s: http.Server) => `http://127.0.0.1:${(s.address() as { port: number }).port}`;

beforeAll(async () => {
  dir = tempDir('flows');
  html = http.createServer((_q, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>login page</html>');
  });
  storm = http.createServer((_q, res) => {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end('{"title":"overloaded"}');
  });
  await Promise.all([html, storm].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});
afterAll(async () => {
  await Promise.all([html, storm].map((s) => new Promise((r) => s.close(r))));
});

const flow = (name: string, url: string, extract = '') => `
    - name: ${name}
      stages: [{ duration: 0s, target: 5 }, { duration: 2s, target: 5 }]
      timeout: 2s
      steps:
        - name: get
          request: { url: "${url}" }${extract}`;

function scenario(name: string, flows: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
load:
  model: open
  stages: [{ duration: 1s, target: 2 }, { duration: 3s, target: 2 }]
call: { hold: 1s }
http:
  flows:${flows}
`);
  return file;
}

describe('callcert run with http.flows: bad input', () => {
  it('counts non-JSON, 5xx and connection-refused failures per cause, one line each, without failing the run', async () => {
    const dead = await freeTcpPort();
    const file = scenario('bad-input', flow('html', `${urlOf(html)}/me`, '\n          extract: { user: $.user }') + flow('storm', `${urlOf(storm)}/x`) + flow('dead', `http://127.0.0.1:${dead}/x`));
    const out = path.join(dir, 'bad-input.out');
    const r = await runCli(['run', file, '--quiet', '--out', out], { timeoutSec: 60 });
    expect(r.code, r.stderr).toBe(0);
    const f = readResults(out).summary.httpFlows as Record<
      string,
      { started: number; failed: number; errorsByCause: Record<string, number>; unexpectedStatus: Record<string, number> }
    >;
    expect(f.html).toMatchObject({ started: 10, failed: 10, errorsByCause: { extract_failed: 10 } });
    expect(f.storm).toMatchObject({ started: 10, failed: 10, errorsByCause: { status: 10 }, unexpectedStatus: { 503: 10 } });
    expect(f.dead).toMatchObject({ started: 10, failed: 10, errorsByCause: { connect_refused: 10 } });
    const lines = nonEmptyLines(r.stdout);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}errors by cause: extract_failed 10 — e\.g\. extract_failed: get: user = \$\.user: the body is not JSON \(content-type text\/html, starts "<html>login page<\/html>"\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}errors by cause: status 10 \[status codes: 503 10\] — e\.g\. status: get: status 503, expected 2xx$/));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}errors by cause: connect_refused 10 — e\\.g\\. connect_refused: get: GET http://127\\.0\\.0\\.1:${dead}/x: `)));
    // The SIP calls beside them are unaffected.
    expect(readResults(out).summary.calls.failed).toBe(0);
    // flows.jsonl: the same failures, one record per instance, with the failing step and its status.
    const recs = readFileSync(path.join(out, 'flows.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {
      flow: string; ok: boolean; cause: string; failedStep: string; detail: string;
      steps: Array<{ step: string; status: number | null; cause: string | null }>;
    });
    const byFlowCause = (fl: string) => recs.filter((x) => x.flow === fl).map((x) => `${x.ok}:${x.cause}:${x.failedStep}`);
    expect(byFlowCause('html')).toEqual(Array(10).fill('false:extract_failed:get'));
    expect(byFlowCause('storm')).toEqual(Array(10).fill('false:status:get'));
    expect(byFlowCause('dead')).toEqual(Array(10).fill('false:connect_refused:get'));
    expect(recs.filter((x) => x.flow === 'storm').every((x) => x.steps.length === 1 && x.steps[0].status === 503 && x.steps[0].cause === 'status')).toBe(true);
  });

  it('a missing feeder file is a scenario error naming the file and the field, before anything runs', async () => {
    const file = scenario('no-feeder', `${flow('f', `${urlOf(html)}/x`)}\n      feeder: { file: agents-missing.csv }`);
    const r = await runCli(['run', file, '--quiet', '--out', path.join(dir, 'no-feeder.out')], { timeoutSec: 30 });
    expect(r.code).toBe(2);
    expect(nonEmptyLines(r.stderr)).toEqual([`callcert: ${file}: http.flows[0].feeder.file: ${path.join(dir, 'agents-missing.csv')}: file not found [CC_ERR_SCENARIO_INVALID]`]);
  });
});
