/**
 * The rtpengine test helper's bencode (its ng control protocol's encoding) and pcap reader:
 * known vectors, round trips over arbitrary values, and malformed input rejected with an error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bdecode, bencode, queryStreams, readPcapUdp, type Bencode } from '../helpers/rtpengine.js';

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 20 });
const value: fc.Arbitrary<Bencode> = fc.letrec<{ v: Bencode }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -1e12, max: 1e12 }),
    latin1,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(latin1, tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('bencode (ng protocol)', () => {
  it('encodes the documented messages byte for byte, keys sorted', () => {
    expect(bencode({ command: 'ping' }).toString('latin1')).toBe('d7:command4:pinge');
    expect(bencode({ 'call-id': 'a@b', command: 'query' }).toString('latin1')).toBe('d7:call-id3:a@b7:command5:querye');
    expect(bencode({ b: 1, a: [-3, 'x', {}] }).toString('latin1')).toBe('d1:ali-3e1:xdee1:bi1ee');
    expect(bdecode(Buffer.from('d9:__proto__i1ee', 'latin1'))).toEqual(JSON.parse('{"__proto__":1}'));
    expect(bdecode(Buffer.from('d6:result4:ponge', 'latin1'))).toEqual({ result: 'pong' });
    expect(bdecode(Buffer.from('d5:callsl3:a@b3:c@dee', 'latin1'))).toEqual({ calls: ['a@b', 'c@d'] });
  });

  it('decode ∘ encode is the identity on any value', () => {
    fc.assert(fc.property(value, (v) => {
      expect(bdecode(bencode(v))).toEqual(v);
    }), { numRuns: 300, seed: 11 });
  });

  it('malformed input is an Error naming the offset, never a hang or a wrong value', () => {
    for (const bad of ['', 'i12', 'i01e', 'i-0e', '5:abc', 'l', 'd3:keye', 'di1ei2ee', 'x', 'i1ei2e', '-1:']) {
      expect(() => bdecode(Buffer.from(bad, 'latin1')), bad).toThrow(/bdecode: .* at byte \d+/);
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        const v = bdecode(Buffer.from(bytes));
        expect(bdecode(bencode(v))).toEqual(v); // whatever decodes is a value that round-trips
      } catch (e) {
        expect((e as Error).message).toMatch(/^bdecode: /);
      }
    }), { numRuns: 500, seed: 12 });
  });

  it('queryStreams flattens a query reply: every tag’s streams with their local port, endpoint and counts', () => {
    const reply = bdecode(bencode({
      result: 'ok',
      tags: {
        t1: { medias: [{ index: 1, streams: [
          { 'local port': 12016, endpoint: { address: '127.0.0.1', port: 18648 }, flags: ['RTP', 'filled'], stats: { packets: 100, bytes: 17200, errors: 0 } },
          { 'local port': 12017, endpoint: { address: '127.0.0.1', port: 18649 }, flags: ['RTCP', 'filled'], stats: { packets: 1, bytes: 72, errors: 0 } },
        ] }] },
      },
    })) as { [k: string]: Bencode };
    expect(queryStreams(reply)).toEqual([
      { tag: 't1', mediaIndex: 1, localPort: 12016, endpoint: '127.0.0.1:18648', packets: 100, bytes: 17200, errors: 0, rtcp: false },
      { tag: 't1', mediaIndex: 1, localPort: 12017, endpoint: '127.0.0.1:18649', packets: 1, bytes: 72, errors: 0, rtcp: true },
    ]);
  });
});

describe('readPcapUdp', () => {
  /** A raw-IP (link type 101) pcap of UDP datagrams, as rtpengine writes it. */
  function pcap(datagrams: Array<{ sport: number; dport: number; payload: number }>): Buffer {
    const head = Buffer.alloc(24);
    head.writeUInt32LE(0xa1b2c3d4, 0);
    head.writeUInt16LE(2, 4);
    head.writeUInt16LE(4, 6);
    head.writeUInt32LE(65535, 16);
    head.writeUInt32LE(101, 20);
    const recs = datagrams.map((d) => {
      const ip = Buffer.alloc(28 + d.payload);
      ip[0] = 0x45;
      ip.writeUInt16BE(ip.length, 2);
      ip[9] = 17;
      ip.set([127, 0, 0, 1], 12);
      ip.set([127, 0, 0, 1], 16);
      ip.writeUInt16BE(d.sport, 20);
      ip.writeUInt16BE(d.dport, 22);
      ip.writeUInt16BE(8 + d.payload, 24);
      const rh = Buffer.alloc(16);
      rh.writeUInt32LE(ip.length, 8);
      rh.writeUInt32LE(ip.length, 12);
      return Buffer.concat([rh, ip]);
    });
    return Buffer.concat([head, ...recs]);
  }

  it('reads each datagram’s ports and payload size; a cut record is an error', () => {
    const file = pcap([{ sport: 18648, dport: 12016, payload: 172 }, { sport: 14000, dport: 12000, payload: 72 }]);
    expect(readPcapUdp(file)).toEqual([
      { src: '127.0.0.1', srcPort: 18648, dst: '127.0.0.1', dstPort: 12016, payloadBytes: 172 },
      { src: '127.0.0.1', srcPort: 14000, dst: '127.0.0.1', dstPort: 12000, payloadBytes: 72 },
    ]);
    expect(() => readPcapUdp(file.subarray(0, file.length - 5))).toThrow(/runs past the end/);
    expect(() => readPcapUdp(Buffer.alloc(24))).toThrow(/bad magic/);
  });
});
