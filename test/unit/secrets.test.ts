import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REDACTED, redactBody, redactHeaderValues, redactJson, redactUrisInText, redactUrl } from '../../src/scenario/secrets.js';
import { redactScenario } from '../../src/engine/http-setup.js';
import { parseScenarioText, scenarioFromObject } from '../../src/scenario/load.js';

describe('redactUrl / redactUrisInText', () => {
  it('blanks userinfo passwords and secret query parameters, keeping the rest of the URL', () => {
    expect(redactUrl('https://bob:hunter22@cti.example/v1/x?page=2')).toBe(`https://bob:${REDACTED}@cti.example/v1/x?page=2`);
    expect(redactUrl('sip:alice:pw-1234@10.0.0.5:5060')).toBe(`sip:alice:${REDACTED}@10.0.0.5:5060`);
    expect(redactUrl('http://h/a?page=1&access_token=abc123&x=y#frag')).toBe(`http://h/a?page=1&access_token=${REDACTED}&x=y#frag`);
    expect(redactUrl('http://h/a?api_key=k1&sig=s2&X-Amz-Signature=s3&password=p4')).toBe(
      `http://h/a?api_key=${REDACTED}&sig=${REDACTED}&X-Amz-Signature=${REDACTED}&password=${REDACTED}`,
    );
    // Nothing secret: unchanged, including SIP URI parameters and empty values.
    for (const u of ['sip:ivr@10.0.0.5:5060;transport=tcp', 'http://h/a?page=1&sort=name', 'http://h/a?token=', 'https://h/a?monkey=1']) expect(redactUrl(u)).toBe(u);
  });

  it('keeps {{templates}} (a variable name, not a credential) and reports each value it blanked, decoded too', () => {
    expect(redactUrl('http://h/a?token={{token}}')).toBe('http://h/a?token={{token}}');
    const found: string[] = [];
    expect(redactUrisInText('see http://h/a?access_token=a%2Fb+c and https://u:pw9@h/', '***', found)).toBe('see http://h/a?access_token=*** and https://u:***@h/');
    expect(found).toEqual(expect.arrayContaining(['a/b c', 'a%2Fb+c', 'pw9']));
    // A flag is blanked in the text but not reported as a credential to look for elsewhere.
    const flags: string[] = [];
    expect(redactUrisInText('http://h/a?token=true&api_key=123', '***', flags)).toBe('http://h/a?token=***&api_key=***');
    expect(flags).toEqual([]);
  });
});

describe('redactHeaderValues / redactJson / redactBody', () => {
  it('blanks secret-named headers whatever their case, unless templated', () => {
    expect(redactHeaderValues({ 'x-api-key': 'k', Authorization: 'Bearer t', cookie: 'c=1', accept: 'json', authorization: 'Bearer {{token}}' })).toEqual({
      'x-api-key': REDACTED, Authorization: REDACTED, cookie: REDACTED, accept: 'json', authorization: 'Bearer {{token}}',
    });
  });

  it('blanks everything under a secret key at any depth, and nothing else', () => {
    expect(redactJson({ user: 'a', password: 'p', n: 1, nested: [{ apiKey: 7, ok: true }], credentials: { id: 'x', list: ['s1'] }, pin: '{{pin}}', token: '{{tok}}' })).toEqual({
      user: 'a', password: REDACTED, n: 1, nested: [{ apiKey: REDACTED, ok: true }], credentials: { id: REDACTED, list: [REDACTED] }, pin: '{{pin}}', token: '{{tok}}',
    });
    expect(redactBody('{"agent":"1001","password":"pw"}')).toBe(`{"agent":"1001","password":"${REDACTED}"}`);
    expect(redactBody('plain text with https://u:pw@h/')).toBe(`plain text with https://u:${REDACTED}@h/`);
  });
});

describe('redactScenario (scenario.resolved.json)', () => {
  it('removes credentials from the target auth, base URL, loads and flow requests', () => {
    const s = scenarioFromObject(parseScenarioText(
      `name: redact
target: { uri: "sip:alice@127.0.0.1:5060", auth: { username: alice, password: auth-pw-2 } }
load: { model: closed, stages: [{ duration: 1s, target: 1 }, { duration: 1s, target: 1 }] }
call: { hold: 1s, headers: { X-Api-Key: sip-hdr-11, X-Tenant: acme } }
http:
  baseUrl: "https://bob:base-pw-3@cti.example"
  token: tok-4
  load:
    - { name: a, url: "/x?access_token=qs-5", headers: { X-Api-Key: hdr-6 }, method: POST, body: { password: body-7 }, rate: 1, duration: 1s }
  flows:
    - name: f
      stages: [{ duration: 1s, target: 1 }]
      steps:
        - name: login
          request: { method: POST, url: "/login?sig=sig-8", headers: { Cookie: "c=cookie-9" }, body: { agent: "1001", password: body-10 } }
`,
      'redact.yaml',
    ), 'redact.yaml');
    const json = JSON.stringify(redactScenario(s));
    for (const secret of ['auth-pw-2', 'base-pw-3', 'tok-4', 'qs-5', 'hdr-6', 'body-7', 'sig-8', 'cookie-9', 'body-10', 'sip-hdr-11']) expect(json, secret).not.toContain(secret);
    for (const kept of ['alice', '1001', '/x?access_token=', 'cti.example', 'acme']) expect(json, kept).toContain(kept);
  });
});

describe('redactScenario with call.data', () => {
  it('keeps {{column}} credentials (they name columns; the rows are never in the scenario) and the From default', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callcert-secrets-'));
    try {
      writeFileSync(path.join(dir, 'users.csv'), 'user,pw\n1000,csv-pw-12\n');
      const s = scenarioFromObject(parseScenarioText(
        `name: redact-data
target: { uri: "sip:svc@127.0.0.1:5060", auth: { username: "{{user}}", password: "{{pw}}" } }
load: { model: closed, stages: [{ duration: 1s, target: 1 }] }
call: { data: { file: users.csv } }
`,
        path.join(dir, 's.yaml'),
      ), path.join(dir, 's.yaml'));
      const json = JSON.stringify(redactScenario(s));
      expect(json).not.toContain('csv-pw-12');
      expect(json).toContain('"password":"{{pw}}"');
      expect(json).toContain('"fromUser":"{{user}}"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
