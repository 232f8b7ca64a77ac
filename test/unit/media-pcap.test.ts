/**
 * Classic pcap files as recordings (media/pcap.ts) on bytes built here: every link type read
 * (raw IP, Ethernet with a VLAN tag, BSD loopback, Linux cooked v1/v2), both byte orders, µs and ns
 * stamps, IPv6; RTP streams split by SSRC and 5-tuple with RTCP and DTMF left out of the audio;
 * malformed files as error values; and the recording check on a pcap (valid, duration mismatch,
 * silent, wrong call, unreadable without G.711).
 */
import { describe, expect, it } from 'vitest';
import { isPcap, readPcap, rtpStreams } from '../../src/media/pcap.js';
import { createSource, writeMarker } from '../../src/media/source.js';
import { checkRecording, type CheckExpectations } from '../../src/probe/recording-check.js';

interface Pkt { timeUs: number; src: string; srcPort: number; dst: string; dstPort: number; payload: Buffer }

const ip4 = (a: string) => Buffer.from(a.split('.').map(Number));

function ipv4Udp(p: Pkt): Buffer {
  const udp = Buffer.alloc(8 + p.payload.length);
  udp.writeUInt16BE(p.srcPort, 0);
  udp.writeUInt16BE(p.dstPort, 2);
  udp.writeUInt16BE(udp.length, 4);
  p.payload.copy(udp, 8);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + udp.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  ip4(p.src).copy(ip, 12);
  ip4(p.dst).copy(ip, 16);
  return Buffer.concat([ip, udp]);
}

function ipv6Udp(p: Pkt): Buffer {
  const udp = Buffer.alloc(8 + p.payload.length);
  udp.writeUInt16BE(p.srcPort, 0);
  udp.writeUInt16BE(p.dstPort, 2);
  udp.writeUInt16BE(udp.length, 4);
  p.payload.copy(udp, 8);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(udp.length, 4);
  ip[6] = 17;
  ip[7] = 64;
  ip[23] = 1; // ::1
  ip[39] = 1;
  return Buffer.concat([ip, udp]);
}

type Framing = 'raw' | 'ether-vlan' | 'loop' | 'sll' | 'sll2' | 'raw6';
const LINK: Record<Framing, number> = { raw: 101, 'ether-vlan': 1, loop: 0, sll: 113, sll2: 276, raw6: 229 };

function frame(p: Pkt, f: Framing, le: boolean): Buffer {
  if (f === 'raw6') return ipv6Udp(p);
  const ip = ipv4Udp(p);
  if (f === 'raw') return ip;
  if (f === 'ether-vlan') {
    const h = Buffer.alloc(18);
    h.writeUInt16BE(0x8100, 12);
    h.writeUInt16BE(0x0800, 16);
    return Buffer.concat([h, ip]);
  }
  if (f === 'loop') {
    const h = Buffer.alloc(4);
    if (le) h.writeUInt32LE(2, 0);
    else h.writeUInt32BE(2, 0);
    return Buffer.concat([h, ip]);
  }
  if (f === 'sll') {
    const h = Buffer.alloc(16);
    h.writeUInt16BE(0x0800, 14);
    return Buffer.concat([h, ip]);
  }
  const h = Buffer.alloc(20);
  h.writeUInt16BE(0x0800, 0);
  return Buffer.concat([h, ip]);
}

function pcapFile(pkts: Pkt[], o: { framing?: Framing; le?: boolean; nanos?: boolean } = {}): Buffer {
  const le = o.le ?? true;
  const f = o.framing ?? 'raw';
  const w32 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const g = Buffer.alloc(24);
  w32(g, o.nanos === true ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w32(g, 65535, 16);
  w32(g, LINK[f], 20);
  const parts: Buffer[] = [g];
  for (const p of pkts) {
    const body = frame(p, f, le);
    const h = Buffer.alloc(16);
    w32(h, Math.floor(p.timeUs / 1e6), 0);
    w32(h, o.nanos === true ? (p.timeUs % 1e6) * 1000 : p.timeUs % 1e6, 4);
    w32(h, body.length, 8);
    w32(h, body.length, 12);
    parts.push(h, body);
  }
  return Buffer.concat(parts);
}

function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
}

