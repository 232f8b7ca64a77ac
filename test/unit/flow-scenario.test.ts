import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isCallcertError, type CallcertError } from '../../src/errors.js';
import { loadScenarioFile, scenarioFromObject } from '../../src/scenario/load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function thrown(f: () => unknown): CallcertError {
  try {
    f();
  } catch (e) {
    if (isCallcertError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const base = (flowSteps: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'f',
  load: { model: 'open', stages: [{ duration: '10s', target: 1 }] },
  http: { flows: [{ name: 'fl', stages: [{ duration: '5s', target: 1 }], steps: flowSteps }] },
  ...extra,
});

describe('http.flows and uas in scenarios', () => {
  it('the shipped scenarios load; feeder paths are taken from the scenario folder', async () => {
    const cti = await loadScenarioFile(path.join(ROOT, 'scenarios/http-cti.yaml'));
    const f = cti.http!.flows[0];
    expect(f.feeder).toEqual({ file: path.join(ROOT, 'scenarios/data/agents.csv'), order: 'sequential', recycle: true });
    expect(f.steps.map((s) => `${s.name}:${s.kind}`)).toEqual(['login:request', 'originate:request', 'answered:poll', 'invite:waitCall', 'recording:poll']);
    expect(cti.uas).toEqual({ ringMs: 200, hangupMs: null, answerRatio: 1, capacity: 100_000, correlate: { kind: 'user' } });
    const ob = await loadScenarioFile(path.join(ROOT, 'scenarios/outbound-campaign.yaml'));
    expect(ob.http!.load).toEqual([]);
    expect(ob.http!.flows[0].stages).toEqual([{ durationMs: 5000, target: 20 }, { durationMs: 25_000, target: 20 }]);
  });

  it('every problem at once, each naming its path: unknown variable, body on GET, missing feeder, waitCall without uas, bad JSON path, two kinds in a step', () => {
    const o = base([
      { request: { url: '/a/{{nope}}' } },
      { request: { method: 'get', url: '/b', body: { x: 1 } } },
      { waitCall: { timeout: '1s' } },
      { request: { method: 'POST', url: '/c' }, extract: { id: 'id' } },
      { think: '1s', request: { url: '/d' } },
    ]);
    (o.http.flows[0] as Record<string, unknown>).feeder = { file: 'no-such-file.csv' };
    const e = thrown(() => scenarioFromObject(o, path.join(ROOT, 'test/fixtures/scenarios/x.yaml')));
    const src = path.join(ROOT, 'test/fixtures/scenarios/x.yaml');
    expect(e.code).toBe('CC_ERR_SCENARIO_INVALID');
    expect(e.details.issues).toEqual([
      `${src}: http.flows[0].feeder.file: ${path.join(ROOT, 'test/fixtures/scenarios/no-such-file.csv')}: file not found`,
      `${src}: http.flows[0].steps[1].request.body: expected no body with method GET (servers and proxies may drop or reject it; use POST or PUT to send one), got "a body"`,
      `${src}: http.flows[0].steps[2].waitCall: expected a uas section (callcert must answer the call to see it arrive), got "no uas"`,
      `${src}: http.flows[0].steps[3].extract.id: expected a JSON path (subset: $.a.b[0]["c d"]), got "id": expected "$" at character 1 (a path such as $.data.items[0].id)`,
      `${src}: http.flows[0].steps[4]: expected exactly one of request, think, poll, waitCall in a step, got "request, think"`,
    ]);
  });

  it('a variable must be defined before the step that uses it', () => {
    const e = thrown(() => scenarioFromObject(base([
      { request: { url: '/a/{{callId}}' } },
      { request: { method: 'POST', url: '/b' }, extract: { callId: '$.id' } },
      { request: { url: '/c/{{callId}}' } },
    ]), 'x.yaml'));
    expect(e.details.issues).toEqual([
      'x.yaml: http.flows[0].steps[0].request.url: expected a variable defined before this step (built-ins flowId, worker, uas.uri, uas.user, uas.host, uas.port; vars; feeder columns; extract of an earlier step), got "{{callId}}"',
    ]);
  });

  it('{{uas.*}} needs a uas section', () => {
    const e = thrown(() => scenarioFromObject(base([{ request: { method: 'POST', url: '/v1/calls', body: { to: '{{uas.uri}}' } } }]), 'u.yaml'));
    expect(e.details.issues).toEqual(['u.yaml: http.flows[0].steps[0].request.body: expected a uas section for {{uas.*}} (callcert answers the calls it names), got "{{uas.uri}}"']);
    expect(() => scenarioFromObject(base([{ request: { method: 'POST', url: '/v1/calls', body: { to: '{{uas.uri}}' } } }], { uas: {} }), 'u.yaml')).not.toThrow();
  });

  it('http.load rejects a body on GET too', () => {
    const e = thrown(() => scenarioFromObject({
      name: 'g', load: { model: 'open', stages: [{ duration: '10s', target: 1 }] },
      http: { load: [{ name: 'a', url: '/v1/agents', rate: 1, duration: '5s', body: 'x' }] },
    }, 'g.yaml'));
    expect(e.details.issues).toEqual(['g.yaml: http.load[0].body: expected no body with method GET (servers and proxies may drop or reject it; use POST or PUT to send one), got "a body"']);
  });

  it('--set reaches header keys of http.load and flow steps (and the schema still checks the name)', () => {
    const o = {
      name: 'h', load: { model: 'open', stages: [{ duration: '10s', target: 1 }] },
      http: { load: [{ name: 'a', url: '/v1/agents', rate: 1, duration: '5s' }], flows: base([{ request: { url: '/x' } }]).http.flows },
    };
    const s = scenarioFromObject(o, 'h', { overrides: ['http.load[0].headers.X-Tenant=acme', 'http.flows[0].steps[0].request.headers.X-Trace="{{flowId}}"'] });
    expect(s.http!.load[0].headers).toEqual({ 'x-tenant': 'acme' });
    expect(s.http!.flows[0].steps[0]).toMatchObject({ request: { headers: { 'x-trace': '{{flowId}}' } } });
    const e = thrown(() => scenarioFromObject(o, 'h', { overrides: ['http.load[0].headers.bad name=1'] }));
    expect(e.message).toMatch(/^h: http\.load\[0\]\.headers\["bad name"\]: expected .*, got "bad name" \(from --set http\.load\[0\]\.headers\.bad name=1\)$/);
  });
});
