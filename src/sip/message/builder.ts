/**
 * Builds outgoing SIP messages from per-endpoint templates: every header that
 * does not change between calls is rendered once (like pino's chindings), and a
 * message is a handful of string concatenations around Call-ID, tags, CSeq and
 * branch. Messages are strings whose chars are bytes (latin1): values copied from a
 * parsed message round-trip byte for byte, and our own text is ASCII.
 */
import { isIPv6 } from 'node:net';
import type { SipMessage } from './message.js';
import type { Salvaged } from './salvage.js';
import { getHeaders, headerParam } from './headers.js';
import type { TransportKind } from '../transport/kinds.js';

/**
 * A host as it goes into a SIP URI, Via sent-by or Contact: IPv6 literals in
 * brackets (RFC 3261 §25.1 IPv6reference), with a zone's '%' escaped as %25
 * (RFC 6874); IPv4 addresses and names unchanged. Already bracketed: unchanged.
 */
export function bracketHost(host: string): string {
  if (host.startsWith('[') || !host.includes(':')) return host;
  return `[${host.replace(/%(?!25)/, '%25')}]`;
}

/** `host:port` for a URI or Via sent-by: `127.0.0.1:5060`, `[::1]:5060`. */
export function formatHostPort(host: string, port: number): string {
  return `${bracketHost(host)}:${port}`;
}

/** SDP addrtype of an address (RFC 4566 §5.7): IP6 for an IPv6 literal, else IP4. Not bracketed in SDP. */
export function sdpAddrType(address: string): 'IP4' | 'IP6' {
  return isIPv6(address) ? 'IP6' : 'IP4';
}

export interface EndpointTemplate {
  transport: TransportKind;
  /** host:port this endpoint is reachable at (Via sent-by, Contact), IPv6 in brackets (formatHostPort). */
  hostPort: string;
  userAgent: string;
}

export interface DialogIds {
  callId: string;
  localTag: string;
  /** '' until the far end answered with a tag. */
  remoteTag: string;
  /** name-addr of the local party, without tag, e.g. `<sip:callcert@127.0.0.1:5061>` */
  localUri: string;
  /** name-addr of the remote party, without tag. */
  remoteUri: string;
}

const CRLF = '\r\n';

export class MessageBuilder {
  private readonly viaPrefix: string;
  private readonly constHeaders: string;
  readonly contact: string;

  constructor(readonly endpoint: EndpointTemplate, contactUser: string) {
    const proto = endpoint.transport.toUpperCase();
    this.viaPrefix = `Via: SIP/2.0/${proto} ${endpoint.hostPort};rport;branch=`;
    this.contact = `<sip:${contactUser}@${endpoint.hostPort};transport=${endpoint.transport}>`;
    this.constHeaders = `Max-Forwards: 70${CRLF}User-Agent: ${endpoint.userAgent}${CRLF}`;
  }

  /**
   * A request inside or outside a dialog. `routes` are full Route header values
   * (already in the order they must appear); `extra` is preformatted header lines.
   */
  request(
    method: string,
    requestUri: string,
    branch: string,
    d: DialogIds,
    cseq: number,
    routes: readonly string[] | null,
    extra: string,
    body: string,
    contentType: string,
  ): string {
    let s = `${method} ${requestUri} SIP/2.0${CRLF}${this.viaPrefix}${branch}${CRLF}`;
    if (routes !== null) for (let i = 0; i < routes.length; i++) s += `Route: ${routes[i]}${CRLF}`;
    s += `From: ${d.localUri};tag=${d.localTag}${CRLF}`;
    s += d.remoteTag === '' ? `To: ${d.remoteUri}${CRLF}` : `To: ${d.remoteUri};tag=${d.remoteTag}${CRLF}`;
    s += `Call-ID: ${d.callId}${CRLF}CSeq: ${cseq} ${method}${CRLF}`;
    if (method === 'INVITE' || method === 'UPDATE') s += `Contact: ${this.contact}${CRLF}`;
    s += this.constHeaders + extra;
    if (body === '') return s + `Content-Length: 0${CRLF}${CRLF}`;
    return s + `Content-Type: ${contentType}${CRLF}Content-Length: ${Buffer.byteLength(body, 'latin1')}${CRLF}${CRLF}${body}`;
  }