/** An RTCP RR (PT 201) as it shares a port pair: left out of every stream. */
const rtcp = () => Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 7]);

const T0 = 1_796_000_000_000_000; // µs

/**
 * A call as a relay records it: `frames` of 20 ms from the caller (SSRC 1) to the relay's port
 * 12000, the same echoed from 14000 to the relay's 12002 (SSRC 2), an RTCP report and a DTMF event.
 */
function callPackets(frames: number, o: { kind?: 'tone' | 'silence'; tag?: number | null; pt?: number } = {}): Pkt[] {
  const src = createSource(o.kind === 'silence' ? { kind: 'silence' } : { kind: 'tone', hz: 440, dbov: -20 }, o.pt === 8 ? 'pcma' : 'pcmu');
  const out: Pkt[] = [];
  for (let n = 0; n < frames; n++) {
    const pl = Buffer.alloc(160);
    src.write(n, pl, 0);
    if (o.tag !== null) writeMarker(pl, 0, o.tag ?? 7);
    const t = T0 + n * 20_000;
    out.push({ timeUs: t, src: '127.0.0.1', srcPort: 16384, dst: '127.0.0.1', dstPort: 12000, payload: rtp(o.pt ?? 0, n, n * 160, 1, pl) });
    out.push({ timeUs: t + 500, src: '127.0.0.1', srcPort: 14000, dst: '127.0.0.1', dstPort: 12002, payload: rtp(o.pt ?? 0, 100 + n, n * 160, 2, pl) });
  }
  out.push({ timeUs: T0 + 5000, src: '127.0.0.1', srcPort: 16385, dst: '127.0.0.1', dstPort: 12001, payload: rtcp() });
  out.push({ timeUs: T0 + 6000, src: '127.0.0.1', srcPort: 16384, dst: '127.0.0.1', dstPort: 12000, payload: rtp(101, 999, 0, 1, Buffer.from([1, 0x80, 0, 160])) });
  return out;
}

describe('readPcap', () => {
  it.each<[Framing, boolean, boolean]>([
    ['raw', true, false], ['raw', false, true], ['ether-vlan', true, false], ['loop', true, false], ['loop', false, false],
    ['sll', true, true], ['sll2', false, false], ['raw6', true, false],
  ])('link %s (little-endian %s, ns %s): every UDP datagram with its addresses, ports, payload and time', (framing, le, nanos) => {
    const pkts = callPackets(3);
    const file = pcapFile(pkts, { framing, le, nanos });
    expect(isPcap(file)).toBe(true);
    const r = readPcap(file);
    if ('error' in r) throw new Error(r.error);
    expect(r.linkType).toBe(LINK[framing]);
    expect(r.datagrams.length).toBe(pkts.length);
    const host = framing === 'raw6' ? '[0:0:0:0:0:0:0:1]' : '127.0.0.1';
    r.datagrams.forEach((d, k) => {
      expect(d).toMatchObject({ timeUs: pkts[k]!.timeUs, src: host, dst: host, srcPort: pkts[k]!.srcPort, dstPort: pkts[k]!.dstPort });
      expect(Buffer.compare(d.payload, pkts[k]!.payload)).toBe(0);
    });
  });

  it('a malformed file is an error value saying where', () => {
    const good = pcapFile(callPackets(2));
    expect(readPcap(good.subarray(0, 10))).toEqual({ error: 'pcap: 10 bytes, shorter than its 24-byte global header' });
    const ng = Buffer.from(good);
    ng.writeUInt32BE(0x0a0d0d0a, 0);
    expect(isPcap(ng)).toBe(false);
    expect(readPcap(ng)).toEqual({ error: 'pcap: magic 0xa0d0d0a, expected a1b2c3d4 or a1b23c4d (classic libpcap; pcapng is not read)' });
    expect(readPcap(good.subarray(0, good.length - 5))).toMatchObject({ error: expect.stringMatching(/^pcap: record at byte \d+ \(\d+ bytes\) runs past the end of the file$/) });
    expect(readPcap(good.subarray(0, 24 + 7))).toEqual({ error: 'pcap: 7 bytes after the last whole record' });
    const odd = Buffer.from(good);
    odd.writeUInt32LE(105, 20); // 802.11
    expect(readPcap(odd)).toMatchObject({ error: expect.stringContaining('pcap: link type 105, expected one of') });
  });
});

