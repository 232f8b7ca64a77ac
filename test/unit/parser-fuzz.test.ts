import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseMessage } from '../../src/sip/message/parser.js';
import { StreamFramer } from '../../src/sip/message/framer.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import { validTokenChars } from '../../src/sip/message/headers.js';
import { VALID } from '../fixtures/rfc4475/index.js';
import { CALLFLOWS } from '../fixtures/rfc4475/callflows.js';

/** Per-property runs; raise locally with FUZZ_RUNS=50000 for a deeper search. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

const CORPUS: readonly Buffer[] = [...VALID.map((v) => v.bytes), ...CALLFLOWS.map((c) => c.bytes)];

/**
 * parseMessage's whole contract on arbitrary input: a SipParseError with an
 * offset inside the range, or a SipMessage whose fields are internally
 * consistent and whose body lies inside the parsed range.
 */
function checkResult(buf: Buffer, r: SipMessage | SipParseError, start = 0, end = buf.length): void {
  if (r instanceof SipParseError) {
    expect(typeof r.reason).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
    expect(r.offset).toBeGreaterThanOrEqual(0);
    expect(r.offset).toBeLessThanOrEqual(buf.length);
    return;
  }
  expect(r.headers.length % 2).toBe(0);
  expect(r.headers.length).toBeLessThanOrEqual(2 * 256);
  for (let i = 0; i < r.headers.length; i += 2) {
    expect(r.headers[i]).toBe(r.headers[i].toLowerCase());
    // Trimmed of LWS (SP / HTAB; other control bytes are data).
    expect(r.headers[i + 1]).not.toMatch(/^[ \t]|[ \t]$/);
    expect(r.headers[i + 1]).not.toMatch(/[\r\n]/);
  }
  expect(r.callId.length).toBeGreaterThan(0);
  expect(Number.isInteger(r.cseq) && r.cseq >= 0 && r.cseq <= 0xffffffff).toBe(true);
  expect(r.cseqMethod.length).toBeGreaterThan(0);
  for (const ch of r.cseqMethod) expect(validTokenChars[ch.charCodeAt(0)]).toBe(1);
  if (r.isRequest) {
    expect(r.status).toBe(0);
    expect(r.method.length).toBeGreaterThan(0);
  } else {
    expect(r.status).toBeGreaterThanOrEqual(100);
    expect(r.status).toBeLessThanOrEqual(699);
    expect(r.method).toBe(r.cseqMethod);
  }
  // Body is a view into the parsed range, of exactly Content-Length bytes when declared.
  expect(r.body.buffer).toBe(buf.buffer);
  expect(r.body.byteOffset).toBeGreaterThanOrEqual(buf.byteOffset + start);
  expect(r.body.byteOffset + r.body.length).toBeLessThanOrEqual(buf.byteOffset + end);
  if (r.contentLength > 0) expect(r.body.length).toBe(r.contentLength);
}

function parseChecked(buf: Buffer, start?: number, end?: number): SipMessage | SipParseError {
  const r = parseMessage(buf, start, end);
  checkResult(
    buf,
    r,
    start === undefined ? 0 : Math.max(0, Math.min(start, buf.length)),
    end === undefined ? buf.length : Math.max(0, Math.min(end, buf.length)),
  );
  return r;
}

// ---- mutations of valid messages --------------------------------------------

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'dupline'; at: number };

const SPECIAL = [0x0d, 0x0a, 0x3a, 0x00, 0x20, 0x09, 0x2c, 0x3b, 0x3c, 0x3e, 0x22, 0x5c, 0x30, 0x39];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('dupline' as const), at: fc.nat() }),
);

function mutate(src: Buffer, muts: readonly Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.kind) {
      case 'flip':
        if (at < b.length) b[at] ^= m.xor;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
      case 'dupline': {
        // Duplicate the line containing `at` (a repeated header, or a repeated start line).
        const s = b.lastIndexOf(0x0a, at - 1) + 1;
        let e = b.indexOf(0x0a, at);
        e = e < 0 ? b.length : e + 1;
        b = Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]);
        break;
      }
    }
  }
  // A fresh, exactly-sized buffer so body-range checks are meaningful.
  return Buffer.from(b);
}

/** Bytes that look like SIP: a plausible start line followed by SIP-significant characters. */
const sipish: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom('INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n', 'ACK sip:x SIP/2.0\n', '\r\n', ''),
    fc.array(
      fc.oneof(
        fc.constantFrom(
          'Via: ', 'v:', 'From:', 'f: ', 'To:', 't:', 'Call-ID: ', 'i:', 'CSeq: ', 'Content-Length: ', 'l:', ';tag=',
          ';branch=', '<sip:u@h>', '"q\\"', '\r\n', '\n', ' ', '\t', ',', ':', '0', '12', 'INVITE', 'SIP/2.0/UDP h',
        ),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 60 },
    ),
  )
  .map(([start, parts]) => Buffer.from(start + parts.join(''), 'latin1'));

