/**
 * Datagrams the kernel dropped because a receive buffer was full (Linux). A generator that
 * drops RTP it was sent measures its own loss, not the platform's, so these are health
 * figures: per socket from /proc/net/udp and udp6 (the `drops` column, by local port), and
 * host-wide from /proc/net/snmp (`Udp: RcvbufErrors`, every socket on the machine — the
 * platform's too when it runs here). Elsewhere, or when the files cannot be read: null.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

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

/**
 * Sum of the `drops` column of the sockets bound to one of `ports`, in a /proc/net/udp(6) text.
 * Read every second with thousands of sockets (~130 bytes a line): one scan with indexOf, no split.
 */
export function parseSocketDrops(table: string, ports: ReadonlySet<number>): number {
  let sum = 0;
  let at = table.indexOf('\n') + 1; // the header line
  while (at > 0 && at < table.length) {
    const eol = table.indexOf('\n', at);
    const end = eol < 0 ? table.length : eol;
    // "  sl: local_address rem_address ..." — the local port is the 4 hex digits after the second ':'.
    const c1 = table.indexOf(':', at);
    const c2 = c1 < 0 || c1 >= end ? -1 : table.indexOf(':', c1 + 1);
    if (c2 > 0 && c2 + 5 <= end) {
      const port = Number.parseInt(table.slice(c2 + 1, c2 + 5), 16);
      if (ports.has(port)) {
        let e = end;
        while (e > at && table.charCodeAt(e - 1) <= 32) e--;
        const drops = Number(table.slice(table.lastIndexOf(' ', e - 1) + 1, e));
        if (Number.isFinite(drops)) sum += drops;
      }
    }
    at = end + 1;
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

/** socketDrops() without blocking the event loop: the kernel builds the tables on the thread pool's read. */
export async function socketDropsAsync(ports: ReadonlySet<number>): Promise<number | null> {
  const [v4, v6] = await Promise.all([readFile('/proc/net/udp', 'latin1').catch(() => null), readFile('/proc/net/udp6', 'latin1').catch(() => null)]);
  if (v4 === null && v6 === null) return null;
  return (v4 === null ? 0 : parseSocketDrops(v4, ports)) + (v6 === null ? 0 : parseSocketDrops(v6, ports));
}
