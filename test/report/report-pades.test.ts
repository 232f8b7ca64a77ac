/**
 * The whole-file seal: a report PAdES-signed with a throwaway CA and signer
 * made by openssl in a temp dir (no key is committed) is valid for poppler's
 * pdfsig and for `callcert verify`; one flipped byte in a content stream, a
 * resource dictionary or the trailer makes both say it was altered. The
 * unsigned report's whole-file SHA-256 catches a flipped resource-dictionary
 * byte that no other verify check reads. Rendered from the schema-1 fixture
 * results (no run needed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireBuiltCli, runCli } from '../helpers/cli.js';
import { obj, pages, parsePdf, refOf } from '../../src/report/pdf-read.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callcert-pades-'));
const at = (f: string) => path.join(dir, f);
const P12_PASSWORD = 'p12-s3cret-5b9e';
const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(args, { timeoutSec: 60, cwd: dir, env });
const openssl = (args: string[], env: NodeJS.ProcessEnv = {}) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
/** pdfsig exits non-zero on an invalid signature: its report is what is read. */
const pdfsig = (file: string) => {
  const r = spawnSync('pdfsig', [file], { encoding: 'utf8' });
  return r.stdout + r.stderr;
};

/** A copy of `src` with the byte at `offset` replaced by another printable one of the same class. */
function flip(src: string, dest: string, offset: number): string {
  const b = Buffer.from(readFileSync(src));
  const c = b[offset];
  b[offset] = /[0-9a-fA-F]/.test(String.fromCharCode(c)) ? (c === 0x30 ? 0x31 : 0x30) : c === 0x41 ? 0x42 : c ^ 0x01;
  expect(b[offset]).not.toBe(c);
  writeFileSync(dest, b);
  return dest;
}

/** Offset of the text of the last definition of object `num` (its "N 0 obj" line). */
function objectOffset(pdf: Buffer, num: number): number {
  const s = pdf.toString('latin1');
  const m = [...s.matchAll(new RegExp(`(?:^|\\n)${num} 0 obj\\s*`, 'g'))].pop();
  if (m === undefined) throw new Error(`object ${num} not found`);
  return m.index + m[0].length;
}

/** Where to flip: inside page 2's content stream data, in its resource dictionary's /ProcSet, in the last trailer's /ID. */
function targets(file: string): { content: number; resources: number; trailer: number } {
  const pdf = readFileSync(file);
  const doc = parsePdf(pdf);
  const page = pages(doc)[1];
  const contentNum = refOf(page.body, 'Contents') as number;
  const streamAt = pdf.indexOf('stream\n', objectOffset(pdf, contentNum), 'latin1') + 'stream\n'.length;
  const len = obj(doc, contentNum, 'content').stream!.length;
  const resNum = refOf(page.body, 'Resources');
  expect(resNum, 'pdfkit writes /Resources as a reference').not.toBeNull();
  const resAt = objectOffset(pdf, resNum!);
  const procSet = pdf.indexOf('/ProcSet', resAt, 'latin1');
  expect(procSet - resAt, 'the resource dictionary has a /ProcSet').toBeLessThan(200);
  const trailer = pdf.lastIndexOf('trailer', undefined, 'latin1');
  return { content: streamAt + Math.floor(len / 2), resources: procSet + 2, trailer: pdf.indexOf('/ID [<', trailer, 'latin1') + 6 };
}