describe('parseMessage fuzz (fast-check)', () => {
  it('random bytes: returns SipMessage or SipParseError, never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        parseChecked(Buffer.from(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it('SIP-looking random text: same contract', () => {
    const reasons = new Set<string>();
    fc.assert(
      fc.property(sipish, (buf) => {
        const r = parseChecked(buf);
        if (r instanceof SipParseError) reasons.add(r.reason);
      }),
      { numRuns: RUNS },
    );
    // The generator gets past the start line into the header and mandatory-field checks.
    expect(reasons).toContain('header line without colon');
    expect([...reasons].some((r) => r.startsWith('missing '))).toBe(true);
  });

  it('mutated corpus messages (flips, truncations, CR/LF/colon/NUL insertions, deletions, duplicated lines)', () => {
    let stillValid = 0;
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(mutation, { minLength: 1, maxLength: 4 }), (src, muts) => {
        const r = parseChecked(mutate(src, muts));
        if (!(r instanceof SipParseError)) stillValid++;
      }),
      { numRuns: RUNS },
    );
    // Both outcomes are exercised: many mutations hit the body or a value and still parse.
    expect(stillValid).toBeGreaterThan(RUNS / 20);
    expect(stillValid).toBeLessThan(RUNS);
  });

  it('arbitrary start/end ranges never throw', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CORPUS),
        fc.integer({ min: -10, max: 3000 }),
        fc.integer({ min: -10, max: 3000 }),
        (src, a, b) => {
          parseChecked(src, a, b);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a valid message embedded in noise parses the same at its offset', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (src, pre, post) => {
        const whole = Buffer.concat([Buffer.from(pre), src, Buffer.from(post)]);
        const a = parseMessage(src);
        const b = parseChecked(whole, pre.length, pre.length + src.length);
        expect(b).toEqual(a);
      }),
      { numRuns: 500 },
    );
  });
});

// ---- split-data fuzzing through StreamFramer (after undici's server-fuzz-split-data) ----

/** A corpus message cut to exactly its framed length (drops dblreq's trailing noise). */
function framed(buf: Buffer): Buffer {
  const m = parseMessage(buf);
  if (m instanceof SipParseError) throw new Error(m.reason);
  return Buffer.from(buf.subarray(0, m.body.byteOffset - buf.byteOffset + m.body.length));
}

const STREAMABLE: readonly Buffer[] = CORPUS.map(framed);

describe('StreamFramer split-data fuzz', () => {
  it('any split of pipelined messages and keep-alives yields the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...STREAMABLE), fc.constantFrom('', '', '\r\n', '\r\n\r\n')), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (items, cuts) => {
          const stream = Buffer.concat(items.flatMap(([m, ka]) => [Buffer.from(ka), m]));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          const got: Buffer[] = [];
          const errors: SipParseError[] = [];
          const framer = new StreamFramer((b) => got.push(b), (e) => errors.push(e));
          let prev = 0;
          for (const p of [...points, stream.length]) {
            framer.push(stream.subarray(prev, p));
            prev = p;
          }
          expect(errors).toEqual([]);
          expect(framer.buffered).toBe(0);
          expect(got).toHaveLength(items.length);
          for (let i = 0; i < items.length; i++) {
            expect(got[i].equals(items[i][0])).toBe(true);
            expect(parseMessage(got[i])).toEqual(parseMessage(items[i][0]));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random chunks of random bytes never throw and never deliver more than maxMessageBytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.integer({ min: 64, max: 4096 }), (chunks, max) => {
        const framer = new StreamFramer(
          (b) => {
            expect(b.length).toBeLessThanOrEqual(max);
            checkResult(b, parseMessage(b));
          },
          (e) => expect(e).toBeInstanceOf(SipParseError),
          max,
        );
        for (const c of chunks) framer.push(Buffer.from(c));
        expect(framer.buffered).toBeLessThanOrEqual(max + 300);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated pipelined corpus streams never throw; errors carry stream offsets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...STREAMABLE), { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (msgs, muts, cuts) => {
          const stream = mutate(Buffer.concat(msgs), muts);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          // An error's offset is a position in the stream (the oversize-header error points at
          // the byte that crossed maxMessageBytes, which was pushed), never before an earlier error's.
          let lastOffset = 0;
          const framer = new StreamFramer(
            (b) => checkResult(b, parseMessage(b)),
            (e) => {
              expect(e.offset).toBeGreaterThanOrEqual(lastOffset);
              expect(e.offset).toBeLessThanOrEqual(stream.length);
              lastOffset = e.offset;
            },
          );
          let prev = 0;
          for (const p of [...points, stream.length]) {
            framer.push(stream.subarray(prev, p));
            prev = p;
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
