/**
 * The report's manifest: what verify checks, stored in the PDF's document Info
 * (`/CallcertManifest`, base64 JSON). It lists the SHA-256 of every raw file
 * (attached or not) and of every page's content stream, so altering an
 * attachment, a printed figure or a drawing breaks a hash. With `--sign` the
 * manifest's exact JSON text is signed with Ed25519, which is what makes it
 * evidence: an unsigned manifest can be recomputed by whoever edits the PDF.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errors } from '../errors.js';
import type { RunStatus } from './model.js';

export const MANIFEST_INFO_KEY = 'CallcertManifest';
export const MANIFEST_FORMAT = 'callcert-report-manifest/1';
/** Characters reserved in Info for the encoded manifest (the PDF is written once, then this is filled in place). */
export const MANIFEST_RESERVED_CHARS = 32768;

export interface ManifestFile {
  name: string;
  sha256: string;
  bytes: number;
  attached: boolean;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  reportNumber: string;
  generatedAt: string;
  tool: { name: string; version: string };
  /** The verdict the report shows (never "passed" for an invalid run). */
  verdict: RunStatus;
  files: ManifestFile[];
  /** SHA-256 of each page's decoded content stream(s), in page order. */
  pages: string[];
  /** SHA-256 over the other streams: fonts, images (pdf-read `resourceStreamsSha256`). */
  resources: string;
}

export interface Signature {
  alg: 'Ed25519';
  /** SHA-256 of the public key (SPKI DER): which key to verify with. */
  publicKeySha256: string;
  /** base64 signature over the UTF-8 bytes of `Envelope.manifest`. */
  value: string;
}

export interface Envelope {
  /** The manifest as JSON text: signed and hashed as these exact characters. */
  manifest: string;
  signature: Signature | null;
}

export const encodeEnvelope = (e: Envelope) => Buffer.from(JSON.stringify(e), 'utf8').toString('base64');

export function decodeEnvelope(s: string): Envelope {
  const e = JSON.parse(Buffer.from(s.trim(), 'base64').toString('utf8')) as Envelope;
  if (typeof e?.manifest !== 'string') throw new Error('no manifest text');
  return e;
}

export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Manifest;
  if (m?.format !== MANIFEST_FORMAT || !Array.isArray(m.files) || !Array.isArray(m.pages) || typeof m.resources !== 'string') throw new Error(`not a ${MANIFEST_FORMAT} manifest`);
  return m;
}

async function readKey(file: string, kind: 'private' | 'public'): Promise<KeyObject> {
  let pem: Buffer;
  try {
    pem = await readFile(file);
  } catch (e) {
    throw errors.keyInvalid(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected an Ed25519 ${kind} key (PEM)`, { path: file });
  }
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (e) {
    throw errors.keyInvalid(`${file}: not a PEM ${kind} key (${(e as Error).message}); expected e.g. \`openssl genpkey -algorithm ed25519\`${kind === 'public' ? ' | openssl pkey -pubout' : ''}`, { path: file });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw errors.keyInvalid(`${file}: a ${key.asymmetricKeyType ?? 'unknown'} key; expected an Ed25519 ${kind} key`, { path: file });
  }
  return key;
}

export const readPrivateKey = (file: string) => readKey(file, 'private');
export const readPublicKey = (file: string) => readKey(file, 'public');

export function publicKeySha256(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function signManifest(manifestText: string, key: KeyObject): Signature {
  return { alg: 'Ed25519', publicKeySha256: publicKeySha256(key), value: sign(null, Buffer.from(manifestText, 'utf8'), key).toString('base64') };
}

export function checkSignature(manifestText: string, sig: Signature, key: KeyObject): boolean {
  return sig.alg === 'Ed25519' && verify(null, Buffer.from(manifestText, 'utf8'), key, Buffer.from(sig.value, 'base64'));
}
