/**
 * CMS SignedData (RFC 5652) as a PAdES baseline B-B signature needs it
 * (ETSI EN 319 142-1 §5.3, ETSI.CAdES.detached), written and checked on
 * node:crypto with the DER helpers of der.ts:
 *  - detached: no encapsulated content, the signed attributes carry the
 *    SHA-256 of the PDF's /ByteRange (messageDigest) and the content type;
 *  - ESS signing-certificate-v2 (RFC 5035): the SHA-256 of the signer's
 *    certificate and its issuer/serial, which binds the certificate to the
 *    signature (what makes it CAdES rather than plain adbe.pkcs7.detached);
 *  - no signing-time attribute: PAdES puts the claimed time in the signature
 *    dictionary's /M instead;
 *  - the signer's certificate and its chain in `certificates`;
 *  - RSA (PKCS #1 v1.5) or ECDSA keys, SHA-256.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject, X509Certificate } from 'node:crypto';
import { TAG, child, children, derNull, explicit, integer, octets, oid, oidString, readDer, seq, setOf, tlv, type Der } from './der.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

export class CmsError extends Error {}

export interface SignerCredentials {
  key: KeyObject;
  /** The signer's certificate first, then the certificates that issued it (the chain). */
  chain: X509Certificate[];
}

/** A certificate's issuer Name and serialNumber, as their DER encodings. */
function certIds(cert: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = child(readDer(cert), 0, TAG.SEQUENCE);
  const els = children(tbs);
  const off = els[0]?.tag === 0xa0 ? 1 : 0; // [0] version, absent in v1 certificates
  const serial = els[off];
  const issuer = els[off + 2];
  if (serial?.tag !== TAG.INTEGER || issuer?.tag !== TAG.SEQUENCE) throw new CmsError('certificate without serial number or issuer');
  return { issuer: issuer.raw, serial: serial.raw };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') return seq(oid(OID.rsaEncryption), derNull());
  if (key.asymmetricKeyType === 'ec') return seq(oid(OID.ecdsaWithSha256));
  throw new CmsError(`a ${key.asymmetricKeyType ?? 'unknown'} key; the report signature takes an RSA or ECDSA key`);
}

const attribute = (type: string, value: Buffer) => seq(oid(type), setOf(value));

/** Whether `key` is the private half of `cert`'s public key. */
export function keyMatchesCertificate(key: KeyObject, cert: X509Certificate): boolean {
  const a = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const b = cert.publicKey.export({ type: 'spki', format: 'der' });
  return a.equals(b);
}

/** ContentInfo(SignedData) over `digest`, the SHA-256 of the signed bytes. */
export function buildSignedData(digest: Buffer, cred: SignerCredentials): Buffer {
  const signerDer = cred.chain[0].raw;
  const { issuer, serial } = certIds(signerDer);
  // ESSCertIDv2 { hashAlgorithm DEFAULT sha256 (omitted), certHash, issuerSerial { GeneralNames [directoryName [4] issuer], serial } }
  const essCertIdV2 = seq(octets(sha256(signerDer)), seq(seq(tlv(0xa4, issuer)), serial));
  const signedAttrs = setOf(
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octets(digest)),
    attribute(OID.signingCertificateV2, seq(seq(essCertIdV2))),
  );
  // Signed as the DER SET; written in SignerInfo with the [0] IMPLICIT tag (RFC 5652 §5.4).
  const signature = sign('sha256', signedAttrs, cred.key);
  const signerInfo = seq(
    integer(1),
    seq(issuer, serial),
    seq(oid(OID.sha256)),
    Buffer.concat([Buffer.from([0xa0]), signedAttrs.subarray(1)]),
    signatureAlgorithm(cred.key),
    octets(signature),
  );
  const signedData = seq(
    integer(1),
    setOf(seq(oid(OID.sha256))),
    seq(oid(OID.data)),
    tlv(0xa0, ...cred.chain.map((c) => c.raw)),
    setOf(signerInfo),
  );
  return seq(oid(OID.signedData), explicit(0, signedData));
}

