import { afterEach, describe, expect, it } from 'vitest';
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { RtpPortPool, type PortPair, type PortPoolOptions } from '../../src/media/ports.js';
import { isCallcertError } from '../../src/errors.js';

/**
 * Real sockets on loopback. Each test draws its own even base port below the ephemeral range
 * (32768+), so parallel runs on the machine rarely meet; the pool skips a port someone holds anyway.
 */
function basePort(): number {
  return 21000 + 2 * Math.floor(Math.random() * 5000);
}

const pools: RtpPortPool[] = [];
const foreign: Socket[] = [];

function pool(o: Partial<PortPoolOptions> & { range: PortPoolOptions['range'] }): RtpPortPool {
  const p = new RtpPortPool({ address: '127.0.0.1', quarantineMs: 0, ...o });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await Promise.all(foreign.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A socket not of the pool, bound to `port` (or any port), or null when the port is taken. */
function bindForeign(port: number, address = '127.0.0.1'): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, address, () => {
      foreign.push(s);
      resolve(s);
    });
  });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function send(from: Socket, to: number, text: string, address = '127.0.0.1'): void {
  from.send(Buffer.from(text), to, address);
}

function recorder(): { got: string[]; handler: (packet: Buffer, from: RemoteInfo) => void; from: RemoteInfo[] } {
  const got: string[] = [];
  const from: RemoteInfo[] = [];
  return { got, from, handler: (p, f) => (got.push(p.toString()), from.push(f)) };
}

function taken(p: RtpPortPool, n: number): PortPair[] {
  const out: PortPair[] = [];
  for (let i = 0; i < n; i++) {
    const pair = p.take();
    if (pair === null) throw new Error(`take ${i} returned null`);
    out.push(pair);
  }
  return out;
}

