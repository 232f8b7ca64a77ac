/** `callcert verify REPORT.pdf`: the attachments, page content, printed hashes and verdicts agree (and, with --pubkey, the signature). */
import path from 'node:path';
import { ExitCode } from '../../errors.js';
import type { Runtime } from '../runtime.js';
import { verifyReport } from '../../report/verify.js';
import { readPublicKey } from '../../report/manifest.js';

export interface VerifyFlags {
  pubkey?: string;
}

export async function verifyCommand(file: string, flags: VerifyFlags, rt: Runtime): Promise<ExitCode> {
  const key = flags.pubkey === undefined ? null : await readPublicKey(path.resolve(rt.cwd, flags.pubkey));
  const r = await verifyReport(path.resolve(rt.cwd, file), key);
  const sig = r.signature === 'checked'
    ? `signature OK (Ed25519, key SHA-256 ${r.signerKeySha256})`
    : r.signature === 'unchecked'
      ? `signed (key SHA-256 ${r.signerKeySha256}) but not checked: pass --pubkey to check it`
      : 'unsigned: consistency checked, authorship not (sign with report --sign)';
  const lines = [
    `verified: ${file}`,
    `  report ${r.manifest.reportNumber}, ${r.pages} pages, verdict ${r.manifest.verdict} (recomputed from attached results.json: ${r.verdict})`,
    ...r.manifest.files.map((f) => `  ${f.name} SHA-256: ${f.sha256} (${f.attached ? 'attached, matches' : 'not attached'})`),
    `  ${sig}`,
  ];
  rt.stdout.write(lines.join('\n') + '\n');
  return ExitCode.Passed;
}
