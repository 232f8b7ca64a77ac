/**
 * Flows as a worker runs them (engine/flow-runs.ts), against real local servers
 * started here: a JSON API, one that answers HTML, one that answers 500 to
 * everything (a 5xx storm), a port nothing listens on — and the embedded CTI
 * API calling the flows' own UAS. Every count below is exact: the schedule
 * (uniform arrivals) fixes how many flows start.
 */
import { equalPart } from '../../src/load/segments.js';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowRuns, type FlowWorkerSpec } from '../../src/engine/flow-runs.js';
import type { UasSpec } from '../../src/scenario/flows.js';
import { startCtiApi, type CtiApi } from '../../src/simulator/cti-api.js';
import { decodeMeasures, emptyMeasures } from '../../src/metrics/measures.js';
import { flowOf, outboundOf, type FlowBucket } from '../../src/metrics/interval.js';
import { expectCatalogued } from '../helpers/series.js';
import type { FlowSpec, FlowStepSpec } from '../../src/http/flows/spec.js';

const servers: http.Server[] = [];
async function serve(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}
let jsonUrl = '';
let htmlUrl = '';
let stormUrl = '';
let slowUrl = '';
let deadUrl = '';
let cti: CtiApi;
let headerUrl = '';
let invitesSent = 0;
const sockets: dgram.Socket[] = [];