export interface CmsSigner {
  /** The certificate the signature verifies with. */
  signer: X509Certificate;
  /** Every certificate the CMS carries (the signer's included). */
  certificates: X509Certificate[];
}

function oidOf(d: Der): string {
  if (d.tag !== TAG.OID) throw new CmsError('expected an object identifier');
  return oidString(d.content);
}

/**
 * Checks a detached CMS SignedData against `digest` (SHA-256 of the signed
 * bytes): one signer, messageDigest equal to `digest`, a signing-certificate-v2
 * naming the signer's certificate, and the signature over the signed attributes
 * valid with that certificate's key. Throws CmsError saying what does not hold.
 */
export function checkSignedData(cms: Buffer, digest: Buffer): CmsSigner {
  const ci = readDer(cms);
  if (ci.tag !== TAG.SEQUENCE || oidOf(child(ci, 0)) !== OID.signedData) throw new CmsError('not a CMS SignedData');
  const sd = child(child(ci, 1, 0xa0), 0, TAG.SEQUENCE);
  const els = children(sd);
  const encap = els[2];
  if (encap === undefined || oidOf(child(encap, 0)) !== OID.data || children(encap).length !== 1) throw new CmsError('the CMS is not detached (it encapsulates content)');
  const certSet = els.find((e) => e.tag === 0xa0);
  const certs = (certSet === undefined ? [] : children(certSet)).map((c) => new X509Certificate(c.raw));
  const infos = children(els[els.length - 1]);
  if (els[els.length - 1].tag !== TAG.SET || infos.length !== 1) throw new CmsError(`expected one signer, found ${infos.length}`);
  const si = children(infos[0]);
  const [sid, digestAlg, attrs, , sigValue] = si.slice(1);
  if (sid?.tag !== TAG.SEQUENCE || digestAlg?.tag !== TAG.SEQUENCE || attrs?.tag !== 0xa0 || sigValue?.tag !== TAG.OCTET_STRING) throw new CmsError('signer info without issuer/serial, signed attributes or signature');
  if (oidOf(child(digestAlg, 0)) !== OID.sha256) throw new CmsError('the signature digest is not SHA-256');
  const [sidIssuer, sidSerial] = children(sid);
  const signer = certs.find((c) => {
    const ids = certIds(c.raw);
    return ids.issuer.equals(sidIssuer.raw) && ids.serial.equals(sidSerial.raw);
  });
  if (signer === undefined) throw new CmsError('the signer\'s certificate is not in the signature');

  const values = new Map<string, Der>();
  for (const a of children(attrs)) values.set(oidOf(child(a, 0)), child(child(a, 1, TAG.SET), 0));
  const ct = values.get(OID.contentType);
  if (ct === undefined || oidOf(ct) !== OID.data) throw new CmsError('signed content type is not id-data');
  const md = values.get(OID.messageDigest);
  if (md === undefined || md.tag !== TAG.OCTET_STRING) throw new CmsError('no messageDigest attribute');
  if (!md.content.equals(digest)) throw new CmsError('the signed digest differs from the SHA-256 of the /ByteRange: the file was altered after signing');
  const scv2 = values.get(OID.signingCertificateV2);
  if (scv2 === undefined) throw new CmsError('no signing-certificate-v2 attribute (not a PAdES baseline signature)');
  const essId = child(child(scv2, 0, TAG.SEQUENCE), 0, TAG.SEQUENCE);
  const hashEl = children(essId).find((e) => e.tag === TAG.OCTET_STRING);
  if (hashEl === undefined || !hashEl.content.equals(sha256(signer.raw))) throw new CmsError('signing-certificate-v2 names another certificate than the signer\'s');

  const signedAttrs = Buffer.concat([Buffer.from([TAG.SET]), attrs.raw.subarray(1)]);
  if (!verify('sha256', signedAttrs, signer.publicKey, sigValue.content)) throw new CmsError('the signature does not verify with the signer\'s certificate');
  return { signer, certificates: certs };
}
