/**
 * The lab's signing credentials for the PAdES report signature: a PKCS #12
 * file (`--sign-p12`) or a PEM private key with its PEM certificate and chain
 * (`--sign-key`, `--sign-cert`, `--sign-chain`). A password is only ever read
 * from an environment variable named on the command line, never from argv,
 * and neither it nor the key is written anywhere.
 *
 * PEM is read with node:crypto. PKCS #12 is decoded with node-forge (MAC,
 * PBES2/AES and the legacy PKCS #12 PBE ciphers; Node's crypto cannot open
 * a PFX); the key and certificates are handed back to node:crypto at once.
 */
import { readFile } from 'node:fs/promises';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { asn1, pki } from 'node-forge';
import { errors } from '../errors.js';
import { keyMatchesCertificate, type SignerCredentials } from './cms.js';

export interface SignerFlags {
  p12?: string;
  key?: string;
  cert?: string;
  chain?: string;
  /** Name of the environment variable holding the P12 or key password. */
  passwordEnv?: string;
}

const bad = (file: string, why: string) => errors.keyInvalid(`${file}: ${why}`, { path: file });

async function read(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw bad(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected ${what}`);
  }
}

/** Every certificate in a PEM file, in file order. */
function pemCertificates(file: string, pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw bad(file, 'no PEM certificate (-----BEGIN CERTIFICATE-----) in it');
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw bad(file, `unreadable certificate (${(e as Error).message})`);
    }
  });
}

function password(flags: SignerFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.passwordEnv === undefined) return undefined;
  const v = env[flags.passwordEnv];
  if (v === undefined) throw errors.usage(`--sign-password-env: environment variable ${flags.passwordEnv} is not set`);
  return v;
}

/** Whether any signing flag was given (then they must make one complete set). */
export const wantsPades = (f: SignerFlags) => f.p12 !== undefined || f.key !== undefined || f.cert !== undefined || f.chain !== undefined;

export async function loadSigner(
  flags: SignerFlags, cwdResolve: (p: string) => string, env: NodeJS.ProcessEnv = process.env,
): Promise<SignerCredentials> {
  const pass = password(flags, env);
  let key: KeyObject;
  let chain: X509Certificate[];
  let origin: string;
  if (flags.p12 !== undefined) {
    if (flags.key !== undefined || flags.cert !== undefined) throw errors.usage('--sign-p12 carries the key and certificates: give it alone, or --sign-key with --sign-cert');
    origin = cwdResolve(flags.p12);
    ({ key, chain } = await fromP12(origin, await read(origin, 'a PKCS #12 file (.p12/.pfx)'), pass ?? ''));
  } else {
    if (flags.key === undefined || flags.cert === undefined) throw errors.usage('a PAdES signature needs --sign-p12 FILE, or both --sign-key KEY.pem and --sign-cert CERT.pem');
    origin = cwdResolve(flags.key);
    const pem = await read(origin, 'a PEM private key');
    try {
      key = createPrivateKey({ key: pem, format: 'pem', ...(pass === undefined ? {} : { passphrase: pass }) });
    } catch (e) {
      throw bad(origin, `not a readable PEM private key (${(e as Error).message})${pass === undefined ? '; if it is encrypted, name the variable holding its password with --sign-password-env' : ''}`);
    }
    const certFile = cwdResolve(flags.cert);
    chain = pemCertificates(certFile, await read(certFile, 'a PEM certificate'));
  }
  if (flags.chain !== undefined) {
    const f = cwdResolve(flags.chain);
    chain.push(...pemCertificates(f, await read(f, 'PEM certificates')));
  }
  // The signer's certificate is the one matching the key; the rest is its chain, as given.
  const i = chain.findIndex((c) => keyMatchesCertificate(key, c));
  if (i < 0) throw bad(origin, 'no certificate given matches the private key');
  const signer = chain[i];
  const rest = chain.filter((c, j) => j !== i && !c.raw.equals(signer.raw));
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') throw bad(origin, `a ${key.asymmetricKeyType ?? 'unknown'} key; the PDF signature takes an RSA or ECDSA key`);
  return { key, chain: [signer, ...rest] };
}

async function fromP12(file: string, der: Buffer, pass: string): Promise<{ key: KeyObject; chain: X509Certificate[] }> {
  const { default: forge } = await import('node-forge');
  let p12: ReturnType<typeof forge.pkcs12.pkcs12FromAsn1>;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), pass);
  } catch (e) {
    throw bad(file, `cannot open the PKCS #12 file (${(e as Error).message})${pass === '' ? '; if it has a password, name the variable holding it with --sign-password-env' : ''}`);
  }
  const toDer = (a: asn1.Asn1) => Buffer.from(forge.asn1.toDer(a).getBytes(), 'binary');
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  if (keyBags.length !== 1) throw bad(file, `${keyBags.length} private keys in the PKCS #12 file; expected one`);
  const kb = keyBags[0];
  let key: KeyObject;
  if (kb.key !== undefined && kb.key !== null) {
    key = createPrivateKey({ key: toDer(forge.pki.privateKeyToAsn1(kb.key as pki.rsa.PrivateKey)), format: 'der', type: 'pkcs1' });
  } else if (kb.asn1 !== undefined) {
    // A key type forge does not model (EC): the PrivateKeyInfo as it was.
    key = createPrivateKey({ key: toDer(kb.asn1), format: 'der', type: 'pkcs8' });
  } else {
    throw bad(file, 'the PKCS #12 key bag is empty');
  }
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const chain = certBags.map((b) => new X509Certificate(b.cert ? toDer(forge.pki.certificateToAsn1(b.cert)) : toDer(b.asn1 as asn1.Asn1)));
  if (chain.length === 0) throw bad(file, 'no certificate in the PKCS #12 file');
  return { key, chain };
}
