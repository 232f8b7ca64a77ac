/**
 * Every RFC 4475 torture message sent to the real embedded call centre over
 * UDP (one datagram each) and TCP (one connection each): a request gets the
 * answer RFC 4475 gives it (the valid ones their normal answer, the invalid
 * ones 400 naming the fault, 505, 420, 415, 416, 406, 501), and what cannot
 * be answered (responses, a request without Call-ID/From/To) is dropped and
 * counted per cause in `counters.dropped`.
 *
 * The messages are read from test/fixtures/rfc4475/dat (byte-exact copies of
 * the RFC's own files, see the README there); CALLCERT_RFC4475_DIR points the
 * test at another folder of the same .dat files. A missing folder or file
 * fails the test, it never skips.
 */
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallCentre } from '../../src/simulator/call-centre.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { StreamFramer } from '../../src/sip/message/framer.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { salvageRequest, type DropCause } from '../../src/sip/message/salvage.js';

const DEFAULT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/rfc4475/dat');
const DIR = process.env.CALLCERT_RFC4475_DIR ?? DEFAULT_DIR;

type Expect =
  /** A final response with this status (and, for INVITEs answered 200, 100 and 180 before it). */
  | { status: number; reason?: RegExp; headers?: RegExp[]; closes?: boolean }
  /** No answer; counters.dropped[cause] goes up by one. */
  | { dropped: DropCause }
  /** No answer and nothing counted yet: on a stream the receiver waits for the rest of the message. */
  | { waits: string };

interface Case {
  name: string;
  section: string;
  udp: Expect;
  /** TCP when it differs from UDP. */
  tcp?: Expect;
}

const ALLOW = /^Allow: INVITE, ACK, BYE, CANCEL, OPTIONS$/m;