  /**
   * A response to `req`: copies Via (all), From, To, Call-ID and CSeq as received
   * (RFC 3261 §8.2.6.2), adding our To tag when the request had none.
   */
  response(req: SipMessage, status: number, reason: string, toTag: string, extra: string, body: string, contentType: string): string {
    let s = `SIP/2.0 ${status} ${reason}${CRLF}`;
    const h = req.headers;
    let to = '';
    let from = '';
    let callId = '';
    let cseq = '';
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i];
      if (name === 'via') s += `Via: ${h[i + 1]}${CRLF}`;
      else if (name === 'from' && from === '') from = h[i + 1];
      else if (name === 'to' && to === '') to = h[i + 1];
      else if (name === 'call-id' && callId === '') callId = h[i + 1];
      else if (name === 'cseq' && cseq === '') cseq = h[i + 1];
    }
    if (req.toTag === '' && toTag !== '' && status !== 100) to += `;tag=${toTag}`;
    s += `From: ${from}${CRLF}To: ${to}${CRLF}Call-ID: ${callId}${CRLF}CSeq: ${cseq}${CRLF}`;
    if (status >= 180 && status < 300 && req.method === 'INVITE') {
      // Record-Route is mirrored in responses that create a dialog (§12.1.1).
      const rr = getHeaders(req, 'record-route');
      for (let i = 0; i < rr.length; i++) s += `Record-Route: ${rr[i]}${CRLF}`;
      s += `Contact: ${this.contact}${CRLF}`;
    }
    s += `Server: ${this.endpoint.userAgent}${CRLF}` + extra;
    if (body === '') return s + `Content-Length: 0${CRLF}${CRLF}`;
    return s + `Content-Type: ${contentType}${CRLF}Content-Length: ${Buffer.byteLength(body, 'latin1')}${CRLF}${CRLF}${body}`;
  }
}

/**
 * A response to a request the parser rejected, from the header fields
 * salvage.ts recovered (RFC 3261 §8.2.6.2: Via, From, To, Call-ID, CSeq as
 * received), adding `toTag` when the To has none. `extra` is preformatted
 * header lines. Never carries a body.
 */
export function salvagedResponse(req: Salvaged, status: number, reason: string, toTag: string, server: string, extra: string): string {
  let s = `SIP/2.0 ${status} ${reason}${CRLF}`;
  for (let i = 0; i < req.vias.length; i++) s += `Via: ${req.vias[i]}${CRLF}`;
  const to = toTag !== '' && headerParam(req.to, 'tag') === undefined ? `${req.to};tag=${toTag}` : req.to;
  s += `From: ${req.from}${CRLF}To: ${to}${CRLF}Call-ID: ${req.callId}${CRLF}CSeq: ${req.cseq}${CRLF}`;
  return s + `Server: ${server}${CRLF}${extra}Content-Length: 0${CRLF}${CRLF}`;
}

/** A G.711 offer/answer: µ-law and A-law at 20 ms, plus telephone-event (RFC 4733). */
export function g711Sdp(address: string, rtpPort: number, sessionId: number): string {
  const at = sdpAddrType(address);
  return (
    `v=0${CRLF}o=callcert ${sessionId} ${sessionId} IN ${at} ${address}${CRLF}s=callcert${CRLF}` +
    `c=IN ${at} ${address}${CRLF}t=0 0${CRLF}m=audio ${rtpPort} RTP/AVP 0 8 101${CRLF}` +
    `a=rtpmap:0 PCMU/8000${CRLF}a=rtpmap:8 PCMA/8000${CRLF}a=rtpmap:101 telephone-event/8000${CRLF}` +
    `a=fmtp:101 0-15${CRLF}a=ptime:20${CRLF}a=sendrecv${CRLF}`
  );
}

export const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 183: 'Session Progress', 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here',
  500: 'Server Internal Error', 501: 'Not Implemented', 503: 'Service Unavailable', 504: 'Server Time-out',
  505: 'Version Not Supported', 513: 'Message Too Large', 603: 'Decline',
};
