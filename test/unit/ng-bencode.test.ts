/**
 * Bencode (rtpengine's ng control protocol's encoding, platform/bencode.ts) and the query reply's
 * streams: known vectors, round trips over arbitrary values, and malformed input rejected with an
 * error. The pcap reader's tests are media-pcap.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bdecode, bencode, type Bencode } from '../../src/platform/bencode.js';
import { queryStreams } from '../../src/platform/ng-client.js';

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