/** RFC 4475 §3 message by message; the comment says what the RFC asks for when it leaves a choice. */
const CASES: Case[] = [
  // §3.1.1 valid messages: their normal answer.
  { name: 'wsinv', section: '3.1.1.1', udp: { status: 481 } }, // its To has a tag: a dialog we do not know (RFC 3261 §12.2.2)
  { name: 'intmeth', section: '3.1.1.2', udp: { status: 501, headers: [ALLOW] } }, // unknown method
  { name: 'esc01', section: '3.1.1.3', udp: { status: 200 } },
  { name: 'escnull', section: '3.1.1.4', udp: { status: 501 } }, // REGISTER: not a registrar
  { name: 'esc02', section: '3.1.1.5', udp: { status: 501 } }, // RE%47IST%45R is an unknown method
  { name: 'lwsdisp', section: '3.1.1.6', udp: { status: 200 } },
  { name: 'longreq', section: '3.1.1.7', udp: { status: 200 } },
  { name: 'dblreq', section: '3.1.1.8', udp: { status: 501 } }, // the REGISTER; the trailing INVITE is ignored on UDP
  { name: 'semiuri', section: '3.1.1.9', udp: { status: 200 } },
  { name: 'transports', section: '3.1.1.10', udp: { status: 200 } },
  { name: 'mpart01', section: '3.1.1.11', udp: { status: 501 } }, // MESSAGE
  { name: 'unreason', section: '3.1.1.12', udp: { dropped: 'unmatched-response' } },
  { name: 'noreason', section: '3.1.1.13', udp: { dropped: 'unmatched-response' } },
  // §3.1.2 invalid messages.
  { name: 'badinv01', section: '3.1.2.1', udp: { status: 400, reason: /empty parameter in Via/ } },
  {
    name: 'clerr', section: '3.1.2.2',
    udp: { status: 400, reason: /truncated body/ },
    tcp: { waits: 'Content-Length 9999: a stream receiver waits for the rest (RFC 4475 §3.1.2.2)' },
  },
  { name: 'ncl', section: '3.1.2.3', udp: { status: 400, reason: /invalid Content-Length/ }, tcp: { status: 400, reason: /invalid Content-Length/, closes: true } },
  { name: 'scalar02', section: '3.1.2.4', udp: { status: 400, reason: /invalid CSeq/ } },
  { name: 'scalarlg', section: '3.1.2.5', udp: { dropped: 'unparseable-response' } },
  { name: 'quotbal', section: '3.1.2.6', udp: { status: 400, reason: /unterminated quoted string in To/ } },
  { name: 'ltgtruri', section: '3.1.2.7', udp: { status: 400, reason: /invalid Request-URI/ } },
  { name: 'lwsruri', section: '3.1.2.8', udp: { status: 400, reason: /embedded whitespace/ } },
  { name: 'lwsstart', section: '3.1.2.9', udp: { status: 400, reason: /multiple SP in Request-Line/ } }, // "acceptable to reject"
  { name: 'trws', section: '3.1.2.10', udp: { status: 400, reason: /trailing whitespace/ } }, // "acceptable to reject"
  { name: 'escruri', section: '3.1.2.11', udp: { status: 400, reason: /headers in Request-URI/ } }, // "acceptable to reject"
  { name: 'baddate', section: '3.1.2.12', udp: { status: 200 } }, // Date unused: accepted, as the RFC prefers
  { name: 'regbadct', section: '3.1.2.13', udp: { status: 400, reason: /not enclosed in <> in Contact/ } },
  { name: 'badaspec', section: '3.1.2.14', udp: { status: 400, reason: /whitespace inside <URI> in To/ } },
  {
    // This copy of baddn has no blank line after its headers (ersip's copy adds it); that is the fault found first.
    name: 'baddn', section: '3.1.2.15',
    udp: { status: 400, reason: /unterminated header section/ },
    tcp: { waits: 'no blank line: the header section never ends on a stream' },
  },
  { name: 'badvers', section: '3.1.2.16', udp: { status: 505, reason: /^Version Not Supported$/ } },
  { name: 'mismatch01', section: '3.1.2.17', udp: { status: 400, reason: /CSeq method does not match/ } },
  { name: 'mismatch02', section: '3.1.2.18', udp: { status: 501, headers: [ALLOW] } }, // 501 preferred over 400
  { name: 'bigcode', section: '3.1.2.19', udp: { dropped: 'unparseable-response' } },
  // §3.2 transaction layer.
  { name: 'badbranch', section: '3.2.1', udp: { status: 200 } },
  // §3.3 application layer.
  { name: 'insuf', section: '3.3.1', udp: { dropped: 'missing-headers' } }, // no Call-ID, From, To: nothing to answer with
  { name: 'unkscm', section: '3.3.2', udp: { status: 416 } },
  { name: 'novelsc', section: '3.3.3', udp: { status: 416 } }, // soap.beep: never meaningful here
  { name: 'unksm2', section: '3.3.4', udp: { status: 501 } }, // REGISTER
  {
    name: 'bext01', section: '3.3.5',
    udp: { status: 420, headers: [/^Unsupported: nothingSupportsThis, nothingSupportsThisEither$/m] }, // Proxy-Require is for proxies
  },
  { name: 'invut', section: '3.3.6', udp: { status: 415, headers: [/^Accept: application\/sdp$/m] } },
  { name: 'regaut01', section: '3.3.7', udp: { status: 501 } }, // REGISTER
  { name: 'multi01', section: '3.3.8', udp: { status: 400, reason: /multiple values in single-value header field Call-ID, CSeq, From, To, Max-Forwards/ } },
  { name: 'mcl01', section: '3.3.9', udp: { status: 400, reason: /conflicting Content-Length/ }, tcp: { status: 400, reason: /invalid Content-Length/, closes: true } },
  { name: 'bcast', section: '3.3.10', udp: { dropped: 'unmatched-response' } },
  { name: 'zeromf', section: '3.3.11', udp: { status: 200 } }, // a UAS processes Max-Forwards: 0
  { name: 'cparam01', section: '3.3.12', udp: { status: 501 } },
  { name: 'cparam02', section: '3.3.13', udp: { status: 501 } },
  { name: 'regescrt', section: '3.3.14', udp: { status: 501 } },
  { name: 'sdp01', section: '3.3.15', udp: { status: 406 } },
  // §3.4 backward compatibility: an RFC 2543 INVITE (no Content-Length, no branch) is accepted on UDP;
  // on a stream Content-Length is mandatory (RFC 3261 §18.3), so TCP gets 400 and the connection is closed.
  { name: 'inv2543', section: '3.4.1', udp: { status: 200 }, tcp: { status: 400, reason: /missing Content-Length/, closes: true } },
  // Not in RFC 4475 (sits beside its files in sipsorcery and resiprocate): no Via, no CSeq.
  { name: 'test', section: '-', udp: { dropped: 'missing-headers' } },
];