beforeAll(() => {
  requireBuiltCli();
  copyFileSync(path.join(REPO_ROOT, 'test/fixtures/junit/smoke-results.json'), at('results.json'));
  // A throwaway lab CA and a signer certificate it issued (RSA), and the same in a PKCS #12 with a password.
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Callcert Test Lab CA/O=callcert test',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'signer.key', '-out', 'signer.csr', '-subj', '/CN=Callcert Test Signer/O=callcert test']);
  writeFileSync(at('signer.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n');
  openssl(['x509', '-req', '-in', 'signer.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'signer.pem', '-days', '30', '-extfile', 'signer.ext']);
  openssl(['pkcs12', '-export', '-inkey', 'signer.key', '-in', 'signer.pem', '-certfile', 'ca.pem', '-out', 'lab.p12', '-passout', 'env:LAB_P12_PASSWORD'], { LAB_P12_PASSWORD: P12_PASSWORD });
  // An ECDSA P-256 signer from the same CA.
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ec.key', '-out', 'ec.csr', '-subj', '/CN=Callcert Test EC Signer']);
  openssl(['x509', '-req', '-in', 'ec.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'ec.pem', '-days', '30', '-extfile', 'signer.ext']);
  // Another CA, which issued nothing here.
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other.key', '-out', 'other-ca.pem', '-days', '30', '-subj', '/CN=Other CA']);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signerSha256 = () => createHash('sha256').update(new X509Certificate(readFileSync(at('signer.pem'))).raw).digest('hex');

describe('PAdES-signed report (PEM key + certificate chain)', () => {
  beforeAll(async () => {
    const r = await cli(['report', '.', '-o', 'signed.pdf', '--sign-key', 'signer.key', '--sign-cert', 'signer.pem', '--sign-chain', 'ca.pem']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('PAdES-signed by CN=Callcert Test Signer, O=callcert test');
  }, 60_000);

  it('pdfsig: a valid ETSI.CAdES.detached signature by the test signer over the total document', () => {
    const out = pdfsig(at('signed.pdf'));
    expect(out).toContain('Signer Certificate Common Name: Callcert Test Signer');
    expect(out).toContain('Signature Type: ETSI.CAdES.detached');
    expect(out).toContain('Signing Hash Algorithm: SHA-256');
    expect(out).toContain('Total document signed');
    expect(out).toContain('Signature Validation: Signature is Valid.');
  });

  it('openssl cms: the /Contents is a detached CMS that verifies over the byte range and carries signing-certificate-v2', () => {
    const pdf = readFileSync(at('signed.pdf'));
    const [, a, b, c] = /\/ByteRange \[0 (\d+) (\d+) (\d+)\]/.exec(pdf.toString('latin1'))!.map(Number);
    expect(b + c).toBe(pdf.length);
    writeFileSync(at('content.bin'), Buffer.concat([pdf.subarray(0, a), pdf.subarray(b)]));
    const hex = pdf.subarray(a + 1, b - 1).toString('latin1').replace(/(00)+$/, '');
    writeFileSync(at('sig.der'), Buffer.from(hex, 'hex'));
    openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'sig.der', '-content', 'content.bin', '-CAfile', 'ca.pem', '-purpose', 'any', '-out', 'verified.bin']);
    expect(readFileSync(at('verified.bin')).equals(readFileSync(at('content.bin')))).toBe(true);
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'sig.der']).toString('utf8');
    expect(printed).toMatch(/id-smime-aa-signingCertificateV2|1\.2\.840\.113549\.1\.9\.16\.2\.47/);
    expect(printed).not.toMatch(/signingTime/);
  });

  it('callcert verify: passes, names the signer and its certificate SHA-256, and checks the chain with --ca', async () => {
    const r = await cli(['verify', 'signed.pdf', '--ca', 'ca.pem']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('PAdES signature OK (ETSI.CAdES.detached');
    expect(r.stdout).toContain('signer: CN=Callcert Test Signer, O=callcert test');
    expect(r.stdout).toContain(`signer certificate SHA-256: ${signerSha256()}`);
    expect(r.stdout).toContain('chain checked to the CA: Callcert Test Signer ← Callcert Test Lab CA');
    const plain = await cli(['verify', 'signed.pdf']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('chain not checked');
  });

  it('callcert verify --ca with a CA that did not issue the signer fails (exit 6)', async () => {
    const r = await cli(['verify', 'signed.pdf', '--ca', 'other-ca.pem']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/does not chain to the CA given with --ca/);
  });

  for (const where of ['content', 'resources', 'trailer'] as const) {
    it(`one flipped byte in the ${where === 'content' ? 'content stream of page 2' : where === 'resources' ? 'resource dictionary of page 2' : 'trailer'}: verify exits 6 and pdfsig reports the digest mismatch`, async () => {
      const file = flip(at('signed.pdf'), at(`signed-${where}.pdf`), targets(at('signed.pdf'))[where]);
      const v = await cli(['verify', file]);
      expect(v.code, v.stdout).toBe(6);
      expect(v.stderr.trim().split('\n')).toHaveLength(1);
      if (where !== 'content') expect(v.stderr).toContain('the signed digest differs from the SHA-256 of the /ByteRange: the file was altered after signing');
      const out = pdfsig(file);
      expect(out).toContain('Signer Certificate Common Name: Callcert Test Signer');
      expect(out).toContain('Signature Validation: Digest Mismatch.');
      expect(out).not.toContain('Signature is Valid.');
    });
  }

  it('a byte flipped inside the signature itself, or a byte appended after it, fails verify too', async () => {
    const pdf = readFileSync(at('signed.pdf'));
    const [, a] = /\/ByteRange \[0 (\d+)/.exec(pdf.toString('latin1'))!.map(Number);
    const inSig = await cli(['verify', flip(at('signed.pdf'), at('signed-sig.pdf'), a + 200)]);
    expect(inSig.code).toBe(6);
    const padding = await cli(['verify', flip(at('signed.pdf'), at('signed-pad.pdf'), pdf.indexOf('>', a, 'latin1') - 2)]);
    expect(padding.code).toBe(6);
    expect(padding.stderr).toMatch(/not zero padding/);
    writeFileSync(at('signed-appended.pdf'), Buffer.concat([pdf, Buffer.from('% appended\n')]));
    const appended = await cli(['verify', 'signed-appended.pdf']);
    expect(appended.code).toBe(6);
    expect(appended.stderr).toMatch(/does not cover the whole/);
  });
});

describe('PAdES-signed report (PKCS #12, password from the environment)', () => {
  it('signs with the same certificate, never echoes the password, and refuses a wrong or missing one', async () => {
    const env = { LAB_P12_PASSWORD: P12_PASSWORD };
    const r = await cli(['report', '.', '-o', 'p12.pdf', '--sign-p12', 'lab.p12', '--sign-password-env', 'LAB_P12_PASSWORD'], env);
    expect(r.code, r.stderr).toBe(0);
    const pdf = readFileSync(at('p12.pdf'));
    expect(pdf.includes(P12_PASSWORD)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain(P12_PASSWORD);
    expect(pdfsig(at('p12.pdf'))).toContain('Signature Validation: Signature is Valid.');
    const v = await cli(['verify', 'p12.pdf', '--ca', 'ca.pem']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(`signer certificate SHA-256: ${signerSha256()}`);

    const wrong = await cli(['report', '.', '-o', 'x.pdf', '--sign-p12', 'lab.p12', '--sign-password-env', 'LAB_P12_PASSWORD'], { LAB_P12_PASSWORD: 'nope' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/CC_ERR_REPORT_KEY/);
    expect(wrong.stderr).not.toContain('nope');
    const unset = await cli(['report', '.', '-o', 'x.pdf', '--sign-p12', 'lab.p12', '--sign-password-env', 'NO_SUCH_VAR_7c1']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/NO_SUCH_VAR_7c1 is not set/);
  }, 60_000);
});

describe('PAdES-signed report (ECDSA P-256)', () => {
  it('is valid for pdfsig and verify', async () => {
    const r = await cli(['report', '.', '-o', 'ec.pdf', '--sign-key', 'ec.key', '--sign-cert', 'ec.pem', '--sign-chain', 'ca.pem']);
    expect(r.code, r.stderr).toBe(0);
    const out = pdfsig(at('ec.pdf'));
    expect(out).toContain('Signer Certificate Common Name: Callcert Test EC Signer');
    expect(out).toContain('Signature Validation: Signature is Valid.');
    const v = await cli(['verify', 'ec.pdf', '--ca', 'ca.pem']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('chain checked to the CA: Callcert Test EC Signer ← Callcert Test Lab CA');
  }, 60_000);
});

describe('unsigned report: the whole-file SHA-256', () => {
  beforeAll(async () => {
    const r = await cli(['report', '.', '-o', 'unsigned.pdf']);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('verifies untouched, and has no signature for pdfsig', async () => {
    const v = await cli(['verify', 'unsigned.pdf']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/whole file: SHA-256 over \/ByteRange \[0 \d+ \d+ \d+\] matches/);
    expect(pdfsig(at('unsigned.pdf'))).toContain('does not contain any signatures');
    const ca = await cli(['verify', 'unsigned.pdf', '--ca', 'ca.pem']);
    expect(ca.code).toBe(6);
    expect(ca.stderr).toMatch(/--ca was given but the report has no PAdES signature/);
  });

  it('one flipped byte in a resource dictionary (read by no other check) makes verify exit 6', async () => {
    const file = flip(at('unsigned.pdf'), at('unsigned-resources.pdf'), targets(at('unsigned.pdf')).resources);
    const v = await cli(['verify', file]);
    expect(v.code, v.stdout).toBe(6);
    expect(v.stderr).toMatch(/differs from the recorded .*: a byte of the PDF was altered/);
  });

  it('one flipped byte in the trailer makes verify exit 6', async () => {
    const file = flip(at('unsigned.pdf'), at('unsigned-trailer.pdf'), targets(at('unsigned.pdf')).trailer);
    const v = await cli(['verify', file]);
    expect(v.code, v.stdout).toBe(6);
  });
});
