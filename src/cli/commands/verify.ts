/**
 * `callcert verify REPORT.pdf`: the attachments, page content, printed hashes and verdicts agree, the
 * whole-file seal holds (and, with --pubkey, the manifest signature; with --ca, the PAdES signer's chain).
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { ExitCode, errors } from '../../errors.js';
import type { Runtime } from '../runtime.js';
import { verifyReport, type FileSeal } from '../../report/verify.js';
import { readPublicKey } from '../../report/manifest.js';

export interface VerifyFlags {
  pubkey?: string;
  ca?: string;
}

async function readCa(file: string): Promise<X509Certificate[]> {
  let pem: string;
  try {
    pem = await readFile(file, 'latin1');
  } catch (e) {
    throw errors.keyInvalid(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected PEM CA certificates`, { path: file });
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw errors.keyInvalid(`${file}: no PEM certificate in it; expected the CA certificate(s) the signer's chains to`, { path: file });
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch (e) {
    throw errors.keyInvalid(`${file}: unreadable certificate (${(e as Error).message})`, { path: file });
  }
}

function sealLine(seal: FileSeal): string[] {
  if (seal.kind === 'digest') return [`  whole file: SHA-256 over /ByteRange [${seal.byteRange.join(' ')}] matches (unsigned: no PAdES signature)`];
  const chain = seal.chain.status === 'checked' ? `chain checked to the CA: ${seal.chain.path.join(' ← ')}` : 'chain not checked: pass --ca CA.pem to check it';
  return [
    `  PAdES signature OK (${seal.subFilter}, /ByteRange [${seal.byteRange.join(' ')}] covers the whole file but the signature)`,
    `  signer: ${seal.subject.replace(/\n/g, ', ')}`,
    `  signer certificate SHA-256: ${seal.certificateSha256}`,
    `  signing time (claimed): ${seal.signingTime ?? 'none'}; ${chain}`,
  ];
}

export async function verifyCommand(file: string, flags: VerifyFlags, rt: Runtime): Promise<ExitCode> {
  const key = flags.pubkey === undefined ? null : await readPublicKey(path.resolve(rt.cwd, flags.pubkey));
  const ca = flags.ca === undefined ? undefined : await readCa(path.resolve(rt.cwd, flags.ca));
  const r = await verifyReport(path.resolve(rt.cwd, file), { pubkey: key, ca });
  if (ca !== undefined && r.seal.kind !== 'pades') throw errors.verifyFailed(`${file}: --ca was given but the report has no PAdES signature`, { path: file });
  const sig = r.signature === 'checked'
    ? `manifest signature OK (Ed25519, key SHA-256 ${r.signerKeySha256})`
    : r.signature === 'unchecked'
      ? `manifest signed (Ed25519 key SHA-256 ${r.signerKeySha256}) but not checked: pass --pubkey to check it`
      : 'manifest unsigned (Ed25519 --sign not used)';
  const lines = [
    `verified: ${file}`,
    `  report ${r.manifest.reportNumber}, ${r.pages} pages, verdict ${r.manifest.verdict} (recomputed from attached results.json: ${r.verdict})`,
    ...r.manifest.files.map((f) => `  ${f.name} SHA-256: ${f.sha256} (${f.attached ? 'attached, matches' : 'not attached'})`),
    `  ${sig}`,
    ...sealLine(r.seal),
  ];
  if (r.seal.kind === 'digest' && r.signature !== 'checked') lines.push('  unsigned: consistency checked, authorship not (sign with report --sign-p12 or --sign-key/--sign-cert)');
  rt.stdout.write(lines.join('\n') + '\n');
  return ExitCode.Passed;
}