function load(name: string): Buffer {
  const file = join(DIR, `${name}.dat`);
  if (!existsSync(file)) throw new Error(`RFC 4475 message ${file} not found (messages are read from ${DIR}; set CALLCERT_RFC4475_DIR to a folder of the RFC's .dat files)`);
  return readFileSync(file);
}

interface Answer {
  status: number;
  reason: string;
  text: string;
  /** The parsed response; null when it copies a field our parser refuses (scalar02's 20-digit CSeq, as RFC 3261 §8.2.6.2 wants). */
  msg: SipMessage | null;
}

function answer(buf: Buffer): Answer {
  const text = buf.toString('latin1');
  const m = parseMessage(buf);
  const line = /^SIP\/2\.0 (\d{3}) ?(.*)\r\n/.exec(text);
  if (line === null) throw new Error(`call centre sent something that is not a response:\n${text}`);
  return { status: Number(line[1]), reason: line[2], text, msg: m instanceof SipParseError ? null : m };
}

/** A header line's value in a response text (first occurrence, long name). */
function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}: (.*)$`, 'mi').exec(text);
  return m === null ? undefined : m[1];
}

interface Outcome {
  responses: Answer[];
  closed: boolean;
}

const isFinal = (o: Outcome) => o.responses.some((r) => r.status >= 200);

/** Collect what comes back until a final response, or `quietMs` of nothing. */
function collect(o: Outcome, quietMs: number, onDone: () => void): { push(buf: Buffer): void; stop(): void } {
  let timer = setTimeout(finish, quietMs);
  let done = false;
  function finish() {
    if (done) return;
    done = true;
    clearTimeout(timer);
    onDone();
  }
  return {
    push(buf) {
      o.responses.push(answer(buf));
      clearTimeout(timer);
      // After a final response, linger briefly (a closing TCP peer, stray retransmissions are ignored).
      timer = setTimeout(finish, isFinal(o) ? 50 : quietMs);
    },
    stop: finish,
  };
}

async function sendUdp(port: number, bytes: Buffer, quietMs: number): Promise<Outcome> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const o: Outcome = { responses: [], closed: false };
  await new Promise<void>((resolveDone) => {
    const c = collect(o, quietMs, resolveDone);
    sock.on('message', (buf) => c.push(buf));
    sock.send(bytes, port, '127.0.0.1');
  });
  await new Promise<void>((r) => sock.close(() => r()));
  return o;
}

async function sendTcp(port: number, bytes: Buffer, quietMs: number): Promise<Outcome> {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const o: Outcome = { responses: [], closed: false };
  await new Promise<void>((resolveDone) => {
    const c = collect(o, quietMs, resolveDone);
    const framer = new StreamFramer((buf) => c.push(buf), (err) => { throw new Error(`response framing: ${err.reason}`); });
    sock.on('data', (chunk) => framer.push(chunk));
    sock.on('end', () => {
      o.closed = true;
      if (isFinal(o)) c.stop();
    });
    sock.on('error', () => undefined);
    sock.write(bytes);
  });
  sock.destroy();
  return o;
}

let digests = new Map<string, string>();

beforeAll(() => {
  if (!existsSync(DIR)) {
    throw new Error(`RFC 4475 messages not found: ${DIR} does not exist (default ${DEFAULT_DIR}; set CALLCERT_RFC4475_DIR to a folder of the RFC's .dat files)`);
  }
  const sums = join(DIR, 'SHA256SUMS');
  if (existsSync(sums)) {
    digests = new Map(readFileSync(sums, 'utf8').trim().split('\n').map((l) => {
      const [hash, file] = l.split(/\s+\*?/);
      return [file, hash] as [string, string];
    }));
  }
});

it('the folder holds every message, byte-exact where SHA256SUMS lists it', () => {
  for (const c of CASES) {
    const bytes = load(c.name);
    const want = digests.get(`${c.name}.dat`);
    if (DIR === DEFAULT_DIR) expect(want, `${c.name}.dat in SHA256SUMS`).toBeDefined();
    if (want !== undefined) expect(createHash('sha256').update(bytes).digest('hex'), `${c.name}.dat`).toBe(want);
  }
  expect(CASES.length).toBe(50);
});

