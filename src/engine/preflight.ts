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

export async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch (e) {
    throw errors.targetUnreachable(`cannot resolve target host "${host}": ${(e as { code?: string }).code ?? String(e)}`, { host });
  }
}

export async function checkReachable(host: string, port: number, transport: 'udp' | 'tcp', timeoutMs = 400): Promise<void> {
  const where = `${transport.toUpperCase()} ${host}:${port}`;
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

/**
 * The local address the kernel would use to reach `host`: Via and Contact must
 * carry an address the target can answer to, and a socket bound to 127.0.0.1
 * cannot reach a remote platform. A connected UDP socket sends nothing.
 */
export async function outgoingAddress(host: string, port: number): Promise<string> {
  const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(port, host, () => resolve());
    });
    return sock.address().address;
  } finally {
    sock.close();
  }
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === 'localhost';
}
