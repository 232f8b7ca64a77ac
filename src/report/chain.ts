/**
 * `verify --ca`: the signer's certificate chains, through the certificates the
 * signature carries, to one of the given CA certificates, each link's
 * signature valid and each certificate valid at the signing time the signature
 * dictionary claims (/M; PAdES B-B carries no trusted time, so this is the
 * signer's word) or now when none is given.
 */
import type { X509Certificate } from 'node:crypto';

export type ChainCheck =
  | { status: 'unchecked' }
  | { status: 'checked'; path: string[] }
  | { status: 'failed'; why: string };

const cn = (c: X509Certificate) => /(?:^|\n)CN=([^\n]*)/.exec(c.subject)?.[1] ?? c.subject.replace(/\n/g, ', ');

function validAt(c: X509Certificate, at: Date): boolean {
  return new Date(c.validFrom) <= at && at <= new Date(c.validTo);
}

const issued = (child: X509Certificate, parent: X509Certificate) => child.checkIssued(parent) && child.verify(parent.publicKey);

export function checkChain(
  signer: X509Certificate, carried: X509Certificate[], ca: X509Certificate[] | undefined, signingTime: Date | null,
): ChainCheck {
  if (ca === undefined || ca.length === 0) return { status: 'unchecked' };
  const at = signingTime ?? new Date();
  const path: X509Certificate[] = [signer];
  for (let depth = 0; depth < 16; depth++) {
    const cur = path[path.length - 1];
    if (!validAt(cur, at)) return { status: 'failed', why: `"${cn(cur)}" is not valid at ${at.toISOString()} (valid ${cur.validFrom} to ${cur.validTo})` };
    const anchor = ca.find((a) => a.raw.equals(cur.raw) || issued(cur, a));
    if (anchor !== undefined) {
      if (!anchor.raw.equals(cur.raw)) {
        if (!validAt(anchor, at)) return { status: 'failed', why: `CA "${cn(anchor)}" is not valid at ${at.toISOString()}` };
        path.push(anchor);
      }
      return { status: 'checked', path: path.map(cn) };
    }
    const next = carried.find((c) => !path.some((p) => p.raw.equals(c.raw)) && issued(cur, c));
    if (next === undefined) return { status: 'failed', why: `"${cn(cur)}" (issuer "${cur.issuer.replace(/\n/g, ', ')}") does not chain to the CA given with --ca` };
    if (next.ca !== true) return { status: 'failed', why: `"${cn(next)}", which issued "${cn(cur)}", is not a CA certificate` };
    path.push(next);
  }
  return { status: 'failed', why: 'certificate chain longer than 16' };
}
