import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errors, isCallcertError } from '../../src/errors.js';
import type { CallcertError } from '../../src/errors.js';
import {
  buildScenarioFromFlags,
  loadScenarioFile,
  parseScenarioText,
  readScenarioRaw,
  scenarioFromObject,
} from '../../src/scenario/load.js';
import { applyOverrides } from '../../src/scenario/overrides.js';
import type { Scenario } from '../../src/scenario/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const F = (name: string) => path.join(ROOT, 'test/fixtures/scenarios', name);
const SHIPPED = (name: string) => path.join(ROOT, 'scenarios', name);

async function rejection(p: Promise<unknown>): Promise<CallcertError> {
  try {
    await p;
  } catch (e) {
    if (isCallcertError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}
function thrown(f: () => unknown): CallcertError {
  try {
    f();
  } catch (e) {
    if (isCallcertError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

/** Raw YAML-shaped scenarios, mutated freely by the tests below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any>;

/** A valid raw scenario to break one field at a time. */
function base(): Raw {
  return {
    name: 'x',
    load: { model: 'closed', stages: [{ duration: '10s', target: 10 }, { duration: '10s', target: 10 }] },
  };
}
function problem(mutate: (o: Raw) => void): string {
  const o = base();
  mutate(o);
  const e = thrown(() => scenarioFromObject(o, 'x.yaml'));
  expect(e.code).toBe(errors.scenarioInvalid.code);
  return e.message;
}

function expectDeepFrozen(v: unknown, where = 'scenario'): void {
  if (v === null || typeof v !== 'object') return;
  expect(Object.isFrozen(v), `${where} is frozen`).toBe(true);
  for (const [k, child] of Object.entries(v)) expectDeepFrozen(child, `${where}.${k}`);
}

describe('loadScenarioFile: bad files give one line per problem', () => {
  it.each([
    ['bad-unknown-field.yaml', 'load: unknown field "rate"; use load.stages[].target with model: open (calls per second)'],
    ['bad-typo.yaml', 'call: unknown field "hodl"; did you mean "hold"?'],
    ['bad-negative-rate.yaml', 'load.stages[2].target: expected a number >= 0, got -5'],
    ['bad-wrong-type.yaml', 'load.stages[0].target: expected a number >= 0, got "lots"'],
    ['bad-missing-stages.yaml', 'load.stages: expected a list of stages [{ duration, target }, ...], got nothing'],
    ['bad-tls.yaml', 'target.transport: expected udp or tcp, got "tls" (TLS is not supported yet)'],
    ['bad-duration.yaml', 'load.stages[0].duration: expected a duration with a unit, got 20 (write 20s or 20000ms)'],
    ['bad-criterion.yaml', 'criteria.setup_ms[0]: expected p(N)<X, max<X or avg<X (e.g. "p(95)<800"), got "p95<800"'],
    ['bad-empty.yaml', 'expected a scenario mapping (name, load, call, criteria, ...), got an empty document'],
  ])('%s', async (name, line) => {
    const e = await rejection(loadScenarioFile(F(name)));
    expect(e.code).toBe('CC_ERR_SCENARIO_INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`${F(name)}: ${line}`);
    expect(e.details.issues).toEqual([e.message]);
    expect(e.details.file).toBe(F(name));
  });

  it('reports every schema problem at once', async () => {
    const e = await rejection(loadScenarioFile(F('bad-many.yaml')));
    const lines = [
      'name: expected a name of lower-case letters, digits, ".", "_" and "-" (at most 64), got "Many Problems"',
      'call.hold.max: expected a duration with a unit, got 30 (write 30s or 30000ms)',
      'unknown field "duration"; use load.stages (each stage has a duration)',
    ].map((l) => `${F('bad-many.yaml')}: ${l}`);
    expect(e.details.issues).toEqual(lines);
    expect(e.message).toBe(lines.join('\n'));
  });

  it('reports every cross-field problem at once', async () => {
    const e = await rejection(loadScenarioFile(F('bad-cross-field.yaml')));
    expect(e.details.issues).toEqual(
      [
        'load.arrivals: expected no arrivals with model: closed (arrivals pace the call starts of model: open), got "poisson"',
        'criteria.concurrency_sustained: expected load.stages to have a flat stage (one keeping the target of the stage before it) to measure sustained concurrency, got none',
        'call.hold.max: expected a duration >= min (30s), got "10s"',
      ].map((l) => `${F('bad-cross-field.yaml')}: ${l}`),
    );
  });

  it('malformed YAML → CC_ERR_SCENARIO_SYNTAX with file:line:col and the YAML message', async () => {
    const e = await rejection(loadScenarioFile(F('bad-syntax.yaml')));
    expect(e.code).toBe('CC_ERR_SCENARIO_SYNTAX');
    expect(e.message).toBe(`${F('bad-syntax.yaml')}:5:1: Flow sequence in block collection must be sufficiently indented and end with a ]`);
    expect(e.details).toMatchObject({ line: 5, col: 1 });
  });

  it('missing file → CC_ERR_SCENARIO_NOT_FOUND naming the file', async () => {
    const e = await rejection(loadScenarioFile(F('nope.yaml')));
    expect(e.code).toBe('CC_ERR_SCENARIO_NOT_FOUND');
    expect(e.message).toBe(`${F('nope.yaml')}: scenario file not found`);
    const dir = await rejection(loadScenarioFile(path.join(ROOT, 'test/fixtures/scenarios')));
    expect(dir.message).toBe(`${path.join(ROOT, 'test/fixtures/scenarios')}: is a directory, expected a scenario file (.yaml)`);
  });
});

describe('parseScenarioText', () => {
  it.each([
    ['a: 1\na: 2\n', 'f.yaml:2:1: Map keys must be unique'],
    ['a:\n\t- b\n', 'f.yaml:2:1: Tabs are not allowed as indentation'],
    ['name: "x\n', 'f.yaml:2:1: Missing closing "quote'],
    ['a: 1\n---\nb: 2\n', 'f.yaml:2:1: Source contains multiple documents; please use YAML.parseAllDocuments()'],
    ['a: *nope\n', 'f.yaml: Unresolved alias (the anchor must be set before the alias): nope'],
  ])('%j → %s', (text, message) => {
    const e = thrown(() => parseScenarioText(text, 'f.yaml'));
    expect(e.code).toBe('CC_ERR_SCENARIO_SYNTAX');
    expect(e.message).toBe(message);
  });

  it('ignores a byte-order mark and reads YAML 1.2 (yes is a string)', () => {
    expect(parseScenarioText('\ufeffname: yes\n', 'f.yaml')).toEqual({ name: 'yes' });
  });
});

describe('scenarioFromObject: messages', () => {
  it.each<[string, (o: Raw) => void, string]>([
    ['missing load', (o) => delete o.load, 'load: expected a mapping with model and stages, got nothing'],
    ['missing model', (o) => delete o.load.model, 'load.model: expected closed (stage targets are concurrent calls), open (stage targets are calls per second) or search (stepped capacity search), got nothing'],
    ['empty stages', (o) => (o.load.stages = []), 'load.stages: expected at least one stage { duration, target }, got an empty list'],
    ['infinite target', (o) => (o.load.stages[0].target = Infinity), 'load.stages[0].target: expected a number >= 0, got .inf'],
    ['only zero-length stages', (o) => (o.load.stages = [{ duration: '0s', target: 10 }]), 'load.stages: expected at least one stage with a duration > 0 (a 0 duration is a step), got only 0'],
    ['negative stage duration', (o) => (o.load.stages[0].duration = '-1s'), 'load.stages[0].duration: expected a duration >= 0, got "-1s"'],
    ['spaces in duration', (o) => (o.call = { hold: '20 s' }), 'call.hold: expected a duration such as 250ms, 20s, 1.5s, 2m, 1h or 1m30s, got "20 s" (no spaces inside a duration)'],
    ['bare hold', (o) => (o.call = { hold: 20 }), 'call.hold: expected a duration with a unit, got 20 (write 20s or 20000ms)'],
    ['hold list', (o) => (o.call = { hold: ['20s'] }), 'call.hold: expected a duration such as 20s, or a distribution such as { dist: exponential, mean: 20s }, got a list'],
    ['unknown dist', (o) => (o.call = { hold: { dist: 'lognormal', mean: '1s' } }), 'call.hold.dist: expected one of fixed, uniform, exponential, normal, got "lognormal"'],
    ['missing dist field', (o) => (o.call = { hold: { dist: 'uniform', min: '1s' } }), 'call.hold.max: expected a duration such as 250ms, 20s, 1.5s, 2m, 1h or 1m30s, got nothing'],
    ['field of another dist', (o) => (o.call = { hold: { dist: 'fixed', value: '1s', mean: '2s' } }), 'call.hold: unknown field "mean"; expected one of dist, value'],
    ['zero exponential mean', (o) => (o.call = { hold: { dist: 'exponential', mean: '0s' } }), 'call.hold.mean: expected a duration > 0, got "0s"'],
    ['ringTimeout 0', (o) => (o.call = { ringTimeout: 0 }), 'call.ringTimeout: expected a duration > 0, got 0'],
    ['sdp string', (o) => (o.call = { sdp: 'yes' }), 'call.sdp: expected true or false, got "yes"'],
    ['renamed holdTime', (o) => (o.call = { holdTime: '20s' }), 'call: unknown field "holdTime"; use call.hold (e.g. hold: 20s)'],
    ['renamed hold_ms at top level', (o) => (o.hold_ms = 20000), 'unknown field "hold_ms"; use call.hold (e.g. hold: 20s)'],
    ['top-level duration', (o) => (o.duration = '60s'), 'unknown field "duration"; use load.stages (each stage has a duration)'],
    ['case/underscore typo', (o) => (o.call = { ring_timeout: '5s' }), 'call: unknown field "ring_timeout"; did you mean "ringTimeout"?'],
    ['nothing close', (o) => (o.zzz = 1), 'unknown field "zzz"; expected one of name, description, target, embedded, load, call, media, criteria, http, uas, recordings, outboundRules, platform, workers, localAddress, generator'],
    ['stage rate', (o) => (o.load.stages[0].rate = 5), 'load.stages[0]: unknown field "rate"; use target (calls per second with model: open)'],
    ['unknown metric', (o) => (o.criteria = { latency: ['<1'] }), 'criteria: unknown metric "latency"; known metrics: setup_ms, pdd_ms, ser, seer, isa, scr, asr, concurrency_peak, concurrency_sustained, cps_achieved, failed_calls, blocked_calls, cut_at_end_calls, no_response_calls, mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_max_gap_ms, rtp_first_media_ms, rtcp_rtt_ms, rtp_one_way_audio, rtp_crossed_media, recording_completeness, http_latency_ms{load:<name>}, http_errors{load:<name>}, http_error_rate{load:<name>}, http_rps{load:<name>}, flow_ms{flow:<name>}, flow_failures{flow:<name>}, flow_failure_rate{flow:<name>}, flow_step_ms{flow:<name>,step:<name>}, dial_latency_ms, outbound_failed, outbound_answered, outbound_concurrency_peak, outbound_concurrency_sustained, outbound_rule_violations, platform_cpu_pct{instance:<name>}, platform_mem_used_pct{instance:<name>}, platform_net_rx_bytes_per_sec{instance:<name>}, platform_net_tx_bytes_per_sec{instance:<name>}'],
    ['metric alias', (o) => (o.criteria = { pdd: ['p(95)<1'] }), 'criteria: unknown metric "pdd"; use pdd_ms'],
    ['metric typo', (o) => (o.criteria = { sre: ['>=1'] }), 'criteria: unknown metric "sre"; did you mean "ser"?'],
    ['criterion number', (o) => (o.criteria = { ser: 0.999 }), 'criteria.ser: expected an expression such as ">=0.999", or a list of them, got 0.999'],
    ['criterion shorthand', (o) => (o.criteria = { ser: '>=99.9' }), 'criteria.ser: expected a ratio between 0 and 1, got ">=99.9" (write >=0.999 or >=99.9%)'],
    ['percentile on scalar', (o) => (o.criteria = { asr: ['p(95)>0.5'] }), 'criteria.asr[0]: expected a plain comparison such as ">=0.999", got "p(95)>0.5" (p(N), max and avg apply only to setup_ms, pdd_ms, mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_max_gap_ms, rtp_first_media_ms, rtcp_rtt_ms, http_latency_ms, flow_ms, flow_step_ms, dial_latency_ms, platform_cpu_pct, platform_mem_used_pct, platform_net_rx_bytes_per_sec, platform_net_tx_bytes_per_sec; asr is a single value)'],
    ['sips', (o) => (o.target = { uri: 'sips:ivr@192.0.2.1' }), 'target.uri: expected a SIP URI such as sip:ivr@10.0.0.5:5060, got "sips:ivr@192.0.2.1" (sips: (TLS) is not supported yet)'],
    ['bad port', (o) => (o.target = { uri: 'sip:ivr@192.0.2.1:70000' }), 'target.uri: expected a SIP URI such as sip:ivr@10.0.0.5:5060, got "sip:ivr@192.0.2.1:70000" (the port must be 1 to 65535)'],
    ['tls param', (o) => (o.target = { uri: 'sip:ivr@192.0.2.1;transport=tls' }), 'target.uri: expected transport=udp or transport=tcp in the URI, got "sip:ivr@192.0.2.1;transport=tls" (TLS is not supported yet)'],
    ['target as string', (o) => (o.target = 'sip:ivr@192.0.2.1'), 'target: expected a mapping such as { uri: sip:ivr@10.0.0.5:5060 }, got "sip:ivr@192.0.2.1" (write target: { uri: sip:ivr@192.0.2.1 })'],
    ['upper-case transport', (o) => (o.target = { uri: 'sip:a@192.0.2.1', transport: 'UDP' }), 'target.transport: expected udp or tcp, got "UDP" (write udp in lower case)'],
    ['numeric password', (o) => (o.target = { uri: 'sip:a@192.0.2.1', auth: { username: 'u', password: 1234 } }), 'target.auth.password: expected a password string, got 1234 (quote it: "1234")'],
    ['answerRatio', (o) => (o.embedded = { answerRatio: 1.5 }), 'embedded.answerRatio: expected a number between 0 and 1, got 1.5'],
    ['workers', (o) => (o.workers = 0), 'workers: expected a whole number >= 1, got 0'],
    ['localAddress', (o) => (o.localAddress = 'localhost'), 'localAddress: expected an IPv4 or IPv6 address, got "localhost"'],
    ['generator', (o) => (o.generator = { maxScheduleSlipMsP99: 0 }), 'generator.maxScheduleSlipMsP99: expected a number > 0, got 0'],
    // cross-field
    ['closed + maxConcurrency', (o) => (o.load.maxConcurrency = 1200), 'load.maxConcurrency: expected no maxConcurrency with model: closed (its stage targets already are the concurrency), got 1200'],
    ['closed fractional target', (o) => (o.load.stages[1].target = 10.5), 'load.stages[1].target: expected a whole number of concurrent calls with model: closed, got 10.5'],
    ['all targets 0', (o) => (o.load.stages = [{ duration: '1s', target: 0 }]), 'load.stages: expected at least one stage with target > 0, got only targets of 0'],
    ['transport conflict', (o) => (o.target = { uri: 'sip:a@192.0.2.1;transport=tcp', transport: 'udp' }), 'target.transport: expected tcp (target.uri says ;transport=tcp), got "udp"'],
    ['loopback local address', (o) => ((o.target = { uri: 'sip:a@192.0.2.1' }), (o.localAddress = '127.0.0.1')), 'localAddress: expected an address that can reach 192.0.2.1 (a loopback address reaches only this machine), got "127.0.0.1"'],
    ['address family', (o) => ((o.target = { uri: 'sip:a@[2001:db8::1]' }), (o.localAddress = '192.0.2.2')), 'localAddress: expected an IPv6 address to reach 2001:db8::1, got "192.0.2.2"'],
    ['ring ≥ ringTimeout', (o) => ((o.embedded = { ring: '5s' }), (o.call = { ringTimeout: '5s' })), 'embedded.ring: expected less than call.ringTimeout (5s), or every call is cancelled before it is answered, got "5s"'],
  ])('%s', (_name, mutate, line) => {
    expect(problem(mutate)).toBe(`x.yaml: ${line}`);
  });

  it('names the source it was given', () => {
    const e = thrown(() => scenarioFromObject({ name: 'x' }, 'command line'));
    expect(e.message).toBe('command line: load: expected a mapping with model and stages, got nothing');
  });
});

describe('http', () => {
  /** base() with one valid HTTP load (relative URL, embedded call centre) mutated by `mutate`. */
  function withHttp(mutate: (o: Raw) => void): Raw {
    const o = base();
    o.http = { load: [{ name: 'agents', url: '/v1/agents', rate: 10, duration: '10s' }] };
    mutate(o);
    return o;
  }
  const httpProblem = (mutate: (o: Raw) => void) => {
    const e = thrown(() => scenarioFromObject(withHttp(mutate), 'x.yaml'));
    expect(e.code).toBe(errors.scenarioInvalid.code);
    return e.message;
  };

  it('absent (or null) http → null', () => {
    expect(scenarioFromObject(base(), 'x').http).toBeNull();
    expect(scenarioFromObject({ ...base(), http: null }, 'x').http).toBeNull();
  });

  it('a file with http is normalized', async () => {
    const s = await loadScenarioFile(F('good-http.yaml'));
    expect(s.http).toEqual({
      baseUrl: 'http://127.0.0.1:8080',
      token: 'abc',
      load: [
        {
          name: 'agents',
          method: 'GET',
          url: '/v1/agents',
          headers: {},
          body: null,
          connections: 8,
          ratePerSec: 100,
          startMs: 0,
          durationMs: 30_000,
          timeoutMs: 10_000,
          pipelining: 1,
          expectStatus: [200],
        },
        {
          name: 'originate',
          method: 'POST',
          url: 'https://cti.example.com/v1/calls',
          headers: { 'x-tenant': 'a', 'content-type': 'application/json' },
          body: '{"to":"sip:ivr@127.0.0.1:5060","priority":2}',
          connections: 16,
          ratePerSec: 2.5,
          startMs: 10_000,
          durationMs: 50_000,
          timeoutMs: 2_000,
          pipelining: 1,
          expectStatus: [201, 202],
        },
        {
          name: 'raw.body',
          method: 'PUT',
          url: '/v1/notes',
          headers: { 'content-type': 'text/plain' },
          body: 'hello',
          connections: 8,
          ratePerSec: 1,
          startMs: 0,
          durationMs: 60_000,
          timeoutMs: 10_000,
          pipelining: 1,
          expectStatus: [204],
        },
      ],
      flows: [],
    } satisfies Scenario['http']);
    expectDeepFrozen(s);
  });

  it('rate: max is a closed-loop (autocannon) load with pipelining; pipelining needs rate: max', () => {
    const s = scenarioFromObject(withHttp((o) => Object.assign(o.http.load[0], { rate: 'max', connections: 4, pipelining: 4 })), 'x');
    expect(s.http?.load[0]).toMatchObject({ ratePerSec: null, connections: 4, pipelining: 4 });
    expect(httpProblem((o) => Object.assign(o.http.load[0], { pipelining: 4 }))).toBe(
      'x.yaml: http.load[0].pipelining: expected pipelining only with rate: max, got 4 (a fixed-rate load sends one request per connection at a time)',
    );
    expect(httpProblem((o) => (o.http.load[0].rate = 'fast'))).toBe('x.yaml: http.load[0].rate: expected requests per second (a number > 0), or "max", got "fast"');
  });

  it('a JSON body keeps a content-type header given in any case', () => {
    const s = scenarioFromObject(withHttp((o) => Object.assign(o.http.load[0], { method: 'post', body: { a: 1 }, headers: { 'Content-Type': 'application/vnd.x+json' } })), 'x');
    expect(s.http?.load[0]).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/vnd.x+json' }, body: '{"a":1}' });
  });

  it('relative URLs are fine with a target when http.baseUrl is given, and absolute ones always', () => {
    const target = { uri: 'sip:ivr@127.0.0.1:5080' };
    expect(scenarioFromObject(withHttp((o) => ((o.target = target), (o.http.baseUrl = 'https://api.example.com/'))), 'x').http?.baseUrl).toBe('https://api.example.com/');
    expect(scenarioFromObject(withHttp((o) => ((o.target = target), (o.http.load[0].url = 'http://10.0.0.5:8080/v1/agents'))), 'x').http?.load[0].url).toBe('http://10.0.0.5:8080/v1/agents');
  });

  it.each<[string, (o: Raw) => void, string]>([
    ['http not a mapping', (o) => (o.http = '/v1/agents'), 'http: expected a mapping { baseUrl, token, load, flows }, got "/v1/agents"'],
    ['no load', (o) => delete o.http.load, 'http: expected http.load or http.flows (or no http section), got "neither"'],
    ['empty load', (o) => (o.http.load = []), 'http.load: expected at least one HTTP load { name, url, rate, duration }, got an empty list'],
    ['unknown field', (o) => (o.http.load[0].rps = 5), 'http.load[0]: unknown field "rps"; use rate (requests per second)'],
    ['field typo', (o) => (o.http.load[0].expectedStatus = [200]), 'http.load[0]: unknown field "expectedStatus"; did you mean "expectStatus"?'],
    ['bad baseUrl', (o) => (o.http.baseUrl = '127.0.0.1:8080'), 'http.baseUrl: expected an absolute http(s) URL such as http://127.0.0.1:8080, got "127.0.0.1:8080"'],
    ['ftp baseUrl', (o) => (o.http.baseUrl = 'ftp://h/'), 'http.baseUrl: expected an absolute http(s) URL such as http://127.0.0.1:8080, got "ftp://h/" (ftp: URLs are not supported)'],
    ['numeric token', (o) => (o.http.token = 1234), 'http.token: expected a bearer token string, got 1234 (quote it: "1234")'],
    ['missing name', (o) => delete o.http.load[0].name, 'http.load[0].name: expected a name of lower-case letters, digits, ".", "_" and "-", got nothing'],
    ['bad name', (o) => (o.http.load[0].name = 'My Load'), 'http.load[0].name: expected a name of lower-case letters, digits, ".", "_" and "-" (at most 64), got "My Load"'],
    ['bad method', (o) => (o.http.load[0].method = 'FETCH'), 'http.load[0].method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, got "FETCH"'],
    ['missing url', (o) => delete o.http.load[0].url, 'http.load[0].url: expected an absolute http(s) URL or a path starting with "/", got nothing'],
    ['path without /', (o) => (o.http.load[0].url = 'v1/agents'), 'http.load[0].url: expected an absolute http(s) URL or a path starting with "/", got "v1/agents" (write /v1/agents or a full URL)'],
    ['header value number', (o) => (o.http.load[0].headers = { 'x-n': 1 }), 'http.load[0].headers.x-n: expected a header value string, got 1 (quote it: "1")'],
    ['body list', (o) => (o.http.load[0].body = [1]), 'http.load[0].body: expected a string, or a mapping (sent as JSON), got a list'],
    ['connections 0', (o) => (o.http.load[0].connections = 0), 'http.load[0].connections: expected a whole number between 1 and 1024, got 0'],
    ['connections 2000', (o) => (o.http.load[0].connections = 2000), 'http.load[0].connections: expected a whole number between 1 and 1024, got 2000'],
    ['missing rate', (o) => delete o.http.load[0].rate, 'http.load[0].rate: expected requests per second (a number > 0), or "max", got nothing'],
    ['rate 0', (o) => (o.http.load[0].rate = 0), 'http.load[0].rate: expected a number > 0, got 0'],
    ['missing duration', (o) => delete o.http.load[0].duration, 'http.load[0].duration: expected a duration such as 250ms, 20s, 1.5s, 2m, 1h or 1m30s, got nothing'],
    ['zero duration', (o) => (o.http.load[0].duration = '0s'), 'http.load[0].duration: expected a duration > 0, got "0s"'],
    ['bare start', (o) => (o.http.load[0].start = 5), 'http.load[0].start: expected a duration with a unit, got 5 (write 5s or 5000ms)'],
    ['zero timeout', (o) => (o.http.load[0].timeout = 0), 'http.load[0].timeout: expected a duration > 0, got 0'],
    ['status out of range', (o) => (o.http.load[0].expectStatus = 700), 'http.load[0].expectStatus: expected an HTTP status code between 100 and 599, got 700'],
    ['status list entry', (o) => (o.http.load[0].expectStatus = [200, 99]), 'http.load[0].expectStatus[1]: expected an HTTP status code between 100 and 599, got 99'],
    ['status string', (o) => (o.http.load[0].expectStatus = '200'), 'http.load[0].expectStatus: expected an HTTP status code, or a list of them such as [200, 204], got "200"'],
    ['empty status list', (o) => (o.http.load[0].expectStatus = []), 'http.load[0].expectStatus: expected at least one HTTP status code, got an empty list'],
    // cross-field
    [
      'duplicate name',
      (o) => o.http.load.push({ name: 'agents', url: '/v1/queues', rate: 1, duration: '1s' }),
      'http.load[1].name: expected a name not used by another HTTP load (http.load[0] is also named "agents"), got "agents"',
    ],
    [
      'relative url with a target and no baseUrl',
      (o) => (o.target = { uri: 'sip:ivr@127.0.0.1:5080' }),
      'http.load[0].url: expected an absolute URL or http.baseUrl when a target is given, got "/v1/agents"',
    ],
    [
      'longer than the run',
      (o) => ((o.http.load[0].start = '15s'), (o.http.load[0].duration = '10s')),
      'http.load[0].duration: expected start + duration within the run (load.stages last 20s), got "10s" (start 15s + 10s = 25s)',
    ],
    [
      'header given twice',
      (o) => (o.http.load[0].headers = { 'X-Tenant': 'a', 'x-tenant': 'b' }),
      'http.load[0].headers.x-tenant: expected each header once (header names are case-insensitive: "X-Tenant" is given too), got "x-tenant"',
    ],
  ])('%s', (_name, mutate, line) => {
    expect(httpProblem(mutate)).toBe(`x.yaml: ${line}`);
  });

  it('reports HTTP cross-field problems with the others, one line each', () => {
    const o = withHttp((r) => {
      r.load.maxConcurrency = 5;
      r.target = { uri: 'sip:ivr@127.0.0.1:5080' };
      r.http.load[0].duration = '1m';
      r.http.load.push({ name: 'agents', url: '/v2/agents', rate: 1, duration: '1s' });
    });
    const e = thrown(() => scenarioFromObject(o, 'x.yaml'));
    expect(e.details.issues).toEqual(
      [
        'load.maxConcurrency: expected no maxConcurrency with model: closed (its stage targets already are the concurrency), got 5',
        'http.load[0].url: expected an absolute URL or http.baseUrl when a target is given, got "/v1/agents"',
        'http.load[0].duration: expected start + duration within the run (load.stages last 20s), got "1m" (start 0s + 1m = 1m)',
        'http.load[1].name: expected a name not used by another HTTP load (http.load[0] is also named "agents"), got "agents"',
        'http.load[1].url: expected an absolute URL or http.baseUrl when a target is given, got "/v2/agents"',
      ].map((l) => `x.yaml: ${l}`),
    );
  });

  it('--set reaches into http.load entries', () => {
    const s = scenarioFromObject(withHttp(() => {}), 'x', { overrides: ['http.load[0].rate=50', 'http.load[0].method=delete'] });
    expect(s.http?.load[0]).toMatchObject({ ratePerSec: 50, method: 'DELETE' });
  });
});

describe('good scenarios', () => {
  it('a minimal file gets every default', async () => {
    const s = await loadScenarioFile(F('good-minimal.yaml'));
    expect(s).toEqual<Scenario>({
      name: 'minimal',
      description: '',
      target: null,
      embedded: { capacity: 2000, ringMs: 0, answerRatio: 1, calleeHangupMs: null, recordings: null, dialer: null },
      load: { model: 'closed', stages: [{ durationMs: 10_000, target: 10 }], gracefulStopMs: 30_000 },
      call: { hold: { dist: 'fixed', valueMs: 20_000 }, ringTimeoutMs: 30_000, fromUser: 'callcert', displayName: null, toUser: null, headers: {}, data: null, sdp: true },
      media: { codec: null, source: { kind: 'prompt' }, marker: true, ports: { min: 16384, max: 32767 } },
      criteria: [],
      platform: null,
      http: null,
      uas: null,
      recordings: null,
      outboundRules: null,
      workers: null,
      localAddress: '127.0.0.1',
      generator: { maxScheduleSlipMsP99: 20, maxEventLoopLagMsP99: 50, maxMediaSendSlipMsP99: 10 },
    });
  });

  it('a file with every field is normalized', async () => {
    const s = await loadScenarioFile(F('good-full.yaml'));
    expect(s.target).toEqual({
      uri: 'sip:ivr@192.0.2.10:5070;transport=tcp',
      host: '192.0.2.1', // from proxy
      port: 5080,
      transport: 'tcp',
      auth: { username: 'loadtest', password: '0123' },
    });
    expect(s.embedded).toEqual({ capacity: 100, ringMs: 500, answerRatio: 0.9, calleeHangupMs: 90_000, recordings: null, dialer: null });
    expect(s.load).toEqual({
      model: 'open',
      arrivals: 'poisson',
      maxConcurrency: 1200,
      gracefulStopMs: 30_000,
      stages: [
        { durationMs: 60_000, target: 50 },
        { durationMs: 1_500, target: 50 },
        { durationMs: 3_600_000, target: 0 },
      ],
    });
    expect(s.call).toEqual({ hold: { dist: 'normal', meanMs: 20_000, stddevMs: 5_000, minMs: 1_000 }, ringTimeoutMs: 45_000, fromUser: 'agent-7', displayName: null, toUser: null, headers: {}, data: null, sdp: false });
    expect(s.criteria.map((c) => [c.metric, c.source, c.threshold])).toEqual([
      ['setup_ms', 'p(95)<800', 800],
      ['setup_ms', 'max<5s', 5000],
      ['setup_ms', 'avg < 300', 300],
      ['pdd_ms', 'p(99.9)<=2000', 2000],
      ['ser', '>=99.9%', 0.999],
      ['concurrency_sustained', '>=1000', 1000],
      ['failed_calls', 'value==0', 0],
    ]);
    expect(s.workers).toBe(3);
    expect(s.localAddress).toBe('192.0.2.2');
    expect(s.generator).toEqual({ maxScheduleSlipMsP99: 10, maxEventLoopLagMsP99: 25.5, maxMediaSendSlipMsP99: 4 });
    expect(s.media).toEqual({ codec: null, source: { kind: 'tone', hz: 1000, dbov: -12 }, marker: false, ports: { min: 20000, max: 20999 } });
  });

  it('takes host, port and transport from the URI', () => {
    const t = (uri: string) => scenarioFromObject({ ...base(), target: { uri } }, 'x').target;
    expect(t('sip:ivr@10.0.0.5')).toMatchObject({ host: '10.0.0.5', port: 5060, transport: 'udp', auth: null });
    expect(t('sip:10.0.0.5:5080')).toMatchObject({ host: '10.0.0.5', port: 5080 });
    expect(t('sip:ivr@[2001:db8::1]:5070')).toMatchObject({ host: '2001:db8::1', port: 5070 });
    expect(t('sip:ivr@pbx.example.com;transport=tcp')).toMatchObject({ host: 'pbx.example.com', port: 5060, transport: 'tcp' });
  });

  it('the loaded scenario is deeply frozen', async () => {
    const s = await loadScenarioFile(F('good-full.yaml'));
    expectDeepFrozen(s);
    expect(() => {
      (s.load.stages[0] as { target: number }).target = 1;
    }).toThrow(TypeError);
  });

  it('does not mutate the object it is given', () => {
    const o = base();
    const copy = structuredClone(o);
    scenarioFromObject(o, 'x', { overrides: ['load.stages[0].target=20'] });
    expect(o).toEqual(copy);
    expect(Object.isFrozen(o)).toBe(false);
  });
});

describe('shipped scenarios', () => {
  it.each(['quickstart.yaml', 'certify-1000.yaml', 'smoke.yaml'])('%s loads, validates and points at schema.json', async (name) => {
    const text = readFileSync(SHIPPED(name), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    const s = await loadScenarioFile(SHIPPED(name));
    expect(s.name).toBe(name.replace(/\.yaml$/, ''));
    expectDeepFrozen(s);
  });

  it('quickstart: embedded call centre, ramp to 1000 then hold, 20 s voice calls', async () => {
    const s = await loadScenarioFile(SHIPPED('quickstart.yaml'));
    expect(s.target).toBeNull();
    expect(s.embedded.capacity).toBe(1500);
    expect(s.load).toEqual({ model: 'closed', stages: [{ durationMs: 60_000, target: 1000 }, { durationMs: 60_000, target: 1000 }], gracefulStopMs: 30_000 });
    expect(s.call.hold).toEqual({ dist: 'fixed', valueMs: 20_000 });
    expect(s.media.codec).toBe('pcmu');
    expect(s.criteria.map((c) => `${c.metric} ${c.source}`).sort()).toEqual([
      'concurrency_sustained >=1000', 'mos_cqe p(5)>=4.0', 'rtp_loss_ratio p(95)<0.01', 'ser >=0.999', 'setup_ms p(95)<1000',
    ]);
  });

  it('certify-1000: no target in the file, 5 min ramp, 30 min at 1000, step to 1200 held 5 min', async () => {
    const s = await loadScenarioFile(SHIPPED('certify-1000.yaml'));
    expect(s.target).toBeNull();
    expect(s.load.model).toBe('closed');
    expect(s.load.stages).toEqual([
      { durationMs: 300_000, target: 1000 },
      { durationMs: 1_800_000, target: 1000 },
      { durationMs: 60_000, target: 1200 },
      { durationMs: 300_000, target: 1200 },
    ]);
    expect(s.call.hold).toEqual({ dist: 'fixed', valueMs: 60_000 });
    // Voice channels: G.711 on every call, judged on MOS, loss and one-way audio.
    expect(s.media.codec).toBe('pcmu');
    expect(s.criteria.map((c) => `${c.metric} ${c.source}`).sort()).toEqual([
      'concurrency_sustained >=1000', 'mos_cqe p(5)>=4.0', 'rtp_loss_ratio p(95)<0.01', 'rtp_one_way_audio ==0', 'ser >=0.999', 'setup_ms p(95)<1000',
    ]);
    expect(readFileSync(SHIPPED('certify-1000.yaml'), 'utf8')).toMatch(/--target IS REQUIRED/);
    const withTarget = await loadScenarioFile(SHIPPED('certify-1000.yaml'), { overrides: ['target.uri=sip:ivr@10.0.0.5:5060'] });
    expect(withTarget.target).toMatchObject({ host: '10.0.0.5', port: 5060 });
  });

  it('smoke: CI-sized, under 30 s', async () => {
    const s = await loadScenarioFile(SHIPPED('smoke.yaml'));
    const total = s.load.stages.reduce((a, st) => a + st.durationMs, 0);
    expect(total).toBeLessThan(30_000);
    expect(Math.max(...s.load.stages.map((st) => st.target))).toBe(50);
    expect(s.call.hold).toEqual({ dist: 'fixed', valueMs: 3_000 });
    expect(s.criteria.length).toBeGreaterThan(0);
  });
});

describe('--set overrides', () => {
  const good = F('good-open.yaml');

  it('sets list entries by index, with YAML-typed values', async () => {
    const s = await loadScenarioFile(good, { overrides: ['load.stages[1].target=1500', 'call.hold=30s', 'load.arrivals=poisson'] });
    expect(s.load.stages[1].target).toBe(1500);
    expect(s.call.hold).toEqual({ dist: 'fixed', valueMs: 30_000 });
    expect(s.load).toMatchObject({ arrivals: 'poisson' });
  });

  it('accepts flow mappings and lists, dotted indexes, appending, and null', async () => {
    const s = await loadScenarioFile(good, {
      overrides: [
        'call.hold={dist: uniform, min: 10s, max: 30s}',
        'criteria.setup_ms=["p(95)<800"]',
        'load.stages.0.target=50',
        'load.stages[2]={duration: 5s, target: 0}',
        'target.uri=sip:ivr@127.0.0.1:5080',
        'target=null',
        'description=a: b',
      ],
    });
    expect(s.call.hold).toEqual({ dist: 'uniform', minMs: 10_000, maxMs: 30_000 });
    expect(s.criteria.map((c) => c.source)).toEqual(['p(95)<800', '>=99']);
    expect(s.load.stages).toEqual([
      { durationMs: 10_000, target: 50 },
      { durationMs: 50_000, target: 100 },
      { durationMs: 5_000, target: 0 },
    ]);
    expect(s.target).toBeNull();
    expect(s.description).toBe('a: b');
  });

  it('creates missing mappings on the way', async () => {
    const s = await loadScenarioFile(good, { overrides: ['target.uri=sip:ivr@127.0.0.1:5080', 'target.auth.username=u', 'target.auth.password="0123"'] });
    expect(s.target).toEqual({ uri: 'sip:ivr@127.0.0.1:5080', host: '127.0.0.1', port: 5080, transport: 'udp', auth: { username: 'u', password: '0123' } });
  });

  it.each([
    ['load.stagez[1].target=1500', 'load.stagez: unknown key "stagez"; valid keys in load: model, arrivals, maxConcurrency, gracefulStop, stages, start, step, stepDuration, ramp, ceiling, require; did you mean "stages"?'],
    ['load.rate=100', 'load.rate: unknown key "rate"; valid keys in load: model, arrivals, maxConcurrency, gracefulStop, stages, start, step, stepDuration, ramp, ceiling, require; use load.stages[].target with model: open (calls per second)'],
    ['foo=1', 'foo: unknown key "foo"; valid keys at the top level: name, description, target, embedded, load, call, media, criteria, http, uas, recordings, outboundRules, platform, workers, localAddress, generator'],
    ['criteria.setup=["p(95)<1"]', 'criteria.setup: unknown metric "setup"; valid keys in criteria: setup_ms, pdd_ms, ser, seer, isa, scr, asr, concurrency_peak, concurrency_sustained, cps_achieved, failed_calls, blocked_calls, cut_at_end_calls, no_response_calls, mos_cqe, rtp_loss_ratio, rtp_jitter_ms, rtp_max_gap_ms, rtp_first_media_ms, rtcp_rtt_ms, rtp_one_way_audio, rtp_crossed_media, recording_completeness, dial_latency_ms, outbound_failed, outbound_answered, outbound_concurrency_peak, outbound_concurrency_sustained, outbound_rule_violations; use setup_ms'],
    ['load.stages[5].target=1', 'load.stages has 2 entries; index 5 is out of range (use [2] to append)'],
    ['load.model[0]=open', 'load.model is not a list'],
    ['name.first=x', 'name has no fields (it is a single value)'],
    ['load.stages.target=1', 'load.stages has no fields (it is a list: use an index such as [0])'],
    ['load.stages[x]=1', 'expected a list index [N], got [x] in path "load.stages[x]" (e.g. --set load.stages[1].target=1500)'],
    ['load..model=open', 'empty key in path "load..model" (e.g. --set load.stages[1].target=1500)'],
    ['load.stages', 'expected path=value (e.g. --set load.stages[1].target=1500)'],
    ['=5', 'expected path=value (e.g. --set load.stages[1].target=1500)'],
    ['call.hold=[1s', 'the value is not valid YAML: Flow sequence must end with a ]'],
  ])('--set %s', async (override, why) => {
    const e = await rejection(loadScenarioFile(good, { overrides: [override] }));
    expect(e.code).toBe('CC_ERR_SCENARIO_OVERRIDE');
    expect(e.message).toBe(`--set ${override}: ${why}`);
  });

  it('says when a validation problem comes from --set', async () => {
    const e = await rejection(loadScenarioFile(good, { overrides: ['load.stages[1].target=-5'] }));
    expect(e.code).toBe('CC_ERR_SCENARIO_INVALID');
    expect(e.message).toBe(`${good}: load.stages[1].target: expected a number >= 0, got -5 (from --set load.stages[1].target=-5)`);
  });

  it('rejects descending into a scalar', () => {
    const e = thrown(() => applyOverrides({ call: { hold: '20s' } }, ['call.hold.dist=uniform']));
    expect(e.message).toBe('--set call.hold.dist=uniform: call.hold is "20s", not a mapping; set call.hold as a whole instead (e.g. --set \'call.hold={...}\')');
  });

  it('starts from an empty mapping for an empty document', () => {
    expect(applyOverrides(null, ['name=x']).value).toEqual({ name: 'x' });
  });
});

describe('buildScenarioFromFlags', () => {
  const build = (flags: Parameters<typeof buildScenarioFromFlags>[1], b: unknown = null) =>
    scenarioFromObject(buildScenarioFromFlags(b, flags), 'command line');

  it('--rate: open model, ramp then hold', () => {
    const s = build({ target: 'sip:ivr@127.0.0.1:5080', rate: 50, holdMs: 2_000, durationMs: 30_000, rampMs: 5_000 });
    expect(s.name).toBe('adhoc');
    expect(s.load).toEqual({
      model: 'open',
      arrivals: 'uniform',
      maxConcurrency: null,
      gracefulStopMs: 30_000,
      stages: [{ durationMs: 5_000, target: 50 }, { durationMs: 30_000, target: 50 }],
    });
    expect(s.call.hold).toEqual({ dist: 'fixed', valueMs: 2_000 });
    expect(s.target).toMatchObject({ host: '127.0.0.1', port: 5080 });
  });

  it('--rate with --concurrency caps the open model', () => {
    const s = build({ rate: 50, concurrency: 800 });
    expect(s.load).toMatchObject({ model: 'open', maxConcurrency: 800 });
  });

  it('--concurrency alone: closed model with the default ramp and duration', () => {
    const s = build({ concurrency: 1000 });
    expect(s.load).toEqual({ model: 'closed', stages: [{ durationMs: 10_000, target: 1000 }, { durationMs: 60_000, target: 1000 }], gracefulStopMs: 30_000 });
    expect(s.target).toBeNull();
  });

  it('--media defaults to pcmu without a file; none is signalling only; a file keeps its own call.media', async () => {
    expect(build({ concurrency: 10 }).media.codec).toBe('pcmu');
    expect(build({ concurrency: 10, media: 'pcma' }).media.codec).toBe('pcma');
    expect(build({ concurrency: 10, media: 'none' }).media.codec).toBeNull();
    const raw = await readScenarioRaw(F('good-open.yaml'));
    expect((raw as { call?: { media?: unknown } }).call?.media).toBeUndefined();
    expect(build({ rate: 5 }, raw).media.codec).toBeNull();
    expect(build({ rate: 5, media: 'pcmu' }, raw).media.codec).toBe('pcmu');
  });

  it('--ramp 0 steps straight to the target', () => {
    expect(build({ concurrency: 10, rampMs: 0, durationMs: 1_500 }).load.stages).toEqual([
      { durationMs: 0, target: 10 },
      { durationMs: 1_500, target: 10 },
    ]);
  });

  it('keeps the file’s stages unless a load flag is given', async () => {
    const raw = await readScenarioRaw(F('good-open.yaml'));
    const s = build({ holdMs: 1_000, target: 'sip:10.0.0.5', transport: 'tcp', authUser: 'u', authPassword: 'p', workers: 2 }, raw);
    expect(s.load.stages).toEqual([{ durationMs: 10_000, target: 100 }, { durationMs: 50_000, target: 100 }]);
    expect(s.call.hold).toEqual({ dist: 'fixed', valueMs: 1_000 });
    expect(s.target).toEqual({ uri: 'sip:10.0.0.5', host: '10.0.0.5', port: 5060, transport: 'tcp', auth: { username: 'u', password: 'p' } });
    expect(s.workers).toBe(2);
    expect(s.name).toBe('open-rate');
  });

  it('--duration alone reshapes the file’s load at its peak target and model', async () => {
    const raw = await readScenarioRaw(F('good-open.yaml'));
    expect(build({ durationMs: 90_000 }, raw).load).toEqual({
      model: 'open',
      arrivals: 'uniform',
      maxConcurrency: null,
      gracefulStopMs: 30_000,
      stages: [{ durationMs: 10_000, target: 100 }, { durationMs: 90_000, target: 100 }],
    });
  });

  it('--concurrency on an open file switches to the closed model and drops open-only fields', async () => {
    const raw = await readScenarioRaw(F('good-full.yaml'));
    const s = build({ concurrency: 20 }, raw);
    expect(s.load).toEqual({ model: 'closed', stages: [{ durationMs: 10_000, target: 20 }, { durationMs: 60_000, target: 20 }], gracefulStopMs: 30_000 });
  });

  it('does not modify the base', async () => {
    const raw = await readScenarioRaw(F('good-open.yaml'));
    const copy = structuredClone(raw);
    buildScenarioFromFlags(raw, { rate: 1, target: 'sip:a@10.0.0.1' });
    expect(raw).toEqual(copy);
  });

  it.each<[Parameters<typeof buildScenarioFromFlags>[1], string]>([
    [{ target: 'sip:a@10.0.0.1' }, 'give --rate <calls/s> (open model) or --concurrency <calls> (closed model), or a scenario file'],
    [{ rate: -5 }, '--rate: expected a number > 0, got -5'],
    [{ rate: NaN }, '--rate: expected a number > 0, got .nan'],
    [{ concurrency: 1.5 }, '--concurrency: expected a whole number >= 1, got 1.5'],
    [{ concurrency: 10, durationMs: 0 }, '--duration: expected a number > 0, got 0'],
    [{ concurrency: 10, transport: 'tcp' }, '--transport and --auth-user/--auth-password apply to a target: give --target sip:... (or a scenario with a target)'],
    [{ concurrency: 10, target: 'sip:a@10.0.0.1', authUser: 'u' }, '--auth-user and --auth-password go together'],
  ])('usage error for %j', (flags, message) => {
    const e = thrown(() => buildScenarioFromFlags(null, flags));
    expect(e.code).toBe('CC_ERR_CLI_USAGE');
    expect(e.message).toBe(message);
  });

  it('a bad --target is reported by validation, naming the source', () => {
    const e = thrown(() => build({ concurrency: 10, target: 'http://x' }));
    expect(e.message).toBe('command line: target.uri: expected a SIP URI such as sip:ivr@10.0.0.5:5060, got "http://x" (http: URIs are not supported)');
  });
});
