/** Credentials in a scenario never reach the report; report.yaml errors name file, field and expectation. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { redactScenarioYaml, findSecret } from '../../src/report/redact.js';
import { loadMeta, defaultMeta, DEFAULT_STANDARDS } from '../../src/report/meta.js';
import { CallcertError } from '../../src/errors.js';

describe('redactScenarioYaml', () => {
  it('replaces auth passwords, bearer tokens, Authorization headers and URI passwords, keeping comments', () => {
    const yaml = `# certification run
target:
  uri: sip:ivr@10.0.0.5:5060
  auth: { username: alice, password: "s3cret-pw" }   # digest
http:
  baseUrl: https://bob:hunter22@cti.example/
  token: tok-123456
  headers: { Authorization: "Bearer abcdef" }
`;
    const r = redactScenarioYaml(yaml);
    for (const s of ['s3cret-pw', 'tok-123456', 'Bearer abcdef', 'hunter22']) {
      expect(r.text).not.toContain(s);
      expect(r.secrets).toContain(s);
    }
    expect(r.text).toContain('# certification run');
    expect(r.text).toContain('auth: { username: alice, password: "***" }   # digest'); // layout kept as written
    const nested = redactScenarioYaml('data:\n  credentials:\n    - { user: a, secretValue: zz-top-9 }\n');
    expect(parseYaml(nested.text)).toEqual({ data: { credentials: '***' } });
    expect(nested.secrets).toContain('zz-top-9');
    expect(r.text).toContain('username: alice');
    expect(findSecret(Buffer.from('x s3cret-pw y'), r.secrets)).toBe('s3cret-pw');
  });
});

describe('loadMeta', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'callcert-meta-'));
  const sha = 'ab'.repeat(32);
  it('defaults: number from the results hash, default standards', () => {
    const m = defaultMeta(sha);
    expect(m.reportNumber).toBe('CC-ABABABABABAB');
    // The documented defaults, pinned (a wrong constant must fail here), and the same object.
    expect(m.standards).toEqual([
      'IETF RFC 3261 SIP: Session Initiation Protocol',
      'IETF RFC 6076 Basic Telephony SIP End-to-End Performance Metrics',
      'IETF RFC 3550 RTP: A Transport Protocol for Real-Time Applications (media metrics, when measured)',
    ]);
    expect(m.standards).toBe(DEFAULT_STANDARDS);
  });
  it('names the file, the field and what was expected', async () => {
    const f = path.join(dir, 'report.yaml');
    writeFileSync(f, 'system: { name: X, versoin: 1 }\n');
    await expect(loadMeta(f, sha)).rejects.toThrow(new RegExp(`${f.replace(/[.]/g, '\\.')}: system: expected no key "versoin"`));
    writeFileSync(f, 'date: 28/11/2026\n');
    const e = await loadMeta(f, sha).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CallcertError);
    expect((e as CallcertError).code).toBe('CC_ERR_REPORT_META');
    expect((e as Error).message).toBe(`${f}: date: expected a date YYYY-MM-DD`);
    writeFileSync(f, 'topology: missing.png\n');
    await expect(loadMeta(f, sha)).rejects.toThrow(/topology: expected a PNG or JPEG path relative to report\.yaml, got "missing\.png"/);
  });
});
