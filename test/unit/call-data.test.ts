/**
 * call.data (scenario/call-data.ts) and the per-call party (engine/call-identity.ts):
 * CSV and SIPp injection formats, orders, exhaustion, the From default, and the
 * scenario errors a bad file or a missing column gives.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCallData, readCallData } from '../../src/scenario/call-data.js';
import { createCallParties } from '../../src/engine/call-identity.js';
import { uriWithUser } from '../../src/sip/message/uri.js';
import { scenarioFromObject } from '../../src/scenario/load.js';
import { redactScenario } from '../../src/engine/http-setup.js';
import { pickRow } from '../../src/http/flows/feeder.js';
import { mulberry32 } from '../../src/util/random.js';
import type { Scenario } from '../../src/scenario/types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-call-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const USERS_CSV = file('users.csv', 'user,password,number\n1000,pw1000,5551000\n1001,pw1001,5551001\n\n1002,"pw,1002",5551002\n');
const USERS_SIPP = file('users.sipp', 'SEQUENTIAL\n1000;pw1000;\n# a comment\n1001;pw1001;\r\n1002;pw1002\n');

function scenario(call: Record<string, unknown>, target: Record<string, unknown> | null = { uri: 'sip:svc@127.0.0.1:5060', auth: { username: '{{user}}', password: '{{password}}' } }): unknown {
  return { name: 'ids', target, load: { model: 'open', stages: [{ duration: '1s', target: 1 }] }, call };
}

function load(raw: unknown): Scenario {
  return scenarioFromObject(raw, path.join(dir, 'scenario.yaml'));
}

function problems(raw: unknown): string[] {
  try {
    load(raw);
  } catch (e) {
    return ((e as { details?: { issues?: string[] } }).details?.issues ?? [String(e)]);
  }
  return [];
}

describe('parseCallData: the two formats', () => {
  it('CSV: header row names the columns; rows keep their file line', () => {
    const d = readCallData({ file: USERS_CSV, order: null });
    expect(d.format).toBe('csv');
    expect(d.columns).toEqual(['user', 'password', 'number']);
    expect(d.rows).toEqual([['1000', 'pw1000', '5551000'], ['1001', 'pw1001', '5551001'], ['1002', 'pw,1002', '5551002']]);
    expect(d.lines).toEqual([2, 3, 5]);
    expect([d.order, d.recycle]).toEqual(['sequential', true]);
  });

  it('SIPp: first line is the order, ";" separates, no header, columns field0.., a trailing ";" and # comments ignored', () => {
    const d = readCallData({ file: USERS_SIPP, order: null });
    expect(d.format).toBe('sipp');
    expect(d.columns).toEqual(['field0', 'field1']);
    expect(d.rows).toEqual([['1000', 'pw1000'], ['1001', 'pw1001'], ['1002', 'pw1002']]);
    expect(d.lines).toEqual([2, 4, 5]);
    // Quotes are plain characters in SIPp files.
    expect(parseCallData('USER\n"Bob";x\n', null).rows).toEqual([['"Bob"', 'x']]);
  });

  it('orders: SEQUENTIAL and USER read in order, RANDOM at random; the scenario order wins; unique does not recycle', () => {
    expect(parseCallData('SEQUENTIAL\na\n', null)).toMatchObject({ order: 'sequential', recycle: true });
    expect(parseCallData('USER\na\n', null)).toMatchObject({ order: 'sequential', recycle: true });
    expect(parseCallData('RANDOM\na\n', null)).toMatchObject({ order: 'random', recycle: true });
    expect(parseCallData('RANDOM\na\n', 'sequential')).toMatchObject({ order: 'sequential' });
    expect(parseCallData('SEQUENTIAL\na\n', 'random')).toMatchObject({ order: 'random' });
    expect(parseCallData('u\na\n', 'unique')).toMatchObject({ order: 'sequential', recycle: false });
    expect(parseCallData('u\na\n', 'random')).toMatchObject({ order: 'random', recycle: true });
  });

  it('errors name the line and what was expected', () => {
    expect(() => parseCallData('SEQUENTIAL\na;b\nc\n', null)).toThrow('line 3: 1 field(s) separated by ";", expected 2 (as on line 2)');
    expect(() => parseCallData('SEQUENTIAL\n', null)).toThrow(/no data lines after the first line/);
    expect(() => parseCallData('SEQUENTIAL,PRINTF=10\na\n', null)).toThrow(/PRINTF are not supported/);
    expect(() => parseCallData('a,b\n1\n', null)).toThrow('line 2: 1 field(s), expected 2 (a, b)');
    expect(() => parseCallData('', null)).toThrow(/the file is empty/);
    expect(() => readCallData({ file: path.join(dir, 'nope.csv'), order: null })).toThrow('file not found');
  });
});

describe('call k picks its row', () => {
  const data = parseCallData('user,password\n1000,a\n1001,b\n1002,c\n', 'sequential');

  it('sequential: row k mod rows, the same for any worker count (indexes are global)', () => {
    const byIndex = (workers: number) => {
      const out: string[] = [];
      for (let w = 0; w < workers; w++) for (let k = w; k < 12; k += workers) out[k] = pickRow(data, k, Math.random)![0];
      return out;
    };
    expect(byIndex(1)).toEqual(byIndex(3));
    expect(byIndex(1).slice(0, 4)).toEqual(['1000', '1001', '1002', '1000']);
  });

  it('unique: row k, then null (the call fails with data_exhausted)', () => {
    const unique = { ...data, recycle: false };
    expect([0, 1, 2].map((k) => pickRow(unique, k, Math.random)?.[0])).toEqual(['1000', '1001', '1002']);
    expect(pickRow(unique, 3, Math.random)).toBeNull();
  });

  it('random: seeded, every row reachable', () => {
    const random = { ...data, order: 'random' as const };
    const seen = new Set<string>();
    const r = mulberry32(7);
    for (let k = 0; k < 200; k++) seen.add(pickRow(random, k, r)![0]);
    expect(seen).toEqual(new Set(['1000', '1001', '1002']));
  });
});

describe('createCallParties', () => {
  it('renders From user and display name, the dialled user, credentials and headers from call k\'s row', () => {
    const s = load(scenario({ displayName: 'Agent {{user}}', to: '{{number}}', headers: { 'X-Tenant': 't-{{user}}' }, data: { file: USERS_CSV, order: 'unique' } }));
    const parties = createCallParties({ call: s.call, targetUri: 'sip:svc@127.0.0.1:5060', auth: s.target!.auth, data: readCallData(s.call.data!), random: Math.random });
    expect(parties(1)).toEqual({
      fromUser: '1001', displayName: 'Agent 1001', requestUri: 'sip:5551001@127.0.0.1:5060',
      auth: { username: '1001', password: 'pw1001' }, headers: 'X-Tenant: t-1001\r\n',
    });
    expect(parties(2)?.auth?.password).toBe('pw,1002');
    expect(parties(3)).toBeNull();
  });

  it('without call.data every call shares one party', () => {
    const s = load(scenario({}, { uri: 'sip:svc@127.0.0.1:5060', auth: { username: '1000', password: 'pw1000' } }));
    const parties = createCallParties({ call: s.call, targetUri: 'sip:svc@127.0.0.1:5060', auth: s.target!.auth, data: null, random: Math.random });
    expect(parties(0)).toBe(parties(99));
    expect(parties(0)).toMatchObject({ fromUser: '1000', requestUri: 'sip:svc@127.0.0.1:5060', headers: '' });
  });

  it('uriWithUser replaces or adds the user part, keeping host, port and parameters', () => {
    expect(uriWithUser('sip:svc@10.0.0.1:5060;transport=tcp', '+4930123')).toBe('sip:+4930123@10.0.0.1:5060;transport=tcp');
    expect(uriWithUser('sip:127.0.0.1:5080', '1234')).toBe('sip:1234@127.0.0.1:5080');
    expect(uriWithUser('sip:[::1]:5060', 'a')).toBe('sip:a@[::1]:5060');
  });
});

describe('the From user default', () => {
  it('is the auth user when there is one and call.from is not given', () => {
    expect(load(scenario({}, { uri: 'sip:svc@127.0.0.1', auth: { username: '1000', password: 'pw1000' } })).call.fromUser).toBe('1000');
    expect(load(scenario({ data: { file: USERS_CSV } })).call.fromUser).toBe('{{user}}');
  });
  it('stays "callcert" with no auth user, or one that is no SIP user name; call.from wins', () => {
    expect(load(scenario({}, { uri: 'sip:svc@127.0.0.1' })).call.fromUser).toBe('callcert');
    expect(load(scenario({}, { uri: 'sip:svc@127.0.0.1', auth: { username: 'bob@example.com', password: 'x' } })).call.fromUser).toBe('callcert');
    expect(load(scenario({ from: 'agent-7' }, { uri: 'sip:svc@127.0.0.1', auth: { username: '1000', password: 'x' } })).call.fromUser).toBe('agent-7');
  });
});

describe('scenario errors', () => {
  const src = path.join(dir, 'scenario.yaml');

  it('a missing column names the file, the field and the columns there are', () => {
    expect(problems(scenario({ to: '{{numbr}}', data: { file: 'users.csv' } }))).toEqual([
      `${src}: call.to: expected a column of ${USERS_CSV} (user, password, number), got "{{numbr}}"`,
    ]);
    expect(problems(scenario({ data: { file: USERS_SIPP } }))).toEqual([
      `${src}: target.auth.username: expected a column of ${USERS_SIPP} (SIPp format: field0, field1), got "{{user}}"`,
      `${src}: target.auth.username: expected a column of ${USERS_SIPP} (SIPp format: field0, field1), got "{{user}}"`,
      `${src}: target.auth.password: expected a column of ${USERS_SIPP} (SIPp format: field0, field1), got "{{password}}"`,
    ].filter((l, i, a) => a.indexOf(l) === i));
  });

  it('a bad or missing file is an error at call.data.file naming it', () => {
    expect(problems(scenario({ data: { file: 'nope.csv' } }))).toEqual([`${src}: call.data.file: ${path.join(dir, 'nope.csv')}: file not found`]);
    const bad = file('bad.csv', 'user,password\n1000\n');
    expect(problems(scenario({ data: { file: bad } }))).toEqual([`${src}: call.data.file: ${bad}: line 2: 1 field(s), expected 2 (user, password)`]);
  });

  it('templates need call.data; a row whose value cannot go where it is used names its line (never a password)', () => {
    expect(problems(scenario({}))).toContain(`${src}: target.auth.username: expected call.data (a file with a column user) for {{user}}, got no call.data`);
    const spaced = file('spaced.csv', 'user,password\n1000,p1\nbad user,secret-pw\n');
    const issues = problems(scenario({ data: { file: spaced } }));
    expect(issues).toEqual([`${src}: target.auth.username: ${spaced}: line 3: expected a SIP user name (letters, digits, . _ ~ + -; at most 64), got "bad user" (from {{user}})`]);
    expect(issues.join('\n')).not.toContain('secret-pw');
  });

  it('the schema checks the literal parts and call.headers names', () => {
    expect(problems(scenario({ from: 'a b' })).join('\n')).toMatch(/call\.from: expected a SIP user name/);
    expect(problems(scenario({ headers: { From: 'x' }, data: { file: USERS_CSV } })).join('\n')).toMatch(/call\.headers\.From: expected a header callcert does not set itself/);
    expect(problems(scenario({ data: { file: USERS_CSV, order: 'shuffled' } })).join('\n')).toMatch(/call\.data\.order: expected sequential, random or unique, got "shuffled"/);
    expect(problems(scenario({ inf: 'users.csv' })).join('\n')).toMatch(/call: unknown field "inf"; use call.data/);
  });
});

describe('--set with a template', () => {
  it('a value starting with {{ is the template string, not a YAML flow mapping', () => {
    const s = scenarioFromObject(scenario({ data: { file: USERS_CSV } }), path.join(dir, 'scenario.yaml'), { overrides: ['call.to={{number}}', 'call.headers.X-Tenant={{user}}-t'] });
    expect([s.call.toUser, s.call.headers['X-Tenant']]).toEqual(['{{number}}', '{{user}}-t']);
  });
});

describe('redaction', () => {
  it('scenario.resolved.json keeps {{column}} credentials, blanks literal ones and secret-named call.headers', () => {
    const s = load(scenario({ headers: { 'X-Api-Key': 'hdr-secret-1', 'X-Tenant': '{{user}}' }, data: { file: USERS_CSV } }));
    const json = JSON.stringify(redactScenario(s));
    expect(json).toContain('"password":"{{password}}"');
    expect(json).not.toContain('hdr-secret-1');
    expect(json).toContain('"X-Tenant":"{{user}}"');
    for (const pw of ['pw1000', 'pw1001', 'pw,1002']) expect(json).not.toContain(pw);
    const literal = load(scenario({}, { uri: 'sip:svc@127.0.0.1', auth: { username: '1000', password: 'lit-pw-9' } }));
    expect(JSON.stringify(redactScenario(literal))).not.toContain('lit-pw-9');
  });
});
