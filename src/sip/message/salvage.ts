/**
 * Salvage: recover from bytes the parser rejected the header fields a
 * response needs (RFC 3261 §8.2.6.2: every Via, From, To, Call-ID and CSeq,
 * copied as received), so a UAS can still answer 400/505/513 naming the
 * fault instead of leaving the sender to retransmit into silence.
 *
 * Tolerant line scanning, off the hot path (only called after a parse
 * failure): lines end in LF or CRLF, folded lines are joined, lines without
 * a colon or with a non-token name are skipped, the first blank line ends
 * the header section (a datagram without one is scanned to its end). Every
 * loop advances; work is bounded by MAX_SALVAGE_BYTES.
 */
import { validTokenChars } from './headers.js';

/** Header fields recovered from a request the parser rejected. */
export interface Salvaged {
  /** Method token of the Request-Line. */
  method: string;
  /** Every Via header field value in order (one entry per header line, as received). */
  vias: string[];
  callId: string;
  /** The CSeq value as received ("36893488147419103232 REGISTER" included). */
  cseq: string;
  /** Method token of the CSeq value, '' when there is none. */
  cseqMethod: string;
  from: string;
  to: string;
}

/**
 * Why a message got no answer, counted per cause by the call centre
 * (`counters.dropped`).
 */
export type DropCause =
  /** A response that does not parse: nobody answers a response (RFC 4475 §3.1.2.5, §3.1.2.19). */
  | 'unparseable-response'
  /** A response that matches no transaction of ours (strays, RFC 4475 §3.3.10 bcast; RFC 3261 §17.1.3). */
  | 'unmatched-response'
  /** Neither a Request-Line nor a Status-Line can be made out. */
  | 'no-start-line'
  /** A request whose Via, Call-ID, CSeq, From or To cannot be recovered (RFC 4475 §3.3.1 insuf). */
  | 'missing-headers'
  /** A malformed or unacceptable ACK: ACKs are never answered (RFC 3261 §17.2.1, §8.2.7). */
  | 'invalid-ack'
  /** TCP framing lost before the header section was known (it exceeded the size limit). */
  | 'framing';

/** Header bytes looked at; the parser's own header limit (64 KiB). */
export const MAX_SALVAGE_BYTES = 64 * 1024;

const HT = 9;
const LF = 10;
const CR = 13;
const SP = 32;

const enum Field {
  None,
  Via,
  CallId,
  CSeq,
  From,
  To,
}

function fieldOf(name: string): Field {
  switch (name.toLowerCase()) {
    case 'via': case 'v': return Field.Via;
    case 'call-id': case 'i': return Field.CallId;
    case 'cseq': return Field.CSeq;
    case 'from': case 'f': return Field.From;
    case 'to': case 't': return Field.To;
    default: return Field.None;
  }
}

function isTokenString(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || validTokenChars[c] !== 1) return false;
  }
  return true;
}

/**
 * A value we may copy into a response: non-empty, no CR (a bare CR would end
 * our header line for some peers). NUL and other octets are copied as
 * received: a quoted-string may hold them (RFC 4475 §3.1.1.2).
 */
function usable(v: string): boolean {
  return v.length > 0 && v.indexOf('\r') < 0;
}

/**
 * Recover Via(s), Call-ID, CSeq, From and To from a request the parser
 * rejected, or say why it cannot be answered.
 */
export function salvageRequest(raw: Buffer): Salvaged | DropCause {
  const end = Math.min(raw.length, MAX_SALVAGE_BYTES);
  let p = 0;
  while (p < end && (raw[p] === CR || raw[p] === LF)) p++;
  if (p >= end) return 'no-start-line';

  // ---- logical lines: [text] with folding joined ----------------------------
  const lines: string[] = [];
  while (p < end) {
    let lf = raw.indexOf(LF, p);
    if (lf < 0 || lf >= end) lf = end;
    let e = lf;
    if (e > p && raw[e - 1] === CR) e--;
    const line = raw.toString('latin1', p, e);
    p = lf + 1;
    if (line.length === 0) {
      if (lines.length > 0) break; // blank line: end of the header section
      continue;
    }
    const c0 = line.charCodeAt(0);
    if ((c0 === SP || c0 === HT) && lines.length > 1) {
      lines[lines.length - 1] += ' ' + line.trim();
    } else {
      lines.push(line);
    }
  }

  // ---- start line -------------------------------------------------------------
  const start = lines[0];
  if (/^sip\s*\//i.test(start)) return 'unparseable-response';
  let m = 0;
  while (m < start.length && start.charCodeAt(m) !== SP && start.charCodeAt(m) !== HT) m++;
  const method = start.slice(0, m);
  if (!isTokenString(method) || m >= start.length) return 'no-start-line';

  // ---- the five header fields ---------------------------------------------------
  const vias: string[] = [];
  let callId = '';
  let cseq = '';
  let from = '';
  let to = '';
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k];
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!isTokenString(name)) continue;
    const f = fieldOf(name);
    if (f === Field.None) continue;
    const value = line.slice(colon + 1).trim();
    if (!usable(value)) continue;
    if (f === Field.Via) vias.push(value);
    else if (f === Field.CallId && callId === '') callId = value;
    else if (f === Field.CSeq && cseq === '') cseq = value;
    else if (f === Field.From && from === '') from = value;
    else if (f === Field.To && to === '') to = value;
  }
  const ws = cseq.search(/\s/);
  const cseqMethod = ws < 0 ? '' : cseq.slice(ws).trim();
  if (method.toUpperCase() === 'ACK' || cseqMethod.toUpperCase() === 'ACK') return 'invalid-ack';
  if (vias.length === 0 || callId === '' || cseq === '' || from === '' || to === '') return 'missing-headers';
  return { method, vias, callId, cseq, cseqMethod, from, to };
}
