import { describe, expect, it } from 'vitest';
import { StreamFramer } from '../../src/sip/message/framer.js';
import { SipParseError, type SipMessage } from '../../src/sip/message/message.js';
import { parseMessage } from '../../src/sip/message/parser.js';
import { VALID } from '../fixtures/rfc4475/index.js';
import { sipp200Invite, sippAck, sippBye, sippInvite } from '../fixtures/rfc4475/callflows.js';

function collect(maxMessageBytes?: number) {
  const messages: Buffer[] = [];
  const errors: SipParseError[] = [];
  const framer = new StreamFramer(
    (b) => messages.push(b),
    (e) => errors.push(e),
    maxMessageBytes,
  );
  return { framer, messages, errors };
}

function parsed(buf: Buffer): SipMessage {
  const m = parseMessage(buf);
  if (m instanceof SipParseError) throw new Error(`parse error ${m.reason}`);
  return m;
}

const byName = (name: string): Buffer => {
  const v = VALID.find((t) => t.name === name);
  if (v === undefined) throw new Error(name);
  return v.bytes;
};

const CRLF = Buffer.from('\r\n');
const PING = Buffer.from('\r\n\r\n');

describe('StreamFramer', () => {
  it('delivers one complete message pushed in one chunk, byte for byte', () => {
    const { framer, messages, errors } = collect();
    framer.push(sippInvite);
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(1);
    expect(messages[0].equals(sippInvite)).toBe(true);
    expect(framer.buffered).toBe(0);
  });

  it('splits pipelined messages arriving in one chunk', () => {
    const { framer, messages, errors } = collect();
    framer.push(Buffer.concat([sippInvite, sipp200Invite, sippAck, sippBye]));
    expect(errors).toEqual([]);
    expect(messages.map((m) => parsed(m).cseqMethod)).toEqual(['INVITE', 'INVITE', 'ACK', 'BYE']);
    expect(messages[1].equals(sipp200Invite)).toBe(true);
    expect(messages[3].equals(sippBye)).toBe(true);
  });

  it('skips RFC 5626 CRLF keep-alives before, between and after messages', () => {
    const { framer, messages, errors } = collect();
    framer.push(PING);
    framer.push(CRLF);
    expect(messages).toHaveLength(0);
    expect(framer.buffered).toBe(0);
    framer.push(Buffer.concat([PING, sippInvite, PING, CRLF, sippBye, PING]));
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(2);
    expect(messages[0].equals(sippInvite)).toBe(true);
    expect(messages[1].equals(sippBye)).toBe(true);
    expect(framer.buffered).toBe(0);
  });

  it('reassembles one message pushed one byte at a time, emitting only at the last byte', () => {
    const { framer, messages, errors } = collect();
    const msg = byName('wsinv'); // folded headers, "Content-Length   : 150"
    for (let i = 0; i < msg.length; i++) {
      framer.push(msg.subarray(i, i + 1));
      expect(messages).toHaveLength(i === msg.length - 1 ? 1 : 0);
    }
    expect(errors).toEqual([]);
    expect(messages[0].equals(msg)).toBe(true);
    expect(parsed(messages[0]).contentLength).toBe(150);
  });

  it('reassembles pipelined messages with keep-alives from 1-byte chunks', () => {
    const { framer, messages, errors } = collect();
    const stream = Buffer.concat([sippInvite, PING, sipp200Invite, sippAck]);
    for (const byte of stream) framer.push(Buffer.from([byte]));
    expect(errors).toEqual([]);
    expect(messages.map((m) => m.length)).toEqual([sippInvite.length, sipp200Invite.length, sippAck.length]);
  });

  it('frames by Content-Length, not by blank lines inside the body (binary multipart)', () => {
    const { framer, messages } = collect();
    const mpart = byName('mpart01');
    framer.push(Buffer.concat([mpart, sippAck]));
    expect(messages).toHaveLength(2);
    expect(parsed(messages[0]).body.length).toBe(553);
    expect(messages[1].equals(sippAck)).toBe(true);
  });

  it('reads compact "l:" and bare-LF line endings', () => {
    const { framer, messages, errors } = collect();
    const lf = Buffer.from(
      'OPTIONS sip:a@b SIP/2.0\nv: SIP/2.0/TCP h;branch=z9hG4bK1\nf: <sip:a@b>;tag=1\nt: <sip:b@b>\ni: lf-1\nCSeq: 1 OPTIONS\nL : 4\n\nbody',
      'latin1',
    );
    framer.push(Buffer.concat([lf, lf]));
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(2);
    expect(parsed(messages[1]).body.toString()).toBe('body');
  });

  it('never changes a delivered buffer when more bytes arrive', () => {
    const { framer, messages } = collect();
    const two = Buffer.concat([sippInvite, sippBye]);
    // First message in pieces (so it is reassembled in the framer's own buffer),
    // completed by a chunk that also carries the head of the second message.
    framer.push(two.subarray(0, 100));
    framer.push(two.subarray(100, 200));
    framer.push(two.subarray(200, sippInvite.length + 10));
    expect(messages).toHaveLength(1);
    const first = messages[0];
    const snapshot = Buffer.from(first);
    for (let i = sippInvite.length + 10; i < two.length; i++) framer.push(two.subarray(i, i + 1));
    framer.push(Buffer.from('INVITE sip:partial'));
    framer.push(Buffer.alloc(5000, 0x41));
    expect(first.equals(snapshot)).toBe(true);
    expect(first.equals(sippInvite)).toBe(true);
    expect(messages[1].equals(sippBye)).toBe(true);
  });

  it('reports a missing Content-Length, drops the buffered bytes and recovers', () => {
    const { framer, messages, errors } = collect();
    const noCl = Buffer.from(sippAck.toString('latin1').replace('Content-Length: 0\r\n', ''), 'latin1');
    framer.push(Buffer.concat([PING, noCl]));
    expect(messages).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toMatch(/missing Content-Length/);
    expect(errors[0].offset).toBe(PING.length);
    expect(framer.buffered).toBe(0);
    framer.push(sippBye);
    expect(messages).toHaveLength(1);
    expect(messages[0].equals(sippBye)).toBe(true);
  });

  it('reports malformed or conflicting Content-Length', () => {
    for (const cl of ['Content-Length: -1', 'Content-Length: 1x', 'Content-Length: 1 2', 'Content-Length: 0\r\nl: 3']) {
      const { framer, messages, errors } = collect();
      framer.push(Buffer.from(sippAck.toString('latin1').replace('Content-Length: 0', cl), 'latin1'));
      expect(messages, cl).toHaveLength(0);
      expect(errors.map((e) => e.reason), cl).toEqual(['invalid Content-Length']);
    }
  });

  it('reads a folded Content-Length value', () => {
    const { framer, messages } = collect();
    framer.push(Buffer.from(sippAck.toString('latin1').replace('Content-Length: 0', 'Content-Length:\r\n   0'), 'latin1'));
    expect(messages).toHaveLength(1);
  });

  it('rejects a header section larger than maxMessageBytes', () => {
    const { framer, messages, errors } = collect(1024);
    framer.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nX-Big: ' + 'a'.repeat(2000), 'latin1'));
    expect(messages).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toMatch(/exceeds maxMessageBytes/);
    expect(framer.buffered).toBe(0);
  });

  it('rejects a message whose Content-Length exceeds maxMessageBytes and skips exactly its body', () => {
    const { framer, messages, errors } = collect(1024);
    const big = Buffer.from(sippAck.toString('latin1').replace('Content-Length: 0', 'Content-Length: 5000'), 'latin1');
    framer.push(big);
    framer.push(Buffer.alloc(3000, 0x42));
    framer.push(Buffer.concat([Buffer.alloc(2000, 0x42), sippBye]));
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toMatch(/exceeds maxMessageBytes/);
    expect(messages).toHaveLength(1);
    expect(messages[0].equals(sippBye)).toBe(true);
  });

  // Linearity without a clock: the framer counts the bytes its header scan visits and the
  // bytes it copies. Re-scanning from the start on every push would make `scanned` grow
  // with the square of the pushes (~2e9 for this message in 1-byte chunks).
  it('is linear in the bytes pushed: a 64 KiB message in 1-byte chunks does the work of one push', () => {
    const headers = Array.from({ length: 600 }, (_, k) => `X-Pad-${k}: ${'p'.repeat(80)}`).join('\r\n');
    const body = 'b'.repeat(8000);
    const msg = Buffer.from(
      `MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKbig\r\n${headers}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'latin1',
    );
    expect(msg.length).toBe(63_777);
    const headerBytes = msg.length - body.length;

    const whole = collect(1 << 20);
    whole.framer.push(msg);
    expect(whole.errors).toEqual([]);
    expect(whole.messages).toHaveLength(1);
    // One push: the scan visits the header section once and nothing is copied.
    expect(whole.framer.work).toEqual({ scanned: headerBytes, copied: 0 });

    const bytes = collect(1 << 20);
    for (let i = 0; i < msg.length; i++) bytes.framer.push(msg.subarray(i, i + 1));
    expect(bytes.errors).toEqual([]);
    expect(bytes.messages).toHaveLength(1);
    expect(bytes.messages[0].equals(msg)).toBe(true);
    // 63,777 pushes: each header byte is still scanned exactly once...
    expect(bytes.framer.work.scanned).toBe(headerBytes);
    // ...and copying stays within a constant factor of the bytes (each byte copied once on
    // arrival, plus the doubling buffer's regrowths: a geometric sum below 2 × the size).
    expect(bytes.framer.work.copied).toBeGreaterThanOrEqual(msg.length - 1);
    expect(bytes.framer.work.copied).toBeLessThan(3 * msg.length);

    // 64 KiB chunks of a stream of such messages: the same per-byte work as one push each.
    const stream = Buffer.concat([msg, msg, msg, msg]);
    const chunks = collect(1 << 20);
    for (let i = 0; i < stream.length; i += 65_536) chunks.framer.push(stream.subarray(i, i + 65_536));
    expect(chunks.messages).toHaveLength(4);
    expect(chunks.framer.work.scanned).toBe(4 * headerBytes);
    expect(chunks.framer.work.copied).toBeLessThan(3 * stream.length);
  });
});
