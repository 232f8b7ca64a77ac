/**
 * Datagrams the kernel dropped because a receive buffer was full (Linux). A generator that
 * drops RTP it was sent measures its own loss, not the platform's, so these are health
 * figures: per socket from /proc/net/udp and udp6 (the `drops` column, by local port), and
 * host-wide from /proc/net/snmp (`Udp: RcvbufErrors`, every socket on the machine — the
 * platform's too when it runs here). Elsewhere, or when the files cannot be read: null.
 */
import { readFileSync } from 'node:fs';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** `Udp: RcvbufErrors` of an /proc/net/snmp text. */
export function parseRcvbufErrors(snmp: string): number | null {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length < 2) return null;
  const names = lines[0].trim().split(/\s+/);
  const values = lines[1].trim().split(/\s+/);
  const i = names.indexOf('RcvbufErrors');
  const v = i < 0 ? NaN : Number(values[i]);
  return Number.isFinite(v) ? v : null;
}

/** Host-wide receive-buffer drops so far, or null. */
export function hostRcvbufErrors(): number | null {
  const text = read('/proc/net/snmp');
  return text === null ? null : parseRcvbufErrors(text);
}

/** Sum of the `drops` column of the sockets bound to one of `ports`, in a /proc/net/udp(6) text. */
export function parseSocketDrops(table: string, ports: ReadonlySet<number>): number {
  let sum = 0;
  const lines = table.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 13) continue;
    const colon = f[1].lastIndexOf(':');
    const port = Number.parseInt(f[1].slice(colon + 1), 16);
    if (!ports.has(port)) continue;
    const drops = Number(f[f.length - 1]);
    if (Number.isFinite(drops)) sum += drops;
  }
  return sum;
}

/** Drops so far of this host's UDP sockets bound to `ports` (IPv4 and IPv6), or null off Linux. */
export function socketDrops(ports: ReadonlySet<number>): number | null {
  const v4 = read('/proc/net/udp');
  const v6 = read('/proc/net/udp6');
  if (v4 === null && v6 === null) return null;
  return (v4 === null ? 0 : parseSocketDrops(v4, ports)) + (v6 === null ? 0 : parseSocketDrops(v6, ports));
}
