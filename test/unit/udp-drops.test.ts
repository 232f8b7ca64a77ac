import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { hostRcvbufErrors, parseRcvbufErrors, parseSocketDrops, socketDrops, socketDropsAsync } from '../../src/metrics/udp-drops.js';

const SNMP = `Ip: Forwarding DefaultTTL
Ip: 1 64
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 1013944 0 251898 1265843 251890 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 7 0 0 0 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 4894: 00000000:13EB 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 24232 2 000000002de8c48f 480
 5795: 0100007F:1770 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 24233 2 000000006737c0b8 3
 5796: 0100007F:1771 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 24234 2 000000006737c0b9 9
`;

describe('UDP receive drops', () => {
  it('reads Udp RcvbufErrors, not UdpLite’s', () => {
    expect(parseRcvbufErrors(SNMP)).toBe(251890);
    expect(parseRcvbufErrors('Ip: a\nIp: 1\n')).toBeNull();
  });

  it('sums the drops of the sockets on the given ports (hex in the table)', () => {
    expect(parseSocketDrops(UDP, new Set([0x13eb]))).toBe(480);
    expect(parseSocketDrops(UDP, new Set([6000, 6001]))).toBe(12);
    expect(parseSocketDrops(UDP, new Set([1]))).toBe(0);
  });

  it('reads udp6 lines, a table without a trailing newline, and skips lines it cannot read', () => {
    const v6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  161: 00000000000000000000000001000000:1770 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 31 2 0000000000000000 21
garbage
  162: 00000000000000000000000001000000:1771 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 32 2 0000000000000000 4`;
    expect(parseSocketDrops(v6, new Set([6000, 6001]))).toBe(25);
    expect(parseSocketDrops('', new Set([6000]))).toBe(0);
  });

  it('sees a real socket drop datagrams while its thread cannot read', async () => {
    if (hostRcvbufErrors() === null) return; // not Linux: nothing to read
    const rx = dgram.createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    rx.setRecvBufferSize(4096);
    let got = 0;
    rx.on('message', () => got++);
    const port = rx.address().port;
    const before = socketDrops(new Set([port]));
    const tx = dgram.createSocket('udp4');
    await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
    const payload = Buffer.alloc(172);
    // Sent in one synchronous burst: the loop does not read rx until it is over.
    for (let i = 0; i < 500; i++) tx.send(payload, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200));
    const dropped = socketDrops(new Set([port]))! - before!;
    expect(dropped).toBeGreaterThan(0);
    // The off-loop reader the workers use each second reads the same table.
    expect((await socketDropsAsync(new Set([port])))! - before!).toBe(dropped);
    expect(got + dropped).toBe(500);
    rx.close();
    tx.close();
  });
});
