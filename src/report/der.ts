/**
 * The little ASN.1 DER the report signature needs (X.690), in pure Node: an
 * encoder for the CMS structures callcert writes and a reader that walks the
 * ones it checks. Definite lengths only, as DER requires; anything else is
 * reported as unreadable rather than guessed.
 */

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export class DerError extends Error {}

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: `tag` is the whole identifier octet (0x30 SEQUENCE, 0xa0 [0] constructed, …). */
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const seq = (...c: Buffer[]) => tlv(TAG.SEQUENCE, ...c);
/** SET OF in DER order: the encoded elements sorted as octet strings (X.690 §11.6). */
export const setOf = (...c: Buffer[]) => tlv(TAG.SET, ...[...c].sort(Buffer.compare));
export const octets = (b: Buffer) => tlv(TAG.OCTET_STRING, b);
export const derNull = () => Buffer.from([TAG.NULL, 0]);
export const integer = (n: number) => {
  // Small non-negative integers only (versions): one content octet below 0x80.
  if (!Number.isInteger(n) || n < 0 || n > 0x7f) throw new DerError(`integer ${n} out of the encoder's range`);
  return tlv(TAG.INTEGER, Buffer.from([n]));
};
/** [n] EXPLICIT (constructed context tag). */
export const explicit = (n: number, ...c: Buffer[]) => tlv(0xa0 | n, ...c);

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

export function oidString(content: Buffer): string {
  const parts = [Math.floor(content[0] / 40), content[0] % 40];
  let v = 0;
  for (const b of content.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

/** A decoded TLV: its tag, its content, and the whole encoding (`raw`, for hashing or re-use). */
export interface Der {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

export function readDer(buf: Buffer, at = 0): Der {
  if (at + 2 > buf.length) throw new DerError('truncated DER');
  const tag = buf[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-octet DER tags are not read');
  let len = buf[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized DER length');
    if (p + n > buf.length) throw new DerError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > buf.length) throw new DerError('DER value runs past its container');
  return { tag, content: buf.subarray(p, p + len), raw: buf.subarray(at, p + len) };
}

/** The elements of a constructed value's content. */
export function children(d: Der): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < d.content.length;) {
    const c = readDer(d.content, at);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

/** Child `i`, required to exist (and to carry `tag` when given). */
export function child(d: Der, i: number, tag?: number): Der {
  const c = children(d)[i];
  if (c === undefined || (tag !== undefined && c.tag !== tag)) throw new DerError(`expected element ${i}${tag === undefined ? '' : ` with tag 0x${tag.toString(16)}`}`);
  return c;
}
