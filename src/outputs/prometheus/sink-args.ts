/** The arguments of `--sink prometheus[=HOST:PORT]` (where /metrics listens, loopback by default) and `--sink prometheus-rw=URL`. */
import { isIP } from 'node:net';
import { errors } from '../../errors.js';

export const DEFAULT_HOST = '127.0.0.1';
/** callcert's /metrics port when none is given (clear of node_exporter's 9100 and Prometheus' 9090). */
export const DEFAULT_PORT = 9466;

export interface ListenAddress {
  host: string;
  port: number;
}

/** HOST:PORT, [IPv6]:PORT, HOST alone or :PORT; undefined or empty: 127.0.0.1 and `defaultPort` (9466, /metrics'). */
export function parseListenAddress(arg: string | undefined, option: string, defaultPort = DEFAULT_PORT): ListenAddress {
  if (arg === undefined || arg === '') return { host: DEFAULT_HOST, port: defaultPort };
  const bad = (why: string) =>
    errors.usage(`${option}=${arg}: ${why} (expected HOST:PORT, e.g. 127.0.0.1:${defaultPort}, [::1]:${defaultPort} or :${defaultPort})`);
  let host: string;
  let portText: string | null;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(arg);
  if (v6 !== null) {
    host = v6[1];
    portText = v6[2] ?? null;
    if (isIP(host) !== 6) throw bad(`"${host}" is not an IPv6 address`);
  } else {
    const at = arg.lastIndexOf(':');
    if (at >= 0 && arg.indexOf(':') !== at) throw bad('an IPv6 address must be in brackets');
    host = at < 0 ? arg : arg.slice(0, at) || DEFAULT_HOST;
    portText = at < 0 ? null : arg.slice(at + 1);
    if (isIP(host) === 0 && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(host)) throw bad(`"${host}" is not an address or host name`);
  }
  if (portText === null) return { host, port: defaultPort };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) throw bad(`the port must be 0 to 65535, got "${portText}"`);
  return { host, port };
}

/** Loopback: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The receiver's URL: http or https, e.g. http://127.0.0.1:9090/api/v1/write. */
export function parseRemoteWriteUrl(arg: string | undefined): string {
  const example = 'e.g. --sink prometheus-rw=http://127.0.0.1:9090/api/v1/write';
  if (arg === undefined || arg === '') throw errors.usage(`--sink prometheus-rw needs the receiver's URL (${example})`);
  let u: URL;
  try {
    u = new URL(arg);
  } catch {
    throw errors.usage(`--sink prometheus-rw=${arg}: not a URL (${example})`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw errors.usage(`--sink prometheus-rw=${arg}: expected an http or https URL (${example})`);
  return u.href;
}
