/**
 * The one SIP-URI parser of the tree (RFC 3261 §19.1): the scenario's target.uri and proxy, the
 * CTI API's `to`, and the Request-URI user a run's UAS correlates an INVITE by all read URIs
 * here. `parseSipUri` validates (scenario load, an API request: not the hot path); `sipUriUser`
 * is the allocation-light read of one part for a message in flight.
 */
import { isIP } from 'node:net';

/** RFC 3261 §19.1.2: the port of a sip: URI that names none. */
export const DEFAULT_SIP_PORT = 5060;

export type SipUri = { user: string | null; host: string; port: number; transportParam: string | null };

export type SipUriError = { error: string; hint?: string };

const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
export const SIP_URI_EXAMPLE = 'sip:ivr@10.0.0.5:5060';

/**
 * Parses the parts of a sip: URI callcert needs. Returns `{ error }` (completing
 * "expected ..., got <uri>") instead of throwing. IPv6 hosts are returned
 * without brackets; the port defaults to 5060.
 */
export function parseSipUri(uri: string): SipUri | SipUriError {
  const expected = `a SIP URI such as ${SIP_URI_EXAMPLE}`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  if (!scheme) return { error: expected };
  const s = scheme[1].toLowerCase();
  if (s === 'sips') return { error: expected, hint: 'sips: (TLS) is not supported yet' };
  if (s !== 'sip') return { error: expected, hint: `${s}: URIs are not supported` };
  let rest = uri.slice(scheme[0].length);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') return { error: expected, hint: 'empty user part before @' };
    if (user.includes(':')) return { error: expected, hint: 'put the password in target.auth, not in the URI' };
  }
  const [hostport, ...params] = rest.split(';');
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return { error: expected, hint: 'unclosed [ in IPv6 host' };
    host = hostport.slice(1, close);
    const after = hostport.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return { error: expected };
    portText = after === '' ? undefined : after.slice(1);
    if (isIP(host) !== 6) return { error: expected, hint: `${host} is not an IPv6 address` };
  } else {
    const colon = hostport.indexOf(':');
    host = colon < 0 ? hostport : hostport.slice(0, colon);
    portText = colon < 0 ? undefined : hostport.slice(colon + 1);
    if (host === '') return { error: expected, hint: 'no host' };
    if (isIP(host) === 0 && !HOSTNAME.test(host)) return { error: expected, hint: `${JSON.stringify(host)} is not a valid host` };
  }
  let port = DEFAULT_SIP_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return { error: expected, hint: 'the port must be 1 to 65535' };
    }
    port = Number(portText);
  }
  let transportParam: string | null = null;
  for (const p of params) {
    const [k, v = ''] = p.split('=');
    if (k.toLowerCase() === 'transport') transportParam = v.toLowerCase();
  }
  return { user, host, port, transportParam };
}

/**
 * The user part of a sip: or sips: URI (what precedes '@', itself free of ';' and '?'), or ''
 * when it has none. One scan, no regular expression: it runs once per INVITE a UAS correlates.
 */
export function sipUriUser(uri: string): string {
  if (uri.length < 5 || (uri.charCodeAt(0) | 0x20) !== 0x73 || (uri.charCodeAt(1) | 0x20) !== 0x69 || (uri.charCodeAt(2) | 0x20) !== 0x70) return '';
  let start: number;
  if (uri.charCodeAt(3) === 0x3a) start = 4; // "sip:"
  else if ((uri.charCodeAt(3) | 0x20) === 0x73 && uri.charCodeAt(4) === 0x3a) start = 5; // "sips:"
  else return '';
  for (let i = start; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c === 0x40) return i > start ? uri.slice(start, i) : ''; // '@'
    if (c === 0x3b || c === 0x3f) return ''; // ';' '?'
  }
  return '';
}

/** `uri` with its user part replaced by (or given) `user`: sip:svc@h:5060 → sip:1234@h:5060. */
export function uriWithUser(uri: string, user: string): string {
  const colon = uri.indexOf(':');
  const scheme = uri.slice(0, colon + 1);
  const rest = uri.slice(colon + 1);
  // The user part ends at the last "@" before any URI parameter or header.
  const end = rest.search(/[;?]/);
  const hostPart = end < 0 ? rest : rest.slice(0, end);
  const at = hostPart.lastIndexOf('@');
  return `${scheme}${user}@${at < 0 ? rest : rest.slice(at + 1)}`;
}