describe('RtpPortPool', () => {
  it('binds even RTP / odd RTCP pairs in the range, hands each out once, returns null when exhausted', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 7 } });
    expect(await p.open(4)).toBe(4);
    expect(p.stats()).toMatchObject({ pairs: 4, free: 4, inUse: 0, skippedPorts: 0, shortfall: null });
    const pairs = taken(p, 4);
    expect(pairs.map((x) => x.rtpPort)).toEqual([base, base + 2, base + 4, base + 6]);
    for (const x of pairs) {
      expect(x.address).toBe('127.0.0.1');
      expect(x.rtcpPort).toBe(x.rtpPort + 1);
      expect(x.rtp.address()).toMatchObject({ address: '127.0.0.1', port: x.rtpPort });
      expect(x.rtcp?.address()).toMatchObject({ address: '127.0.0.1', port: x.rtpPort + 1 });
    }
    expect(p.take()).toBeNull();
    expect(p.stats()).toMatchObject({ free: 0, inUse: 4 });
  });

  it('with growBy, a take() that leaves few pairs free binds growBy more in the background, up to the range', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 23 }, growBy: 4 });
    expect(await p.open(2)).toBe(2);
    taken(p, 2); // 0 free < 4/4: grows to 6
    await until(() => p.stats().pairs === 6, 'the pool to grow to 6 pairs');
    taken(p, 4); // 0 free again: grows to 10
    await until(() => p.stats().pairs === 10, 'the pool to grow to 10 pairs');
    taken(p, 2); // 2 free >= 1: no growth
    await new Promise((r) => setTimeout(r, 50));
    expect(p.stats()).toMatchObject({ pairs: 10, free: 2, inUse: 8 });
  });

  it('a released pair is reused with its sockets still bound; release twice is a no-op', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 3 } });
    await p.open(2);
    const [a, b] = taken(p, 2);
    const rtp = a.rtp;
    p.release(a);
    p.release(a);
    expect(p.stats()).toMatchObject({ free: 1, inUse: 1 });
    const again = p.take();
    expect(again?.rtpPort).toBe(a.rtpPort);
    expect(again?.rtp).toBe(rtp);
    expect(again?.rtp.address().port).toBe(a.rtpPort);
    expect(again).not.toBe(a); // a fresh lease: the old one cannot reach the new call
    expect(p.take()).toBeNull();
    p.release(b);
    expect(p.take()?.rtpPort).toBe(b.rtpPort);
  });

  it('free pairs go out oldest release first', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 5 } });
    await p.open(3);
    const [a, b, c] = taken(p, 3);
    p.release(b);
    p.release(c);
    p.release(a);
    expect(taken(p, 3).map((x) => x.rtpPort)).toEqual([b.rtpPort, c.rtpPort, a.rtpPort]);
  });

  it("delivers RTP and RTCP to the holder's handlers, with the sender's address", async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 1 } });
    await p.open(1);
    const pair = p.take()!;
    const rtp = recorder();
    const rtcp = recorder();
    pair.onRtp = rtp.handler;
    pair.onRtcp = rtcp.handler;
    const peer = (await bindForeign(0))!;
    send(peer, pair.rtpPort, 'rtp-1');
    send(peer, pair.rtcpPort, 'rtcp-1');
    await until(() => rtp.got.length === 1 && rtcp.got.length === 1, 'both packets');
    expect(rtp.got).toEqual(['rtp-1']);
    expect(rtcp.got).toEqual(['rtcp-1']);
    expect(rtp.from[0]).toMatchObject({ address: '127.0.0.1', port: peer.address().port });
  });

  it("a late packet of the old call is counted as stray, never delivered to the old or the next holder", async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 1 } });
    await p.open(1);
    const first = p.take()!;
    const old = recorder();
    first.onRtp = old.handler;
    first.onRtcp = old.handler;
    const peer = (await bindForeign(0))!;
    send(peer, first.rtpPort, 'call-1');
    await until(() => old.got.length === 1, 'the first call packet');

    p.release(first);
    send(peer, first.rtpPort, 'late-rtp');
    send(peer, first.rtcpPort, 'late-rtcp');
    await until(() => p.stats().strayPackets === 2, 'two strays');

    const second = p.take()!;
    expect(second.rtpPort).toBe(first.rtpPort);
    const next = recorder();
    second.onRtp = next.handler;
    send(peer, second.rtpPort, 'call-2');
    await until(() => next.got.length === 1, 'the second call packet');
    expect(next.got).toEqual(['call-2']);
    expect(old.got).toEqual(['call-1']);
    expect(p.stats().strayPackets).toBe(2);
    // The old lease's handlers were reset, and writing new ones does not reach the socket.
    first.onRtp = () => {
      throw new Error('stale handler called');
    };
    send(peer, second.rtpPort, 'call-2b');
    await until(() => next.got.length === 2, 'the next packet');
  });

  it('a released pair stays out of use for quarantineMs (the oldest first)', async () => {
    const base = basePort();
    let t = 1000;
    const p = pool({ range: { min: base, max: base + 3 }, quarantineMs: 500, now: () => t });
    await p.open(2);
    const [a, b] = taken(p, 2);
    p.release(a);
    t += 200;
    p.release(b);
    t += 299;
    expect(p.take()).toBeNull(); // a released 499 ms ago
    t += 1;
    expect(p.take()?.rtpPort).toBe(a.rtpPort);
    expect(p.take()).toBeNull(); // b released 300 ms ago
    t += 200;
    expect(p.take()?.rtpPort).toBe(b.rtpPort);
  });

  it('skips pairs whose RTP or RTCP port someone else holds', async () => {
    const base = basePort();
    expect(await bindForeign(base)).not.toBeNull(); // RTP of the first pair
    expect(await bindForeign(base + 3)).not.toBeNull(); // RTCP of the second
    const p = pool({ range: { min: base, max: base + 7 } });
    expect(await p.open(2)).toBe(2);
    expect(taken(p, 2).map((x) => x.rtpPort)).toEqual([base + 4, base + 6]);
    expect(p.stats().skippedPorts).toBe(2);
    // The second pair's RTP port was bound for the try and let go again.
    expect(await bindForeign(base + 2)).not.toBeNull();
  });

  it('open stops at the end of the range and says so; a later open adds to the pool', async () => {
    const base = basePort();
    const p = pool({ range: { min: base + 1, max: base + 6 } }); // odd min: starts at base + 2
    expect(await p.open(1)).toBe(1);
    expect(await p.open(5)).toBe(2);
    expect(p.stats().shortfall).toBe(`the range ends at ${base + 6}: 2 of 5 pairs bound (0 skipped as in use)`);
    expect(taken(p, 2).map((x) => x.rtpPort)).toEqual([base + 2, base + 4]);
  });

  it('with rtcp-mux: one socket per pair, RTCP on the RTP port, RTP + 1 left free', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 4 }, rtcpMux: true });
    expect(await p.open(3)).toBe(3);
    const [a] = taken(p, 1);
    expect(a.rtcp).toBeNull();
    expect(a.rtcpPort).toBe(a.rtpPort);
    expect(await bindForeign(a.rtpPort + 1)).not.toBeNull();
  });

  it('close releases every port, held or free; take() is null afterwards', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 5 } });
    await p.open(3);
    const held = p.take()!;
    held.onRtp = () => {
      throw new Error('closed pool delivered a packet');
    };
    await p.close();
    expect(p.take()).toBeNull();
    expect(p.stats()).toMatchObject({ pairs: 0, free: 0, inUse: 0 });
    p.release(held); // harmless after close
    for (let port = base; port <= base + 5; port++) expect(await bindForeign(port)).not.toBeNull();
  });

  it('close while open is binding leaves nothing bound', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 399 } });
    const opening = p.open(200);
    await p.close();
    await opening;
    expect(p.stats().pairs).toBe(0);
    expect(p.take()).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    for (let port = base; port < base + 20; port++) expect(await bindForeign(port)).not.toBeNull();
  });

  it('sets the receive and send buffer sizes asked for', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 1 }, recvBufferBytes: 65536, sendBufferBytes: 32768 });
    await p.open(1);
    const pair = p.take()!;
    // Linux reports double the size set (bookkeeping overhead), so at least what was asked.
    for (const s of [pair.rtp, pair.rtcp!]) {
      expect(s.getRecvBufferSize()).toBeGreaterThanOrEqual(65536);
      expect(s.getSendBufferSize()).toBeGreaterThanOrEqual(32768);
    }
  });

  it("a socket 'error' is counted, not thrown", async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 1 } });
    await p.open(1);
    const pair = p.take()!;
    pair.rtp.emit('error', new Error('ICMP said no'));
    expect(p.stats().socketErrors).toBe(1);
  });

  it('ignores a pair from another pool', async () => {
    const base = basePort();
    const p = pool({ range: { min: base, max: base + 1 } });
    const q = pool({ range: { min: base + 2, max: base + 3 } });
    await p.open(1);
    await q.open(1);
    const fromQ = q.take()!;
    p.release(fromQ);
    expect(p.stats()).toMatchObject({ free: 1, inUse: 0 });
    expect(q.stats()).toMatchObject({ free: 0, inUse: 1 });
  });

  it('works on ::1 when the host has IPv6', async (ctx) => {
    if ((await bindForeign(0, '::1')) === null) ctx.skip();
    const base = basePort();
    const p = pool({ address: '::1', range: { min: base, max: base + 3 } });
    expect(await p.open(2)).toBe(2);
    const pair = p.take()!;
    expect(pair.rtp.address()).toMatchObject({ address: '::1', family: 'IPv6', port: pair.rtpPort });
    const rx = recorder();
    pair.onRtp = rx.handler;
    const peer = (await bindForeign(0, '::1'))!;
    send(peer, pair.rtpPort, 'v6', '::1');
    await until(() => rx.got.length === 1, 'the IPv6 packet');
    expect(rx.from[0].address).toBe('::1');
  });

  it('refuses bad options, and an address this host does not have (CC_ERR_CLI_USAGE)', async () => {
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (isCallcertError(e)) return `${e.code}: ${e.message}`;
      }
      return 'no error';
    };
    const range = { min: 20000, max: 20009 };
    expect(code(() => new RtpPortPool({ address: 'localhost', range }))).toBe(
      'CC_ERR_CLI_USAGE: media ports: address "localhost" is not an IPv4 or IPv6 literal',
    );
    expect(code(() => new RtpPortPool({ address: '127.0.0.1', range: { min: 30000, max: 20000 } }))).toContain('min <= max');
    expect(code(() => new RtpPortPool({ address: '127.0.0.1', range: { min: 0, max: 10 } }))).toContain('1-65535');
    expect(code(() => new RtpPortPool({ address: '127.0.0.1', range: { min: 20001, max: 20002 } }))).toContain('no even/odd port pair');
    expect(code(() => new RtpPortPool({ address: '127.0.0.1', range, recvBufferBytes: 0 }))).toContain('recvBufferBytes 0');
    expect(code(() => new RtpPortPool({ address: '127.0.0.1', range, quarantineMs: -1 }))).toContain('quarantineMs -1');
    // 192.0.2.1 (TEST-NET-1) is no interface's address: the first bind fails with EADDRNOTAVAIL.
    const p = pool({ address: '192.0.2.1', range });
    await expect(p.open(2)).rejects.toMatchObject({
      code: 'CC_ERR_CLI_USAGE',
      message: 'media ports: cannot bind RTP ports: EADDRNOTAVAIL binding 192.0.2.1 port 20000',
    });
    expect(p.stats().pairs).toBe(0);
  });

  it('binds a thousand pairs for a thousand calls', async () => {
    const base = 2 * Math.floor((22000 + Math.random() * 4000) / 2);
    const p = pool({ range: { min: base, max: base + 2199 } });
    const n = await p.open(1000);
    expect(n).toBe(1000);
    const pairs = taken(p, 1000);
    expect(new Set(pairs.map((x) => x.rtpPort)).size).toBe(1000);
    expect(pairs.every((x) => x.rtpPort % 2 === 0 && x.rtpPort >= base && x.rtcpPort <= base + 2199)).toBe(true);
    expect(p.take()).toBeNull();
  });
});