describe.each(['udp', 'tcp'] as const)('RFC 4475 messages to the embedded call centre over %s', (transport) => {
  let cc: CallCentre;
  const errors: string[] = [];
  beforeAll(async () => {
    cc = await CallCentre.start({
      capacity: 1000, ringMs: 0, answerRatio: 1, calleeHangupMs: null,
      address: '127.0.0.1', port: 0, transport, onError: (m) => errors.push(m),
    });
  });
  afterAll(async () => {
    await cc.close();
  });

  for (const c of CASES) {
    const want = transport === 'tcp' && c.tcp !== undefined ? c.tcp : c.udp;
    const label = 'status' in want ? `${want.status}` : 'dropped' in want ? `dropped (${want.dropped})` : 'no answer yet';
    it(`${c.section} ${c.name} → ${label}`, async () => {
      const bytes = load(c.name);
      const droppedBefore = { ...cc.counters.dropped };
      const quietMs = 'status' in want ? 2000 : 300;
      const o = transport === 'udp' ? await sendUdp(cc.port, bytes, quietMs) : await sendTcp(cc.port, bytes, quietMs);
      const why = `${c.name} over ${transport}: got ${o.responses.map((r) => r.text.split('\r\n')[0]).join(' | ') || 'nothing'}; errors: ${errors.slice(-3).join('; ')}`;

      if (!('status' in want)) {
        expect(o.responses, why).toEqual([]);
        if ('dropped' in want) {
          expect((cc.counters.dropped[want.dropped] ?? 0) - (droppedBefore[want.dropped] ?? 0), why).toBe(1);
        } else {
          expect(cc.counters.dropped, why).toEqual(droppedBefore);
        }
        return;
      }

      const finals = o.responses.filter((r) => r.status >= 200);
      expect(finals.length, why).toBeGreaterThan(0);
      const final = finals[0];
      expect(final.status, why).toBe(want.status);
      if (want.reason !== undefined) expect(final.reason, why).toMatch(want.reason);
      for (const h of want.headers ?? []) expect(final.text, why).toMatch(h);
      if (want.closes === true) expect(o.closed, `${why}: the connection must be closed after a framing error`).toBe(true);

      // The answer belongs to the request: Call-ID and CSeq copied as received, a To tag present.
      const parsed = parseMessage(bytes);
      const req = parsed instanceof SipParseError ? salvageRequest(bytes) : { method: parsed.method, callId: parsed.callId, cseq: getHeader(parsed, 'cseq') ?? '' };
      if (typeof req === 'string') throw new Error(`${c.name}: ${req}`);
      expect(field(final.text, 'Call-ID'), why).toBe(req.callId);
      expect(field(final.text, 'CSeq'), why).toBe(req.cseq);
      expect(field(final.text, 'To'), why).toMatch(/;\s*tag\s*=/i);

      if (want.status === 200 && req.method === 'INVITE') {
        // The call centre rings before it answers.
        expect(o.responses.map((r) => r.status).slice(0, 3), why).toEqual([100, 180, 200]);
        expect(final.msg?.body.toString('latin1'), why).toMatch(/^v=0\r\n/);
      }
    });
  }

  it('counted every parse failure and stayed up for valid traffic', () => {
    expect(cc.counters.parseErrors).toBeGreaterThan(0);
    expect(cc.counters.invalidRequests).toBeGreaterThan(0);
    // esc01, longreq, baddate, and inv2543 (UDP) or dblreq's second request (TCP) became calls.
    expect(cc.counters.invites).toBe(4); // TCP: inv2543 is refused, but dblreq's trailing INVITE is a message of its own
  });
});

it('requestCheck options widen what the call centre accepts (bext01 with its option tags supported → 200)', async () => {
  const cc = await CallCentre.start({
    capacity: 10, ringMs: 0, answerRatio: 1, calleeHangupMs: null, address: '127.0.0.1', port: 0, transport: 'udp',
    requestCheck: { supported: ['nothingSupportsThis', 'nothingSupportsThisEither'] },
  });
  try {
    const o = await sendUdp(cc.port, load('bext01'), 2000);
    expect(o.responses.map((r) => r.status)).toEqual([200]);
  } finally {
    await cc.close();
  }
});