describe('rtpStreams', () => {
  it('one stream per SSRC and 5-tuple; RTCP left out, DTMF counted but not audio; payloads in capture order', () => {
    const pkts = callPackets(50);
    const r = readPcap(pcapFile(pkts));
    if ('error' in r) throw new Error(r.error);
    const streams = rtpStreams(r.datagrams);
    expect(streams.map((s) => [s.srcPort, s.dstPort, s.ssrc, s.packets, s.audioPackets, s.law, s.audio.length])).toEqual([
      [16384, 12000, 1, 51, 50, 'pcmu', 8000],
      [14000, 12002, 2, 50, 50, 'pcmu', 8000],
    ]);
    expect(streams[0]!.firstUs).toBe(T0);
    expect(streams[0]!.lastUs).toBe(T0 + 49 * 20_000);
    expect(streams[0]!.lastFrameMs).toBe(20);
    expect(Buffer.compare(streams[0]!.audio.subarray(160, 320), pkts[2]!.payload.subarray(12))).toBe(0);
  });
});

describe('checkRecording on a pcap', () => {
  const e: CheckExpectations = { talkMs: 2000, toleranceMs: 1000, silenceDbov: -50, markerTag: 7, law: 'pcmu' };

  it('2 s of both directions: valid, its span the first packet to the end of the last, one marker per packet', () => {
    const r = checkRecording(pcapFile(callPackets(100)), e);
    expect(r).toMatchObject({ ok: true, durationMs: 2000.5, markerOwn: 200, markerOther: 0 });
    if (r.ok) expect(r.levelDbov).toBeCloseTo(-20, 0);
    // PCMA is read in its own law whatever the call's was.
    expect(checkRecording(pcapFile(callPackets(100, { pt: 8 })), e)).toMatchObject({ ok: true, markerOwn: 200 });
  });

  it('fails as a WAV would: too short, silent, another call\'s audio, no G.711 at all', () => {
    expect(checkRecording(pcapFile(callPackets(40)), e)).toEqual({ ok: false, cause: 'duration_mismatch', detail: 'lasts 800.5 ms, the call talked 2000 ms (tolerance ±1000 ms)' });
    expect(checkRecording(pcapFile(callPackets(100, { kind: 'silence' })), e)).toMatchObject({ ok: false, cause: 'silent' });
    expect(checkRecording(pcapFile(callPackets(100, { tag: 9 })), e)).toEqual({ ok: false, cause: 'wrong_call', detail: 'marker of this call (7) found 0 times, other calls\' 200 times' });
    const rtcpOnly = pcapFile([{ timeUs: T0, src: '127.0.0.1', srcPort: 1, dst: '127.0.0.1', dstPort: 2, payload: rtcp() }]);
    expect(checkRecording(rtcpOnly, e)).toEqual({ ok: false, cause: 'unreadable', detail: 'pcap: 1 UDP datagrams, no G.711 RTP stream (payload type 0 or 8)' });
    const cut = pcapFile(callPackets(100));
    expect(checkRecording(cut.subarray(0, cut.length - 3), e)).toMatchObject({ ok: false, cause: 'unreadable' });
  });
});