beforeAll(async () => {
  jsonUrl = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'x1', state: 'ok' }));
  });
  htmlUrl = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><p>maintenance</p>');
  });
  stormUrl = await serve((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/problem+json' });
    res.end('{"title":"boom"}');
  });
  slowUrl = await serve((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    }, 400);
  });
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
  cti = await startCtiApi({ token: 'tkn', ratePerSec: 1e9 });
  // A "platform" that calls back by raw SIP: the Request-URI is a fixed number, the flow is named
  // only by an X-Campaign-Ref header carrying the key the flow sent ({{uas.user}}).
  const sip = dgram.createSocket('udp4');
  sockets.push(sip);
  await new Promise<void>((r) => sip.bind(0, '127.0.0.1', r));
  sip.on('message', () => {}); // responses (486/480) are not followed up in this test
  headerUrl = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { host, port, ref } = JSON.parse(body) as { host: string; port: number; ref: string };
      const n = ++invitesSent;
      const invite = [
        `INVITE sip:+15550100@${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${sip.address().port};branch=z9hG4bK-h${n}`,
        'Max-Forwards: 70',
        `From: <sip:platform@127.0.0.1>;tag=p${n}`,
        `To: <sip:+15550100@${host}>`,
        `Call-ID: hdr-${n}@127.0.0.1`,
        'CSeq: 1 INVITE',
        `Contact: <sip:platform@127.0.0.1:${sip.address().port}>`,
        `X-Campaign-Ref: ${ref}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sip.send(invite, port, host);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"queued":true}');
    });
  });
});
afterAll(async () => {
  await cti.close();
  for (const so of sockets) so.close();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

function spec(name: string, steps: FlowStepSpec[], o: Partial<FlowSpec> = {}): FlowSpec {
  return { name, arrivals: 'uniform', stages: [{ durationMs: 0, target: 10 }, { durationMs: 1000, target: 10 }], maxConcurrent: 100, connections: 4, timeoutMs: 2000, vars: {}, feeder: null, steps, ...o };
}
const get = (name: string, extract: Record<string, string> = {}): FlowStepSpec => ({
  name, kind: 'request', request: { method: 'GET', url: '/api', headers: {}, body: null }, expect: { status: null, body: [] }, extract,
});

async function runFlows(ws: FlowWorkerSpec[], uas: UasSpec | null = null, waitMs = 1500) {
  const runs = new FlowRuns(ws, { segment: equalPart(0, 1), seed: 1, startAt: performance.now() + 50, uas, localAddress: '127.0.0.1', worker: 0 });
  await runs.start();
  await new Promise((r) => setTimeout(r, waitMs));
  await runs.done(5000);
  const series = emptyMeasures();
  const data = runs.takeInterval(series);
  await runs.close();
  // Every series the flows and the UAS ship is in the catalogue.
  expectCatalogued(series);
  // Read back through the typed views the results use (metrics/interval.ts).
  const m = decodeMeasures(series);
  const flows: Record<string, FlowBucket> = {};
  for (const w of ws) flows[w.spec.name] = flowOf(m, w.spec.name, data.flowExamples?.[w.spec.name])!;
  const ob = outboundOf(m);
  return { flows, outbound: ob === null ? null : { ...ob, samples: data.outboundSamples ?? [] } };
}

describe('http.flows in a worker, against real servers', () => {
  it('counts every bad input per cause and goes on: non-JSON body, 5xx storm, unreachable port; good flows complete', async () => {
    const { flows } = await runFlows([
      { spec: spec('good', [get('a', { id: '$.id' })]), baseUrl: jsonUrl, headers: {}, feeder: null },
      { spec: spec('html', [get('a', { id: '$.id' })]), baseUrl: htmlUrl, headers: {}, feeder: null },
      { spec: spec('storm', [get('a')]), baseUrl: stormUrl, headers: {}, feeder: null },
      { spec: spec('dead', [get('a')]), baseUrl: deadUrl, headers: {}, feeder: null },
      {
        spec: spec('feeder', [get('a')]), baseUrl: jsonUrl, headers: {},
        feeder: { columns: ['n'], rows: [['1'], ['2'], ['3']], order: 'sequential', recycle: false },
      },
    ]);
    expect(flows.good).toMatchObject({ started: 10, completed: 10, failed: 0, blocked: 0, errorsByCause: {} });
    expect(flows.good.hist.totalCount).toBe(10);
    expect(flows.good.steps.a).toMatchObject({ count: 10, statusCodes: { 200: 10 }, errors: {} });

    expect(flows.html).toMatchObject({ started: 10, completed: 0, failed: 10, errorsByCause: { extract_failed: 10 } });
    expect(flows.html.examples.extract_failed).toBe('a: id = $.id: the body is not JSON (content-type text/html, starts "<!doctype html><p>maintenance</p>")');

    expect(flows.storm).toMatchObject({ started: 10, failed: 10, errorsByCause: { status: 10 }, unexpectedStatus: { 500: 10 } });
    expect(flows.storm.steps.a).toMatchObject({ count: 10, statusCodes: { 500: 10 }, errors: { status: 10 } });

    expect(flows.dead).toMatchObject({ started: 10, failed: 10, errorsByCause: { connect_refused: 10 } });
    expect(flows.dead.examples.connect_refused).toMatch(new RegExp(`^a: GET ${deadUrl}/api: `));

    // 3 rows, no recycling: flows 3..9 fail before sending anything.
    expect(flows.feeder).toMatchObject({ started: 10, completed: 3, failed: 7, errorsByCause: { feeder_exhausted: 7 } });
  });

  it('starts beyond maxConcurrent are counted as blocked, never queued', async () => {
    const { flows } = await runFlows([{ spec: spec('slow', [get('a')], { maxConcurrent: 2, stages: [{ durationMs: 0, target: 20 }, { durationMs: 1000, target: 20 }] }), baseUrl: slowUrl, headers: {}, feeder: null }]);
    const f = flows.slow;
    expect(f.started + f.blocked).toBe(20);
    // 2 at a time for 400 ms each over 1 s: at most 2 × ceil(1000/400) = 6 can start.
    expect(f.started).toBeLessThanOrEqual(6);
    expect(f.completed).toBe(f.started);
    expect(f.blocked).toBeGreaterThanOrEqual(14);
  });

  it('outbound: the CTI API calls each flow back at its own UAS; every INVITE is correlated and timed', async () => {
    const steps: FlowStepSpec[] = [
      {
        name: 'originate', kind: 'request',
        request: { method: 'POST', url: '/v1/calls', headers: { 'content-type': 'application/json' }, body: { kind: 'json', value: { to: '{{uas.uri}}', holdMs: 300 } } },
        expect: { status: [201], body: [] }, extract: { callId: '$.id' },
      },
      { name: 'invite', kind: 'waitCall', timeoutMs: 3000 },
    ];
    const uas: UasSpec = { ringMs: 50, hangupMs: null, answerRatio: 1, capacity: 1000, correlate: { kind: 'user' } };
    const { flows, outbound } = await runFlows([{ spec: spec('ob', steps), baseUrl: cti.url, headers: { authorization: 'Bearer tkn' }, feeder: null }], uas, 1500);
    expect(flows.ob).toMatchObject({ started: 10, completed: 10, failed: 0 });
    expect(outbound).toMatchObject({ offered: 10, answered: 10, completed: 10, failed: 0, uncorrelated: 0 });
    const dial = outbound!.dialHist;
    expect(dial.totalCount).toBe(10);
    // API request → INVITE, before any ringing: one sample per call (above), each measured.
    // How long it takes is the host's business (no wall-clock bound here).
    expect(dial.minNonZeroValue).toBeGreaterThan(0);
    expect(Math.max(...outbound!.samples.map((s) => s[1]))).toBeGreaterThan(0);
    expect(outbound!.samples[outbound!.samples.length - 1][1]).toBe(0);
    // The CTI side saw the same calls end normally.
    expect(cti.counters.originated).toBe(10);
  });

  it('outbound by header: the INVITE names its flow only in the header the scenario gives', async () => {
    const steps: FlowStepSpec[] = [
      {
        name: 'originate', kind: 'request',
        request: { method: 'POST', url: '/dial', headers: { 'content-type': 'application/json' }, body: { kind: 'json', value: { host: '{{uas.host}}', port: '{{uas.port}}', ref: '{{uas.user}}' } } },
        expect: { status: [202], body: [] }, extract: {},
      },
      { name: 'invite', kind: 'waitCall', timeoutMs: 2000 },
    ];
    // answerRatio 0: the UAS rejects (486/480), which is all a raw-socket platform needs to handle.
    const uas: UasSpec = { ringMs: 0, hangupMs: null, answerRatio: 0, capacity: 1000, correlate: { kind: 'header', name: 'x-campaign-ref' } };
    const { flows, outbound } = await runFlows([{ spec: spec('hdr', steps), baseUrl: headerUrl, headers: {}, feeder: null }], uas, 1500);
    expect(invitesSent).toBe(10);
    expect(flows.hdr).toMatchObject({ started: 10, completed: 10, failed: 0 });
    expect(outbound).toMatchObject({ offered: 10, answered: 0, failed: 10, uncorrelated: 0 });
    expect(outbound!.dialHist.totalCount).toBe(10);
  });
});
