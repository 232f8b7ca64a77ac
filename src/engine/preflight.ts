/**
 * Checks that the target can be reached before any load is sent, so an
 * unreachable target gives one clear line instead of a run full of timeouts.
 * UDP: a connected socket sends one RFC 5626 CRLF keep-alive, which SIP stacks
 * ignore (no OPTIONS: SIPp would count it as a failed call); an ICMP port
 * unreachable surfaces as ECONNREFUSED.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import { errors } from '../errors.js';
import { formatHostPort } from '../sip/message/builder.js';
import type { TransportKind } from '../sip/transport/kinds.js';

/**
 * The target host as an IP literal. `family` (4 or 6, from an explicit localAddress) limits a
 * name to addresses of that family; 0 takes the resolver's first answer.
 */
export async function resolveHost(host: string, family: 0 | 4 | 6 = 0): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await lookup(host, { family })).address;
  } catch (e) {
    const fam = family === 0 ? '' : ` to an IPv${family} address (localAddress is IPv${family})`;
    throw errors.targetUnreachable(`cannot resolve target host "${host}"${fam}: ${(e as { code?: string }).code ?? String(e)}`, { host });
  }
}

const REACH_CODES: Record<string, string> = {
  ENETUNREACH: 'no route to that network',
  EHOSTUNREACH: 'no route to that host',
  EADDRNOTAVAIL: 'the address is not configured on this machine',
  EAFNOSUPPORT: 'this machine has no IPv6',
};

/** EINVAL from connect(): the kernel has no usable route from that source. */
function einvalReason(host: string, bindTo: string | null): string {
  if (/^fe[89ab]/i.test(host) && !host.includes('%')) return 'a link-local target needs a zone, e.g. fe80::1%eth0';
  if (bindTo !== null && isLoopback(bindTo)) return 'a loopback address reaches only this machine';
  return 'the kernel has no route from that source address';
}

/**
 * The local address SIP sockets bind to for a target at `host` (an IP literal), chosen and
 * checked before any load is sent, so a target the local side cannot reach is one line, not
 * a run of calls with no response. `configured` null: the default, which follows the target's
 * family: 127.0.0.1 or ::1 for a loopback target, else the source address the kernel's route
 * picks. An explicit address must be of the target's family (an IPv4 socket cannot send to an
 * IPv6 target) and be able to reach it. Both are checked with a connected UDP socket, which
 * sends nothing: bind() fails with EADDRNOTAVAIL for an address this machine does not have,
 * connect() with ENETUNREACH when there is no route (e.g. no IPv6 default route).
 */
export async function chooseLocalAddress(host: string, port: number, configured: string | null): Promise<string> {
  const family = net.isIP(host);
  const where = formatHostPort(host, port);
  if (configured !== null && net.isIP(configured) !== family) {
    throw errors.targetUnreachable(
      `localAddress ${configured} is IPv${net.isIP(configured)} but the target ${where} is IPv${family}: set localAddress to an IPv${family} address` +
        (family === 6 ? ' (e.g. ::1 for a target on this machine), or leave it out' : ', or leave it out'),
      { host, port, localAddress: configured },
    );
  }
  const bindTo = configured ?? (isLoopback(host) ? (family === 6 ? '::1' : '127.0.0.1') : null);
  const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const fail = (step: string, e: Error & { code?: string }) => {
    const why = e.code === 'EINVAL' ? einvalReason(host, bindTo) : (REACH_CODES[e.code ?? ''] ?? e.message);
    const what = step === 'bind'
      ? `cannot bind local address ${bindTo}${configured === null ? ' (the default for this target)' : ' (localAddress)'}: ${e.code ?? ''} ${why}`
      : `cannot reach the IPv${family} target ${where} from ${bindTo ?? 'this machine'}${configured === null ? '' : ' (localAddress)'}: ${e.code ?? ''} ${why}`;
    return errors.targetUnreachable(what.replace(/ {2,}/g, ' '), { host, port, localAddress: bindTo, code: e.code });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', (e) => reject(fail(bindTo === null ? 'connect' : 'bind', e)));
      if (bindTo === null) resolve();
      else sock.bind(0, bindTo, () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      sock.connect(port, host, (e?: Error) => (e ? reject(fail('connect', e)) : resolve()));
    });
    // The default binds the address the route picked; an explicit one stays as given.
    return configured ?? sock.address().address;
  } finally {
    sock.close();
  }
}

export async function checkReachable(host: string, port: number, transport: TransportKind, timeoutMs = 400): Promise<void> {
  const where = `${transport.toUpperCase()} ${formatHostPort(host, port)}`;
  if (transport === 'tcp') {
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(errors.targetUnreachable(`target ${where} did not accept a connection within ${timeoutMs * 5} ms`, { host, port }));
      }, timeoutMs * 5);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.destroy();
        resolve();
      });
      sock.once('error', (e: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(errors.targetUnreachable(`target ${where} is unreachable: ${e.code ?? e.message}`, { host, port }));
      });
    });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    let settled = false;
    const end = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => end(), timeoutMs);
    sock.on('error', (e: Error & { code?: string }) =>
      end(errors.targetUnreachable(`target ${where} is unreachable: ${e.code === 'ECONNREFUSED' ? 'nothing listens on that port (ICMP port unreachable)' : (e.code ?? e.message)}`, { host, port })),
    );
    sock.connect(port, host, () => {
      sock.send('\r\n\r\n');
      // A second datagram gives the kernel a chance to report the ICMP error of the first.
      setTimeout(() => { if (!settled) sock.send('\r\n\r\n'); }, timeoutMs / 2);
    });
  });
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === 'localhost';
}
